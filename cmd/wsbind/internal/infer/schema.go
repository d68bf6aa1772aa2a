package infer

// Bounds that keep the state of one message small whatever the capture.
const (
	maxEnumValues = 12  // distinct strings remembered per field
	maxProps      = 128 // distinct keys of an object before it is a map
	maxVariants   = 32  // variants of a tagged union
)

// tagNames are property names that tell objects apart inside a payload
// (DLive __typename, Astro data.type): objects at one place with such a
// property become a union of one schema per value.
var tagNames = map[string]bool{"__typename": true, "type": true, "kind": true, "eventType": true, "event_type": true, "@type": true}

// node accumulates every sample seen at one place of a message.
type node struct {
	n      int
	kinds  [kArray + 1]int
	deep   bool
	secret bool // some sample was a credential: no enum, no format

	// strings
	formats uint8          // formats every string so far had
	strs    map[string]int // distinct values and counts; nil past maxEnumValues
	label   bool           // every string so far was label-like

	// numbers
	nonInt int

	// objects
	objN   int
	props  []*prop
	index  map[string]*prop
	mapped *node // set once the object is taken as a map: its values merged

	// tagged union: objects whose tag property holds a label
	tag      string
	variants map[string]*node
	vorder   []string
	untagged bool // an object lacked the tag: no union

	// arrays
	items  *node
	arrN   int
	sample string // one non-secret string, for the report

	budget *budget // shared by the nodes of one message
}

type prop struct {
	name  string
	count int
	node  *node
}

func newNode() *node { return &node{formats: fAll, strs: map[string]int{}, label: true} }

// maxNodes bounds the places one message remembers: past it, properties
// never seen before are left undeclared (objects stay open, so frames
// keep validating), and the message's report says so.
const maxNodes = 20000

// budget counts the nodes of one message.
type budget struct{ used, refused int }

// adopt returns a new node in nd's budget, counted but never refused:
// merging copies places already paid for.
func (nd *node) adopt() *node {
	c := newNode()
	c.budget = nd.budget
	if c.budget != nil {
		c.budget.used++
	}
	return c
}

// child returns a new node under nd sharing its budget, or nil when the
// budget is spent.
func (nd *node) child() *node {
	if nd.budget != nil {
		if nd.budget.used >= maxNodes {
			nd.budget.refused++
			return nil
		}
		nd.budget.used++
	}
	c := newNode()
	c.budget = nd.budget
	return c
}

// add merges one sample. secret says the sample sits under a credential
// key; root is set for the message's top level, which never becomes a
// union (the message's own discriminators split it).
func (nd *node) add(v *value, secret, root bool) {
	nd.n++
	nd.kinds[v.kind]++
	if v.deep {
		nd.deep = true
	}
	switch v.kind {
	case kString:
		nd.addString(v.str, secret)
	case kNumber:
		if !isInteger(v.str) {
			nd.nonInt++
		}
		if secret {
			nd.secret = true
		}
	case kObject:
		nd.addObject(v, secret, root)
	case kArray:
		nd.arrN++
		if nd.items == nil {
			if nd.items = nd.child(); nd.items == nil {
				return
			}
		}
		for _, it := range v.items {
			nd.items.add(it, secret, false)
		}
	}
}

func (nd *node) addString(s string, secret bool) {
	if secret || SecretValue(s) {
		nd.secret = true
		nd.strs = nil
		nd.formats = 0
		return
	}
	nd.formats &= formatsOf(s)
	if nd.label && !labelLike(s) {
		nd.label = false
	}
	if nd.sample == "" && len(s) <= 40 {
		nd.sample = s
	}
	if nd.strs != nil {
		if _, ok := nd.strs[s]; ok || len(nd.strs) < maxEnumValues {
			nd.strs[s]++
		} else {
			nd.strs = nil
		}
	}
}

