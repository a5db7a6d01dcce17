package parser

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestType_String(t *testing.T) {
	assert.Equal(t, "CONNECT", Connect.String())
	assert.Equal(t, "BINARY_ACK", BinaryAck.String())
	assert.Equal(t, "Type(7)", Type(7).String())
}

func TestType_IsBinary(t *testing.T) {
	for ty := Connect; ty <= BinaryAck; ty++ {
		assert.Equal(t, ty == BinaryEvent || ty == BinaryAck, ty.IsBinary(), ty.String())
		assert.True(t, ty.Valid())
	}
	assert.False(t, Type(7).Valid())
}

func TestAppendText(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		want string
	}{
		{"ConnectDefaultNamespace", Packet{Type: Connect, Namespace: "/"}, "0"},
		{"ConnectEmptyNamespaceIsDefault", Packet{Type: Connect}, "0"},
		{"ConnectWithData", Packet{Type: Connect, Namespace: "/", Data: []byte(`{"sid":"abc"}`)}, `0{"sid":"abc"}`},
		{"ConnectCustomNamespace", Packet{Type: Connect, Namespace: "/admin", Data: []byte(`{"sid":"x"}`)}, `0/admin,{"sid":"x"}`},
		{"DisconnectCustomNamespaceKeepsComma", Packet{Type: Disconnect, Namespace: "/admin"}, "1/admin,"},
		{"Event", Packet{Type: Event, Namespace: "/", Data: []byte(`["a",1]`)}, `2["a",1]`},
		{"EventWithID", Packet{Type: Event, Namespace: "/", ID: 12, HasID: true, Data: []byte(`["foo"]`)}, `212["foo"]`},
		{"EventWithIDZero", Packet{Type: Event, ID: 0, HasID: true, Data: []byte(`["foo"]`)}, `20["foo"]`},
		{"AckNamespaceAndID", Packet{Type: Ack, Namespace: "/nsp", ID: 7, HasID: true, Data: []byte(`[]`)}, `3/nsp,7[]`},
		{"ConnectError", Packet{Type: ConnectError, Namespace: "/random", Data: []byte(`{"message":"Invalid namespace"}`)}, `4/random,{"message":"Invalid namespace"}`},
		{"BinaryEvent", Packet{Type: BinaryEvent, Data: []byte(`["up",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}}, `51-["up",{"_placeholder":true,"num":0}]`},
		{"BinaryAck", Packet{Type: BinaryAck, Namespace: "/n", ID: 3, HasID: true, Data: []byte(`[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), Attachments: [][]byte{{1}, {2}}}, `62-/n,3[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(tt.p.AppendText(nil)))
			assert.Equal(t, "x"+tt.want, string(tt.p.AppendText([]byte("x"))), "appends to dst")
		})
	}
}

func TestAppendText_NoAllocWithCapacity(t *testing.T) {
	p := Packet{Type: BinaryAck, Namespace: "/chat", ID: 42, HasID: true,
		Data: []byte(`["hello",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}}
	buf := make([]byte, 0, 128)
	allocs := testing.AllocsPerRun(100, func() { buf = p.AppendText(buf[:0]) })
	assert.Zero(t, allocs)
}
