package ident

import (
	"strings"
	"testing"
)

func TestLookupDivision(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Division
		ok       bool
	}{
		{"province 2 digits", "44", Division{"440000", "广东省", Province, ""}, true},
		{"province 6 digits", "440000", Division{"440000", "广东省", Province, ""}, true},
		{"city 4 digits", "4407", Division{"440700", "江门市", City, "440000"}, true},
		{"city 6 digits", "441400", Division{"441400", "梅州市", City, "440000"}, true},
		{"county", "440703", Division{"440703", "蓬江区", County, "440700"}, true},
		{"city without counties", "441900", Division{"441900", "东莞市", City, "440000"}, true},
		{"municipality district", "110101", Division{"110101", "东城区", County, "110100"}, true},
		{"unknown", "449900", Division{}, false},
		{"3 digits", "440", Division{}, false},
		{"letters", "44AB00", Division{}, false},
		{"empty", "", Division{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := LookupDivision(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestGuangdongCities(t *testing.T) {
	cities := ChildDivisions("440000")
	if len(cities) != 21 {
		t.Fatalf("Guangdong has %d prefecture-level cities, want 21", len(cities))
	}
	names := map[string]string{}
	for i, c := range cities {
		if c.Level != City || c.Parent != "440000" || c.Code < "440100" || c.Code > "445300" || !strings.HasSuffix(c.Code, "00") {
			t.Errorf("bad city %+v", c)
		}
		if i > 0 && cities[i-1].Code >= c.Code {
			t.Errorf("not sorted at %d", i)
		}
		names[c.Code] = c.Name
	}
	for code, name := range map[string]string{"440700": "江门市", "441400": "梅州市", "441300": "惠州市", "440100": "广州市", "445300": "云浮市"} {
		if names[code] != name {
			t.Errorf("%s = %q, want %q", code, names[code], name)
		}
	}
	if n := len(ChildDivisions("44")); n != 21 {
		t.Errorf("ChildDivisions(44) = %d", n)
	}
}

func TestChildDivisions(t *testing.T) {
	jm := ChildDivisions("4407")
	if len(jm) == 0 {
		t.Fatal("江门 has no counties")
	}
	for _, d := range jm {
		if d.Level != County || d.Parent != "440700" || d.Code[:4] != "4407" {
			t.Errorf("bad county %+v", d)
		}
	}
	if got := ChildDivisions("441900"); len(got) != 0 {
		t.Errorf("东莞 children: %v", got)
	}
	if got := ChildDivisions("440703"); got != nil {
		t.Errorf("county children: %v", got)
	}
	if got := ChildDivisions("x"); got != nil {
		t.Errorf("bad code children: %v", got)
	}
	// The result is a copy.
	jm[0].Name = "changed"
	if ChildDivisions("4407")[0].Name == "changed" {
		t.Error("ChildDivisions returned shared storage")
	}
	if n := len(ChildDivisions("00")); n != 0 {
		t.Errorf("unknown province has %d children", n)
	}
	// Every division except provinces has a known parent of the level above.
	for _, d := range allDivisions() {
		if d.Level == Province {
			continue
		}
		p, ok := LookupDivision(d.Parent)
		if !ok || p.Level != d.Level-1 {
			t.Errorf("%+v: parent %+v %v", d, p, ok)
		}
	}
	if n := len(ChildDivisions("")); n != 0 {
		t.Errorf("empty has %d children", n)
	}
}

func TestValidateDivisionCode(t *testing.T) {
	for _, tc := range []struct{ name, in, code string }{
		{"county", "440703", ""},
		{"city", "440700", ""},
		{"province", "440000", ""},
		{"4 digits", "4407", "division.invalid"},
		{"letters", "44070A", "division.invalid"},
		{"unknown", "449999", "division.unknown"},
		{"zeros", "000000", "division.unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, ValidateDivisionCode(tc.in), tc.code, FieldDivisionCode)
		})
	}
	if RegionKnown("4407") || !RegionKnown("440703") || RegionKnown("440799") {
		t.Error("RegionKnown")
	}
}

func TestLevelString(t *testing.T) {
	if Province.String() != "province" || City.String() != "city" || County.String() != "county" || Level(9).String() != "Level(9)" {
		t.Error("Level.String")
	}
}

func TestRegionKnownAllocs(t *testing.T) {
	RegionKnown("440703")
	if n := testing.AllocsPerRun(100, func() { _ = RegionKnown("440703") }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
