package testserver

func init() {
	mocks["dlive"] = func(opt MockOptions) (Mock, error) {
		d, err := NewDLive(DLiveOptions{Addr: opt.Addr, Limits: opt.Limits})
		if err != nil {
			return nil, err
		}
		return dliveMock{d}, nil
	}
}

type dliveMock struct{ *DLive }

func (m dliveMock) URL() string { return m.DLive.URL }

func (m dliveMock) Credentials() []string {
	return []string{
		"subprotocol: " + DLiveSubprotocol,
		`first frame: {"type":"connection_init","payload":{"authorization":"` + DemoToken + `"}} (any non-empty token)`,
	}
}

// Replay re-publishes the events of a captured data frame to every
// subscription of the same kind, under each subscription's own id (the
// capture's streamer is unknown to the mock).
func (m dliveMock) Replay(frame []byte) int {
	o, ok := ParseObject(frame)
	if !ok || o.Str("type") != "data" {
		return 0
	}
	data := o.Obj("payload").Obj("data")
	n := 0
	for _, c := range m.Conns() {
		for id, sub := range m.Subscriptions(c) {
			if v, ok := data[sub.Field]; ok {
				m.SendData(c, id, map[string]any{"data": map[string]any{sub.Field: v}})
				n++
			}
		}
	}
	return n
}

func (m dliveMock) Close() { m.DLive.Close() }
