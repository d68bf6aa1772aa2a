package conn

import "testing"

func TestFillParam(t *testing.T) {
	enum := []string{"btcusd", "ethusd"}
	for _, tc := range []struct {
		url, value, def string
		enum            []string
		want, err       string
	}{
		{"wss://h/v1/{symbol}", "ethusd", "", enum, "wss://h/v1/ethusd", ""},
		{"wss://h/v1/{symbol}", "", "btcusd", enum, "wss://h/v1/btcusd", ""},
		{"wss://h/v1/{symbol}", "dogeusd", "", enum, "", "channel parameter symbol: not one of the values the spec allows (btcusd, ethusd)"},
		{"wss://h/v1/{symbol}", "", "", nil, "", "channel parameter symbol is empty: set it in Config.Params"},
		{"wss://h/v1/{symbol}", "a/../b?x=1#f", "", nil, "wss://h/v1/a%2F..%2Fb%3Fx=1%23f", ""},
		{"wss://h/v1/btcusd", "", "", nil, "wss://h/v1/btcusd", ""},
	} {
		got, err := FillParam(tc.url, "symbol", tc.value, tc.def, tc.enum)
		if (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) || got != tc.want {
			t.Errorf("FillParam(%q, %q, %q) = %q, %v; want %q, %q", tc.url, tc.value, tc.def, got, err, tc.want, tc.err)
		}
	}
}
