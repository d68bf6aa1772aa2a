//go:build tools

// Package tools pins the versions of the tools the Makefile runs, so that
// `go run` uses the version in go.mod rather than whatever is installed.
package tools

import (
	_ "honnef.co/go/tools/cmd/staticcheck"
)
