//go:build !linux

package main

import "syscall"

// redisProcAttr: the tests stop their redis-server when they end.
func redisProcAttr() *syscall.SysProcAttr { return nil }
