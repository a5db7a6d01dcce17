package parser

//lint:file-ignore SA5008,U1000 the zoo holds malformed tags and unused fields on purpose: how encoding/json treats them is what the encoder is held to

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The property: for any value, AppendValue writes what encoding/json writes
// (HTML escaping off), but for binary slices, which become placeholders
// numbered in text order; putting the base64 of each attachment back in
// place of its placeholder gives encoding/json's text exactly. Values are
// generated at random over a zoo of types that exercise encoding/json's
// rules (tags, embedding conflicts, omitempty/omitzero/string, map key
// kinds, marshalers by value and by pointer, interfaces, arrays, named
// types).

type zooInner struct {
	A int       `json:"a"`
	B []byte    `json:"b,omitempty"`
	C *float64  `json:"c"`
	D any       `json:"d,omitempty"`
	E []zooLeaf `json:"e,omitempty"`
}

type zooLeaf struct {
	S string `json:"s"`
	U uint16
}

// Embedding: zooEmbA and ZooEmbB conflict on Dup (both untagged, same
// depth: dropped) and on "both" (both tagged: dropped); on "Pick" the tagged
// one (zooEmbA.Q) wins over the untagged ZooEmbB.Pick, and on "Win" the
// tagged ZooEmbB.W2 over the untagged zooEmbA.Win. zooTwinX and
// zooTwinY both embed zooTwin at the same depth, so its fields cancel out.
type zooEmbA struct {
	X    string
	Dup  int
	Both int    `json:"both"`
	Q    int    `json:"Pick"`
	Bin  []byte `json:"abin"`
	Name string // hidden by zooOuter.Name
	Win  int
}

type ZooEmbB struct {
	Y    int8
	Dup  int
	Both int `json:"both"`
	Pick int
	Bin  []byte `json:",omitempty"`
	W2   int    `json:"Win"`
}

type zooTwin struct {
	TwinB []byte
	TwinN int
}

type zooTwinX struct{ zooTwin }
type zooTwinY struct {
	zooTwin
	Y2 int `json:"y2"`
}

// zooHidden is an unexported type embedded with a tag: encoding/json writes
// it as a member, and reflect hands out its insides read-only.
type zooHidden struct {
	M  map[string]int    `json:"m"`
	L  []zooLeaf         `json:"l"`
	B  []byte            `json:"b"`
	P  *zooLeaf          `json:"p"`
	MB map[string][]byte `json:"mb"`
	A2 [2][]byte         `json:"a2"`
	Z  zooZero           `json:"z,omitzero"`
}

// zooPlain is the same without binary data: AppendValue cannot hand it to
// encoding/json alone, and writes it itself.
type zooPlain struct {
	M map[string]int `json:"m"`
	L []zooLeaf      `json:"l"`
	T time.Time      `json:"t"`
}

type zooLower struct {
	Z   uint16 `json:"z"`
	Low []byte `json:"low"`
}

type zooBlob []byte
type zooOctet byte
type zooHex []byte

func (h zooHex) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("%x", []byte(h))), nil }

type zooKey struct{ A, B uint8 }

func (k zooKey) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("%d-%d", k.A, k.B)), nil }

type zooIntKey int16

// zooPtrKey keys maps through its pointer type; a nil key is "".
type zooPtrKey struct{ V int }

func (k *zooPtrKey) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "%d@%p", k.V, k), nil }

// zooSealed marshals itself with bytes inside (base64) and spacing that
// encoding/json compacts.
type zooSealed struct{ B []byte }

func (s zooSealed) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(s.B)
	return append(append([]byte(`{ "sealed" : `), b...), '}'), err
}

// zooAddr marshals itself only where encoding/json can take its address.
type zooAddr struct {
	N   int
	Bin []byte
}

func (a *zooAddr) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte(`"nil"`), nil
	}
	return []byte(`{"addr": ` + strconv.Itoa(a.N) + `}`), nil
}

type zooZero struct{ V int }

func (z zooZero) IsZero() bool { return z.V%2 == 0 }

type zooStringer int

func (s zooStringer) String() string { return strconv.Itoa(int(s)) }

type zooRec struct {
	*zooRec
	V   int    `json:"v"`
	Bin []byte `json:"bin,omitempty"`
}

