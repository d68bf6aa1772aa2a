package htmlreport

// The frame store keeps the bodies of at most maxFrames frames and
// maxBytes bytes of them, whatever the capture's size. When it is full, a
// frame of a higher rank (invalid above with notes above the rest) takes
// the place of the latest kept frame of the lowest rank below its own, so
// the report keeps the first invalid frames, then the first frames with
// notes, then the first others.

type rank int

const (
	rankPlain   rank = iota // ok, or skipped
	rankNoted               // ok, with notes
	rankInvalid             // INVALID
	numRanks
)

// kept is one frame kept in the report: its row in the index, the start
// of its body (the encoded JSON the page reads), and the frame's text when
// its lines are still to be rendered. body is nil once evicted.
type kept struct {
	row  frameRow
	body []byte
	data []byte
	rank rank
}

type store struct {
	maxFrames int
	maxBytes  int

	frames []*kept // arrival order, evicted ones nil-bodied until compacted
	live   int
	bytes  int
	// byRank lists the positions in frames of the live frames of each
	// evictable rank, in arrival order.
	byRank [numRanks][]int

	seen    [numRanks]int // frames offered, per rank
	dropped [numRanks]int // frames offered and not kept, or evicted
}

func newStore(maxFrames, maxBytes int) *store {
	return &store{maxFrames: maxFrames, maxBytes: maxBytes}
}

// wants reports whether a frame of rank r would be kept, before its body
// is built: rendering is the costly part.
func (s *store) wants(r rank) bool {
	if s.live < s.maxFrames && s.bytes < s.maxBytes {
		return true
	}
	return s.victimRank(r) >= 0
}

// victimRank is the lowest rank below r with a live frame, or -1.
func (s *store) victimRank(r rank) rank {
	for v := rankPlain; v < r; v++ {
		if len(s.byRank[v]) > 0 {
			return v
		}
	}
	return -1
}

// offer counts a frame of rank r; it is kept when body is not nil and it
// fits, evicting lower-ranked frames as needed. data, if any, is kept
// with it and counts against the bytes.
func (s *store) offer(row frameRow, r rank, body, data []byte) {
	s.seen[r]++
	if body == nil {
		s.dropped[r]++
		return
	}
	size := len(body) + len(data)
	for s.live >= s.maxFrames || s.bytes+size > s.maxBytes {
		v := s.victimRank(r)
		if v < 0 {
			if s.live == 0 && size > s.maxBytes {
				break // one frame alone may use the whole budget
			}
			s.dropped[r]++
			return
		}
		s.evict(v)
	}
	s.frames = append(s.frames, &kept{row: row, body: body, data: data, rank: r})
	s.live++
	s.bytes += size
	s.byRank[r] = append(s.byRank[r], len(s.frames)-1)
	if len(s.frames) > 2*s.maxFrames+16 {
		s.compact()
	}
}

func (s *store) evict(v rank) {
	list := s.byRank[v]
	pos := list[len(list)-1]
	s.byRank[v] = list[:len(list)-1]
	k := s.frames[pos]
	s.bytes -= len(k.body) + len(k.data)
	k.body, k.data = nil, nil
	s.live--
	s.dropped[v]++
}

// compact drops evicted frames from frames and renumbers byRank.
func (s *store) compact() {
	out := s.frames[:0]
	for _, k := range s.frames {
		if k.body != nil {
			out = append(out, k)
		}
	}
	clear(s.frames[len(out):])
	s.frames = out
	for r := range s.byRank {
		s.byRank[r] = s.byRank[r][:0]
	}
	for i, k := range s.frames {
		s.byRank[k.rank] = append(s.byRank[k.rank], i)
	}
}

// kept returns the live frames in arrival order.
func (s *store) kept() []*kept {
	s.compact()
	return s.frames
}
