package openset_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/internal/openset/openset"
	"github.com/wsbind/wsbind/runtime/schemacheck"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

// frames covers each open set with a known value, an unknown one, and
// frames that break the contract around them.
var frames = []struct {
	name  string
	frame string
	msg   string   // message the frame is dispatched to ("" unknown)
	valid bool     // the verdict jsonschema gives on the bundle too
	notes []string // "pointer kind", sorted
}{
	{"known currency", `{"type":"message","topic":"channel.tips","data":{"amount":1,"currency":"EUR"}}`, "Tip", true, nil},
	{"new currency", `{"type":"message","topic":"channel.tips","data":{"amount":1,"currency":"JPY"}}`, "Tip", true,
		[]string{"/data/currency unknown-value"}},
	{"currency of the wrong type", `{"type":"message","topic":"channel.tips","data":{"amount":1,"currency":7}}`, "Tip", false, nil},
	{"known activities", `{"type":"message","topic":"channel.activities","data":[{"kind":"tip","amount":2},{"kind":"follow"}]}`, "Activity", true, nil},
	{"new activity kind", `{"type":"message","topic":"channel.activities","data":[{"kind":"follow"},{"kind":"raid","viewers":12}]}`, "Activity", true,
		[]string{"/data/1/kind unknown-variant"}},
	{"known kind that breaks its branch", `{"type":"message","topic":"channel.activities","data":[{"kind":"tip"}]}`, "Activity", false, nil},
	{"activity without kind", `{"type":"message","topic":"channel.activities","data":[{"amount":2}]}`, "Activity", false, nil},
	{"activity kind not a string", `{"type":"message","topic":"channel.activities","data":[{"kind":3}]}`, "Activity", false, nil},
	{"new topic", `{"type":"message","topic":"channel.raids","data":{"from":"x"}}`, "OtherTopic", true,
		[]string{"/topic unknown-variant"}},
	{"known topic that breaks its message", `{"type":"message","topic":"channel.tips","data":{}}`, "Tip", false, nil},
	{"message without topic", `{"type":"message","data":{}}`, "OtherTopic", false, nil},
	{"topic not a string", `{"type":"message","topic":1}`, "OtherTopic", false, nil},
	{"unknown frame type stays closed", `{"type":"hello"}`, "", false, nil},
	{"welcome", `{"type":"welcome"}`, "Welcome", true, nil},
}

func noteKeys(r wire.Result) []string {
	var out []string
	for _, n := range r.Notes {
		out = append(out, n.Pointer+" "+n.Kind)
	}
	slices.Sort(out)
	return out
}

