package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/wire"
)

var update = flag.Bool("update", false, "rewrite testdata/captures from the spec examples")

// capturesDir is testdata/captures at the module root.
var capturesDir = filepath.Join("..", "..", "testdata", "captures")

// TestCaptures keeps the sample captures in step with the spec examples:
// with -update it writes them, without it fails on any difference.
//
//	go test ./cmd/wsbind -run TestCaptures -update
func TestCaptures(t *testing.T) {
	want := map[string][]byte{"mixed.har": mixedHAR(t)}
	for _, p := range generated.Providers {
		want[p.Name+".jsonl"] = examplesJSONL(t, p.Examples)
	}
	if *update {
		if err := os.MkdirAll(capturesDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range want {
		path := filepath.Join(capturesDir, name)
		if *update {
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (run: go test ./cmd/wsbind -run TestCaptures -update)", err)
			continue
		}
		if !bytes.Equal(got, content) {
			t.Errorf("%s differs from the spec examples; run: go test ./cmd/wsbind -run TestCaptures -update", path)
		}
	}
}

// envelope is a JSONL capture line.
type envelope struct {
	Type string `json:"type"`
	Data string `json:"data"`
}

func envelopeType(direction string) string {
	if direction == "client" {
		return "send"
	}
	return "receive"
}

func examplesJSONL(t *testing.T, examples []wire.Example) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, e := range examples {
		if err := enc.Encode(envelope{envelopeType(e.Direction), e.JSON}); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// The shape Chrome DevTools writes with "Export HAR", keys in its order.
type (
	harFile struct {
		Log harLog `json:"log"`
	}
	harLog struct {
		Version string     `json:"version"`
		Creator harCreator `json:"creator"`
		Pages   []harPage  `json:"pages"`
		Entries []harEntry `json:"entries"`
	}
	harCreator struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	harPage struct {
		StartedDateTime string         `json:"startedDateTime"`
		ID              string         `json:"id"`
		Title           string         `json:"title"`
		PageTimings     map[string]any `json:"pageTimings"`
	}
	harEntry struct {
		Initiator         map[string]any `json:"_initiator"`
		Priority          string         `json:"_priority"`
		ResourceType      string         `json:"_resourceType"`
		WebSocketMessages []harMessage   `json:"_webSocketMessages,omitempty"`
		Cache             struct{}       `json:"cache"`
		Connection        string         `json:"connection"`
		Pageref           string         `json:"pageref"`
		Request           harRequest     `json:"request"`
		Response          harResponse    `json:"response"`
		ServerIPAddress   string         `json:"serverIPAddress"`
		StartedDateTime   string         `json:"startedDateTime"`
		Time              float64        `json:"time"`
		Timings           harTimings     `json:"timings"`
	}
	harMessage struct {
		Type   string  `json:"type"`
		Time   float64 `json:"time"`
		Opcode int     `json:"opcode"`
		Data   string  `json:"data"`
	}
	harHeader struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	harRequest struct {
		Method      string      `json:"method"`
		URL         string      `json:"url"`
		HTTPVersion string      `json:"httpVersion"`
		Headers     []harHeader `json:"headers"`
		QueryString []harHeader `json:"queryString"`
		Cookies     []any       `json:"cookies"`
		HeadersSize int         `json:"headersSize"`
		BodySize    int         `json:"bodySize"`
	}
	harResponse struct {
		Status       int         `json:"status"`
		StatusText   string      `json:"statusText"`
		HTTPVersion  string      `json:"httpVersion"`
		Headers      []harHeader `json:"headers"`
		Cookies      []any       `json:"cookies"`
		Content      harContent  `json:"content"`
		RedirectURL  string      `json:"redirectURL"`
		HeadersSize  int         `json:"headersSize"`
		BodySize     int         `json:"bodySize"`
		TransferSize int         `json:"_transferSize"`
		Error        *string     `json:"_error"`
	}
	harContent struct {
		Size     int    `json:"size"`
		MimeType string `json:"mimeType"`
		Text     string `json:"text,omitempty"`
	}
	harTimings struct {
		Blocked         float64 `json:"blocked"`
		DNS             float64 `json:"dns"`
		SSL             float64 `json:"ssl"`
		Connect         float64 `json:"connect"`
		Send            float64 `json:"send"`
		Wait            float64 `json:"wait"`
		Receive         float64 `json:"receive"`
		BlockedQueueing float64 `json:"_blocked_queueing"`
	}
)

// mixedHAR is a Chrome-shaped HAR with a page load, an Astro socket and a
// DLive socket (graphql-ws subprotocol) carrying every example of the two
// providers, and one binary frame on the DLive socket.
func mixedHAR(t *testing.T) []byte {
	t.Helper()
	const start = 1714564800.0 // 2024-05-01T12:00:00Z
	clock := start
	messages := func(examples []wire.Example) []harMessage {
		var out []harMessage
		for _, e := range examples {
			clock += 0.125
			out = append(out, harMessage{Type: envelopeType(e.Direction), Time: clock, Opcode: 1, Data: e.JSON})
		}
		return out
	}
	timings := harTimings{Blocked: 1.5, DNS: -1, SSL: -1, Connect: -1, Send: 0, Wait: 42.25, Receive: 0, BlockedQueueing: 1.5}
	socket := func(url, started, protocol string, msgs []harMessage) harEntry {
		reqHeaders := []harHeader{
			{"Accept-Encoding", "gzip, deflate, br, zstd"},
			{"Cache-Control", "no-cache"},
			{"Connection", "Upgrade"},
			{"Host", url[len("wss://") : len(url)-1]},
			{"Origin", "https://wsbind.example"},
			{"Pragma", "no-cache"},
			{"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"},
			{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
			{"Sec-WebSocket-Version", "13"},
			{"Upgrade", "websocket"},
			{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"},
		}
		respHeaders := []harHeader{
			{"Connection", "upgrade"},
			{"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
			{"Upgrade", "websocket"},
		}
		if protocol != "" {
			reqHeaders = append(reqHeaders, harHeader{"Sec-WebSocket-Protocol", protocol})
			respHeaders = append(respHeaders, harHeader{"Sec-WebSocket-Protocol", protocol})
		}
		return harEntry{
			Initiator:         map[string]any{"type": "script"},
			Priority:          "Low",
			ResourceType:      "websocket",
			WebSocketMessages: msgs,
			Connection:        "482913",
			Pageref:           "page_1",
			Request: harRequest{
				Method: "GET", URL: url, HTTPVersion: "HTTP/1.1", Headers: reqHeaders,
				QueryString: []harHeader{}, Cookies: []any{}, HeadersSize: -1, BodySize: 0,
			},
			Response: harResponse{
				Status: 101, StatusText: "Switching Protocols", HTTPVersion: "HTTP/1.1", Headers: respHeaders,
				Cookies: []any{}, Content: harContent{Size: 0, MimeType: "x-unknown"}, RedirectURL: "",
				HeadersSize: -1, BodySize: 0, TransferSize: 0,
			},
			ServerIPAddress: "192.0.2.10",
			StartedDateTime: started,
			Time:            43.75,
			Timings:         timings,
		}
	}
	const pageHTML = "<!doctype html><title>wsbind demo</title><script src=app.js></script>"
	page := harEntry{
		Initiator:    map[string]any{"type": "other"},
		Priority:     "VeryHigh",
		ResourceType: "document",
		Connection:   "1",
		Pageref:      "page_1",
		Request: harRequest{
			Method: "GET", URL: "https://wsbind.example/", HTTPVersion: "http/2.0",
			Headers:     []harHeader{{":authority", "wsbind.example"}, {":method", "GET"}, {":path", "/"}, {":scheme", "https"}},
			QueryString: []harHeader{}, Cookies: []any{}, HeadersSize: -1, BodySize: 0,
		},
		Response: harResponse{
			Status: 200, StatusText: "", HTTPVersion: "http/2.0",
			Headers: []harHeader{{"content-type", "text/html; charset=utf-8"}}, Cookies: []any{},
			Content:     harContent{Size: len(pageHTML), MimeType: "text/html", Text: pageHTML},
			RedirectURL: "", HeadersSize: -1, BodySize: len(pageHTML), TransferSize: len(pageHTML) + 76,
		},
		ServerIPAddress: "192.0.2.1",
		StartedDateTime: "2024-05-01T12:00:00.000Z",
		Time:            12.5,
		Timings:         timings,
	}
	astroMsgs := messages(generated.Lookup("astro").Examples)
	dliveMsgs := messages(generated.Lookup("dlive").Examples)
	// A binary frame after the first (connection_init) message.
	binary := harMessage{Type: "receive", Time: dliveMsgs[0].Time + 0.0625, Opcode: 2, Data: "AAECAwQFBgc="}
	dliveMsgs = append(dliveMsgs[:1], append([]harMessage{binary}, dliveMsgs[1:]...)...)
	h := harFile{Log: harLog{
		Version: "1.2",
		Creator: harCreator{Name: "WebInspector", Version: "537.36"},
		Pages: []harPage{{
			StartedDateTime: "2024-05-01T12:00:00.000Z", ID: "page_1", Title: "https://wsbind.example/",
			PageTimings: map[string]any{"onContentLoad": 180.5, "onLoad": 240.25},
		}},
		Entries: []harEntry{
			page,
			socket("wss://astro.streamelements.com/", "2024-05-01T12:00:00.100Z", "", astroMsgs),
			socket("wss://graphigostream.prd.dlive.tv/", "2024-05-01T12:00:00.200Z", "graphql-ws", dliveMsgs),
		},
	}}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(h); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
