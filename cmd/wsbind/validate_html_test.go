package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// htmlTestdata is this command's testdata for --html.
var htmlTestdata = filepath.Join("testdata", "html")

// readReport returns the report at path and fails the test without one.
func readReport(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	return string(b)
}

// reportScript decodes the JSON of the report's script element with id.
func reportScript(t *testing.T, page, id string, v any) {
	t.Helper()
	re := regexp.MustCompile(`<script type="application/json" id="` + id + `">([^<]*)</script>`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no script %s in the report", id)
	}
	if err := json.Unmarshal([]byte(m[1]), v); err != nil {
		t.Fatalf("script %s: %v", id, err)
	}
}

func TestValidateHTMLKeepsStdoutAndExitCode(t *testing.T) {
	for _, args := range [][]string{
		{"--drift", "--coverage", capturePath("mixed.har")},
		{"--format", "json", "--drift", "--coverage", capturePath("mixed.har")},
		{"--show-values", filepath.Join(htmlTestdata, "hostile.har")},
		{"--provider", "astro", "--format", "json", capturePath("astro.jsonl")},
		{"--spec", filepath.Join("testdata", "ticks.yaml"), "--drift", filepath.Join("testdata", "ticks.jsonl")},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errOut := wsbind(t, append([]string{"validate"}, args...)...)
			path := filepath.Join(t.TempDir(), "report.html")
			hcode, hout, herrOut := wsbind(t, append([]string{"validate", "--html", path}, args...)...)
			if hcode != code || hout != out || herrOut != errOut {
				t.Fatalf("--html changed the run: exit %d, want %d; stdout equal %v; stderr %q, want %q", hcode, code, hout == out, herrOut, errOut)
			}
			page := readReport(t, path)
			for _, bad := range []string{"http://", "https://", "<link", "<img", "<iframe", " src=\"", "href=\"http", "@import", "url("} {
				if strings.Contains(page, bad) {
					t.Errorf("the report holds %q: it must not fetch anything", bad)
				}
			}
			if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "<table id=\"msg-table\"") {
				t.Errorf("the report is not the page expected")
			}
		})
	}
}

func TestValidateHTMLCountsMatchSummary(t *testing.T) {
	args := []string{"--drift", "--coverage", capturePath("mixed.har")}
	_, out, _ := wsbind(t, append([]string{"validate", "--format", "json"}, args...)...)
	frames, sum, _ := jsonReport(t, out)
	path := filepath.Join(t.TempDir(), "report.html")
	wsbind(t, append([]string{"validate", "--html", path}, args...)...)
	page := readReport(t, path)
	var info struct {
		Messages [][3]string `json:"messages"`
		Sockets  []string    `json:"sockets"`
	}
	reportScript(t, page, "report-info", &info)
	var index [][7]any
	reportScript(t, page, "report-index", &index)
	if len(index) != len(frames) {
		t.Fatalf("the report keeps %d frames, the capture has %d", len(index), len(frames))
	}
	// Count the kept frames per message and compare with the summary.
	type key [3]string
	got := map[key][2]int{}
	for i, row := range index {
		if int(row[0].(float64)) != frames[i].Index {
			t.Fatalf("row %d is frame #%v, want #%d", i, row[0], frames[i].Index)
		}
		id := int(row[1].(float64))
		if id < 0 {
			continue
		}
		c := got[key(info.Messages[id])]
		c[0]++
		if row[2].(float64) == 2 {
			c[1]++
		}
		got[key(info.Messages[id])] = c
	}
	for _, m := range sum.Messages {
		if c := got[key{m.Provider, m.Direction, m.Message}]; c != [2]int{m.Count, m.Invalid} {
			t.Errorf("%s %s %s: report %v, summary count %d invalid %d", m.Provider, m.Direction, m.Message, c, m.Count, m.Invalid)
		}
	}
	if len(got) != len(sum.Messages) {
		t.Errorf("the report has %d messages, the summary %d", len(got), len(sum.Messages))
	}
	// The table shows the same counts as the summary.
	for _, m := range sum.Messages {
		row := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(m.Message) + `</th>\s*<td class="num count" data-sort="(\d+)">`).FindStringSubmatch(page)
		if row == nil || row[1] != fmt.Sprint(m.Count) {
			t.Errorf("table row of %s: %v, want count %d", m.Message, row, m.Count)
		}
	}
	if len(info.Sockets) != len(sum.Sockets) {
		t.Errorf("%d sockets in the report, %d in the summary", len(info.Sockets), len(sum.Sockets))
	}
	for _, want := range []string{"Properties the spec does not declare", "Messages never seen", "Deprecated items seen", "/data/data/amount"} {
		if !strings.Contains(page, want) {
			t.Errorf("the drift and coverage panels lack %q", want)
		}
	}
}

