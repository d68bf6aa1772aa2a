// Package infer turns captured WebSocket frames into an AsyncAPI 3.0
// document: it finds the properties that tell messages apart, merges the
// samples of each message into a JSON Schema, pairs requests with their
// replies and keeps one redacted example per message. State per message is
// bounded, so a capture of any size is read in one streamed pass.
package infer

import (
	"errors"

	"github.com/go-faster/jx"
)

// Kinds of JSON values.
const (
	kNull byte = iota + 1
	kBool
	kNumber
	kString
	kObject
	kArray
)

// maxDepth bounds how deep a frame is parsed; deeper values are kept as
// "any" so that hostile nesting costs neither stack nor memory.
const maxDepth = 48

// value is a parsed JSON value that keeps the order of object keys: the
// emitted schema lists properties in the order they were first seen.
type value struct {
	kind  byte
	str   string // string contents, or a number's literal
	b     bool
	keys  []string
	vals  []*value
	items []*value
	deep  bool // cut at maxDepth
}

var errNotJSON = errors.New("not JSON")

// parse reads one frame. Anything that is not exactly one JSON value is
// errNotJSON.
func parse(b []byte) (*value, error) {
	d := jx.DecodeBytes(b)
	v, err := decode(d, 0)
	if err != nil {
		return nil, errNotJSON
	}
	if d.Next() != jx.Invalid {
		return nil, errNotJSON
	}
	return v, nil
}

func decode(d *jx.Decoder, depth int) (*value, error) {
	switch d.Next() {
	case jx.Null:
		return &value{kind: kNull}, d.Null()
	case jx.Bool:
		b, err := d.Bool()
		return &value{kind: kBool, b: b}, err
	case jx.Number:
		n, err := d.Num()
		return &value{kind: kNumber, str: n.String()}, err
	case jx.String:
		s, err := d.Str()
		return &value{kind: kString, str: s}, err
	case jx.Array:
		v := &value{kind: kArray}
		if depth >= maxDepth {
			v.deep = true
			return v, d.Skip()
		}
		err := d.Arr(func(d *jx.Decoder) error {
			it, err := decode(d, depth+1)
			if err == nil {
				v.items = append(v.items, it)
			}
			return err
		})
		return v, err
	case jx.Object:
		v := &value{kind: kObject}
		if depth >= maxDepth {
			v.deep = true
			return v, d.Skip()
		}
		err := d.ObjBytes(func(d *jx.Decoder, key []byte) error {
			it, err := decode(d, depth+1)
			if err == nil {
				v.keys = append(v.keys, string(key))
				v.vals = append(v.vals, it)
			}
			return err
		})
		return v, err
	}
	return nil, errNotJSON
}

// get returns the value of key in an object, or nil. A duplicate key
// keeps its last value, as decoders do.
func (v *value) get(key string) *value {
	if v == nil || v.kind != kObject {
		return nil
	}
	for i := len(v.keys) - 1; i >= 0; i-- {
		if v.keys[i] == key {
			return v.vals[i]
		}
	}
	return nil
}

// kindName is the JSON Schema type of a kind.
func kindName(k byte) string {
	switch k {
	case kNull:
		return "null"
	case kBool:
		return "boolean"
	case kNumber:
		return "number"
	case kString:
		return "string"
	case kObject:
		return "object"
	case kArray:
		return "array"
	}
	return "any"
}
