// Package anchors holds the per-frame and loopback benchmarks behind
// BENCHMARKS.md: the generated path against what a speed-minded Go user
// would pick instead (encoding/json, bytedance/sonic and goccy/go-json into
// plain structs; sonic into any plus santhosh-tekuri/jsonschema v6 and v5
// on the dispatched message's own schema; raw gorilla/websocket loops).
//
// It is a nested module so that sonic, goccy and jsonschema v6 never enter
// the library's go.mod; make bench runs it. Every ratio is between
// sub-benchmarks of one run, interleaved in rounds (-rounds).
package anchors
