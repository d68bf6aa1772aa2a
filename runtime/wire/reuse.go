package wire

// Reuse holds memory of messages a generated <Direction>Decoder returned
// before, for the next frame to decode into: one message struct of each
// type, one map or slice per field site. A message decoded with reuse is
// valid until the decoder's next call; strings in it stay valid (they
// are slices of a copy of the frame, made per frame).
//
// Generated code numbers the slots; New, MakeMap and MakeSlice take from
// them (or allocate when a slot is empty or there is no Reuse), and the
// generated release methods put a message's memory back.
type Reuse struct {
	slots []any
	scope *Scope // the decoder's own, see scopeFor
}

func (r *Reuse) slot(i int) any {
	if i < len(r.slots) {
		return r.slots[i]
	}
	return nil
}

// Put stores a pointer or a map in slot i.
func (r *Reuse) Put(i int, v any) {
	if i >= len(r.slots) {
		r.slots = append(r.slots, make([]any, i+1-len(r.slots))...)
	}
	r.slots[i] = v
}

// PutSlice stores a slice in slot i. The slot keeps one box per slice type,
// so that putting a slice allocates only the first time.
func PutSlice[E any](r *Reuse, i int, v []E) {
	if cap(v) == 0 {
		return
	}
	if p, ok := r.slot(i).(*[]E); ok {
		*p = v
		return
	}
	p := new([]E)
	*p = v
	r.Put(i, p)
}

// New returns a zeroed *T: the one in slot i of s's Reuse if there is
// one, or a new one.
func New[T any](s *Scope, i int) *T {
	if r := s.reuse; r != nil {
		if p, ok := r.slot(i).(*T); ok {
			r.slots[i] = nil
			var zero T
			*p = zero
			return p
		}
	}
	return new(T)
}

// MakeMap returns an empty map: the one in slot i of s's Reuse, cleared,
// if there is one, or a new one.
func MakeMap[V any](s *Scope, i int) map[string]V {
	if r := s.reuse; r != nil {
		if m, ok := r.slot(i).(map[string]V); ok {
			r.slots[i] = nil
			clear(m)
			return m
		}
	}
	return map[string]V{}
}

// MakeSlice returns an empty, non-nil slice: the one in slot i of s's
// Reuse, cleared, if there is one, or a new one.
func MakeSlice[E any](s *Scope, i int) []E {
	if r := s.reuse; r != nil {
		if p, ok := r.slot(i).(*[]E); ok && cap(*p) > 0 {
			v := (*p)[:cap(*p)]
			*p = nil
			clear(v) // drop what the old elements pointed at
			return v[:0]
		}
	}
	return []E{}
}
