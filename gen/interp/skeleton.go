package interp

import "github.com/wsbind/wsbind/gen/ir"

// Skeleton is the smallest value of m the generated New<Message> builds:
// every required constant set, required objects descended into, required
// free-form objects empty and required arrays empty. Callers fill in the
// rest (a token, an id) and validate before sending.
func Skeleton(m *ir.Message) any {
	if m.Wrapped() {
		if m.Type.Const != nil {
			return m.Type.Const
		}
		return nil
	}
	return skeleton(m.Type)
}

func skeleton(t *ir.Type) map[string]any {
	out := map[string]any{}
	for _, f := range t.Fields {
		if !f.Required {
			continue
		}
		switch {
		case f.Type.Const != nil:
			out[f.Name] = f.Type.Const
		case f.Type.Kind == ir.Struct:
			out[f.Name] = skeleton(f.Type)
		case f.Type.Kind == ir.Raw && len(f.Type.RawTypes) > 0 && f.Type.RawTypes[0] == "object":
			out[f.Name] = map[string]any{}
		case f.Type.Kind == ir.Slice:
			out[f.Name] = []any{}
		}
	}
	return out
}
