package parser

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeOne decodes a single text message with default limits.
func decodeOne(t *testing.T, msg string) (*Packet, error) {
	t.Helper()
	return NewDecoder(Limits{}).Decode([]byte(msg), false)
}

func mustDecode(t *testing.T, msg string) *Packet {
	t.Helper()
	p, err := decodeOne(t, msg)
	require.NoError(t, err, msg)
	require.NotNil(t, p, msg)
	return p
}

func assertInvalid(t *testing.T, msg string) {
	t.Helper()
	p, err := decodeOne(t, msg)
	assert.ErrorIs(t, err, ErrInvalidPacket, "%q", msg)
	assert.Nil(t, p, "%q", msg)
}

func TestDecode_EveryPacketType(t *testing.T) {
	tests := []struct {
		msg  string
		want Packet
	}{
		{"0", Packet{Type: Connect, Namespace: "/"}},
		{`0{"token":"123"}`, Packet{Type: Connect, Namespace: "/", Data: []byte(`{"token":"123"}`)}},
		{"1", Packet{Type: Disconnect, Namespace: "/"}},
		{`2["chat message","hello"]`, Packet{Type: Event, Namespace: "/", Data: []byte(`["chat message","hello"]`)}},
		{`35[]`, Packet{Type: Ack, Namespace: "/", ID: 5, HasID: true, Data: []byte(`[]`)}},
		{`4{"message":"no"}`, Packet{Type: ConnectError, Namespace: "/", Data: []byte(`{"message":"no"}`)}},
		{`51-["a",{"_placeholder":true,"num":0}]`, Packet{Type: BinaryEvent, Namespace: "/", Data: []byte(`["a",{"_placeholder":true,"num":0}]`)}},
		{`61-5[{"_placeholder":true,"num":0}]`, Packet{Type: BinaryAck, Namespace: "/", ID: 5, HasID: true, Data: []byte(`[{"_placeholder":true,"num":0}]`)}},
	}
	for _, tt := range tests {
		t.Run(tt.want.Type.String(), func(t *testing.T) {
			d := NewDecoder(Limits{})
			p, err := d.Decode([]byte(tt.msg), false)
			require.NoError(t, err)
			if tt.want.Type.IsBinary() {
				require.Nil(t, p, "waits for the attachment")
				p, err = d.Decode([]byte{0xde, 0xad}, true)
				require.NoError(t, err)
				tt.want.Attachments = [][]byte{{0xde, 0xad}}
			}
			require.NotNil(t, p)
			assert.Equal(t, tt.want, *p)
		})
	}
}

func TestDecode_DataIsCopied(t *testing.T) {
	for _, msg := range []string{`2["a"]`, `2["` + strings.Repeat("x", 100) + `"]`} {
		buf := []byte(msg)
		p, err := NewDecoder(Limits{}).Decode(buf, false)
		require.NoError(t, err)
		for i := range buf {
			buf[i] = 'z'
		}
		assert.Equal(t, msg[1:], string(p.Data))
	}
}

func TestDecode_UnknownTypeInvalid(t *testing.T) {
	for _, msg := range []string{"", "7", "9[]", "a", "/", "-1", " 2[\"a\"]", "\x00"} {
		assertInvalid(t, msg)
	}
}

func TestDecode_NamespaceEndedByComma(t *testing.T) {
	p := mustDecode(t, "0/custom,")
	assert.Equal(t, "/custom", p.Namespace)
	assert.Nil(t, p.Data)
	p = mustDecode(t, `0/custom,{"token":"abc"}`)
	assert.Equal(t, "/custom", p.Namespace)
	assert.Equal(t, `{"token":"abc"}`, string(p.Data))
}

func TestDecode_NamespaceEndedByEndOfString(t *testing.T) {
	assert.Equal(t, "/custom", mustDecode(t, "0/custom").Namespace)
	assert.Equal(t, "/custom", mustDecode(t, "1/custom").Namespace)
	assert.Equal(t, "/custom", mustDecode(t, "1/custom,").Namespace)
}

func TestDecode_NamespaceOfSlashOnlyIsDefault(t *testing.T) {
	assert.Equal(t, "/", mustDecode(t, `2/,["a"]`).Namespace)
	assert.Equal(t, "/", mustDecode(t, `0/`).Namespace)
}

