//go:build race

package engineio

// poisonRecycled: see Recycle.
const poisonRecycled = true
