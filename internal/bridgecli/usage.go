// Package bridgecli holds what the wsbind CLI and the wsbind-bridge
// binary, which live in separate modules, must say alike.
package bridgecli

// Usage is the usage text of wsbind bridge (the wsbind-bridge binary):
// wsbind prints it for --help without starting the bridge's module.
const Usage = `Usage: wsbind bridge --config bridge.yaml      run a replica (SIGTERM releases its leases)
       wsbind bridge subscribe --config bridge.yaml --connection NAME CALL [ARG...]
       wsbind bridge unsubscribe --config bridge.yaml --connection NAME CALL [ARG...]
       wsbind bridge --demo [--duration 10s]   embedded NATS, the four mocks, two replicas

CALL is a subscribe method of a built-in provider's client with its
arguments (Subscribe channel.tips ROOM), or for a spec: connection send
'<JSON frame>' or send_example MESSAGE.

Flags:
  --config FILE      the bridge config (README.md, "Running at scale")
  --log-level LEVEL  debug, info (default; warn with --demo), warn or error;
                     logs are JSON on stderr
  --demo             run the demo and exit
  --duration D       how long the demo runs (default 10s)

Exit codes: 0 ok, 1 the bridge failed, 2 usage or config error.
`
