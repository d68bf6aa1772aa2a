package specclient_test

import (
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/internal/specclient"
)

// Plan refuses what must not be dialled, naming the caller's inputs by
// its Words and never showing a secret.
func TestPlanRefuses(t *testing.T) {
	s, err := specclient.Load(feedDoc, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	token := func(string) func([]string) (map[string]string, error) {
		return func([]string) (map[string]string, error) { return map[string]string{"token": feedToken}, nil }
	}
	for name, tc := range map[string]struct {
		o    specclient.PlanOptions
		want string
	}{
		"missing param":  {specclient.PlanOptions{URL: "ws://127.0.0.1:1/feed/{topic}"}, "the URL needs {topic} (a parameter of channel feed): give P:topic=VALUE, one of news, sport"},
		"not in enum":    {specclient.PlanOptions{URL: "ws://127.0.0.1:1/feed/{topic}", Params: map[string]string{"topic": "cars"}}, "P:topic=cars: the document allows only news, sport"},
		"unknown param":  {specclient.PlanOptions{Params: map[string]string{"topic": "news", "floor": "2"}}, "P:floor: the URL has no {floor}"},
		"plain ws":       {specclient.PlanOptions{URL: "ws://10.0.0.1/feed/news"}, "refusing plain ws:// to 10.0.0.1, which is not loopback"},
		"not ws":         {specclient.PlanOptions{URL: "https://example.com/feed/news"}, "is not a ws:// or wss:// URL: give URL"},
		"user":           {specclient.PlanOptions{URL: "wss://me:" + feedToken + "@example.com/feed/news"}, "must not hold user:password (use H)"},
		"no credential":  {specclient.PlanOptions{URL: "wss://feed.example.com/feed/news"}, `authenticates with an x-wsbind-auth "init-payload" step, which needs C:token; refusing to dial a real endpoint`},
		"short header":   {specclient.PlanOptions{URL: "wss://feed.example.com/feed/news", Creds: token(""), Headers: []string{"X-Key: abc"}}, "H X-Key: the value is shorter than 4 characters"},
		"control header": {specclient.PlanOptions{URL: "wss://feed.example.com/feed/news", Creds: token(""), Headers: []string{"X-Key: " + feedToken + "\r\nX: y"}}, "H X-Key: the value holds a control character"},
	} {
		t.Run(name, func(t *testing.T) {
			tc.o.Words = testWords
			_, err := s.Plan(tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), feedToken) {
				t.Errorf("the token was shown: %v", err)
			}
		})
	}
}

// The document's server and first channel make the URL when none is
// given; the init message carries the token; a frame that breaks the
// document is refused without its value.
func TestPlanAndOutgoing(t *testing.T) {
	s, err := specclient.Load(feedDoc, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Plan(specclient.PlanOptions{Params: map[string]string{"topic": "sport"}, Words: testWords,
		Creds: func(keys []string) (map[string]string, error) {
			if strings.Join(keys, ",") != "token" {
				t.Errorf("asked for %v", keys)
			}
			return map[string]string{"token": feedToken}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if d.URL != "ws://127.0.0.1/feed/sport" || d.Channel != "feed" || !d.Awaits() || len(d.Notes) != 0 {
		t.Errorf("dial %+v", d)
	}
	if len(d.Secrets) != 1 || d.Secrets[0] != feedToken {
		t.Errorf("secrets %q", d.Secrets)
	}
	if got := s.Events(); strings.Join(got, ",") != "Item" {
		t.Errorf("events %v", got)
	}
	_, err = s.Outgoing(d.ClientCodec(), []specclient.Send{{Value: `{"op":"subscribe","item":"Secret-Value"}`, What: "sub #1"}}, d.Auth)
	if err == nil || !strings.Contains(err.Error(), "sub #1 is not a valid Subscribe: /item") || strings.Contains(err.Error(), "Secret-Value") {
		t.Errorf("err %v", err)
	}
	_, err = s.Outgoing(d.ClientCodec(), []specclient.Send{{Example: true, Value: "Nope", What: "ex Nope"}}, d.Auth)
	if err == nil || !strings.Contains(err.Error(), "ex Nope: "+feedDoc+" has no client message Nope (client messages: Init, Subscribe; those with examples: Subscribe)") {
		t.Errorf("err %v", err)
	}
}
