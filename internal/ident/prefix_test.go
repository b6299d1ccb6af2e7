package ident

import "testing"

func TestDivisionCovers(t *testing.T) {
	cases := []struct {
		outer, inner string
		want         bool
	}{
		{"440000", "440000", true},
		{"440000", "441300", true},
		{"440000", "441322", true},
		{"441300", "441322", true},
		{"441300", "441300", true},
		{"441300", "440700", false},
		{"441300", "440000", false},
		{"441322", "441322", true},
		{"441322", "441323", false},
		{"440000", "450000", false},
		{"44", "441300", false},
		{"", "", false},
	}
	for _, c := range cases {
		if got := DivisionCovers(c.outer, c.inner); got != c.want {
			t.Errorf("DivisionCovers(%q, %q) = %v, want %v", c.outer, c.inner, got, c.want)
		}
	}
	for code, want := range map[string]string{"440000": "44", "441300": "4413", "441322": "441322", "4413": "4413"} {
		if got := DivisionPrefix(code); got != want {
			t.Errorf("DivisionPrefix(%q) = %q, want %q", code, got, want)
		}
	}
}
