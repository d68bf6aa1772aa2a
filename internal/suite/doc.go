// Package suite holds the generated validators to the official
// JSON-Schema-Test-Suite, draft7 (vendored in testdata/jsonschema, pinned
// in its SOURCE.md). suitegen compiles every group's schema into
// internal/suite/draft7 through gen/schema and gen/check, the same path a
// payload of any spec takes; the tests run every case against it and
// against santhosh-tekuri/jsonschema v5, the reference.
//
// internal/suite/random holds 300 random draft-07 schemas (seed 1) put
// through the whole generator, typed lowering included, with every verdict
// on instances near their boundaries held to the reference; `make
// random-full` runs 20,000.
package suite

//go:generate go run ./randgen -seed 1 -n 300 -dir random
//go:generate go run ./suitegen -suite ../../testdata/jsonschema/JSON-Schema-Test-Suite -meta ../../testdata/jsonschema/metaschema/draft-07.json -out draft7/validators_gen.go
