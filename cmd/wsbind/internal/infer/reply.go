package infer

import (
	"regexp"
	"sort"
	"strings"
)

// Request/reply detection: a server frame that echoes an id-like field of
// a recent client frame on the same socket answers it. Pairs are counted
// per (request message, its field, reply message, the reply's field).

const (
	recentClientFrames = 64 // client frames a reply may answer
	maxPendingLinks    = 1 << 16
	maxPairs           = 4096 // distinct (request, reply, paths) counted
)

// reIDName matches the names of fields that carry a correlation id.
var reIDName = regexp.MustCompile(`(?i)^(id|nonce|ref|seq|rid|msgid|reqid|requestid|correlationid|correlation_id|request_id|msg_id|message_id|messageid|transactionid|txid)$|Id$|_id$|nonce`)

// frameRef points at the message a frame was filed under, once it is.
type frameRef struct{ msg *message }

type recentID struct {
	ref  *frameRef
	path string // JSON pointer in the client frame
	val  string // kind byte + text
}

type link struct {
	req, rep        *frameRef
	reqPath, rePath string
}

type pairKey struct {
	req, rep        *message
	reqPath, rePath string
}

// echo records a client frame's ids, or links a server frame to the
// client frames whose ids it echoes.
func (e *Engine) echo(s *Socket, dir string, v *value, ref *frameRef) {
	if v.kind != kObject {
		return
	}
	var ids []recentID
	idFields(v, "", 0, func(ptr, val string) { ids = append(ids, recentID{ref: ref, path: ptr, val: val}) })
	if len(ids) == 0 {
		return
	}
	if dir == "client" {
		s.recent = append(s.recent, ids...)
		if n := len(s.recent) - recentClientFrames*4; n > 0 {
			s.recent = append([]recentID(nil), s.recent[n:]...)
		}
		return
	}
	for _, id := range ids {
		for i := len(s.recent) - 1; i >= 0; i-- {
			r := s.recent[i]
			if r.val != id.val || lastKey(r.path) != lastKey(id.path) {
				continue
			}
			if len(e.links) < maxPendingLinks {
				e.links = append(e.links, &link{req: r.ref, rep: ref, reqPath: r.path, rePath: id.path})
			}
			break
		}
	}
	if len(e.links) >= 1024 {
		e.resolveLinks()
	}
}

func lastKey(ptr string) string { return ptr[strings.LastIndexByte(ptr, '/')+1:] }

// idFields calls f for each id-like scalar, two objects deep.
func idFields(v *value, prefix string, depth int, f func(ptr, val string)) {
	if depth > 1 {
		return
	}
	for i, k := range v.keys {
		val := v.vals[i]
		ptr := prefix + "/" + escapePointer(k)
		switch val.kind {
		case kString, kNumber:
			if reIDName.MatchString(k) && val.str != "" && len(val.str) <= 256 && !SecretKey(k) {
				f(ptr, string(rune('0'+val.kind))+val.str)
			}
		case kObject:
			idFields(val, ptr, depth+1, f)
		}
	}
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// resolveLinks counts the links whose frames are both filed.
func (e *Engine) resolveLinks() {
	keep := e.links[:0]
	for _, l := range e.links {
		if l.req.msg == nil || l.rep.msg == nil {
			keep = append(keep, l)
			continue
		}
		k := pairKey{l.req.msg, l.rep.msg, l.reqPath, l.rePath}
		if _, ok := e.pairs[k]; ok || len(e.pairs) < maxPairs {
			e.pairs[k]++
		}
	}
	for i := len(keep); i < len(e.links); i++ {
		e.links[i] = nil
	}
	e.links = keep
}

// replyOf is what detection found for one request message.
type replyOf struct {
	path    string // the id in the request
	replies []*message
	rePath  string
	count   int
}

// replies picks, for each client message, the id its replies echo most
// often, and the server messages that echo it. A server message keeps
// one correlation pointer: the first one chosen.
func (e *Engine) replies() map[*message]*replyOf {
	type cand struct {
		reqPath, rePath string
	}
	per := map[*message]map[cand]int{}
	for k, n := range e.pairs {
		if per[k.req] == nil {
			per[k.req] = map[cand]int{}
		}
		per[k.req][cand{k.reqPath, k.rePath}] += n
	}
	var reqs []*message
	for m := range per {
		reqs = append(reqs, m)
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].name < reqs[j].name })
	// Pairs in a fixed order: a reply's correlation pointer is the first
	// one chosen, and the document must not change from run to run.
	keys := make([]pairKey, 0, len(e.pairs))
	for k := range e.pairs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.req.name != b.req.name {
			return a.req.name < b.req.name
		}
		if a.rep.name != b.rep.name {
			return a.rep.name < b.rep.name
		}
		if a.reqPath != b.reqPath {
			return a.reqPath < b.reqPath
		}
		return a.rePath < b.rePath
	})
	out := map[*message]*replyOf{}
	for _, req := range reqs {
		var best cand
		bestN := 0
		for c, n := range per[req] {
			if n > bestN || n == bestN && c.reqPath+c.rePath < best.reqPath+best.rePath {
				best, bestN = c, n
			}
		}
		r := &replyOf{path: best.reqPath, rePath: best.rePath, count: bestN}
		for _, k := range keys {
			if k.req == req && k.reqPath == best.reqPath && k.rePath == best.rePath {
				if k.rep.corr != "" && k.rep.corr != best.rePath {
					continue
				}
				k.rep.corr = best.rePath
				r.replies = append(r.replies, k.rep)
			}
		}
		if len(r.replies) == 0 {
			continue
		}
		sort.Slice(r.replies, func(i, j int) bool { return r.replies[i].name < r.replies[j].name })
		req.corr = best.reqPath
		out[req] = r
	}
	return out
}
