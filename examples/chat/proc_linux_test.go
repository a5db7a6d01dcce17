package main

import "syscall"

// redisProcAttr makes the tests' redis-server die with the test process.
func redisProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
