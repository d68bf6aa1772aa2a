// Package suite holds the official JSON-Schema-Test-Suite, draft7
// (vendored in testdata/jsonschema, pinned in its SOURCE.md), put through
// the whole generator: suitegen writes each group's schema to
// draft7/schemas/, makes it the payload of a message by $ref in an
// AsyncAPI document (a channel per group), and generates that document
// into draft7/doc0 as a user's spec would be. The tests run every case
// through the channel's codec and hold it to the suite and to
// santhosh-tekuri/jsonschema v5, the reference.
//
// internal/suite/random holds 300 random draft-07 schemas (seed 1) put
// through the whole generator, typed lowering included, with every verdict
// on instances near their boundaries held to the reference; `make
// random-full` runs 20,000.
package suite

//go:generate go run ./randgen -seed 1 -n 300 -dir random
//go:generate go run ./suitegen -suite ../../testdata/jsonschema/JSON-Schema-Test-Suite -meta ../../testdata/jsonschema/metaschema/draft-07.json -out draft7
