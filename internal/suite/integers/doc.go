// Package integers holds one message per typed integer schema: plain,
// bounded at and around int64's ends (±2^63, 9223372036854775807.5, 1e19),
// exclusive, multipleOf, const, enum, nullable, in arrays, maps and
// unions. The tests check which schemas lower to int64 and which to
// wire.Integer, and hold every verdict on huge literals, boundaries, 1.0,
// 1e2 and -0 to santhosh-tekuri/jsonschema on the embedded bundle;
// TestGeneratedUpToDate keeps the *_gen.go files in step with the
// generator.
package integers

//go:generate go run ../../../gen/cmd/wsbind-gen -client=false -out .. integers.yaml
