//go:build race

package hostile

// raceEnabled builds the server with the race detector too, so that a race
// in the server under hostile input fails the run.
const raceEnabled = true
