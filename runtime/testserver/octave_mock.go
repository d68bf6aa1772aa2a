package testserver

import "strings"

func init() {
	mocks["octave"] = func(opt MockOptions) (Mock, error) {
		o, err := NewOctave(OctaveOptions{Addr: opt.Addr, Limits: opt.Limits, Companies: map[string]string{"demo": DemoToken}})
		if err != nil {
			return nil, err
		}
		return octaveMock{o}, nil
	}
}

type octaveMock struct{ *Octave }

// URL is the WebSocket URL template: the client fills in the session id it
// got from the session endpoint.
func (m octaveMock) URL() string { return strings.TrimSuffix(m.Octave.URL, "/") + "/{sessionId}/ws" }

func (m octaveMock) Credentials() []string {
	return []string{
		"session: POST " + m.SessionURL() + " with X-Auth-Company: demo and X-Auth-Token: " + DemoToken,
		"then dial " + m.URL() + " with the body.id of the answer",
	}
}

// Replay publishes a captured event message to the subscribers of its
// stream.
func (m octaveMock) Replay(frame []byte) int {
	o, ok := ParseObject(frame)
	if !ok || o.Str("type") != "message" {
		return 0
	}
	return m.Publish(o.Str("resource"), o.Obj("value"))
}

func (m octaveMock) Close() { m.Octave.Close() }
