package parser

import (
	"cmp"
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

// This file describes Go types the way encoding/json sees them, so that
// AppendValue can write any value exactly as encoding/json would while
// turning []byte into attachments. Everything is computed once per type.

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	jsonNumberType    = reflect.TypeFor[json.Number]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
	mapStringAnyType  = reflect.TypeFor[map[string]any]()
)

// typeInfo is what the encoder needs to know about one type.
type typeInfo struct {
	t    reflect.Type
	kind reflect.Kind

	// marshals: the type implements json.Marshaler or encoding.TextMarshaler,
	// so encoding/json writes it by calling the method.
	marshals bool
	// addrMarshals: only the pointer type implements one of them, so
	// encoding/json calls the method when the value is addressable.
	addrMarshals bool
	// binary: a slice encoding/json writes as a base64 string (its
	// elements are bytes without marshal methods); AppendValue makes it an
	// attachment.
	binary bool
	// mayHoldBinary: a value of this type can contain a binary slice
	// somewhere (through elements, map values, struct fields, pointers or
	// interfaces). When false, encoding/json writes the value whole.
	mayHoldBinary bool

	fields []structField // for structs: the fields encoding/json writes, in order

	elem atomic.Pointer[typeInfo] // of t.Elem(), filled on first use
}

// elemInfo returns the typeInfo of the element type of a pointer, slice,
// array or map.
func (ti *typeInfo) elemInfo() *typeInfo {
	if e := ti.elem.Load(); e != nil {
		return e
	}
	e := typeInfoOf(ti.t.Elem())
	ti.elem.Store(e)
	return e
}

// structField is one member encoding/json writes for a struct type.
type structField struct {
	name      string
	key       string // `"name":`, as encoding/json writes it without HTML escaping
	index     []int  // field index path, through embedded structs
	typ       reflect.Type
	tagged    bool // the name comes from a json tag
	omitEmpty bool
	omitZero  bool
	zeroer    zeroMethod // how omitzero decides, when set
	quoted    bool       // the ",string" option applies

	info *atomic.Pointer[typeInfo] // of typ, filled on first use
}

func (f *structField) typeInfo() *typeInfo {
	if ti := f.info.Load(); ti != nil {
		return ti
	}
	ti := typeInfoOf(f.typ)
	f.info.Store(ti)
	return ti
}

// zeroMethod tells how an omitzero field is tested for zero.
type zeroMethod uint8

const (
	zeroReflect   zeroMethod = iota // reflect.Value.IsZero
	zeroInterface                   // interface type with IsZero: nil, or holding a nil pointer, or IsZero()
	zeroPointer                     // pointer type with IsZero: nil, or IsZero()
	zeroValue                       // IsZero() on the value
	zeroAddr                        // IsZero() on a pointer to the value (a copy when not addressable)
)

var (
	typeInfos    sync.Map // reflect.Type → *typeInfo
	structFields sync.Map // reflect.Type → []structField
)

// typeInfoOf returns the cached description of t.
func typeInfoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{t: t, kind: t.Kind()}
	ti.marshals = implementsMarshaler(t)
	ti.addrMarshals = !ti.marshals && t.Kind() != reflect.Pointer && implementsMarshaler(reflect.PointerTo(t))
	ti.binary = isBinarySlice(t)
	if t.Kind() == reflect.Struct {
		ti.fields = fieldsOf(t)
	}
	ti.mayHoldBinary = mayHoldBinary(t, map[reflect.Type]bool{})
	actual, _ := typeInfos.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

func implementsMarshaler(t reflect.Type) bool {
	return t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType)
}

// isBinarySlice reports whether encoding/json writes a value of type t (when
// no marshal method of t itself applies) as a base64 string: a slice of a
// byte kind whose pointer type has no marshal method.
func isBinarySlice(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !implementsMarshaler(reflect.PointerTo(t.Elem()))
}

