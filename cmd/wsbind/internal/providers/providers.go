// Package providers picks the generated binding a recorded WebSocket URL
// belongs to, and renders such URLs without the parts that can carry
// secrets.
package providers

import (
	"regexp"
	"strings"

	"github.com/wsbind/wsbind/runtime/wire"
)

// Match returns the provider one of whose servers serves rawURL, and that
// server. A server URL (protocol://host/pathname, as in wire.Server)
// matches when the host is the same (case-insensitive, default ports
// ignored) and its path is a prefix of the URL's path at a segment
// boundary; the query string and the scheme are ignored. {variables} in a
// server URL match one host label or path segment. When several servers
// match, the longest path wins; on a tie, the first provider in ps.
func Match(ps []*wire.Provider, rawURL string) (*wire.Provider, *wire.Server) {
	_, host, path := split(rawURL)
	if host == "" {
		return nil, nil
	}
	var (
		best    *wire.Provider
		bestSrv *wire.Server
		bestLen = -1
	)
	for _, p := range ps {
		for i := range p.Servers {
			s := &p.Servers[i]
			_, shost, spath := split(s.URL)
			spath = strings.TrimSuffix(spath, "/")
			if !regexp.MustCompile(`^` + pattern(shost, `[^.:/]+`) + `$`).MatchString(host) {
				continue
			}
			if !regexp.MustCompile(`^` + pattern(spath, `[^/]+`) + `(/|$)`).MatchString(path) {
				continue
			}
			if len(spath) > bestLen {
				best, bestSrv, bestLen = p, s, len(spath)
			}
		}
	}
	return best, bestSrv
}

// Display renders rawURL for a report: scheme, host and only the part of
// the path that server (the matched one, or nil) declares, with "/…" when
// the URL goes on. The rest of the path (Octave puts the session id there),
// the query (Neuro's ticket) and any user info are left out.
func Display(rawURL string, server *wire.Server) string {
	scheme, host, path := split(rawURL)
	if host == "" {
		return "(invalid URL)"
	}
	keep := ""
	if server != nil {
		_, _, spath := split(server.URL)
		spath = strings.TrimSuffix(spath, "/")
		segs := strings.Count(spath, "/")
		// Keep as many segments of the URL's own path as the server has.
		parts := strings.SplitAfterN(path, "/", segs+2)
		if len(parts) > segs+1 {
			keep = strings.Join(parts[:segs+1], "")
		} else {
			keep = path
		}
		keep = strings.TrimSuffix(keep, "/")
	}
	out := scheme + "://" + host + keep
	switch rest := strings.TrimPrefix(path, keep); {
	case rest != "" && rest != "/":
		return out + "/…"
	case keep == "":
		return out + "/"
	default:
		return out + rest
	}
}

// split cuts a URL into lower-case scheme, lower-case host (user info and
// default ports dropped) and path (without query or fragment).
func split(raw string) (scheme, host, path string) {
	raw = strings.TrimSpace(raw)
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "", "", ""
	}
	scheme = strings.ToLower(scheme)
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	host, path = rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	host = strings.ToLower(host)
	for _, port := range []string{":443", ":80"} {
		host = strings.TrimSuffix(host, port)
	}
	return scheme, host, path
}

var variable = regexp.MustCompile(`\\\{[^/{}]*\\\}`)

// pattern turns s, a host or path with {variables}, into a regexp in which
// each variable matches one part.
func pattern(s, part string) string {
	return variable.ReplaceAllLiteralString(regexp.QuoteMeta(s), part)
}