type zooOuter struct {
	zooEmbA
	*ZooEmbB
	zooLower
	zooTwinX
	zooTwinY
	zooHidden `json:"hidden"`
	zooPlain  `json:"plain"`
	Name      string                `json:"name"`
	Count     int64                 `json:"count,string"`
	Ratio     float32               `json:"ratio,omitempty"`
	Flag      *bool                 `json:"flag,string"`
	Text      string                `json:"text,string"`
	NumS      json.Number           `json:"nums,string"`
	Skip      int                   `json:"-"`
	Dash      int                   `json:"-,"`
	BadTag    string                `json:"bad\"tag"`
	Uni       string                `json:"ünï <&>"`
	Inner     zooInner              `json:"inner"`
	PInner    *zooInner             `json:"pinner,omitempty"`
	List      []zooInner            `json:"list"`
	Arr       [2]byte               `json:"arr"`
	Arr2      [2][]byte             `json:"arr2"`
	M         map[string][]byte     `json:"m,omitempty"`
	MI        map[int]zooInner      `json:"mi"`
	MU        map[uint8]string      `json:"mu"`
	MK        map[zooKey][]byte     `json:"mk"`
	MN        map[zooIntKey]any     `json:"mn"`
	MP        map[*zooPtrKey][]byte `json:"mp"`
	Named     zooBlob               `json:"named"`
	Octets    []zooOctet            `json:"octets"`
	Hex       zooHex                `json:"hex"`
	Any       any                   `json:"any"`
	Anys      []any                 `json:"anys"`
	Num       json.Number           `json:"num"`
	Raw       json.RawMessage       `json:"raw"`
	Time      time.Time             `json:"time"`
	Sealed    zooSealed             `json:"sealed"`
	Addr      zooAddr               `json:"addr"`
	Addrs     []zooAddr             `json:"addrs"`
	AddrM     map[string]zooAddr    `json:"addrm"`
	Zero      zooZero               `json:"zero,omitzero"`
	PZero     *zooZero              `json:"pzero,omitzero"`
	EmptyB    []byte                `json:"emptyb,omitempty"`
	ZeroB     []byte                `json:"zerob,omitzero"`
	Str       fmt.Stringer          `json:"str"`
	JM        json.Marshaler        `json:"jm"`
	PP        **int                 `json:"pp"`
	PPB       **[]byte              `json:"ppb"`
	Rec       zooRec                `json:"rec"`
	Grid      [][2]uint8            `json:"grid"`
	IfaceM    map[string]any        `json:"ifacem"`
	TypedM    []map[string]any      `json:"typedm"`
	Nested    map[string][]zooAddr  `json:"nested"`
	private   []byte
}

// zooRoots are the types of generated top-level values.
var zooRoots = []reflect.Type{
	reflect.TypeFor[zooOuter](), reflect.TypeFor[*zooOuter](), reflect.TypeFor[[]zooOuter](),
	reflect.TypeFor[map[string]zooOuter](), reflect.TypeFor[map[int]*zooOuter](), reflect.TypeFor[[2]zooInner](),
	reflect.TypeFor[any](), reflect.TypeFor[[]any](), reflect.TypeFor[map[string]any](), reflect.TypeFor[[]map[string]any](),
	reflect.TypeFor[map[string][]byte](), reflect.TypeFor[zooInner](), reflect.TypeFor[*zooRec](), reflect.TypeFor[[]zooAddr](),
	reflect.TypeFor[map[zooKey]zooInner](), reflect.TypeFor[zooBlob](), reflect.TypeFor[[][]zooOctet](),
}

// zooGen fills values at random. With binary false, every binary slice is
// nil, so the value holds no []byte to turn into an attachment.
type zooGen struct {
	r      *rand.Rand
	binary bool
}