func TestDecode_NamespaceWithoutCommaSwallowsData(t *testing.T) {
	// As in the reference parser, the namespace runs to a comma or the end,
	// so an event without the comma has no data and is invalid.
	assertInvalid(t, `2/chat["a"]`)
	p := mustDecode(t, `0/chat{"a":1}`)
	assert.Equal(t, `/chat{"a":1}`, p.Namespace)
}

func TestDecode_NamespaceTooLongInvalid(t *testing.T) {
	ok := "/" + strings.Repeat("n", MaxNamespaceLen-1)
	assert.Equal(t, ok, mustDecode(t, "0"+ok+",").Namespace)
	assertInvalid(t, "0"+ok+"n,")
}

func TestDecode_NamespaceReusedAcrossPackets(t *testing.T) {
	d := NewDecoder(Limits{})
	p1, err := d.Decode([]byte(`2/chat,["a"]`), false)
	require.NoError(t, err)
	p2, err := d.Decode([]byte(`2/chat,["b"]`), false)
	require.NoError(t, err)
	assert.Equal(t, "/chat", p2.Namespace)
	assert.Equal(t, p1.Namespace, p2.Namespace)
	msg := []byte(`2/chat,["b"]`)
	allocs := testing.AllocsPerRun(100, func() { _, _ = d.Decode(msg, false) })
	assert.Equal(t, 1.0, allocs, "packet only; namespace string reused")
}

// DecodeOwned decodes a text packet in place: its Data is the message's
// own bytes, and it allocates nothing.
func TestDecodeOwned_TextInPlace(t *testing.T) {
	d := NewDecoder(Limits{})
	msg := []byte(`2/chat,7["a",1]`)
	var p Packet
	whole, err := d.DecodeOwned(&p, msg, false)
	require.NoError(t, err)
	require.True(t, whole)
	assert.Equal(t, Packet{Type: Event, Namespace: "/chat", ID: 7, HasID: true, Data: []byte(`["a",1]`)}, p)
	msg[len(msg)-2] = '2'
	assert.Equal(t, `["a",2]`, string(p.Data), "Data aliases the message")
	allocs := testing.AllocsPerRun(100, func() { _, _ = d.DecodeOwned(&p, msg, false) })
	assert.Zero(t, allocs)
}

// A binary packet goes through DecodeOwned as through Decode: the header
// waits for its attachment, and the whole packet is copied out.
func TestDecodeOwned_Binary(t *testing.T) {
	d := NewDecoder(Limits{})
	var p Packet
	whole, err := d.DecodeOwned(&p, []byte(`51-["a",{"_placeholder":true,"num":0}]`), false)
	require.NoError(t, err)
	assert.False(t, whole)
	assert.True(t, d.Waiting())
	whole, err = d.DecodeOwned(&p, []byte{1, 2}, true)
	require.NoError(t, err)
	require.True(t, whole)
	assert.Equal(t, BinaryEvent, p.Type)
	assert.Equal(t, [][]byte{{1, 2}}, p.Attachments)
	_, err = d.DecodeOwned(&p, []byte(`2["x"`), false)
	assert.ErrorIs(t, err, ErrInvalidPacket)
}

func TestDecode_AckID(t *testing.T) {
	p := mustDecode(t, `212["foo"]`)
	assert.True(t, p.HasID)
	assert.Equal(t, uint64(12), p.ID)
	assert.Equal(t, `["foo"]`, string(p.Data))

	p = mustDecode(t, `2/nsp,0["foo"]`)
	assert.True(t, p.HasID)
	assert.Zero(t, p.ID)
	assert.Equal(t, "/nsp", p.Namespace)

	p = mustDecode(t, `2["foo"]`)
	assert.False(t, p.HasID)
}

func TestDecode_AckIDLeadingZeros(t *testing.T) {
	p := mustDecode(t, `3007[]`)
	assert.Equal(t, uint64(7), p.ID)
}

func TestDecode_AckIDMaxSafeInteger(t *testing.T) {
	max := strconv.FormatUint(1<<53-1, 10)
	p := mustDecode(t, "3"+max+"[]")
	assert.Equal(t, uint64(1<<53-1), p.ID)
	assertInvalid(t, "3"+strconv.FormatUint(1<<53, 10)+"[]")
	assertInvalid(t, "3"+strings.Repeat("9", 40)+"[]")
	assert.Equal(t, uint64(1), mustDecode(t, "3"+strings.Repeat("0", 1000)+"1[]").ID)
}

