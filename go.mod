module github.com/wsbind/wsbind

go 1.26.0

require (
	github.com/go-faster/jx v1.2.0
	go.yaml.in/yaml/v3 v3.0.6
)

require (
	github.com/dave/jennifer v1.7.1 // indirect
	github.com/go-faster/errors v0.7.1 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/santhosh-tekuri/jsonschema/v5 v5.3.1 // indirect
	github.com/segmentio/asm v1.2.1 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	golang.org/x/exp v0.0.0-20231110203233-9a3e6036ecaa // indirect
	golang.org/x/sys v0.14.0 // indirect
	honnef.co/go/tools v0.8.2 // indirect
)
