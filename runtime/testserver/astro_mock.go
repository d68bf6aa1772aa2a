package testserver

func init() {
	mocks["astro"] = func(opt MockOptions) (Mock, error) {
		a, err := NewAstro(AstroOptions{Addr: opt.Addr, Limits: opt.Limits, Tokens: map[string][]string{DemoToken: {"*"}}})
		if err != nil {
			return nil, err
		}
		return astroMock{a}, nil
	}
}

type astroMock struct{ *Astro }

func (m astroMock) URL() string { return m.Astro.URL }

func (m astroMock) Credentials() []string {
	return []string{"token: " + DemoToken + " (any token_type)"}
}

// Replay publishes a captured notification to every connection subscribed
// to its topic (the captured room belongs to someone else's channel); other
// server frames go to every connection.
func (m astroMock) Replay(frame []byte) int {
	o, ok := ParseObject(frame)
	if !ok {
		return 0
	}
	if o.Str("type") == "message" {
		return m.Publish(o.Str("topic"), "", o["data"])
	}
	n := 0
	for _, c := range m.Conns() {
		c.Send(frame)
		n++
	}
	return n
}

func (m astroMock) Close() { m.Astro.Close() }