func TestValidateHTMLMasksValuesAndEscapesFrames(t *testing.T) {
	har := filepath.Join(htmlTestdata, "hostile.har")
	dir := t.TempDir()
	masked, shown := filepath.Join(dir, "masked.html"), filepath.Join(dir, "shown.html")
	if code, _, _ := wsbind(t, "validate", "--html", masked, har); code != exitFailure {
		t.Fatalf("exit %d, want %d", code, exitFailure)
	}
	wsbind(t, "validate", "--html", shown, "--show-values", har)
	mp, sp := readReport(t, masked), readReport(t, shown)
	for _, secret := range []string{"SECRET-TOKEN-VALUE", "SECRET-QUERY-VALUE", "channel.follow", "pwned=true\\u003c"} {
		if strings.Contains(mp, secret) {
			t.Errorf("the masked report holds %q", secret)
		}
	}
	if strings.Contains(sp, "SECRET-QUERY-VALUE") {
		t.Error("a URL query value is in the report, even with --show-values")
	}
	if !strings.Contains(sp, "SECRET-TOKEN-VALUE") || !strings.Contains(mp, "‹string›") {
		t.Error("--show-values does not show values, or masking does not show types")
	}
	for name, page := range map[string]string{"masked": mp, "shown": sp} {
		// Frames hold </script> and markup: none may end a script element
		// or open a tag.
		if o, c := strings.Count(page, "<script"), strings.Count(page, "</script>"); o != c || o != 4 {
			t.Errorf("%s: %d <script and %d </script>, want 4 each", name, o, c)
		}
		if strings.Contains(page, "<img") || strings.Contains(page, "<b>x") {
			t.Errorf("%s: markup from a frame reached the page", name)
		}
	}
}