func TestDecode_AckIDOnlyOnEventAndAck(t *testing.T) {
	assertInvalid(t, `01{}`)
	assertInvalid(t, `0/nsp,1{}`)
	assertInvalid(t, `11`)
	assertInvalid(t, `1/nsp,1`)
	assertInvalid(t, `41{"message":"x"}`)
	assertInvalid(t, `41"x"`)
	mustDecode(t, `21["a"]`)
	mustDecode(t, `31[]`)
}

func TestDecode_AckWithoutIDInvalid(t *testing.T) {
	assertInvalid(t, `3[]`)
	assertInvalid(t, `3/nsp,[]`)
	d := NewDecoder(Limits{})
	_, err := d.Decode([]byte(`61-[{"_placeholder":true,"num":0}]`), false)
	assert.ErrorIs(t, err, ErrInvalidPacket)
}

func TestDecode_NonDigitWhereIDOrDataStartsInvalid(t *testing.T) {
	assertInvalid(t, `2a["foo"]`)
	assertInvalid(t, `21a["foo"]`)
	assertInvalid(t, `2 ["foo"]`)
	assertInvalid(t, `2/nsp, ["foo"]`)
	assertInvalid(t, `2/nsp,,["foo"]`)
}

func TestDecode_ConnectPayload(t *testing.T) {
	mustDecode(t, `0`)
	mustDecode(t, `0{}`)
	mustDecode(t, `0{"token":"123"}`)
	assertInvalid(t, `0[]`)
	assertInvalid(t, `0"x"`)
	assertInvalid(t, `0null`)
	assertInvalid(t, `0true`)
}

func TestDecode_DisconnectPayloadMustBeAbsent(t *testing.T) {
	mustDecode(t, `1`)
	assertInvalid(t, `1{}`)
	assertInvalid(t, `1/nsp,{}`)
	assertInvalid(t, `1[]`)
}

func TestDecode_ConnectErrorPayload(t *testing.T) {
	mustDecode(t, `4{"message":"x","data":{"a":1}}`)
	mustDecode(t, `4"not authorized"`)
	assertInvalid(t, `4`)
	assertInvalid(t, `4/nsp,`)
	assertInvalid(t, `4[]`)
	assertInvalid(t, `4null`)
	assertInvalid(t, `4true`)
}

func TestDecode_EventPayload(t *testing.T) {
	mustDecode(t, `2["a"]`)
	mustDecode(t, `2[""]`)
	mustDecode(t, `2[1,2]`)
	mustDecode(t, `2[-1.5e3]`)
	mustDecode(t, `2["a",{"b":[1,null,true,false]}]`)
	assertInvalid(t, `2`)
	assertInvalid(t, `2[]`)
	assertInvalid(t, `2{}`)
	assertInvalid(t, `2"a"`)
	assertInvalid(t, `2[null]`)
	assertInvalid(t, `2[true]`)
	assertInvalid(t, `2[["a"]]`)
	assertInvalid(t, `2[{"a":1}]`)
	assertInvalid(t, `5`) // binary event without header
}

func TestDecode_ReservedEventNamesInvalid(t *testing.T) {
	for _, name := range reservedEvents {
		assertInvalid(t, `2["`+name+`"]`)
		assertInvalid(t, `2/nsp,1["`+name+`",1]`)
		d := NewDecoder(Limits{})
		_, err := d.Decode([]byte(`51-["`+name+`",{"_placeholder":true,"num":0}]`), false)
		assert.ErrorIs(t, err, ErrInvalidPacket, name)
	}
	assertInvalid(t, `2["conn\u0065ct"]`) // escapes decoded as JSON.parse would
	assertInvalid(t, `2["\u0063onnect"]`)
	mustDecode(t, `2["Connect"]`)
	mustDecode(t, `2["connect "]`)
	mustDecode(t, `2["connection"]`)
	mustDecode(t, `2["conn\u0065ction"]`)
}

func TestDecode_AckPayload(t *testing.T) {
	mustDecode(t, `31[]`)
	mustDecode(t, `31[null]`)
	mustDecode(t, `31[{"a":1},"b"]`)
	assertInvalid(t, `31`)
	assertInvalid(t, `31{}`)
	assertInvalid(t, `31"a"`)
	assertInvalid(t, `31null`)
}

