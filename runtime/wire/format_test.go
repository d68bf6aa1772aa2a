package wire

import (
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

var formatSeeds = []string{
	"2024-12-24T10:00:00Z",
	"2024-12-24t10:00:00.123+05:30",
	"2016-12-31T23:59:60Z",
	"2016-12-31T23:59:60+01:00",
	"2017-01-01T00:59:60+01:00",
	"2024-02-30T10:00:00Z",
	"2024-12-24T24:00:00Z",
	"2024-12-24T10:00:00.Z",
	"2024-12-24T10:00:00+0530",
	"2024-12-24 10:00:00Z",
	"2024-12-24T+1:00:00Z",
	"https://images.prd.dlivecdn.com/avatar/default22.png",
	"http://[::1]:8080/x",
	"http://::1/x",
	"mailto:someone@example.com",
	"/relative/path",
	"ht tp://bad",
	"",
}

// checkFormats holds the generated validators' format checks to the
// interpreted schema's: both must accept exactly the same strings.
func checkFormats(t *testing.T, s string) {
	for name, ours := range map[string]func(string) bool{"date-time": IsDateTime, "uri": IsURI} {
		if got, want := ours(s), jsonschema.Formats[name](s); got != want {
			t.Errorf("%s(%q) = %v, jsonschema says %v", name, s, got, want)
		}
	}
}

func TestFormatsAgreeWithJSONSchema(t *testing.T) {
	for _, s := range formatSeeds {
		checkFormats(t, s)
	}
}

func FuzzFormats(f *testing.F) {
	for _, s := range formatSeeds {
		f.Add(s)
	}
	f.Fuzz(checkFormats)
}
