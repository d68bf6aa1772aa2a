// Package wire holds what generated bindings stand on: optional and nullable
// values, the decode scope that tracks JSON pointers, violations and drift,
// leaf decoders on top of go-faster/jx, validation checks and formats, and
// the message and codec contracts that runtime/ and cmd/wsbind use.
//
// Generated code calls into this package instead of repeating helpers in
// every file, which keeps generated validators and decoders small.
package wire

// Version is the contract between generated code and this package. Generated
// files refer to the constant named by SupportsVersion so that bindings
// generated for a newer runtime fail to compile against an older one.
const Version = 1

// SupportsVersion1 is referenced by code generated for wire version 1.
const SupportsVersion1 = true
