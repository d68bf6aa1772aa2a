// Package suite holds the generated validators to the official
// JSON-Schema-Test-Suite, draft7 (vendored in testdata/jsonschema, pinned
// in its SOURCE.md). suitegen compiles every group's schema into
// internal/suite/draft7 through gen/schema and gen/check, the same path a
// payload of any spec takes; the tests run every case against it and
// against santhosh-tekuri/jsonschema v5, the reference.
package suite

//go:generate go run ./suitegen -suite ../../testdata/jsonschema/JSON-Schema-Test-Suite -meta ../../testdata/jsonschema/metaschema/draft-07.json -out draft7/validators_gen.go
