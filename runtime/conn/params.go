package conn

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// FillParam puts a channel parameter into a URL's {name} placeholder:
// value, else def; refused when both are empty or when enum is set and
// the value is not one of it. The value is path-escaped, so it cannot
// add path segments, a query or another host.
func FillParam(rawURL, name, value, def string, enum []string) (string, error) {
	placeholder := "{" + name + "}"
	if !strings.Contains(rawURL, placeholder) {
		return rawURL, nil // the caller's own URL has it filled in already
	}
	if value == "" {
		value = def
	}
	if value == "" {
		return "", fmt.Errorf("channel parameter %s is empty: set it in Config.Params", name)
	}
	if len(enum) > 0 && !slices.Contains(enum, value) {
		return "", fmt.Errorf("channel parameter %s: not one of the values the spec allows (%s)", name, strings.Join(enum, ", "))
	}
	return strings.ReplaceAll(rawURL, placeholder, url.PathEscape(value)), nil
}
