package gen_test

import (
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen"
)

// TestAnnotationsAreWarnedAbout: draft-07 makes an unknown keyword and an
// unasserted format annotations, so gen accepts them, keeps the typed
// fields, and says that nothing checks them.
func TestAnnotationsAreWarnedAbout(t *testing.T) {
	var warnings []string
	_, _, err := gen.Files("testdata/annotations/annotations.yaml", gen.Options{Warn: func(w string) { warnings = append(warnings, w) }})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(warnings, "\n")
	for _, want := range []string{`unknown keyword "frobnicate"`, `format "ice-cream"`, "annotations.yaml:1"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
	if len(warnings) != 2 {
		t.Errorf("%d warnings, want 2:\n%s", len(warnings), joined)
	}
}
