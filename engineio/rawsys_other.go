//go:build !linux

package engineio

import "errors"

// rawIO is off outside Linux: sockets are read and written through
// net.Conn, and the raw functions are never called.
const rawIO = false

var errNoRawIO = errors.New("engineio: raw socket I/O is Linux only")

func rawRead(int, []byte) (int, error)  { return 0, errNoRawIO }
func rawWrite(int, []byte) (int, error) { return 0, errNoRawIO }
