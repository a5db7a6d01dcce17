// Command floor is the least a server can do for the load tool's echo
// scenario: a bare coder/websocket server that answers the Engine.IO and
// Socket.IO handshakes and turns each `42<id>[...]` into `43<id>[...]`
// with no parsing. It is the floor against which sio's overhead is read.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"strconv"

	"github.com/coder/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()
	var n int
	http.HandleFunc("/socket.io/", func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx := context.Background()
		n++
		sid := strconv.Itoa(n)
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
				msg[1] = '3'
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
