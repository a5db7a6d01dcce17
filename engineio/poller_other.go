//go:build !linux

package engineio

// poller parks readers on Linux only; elsewhere each WebSocket keeps its
// reader goroutine.
type poller struct{}

func (p *poller) ready()            {}
func (p *poller) park(*socket) bool { return false }
func (p *poller) stop()             {}
func (p *poller) forget(*socket)    {}
