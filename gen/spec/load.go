package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Loader reads documents and resolves references between them. Each file is
// read once; a node reached through different references is the same
// *Node, which lets later stages deduplicate named schemas by identity.
type Loader struct {
	files   map[string]*Node  // by absolute and by display path
	absPath map[string]string // display path to absolute path
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
	src, err := os.ReadFile(abs)
	if err != nil {
		return nil, err
	}
	var y yaml.Node
	if err := yaml.Unmarshal(src, &y); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(y.Content) == 0 {
		return nil, fmt.Errorf("%s: empty document", path)
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
		return nil, from.Errorf("$ref %q: no such location", ref)
	}
	return target, nil
}

func (l *Loader) abs(display string) string { return l.absPath[display] }
