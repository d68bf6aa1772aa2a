package jsonvalue

// In reports whether v equals one of list (enum).
func In(v *Value, list []Value) bool {
	for i := range list {
		if Equal(v, &list[i]) {
			return true
		}
	}
	return false
}
