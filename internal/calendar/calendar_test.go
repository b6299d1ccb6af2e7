package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"pubdata/internal/apperr"
)

// synthetic2027 is a made-up 2027 file (not official data) used to test loading.
const synthetic2027 = "testdata/synthetic-2027.json"

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

func mustAppErr(t *testing.T, err error, code string) *apperr.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want code %q", code)
	}
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *apperr.Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("code = %q, want %q (error %v)", e.Code, code, err)
	}
	if e.ZH == "" || e.EN == "" {
		t.Fatalf("error %v lacks a zh or en message", err)
	}
	return e
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Date
		ok   bool
	}{
		{"plain", "2025-10-01", Date{2025, time.October, 1}, true},
		{"leap day", "2024-02-29", Date{2024, time.February, 29}, true},
		{"year one", "0001-01-01", Date{1, time.January, 1}, true},
		{"not leap", "2025-02-29", Date{}, false},
		{"month 13", "2025-13-01", Date{}, false},
		{"day 0", "2025-01-00", Date{}, false},
		{"year 0", "0000-01-01", Date{}, false},
		{"short month", "2025-1-01", Date{}, false},
		{"slashes", "2025/10/01", Date{}, false},
		{"with time", "2025-10-01T00:00:00Z", Date{}, false},
		{"sign", "+025-10-01", Date{}, false},
		{"signed month", "2025-+1-01", Date{}, false},
		{"empty", "", Date{}, false},
		{"spaces", " 2025-10-01", Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if !tt.ok {
				e := mustAppErr(t, err, "date.invalid")
				if e.Kind != apperr.Invalid {
					t.Errorf("kind = %v, want Invalid", e.Kind)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseDate(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestDateMethods(t *testing.T) {
	d := mustDate(t, "2025-12-31")
	if got := d.AddDays(1).String(); got != "2026-01-01" {
		t.Errorf("AddDays(1) = %s", got)
	}
	if got := d.AddDays(-365).String(); got != "2024-12-31" {
		t.Errorf("AddDays(-365) = %s", got)
	}
	if got := d.Weekday(); got != time.Wednesday {
		t.Errorf("Weekday = %v", got)
	}
	if d.Compare(d) != 0 || d.Compare(d.AddDays(1)) != -1 || d.AddDays(1).Compare(d) != 1 ||
		d.Compare(mustDate(t, "2025-11-30")) != 1 || d.Compare(mustDate(t, "2026-01-01")) != -1 {
		t.Error("Compare is wrong")
	}
	start := d.Start()
	if _, off := start.Zone(); off != 8*3600 || start.Hour() != 0 || !start.Equal(time.Date(2025, 12, 30, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Start = %v", start)
	}
	if !(Date{}).IsZero() || d.IsZero() {
		t.Error("IsZero is wrong")
	}
	if got := DateOf(time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)); got.String() != "2026-01-01" {
		t.Errorf("DateOf(16:00Z) = %s, want the Shanghai date 2026-01-01", got)
	}
}

func TestDateJSON(t *testing.T) {
	type doc struct {
		D   Date `json:"d"`
		Opt Date `json:"opt"`
	}
	b, err := json.Marshal(doc{D: Date{2025, time.October, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"d":"2025-10-01","opt":""}` {
		t.Errorf("Marshal = %s", b)
	}
	var back doc
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.D != (Date{2025, time.October, 1}) || !back.Opt.IsZero() {
		t.Errorf("Unmarshal = %#v", back)
	}
	err = json.Unmarshal([]byte(`{"d":"2025-10-32"}`), &back)
	mustAppErr(t, err, "date.invalid")
}

func TestDayKindString(t *testing.T) {
	for k, want := range map[DayKind]string{Workday: "workday", Weekend: "weekend", Holiday: "holiday", 7: "DayKind(7)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

// rawFile is the holiday-cn format, decoded here independently of the loader.
type rawFile struct {
	Year int `json:"year"`
	Days []struct {
		Name     string `json:"name"`
		Date     string `json:"date"`
		IsOffDay bool   `json:"isOffDay"`
	} `json:"days"`
}

// TestEmbeddedEveryDate checks every listed entry of every embedded file, and
// that every unlisted date of 2021–2026 follows Monday–Friday.
func TestEmbeddedEveryDate(t *testing.T) {
	c := Embedded()
	if got, want := c.Years(), []int{2021, 2022, 2023, 2024, 2025, 2026}; !slices.Equal(got, want) {
		t.Fatalf("Years() = %v, want %v", got, want)
	}
	type exp struct {
		name string
		off  bool
		own  bool
	}
	want := map[string]exp{}
	files, err := filepath.Glob("data/*.json")
	if err != nil || len(files) != 6 {
		t.Fatalf("data files: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rf rawFile
		if err := json.Unmarshal(b, &rf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, e := range rf.Days {
			own := strings.HasPrefix(e.Date, strconv.Itoa(rf.Year)+"-")
			if prev, ok := want[e.Date]; ok && (prev.own || !own) {
				continue // a year's own file wins over a neighbour's listing
			}
			want[e.Date] = exp{e.Name, e.IsOffDay, own}
		}
	}
	if len(want) < 200 {
		t.Fatalf("only %d listed dates; data not read?", len(want))
	}
	for ds, w := range want {
		got := c.Day(mustDate(t, ds))
		if w.off && (got.Kind != Holiday || got.Name != w.name || got.Adjusted) {
			t.Errorf("Day(%s) = %+v, want holiday %q", ds, got, w.name)
		}
		if !w.off && (got.Kind != Workday || got.Name != w.name || !got.Adjusted) {
			t.Errorf("Day(%s) = %+v, want adjusted workday for %q", ds, got, w.name)
		}
	}
	n := 0
	for d := mustDate(t, "2021-01-01"); d.Year <= 2026; d = d.AddDays(1) {
		if _, listed := want[d.String()]; listed {
			continue
		}
		n++
		got := c.Day(d)
		wantKind := Workday
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			wantKind = Weekend
		}
		if got.Kind != wantKind || got.Name != "" || got.Adjusted || got.Date != d {
			t.Errorf("Day(%s) = %+v, want plain %v", d, got, wantKind)
		}
		if c.IsWorkday(d) != (wantKind == Workday) {
			t.Errorf("IsWorkday(%s) disagrees with Day", d)
		}
	}
	if n < 1900 {
		t.Errorf("checked only %d unlisted dates", n)
	}
}

func TestNationalDay2025(t *testing.T) {
	c := Embedded()
	tests := []struct {
		date     string
		kind     DayKind
		adjusted bool
	}{
		{"2025-09-27", Weekend, false},
		{"2025-09-28", Workday, true},
		{"2025-09-30", Workday, false},
		{"2025-10-01", Holiday, false},
		{"2025-10-02", Holiday, false},
		{"2025-10-03", Holiday, false},
		{"2025-10-04", Holiday, false},
		{"2025-10-05", Holiday, false},
		{"2025-10-06", Holiday, false},
		{"2025-10-07", Holiday, false},
		{"2025-10-08", Holiday, false},
		{"2025-10-09", Workday, false},
		{"2025-10-11", Workday, true},
		{"2025-10-12", Weekend, false},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			got := c.Day(mustDate(t, tt.date))
			if got.Kind != tt.kind || got.Adjusted != tt.adjusted {
				t.Errorf("Day = %+v, want %v adjusted=%v", got, tt.kind, tt.adjusted)
			}
			if tt.kind != Weekend && tt.date != "2025-09-30" && tt.date != "2025-10-09" && got.Name != "国庆节、中秋节" {
				t.Errorf("Name = %q", got.Name)
			}
		})
	}
}

func TestAddWorkdays(t *testing.T) {
	c := Embedded()
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"national day 2025", "2025-09-30", 5, "2025-10-14"},
		{"national day 2025 backwards", "2025-10-14", -5, "2025-09-30"},
		{"into adjusted saturday", "2025-10-10", 1, "2025-10-11"},
		{"n zero on workday", "2025-10-14", 0, "2025-10-14"},
		{"n zero on holiday", "2025-10-01", 0, "2025-10-01"},
		{"n zero on saturday", "2025-11-15", 0, "2025-11-15"},
		{"from saturday", "2025-11-15", 1, "2025-11-17"},
		{"from sunday", "2025-11-16", 5, "2025-11-21"},
		{"back from saturday", "2025-11-15", -1, "2025-11-14"},
		{"back from monday", "2025-11-17", -1, "2025-11-14"},
		{"from holiday", "2025-10-03", 1, "2025-10-09"},
		// Spring Festival 2024: 02-10..02-17 off; Sun 02-04 and Sun 02-18 worked.
		{"spring 2024 adjusted sunday before", "2024-02-02", 1, "2024-02-04"},
		{"spring 2024 eve is a workday", "2024-02-08", 1, "2024-02-09"},
		{"spring 2024 across the break", "2024-02-09", 1, "2024-02-18"},
		{"spring 2024 across the break 2", "2024-02-09", 2, "2024-02-19"},
		{"spring 2024 backwards", "2024-02-19", -2, "2024-02-09"},
		// Spring Festival 2026: Sat 02-14 worked, 02-15..02-23 off, Sat 02-28 worked.
		{"spring 2026 adjusted saturday", "2026-02-13", 1, "2026-02-14"},
		{"spring 2026 across the break", "2026-02-13", 2, "2026-02-24"},
		{"spring 2026 into adjusted saturday", "2026-02-24", 4, "2026-02-28"},
		{"spring 2026 after", "2026-02-24", 5, "2026-03-02"},
		// Year ends.
		{"2025 to 2026", "2025-12-31", 1, "2026-01-04"},
		{"2025 to 2026 second", "2025-12-31", 2, "2026-01-05"},
		{"2026 back to 2025", "2026-01-04", -1, "2025-12-31"},
		{"2022 to 2023 via neighbour listing", "2022-12-30", 1, "2023-01-03"},
		// Uncovered years follow Monday–Friday.
		{"uncovered 2030", "2030-01-04", 1, "2030-01-07"},
		{"uncovered 2030 back", "2030-01-07", -1, "2030-01-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := mustDate(t, tt.from)
			got := c.AddWorkdays(from, tt.n)
			if got.String() != tt.want {
				t.Fatalf("AddWorkdays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
			if back := c.WorkdaysBetween(from, got); back != tt.n {
				t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tt.from, got, back, tt.n)
			}
		})
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := Embedded()
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"same day", "2025-10-14", "2025-10-14", 0},
		{"national day 2025", "2025-09-30", "2025-10-14", 5},
		{"spring 2026", "2026-02-13", "2026-02-28", 6},
		{"within a holiday", "2025-10-01", "2025-10-08", 0},
		{"weekend only", "2025-11-14", "2025-11-16", 0},
		{"backwards counts [b, a)", "2025-11-17", "2025-11-14", -1},
		{"backwards from saturday", "2025-11-15", "2025-11-14", -1},
		{"backwards to saturday", "2025-11-17", "2025-11-15", 0},
		{"whole 2025", "2024-12-31", "2025-12-31", 248},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.WorkdaysBetween(mustDate(t, tt.a), mustDate(t, tt.b)); got != tt.want {
				t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestAddWorkdaysProperties checks, over many random dates and n, that
// WorkdaysBetween inverts AddWorkdays and that the result is the nearest
// working day with that count.
func TestAddWorkdaysProperties(t *testing.T) {
	c := Embedded()
	rng := rand.New(rand.NewPCG(1, 2))
	base := mustDate(t, "2020-06-01")
	for i := 0; i < 3000; i++ {
		d := base.AddDays(rng.IntN(7 * 365))
		n := rng.IntN(121) - 60
		e := c.AddWorkdays(d, n)
		if got := c.WorkdaysBetween(d, e); got != n {
			t.Fatalf("WorkdaysBetween(%s, AddWorkdays(%s, %d)=%s) = %d", d, d, n, e, got)
		}
		if n == 0 {
			if e != d {
				t.Fatalf("AddWorkdays(%s, 0) = %s", d, e)
			}
			continue
		}
		if !c.IsWorkday(e) {
			t.Fatalf("AddWorkdays(%s, %d) = %s is not a workday", d, n, e)
		}
		step := 1
		if n < 0 {
			step = -1
		}
		if got := c.WorkdaysBetween(d, e.AddDays(-step)); got != n-step {
			t.Fatalf("AddWorkdays(%s, %d) = %s is not the nearest such day", d, n, e)
		}
	}
}

func TestDue(t *testing.T) {
	c := Embedded()
	utc8 := time.FixedZone("UTC+8", 8*3600)
	tests := []struct {
		name      string
		received  time.Time
		n         int
		wantDue   string
		wantOverd time.Time
	}{
		{"late evening before national day", time.Date(2025, 9, 30, 23, 30, 0, 0, Shanghai), 5,
			"2025-10-14", time.Date(2025, 10, 15, 0, 0, 0, 0, utc8)},
		// 2025-10-10 17:00 UTC is already Saturday 2025-10-11 01:00 in Shanghai
		// (an adjusted working day); counting from the UTC date would give 10-11.
		{"utc already next day in shanghai", time.Date(2025, 10, 10, 17, 0, 0, 0, time.UTC), 1,
			"2025-10-13", time.Date(2025, 10, 14, 0, 0, 0, 0, utc8)},
		{"utc same day", time.Date(2025, 10, 10, 15, 59, 0, 0, time.UTC), 1,
			"2025-10-11", time.Date(2025, 10, 12, 0, 0, 0, 0, utc8)},
		{"n zero", time.Date(2025, 10, 1, 9, 0, 0, 0, Shanghai), 0,
			"2025-10-01", time.Date(2025, 10, 2, 0, 0, 0, 0, utc8)},
		{"negative n is zero", time.Date(2025, 10, 1, 9, 0, 0, 0, Shanghai), -3,
			"2025-10-01", time.Date(2025, 10, 2, 0, 0, 0, 0, utc8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, overdue := c.Due(tt.received, tt.n)
			if due.String() != tt.wantDue {
				t.Errorf("due = %s, want %s", due, tt.wantDue)
			}
			if !overdue.Equal(tt.wantOverd) {
				t.Errorf("overdueAt = %v, want %v", overdue, tt.wantOverd)
			}
			if _, off := overdue.Zone(); off != 8*3600 {
				t.Errorf("overdueAt offset = %d, want +08:00", off)
			}
		})
	}
}

func loadFile(t *testing.T, c *Calendar, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := c.LoadYear(f); err != nil {
		t.Fatalf("LoadYear(%s): %v", path, err)
	}
}

func TestLoadYearValid(t *testing.T) {
	c := Embedded()
	if c.Covers(2027) {
		t.Fatal("covers 2027 before loading")
	}
	if got := c.Day(mustDate(t, "2027-01-01")); got.Kind != Workday {
		t.Fatalf("uncovered Friday 2027-01-01 = %+v", got)
	}
	loadFile(t, c, synthetic2027)
	if !c.Covers(2027) || !slices.Contains(c.Years(), 2027) {
		t.Fatalf("Covers(2027) false after load; Years = %v", c.Years())
	}
	if got := c.Day(mustDate(t, "2027-01-01")); got.Kind != Holiday || got.Name != "元旦" {
		t.Errorf("2027-01-01 = %+v", got)
	}
	if got := c.Day(mustDate(t, "2027-02-06")); got.Kind != Workday || !got.Adjusted || got.Name != "春节" {
		t.Errorf("2027-02-06 = %+v", got)
	}
	if got := c.AddWorkdays(mustDate(t, "2026-12-31"), 1).String(); got != "2027-01-04" {
		t.Errorf("AddWorkdays(2026-12-31, 1) = %s", got)
	}
	// Reloading a year replaces it: an empty 2025 drops National Day.
	if err := c.LoadYear(strings.NewReader(`{"year":2025,"days":[]}`)); err != nil {
		t.Fatal(err)
	}
	if got := c.Day(mustDate(t, "2025-10-01")); got.Kind != Workday {
		t.Errorf("after replacing 2025, 2025-10-01 = %+v", got)
	}
	var zero Calendar
	loadFile(t, &zero, synthetic2027)
	if !slices.Equal(zero.Years(), []int{2027}) {
		t.Errorf("zero Calendar Years = %v", zero.Years())
	}
}

// snapshot is what a failed load must leave unchanged.
func snapshot(c *Calendar) string {
	var b strings.Builder
	for _, y := range c.Years() {
		b.WriteString(strconv.Itoa(y) + " ")
	}
	for _, s := range []string{"2024-12-31", "2025-01-01", "2025-09-28", "2025-10-01", "2025-10-11", "2025-10-15", "2026-01-01", "2027-01-01", "2027-02-06"} {
		d, _ := ParseDate(s)
		day := c.Day(d)
		b.WriteString(s + day.Kind.String() + day.Name)
	}
	return b.String()
}

func TestLoadYearInvalid(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		code  string
		field string
		row   int
	}{
		{"not json", `{"year":2025,"days":[`, "calendar.file", "", 0},
		{"empty", ``, "calendar.file", "", 0},
		{"array", `[]`, "calendar.file", "", 0},
		{"year string", `{"year":"2025","days":[]}`, "calendar.file", "", 0},
		{"trailing data", `{"year":2025,"days":[]} {}`, "calendar.file", "", 0},
		{"no year", `{"days":[]}`, "calendar.year", "year", 0},
		{"year out of range", `{"year":99999,"days":[]}`, "calendar.year", "year", 0},
		{"no days", `{"year":2025}`, "calendar.file", "days", 0},
		{"bad date", `{"year":2025,"days":[{"name":"x","date":"2025-01-01","isOffDay":true},{"name":"x","date":"2025-02-30","isOffDay":true}]}`, "calendar.date", "days[1].date", 2},
		{"date far away", `{"year":2025,"days":[{"name":"x","date":"2027-01-01","isOffDay":true}]}`, "calendar.date", "days[0].date", 1},
		{"no date", `{"year":2025,"days":[{"name":"x","isOffDay":true}]}`, "calendar.file", "days[0].date", 1},
		{"no isOffDay", `{"year":2025,"days":[{"name":"x","date":"2025-01-01"}]}`, "calendar.file", "days[0].isOffDay", 1},
		{"no name", `{"year":2025,"days":[{"date":"2025-01-01","isOffDay":true}]}`, "calendar.file", "days[0].name", 1},
		{"adjusted on wednesday", `{"year":2025,"days":[{"name":"x","date":"2025-10-15","isOffDay":false}]}`, "calendar.adjusted", "days[0].isOffDay", 1},
		{"duplicate date", `{"year":2025,"days":[{"name":"x","date":"2025-10-01","isOffDay":true},{"name":"y","date":"2025-10-01","isOffDay":true}]}`, "calendar.duplicate", "days[1].date", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Embedded()
			loadFile(t, c, synthetic2027)
			before := snapshot(c)
			e := mustAppErr(t, c.LoadYear(strings.NewReader(tt.file)), tt.code)
			if e.Kind != apperr.Invalid || e.Field != tt.field || e.Row != tt.row {
				t.Errorf("error %v: kind %v field %q row %d, want Invalid %q %d", e, e.Kind, e.Field, e.Row, tt.field, tt.row)
			}
			if after := snapshot(c); after != before {
				t.Errorf("failed load changed the calendar:\n%s\n%s", before, after)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	t.Run("adds a year", func(t *testing.T) {
		dir := t.TempDir()
		b, err := os.ReadFile(synthetic2027)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "2027.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("ignored"), 0o600); err != nil {
			t.Fatal(err)
		}
		c := Embedded()
		if err := c.LoadDir(dir); err != nil {
			t.Fatal(err)
		}
		if !c.Covers(2027) || !c.Covers(2021) {
			t.Errorf("Years = %v", c.Years())
		}
	})
	t.Run("one bad file changes nothing", func(t *testing.T) {
		dir := t.TempDir()
		b, _ := os.ReadFile(synthetic2027)
		os.WriteFile(filepath.Join(dir, "2027.json"), b, 0o600)
		os.WriteFile(filepath.Join(dir, "2028.json"), []byte(`{"year":2028,"days":[{"name":"x","date":"2028-01-05","isOffDay":false}]}`), 0o600)
		c := Embedded()
		before := snapshot(c)
		e := mustAppErr(t, c.LoadDir(dir), "calendar.adjusted")
		if !strings.Contains(e.EN, "2028.json") {
			t.Errorf("error %v does not name the file", e)
		}
		if snapshot(c) != before || c.Covers(2027) {
			t.Error("failed LoadDir changed the calendar")
		}
	})
	t.Run("same year twice", func(t *testing.T) {
		dir := t.TempDir()
		b, _ := os.ReadFile(synthetic2027)
		os.WriteFile(filepath.Join(dir, "a.json"), b, 0o600)
		os.WriteFile(filepath.Join(dir, "b.json"), b, 0o600)
		mustAppErr(t, (&Calendar{}).LoadDir(dir), "calendar.duplicate")
	})
	t.Run("missing dir", func(t *testing.T) {
		err := (&Calendar{}).LoadDir(filepath.Join(t.TempDir(), "nope"))
		e := mustAppErr(t, err, "calendar.dir")
		if e.Kind != apperr.Internal {
			t.Errorf("kind = %v, want Internal", e.Kind)
		}
	})
}

func TestEmbeddedPanicsOnBadData(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("mustLoadFS did not panic on bad data")
		}
	}()
	mustLoadFS(fstest.MapFS{"2025.json": {Data: []byte(`{"year":2025,"days":[{"name":"x","date":"2025-10-15","isOffDay":false}]}`)}})
}

func TestConcurrentUse(t *testing.T) {
	c := Embedded()
	b, err := os.ReadFile(synthetic2027)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			if err := c.LoadYear(bytes.NewReader(b)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := 0; i < 200; i++ {
		c.AddWorkdays(mustDate(t, "2026-12-20"), 10)
		c.Years()
	}
	<-done
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-10-01", "2024-02-29", "0001-01-01", "9999-12-31", "2025-02-30", "", "2025-1-1", "-001-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != "date.invalid" {
				t.Fatalf("ParseDate(%q) error %v is not date.invalid", s, err)
			}
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, d.String())
		}
		if d.AddDays(0) != d {
			t.Fatalf("ParseDate(%q) = %#v is not a real date", s, d)
		}
	})
}

func FuzzLoadYear(f *testing.F) {
	seeds, _ := filepath.Glob("data/*.json")
	seeds = append(seeds, synthetic2027)
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"year":2025,"days":[{"name":"x","date":"2025-10-15","isOffDay":false}]}`))
	f.Add([]byte(`{"year":1,"days":[]}`))
	f.Add([]byte(`{"year":2025,"days":null}`))
	synth, err := os.ReadFile(synthetic2027)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Calendar{}
		if err := c.LoadYear(bytes.NewReader(synth)); err != nil {
			t.Fatal(err)
		}
		before := snapshot(c)
		err := c.LoadYear(bytes.NewReader(data))
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("error %v (%T) is not an *apperr.Error", err, err)
			}
			if snapshot(c) != before {
				t.Fatal("failed load changed the calendar")
			}
			return
		}
		var rf struct{ Year int }
		if json.Unmarshal(data, &rf) != nil || !c.Covers(rf.Year) {
			t.Fatalf("loaded but does not cover the file's year; Years = %v", c.Years())
		}
		// Lookups must not panic on any loaded data.
		d := Date{rf.Year, time.January, 1}
		c.AddWorkdays(d, 3)
		c.WorkdaysBetween(d, d.AddDays(40))
	})
}