var zooStrings = []string{"", "a", "é", "<&>", "\"q\"", `\`, "\u2028\u2029", "\x00\x1f\t\n", "\xff\xfe", "😀", "placeholder", "num"} // no "_placeholder": a map holding it and "num" would be a placeholder

func (g *zooGen) str() string {
	if g.r.IntN(3) == 0 {
		return strconv.Itoa(g.r.IntN(1000))
	}
	var b strings.Builder
	for range g.r.IntN(3) {
		b.WriteString(zooStrings[g.r.IntN(len(zooStrings))])
	}
	return b.String()
}

func (g *zooGen) float(bits int) float64 {
	switch g.r.IntN(4) {
	case 0:
		return float64(g.r.IntN(100)) - 50
	case 1:
		return g.r.NormFloat64() * math.Pow(10, float64(g.r.IntN(50)-25))
	case 2:
		if bits == 32 {
			return float64(math.Float32frombits(g.r.Uint32()&^(0xff<<23) | uint32(g.r.IntN(255))<<23))
		}
		return math.Float64frombits(g.r.Uint64()&^(0x7ff<<52) | uint64(g.r.IntN(2047))<<52)
	}
	return 0
}

// binaryMark starts every non-empty binary slice the generator makes; its
// base64 starts with "+/+/", which no other generated text contains. So
// encoding/json's text shows where binary data is, and AppendValue's must
// not show any.
var binaryMark = []byte{0xfb, 0xff, 0xbf}

const binaryMark64 = `"+/+/`

func (g *zooGen) bytes() []byte {
	if !g.binary || g.r.IntN(5) == 0 {
		return nil
	}
	if g.r.IntN(5) == 0 {
		return []byte{}
	}
	b := append([]byte(nil), binaryMark...)
	for range g.r.IntN(4) {
		b = append(b, byte(g.r.Uint32()))
	}
	return b
}

// sealedBytes are random bytes without binaryMark, for marshalers to
// write as base64 themselves.
func (g *zooGen) sealedBytes() []byte {
	if g.r.IntN(3) == 0 {
		return nil
	}
	b := make([]byte, g.r.IntN(4))
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

// dynamic returns a value for an `any`, depth levels of nesting left.
func (g *zooGen) dynamic(depth int) any {
	n := 9
	if depth > 0 {
		n = 20
	}
	switch g.r.IntN(n) {
	case 0:
		return nil
	case 1:
		return g.str()
	case 2:
		return g.float(64)
	case 3:
		return g.r.IntN(2) == 0
	case 4:
		return g.r.IntN(200) - 100
	case 5:
		if b := g.bytes(); b != nil {
			return b
		}
		return uint8(g.r.Uint32())
	case 6:
		return json.Number(strconv.Itoa(g.r.IntN(1e6)))
	case 7:
		return json.RawMessage(`{"raw":[1,2.50,"x"]}`)
	case 8:
		return zooStringer(g.r.IntN(9))
	case 9, 10:
		l := make([]any, g.r.IntN(4))
		for i := range l {
			l[i] = g.dynamic(depth - 1)
		}
		return l
	case 11, 12:
		m := map[string]any{}
		for range g.r.IntN(4) {
			m[g.str()] = g.dynamic(depth - 1)
		}
		return m
	}
	types := []reflect.Type{
		reflect.TypeFor[zooInner](), reflect.TypeFor[*zooInner](), reflect.TypeFor[map[string][]byte](),
		reflect.TypeFor[zooAddr](), reflect.TypeFor[*zooAddr](), reflect.TypeFor[zooSealed](), reflect.TypeFor[[]zooLeaf](),
		reflect.TypeFor[zooBlob](), reflect.TypeFor[[3]byte](), reflect.TypeFor[map[zooIntKey][]zooOctet](),
	}
	return g.value(types[g.r.IntN(len(types))], depth-1).Interface()
}

// value returns a new value of type t.
func (g *zooGen) value(t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	g.fill(v, depth)
	return v
}

// fill sets v (settable, or a struct whose settable fields are set) at random.
func (g *zooGen) fill(v reflect.Value, depth int) {
	t := v.Type()
	switch t {
	case reflect.TypeFor[json.Number]():
		nums := []string{"0", "-1", "12.50", "1e3", "-0.5E-7", "123456789012345678901234567890"}
		v.SetString(nums[g.r.IntN(len(nums))])
		return
	case reflect.TypeFor[json.RawMessage]():
		raws := []string{`null`, `{"a" : [1, 2]}`, ` "x" `, `[]`, `{"<>":"&"}`}
		if g.r.IntN(4) > 0 {
			v.SetBytes([]byte(raws[g.r.IntN(len(raws))]))
		}
		return
	case reflect.TypeFor[time.Time]():
		if g.r.IntN(3) > 0 {
			v.Set(reflect.ValueOf(time.Unix(g.r.Int64N(4e9), g.r.Int64N(1e9)).UTC()))
		}
		return
	case reflect.TypeFor[fmt.Stringer]():
		if g.r.IntN(2) == 0 {
			v.Set(reflect.ValueOf(zooStringer(g.r.IntN(50))))
		}
		return
	case reflect.TypeFor[json.Marshaler]():
		switch g.r.IntN(4) {
		case 1:
			v.Set(reflect.ValueOf((*zooAddr)(nil)))
		case 2:
			v.Set(reflect.ValueOf(&zooAddr{N: g.r.IntN(9)}))
		case 3:
			v.Set(reflect.ValueOf(zooSealed{B: g.sealedBytes()}))
		}
		return
	case reflect.TypeFor[zooSealed]():
		v.Set(reflect.ValueOf(zooSealed{B: g.sealedBytes()}))
		return
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(g.r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x := g.r.Int64N(1 << 20)
		if g.r.IntN(4) == 0 {
			x = int64(g.r.Uint64())
		}
		if v.OverflowInt(x) {
			x = int64(int8(x))
		}
		if g.r.IntN(3) == 0 {
			x = 0
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		x := g.r.Uint64()
		if v.OverflowUint(x) {
			x = uint64(uint8(x))
		}
		if g.r.IntN(3) == 0 {
			x = 0
		}
		v.SetUint(x)
	case reflect.Float32:
		v.SetFloat(g.float(32))
	case reflect.Float64:
		v.SetFloat(g.float(64))
	case reflect.String:
		v.SetString(g.str())
	case reflect.Interface:
		if t.NumMethod() == 0 {
			if d := g.dynamic(depth); d != nil {
				v.Set(reflect.ValueOf(d))
			}
		}
	case reflect.Pointer:
		if depth > 0 && g.r.IntN(4) > 0 && v.CanSet() {
			v.Set(g.value(t.Elem(), depth-1).Addr())
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if b := g.bytes(); b != nil {
				s := reflect.MakeSlice(t, len(b), len(b))
				for i, c := range b {
					s.Index(i).SetUint(uint64(c))
				}
				v.Set(s)
			}
			return
		}
		if depth <= 0 || g.r.IntN(5) == 0 {
			return
		}
		s := reflect.MakeSlice(t, g.r.IntN(4), 4)
		for i := range s.Len() {
			g.fill(s.Index(i), depth-1)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			g.fill(v.Index(i), depth-1)
		}
	case reflect.Map:
		if depth <= 0 || g.r.IntN(5) == 0 {
			return
		}
		m := reflect.MakeMap(t)
		for range g.r.IntN(4) {
			m.SetMapIndex(g.value(t.Key(), depth-1), g.value(t.Elem(), depth-1))
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Field(i)
			if f.CanSet() || f.Kind() == reflect.Struct {
				g.fill(f, depth-1)
			}
		}
	}
}

// checkProperty encodes v both ways and compares; it returns the number of
// attachments.
func checkProperty(t *testing.T, v any, binary bool) int {
	t.Helper()
	want, jsonErr := marshalNoHTML(v)
	var atts [][]byte
	out, err := AppendValue(nil, v, &atts)
	if jsonErr != nil {
		require.Error(t, err, "encoding/json refused %#v: %v", v, jsonErr)
		return 0
	}
	require.NoError(t, err, "%#v", v)
	if !binary {
		require.Empty(t, atts)
		require.Equal(t, want, string(out))
		return 0
	}
	replaced, err := ReplacePlaceholders(nil, out, atts)
	require.NoError(t, err, "%s", out)
	require.Equal(t, want, string(replaced), "AppendValue gave %s", out)
	require.NotContains(t, string(out), binaryMark64, "binary data left as base64")
	nonEmpty := 0
	for _, a := range atts {
		if len(a) > 0 {
			require.True(t, bytes.HasPrefix(a, binaryMark), "attachment %x", a)
			nonEmpty++
		}
	}
	require.Equal(t, strings.Count(want, binaryMark64), nonEmpty, "every base64 of encoding/json is an attachment")
	marker := []byte(`{"_placeholder":true,"num":`)
	rest := out
	for i := range atts { // one placeholder each, in text order
		at := bytes.Index(rest, marker)
		require.GreaterOrEqual(t, at, 0)
		rest = rest[at+len(marker):]
		require.True(t, bytes.HasPrefix(rest, []byte(strconv.Itoa(i)+"}")), "placeholder %d in order in %s", i, out)
	}
	require.Equal(t, -1, bytes.Index(rest, marker), "%s", out)
	return len(atts)
}

func genZoo(seed1, seed2 uint64, binary bool) any {
	g := &zooGen{r: rand.New(rand.NewPCG(seed1, seed2)), binary: binary}
	root := zooRoots[g.r.IntN(len(zooRoots))]
	v := g.value(root, 4)
	if root.Kind() == reflect.Interface {
		return g.dynamic(4)
	}
	return v.Interface()
}

func TestAppendValue_PropertyLikeEncodingJSON(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	atts := 0
	for seed := range uint64(n) {
		for _, binary := range []bool{false, true} {
			v := genZoo(seed, 17, binary)
			t.Run("", func(t *testing.T) {
				atts += checkProperty(t, v, binary)
			})
			if t.Failed() {
				t.Fatalf("seed %d binary %v: %#v", seed, binary, v)
			}
		}
	}
	t.Logf("%d values, %d attachments", 2*n, atts)
	require.Greater(t, atts, n, "the generator produces binary data")
}

func FuzzAppendValueLikeEncodingJSON(f *testing.F) {
	for i := range uint64(8) {
		f.Add(i, i*7919, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, seed1, seed2 uint64, binary bool) {
		checkProperty(t, genZoo(seed1, seed2, binary), binary)
	})
}
