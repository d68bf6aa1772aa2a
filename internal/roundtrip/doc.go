// Package roundtrip checks the encoders wsbind-gen writes (encode_gen.go)
// against the decoders and validators it writes, and against
// encoding/json, for every generated provider in both directions:
//
//   - decode a frame, encode the message with its generated AppendJSON,
//     decode that again: the two messages are equal (go-cmp), and a second
//     encoding gives the same bytes;
//   - the encoding is, byte for byte, what json.Marshal writes for the
//     message (reflection), so that moving the send path off reflection
//     changes no frame;
//   - a frame the package's Codec.Check finds valid encodes to a frame it
//     finds valid too.
//
// The fuzz targets (FuzzRoundTrip<Provider><Direction>) start from each
// package's examples and the frames of testdata/captures; run one with
//
//	go test -run '^$' -fuzz '^FuzzRoundTripAstroServer$' -fuzztime 1m ./internal/roundtrip/
//
// The benchmarks set the generated encoder against json.Marshal on one
// typical client and one typical server message per provider.
package roundtrip
