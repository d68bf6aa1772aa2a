package infer

import (
	"bytes"
	"fmt"
)

// minLiftProps is the size of an object schema worth a name of its own
// when it repeats.
const minLiftProps = 3

// liftShared moves object schemas that occur twice or more, with the same
// keywords, into components/schemas under the name of the property that
// holds them (User, Game), and points every use at it.
func liftShared(cmsgs *omap, b *docBuilder) []string {
	type place struct {
		parent *omap
		key    string
		prop   string
	}
	byText := map[string][]place{}
	var order []string
	var walk func(s *omap, depth int)
	visit := func(parent *omap, key, prop string, depth int) {
		s, ok := parent.get(key).(*omap)
		if !ok {
			return
		}
		walk(s, depth+1)
		if props, ok := s.get("properties").(*omap); ok && len(props.keys) >= minLiftProps {
			t := canonical(s)
			if byText[t] == nil {
				order = append(order, t)
			}
			byText[t] = append(byText[t], place{parent, key, prop})
		}
	}
	walk = func(s *omap, depth int) {
		if depth > 40 {
			return
		}
		if props, ok := s.get("properties").(*omap); ok {
			for _, k := range props.keys {
				visit(props, k, k, depth)
			}
		}
		if _, ok := s.get("items").(*omap); ok {
			visit(s, "items", "", depth)
		}
		if _, ok := s.get("additionalProperties").(*omap); ok {
			visit(s, "additionalProperties", "", depth)
		}
	}
	for _, k := range cmsgs.keys {
		if m, ok := cmsgs.get(k).(*omap); ok {
			if p, ok := m.get("payload").(*omap); ok {
				walk(p, 0)
			}
		}
	}
	for _, k := range b.schemas.keys {
		if s, ok := b.schemas.get(k).(*omap); ok {
			walk(s, 0)
		}
	}
	var lifted []string
	for _, t := range order {
		ps := byText[t]
		if len(ps) < 2 {
			continue
		}
		base := ""
		for _, p := range ps {
			if p.prop != "" {
				base = camel(p.prop)
				break
			}
		}
		if base == "" || base == "Value" {
			base = "Shared"
		}
		name := b.schemaName(base, "Shared")
		b.schemas.set(name, ps[0].parent.get(ps[0].key))
		for _, p := range ps {
			p.parent.set(p.key, newMap().set("$ref", "#/components/schemas/"+name))
		}
		lifted = append(lifted, fmt.Sprintf("%s (%d uses)", name, len(ps)))
	}
	return lifted
}

// canonical is a schema's text, for comparing schemas.
func canonical(s *omap) string {
	y, err := marshal(s)
	if err != nil {
		return fmt.Sprintf("%p", s)
	}
	return string(bytes.TrimSpace(y))
}
