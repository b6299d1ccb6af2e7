package ident

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"pubdata/internal/apperr"
)

// Level is the level of an administrative division.
type Level uint8

// The levels of GB/T 2260 divisions.
const (
	Province Level = iota + 1 // 省级: province, autonomous region, municipality
	City                      // 地级: prefecture-level city, league, or a grouping such as 市辖区
	County                    // 县级: district, county, county-level city
)

// String returns "province", "city" or "county".
func (l Level) String() string {
	switch l {
	case Province:
		return "province"
	case City:
		return "city"
	case County:
		return "county"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// Division is an administrative division of GB/T 2260.
type Division struct {
	Code   string // 6 digits, e.g. "440700"
	Name   string // e.g. "江门市"
	Level  Level  // Province, City or County
	Parent string // 6-digit code of the parent, "" for a province
}

//go:embed data/provinces.csv data/cities.csv data/areas.csv
var divisionFiles embed.FS

type divisionIndex struct {
	byCode   map[int32]int // code as a number -> index in all
	all      []Division    // sorted by code
	children map[int32][]Division
}

// divisions loads the embedded tables once. The county table lists 东莞市
// (441900), 中山市 (442000) and 儋州市 (460400), prefecture-level cities
// without counties, under their own city code; those rows are dropped so
// each code is one division (the city).
var divisions = sync.OnceValue(func() *divisionIndex {
	ix := &divisionIndex{byCode: map[int32]int{}, children: map[int32][]Division{}}
	add := func(d Division) {
		n, _ := parseCode(d.Code)
		if _, dup := ix.byCode[n]; dup {
			return
		}
		ix.byCode[n] = len(ix.all)
		ix.all = append(ix.all, d)
	}
	for _, r := range readCSV("data/provinces.csv", 2) {
		add(Division{Code: r[0] + "0000", Name: r[1], Level: Province})
	}
	for _, r := range readCSV("data/cities.csv", 3) {
		add(Division{Code: r[0] + "00", Name: r[1], Level: City, Parent: r[2] + "0000"})
	}
	for _, r := range readCSV("data/areas.csv", 4) {
		add(Division{Code: r[0], Name: r[1], Level: County, Parent: r[2] + "00"})
	}
	slices.SortFunc(ix.all, func(a, b Division) int { return cmp.Compare(a.Code, b.Code) })
	for i, d := range ix.all {
		n, _ := parseCode(d.Code)
		ix.byCode[n] = i
		if d.Parent != "" {
			p, _ := parseCode(d.Parent)
			ix.children[p] = append(ix.children[p], d)
		}
	}
	return ix
})

// readCSV reads an embedded table, skipping its header. The files are part
// of the binary, so a malformed one is a programming error and panics.
func readCSV(name string, fields int) [][]string {
	b, err := divisionFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = fields
	recs, err := r.ReadAll()
	if err != nil {
		panic(fmt.Sprintf("ident: %s: %v", name, err))
	}
	want := map[int]int{2: 2, 3: 4, 4: 6}[fields]
	for _, rec := range recs[1:] {
		if len(rec[0]) != want || !isDigits(rec[0]) {
			panic(fmt.Sprintf("ident: %s: bad code %q", name, rec[0]))
		}
	}
	return recs[1:]
}

// parseCode converts a 2-, 4- or 6-digit division code to its 6-digit
// numeric value (e.g. "4407" → 440700), without allocating.
func parseCode(code string) (int32, bool) {
	if (len(code) != 2 && len(code) != 4 && len(code) != 6) || !isDigits(code) {
		return 0, false
	}
	n := int32(atoi(code))
	for i := len(code); i < 6; i++ {
		n *= 10
	}
	return n, true
}

// LookupDivision returns the division with the given code: 2 digits for a
// province ("44"), 4 for a prefecture ("4407") or 6 for any level
// ("440700", "440703"). Shorter codes are padded with zeros.
func LookupDivision(code string) (Division, bool) {
	n, ok := parseCode(code)
	if !ok {
		return Division{}, false
	}
	ix := divisions()
	i, ok := ix.byCode[n]
	if !ok {
		return Division{}, false
	}
	return ix.all[i], true
}

// ChildDivisions returns the divisions directly under code (2, 4 or 6
// digits), sorted by code: the prefectures of a province, the counties of a
// prefecture. It returns nil for a county or an unknown code. The slice is
// the caller's to keep.
func ChildDivisions(code string) []Division {
	n, ok := parseCode(code)
	if !ok {
		return nil
	}
	return slices.Clone(divisions().children[n])
}

// RegionKnown reports whether code6 is a 6-digit code of a division in the
// embedded GB/T 2260 tables. Retired codes are unknown, so use it for
// data-quality warnings rather than to reject identifiers.
func RegionKnown(code6 string) bool {
	if len(code6) != 6 {
		return false
	}
	n, ok := parseCode(code6)
	if !ok {
		return false
	}
	_, ok = divisions().byCode[n]
	return ok
}

// ValidateDivisionCode validates a 6-digit administrative division code
// that is in the embedded tables (province, prefecture or county). Error
// codes: division.invalid (not 6 digits), division.unknown.
func ValidateDivisionCode(s string) error {
	if len(s) != 6 || !isDigits(s) {
		return apperr.Invalidf("division.invalid", FieldDivisionCode,
			"行政区划代码应为6位数字",
			"an administrative division code must be 6 digits")
	}
	if !RegionKnown(s) {
		return apperr.Invalidf("division.unknown", FieldDivisionCode,
			fmt.Sprintf("行政区划代码%s不存在或已撤销", s),
			fmt.Sprintf("administrative division code %s does not exist or has been retired", s))
	}
	return nil
}

// allDivisions returns every division sorted by code (shared; do not modify).
func allDivisions() []Division { return divisions().all }

// DivisionPrefix returns the significant prefix of a 6-digit division code:
// "44" for the province 440000, "4413" for the city 441300, the whole code
// for a county. Every code under a division starts with its prefix, so it
// serves for "this jurisdiction and those below it".
func DivisionPrefix(code string) string {
	switch {
	case len(code) != 6:
		return code
	case code[2:] == "0000":
		return code[:2]
	case code[4:] == "00":
		return code[:4]
	}
	return code
}

// DivisionCovers reports whether the 6-digit division outer contains inner
// or is it: a province covers its cities and counties, a city its counties.
func DivisionCovers(outer, inner string) bool {
	if len(outer) != 6 || len(inner) != 6 {
		return false
	}
	p := DivisionPrefix(outer)
	return inner[:len(p)] == p
}
