package httpx_test

import (
	"net/http/httptest"
	"testing"

	"pubdata/internal/httpx"
)

// TestPathIDIsCanonical: an identifier has one spelling, so the audit trail
// names each object one way ("007" and "+7" would file grant 7's calls
// under other names, out of its usage report).
func TestPathIDIsCanonical(t *testing.T) {
	for raw, want := range map[string]int64{"7": 7, "123456789": 123456789, "007": 0, "+7": 0, "0": 0, "-3": 0, "7x": 0, "": 0, "9223372036854775808": 0} {
		r := httptest.NewRequest("GET", "/x", nil)
		r.SetPathValue("id", raw)
		got, err := httpx.PathID(r, "id")
		if want == 0 && err == nil || want != 0 && (err != nil || got != want) {
			t.Errorf("PathID(%q) = %d, %v; want %d", raw, got, err, want)
		}
	}
}
