// Package gen turns AsyncAPI 3 documents into Go bindings: gen/spec loads
// and resolves documents, gen/ir lowers them to a Go-agnostic model, and
// gen/golang writes code with jennifer. Run it with cmd/wsbind-gen or
// `wsbind gen`.
package gen

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/wsbind/wsbind/gen/golang"
	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/gen/spec"
)

// Options says what to generate.
type Options struct {
	// Out is the parent directory; each spec goes to Out/<name>/.
	Out string
	// Client adds a typed client per provider.
	Client bool
	// Registry, if set, is the import path of Out; a registry_gen.go
	// listing every generated provider is written there.
	Registry string
	// Warn, if set, receives warnings: keywords that draft-07 makes
	// annotations, which nothing checks.
	Warn func(string)
	// Package, if set, names the Go package (and its folder under Out)
	// instead of the name derived from the spec's file name.
	Package string
	// Remotes maps absolute URI prefixes that schema $refs use (such as
	// "https://example.com/schemas/") to local files or folders: gen never
	// fetches anything.
	Remotes map[string]string
	// Describes is the side the document describes, "server" or
	// "client"; "" takes the document's x-wsbind-describes, else server.
	Describes string
}

// modulePath is the module the generator is part of.
const modulePath = "github.com/wsbind/wsbind"

// Version describes the wsbind the running program was built from; see
// VersionOf. Generated files never carry it, so that regenerating with
// another build changes nothing.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown: built without module support)"
	}
	return VersionOf(bi)
}

// VersionOf describes the wsbind module in bi: its version ("(devel)" for
// a build inside its own checkout or from a local replacement), followed
// by the VCS revision and whether the tree was modified when the build
// recorded them. Only a build inside wsbind's own checkout records them:
// a tool built from another module (go tool, go install) has none.
func VersionOf(bi *debug.BuildInfo) string {
	mod := &bi.Main
	if mod.Path != modulePath {
		mod = nil
		for _, d := range bi.Deps {
			if d.Path == modulePath {
				mod = d
			}
		}
	}
	if mod == nil {
		return "(devel)"
	}
	version := mod.Version
	if mod.Replace != nil {
		version = mod.Replace.Version
	}
	if version == "" {
		version = "(devel)"
	}
	var revision, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if mod != &bi.Main || mod.Replace != nil || revision == "" {
		return version
	}
	if modified == "true" {
		return version + " (revision " + revision + ", modified)"
	}
	return version + " (revision " + revision + ")"
}

// Files generates the files for one spec without writing them.
func Files(specPath string, opt Options) (*ir.Package, []golang.File, error) {
	l := spec.NewLoader()
	l.Remotes = opt.Remotes
	pkg, err := ir.BuildLoaded(spec.LoadWith(l, specPath, spec.Options{Describes: opt.Describes}))
	if err != nil {
		return nil, nil, err
	}
	if pkg.Name, err = packageName(pkg.Name, opt.Package); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", specPath, err)
	}
	pkg.SourceFiles = []string{filepath.ToSlash(filepath.Join("specs", filepath.Base(specPath)))}
	ex, err := pickExample(pkg)
	if err != nil {
		return nil, nil, err
	}
	files, err := golang.Generate(pkg, golang.Options{Client: opt.Client && pkg.NoClient == "", Warn: opt.Warn, Example: ex})
	if err != nil {
		return nil, nil, err
	}
	return pkg, files, nil
}

// pickExample chooses the spec example the package's Example runs: the
// first that decodes as its own message and is valid, server side first,
// else the first at all. The interpreter, which gives the generated
// code's verdicts, works out its output. nil when the spec has none.
func pickExample(pkg *ir.Package) (*golang.SpecExample, error) {
	p, err := interp.FromPackage(pkg)
	if err != nil {
		return nil, err
	}
	var first *golang.SpecExample
	for _, dir := range []string{"server", "client"} {
		for _, ex := range p.Examples {
			if ex.Direction != dir {
				continue
			}
			r := p.Codec(dir).Check([]byte(ex.JSON), false)
			se := &golang.SpecExample{Direction: dir, Message: ex.Message, Name: ex.Name, JSON: ex.JSON, Decoded: r.Name, Valid: r.Valid()}
			if se.Valid && se.Decoded == ex.Message {
				return se, nil
			}
			if first == nil {
				first = se
			}
		}
	}
	return first, nil
}

// packageName is the Go package of a spec whose file name (without its
// extension) is base: the one asked for, checked, or one derived from base.
func packageName(base, asked string) (string, error) {
	if asked == "" {
		return golang.PackageName(base)
	}
	if err := golang.CheckPackageName(asked); err != nil {
		return "", fmt.Errorf("Options.Package: %w", err)
	}
	return asked, nil
}

// Expand turns the arguments of wsbind-gen into spec files: a directory
// stands for every AsyncAPI document in it (YAML or JSON files whose top
// level has an "asyncapi" key; shared schema files are skipped), sorted.
func Expand(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			ext := filepath.Ext(e.Name())
			if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
				continue
			}
			p := filepath.Join(a, e.Name())
			if isAsyncAPI(p) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

func isAsyncAPI(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(line, "asyncapi:") || strings.HasPrefix(t, `"asyncapi"`) {
			return true
		}
	}
	return false
}

// Write generates every spec and writes Out/<provider>/*_gen.go, removing
// generated files the new output no longer has. Files whose bytes did not
// change are left alone, so timestamps only move on real changes.
func Write(specPaths []string, opt Options) error {
	if opt.Package != "" && len(specPaths) > 1 {
		return fmt.Errorf("Options.Package names one package, but %d specs were given: generate them one at a time", len(specPaths))
	}
	var names []string
	from := map[string]string{} // package name to the spec it came from
	for _, p := range specPaths {
		pkg, files, err := Files(p, opt)
		if err != nil {
			return err
		}
		if prev, ok := from[pkg.Name]; ok {
			return fmt.Errorf("%s and %s both become package %s: rename one, or generate each alone with its own package name", prev, p, pkg.Name)
		}
		from[pkg.Name] = p
		names = append(names, pkg.Name)
		dir := filepath.Join(opt.Out, pkg.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		keep := map[string]bool{}
		for _, f := range files {
			keep[f.Name] = true
			path := filepath.Join(dir, f.Name)
			if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.Src) {
				continue
			}
			if err := os.WriteFile(path, f.Src, 0o644); err != nil {
				return err
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if (strings.HasSuffix(e.Name(), "_gen.go") || strings.HasSuffix(e.Name(), "_gen_test.go")) && !keep[e.Name()] {
				if err := isGenerated(filepath.Join(dir, e.Name())); err != nil {
					return err
				}
				if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
					return err
				}
			}
		}
	}
	if opt.Registry != "" {
		regName, err := golang.PackageName(path.Base(opt.Registry))
		if err != nil {
			return fmt.Errorf("registry %s: %w", opt.Registry, err)
		}
		src, err := golang.Registry(regName, opt.Registry, names)
		if err != nil {
			return err
		}
		path := filepath.Join(opt.Out, "registry_gen.go")
		if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, src) {
			return os.WriteFile(path, src, 0o644)
		}
	}
	return nil
}

// isGenerated refuses to delete a file that lacks the generated header.
func isGenerated(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte("// "+golang.Header)) {
		return fmt.Errorf("%s: not generated by wsbind-gen; refusing to remove it", path)
	}
	return nil
}
