package providers

import (
	"testing"

	"github.com/wsbind/wsbind/runtime/wire"
)

var testProviders = []*wire.Provider{
	{Name: "astro", Servers: []wire.Server{{Name: "production", URL: "wss://astro.streamelements.com/"}}},
	{Name: "neuro", Servers: []wire.Server{
		{Name: "v2", URL: "wss://neuro.appstun.net/api/v2"},
		{Name: "v1", URL: "wss://neuro.appstun.net/api"},
	}},
	{Name: "regional", Servers: []wire.Server{{Name: "r", URL: "wss://{region}.regional.example/streams/{version}"}}},
}

func TestMatch(t *testing.T) {
	tests := []struct {
		url      string
		provider string
		server   string
	}{
		{"wss://astro.streamelements.com/", "astro", "production"},
		{"wss://astro.streamelements.com", "astro", "production"},
		{"wss://ASTRO.streamelements.com:443/?x=1", "astro", "production"},
		{"ws://astro.streamelements.com/anything", "astro", "production"},
		{"wss://neuro.appstun.net/api/v2?ticket=t", "neuro", "v2"},
		{"wss://neuro.appstun.net/api/v2/", "neuro", "v2"},
		{"wss://neuro.appstun.net/api", "neuro", "v1"},
		{"wss://neuro.appstun.net/api?ticket=t", "neuro", "v1"},
		{"wss://neuro.appstun.net/apiv3", "", ""},
		{"wss://neuro.appstun.net/", "", ""},
		{"wss://eu.regional.example/streams/2/x", "regional", "r"},
		{"wss://regional.example/streams/2", "", ""},
		{"wss://astro.streamelements.com.evil.example/", "", ""},
		{"wss://user:pw@astro.streamelements.com/", "astro", "production"},
		{"", "", ""},
		{"not a url", "", ""},
	}
	for _, tt := range tests {
		p, s := Match(testProviders, tt.url)
		var gotP, gotS string
		if p != nil {
			gotP, gotS = p.Name, s.Name
		}
		if gotP != tt.provider || gotS != tt.server {
			t.Errorf("Match(%q) = %q/%q, want %q/%q", tt.url, gotP, gotS, tt.provider, tt.server)
		}
	}
}

func TestDisplay(t *testing.T) {
	tests := []struct{ url, want string }{
		{"wss://astro.streamelements.com/", "wss://astro.streamelements.com/"},
		{"wss://astro.streamelements.com/?token=secret", "wss://astro.streamelements.com/"},
		{"wss://neuro.appstun.net/api/v2?ticket=secret", "wss://neuro.appstun.net/api/v2"},
		{"wss://neuro.appstun.net/api/v2/extra/secret", "wss://neuro.appstun.net/api/v2/…"},
		{"wss://user:secret@astro.streamelements.com/x", "wss://astro.streamelements.com/…"},
		{"wss://unknown.example/session/secret", "wss://unknown.example/…"},
		{"", "(invalid URL)"},
	}
	for _, tt := range tests {
		_, s := Match(testProviders, tt.url)
		if got := Display(tt.url, s); got != tt.want {
			t.Errorf("Display(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
