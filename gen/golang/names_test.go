package golang

import (
	"strings"
	"testing"
)

func TestPackageNameFromAFileName(t *testing.T) {
	for _, tc := range []struct{ base, want, err string }{
		{"astro", "astro", ""},
		{"simple-asyncapi", "simpleasyncapi", ""},
		{"simple.asyncapi", "simpleasyncapi", ""},
		{"My Feed (v2)", "myfeedv2", ""},
		{"feed_v2", "feed_v2", ""},
		{"_private_", "private", ""},
		{"2024-feed", "pkg2024feed", ""},
		{"type", "pkgtype", ""},
		{"Main", "pkgmain", ""},
		{"init", "pkginit", ""},
		{"ƒeed", "eed", ""},
		{"---", "", "has no ASCII letter or digit"},
	} {
		got, err := PackageName(tc.base)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("PackageName(%q) = %q, %v; want an error with %q", tc.base, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("PackageName(%q) = %q, %v; want %q", tc.base, got, err, tc.want)
		}
		if err := CheckPackageName(got); err != nil {
			t.Errorf("PackageName(%q) = %q, which CheckPackageName refuses: %v", tc.base, got, err)
		}
	}
}

func TestCheckPackageNameRefusesWhatCannotBeImported(t *testing.T) {
	for name, want := range map[string]string{
		"feed":    "",
		"feed_v2": "",
		"f2":      "",
		"":        "empty",
		"Feed":    "not a lower-case Go identifier",
		"my-feed": "not a lower-case Go identifier",
		"2feed":   "not a lower-case Go identifier",
		"_feed":   "not a lower-case Go identifier",
		"ƒeed":    "not a lower-case Go identifier",
		"func":    "is a Go keyword",
		"main":    "is for commands",
		"init":    "cannot be imported",
	} {
		err := CheckPackageName(name)
		if want == "" {
			if err != nil {
				t.Errorf("CheckPackageName(%q) = %v, want nil", name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckPackageName(%q) = %v, want an error with %q", name, err, want)
		}
	}
}

func TestMessageHandlerNeverClashesWithConfigOrTheClient(t *testing.T) {
	for msg, want := range map[string]string{
		"Error":              "OnErrorMessage",
		"Unknown":            "OnUnknownMessage",
		"Connected":          "OnConnectedMessage",
		"Tick":               "OnTickMessage",
		"ChannelTipsMessage": "OnChannelTipsMessage",
		"EventMessage":       "OnEventMessage",
	} {
		if got := MessageHandler(msg); got != want {
			t.Errorf("MessageHandler(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestArticle(t *testing.T) {
	for word, want := range map[string]string{
		"Error":        "an",
		"Unsubscribe":  "an",
		"Event":        "an",
		"AstroMessage": "an",
		"Ack":          "an",
		"Invalid":      "an",
		"Update":       "an",
		"User":         "a",
		"Union":        "a",
		"Welcome":      "a",
		"Subscribe":    "a",
		"HTTPRequest":  "an",
		"UUIDEvent":    "a",
		"XFeedEvent":   "an",
		"OneOfThem":    "a",
		"HourlyStats":  "an",
		"Heartbeat":    "a",
		"":             "a",
	} {
		if got := article(word); got != want {
			t.Errorf("article(%q) = %q, want %q", word, got, want)
		}
	}
}