// validMapKey reports whether encoding/json accepts maps with key type k.
func validMapKey(k reflect.Type) bool {
	switch k.Kind() {
	case reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return k.Implements(textMarshalerType)
}

// mayHoldBinary reports whether a value of type t can contain a binary
// slice that AppendValue writes as an attachment. Interfaces can hold
// anything; types with their own marshal methods are left to encoding/json.
// A type only reached again through itself adds nothing, so seen (the types
// on the way from the root) stops recursion; only the root's answer is
// complete, which is why only typeInfoOf caches it.
func mayHoldBinary(t reflect.Type, seen map[reflect.Type]bool) bool {
	if implementsMarshaler(t) {
		return false
	}
	if len(seen) > 0 {
		if ti, ok := typeInfos.Load(t); ok {
			return ti.(*typeInfo).mayHoldBinary
		}
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Slice:
		return isBinarySlice(t) || mayHoldBinary(t.Elem(), seen)
	case reflect.Array, reflect.Pointer:
		return mayHoldBinary(t.Elem(), seen)
	case reflect.Map:
		return validMapKey(t.Key()) && mayHoldBinary(t.Elem(), seen)
	case reflect.Struct:
		for _, f := range fieldsOf(t) {
			if mayHoldBinary(f.typ, seen) {
				return true
			}
		}
	}
	return false
}

// fieldsOf returns the cached field list of struct type t.
func fieldsOf(t reflect.Type) []structField {
	if fs, ok := structFields.Load(t); ok {
		return fs.([]structField)
	}
	fs, _ := structFields.LoadOrStore(t, computeFields(t))
	return fs.([]structField)
}

// computeFields lists the members encoding/json writes for struct type t,
// following its rules: exported fields (and embedded structs, even of
// unexported types, whose fields are promoted) unless tagged "-"; the tag
// name when valid, else the Go name; among fields of one name, the
// shallowest wins, a tagged one winning a tie; a tie that remains drops the
// name altogether. Embedded structs are explored breadth first, each type
// once; a type embedded more than once at one depth contributes its fields
// twice, so that they cancel out.
func computeFields(t reflect.Type) []structField {
	type embedded struct {
		t     reflect.Type
		index []int
	}
	var (
		found   []structField
		level   = []embedded{{t: t}}
		times   = map[reflect.Type]int{t: 1} // occurrences of each type at this level
		visited = map[reflect.Type]bool{}
	)
	for len(level) > 0 {
		var next []embedded
		nextTimes := map[reflect.Type]int{}
		for _, e := range level {
			if visited[e.t] {
				continue
			}
			visited[e.t] = true
			for i := range e.t.NumField() {
				sf := e.t.Field(i)
				if sf.Anonymous {
					et := sf.Type
					if et.Kind() == reflect.Pointer {
						et = et.Elem()
					}
					if !sf.IsExported() && et.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clip(e.index), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					// an untagged embedded struct: its fields are promoted
					if nextTimes[ft]++; nextTimes[ft] == 1 {
						next = append(next, embedded{t: ft, index: index})
					}
					continue
				}
				f := structField{
					name:      name,
					tagged:    name != "",
					index:     index,
					typ:       sf.Type,
					omitEmpty: hasTagOption(opts, "omitempty"),
					omitZero:  hasTagOption(opts, "omitzero"),
					quoted:    hasTagOption(opts, "string") && isScalarKind(ft.Kind()),
					info:      new(atomic.Pointer[typeInfo]),
				}
				if f.name == "" {
					f.name = sf.Name
				}
				f.key = `"` + f.name + `":`
				if f.omitZero {
					f.zeroer = zeroMethodOf(sf.Type)
				}
				found = append(found, f)
				if times[e.t] > 1 {
					found = append(found, f)
				}
			}
		}
		level, times = next, nextTimes
	}

	slices.SortFunc(found, func(a, b structField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.index), len(b.index)); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	out := make([]structField, 0, len(found))
	for i := 0; i < len(found); {
		j := i + 1
		for j < len(found) && found[j].name == found[i].name {
			j++
		}
		// found[i] is the shallowest, tagged first; it loses only to a twin
		if j-i == 1 || len(found[i+1].index) != len(found[i].index) || found[i+1].tagged != found[i].tagged {
			out = append(out, found[i])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b structField) int { return slices.Compare(a.index, b.index) })
	return out
}

// validTagName reports whether name can be used as given in a json tag:
// not empty, and only letters, digits and some punctuation (no quote or
// backslash).
func validTagName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", r) {
			return false
		}
	}
	return true
}

// hasTagOption reports whether the comma-separated opts holds opt.
func hasTagOption(opts, opt string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == opt {
			return true
		}
	}
	return false
}

func isScalarKind(k reflect.Kind) bool {
	switch k {
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return false
}

// zeroMethodOf chooses how an omitzero field of type t is tested, as
// encoding/json does: through an IsZero method when t or *t has one.
func zeroMethodOf(t reflect.Type) zeroMethod {
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return zeroInterface
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return zeroPointer
	case t.Implements(isZeroerType):
		return zeroValue
	case reflect.PointerTo(t).Implements(isZeroerType):
		return zeroAddr
	}
	return zeroReflect
}

// isZeroField reports whether the omitzero field f holding v is omitted.
func isZeroField(f *structField, v reflect.Value) bool {
	type isZeroer interface{ IsZero() bool }
	if !v.CanInterface() {
		// inside an embedded struct of an unexported type, where
		// encoding/json panics calling the method
		return v.IsZero()
	}
	switch f.zeroer {
	case zeroInterface:
		if v.IsNil() || v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() {
			return true
		}
		return v.Interface().(isZeroer).IsZero()
	case zeroPointer:
		return v.IsNil() || v.Interface().(isZeroer).IsZero()
	case zeroValue:
		return v.Interface().(isZeroer).IsZero()
	case zeroAddr:
		if !v.CanAddr() {
			c := reflect.New(v.Type()).Elem()
			c.Set(v)
			v = c
		}
		return v.Addr().Interface().(isZeroer).IsZero()
	}
	return v.IsZero()
}

// isEmptyField reports whether v counts as empty for omitempty.
func isEmptyField(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
