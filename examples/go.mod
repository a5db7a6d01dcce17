module github.com/seed-e3ad8a97/sio/examples

go 1.26

require github.com/seed-e3ad8a97/sio v0.0.0

require github.com/coder/websocket v1.8.15 // indirect

replace github.com/seed-e3ad8a97/sio => ../
