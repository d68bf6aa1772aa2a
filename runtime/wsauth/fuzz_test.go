package wsauth

import "testing"

// FuzzAnswer feeds arbitrary auth responses (status, body, pointer) to the
// parser: it must not panic, must return a credential only on success, and
// must keep the server's error text short.
func FuzzAnswer(f *testing.F) {
	f.Add(200, []byte(`{"ticket":"t-1"}`), "/ticket", 0)
	f.Add(201, []byte(`{"head":{"status":201,"ok":true},"body":{"id":"s53b1d"}}`), "/body/id", 201)
	f.Add(401, []byte(`{"error":{"code":"unauthorized","message":"bad token"}}`), "/ticket", 0)
	f.Add(401, []byte(`{"head":{"status":401,"ok":false,"errors":["Invalid token"]}}`), "/body/id", 201)
	f.Add(200, []byte(`{"a/b":{"~x":"v"}}`), "/a~1b/~0x", 0)
	f.Add(200, []byte(`[1,2,`), "/0", 0)
	f.Fuzz(func(t *testing.T, status int, body []byte, pointer string, expect int) {
		r := Request{Step: "ticket", Pointer: pointer, Expect: expect}
		v, err := answer(r, status, body)
		if err != nil {
			if v != "" {
				t.Fatalf("a value %q came with an error", v)
			}
			if n := len(err.Error()); n > 200+len(pointer) {
				t.Fatalf("error of %d bytes: %.200s", n, err)
			}
			return
		}
		if v == "" {
			t.Fatal("success without a credential")
		}
		if status != expect && (expect != 0 || status/100 != 2) {
			t.Fatalf("status %d accepted while expecting %d", status, expect)
		}
	})
}