// The generated package and the interpreter give each frame the same
// message, verdict and notes, word for word; jsonschema agrees with the
// verdict on the embedded bundle. So the bundle accepts exactly what the
// verdict model calls valid, with or without notes.
func TestOpenSetsVerdicts(t *testing.T) {
	in, _, err := interp.Load("testdata/openset.yaml", interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check, err := schemacheck.New(openset.Schema())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range frames {
		t.Run(tc.name, func(t *testing.T) {
			gen := openset.ServerCodec.Check([]byte(tc.frame), true)
			got := in.Server.Check([]byte(tc.frame), true)
			if gen.Name != tc.msg || gen.Valid() != tc.valid {
				t.Errorf("generated: %q valid=%v %v, want %q valid=%v", gen.Name, gen.Valid(), gen.Violations, tc.msg, tc.valid)
			}
			if keys := noteKeys(gen); !cmp.Equal(keys, tc.notes) {
				t.Errorf("generated notes %v, want %v", keys, tc.notes)
			}
			if got.Name != gen.Name || got.Valid() != gen.Valid() {
				t.Errorf("interpreted: %q valid=%v %v; generated %q valid=%v", got.Name, got.Valid(), got.Violations, gen.Name, gen.Valid())
			}
			if tc.valid {
				if diff := cmp.Diff(gen.Notes, got.Notes); diff != "" {
					t.Errorf("notes differ (-generated +interpreted):\n%s", diff)
				}
			}
			vs, err := check.Validate("ServerMessage", []byte(tc.frame))
			if err != nil {
				t.Fatal(err)
			}
			if (len(vs) == 0) != tc.valid {
				t.Errorf("jsonschema on the bundle: %v, want valid=%v", vs, tc.valid)
			}
		})
	}
}

// The open enum keeps its typed constants and takes new values as the same
// type; the catch-all branch keeps the new variant's JSON whole.
func TestOpenSetsDecodeWithoutLoss(t *testing.T) {
	m, err := openset.DecodeServerMessage([]byte(`{"type":"message","topic":"channel.tips","data":{"amount":1,"currency":"JPY"}}`))
	if err != nil {
		t.Fatal(err)
	}
	tip := m.(*openset.Tip)
	if tip.Data.Currency != "JPY" || tip.Data.Currency.Known() || !openset.TipDataCurrencyEur.Known() {
		t.Errorf("currency %q, known %v", tip.Data.Currency, tip.Data.Currency.Known())
	}
	if err := tip.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	m, err = openset.DecodeServerMessage([]byte(`{"type":"message","topic":"channel.activities","data":[{"kind":"raid","viewers":12}]}`))
	if err != nil {
		t.Fatal(err)
	}
	other, ok := m.(*openset.Activity).Data[0].(*openset.ActivityDataItem2)
	if !ok || string(other.Raw) != `{"kind":"raid","viewers":12}` || string(other.Kind) != `"raid"` {
		t.Errorf("new activity: %#v", m.(*openset.Activity).Data[0])
	}
}

// feed sends the frames to every client that connects.
type feed struct{ frames []string }

func (f *feed) Accept(*http.Request) (int, string, http.Header) { return 0, "", nil }
func (f *feed) Closed(*testserver.Conn)                         {}
func (f *feed) Frame(*testserver.Conn, []byte)                  {}
func (f *feed) Open(c *testserver.Conn) {
	for _, fr := range f.frames {
		c.Send([]byte(fr))
	}
}

// A typed client delivers a new topic and a new activity kind to handlers,
// with their JSON, and reports no error.
func TestOpenSetsReachTypedHandlers(t *testing.T) {
	srv, err := testserver.New(&feed{frames: []string{
		`{"type":"message","topic":"channel.raids","data":{"from":"x"}}`,
		`{"type":"message","topic":"channel.activities","data":[{"kind":"raid","viewers":12}]}`,
	}}, testserver.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var mu sync.Mutex
	var got, errs []string
	done := make(chan struct{}, 2)
	c := openset.NewClient(openset.Config{
		URL: "ws://" + srv.Addr() + "/feed",
		OnError: func(_ context.Context, err error) {
			mu.Lock()
			errs = append(errs, err.Error())
			mu.Unlock()
		},
	})
	c.OnOtherTopicMessage(func(_ context.Context, m *openset.OtherTopic) {
		mu.Lock()
		got = append(got, "topic "+string(m.Topic)+" "+string(m.RawFrame()))
		mu.Unlock()
		done <- struct{}{}
	})
	c.OnActivityMessage(func(_ context.Context, m *openset.Activity) {
		mu.Lock()
		for _, it := range m.Data {
			if o, ok := it.(*openset.ActivityDataItem2); ok {
				got = append(got, "activity "+string(o.Raw))
			}
		}
		mu.Unlock()
		done <- struct{}{}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 {
		select {
		case <-done:
		case <-ctx.Done():
			t.Fatal("the frames did not reach the handlers")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		`topic "channel.raids" {"type":"message","topic":"channel.raids","data":{"from":"x"}}`,
		`activity {"kind":"raid","viewers":12}`,
	}
	if !cmp.Equal(got, want) || len(errs) > 0 {
		t.Errorf("handlers got %q, errors %q", got, errs)
	}
	if strings.Contains(strings.Join(errs, ""), "oneOf") {
		t.Error("a new variant was reported as an error")
	}
}
