// Package openset holds the generated package of testdata/openset.yaml,
// whose tests check open sets (x-extensible-enum, x-wsbind-open) in the
// generated code, the interpreter and the schema bundle alike.
package openset

//go:generate go run ../../gen/cmd/wsbind-gen --out . testdata/openset.yaml
