package htmlreport

import (
	"slices"
	"testing"
)

func TestStoreKeepsFirstInvalidThenNotedThenOthers(t *testing.T) {
	s := newStore(5, 1<<20)
	// index: rank
	ranks := []rank{rankPlain, rankPlain, rankNoted, rankPlain, rankPlain, rankPlain, rankInvalid, rankNoted, rankInvalid, rankPlain, rankInvalid, rankInvalid, rankInvalid, rankInvalid, rankNoted}
	for i, r := range ranks {
		if r == rankPlain && !s.wants(r) {
			s.offer(frameRow{index: i}, r, nil, nil)
			continue
		}
		s.offer(frameRow{index: i}, r, []byte("{}"), nil)
	}
	var got []int
	for _, k := range s.kept() {
		got = append(got, k.row.index)
	}
	// Five invalid frames arrived (6, 8, 10, 11, 12, 13): the first five stay.
	if want := []int{6, 8, 10, 11, 12}; !slices.Equal(got, want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
	if s.seen != [numRanks]int{6, 3, 6} || s.dropped != [numRanks]int{6, 3, 1} {
		t.Fatalf("seen %v dropped %v", s.seen, s.dropped)
	}
}

func TestStoreMixesRanksWhileRoomLasts(t *testing.T) {
	s := newStore(4, 1<<20)
	for i, r := range []rank{rankPlain, rankNoted, rankPlain, rankPlain, rankInvalid, rankPlain} {
		if s.wants(r) {
			s.offer(frameRow{index: i}, r, []byte("{}"), nil)
		} else {
			s.offer(frameRow{index: i}, r, nil, nil)
		}
	}
	var got []int
	for _, k := range s.kept() {
		got = append(got, k.row.index)
	}
	// The invalid frame #4 takes the place of the latest plain one (#3).
	if want := []int{0, 1, 2, 4}; !slices.Equal(got, want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
}

func TestStoreBoundsBytes(t *testing.T) {
	s := newStore(1000, 100)
	body := make([]byte, 30)
	for i := range 10 {
		s.offer(frameRow{index: i}, rankPlain, body, nil)
	}
	if s.bytes > 100 || len(s.kept()) != 3 {
		t.Fatalf("%d bytes in %d frames, want at most 100 bytes, 3 frames", s.bytes, len(s.kept()))
	}
	// An invalid frame evicts as many plain ones as it needs, the latest
	// first: 70 bytes need two of the three gone.
	s.offer(frameRow{index: 10}, rankInvalid, make([]byte, 70), nil)
	var idx []int
	for _, f := range s.kept() {
		idx = append(idx, f.row.index)
	}
	if !slices.Equal(idx, []int{0, 10}) || s.bytes != 100 {
		t.Fatalf("kept %v with %d bytes, want [0 10] with 100", idx, s.bytes)
	}
}

func TestStoreStaysBoundedOnLongRuns(t *testing.T) {
	s := newStore(100, 1<<20)
	for i := range 100000 {
		r := rankPlain
		switch {
		case i%7 == 0:
			r = rankInvalid
		case i%3 == 0:
			r = rankNoted
		}
		if s.wants(r) {
			s.offer(frameRow{index: i}, r, []byte("{}"), nil)
		} else {
			s.offer(frameRow{index: i}, r, nil, nil)
		}
		if len(s.frames) > 2*100+16 || s.live > 100 {
			t.Fatalf("after %d frames: %d slots, %d live", i, len(s.frames), s.live)
		}
	}
	for _, k := range s.kept() {
		if k.rank != rankInvalid || k.row.index%7 != 0 || k.row.index > 99*7 {
			t.Fatalf("kept frame #%d of rank %d: want the first 100 invalid frames", k.row.index, k.rank)
		}
	}
}