func TestDecode_InvalidJSON(t *testing.T) {
	for _, msg := range []string{
		`2["a"`, `2["a",]`, `2["a"]]`, `2["a"]x`, `2["a"] ["b"]`, `2['a']`, `2["a\x"]`,
		`2["a` + "\n" + `"]`, `2[01]`, `2[1.]`, `2[.5]`, `2[1e]`, `2[-]`, `2[+1]`, `2[NaN]`,
		`2["a",tru]`, `2["a",nul]`, `0{"a"}`, `0{"a":}`, `0{a:1}`, `0{"a":1,}`, `0{,}`,
		`2["\u12"]`, `2["\ud800\u"]`, `2[1 2]`, `0{"a":1 "b":2}`,
	} {
		p, err := decodeOne(t, msg)
		assert.ErrorIs(t, err, ErrInvalidPacket, "%q", msg)
		assert.Nil(t, p)
	}
}

func TestDecode_InvalidJSONErrorAlsoMatchesErrInvalidJSON(t *testing.T) {
	_, err := decodeOne(t, `2["a"`)
	assert.ErrorIs(t, err, ErrInvalidJSON)
	assert.Contains(t, err.Error(), "socketio/parser: invalid packet: data: ")
}

func TestDecode_WhitespaceInsideDataKeptVerbatim(t *testing.T) {
	p := mustDecode(t, "2[ \"a\" ,\t{ \"b\" : 1 } ]\n")
	assert.Equal(t, "[ \"a\" ,\t{ \"b\" : 1 } ]\n", string(p.Data))
}

func TestDecode_KeyOrderAndNumberTextPreserved(t *testing.T) {
	p := mustDecode(t, `2["echo",{"3":[true],"1":1.50,"2":1e2}]`)
	assert.Equal(t, `["echo",{"3":[true],"1":1.50,"2":1e2}]`, string(p.Data))
}

func TestDecode_TooDeep(t *testing.T) {
	ok := `2["a",` + strings.Repeat("[", DefaultMaxDepth-1) + strings.Repeat("]", DefaultMaxDepth-1) + `]`
	mustDecode(t, ok)
	deep := `2["a",` + strings.Repeat("[", DefaultMaxDepth) + strings.Repeat("]", DefaultMaxDepth) + `]`
	_, err := decodeOne(t, deep)
	assert.ErrorIs(t, err, ErrTooDeep)
	assert.ErrorIs(t, err, ErrInvalidPacket)

	obj := `0` + strings.Repeat(`{"a":`, DefaultMaxDepth+1) + `1` + strings.Repeat("}", DefaultMaxDepth+1)
	_, err = decodeOne(t, obj)
	assert.ErrorIs(t, err, ErrTooDeep)
}

func TestDecode_TooDeepCustomLimit(t *testing.T) {
	d := NewDecoder(Limits{MaxDepth: 2})
	_, err := d.Decode([]byte(`2["a",[1]]`), false)
	assert.NoError(t, err)
	_, err = d.Decode([]byte(`2["a",[[1]]]`), false)
	assert.ErrorIs(t, err, ErrTooDeep)
}

func TestDecode_HugeNestingDoesNotRecurse(t *testing.T) {
	// A million open brackets must fail fast with ErrTooDeep, not blow the
	// stack or take long.
	msg := "2" + strings.Repeat("[", 1<<20)
	_, err := decodeOne(t, msg)
	assert.ErrorIs(t, err, ErrTooDeep)
}

func TestDecode_BinaryEvent(t *testing.T) {
	d := NewDecoder(Limits{})
	p, err := d.Decode([]byte(`52-/up,9["file",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`), false)
	require.NoError(t, err)
	assert.Nil(t, p)
	assert.True(t, d.Waiting())
	p, err = d.Decode([]byte("first"), true)
	require.NoError(t, err)
	assert.Nil(t, p)
	p, err = d.Decode([]byte("second"), true)
	require.NoError(t, err)
	require.NotNil(t, p)
	assert.False(t, d.Waiting())
	assert.Equal(t, &Packet{Type: BinaryEvent, Namespace: "/up", ID: 9, HasID: true,
		Data:        []byte(`["file",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`),
		Attachments: [][]byte{[]byte("first"), []byte("second")}}, p)

	// the decoder is ready for the next packet
	p, err = d.Decode([]byte(`2["a"]`), false)
	require.NoError(t, err)
	assert.Equal(t, Event, p.Type)
}

func TestDecode_BinaryEmptyAttachment(t *testing.T) {
	d := NewDecoder(Limits{})
	_, err := d.Decode([]byte(`51-["a",{"_placeholder":true,"num":0}]`), false)
	require.NoError(t, err)
	p, err := d.Decode([]byte{}, true)
	require.NoError(t, err)
	assert.Equal(t, [][]byte{{}}, p.Attachments)
}

