package main

import "github.com/seed-e3ad8a97/sio/engineio"

// echo sends every message of its session back unchanged.
type echo struct{ s *engineio.Session }

func newEcho(s *engineio.Session) engineio.SessionHandler { return echo{s} }

func (e echo) Message(data []byte, binary bool) {
	_ = e.s.Send(engineio.Message{Data: data, Binary: binary})
}

func (echo) Closed(string, error) {}
