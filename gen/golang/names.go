package golang

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wsbind/wsbind/gen/ir"
)

// checkNames fails when two things the generator would declare share a Go
// name, or when a field would shadow a generated method, so that a spec
// never yields code that does not compile. The hint points at
// x-wsbind-go-name or at renaming the component.
func checkNames(pkg *ir.Package, client bool) error {
	seen := map[string]string{}
	var errs []string
	add := func(name, what string) {
		if prev, ok := seen[name]; ok && prev != what {
			errs = append(errs, fmt.Sprintf("%s and %s are both named %s", prev, what, name))
			return
		}
		seen[name] = what
	}
	for _, fixed := range []string{
		"Schema", "schemaJSON", "ServerCodec", "ClientCodec", "Examples", "Servers", "Provider",
		"ServerMessage", "ClientMessage", "UnknownServerMessage", "UnknownClientMessage",
		"DecodeServerMessage", "DecodeClientMessage", "decodeServerMessage", "decodeClientMessage",
		"ServerDispatcher", "ClientDispatcher",
	} {
		add(fixed, "the generated "+fixed)
	}
	if client {
		for _, fixed := range []string{"Config", "Client", "Dial", "NewClient", "ReplyError", "DefaultURL"} {
			add(fixed, "the generated "+fixed)
		}
	}
	for _, t := range pkg.Types {
		add(t.Name, "schema "+t.Loc)
		switch t.Kind {
		case ir.Enum:
			for i, name := range enumConsts(t) {
				add(name, fmt.Sprintf("enum value %q of %s", t.Values[i], t.Name))
			}
		case ir.Union:
			add("decode"+t.Name, "the decoder of "+t.Name)
			add("validate"+t.Name, "the validator of "+t.Name)
			if t.Disc != "" {
				add(unknownName(t), "the unknown branch of "+t.Name)
			}
			for _, b := range t.Branches {
				if b.GoName != "" {
					add(b.GoName, "the "+b.JSONType+" branch of "+t.Name)
				}
			}
		case ir.Struct:
			methods := map[string]bool{"Validate": true, "MessageName": true, "RawFrame": true}
			for _, f := range t.Fields {
				if methods[f.GoName] {
					errs = append(errs, fmt.Sprintf("field %s of %s (%s) would shadow the generated method %s; set x-wsbind-go-name", f.Name, t.Name, t.Loc, f.GoName))
				}
			}
		}
	}
	for _, m := range pkg.Messages {
		if m.Wrapped() {
			add(m.Name, "message "+m.Name) // its wrapper type; a struct message is among pkg.Types
		}
		if client {
			add("New"+m.Name, "the constructor of "+m.Name)
		}
		if m.Name == "Unknown" || m.Name == "Unhandled" {
			errs = append(errs, fmt.Sprintf("message %s clashes with the dispatcher's On%s handler; rename it", m.Name, m.Name))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	sort.Strings(errs)
	return fmt.Errorf("name clashes:\n\t%s", strings.Join(errs, "\n\t"))
}