func TestValidateHTMLFailedRunKeepsReport(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte("old report"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := wsbind(t, "validate", "--html", path, filepath.Join(dir, "missing.har"))
	if code != exitUsage || !strings.Contains(errOut, "not written") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if b, _ := os.ReadFile(path); string(b) != "old report" {
		t.Fatalf("a failed run replaced the report: %.40q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("files left behind: %v", entries)
	}
	// A report that cannot be written is a usage error found before the run.
	code, _, errOut = wsbind(t, "validate", "--html", filepath.Join(dir, "no", "such", "dir.html"), capturePath("mixed.har"))
	if code != exitUsage || !strings.Contains(errOut, "--html") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	// A good run replaces it.
	if code, _, _ := wsbind(t, "validate", "--html", path, capturePath("mixed.har")); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if page := readReport(t, path); !strings.Contains(page, "wsbind validate report") {
		t.Fatal("the report was not replaced")
	}
}

func TestValidateHTMLBoundsFramesKeepingInvalidOnes(t *testing.T) {
	defer func(n int) { htmlMaxFrames = n }(htmlMaxFrames)
	htmlMaxFrames = 10
	ok := example(t, "astro", "ChannelTipsMessage").JSON
	var lines []string
	var invalid []int
	for i := range 300 {
		frame := ok
		if i%37 == 5 {
			frame = `{"type":"message","topic":"channel.tips","data":{"donation":7}}`
			invalid = append(invalid, i)
		}
		lines = append(lines, frame)
	}
	capture := writeFile(t, "big.jsonl", lines...)
	path := filepath.Join(t.TempDir(), "report.html")
	_, out, _ := wsbind(t, "validate", "--provider", "astro", "--format", "json", capture)
	_, sum, _ := jsonReport(t, out)
	if sum.Invalid != len(invalid) {
		t.Fatalf("the capture has %d invalid frames, want %d", sum.Invalid, len(invalid))
	}
	wsbind(t, "validate", "--provider", "astro", "--html", path, capture)
	page := readReport(t, path)
	var index [][7]any
	reportScript(t, page, "report-index", &index)
	if len(index) != 10 {
		t.Fatalf("%d frames kept, want 10", len(index))
	}
	var keptInvalid, keptOK []int
	for _, row := range index {
		if row[2].(float64) == 2 {
			keptInvalid = append(keptInvalid, int(row[0].(float64)))
		} else {
			keptOK = append(keptOK, int(row[0].(float64)))
		}
	}
	if !slices.Equal(keptInvalid, invalid[:min(len(invalid), 10)]) {
		t.Errorf("invalid frames kept %v, want the first ones of %v", keptInvalid, invalid)
	}
	if want := 10 - len(keptInvalid); len(keptOK) != want || (want > 0 && keptOK[0] != 0) {
		t.Errorf("valid frames kept %v, want the first %d", keptOK, want)
	}
	left := fmt.Sprintf("Left out: 0 invalid, 0 with notes, %d others.", 300-10)
	if !strings.Contains(page, left) {
		t.Errorf("the report does not say what it left out (%q)", left)
	}
	if !strings.Contains(page, fmt.Sprintf(`<dd id="sum-frames">%d</dd>`, 300)) {
		t.Error("the summary does not count every frame")
	}
}

// browserPlan is what .ci/browser/check-report.mjs checks.
type browserPlan struct {
	Chromium        string        `json:"chromium"`
	Report          string        `json:"report"`
	Screenshot      string        `json:"screenshot,omitempty"`
	ScreenshotFrame string        `json:"screenshotFrame,omitempty"`
	FullPage        bool          `json:"fullPage,omitempty"`
	Messages        []messageJSON `json:"messages"`
	Sockets         []*socketInfo `json:"sockets,omitempty"`
	Noted           int           `json:"noted"`
	Kept            int           `json:"kept"`
	Filter          messageJSON   `json:"filter"`
	Invalid         *browserMark  `json:"invalid,omitempty"`
	TextContains    []string      `json:"textContains,omitempty"`
	MustNotContain  []string      `json:"mustNotContain,omitempty"`
}

type browserMark struct {
	Index   int    `json:"index"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// browserCheck finds Chromium and the Node checker, or skips (fails in CI).
func browserCheck(t *testing.T) (chromium, script string) {
	t.Helper()
	chromium = os.Getenv("WSBIND_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	dir := filepath.Join("..", "..", ".ci", "browser")
	script = filepath.Join(dir, "check-report.mjs")
	var missing []string
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium+" (apt-get install chromium)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		missing = append(missing, ".ci/browser/node_modules (npm ci --prefix .ci/browser)")
	}
	if len(missing) > 0 {
		msg := "browser test needs " + strings.Join(missing, ", ")
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; skipped (CI=true makes this a failure)")
	}
	return chromium, script
}

// artifactDir is where browser tests leave their screenshots.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("WSBIND_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "wsbind-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// runBrowser writes plan and runs the checker on it.
func runBrowser(t *testing.T, script string, plan browserPlan) map[string]any {
	t.Helper()
	planFile := filepath.Join(t.TempDir(), "plan.json")
	b, _ := json.Marshal(plan)
	if err := os.WriteFile(planFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, planFile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res map[string]any
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		t.Fatalf("checker: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	if err != nil {
		t.Fatalf("browser checks failed: %v\n%s", res["failures"], stderr.String())
	}
	t.Logf("browser: %s", out)
	return res
}

// planFor runs validate --format json with args and --html, and makes the
// browser's plan from the JSON: the counts, the busiest message, the
// first invalid frame with a violation.
func planFor(t *testing.T, chromium string, args ...string) browserPlan {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report.html")
	_, out, _ := wsbind(t, append([]string{"validate", "--format", "json", "--html", report}, args...)...)
	frames, sum, _ := jsonReport(t, out)
	abs, err := filepath.Abs(report)
	if err != nil {
		t.Fatal(err)
	}
	p := browserPlan{Chromium: chromium, Report: abs, Messages: sum.Messages, Sockets: sum.Sockets, Noted: sum.Noted, Kept: len(frames)}
	for _, m := range sum.Messages {
		if m.Count > p.Filter.Count {
			p.Filter = m
		}
	}
	for _, f := range frames {
		if !f.Valid && len(f.Errors) > 0 && f.Errors[0].Pointer != "" {
			p.Invalid = &browserMark{f.Index, f.Errors[0].Pointer, f.Errors[0].Message}
			break
		}
	}
	return p
}

func TestValidateHTMLInBrowser(t *testing.T) {
	chromium, script := browserCheck(t)
	art := artifactDir(t)
	t.Run("mixed.har", func(t *testing.T) {
		p := planFor(t, chromium, "--drift", "--coverage", capturePath("mixed.har"))
		p.Screenshot = filepath.Join(art, "report-mixed.png")
		p.TextContains = []string{"Values are masked", "wss://astro.streamelements.com/"}
		runBrowser(t, script, p)
		t.Logf("screenshot: %s", p.Screenshot)
	})
	t.Run("hostile.har", func(t *testing.T) {
		p := planFor(t, chromium, "--show-values", filepath.Join(htmlTestdata, "hostile.har"))
		if p.Invalid == nil {
			t.Fatal("hostile.har has no invalid frame with a pointer")
		}
		p.ScreenshotFrame = filepath.Join(art, "report-invalid-frame.png")
		// The frame's markup shows as text, and runs nowhere.
		p.TextContains = []string{`"</script><script>window.__pwned=true</script>"`, "SECRET-TOKEN-VALUE"}
		p.MustNotContain = []string{"SECRET-QUERY-VALUE"}
		runBrowser(t, script, p)
		t.Logf("screenshot: %s", p.ScreenshotFrame)
	})
}
