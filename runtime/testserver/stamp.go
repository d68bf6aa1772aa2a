package testserver

import (
	"encoding/json"
	"strconv"
)

// Stamping replayed events (MockOptions.StampIDs): every call of Replay
// gives its event one fresh unique id, the same for every connection that
// receives it, in the field the provider uses for its own message id. A
// consumer that removes duplicates by that id (wsbind-bridge's
// Nats-Msg-Id) can then be held to exactly once: each id sent is one
// event, however many connections carried it.
//
//   - astro: the notification envelope's id
//   - dlive: the id of each stream event in the data frame (a frame of
//     several gets "<id>-<n>" for the n-th after the first)
//   - octave: the Event's id (value.id), "e" and the fresh id
//   - neuro: a top-level "id" (the protocol has no message id; the
//     property is undeclared, so validate notes it as drift)

type stampMock struct{ Mock }

func stamped(m Mock) Mock { return stampMock{Mock: m} }

// Replay stamps frame's event with a fresh id and replays it.
func (m stampMock) Replay(frame []byte) int {
	n, _ := m.ReplayStamped(frame)
	return n
}

// ReplayStamped is Replay returning the id it stamped ("" when the frame
// is not an event the mock replays).
func (m stampMock) ReplayStamped(frame []byte) (int, string) {
	o, ok := ParseObject(frame)
	if !ok {
		return m.Mock.Replay(frame), ""
	}
	id := NewULID()
	switch mm := m.Mock.(type) {
	case astroMock:
		if o.Str("type") != "message" {
			return mm.Replay(frame), ""
		}
		return mm.Astro.publish(o.Str("topic"), "", o["data"], id), id
	case octaveMock:
		if o.Str("type") != "message" {
			return mm.Replay(frame), ""
		}
		ev := Object{}
		for k, v := range o.Obj("value") {
			ev[k] = v
		}
		id = "e" + id // Octave event ids are "e" and alphanumerics
		ev["id"] = id
		return mm.Publish(o.Str("resource"), ev), id
	case dliveMock:
		if o.Str("type") != "data" {
			return mm.Replay(frame), ""
		}
		data := Object{}
		for k, v := range o.Obj("payload").Obj("data") {
			if list, ok := v.([]any); ok {
				out := make([]any, len(list))
				for i, e := range list {
					if ev, ok := e.(map[string]any); ok {
						c := map[string]any{}
						for k2, v2 := range ev {
							c[k2] = v2
						}
						c["id"] = id
						if i > 0 {
							c["id"] = id + "-" + strconv.Itoa(i)
						}
						e = c
					}
					out[i] = e
				}
				v = out
			}
			data[k] = v
		}
		o = Object{"type": "data", "payload": map[string]any{"data": map[string]any(data)}}
		return mm.Replay(marshal(o)), id
	case neuroMock:
		if o.Str("type") != "event" {
			return mm.Replay(frame), ""
		}
		o["id"] = id
		return mm.Replay(marshal(o)), id
	}
	return m.Mock.Replay(frame), ""
}

// Stamper is implemented by mocks started with MockOptions.StampIDs.
type Stamper interface {
	ReplayStamped(frame []byte) (int, string)
}

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain JSON values parsed a moment ago
	}
	return b
}
