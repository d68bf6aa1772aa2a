package bridge

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/rules"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/wire"
)

func newBuilder(t *testing.T, provider string) *builder {
	t.Helper()
	p := generated.Lookup(provider)
	rc, err := rules.Builtin(provider, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &builder{provider: provider, codec: p.Server, events: eventSet(p.Events), rules: rc,
		connection: provider + "-main", sub: "sub1", connID: "r1.sub1.abc", prefix: "wsbind." + provider + "."}
}

// verdict is what a typed client with OnVerdict hands the bridge.
func verdict(provider string, frame []byte) *wire.Result {
	r, _ := generated.Lookup(provider).Server.Verdict(frame, wire.Off)
	return &r
}

// TestBuild runs once on frames the builder judges itself and once on the
// verdicts of the client's decode: both must publish the same.
func TestBuild(t *testing.T) {
	for _, given := range []bool{false, true} {
		t.Run(map[bool]string{false: "own check", true: "client verdict"}[given], func(t *testing.T) { testBuild(t, given) })
	}
}

func testBuild(t *testing.T, given bool) {
	b := newBuilder(t, "astro")
	judge := func(frame []byte) *wire.Result {
		if given {
			return verdict("astro", frame)
		}
		return nil
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tip := `{"id":"01JMFBZF7KSRDDXXV0EH7G8X6G","ts":"2025-02-19T15:07:17Z","type":"message","topic":"channel.tips","room":"5ad2.3dcc",` +
		`"data":{"donation":{"user":{"username":"Styler"},"amount":4.2,"currency":"USD"},"_id":"67b5f39d07ecd4c594e60f73","provider":"paypal","status":"success","createdAt":"2025-02-19T15:07:09.302Z"}}`
	cases := []struct {
		name, frame, subject, kind, msgID, message string
		reasons                                    bool
	}{
		{"event", tip, "wsbind.astro.channel_tips.5ad2_3dcc", KindEvent, "sub1:01JMFBZF7KSRDDXXV0EH7G8X6G", "ChannelTipsMessage", false},
		{"invalid", strings.Replace(tip, `"amount":4.2`, `"amount":"lots"`, 1), "wsbind.astro._invalid", KindInvalid, "sub1:01JMFBZF7KSRDDXXV0EH7G8X6G", "ChannelTipsMessage", true},
		{"malformed", `{"type":"message",`, "wsbind.astro._invalid", KindInvalid, "r1.sub1.abc:3", "", true},
		{"unknown", `{"type":"surprise","x":1}`, "wsbind.astro._unknown", KindUnknown, "r1.sub1.abc:4", "", true},
		{"no room", strings.Replace(tip, `"room":"5ad2.3dcc",`, "", 1), "wsbind.astro.channel_tips._", KindEvent, "sub1:01JMFBZF7KSRDDXXV0EH7G8X6G", "ChannelTipsMessage", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg, kind, ok := b.build([]byte(c.frame), judge([]byte(c.frame)), now)
			if !ok {
				t.Fatal("not published")
			}
			h := msg.Header
			if msg.Subject != c.subject || kind != c.kind || h.Get(nats.MsgIdHdr) != c.msgID || h.Get(HeaderMessage) != c.message {
				t.Fatalf("got %s %s id=%s message=%s", msg.Subject, kind, h.Get(nats.MsgIdHdr), h.Get(HeaderMessage))
			}
			if string(msg.Data) != c.frame {
				t.Error("the frame bytes are not published as they came")
			}
			if h.Get(HeaderProvider) != "astro" || h.Get(HeaderConnection) != "astro-main" || h.Get(HeaderSubscription) != "sub1" || h.Get(HeaderReceivedAt) != "2026-01-02T03:04:05Z" {
				t.Errorf("headers: %v", h)
			}
			if (h.Get(HeaderReasons) != "") != c.reasons {
				t.Errorf("reasons: %q", h.Get(HeaderReasons))
			}
			t.Logf("%s %s reasons=%q notes=%q", msg.Subject, h.Get(nats.MsgIdHdr), h.Get(HeaderReasons), h.Get(HeaderNotes))
		})
	}
	// Welcome and replies are not events.
	for _, ex := range generated.Lookup("astro").Examples {
		if ex.Message == "Response" || ex.Message == "Welcome" {
			if _, _, ok := b.build([]byte(ex.JSON), judge([]byte(ex.JSON)), now); ok {
				t.Errorf("%s example published: %s", ex.Message, ex.JSON)
			}
		}
	}
	// Notes travel in a header.
	noted := []byte(strings.Replace(tip, `"status":"success"`, `"status":"success","brandNew":1`, 1))
	msg, _, _ := b.build(noted, judge(noted), now)
	if !strings.Contains(msg.Header.Get(HeaderNotes), "brandNew") {
		t.Errorf("notes: %q", msg.Header.Get(HeaderNotes))
	}
}

func TestBuildWithoutProviderID(t *testing.T) {
	b := newBuilder(t, "neuro")
	var frame string
	for _, ex := range generated.Lookup("neuro").Examples {
		if ex.Message == "Event" {
			frame = ex.JSON
			break
		}
	}
	msg, kind, ok := b.build([]byte(frame), nil, time.Now())
	if !ok {
		t.Fatal("not published")
	}
	t.Logf("%s %s %s", msg.Subject, kind, msg.Header.Get(HeaderReasons))
	if kind != KindEvent || !strings.HasPrefix(msg.Subject, "wsbind.neuro.event.") || msg.Header.Get(nats.MsgIdHdr) != "r1.sub1.abc:1" {
		t.Fatalf("got %s id=%s", msg.Subject, msg.Header.Get(nats.MsgIdHdr))
	}
}

func BenchmarkBuild(b *testing.B) {
	p := generated.Lookup("astro")
	rc, _ := rules.Builtin("astro", nil)
	bu := &builder{provider: "astro", codec: p.Server, events: eventSet(p.Events), rules: rc, connection: "c", sub: "s", connID: "x", prefix: "wsbind.astro."}
	frame := []byte(`{"id":"01JMFBZF7KSRDDXXV0EH7G8X6G","ts":"2025-02-19T15:07:17Z","type":"message","topic":"channel.tips","room":"5ad23dcc18fff500d78c5348","data":{"donation":{"user":{"username":"Styler"},"amount":4.2,"currency":"USD"},"_id":"67b5f39d07ecd4c594e60f73","provider":"paypal","status":"success","createdAt":"2025-02-19T15:07:09.302Z"}}`)
	now := time.Now()
	v := verdict("astro", frame)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		bu.build(frame, v, now)
	}
}
