package golang

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/dave/jennifer/jen"
)

// Registry renders a file for package pkgName (import path importPath)
// that lists the providers generated beneath it, so tools can find every
// binding without handwritten per-provider code.
func Registry(pkgName, importPath string, providers []string) ([]byte, error) {
	f := jen.NewFile(pkgName)
	f.HeaderComment(Header)
	for _, line := range strings.Split(comment("Package "+pkgName+" holds the bindings wsbind-gen wrote, one package per provider, and this list of them."), "\n") {
		f.PackageComment(line)
	}
	emitDoc(f, "Providers lists every generated binding, in the order the specs were given.")
	f.Var().Id("Providers").Op("=").Index().Op("*").Qual(wirePkg, "Provider").ValuesFunc(func(g *jen.Group) {
		for _, p := range providers {
			g.Op("&").Qual(path.Join(importPath, p), "Provider")
		}
	})
	f.Line()
	emitDoc(f, "Lookup returns the provider named name, or nil.")
	f.Func().Id("Lookup").Params(jen.Id("name").String()).Op("*").Qual(wirePkg, "Provider").Block(
		jen.For(jen.List(jen.Id("_"), jen.Id("p")).Op(":=").Range().Id("Providers")).Block(
			jen.If(jen.Id("p").Dot("Name").Op("==").Id("name")).Block(jen.Return(jen.Id("p"))),
		),
		jen.Return(jen.Nil()),
	)
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, fmt.Errorf("registry_gen.go: %w", err)
	}
	return buf.Bytes(), nil
}
