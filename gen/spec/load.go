package spec

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Loader reads documents and resolves references between them. Each file is
// read once; a node reached through different references is the same
// *Node, which lets later stages deduplicate named schemas by identity.
type Loader struct {
	files   map[string]*Node  // by absolute and by display path
	absPath map[string]string // display path to absolute path
	// Remotes maps absolute URI prefixes of schema $refs to local files
	// or folders (gen/schema.NewCompiler); nothing is fetched.
	Remotes map[string]string
}

// NewLoader returns an empty Loader.
func NewLoader() *Loader {
	return &Loader{files: map[string]*Node{}, absPath: map[string]string{}}
}

// File loads path (YAML or JSON) and returns its root.
func (l *Loader) File(path string) (*Node, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if n, ok := l.files[abs]; ok {
		return n, nil
	}
	src, err := readSpec(abs)
	if err != nil {
		return nil, err
	}
	var y yaml.Node
	if err := yaml.Unmarshal(src, &y); err != nil {
		return nil, yamlError(displayPath(abs), src, err)
	}
	if len(y.Content) == 0 {
		return nil, fmt.Errorf("%s:1: empty document", displayPath(abs))
	}
	n, err := fromYAML(displayPath(abs), &y, "")
	if err != nil {
		return nil, err
	}
	n.Loc.File = displayPath(abs)
	l.files[abs] = n
	l.files[n.Loc.File] = n
	l.absPath[n.Loc.File] = abs
	return n, nil
}

// replace makes conv the root of the file old was loaded from: a document
// converted from AsyncAPI 2.x stands in for its source, so $refs into it
// and Root find the converted nodes.
func (l *Loader) replace(old, conv *Node) {
	for k, n := range l.files {
		if n == old {
			l.files[k] = conv
		}
	}
}

// displayPath keeps error messages and generated comments free of the
// machine's directory layout.
func displayPath(abs string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return filepath.Base(abs)
}

// Deref follows $ref chains starting at n and returns the target node.
// Siblings of $ref are ignored, as in JSON Schema draft 7.
func (l *Loader) Deref(n *Node) (*Node, error) {
	for hops := 0; n != nil; hops++ {
		ref := n.Get("$ref")
		if ref == nil {
			return n, nil
		}
		if hops > 32 {
			return nil, n.Errorf("$ref chain too long")
		}
		target, err := l.resolve(n, ref.Str())
		if err != nil {
			return nil, err
		}
		n = target
	}
	return n, nil
}

// Follow resolves the $ref at n one step; n itself when it has none.
func (l *Loader) Follow(n *Node) (*Node, error) {
	ref := n.Get("$ref")
	if ref == nil {
		return n, nil
	}
	return l.resolve(n, ref.Str())
}

func (l *Loader) resolve(from *Node, ref string) (*Node, error) {
	file, frag, _ := strings.Cut(ref, "#")
	root := l.files[from.Loc.File]
	if file != "" {
		var err error
		root, err = l.File(filepath.Join(filepath.Dir(l.abs(from.Loc.File)), file))
		if err != nil {
			return nil, from.Errorf("$ref %q: %v", ref, err)
		}
	}
	if root == nil {
		return nil, from.Errorf("$ref %q: document not loaded", ref)
	}
	target := root.Lookup(frag)
	if target == nil {
		target = l.lookupThroughRefs(root, frag)
	}
	if target == nil {
		return nil, from.Errorf("$ref %q: no such location", ref)
	}
	return target, nil
}

// lookupThroughRefs follows a JSON pointer that passes through $refs, as
// AsyncAPI tools read "#/channels/echo/messages/echo" when channel echo is
// itself a $ref to another file.
func (l *Loader) lookupThroughRefs(root *Node, ptr string) *Node {
	cur := root
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if cur != nil && cur.Get("$ref") != nil {
			next, err := l.Deref(cur)
			if err != nil {
				return nil
			}
			cur = next
		}
		cur = cur.Lookup("/" + tok)
		if cur == nil {
			return nil
		}
	}
	return cur
}

func (l *Loader) abs(display string) string { return l.absPath[display] }

// Root returns the root of the loaded file that n belongs to and the
// file's absolute path, or ok false for a node of no file loaded by l.
// gen/schema needs both: a schema's base URI starts from its file.
func (l *Loader) Root(n *Node) (root *Node, abs string, ok bool) {
	if n == nil {
		return nil, "", false
	}
	abs, ok = l.absPath[n.Loc.File]
	if root = l.files[abs]; !ok || root == nil || root.Lookup(n.Loc.Pointer) != n {
		return nil, "", false
	}
	return root, abs, true
}

// maxFileSize bounds one spec file: a $ref may name any path, /dev/zero
// included.
const maxFileSize = 32 << 20

// readSpec reads a regular file of at most maxFileSize bytes.
func readSpec(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", displayPath(path))
	}
	src, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > maxFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", displayPath(path), maxFileSize>>20)
	}
	return src, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlError puts a YAML syntax error in the file:line form of every other
// loader error. The parser leaves the line out on line 1 and for bytes
// that are not text; those are found in src.
func yamlError(path string, src []byte, err error) error {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = "yaml: " + msg[len(m[0]):]
	} else if i := badTextOffset(src); i >= 0 {
		line = 1 + bytes.Count(src[:i], []byte("\n"))
	}
	return fmt.Errorf("%s:%d: %s", path, line, msg)
}

// badTextOffset is the offset of the first byte YAML refuses as text
// (invalid UTF-8 or a character outside YAML's printable set), or -1.
func badTextOffset(src []byte) int {
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		if !yamlPrintable(r) {
			return i
		}
		i += size
	}
	return -1
}

// yamlPrintable is YAML 1.2's c-printable, as the parser checks it.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e:
		return true
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}
