package jsonvalue

import (
	"encoding/binary"
	"hash/maphash"
	"strconv"
)

// Equal is draft-07 equality (enum, const, uniqueItems): same kind, numbers
// by exact mathematical value (1 == 1.0 == 1e0), strings byte for byte,
// arrays item by item, objects by key set and member values in any order.
func Equal(a, b *Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Null:
		return true
	case Bool:
		return a.Bool == b.Bool
	case Number:
		return NumEqual(a.Num, b.Num)
	case String:
		return a.Str == b.Str
	case Array:
		if len(a.Items) != len(b.Items) {
			return false
		}
		for i := range a.Items {
			if !Equal(&a.Items[i], &b.Items[i]) {
				return false
			}
		}
		return true
	case Object:
		if len(a.Keys) != len(b.Keys) {
			return false
		}
		for i, k := range a.Keys {
			bv, ok := b.Get(k)
			if !ok || !Equal(&a.Vals[i], bv) {
				return false
			}
		}
		return true
	}
	return false
}

// uniqueLinear is the array length up to which pairwise comparison beats
// hashing (santhosh v5 switches at 20 too; the verdict is the same).
const uniqueLinear = 16

// Unique reports whether no two items are Equal (uniqueItems). Long arrays
// are bucketed by a hash that is invariant under Equal, so the work is
// linear unless hashes collide.
func Unique(items []Value) bool {
	if len(items) <= uniqueLinear {
		for i := 1; i < len(items); i++ {
			for j := range i {
				if Equal(&items[i], &items[j]) {
					return false
				}
			}
		}
		return true
	}
	// Chained buckets: head maps a hash to the latest item with it, next
	// links to the previous one.
	head := make(map[uint64]int32, len(items))
	next := make([]int32, len(items))
	for i := range items {
		h := hashValue(&items[i])
		j, ok := head[h]
		if !ok {
			j = -1
		}
		for k := j; k >= 0; k = next[k] {
			if Equal(&items[i], &items[k]) {
				return false
			}
		}
		next[i] = j
		head[h] = int32(i)
	}
	return true
}

var hashSeed = maphash.MakeSeed()

// hashValue hashes the Equal-class of v: numbers by sign, significant
// digits and point exponent; object members combined by a commutative sum
// so key order does not matter.
func hashValue(v *Value) uint64 {
	var h maphash.Hash
	h.SetSeed(hashSeed)
	h.WriteByte(byte(v.Kind))
	switch v.Kind {
	case Bool:
		if v.Bool {
			h.WriteByte(1)
		}
	case Number:
		d := parseNumLit(v.Num)
		if !d.isZero() {
			if d.neg {
				h.WriteByte('-')
			}
			for i := d.start; i < d.end; i++ {
				h.WriteByte(d.at(i))
			}
			// P in decimal either way, so a huge written exponent and an
			// ordinary one hash alike when they denote the same P.
			h.WriteByte('e')
			if d.expLit == "" {
				var buf [24]byte
				h.Write(strconv.AppendInt(buf[:0], d.exp+d.adj(), 10))
			} else {
				h.WriteString(d.bigPointExp().String())
			}
		}
	case String:
		h.WriteString(v.Str)
	case Array:
		for i := range v.Items {
			writeU64(&h, hashValue(&v.Items[i]))
		}
	case Object:
		var sum uint64
		for i, k := range v.Keys {
			sum += maphash.String(hashSeed, k)*0x9E3779B97F4A7C15 ^ hashValue(&v.Vals[i])
		}
		writeU64(&h, sum)
	}
	return h.Sum64()
}

func writeU64(h *maphash.Hash, x uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], x)
	h.Write(b[:])
}
