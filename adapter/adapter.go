// Package adapter is the seam between a Socket.IO namespace and the rest of
// the cluster. Everything that may cross nodes goes through an [Adapter]:
// room membership, broadcasts (with or without acknowledgements), queries
// and commands on sockets matching rooms, server-side emits and the server
// count. [NewMemory] is the default, single-process adapter; cluster
// adapters (Redis) live in their own modules.
//
// An adapter never imports the server: it reaches the sockets of its own
// process through the [Namespace] interface, which the socketio package
// implements.
//
// # Writing an adapter
//
// A cluster adapter usually embeds the in-memory one for local membership
// and delivery, and forwards each call (with its [BroadcastOptions]) to the
// other nodes unless Flags.Local is set; each node then applies it to its
// own sockets through the same in-memory code. Requests that gather answers
// (FetchSockets, BroadcastWithAck, ServerSideEmit, ServerCount) wait for
// every node until the context is done. The shared test suite in
// adapter/adaptertest runs the same cases against any adapter.
package adapter

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// ErrClosed is returned by an adapter after Close.
var ErrClosed = errors.New("adapter: closed")

// Flags change how a broadcast is delivered.
type Flags struct {
	// Volatile packets may be dropped when a client is not ready for them.
	Volatile bool
	// Compress asks for compression where the transport supports it.
	Compress bool
	// Local keeps the broadcast on this node.
	Local bool
	// Timeout bounds a broadcast that waits for acknowledgements.
	Timeout time.Duration
}

// BroadcastOptions select the sockets a broadcast or command reaches: those
// in any of Rooms (every socket of the namespace when empty) and in none of
// Except. Every socket is in the room named by its id.
type BroadcastOptions struct {
	Rooms  []string
	Except []string
	Flags  Flags
}

// Selects reports whether o selects a socket that is in rooms: one of them
// is targeted (or none are named) and none is excluded.
func (o BroadcastOptions) Selects(rooms []string) bool {
	for _, r := range rooms {
		if slices.Contains(o.Except, r) {
			return false
		}
	}
	if len(o.Rooms) == 0 {
		return true
	}
	for _, r := range rooms {
		if slices.Contains(o.Rooms, r) {
			return true
		}
	}
	return false
}

// AckFunc receives the answer of one socket (or one server, for server-side
// emits) to a packet that asked for an acknowledgement.
type AckFunc func(id string, reply *parser.Packet)

// SocketInfo describes a socket, possibly on another node.
type SocketInfo struct {
	ID        string
	Rooms     []string
	Data      any
	Handshake any
}

// Namespace is what an adapter needs from the namespace it serves: the
// sockets of this process. The socketio package implements it.
type Namespace interface {
	// Name is the namespace's name, such as "/" or "/admin".
	Name() string
	// Send writes p to the local sockets ids. It encodes p once for all of
	// them and never blocks on the network. When onAck is not nil, p
	// asks for an acknowledgement (under an ack id the namespace picks,
	// since p may come from another node) and each socket's answer is
	// passed to onAck.
	Send(ids []string, p *parser.Packet, flags Flags, onAck AckFunc)
	// Socket describes a local socket.
	Socket(id string) (SocketInfo, bool)
	// Disconnect disconnects local sockets; close also ends their
	// underlying connection.
	Disconnect(ids []string, close bool)
	// Receive runs the namespace's server-side listeners for an event p
	// that another node emitted; with reply, they may acknowledge it.
	Receive(p *parser.Packet, reply func(*parser.Packet))
}

// Adapter keeps room membership and carries broadcasts and commands to the
// sockets they select, on this node and, for cluster adapters, on the
// others. Its methods are safe for concurrent use.
type Adapter interface {
	// AddAll adds the local socket id to rooms.
	AddAll(id string, rooms ...string)
	// Del removes the local socket id from room.
	Del(id, room string)
	// DelAll removes the local socket id from every room.
	DelAll(id string)
	// Rooms lists the rooms of the local socket id.
	Rooms(id string) []string
	// Sockets lists the local sockets in any of rooms (all when empty).
	Sockets(rooms []string) []string

	// Broadcast sends p to the sockets opts selects.
	Broadcast(p *parser.Packet, opts BroadcastOptions) error
	// BroadcastWithAck sends p (which carries an ack id) to the sockets
	// opts selects; expect is called with the number of sockets reached on
	// each node, and onAck with each answer.
	BroadcastWithAck(p *parser.Packet, opts BroadcastOptions, expect func(n int), onAck AckFunc) error

	// FetchSockets describes the sockets opts selects.
	FetchSockets(ctx context.Context, opts BroadcastOptions) ([]SocketInfo, error)
	// AddSockets makes the sockets opts selects join rooms.
	AddSockets(opts BroadcastOptions, rooms []string) error
	// DelSockets makes the sockets opts selects leave rooms.
	DelSockets(opts BroadcastOptions, rooms []string) error
	// DisconnectSockets disconnects the sockets opts selects.
	DisconnectSockets(opts BroadcastOptions, close bool) error

	// ServerSideEmit sends the event p to the other nodes' namespaces.
	// When onReply is not nil, their answers are passed to it, and it
	// returns how many nodes were asked.
	ServerSideEmit(p *parser.Packet, onReply AckFunc) (int, error)
	// ServerCount is the number of nodes, this one included.
	ServerCount(ctx context.Context) (int, error)

	// Close releases the adapter.
	Close() error
}

// Factory makes the adapter of a namespace.
type Factory func(ns Namespace) Adapter
