package main

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// typedLine is a message line of the demo: its name and Go type.
var typedLine = regexp.MustCompile(`(?m)^  <- (\S+) \*(\w+)\.(\w+)`)

// Every provider with a mock (a Neuro mock is picked up once it exists).
func TestDemoEachProvider(t *testing.T) {
	names := demoProviderNames()
	for _, want := range []string{"astro", "dlive", "octave"} {
		if !slices.Contains(names, want) {
			t.Errorf("no demo for %s (have %v)", want, names)
		}
	}
	for _, p := range demoProviders() {
		t.Run(p.Name, func(t *testing.T) {
			noLeaks(t)
			out := filepath.Join(t.TempDir(), p.Name+".jsonl")
			code, stdout, stderr := wsbind(t, "demo", p.Name, "--out", out, "--timeout", "15s")
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, "verdict: every frame is valid") {
				t.Errorf("no verdict:\n%s", stdout)
			}
			// Typed messages, at least one of them a replayed event.
			events := 0
			for _, m := range typedLine.FindAllStringSubmatch(stdout, -1) {
				if m[2] != p.Name || m[1] != m[3] && !strings.HasPrefix(m[1], "(unknown") {
					t.Errorf("message line %q: want name == Go type of package %s", m[0], p.Name)
				}
				if slices.Contains(p.Events, m[1]) {
					events++
				}
			}
			if events == 0 {
				t.Errorf("no replayed event printed:\n%s", stdout)
			}
			if strings.Contains(stdout+stderr, testserver.DemoToken) {
				t.Error("the demo printed the token")
			}
			// The recording is there, valid, and without the token.
			report := assertValid(t, p.Name, out)
			if !strings.Contains(report, "client ") {
				t.Errorf("no client frame recorded:\n%s", report)
			}
			assertAbsent(t, out, testserver.DemoToken)
		})
	}
}

func TestDemoDefaultsToAstro(t *testing.T) {
	noLeaks(t)
	t.Setenv("TMPDIR", t.TempDir()) // the default recording lands there
	code, stdout, stderr := wsbind(t, "demo", "--events", "3")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"astro demo:", "replaying 3 event examples", "Subscribe channel.activities", "<- Welcome *astro.Welcome", "verdict: every frame is valid"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	m := regexp.MustCompile(`to (\S+wsbind-demo-astro-\S+\.jsonl)\n`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no recording path:\n%s", stdout)
	}
	assertValid(t, "astro", m[1])
}

func TestDemoCallOverride(t *testing.T) {
	noLeaks(t)
	out := filepath.Join(t.TempDir(), "octave.jsonl")
	code, stdout, stderr := wsbind(t, "demo", "octave", "--out", out, "--call", "SubscribePath /acme_corp/devices/greenhouse_01/:default")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "SubscribePath /acme_corp/devices/greenhouse_01/:default: ok") || !strings.Contains(stdout, "<- EventMessage") {
		t.Errorf("output:\n%s", stdout)
	}
	if !strings.Contains(assertValid(t, "octave", out), "client SubscribeByPath ok") {
		t.Error("the override was not sent")
	}
}

// The demo's choices come from the spec's examples.
func TestDemoPlan(t *testing.T) {
	for name, want := range map[string]string{
		"astro":  "Subscribe channel.activities",
		"dlive":  "SubscribeStreamMessages dbl-lee",
		"neuro":  "AddEvent streamOnline",
		"octave": "SubscribeStream s53b1d1600cf27b75148de0ac",
	} {
		p := generated.Lookup(name)
		if p == nil || p.Driver == nil {
			continue
		}
		if got := demoCallOf(p).String(); !strings.HasPrefix(got, want) {
			t.Errorf("%s: demo call %q, want %q", name, got, want)
		}
	}
	creds := demoCredentials(generated.Lookup("astro"))
	if creds["token"] != testserver.DemoToken || creds["token_type"] != "jwt" {
		t.Errorf("astro demo credentials %v", creds)
	}
	creds = demoCredentials(generated.Lookup("octave"))
	if creds["X-Auth-Company"] != "demo" || creds["X-Auth-Token"] != testserver.DemoToken || len(creds) != 2 {
		t.Errorf("octave demo credentials %v", creds)
	}
}

func TestSummarizeHidesSecrets(t *testing.T) {
	frame := `{"type":"reconnect","data":{"message":"bye","reconnect_token":"tok-123456","note":"has hunter22 inside"},"id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAB"}`
	got := summarize([]byte(frame), []string{"hunter22"})
	if strings.Contains(got, "tok-123456") || strings.Contains(got, "hunter22") || strings.Contains(got, "01JQ3M8V5X") {
		t.Errorf("summary %q shows a secret or an id", got)
	}
	if !strings.Contains(got, `type="reconnect"`) || !strings.Contains(got, `message="bye"`) {
		t.Errorf("summary %q", got)
	}
}

func TestDemoHelpAndUsageErrors(t *testing.T) {
	code, stdout, _ := wsbind(t, "demo", "--help")
	if code != exitOK || !strings.Contains(stdout, "octave") || !strings.Contains(stdout, "X-Auth-Company=demo") {
		t.Errorf("--help: exit %d\n%s", code, stdout)
	}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"unknown provider": {[]string{"nope"}, `no demo for "nope"`},
		"two providers":    {[]string{"astro", "dlive"}, "at most one"},
		"negative events":  {[]string{"--events", "-2"}, "--events"},
		"zero timeout":     {[]string{"--timeout", "0s"}, "--timeout"},
		"bad call":         {[]string{"astro", "--call", "Publish"}, `no request method "Publish"`},
		"unknown flag":     {[]string{"--url", "ws://127.0.0.1:1"}, "not defined"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := wsbind(t, append([]string{"demo"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
}

// TestDemoSpec runs the demo on a document of our own with no code
// generated: the client example is sent and answered, the event replayed,
// and every frame checked.
func TestDemoSpec(t *testing.T) {
	noLeaks(t)
	code, stdout, stderr := wsbind(t, "demo", "--spec", filepath.Join("testdata", "quotes.yaml"), "--timeout", "10s")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"send QuoteRequest (example acme)", "  server Quote ok", "replay event Tick", "  server Tick ok", "summary: sent 1 client frame, received 2 server frames: 2 valid, 0 invalid"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	code, _, stderr = wsbind(t, "demo", "--spec", filepath.Join("testdata", "quotes.yaml"), "astro")
	if code != exitUsage || !strings.Contains(stderr, "--spec runs on its own") {
		t.Errorf("--spec with a provider: exit %d, %s", code, stderr)
	}
}
