// Command floor is the least a server can do for the load tool's echo
// scenario: a bare coder/websocket server that answers the Engine.IO and
// Socket.IO handshakes and turns each `42<id>[...]` into `43<id>[...]`
// with no parsing beyond dropping the event's name. It is the floor against which sio's overhead is read.
// With -loops N (Linux) the connections are served by N event loops
// instead of a goroutine each (loop_linux.go): the floor of that design.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/coder/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	loops := flag.Int("loops", 0, "serve WebSockets from this many epoll loops instead of a goroutine each (Linux)")
	netpoll := flag.Bool("netpoll", false, "with -loops: the loops wait in the runtime's netpoller, and the connections stay net.Conns")
	flag.Parse()
	if *loops > 0 {
		http.HandleFunc("/socket.io/", loopHandler(startLoops(*loops, *netpoll)))
		log.Printf("listening on %s", *addr)
		log.Fatal(http.ListenAndServe(*addr, nil))
	}
	var n atomic.Int64
	http.HandleFunc("/socket.io/", func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx := context.Background()
		sid := strconv.FormatInt(n.Add(1), 10)
		open := fmt.Sprintf(`0{"sid":"%s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`, sid)
		if ws.Write(ctx, websocket.MessageText, []byte(open)) != nil {
			return
		}
		for {
			_, msg, err := ws.Read(ctx)
			if err != nil {
				return
			}
			switch {
			case string(msg) == "40":
				msg = []byte(`40{"sid":"` + sid + `"}`)
			case len(msg) > 2 && msg[0] == '4' && msg[1] == '2':
				msg = ackOf(msg)
			default:
				continue
			}
			if ws.Write(ctx, websocket.MessageText, msg) != nil {
				return
			}
		}
	})
	log.Printf("listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}

// ackOf turns the event `42<id>["name",args...]` into its ack
// `43<id>[args...]`, in place.
func ackOf(msg []byte) []byte {
	msg[1] = '3'
	i := bytes.IndexByte(msg, '[')
	if i < 0 || i+1 >= len(msg) || msg[i+1] != '"' {
		return msg
	}
	j := bytes.IndexByte(msg[i+2:], '"') // names need no escapes here
	if j < 0 {
		return msg
	}
	end := i + 2 + j + 1
	if end < len(msg) && msg[end] == ',' {
		end++
	}
	return append(msg[:i+1], msg[end:]...)
}
