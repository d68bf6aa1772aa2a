// Package schemacheck validates frames against a provider's embedded JSON
// Schema bundle with santhosh-tekuri/jsonschema/v5: the interpreted second
// opinion next to the generated validators, used by differential tests,
// benchmarks and `wsbind validate --engine schema`.
package schemacheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/wsbind/wsbind/runtime/wire"
)

// Checker holds one compiled bundle.
type Checker struct {
	id    string
	mu    sync.Mutex // guards comp and cache
	comp  *jsonschema.Compiler
	cache map[string]*jsonschema.Schema
}

// New parses a bundle (as returned by a generated package's Schema()).
func New(bundle []byte) (*Checker, error) {
	var head struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal(bundle, &head); err != nil {
		return nil, fmt.Errorf("schemacheck: bundle: %w", err)
	}
	if head.ID == "" {
		return nil, errors.New("schemacheck: bundle has no $id")
	}
	// One compiler for every definition: the bundle is parsed once, and
	// schemas two definitions share are compiled once.
	comp := jsonschema.NewCompiler()
	comp.Draft = jsonschema.Draft7
	if err := comp.AddResource(head.ID, bytes.NewReader(bundle)); err != nil {
		return nil, fmt.Errorf("schemacheck: %w", err)
	}
	return &Checker{id: head.ID, comp: comp, cache: map[string]*jsonschema.Schema{}}, nil
}

// Definition compiles (once) and returns the named definition, such as
// "ServerMessage" or a message name.
func (c *Checker) Definition(name string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.cache[name]; ok {
		return s, nil
	}
	s, err := c.comp.Compile(c.id + "#/definitions/" + name)
	if err != nil {
		return nil, fmt.Errorf("schemacheck: compile %s: %w", name, err)
	}
	c.cache[name] = s
	return s, nil
}

// Decode parses a frame the way the validator expects: numbers kept exact,
// exactly one JSON value.
func Decode(frame []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(frame))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// Validate checks frame against definition name. It returns a syntax
// error for malformed JSON, and the leaf violations otherwise.
func (c *Checker) Validate(name string, frame []byte) ([]wire.Violation, error) {
	s, err := c.Definition(name)
	if err != nil {
		return nil, err
	}
	v, err := Decode(frame)
	if err != nil {
		return nil, err
	}
	return ValidateValue(s, v), nil
}

// ValidateValue validates an already decoded value.
func ValidateValue(s *jsonschema.Schema, v any) []wire.Violation {
	err := s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []wire.Violation{{Keyword: "schema", Message: err.Error()}}
	}
	var out []wire.Violation
	var leaves func(e *jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			kw := e.KeywordLocation
			if i := strings.LastIndexByte(kw, '/'); i >= 0 {
				kw = kw[i+1:]
			}
			out = append(out, wire.Violation{Pointer: e.InstanceLocation, Keyword: kw, Message: valueFree(kw, e.Message)})
			return
		}
		for _, c := range e.Causes {
			leaves(c)
		}
	}
	leaves(ve)
	sort.Slice(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

// valueFree drops what santhosh-tekuri's messages quote of the value
// itself ("must be <= 100 but found 500", "'x' is not valid 'email'"):
// frames carry secrets, and a report names expectations, never values.
func valueFree(keyword, msg string) string {
	switch keyword {
	case "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum":
		msg, _, _ = strings.Cut(msg, " but found ")
	case "multipleOf":
		if _, m, ok := strings.Cut(msg, " not multipleOf "); ok {
			msg = "must be a multiple of " + m
		}
	case "format":
		if i := strings.LastIndex(msg, " is not valid "); i >= 0 {
			msg = "is not a valid " + strings.Trim(msg[i+len(" is not valid "):], "'")
		}
	case "const":
		if strings.HasPrefix(msg, "value must be ") {
			return msg // the schema's value, not the frame's
		}
	}
	return msg
}
