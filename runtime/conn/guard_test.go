package conn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/runtime/conn"
)

func TestCheckURLRefusesWhatWouldSendCredentialsInClearOrElsewhere(t *testing.T) {
	cases := []struct {
		url      string
		insecure bool
		want     error // nil: allowed
	}{
		{"wss://api.example.com/ws", false, nil},
		{"https://api.example.com/ticket", false, nil},
		{"ws://127.0.0.1:8765/", false, nil},
		{"ws://127.8.9.10:8765/", false, nil}, // all of 127/8 is loopback
		{"http://[::1]:80/ticket", false, nil},
		{"ws://localhost:8765/", false, nil},
		{"ws://LOCALHOST.:8765/", false, nil},
		{"http://app.localhost/ticket", false, nil},
		{"ws://api.example.com/ws", false, conn.ErrInsecure},
		{"http://auth.example.test/ticket", false, conn.ErrInsecure},
		{"ws://10.0.0.1/ws", false, conn.ErrInsecure},
		{"ws://localhost.example.com/ws", false, conn.ErrInsecure},
		{"ws://api.example.com/ws", true, nil},
		{"wss://user:pw@api.example.com/ws", false, conn.ErrUserinfo},
		{"ws://user:pw@127.0.0.1/ws", true, conn.ErrUserinfo},
	}
	for _, tc := range cases {
		err := conn.CheckURL(tc.url, tc.insecure)
		if tc.want == nil {
			if err != nil {
				t.Errorf("CheckURL(%q, %v) = %v, want nil", tc.url, tc.insecure, err)
			}
			continue
		}
		var pe *conn.PermanentError
		if !errors.Is(err, tc.want) || !errors.As(err, &pe) {
			t.Errorf("CheckURL(%q, %v) = %v, want permanent %v", tc.url, tc.insecure, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("CheckURL(%q) leaks the password: %v", tc.url, err)
		}
	}
	for _, bad := range []string{"ftp://x/", "javascript:alert(1)", "://nope"} {
		if conn.CheckURL(bad, true) == nil {
			t.Errorf("CheckURL(%q) allowed it", bad)
		}
	}
}

// Values shorter than 4 bytes are redacted in their key=value form only:
// alone they would match too much ordinary text.
func TestURLSecretsCoverEveryQueryValue(t *testing.T) {
	u := "wss://h/ws?api_key=QSECRET123&x=ab&t=tok%2Bpart"
	text := "forbidden: /ws?api_key=QSECRET123&x=ab&t=tok%2Bpart; again QSECRET123, x=ab, tok+part"
	got := conn.Redact(text, conn.URLSecrets(u))
	for _, leak := range []string{"QSECRET123", "x=ab", "tok+part", "a%2Bb"} {
		if strings.Contains(got, leak) {
			t.Errorf("Redact left %q in %q", leak, got)
		}
	}
}
