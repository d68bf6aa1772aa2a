package testserver

import (
	"fmt"
	"sort"
)

// Mock is a provider server run for people rather than tests: `wsbind mock`
// and `wsbind demo` start one, point a client at it, and replay captured
// or example event frames through it.
type Mock interface {
	// URL is the WebSocket URL clients dial.
	URL() string
	// Credentials describes what a client needs to connect (demo tokens,
	// ticket or session endpoints), one line each.
	Credentials() []string
	// Replay delivers one server event frame (as captured) to the
	// connections subscribed to it, the way the provider would, and returns
	// how many received it.
	Replay(frame []byte) int
	// Stats reports the open connections and the slow clients cut.
	Stats() Stats
	Close()
}

// MockOptions configure a Mock.
type MockOptions struct {
	// Addr to listen on (loopback only); default 127.0.0.1:0.
	Addr string
	// Limits bound what one client may cost the server.
	Limits Limits
	// StampIDs gives every replayed event a fresh unique id, the same for
	// every connection that receives it (stamp.go); the mock then also
	// implements Stamper.
	StampIDs bool
}

// DemoToken is the credential every mock accepts.
const DemoToken = "demo-token"

var mocks = map[string]func(MockOptions) (Mock, error){}

// StartMock starts the mock server of a provider by name.
func StartMock(provider string, opt MockOptions) (Mock, error) {
	start, ok := mocks[provider]
	if !ok {
		return nil, fmt.Errorf("no mock server for %q (have %v)", provider, MockNames())
	}
	m, err := start(opt)
	if err != nil || !opt.StampIDs {
		return m, err
	}
	return stamped(m), nil
}

// MockNames lists the providers with a mock server.
func MockNames() []string {
	out := make([]string, 0, len(mocks))
	for k := range mocks {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
