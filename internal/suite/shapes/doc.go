package shapes

// shapes.yaml holds messages whose payloads are strings, arrays, nullable
// integers, unions and raw JSON under a compiled check. The tests decode
// and validate frames of every shape and compare each verdict with
// santhosh-tekuri/jsonschema on the embedded bundle; TestGeneratedUpToDate
// keeps the *_gen.go files in step with the generator.
//
//go:generate go run ../../../gen/cmd/wsbind-gen -client=false -out .. shapes.yaml