func TestDecode_BinaryAttachmentCount(t *testing.T) {
	for _, msg := range []string{
		`5["a"]`,     // no count
		`5-["a"]`,    // empty count
		`50-["a"]`,   // zero
		`51["a"]`,    // no dash: "1" would be an id, then no dash either
		`5a-["a"]`,   // not a number
		`5-1-["a"]`,  // negative
		`51.0-["a"]`, // not an integer
		`5 1-["a"]`,  // space
		`61-`,        // ack without id or data
		`51-`,        // no data
		`51-/nsp,`,   // no data
	} {
		assertInvalid(t, msg)
	}
	d := NewDecoder(Limits{})
	p, err := d.Decode([]byte(`501-["a",{"_placeholder":true,"num":0}]`), false)
	require.NoError(t, err, "leading zeros are accepted, as by the reference parser")
	assert.Nil(t, p)
}

func TestDecode_BinaryTooManyAttachments(t *testing.T) {
	d := NewDecoder(Limits{})
	_, err := d.Decode([]byte(`510-["a"]`), false)
	require.NoError(t, err, "10 is the default maximum")
	d = NewDecoder(Limits{})
	_, err = d.Decode([]byte(`511-["a"]`), false)
	assert.ErrorIs(t, err, ErrTooManyAttachments)
	assert.ErrorIs(t, err, ErrInvalidPacket)
	_, err = d.Decode([]byte(`5`+strings.Repeat("9", 100)+`-["a"]`), false)
	assert.ErrorIs(t, err, ErrTooManyAttachments)

	d = NewDecoder(Limits{MaxAttachments: 2})
	_, err = d.Decode([]byte(`53-["a"]`), false)
	assert.ErrorIs(t, err, ErrTooManyAttachments)
}

func TestDecode_NonBinaryTypeWithAttachmentCountInvalid(t *testing.T) {
	assertInvalid(t, `21-["a"]`)
	assertInvalid(t, `31-5[]`)
	assertInvalid(t, `01-{}`)
	assertInvalid(t, `11-`)
	assertInvalid(t, `41-"x"`)
}

func TestDecode_BinaryPayloadShape(t *testing.T) {
	for _, msg := range []string{
		`51-[]`, `51-{}`, `51-[null]`, `51-[{"_placeholder":true,"num":0}]`,
		`61-1{}`, `61-1"x"`,
	} {
		_, err := NewDecoder(Limits{}).Decode([]byte(msg), false)
		assert.ErrorIs(t, err, ErrInvalidPacket, msg)
	}
	_, err := NewDecoder(Limits{}).Decode([]byte(`61-1[]`), false)
	assert.NoError(t, err, "binary ack may be empty; placeholders need not be used")
	_, err = NewDecoder(Limits{}).Decode([]byte(`51-[7]`), false)
	assert.NoError(t, err)
}

func TestDecode_PlaceholderNumOutOfRangeInvalid(t *testing.T) {
	for _, ph := range []string{
		`{"_placeholder":true,"num":2}`,
		`{"_placeholder":true,"num":-1}`,
		`{"_placeholder":true,"num":1.5}`,
		`{"_placeholder":true,"num":0.0}`,
		`{"_placeholder":true,"num":1e0}`,
		`{"_placeholder":true,"num":01}`, // invalid JSON anyway
		`{"_placeholder":true,"num":"0"}`,
		`{"_placeholder":true,"num":null}`,
		`{"_placeholder":true,"num":[0]}`,
		`{"_placeholder":true,"num":{"a":0}}`,
		`{"_placeholder":true}`,
		`{"_placeholder":true,"num":99999999999999999999}`,
		`{"_placeholder":true,"num":0,"num":5}`, // the last duplicate wins, as in JSON.parse
		`{"num":0,"\u005fplaceholder":true,"num":2}`,
		`{"x":{"_placeholder":true,"num":2}}`,
		`[[{"_placeholder":true,"num":2}]]`,
	} {
		msg := `52-["a",` + ph + `]`
		d := NewDecoder(Limits{})
		p, err := d.Decode([]byte(msg), false)
		assert.ErrorIs(t, err, ErrInvalidPacket, msg)
		assert.Nil(t, p)
		assert.False(t, d.Waiting(), "reset after error")
	}
}

