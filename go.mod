module github.com/wsbind/wsbind

go 1.26.0

require (
	github.com/go-faster/jx v1.2.0
	go.yaml.in/yaml/v3 v3.0.6
)

require (
	github.com/go-faster/errors v0.7.1 // indirect
	github.com/segmentio/asm v1.2.1 // indirect
	golang.org/x/exp v0.0.0-20231110203233-9a3e6036ecaa // indirect
	golang.org/x/sys v0.14.0 // indirect
)