func (nd *node) addObject(v *value, secret, root bool) {
	nd.objN++
	if nd.mapped != nil {
		for i := range v.keys {
			nd.mapped.add(v.vals[i], secret || SecretKey(v.keys[i]), false)
		}
		return
	}
	if nd.index == nil {
		nd.index = map[string]*prop{}
	}
	seen := map[string]bool{}
	for _, k := range v.keys {
		if seen[k] {
			continue // a duplicate key: the last value is the one decoders keep
		}
		seen[k] = true
		p := nd.index[k]
		if p == nil {
			if len(nd.props) >= maxProps {
				nd.toMap()
				nd.addObjectToMap(v, secret)
				return
			}
			c := nd.child()
			if c == nil {
				continue
			}
			p = &prop{name: k, node: c}
			nd.index[k] = p
			nd.props = append(nd.props, p)
		}
		p.count++
		p.node.add(v.get(k), secret || SecretKey(k), false)
	}
	if !root {
		nd.addVariant(v, secret)
	}
}

func (nd *node) addObjectToMap(v *value, secret bool) {
	for i := range v.keys {
		nd.mapped.add(v.vals[i], secret || SecretKey(v.keys[i]), false)
	}
}

// toMap folds the properties seen so far into one value schema.
func (nd *node) toMap() {
	m := nd.adopt()
	for _, p := range nd.props {
		m.merge(p.node)
	}
	nd.mapped, nd.props, nd.index = m, nil, nil
	nd.variants, nd.untagged = nil, true
}

// addVariant files an object under its tag value.
func (nd *node) addVariant(v *value, secret bool) {
	if nd.untagged {
		return
	}
	if nd.tag == "" {
		for _, k := range v.keys {
			if t := v.get(k); tagNames[k] && t.kind == kString && labelLike(t.str) {
				nd.tag = k
				nd.variants = map[string]*node{}
				break
			}
		}
		if nd.tag == "" {
			nd.untagged = true
			return
		}
	}
	t := v.get(nd.tag)
	if t == nil || t.kind != kString || !labelLike(t.str) || SecretKey(nd.tag) {
		nd.untagged, nd.variants = true, nil
		return
	}
	vn := nd.variants[t.str]
	if vn == nil {
		if len(nd.variants) >= maxVariants {
			nd.untagged, nd.variants = true, nil
			return
		}
		if vn = nd.child(); vn == nil {
			nd.untagged, nd.variants = true, nil
			return
		}
		nd.variants[t.str] = vn
		nd.vorder = append(nd.vorder, t.str)
	}
	vn.add(v, secret, true)
}

// merge folds o's samples into nd (maps built from records, and the
// values of a map).
func (nd *node) merge(o *node) {
	if o == nil {
		return
	}
	nd.n += o.n
	for i := range nd.kinds {
		nd.kinds[i] += o.kinds[i]
	}
	nd.deep = nd.deep || o.deep
	nd.secret = nd.secret || o.secret
	if o.kinds[kString] > 0 {
		nd.formats &= o.formats
	}
	nd.label = nd.label && o.label
	if nd.sample == "" {
		nd.sample = o.sample
	}
	if nd.strs != nil && o.strs != nil {
		for s, c := range o.strs {
			if _, ok := nd.strs[s]; ok || len(nd.strs) < maxEnumValues {
				nd.strs[s] += c
			} else {
				nd.strs = nil
				break
			}
		}
	} else {
		nd.strs = nil
	}
	if nd.secret {
		nd.strs = nil
	}
	nd.nonInt += o.nonInt
	nd.arrN += o.arrN
	if o.items != nil {
		if nd.items == nil {
			nd.items = nd.adopt()
		}
		nd.items.merge(o.items)
	}
	nd.objN += o.objN
	switch {
	case o.mapped != nil || nd.mapped != nil:
		if nd.mapped == nil {
			nd.toMap()
		}
		nd.mapped.merge(o.mapped)
		for _, p := range o.props {
			nd.mapped.merge(p.node)
		}
	default:
		if nd.index == nil {
			nd.index = map[string]*prop{}
		}
		for _, p := range o.props {
			q := nd.index[p.name]
			if q == nil {
				if len(nd.props) >= maxProps {
					nd.toMap()
					nd.merge(&node{props: o.props})
					return
				}
				q = &prop{name: p.name, node: nd.adopt()}
				nd.index[p.name] = q
				nd.props = append(nd.props, q)
			}
			q.count += p.count
			q.node.merge(p.node)
		}
	}
	// Unions are not merged: a merged place is described by its fields.
	nd.untagged, nd.variants = true, nil
}