func TestDecode_PlaceholderLookalikesAreNotPlaceholders(t *testing.T) {
	for _, obj := range []string{
		`{"_placeholder":false,"num":99}`,
		`{"_placeholder":"true","num":99}`,
		`{"_placeholder":1,"num":99}`,
		`{"_placeholder":[true],"num":99}`,
		`{"_placeholder":true,"_placeholder":false,"num":99}`,
		`{"_Placeholder":true,"num":99}`,
		`{"placeholder":true,"num":99}`,
	} {
		msg := `51-["a",` + obj + `,{"_placeholder":true,"num":0}]`
		_, err := NewDecoder(Limits{}).Decode([]byte(msg), false)
		assert.NoError(t, err, msg)
	}
}

func TestDecode_PlaceholderInTextEventIsPlainData(t *testing.T) {
	// Only binary packets carry attachments; elsewhere a placeholder-shaped
	// object is the user's data, as in the reference parser.
	p := mustDecode(t, `2["a",{"_placeholder":true,"num":5}]`)
	assert.Equal(t, Event, p.Type)
}

func TestDecode_TextWhileAttachmentsAwaitedInvalid(t *testing.T) {
	d := NewDecoder(Limits{})
	_, err := d.Decode([]byte(`52-["a",{"_placeholder":true,"num":0}]`), false)
	require.NoError(t, err)
	_, err = d.Decode([]byte("att"), true)
	require.NoError(t, err)
	p, err := d.Decode([]byte(`2["b"]`), false)
	assert.ErrorIs(t, err, ErrInvalidPacket)
	assert.Nil(t, p)
	assert.False(t, d.Waiting(), "reset")
	// after the reset the decoder accepts a new packet
	p, err = d.Decode([]byte(`2["b"]`), false)
	require.NoError(t, err)
	assert.NotNil(t, p)
}

func TestDecode_BinaryWhileNoneAwaitedInvalid(t *testing.T) {
	d := NewDecoder(Limits{})
	p, err := d.Decode([]byte{1, 2, 3}, true)
	assert.ErrorIs(t, err, ErrInvalidPacket)
	assert.Nil(t, p)
	p, err = d.Decode([]byte(`2["b"]`), false)
	require.NoError(t, err)
	assert.NotNil(t, p)
}

func TestDecode_ResetDropsPendingPacket(t *testing.T) {
	d := NewDecoder(Limits{})
	_, err := d.Decode([]byte(`51-["a",{"_placeholder":true,"num":0}]`), false)
	require.NoError(t, err)
	d.Reset()
	assert.False(t, d.Waiting())
	_, err = d.Decode([]byte{1}, true)
	assert.ErrorIs(t, err, ErrInvalidPacket)
}

func TestDecode_InvalidUTF8InStringsAccepted(t *testing.T) {
	// Like encoding/json.Valid, bytes of strings are not checked for UTF-8.
	mustDecode(t, "2[\"a\xff\"]")
}

func TestDecode_ErrorMessagesArePrefixed(t *testing.T) {
	for _, msg := range []string{"", "9", `2[`, `511-[]`, `3[]`} {
		_, err := decodeOne(t, msg)
		require.Error(t, err)
		assert.True(t, strings.HasPrefix(err.Error(), "socketio/parser: "), err.Error())
	}
}

func TestIsReserved_MatchesReservedEvents(t *testing.T) {
	for _, name := range reservedEvents {
		assert.True(t, isReserved([]byte(`"`+name+`"`)), name)
	}
	for _, name := range []string{"", "connec", "connectx", "removelistener", "message"} {
		assert.False(t, isReserved([]byte(`"`+name+`"`)), name)
	}
	long := `"` + strings.Repeat(`\u0061`, 20) + `"`
	assert.False(t, isReserved([]byte(long)))
}

func TestDecode_HugeMaxAttachmentsNoOverflowOrBigAlloc(t *testing.T) {
	d := NewDecoder(Limits{MaxAttachments: math.MaxInt})
	_, err := d.Decode([]byte(`5`+strings.Repeat("9", 40)+`-["a"]`), false)
	assert.ErrorIs(t, err, ErrTooManyAttachments)
	allocs := testing.AllocsPerRun(1, func() {
		d := NewDecoder(Limits{MaxAttachments: 1 << 40})
		_, err := d.Decode([]byte(`51000000000-["a"]`), false)
		if err != nil || !d.Waiting() {
			panic(err)
		}
	})
	assert.Less(t, allocs, 10.0)
}
