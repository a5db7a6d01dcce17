//go:build !linux

package engineio

// tryWritePieces is never called off Linux, where sockets have no raw
// connection: the blocking write does all.
func (ws *socket) tryWritePieces() int { return 0 }
