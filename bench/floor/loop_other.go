//go:build !linux

package main

import (
	"log"
	"net/http"
)

type loop struct{}

func startLoops(int, bool) []*loop { log.Fatal("floor: -loops needs Linux"); return nil }

func loopHandler([]*loop) http.HandlerFunc { return nil }
