package engineio

import (
	"syscall"
	"unsafe"
)

// rawIO says the raw reads and writes below are available.
const rawIO = true

// rawRead and rawWrite are read and write on a non-blocking socket, made
// without telling the scheduler a system call is under way: such a call
// never blocks, and announcing it costs more than the bookkeeping, since
// the runtime's monitor then hands the P of a call that spans one of its
// ticks to another thread (waking it), and keeps ticking every 20 µs.
func rawRead(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func rawWrite(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func rawWritev(fd int, iov []syscall.Iovec) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(iov))), uintptr(len(iov)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
