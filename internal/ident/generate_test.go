package ident

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func TestGeneratedValidate(t *testing.T) {
	r := newRand()
	for i := 0; i < 10000; i++ {
		if c := RandomCreditCode(r, ""); ValidateCreditCode(c) != nil || refCreditCheck(c[:17]) != c[17] || !strings.HasPrefix(c[2:], "44") {
			t.Fatalf("credit code %q: %v", c, ValidateCreditCode(c))
		}
		id := RandomResidentID(r, "")
		if err := ValidateResidentID(id); err != nil || refResidentCheck(id[:17]) != id[17] || !RegionKnown(id[:6]) {
			t.Fatalf("resident ID %q: %v", id, err)
		}
		if y := atoi(id[6:10]); y < 1940 || y > 2015 {
			t.Fatalf("resident ID %q: birth year %d", id, y)
		}
		if m := RandomMobile(r); ValidateMobile(m) != nil {
			t.Fatalf("mobile %q", m)
		}
		if n := RandomChineseName(r); utf8.RuneCountInString(n) < 2 || utf8.RuneCountInString(n) > 3 {
			t.Fatalf("name %q", n)
		}
	}
}

func TestGeneratorsDeterministic(t *testing.T) {
	gen := func() string {
		r := newRand()
		return RandomCreditCode(r, "") + RandomResidentID(r, "440700") + RandomMobile(r) + RandomChineseName(r)
	}
	if a, b := gen(), gen(); a != b {
		t.Fatalf("%s != %s", a, b)
	}
}

func TestGenerateResidentID(t *testing.T) {
	r := newRand()
	birth := time.Date(1990, 2, 28, 0, 0, 0, 0, time.UTC)
	for _, male := range []bool{true, false} {
		for i := 0; i < 200; i++ {
			id := GenerateResidentID(r, "441402", birth, male)
			p, err := ParseResidentID(id)
			if err != nil {
				t.Fatal(err)
			}
			if p.Region != "441402" || !p.Birth.Equal(birth) || (p.Sex == "male") != male || p.Sequence == 0 {
				t.Fatalf("%q parsed as %+v", id, p)
			}
		}
	}
}

func TestGenerateCreditCode(t *testing.T) {
	r := newRand()
	for dept, cats := range creditCategories {
		for i := 0; i < len(cats); i++ {
			c := GenerateCreditCode(r, dept, cats[i], "441300")
			if c[0] != dept || c[1] != cats[i] || c[2:8] != "441300" {
				t.Fatalf("%q", c)
			}
			if err := ValidateCreditCode(c); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestGeneratorPanics(t *testing.T) {
	r := newRand()
	for name, f := range map[string]func(){
		"credit region":  func() { GenerateCreditCode(r, '9', '1', "4413") },
		"credit pair":    func() { GenerateCreditCode(r, '9', '9', "441300") },
		"resident rgn":   func() { GenerateResidentID(r, "991300", time.Now(), true) },
		"resident birth": func() { GenerateResidentID(r, "441300", time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC), true) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

// TestSingleSubstitution: replacing any one character of a valid code by
// another allowed character makes it invalid (the check detects every
// single-character error).
func TestSingleSubstitution(t *testing.T) {
	r := newRand()
	for n := 0; n < 50; n++ {
		c := RandomCreditCode(r, "")
		for i := 0; i < 18; i++ {
			for j := 0; j < len(creditCharset); j++ {
				if creditCharset[j] == c[i] {
					continue
				}
				m := c[:i] + string(creditCharset[j]) + c[i+1:]
				if ValidateCreditCode(m) == nil {
					t.Fatalf("%s → %s still valid", c, m)
				}
			}
		}
		id := RandomResidentID(r, "")
		for i := 0; i < 18; i++ {
			for _, ch := range []byte("0123456789X") {
				if ch == id[i] {
					continue
				}
				m := id[:i] + string(ch) + id[i+1:]
				if ValidateResidentID(m) == nil {
					t.Fatalf("%s → %s still valid", id, m)
				}
			}
		}
	}
}

func TestNameLists(t *testing.T) {
	if len(surnames) != 100 || len(givenChars) != 200 {
		t.Fatalf("%d surnames, %d given-name characters", len(surnames), len(givenChars))
	}
	seen := map[rune]bool{}
	for _, c := range givenChars {
		if seen[c] {
			t.Errorf("duplicate %c", c)
		}
		seen[c] = true
	}
}
