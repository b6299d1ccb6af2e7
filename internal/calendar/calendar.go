package calendar

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"pubdata/internal/apperr"
)

// DayKind classifies a date for deadline counting.
type DayKind int

// The kinds of day. Only Workday counts towards a deadline.
const (
	Workday DayKind = iota // a working day (Mon–Fri, or an adjusted weekend day)
	Weekend                // a Saturday or Sunday that is not an adjusted working day
	Holiday                // an official day off
)

// String returns "workday", "weekend" or "holiday", the names used in the API.
func (k DayKind) String() string {
	switch k {
	case Workday:
		return "workday"
	case Weekend:
		return "weekend"
	case Holiday:
		return "holiday"
	}
	return fmt.Sprintf("DayKind(%d)", int(k))
}

// Day says what a date is. Name is the holiday's name for a Holiday, and for
// an adjusted working day (Adjusted true) the name of the holiday it makes up
// for; it is empty otherwise.
type Day struct {
	Date     Date
	Kind     DayKind
	Name     string
	Adjusted bool
}

// entry is one listed date of a year file.
type entry struct {
	name string
	off  bool
}

// Calendar is the working-day calendar: the year files it has loaded, each
// keyed by its own year. It is safe for concurrent use, and years can be
// (re)loaded while it is in use. The zero value is an empty calendar (every
// date follows Monday–Friday) ready to use; a Calendar must not be copied.
type Calendar struct {
	mu    sync.RWMutex
	years map[int]map[Date]entry
}

//go:embed data/*.json
var embedded embed.FS

// Embedded returns a new calendar holding the official data built into the
// binary (2021–2026). It panics if that data is bad: it is checked by the
// tests, so a bad file is a build defect, not a run-time condition.
func Embedded() *Calendar {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		panic("calendar: embedded data: " + err.Error())
	}
	return mustLoadFS(sub)
}

// mustLoadFS is Embedded over any file system, so the panic can be tested.
func mustLoadFS(fsys fs.FS) *Calendar {
	c := &Calendar{}
	if err := c.loadFS(fsys); err != nil {
		panic("calendar: embedded data: " + err.Error())
	}
	return c
}

// maxFileSize bounds a year file; real ones are a few kilobytes.
const maxFileSize = 1 << 20

// fileJSON is the holiday-cn file format; other members ($schema, papers)
// are ignored. Pointers tell "missing" from zero.
type fileJSON struct {
	Year *int       `json:"year"`
	Days *[]dayJSON `json:"days"`
}

type dayJSON struct {
	Name     *string `json:"name"`
	Date     *string `json:"date"`
	IsOffDay *bool   `json:"isOffDay"`
}

func fileErr(code, field, zh, en string, row int, cause error) *apperr.Error {
	e := apperr.Invalidf(code, field, zh, en)
	e.Row = row
	e.Err = cause
	return e
}

// parseYear reads and validates one year file without touching a calendar,
// so a bad file changes nothing.
func parseYear(r io.Reader) (int, map[Date]entry, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return 0, nil, fileErr("calendar.file", "", "无法读取节假日文件", "cannot read the holiday file", 0, err)
	}
	if len(data) > maxFileSize {
		return 0, nil, fileErr("calendar.file", "", "节假日文件过大", "the holiday file is too large", 0, nil)
	}
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return 0, nil, fileErr("calendar.file", "", "节假日文件不是有效的 JSON 或结构不符", "the holiday file is not valid JSON of the expected shape", 0, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return 0, nil, fileErr("calendar.file", "", "节假日文件在 JSON 之后还有多余内容", "the holiday file has data after the JSON object", 0, nil)
	}
	if f.Year == nil {
		return 0, nil, fileErr("calendar.year", "year", "节假日文件缺少 year", "the holiday file has no year", 0, nil)
	}
	year := *f.Year
	// year±1 must stay within the four-digit years ParseDate accepts.
	if year < 2 || year > 9998 {
		return 0, nil, fileErr("calendar.year", "year",
			fmt.Sprintf("年份 %d 超出范围", year), fmt.Sprintf("year %d is out of range", year), 0, nil)
	}
	if f.Days == nil {
		return 0, nil, fileErr("calendar.file", "days", "节假日文件缺少 days 列表", "the holiday file has no days list", 0, nil)
	}
	days := make(map[Date]entry, len(*f.Days))
	for i, dj := range *f.Days {
		row := i + 1
		field := func(name string) string { return fmt.Sprintf("days[%d].%s", i, name) }
		if dj.Date == nil {
			return 0, nil, fileErr("calendar.file", field("date"),
				fmt.Sprintf("第 %d 项缺少 date", row), fmt.Sprintf("entry %d has no date", row), row, nil)
		}
		if dj.IsOffDay == nil {
			return 0, nil, fileErr("calendar.file", field("isOffDay"),
				fmt.Sprintf("第 %d 项缺少 isOffDay", row), fmt.Sprintf("entry %d has no isOffDay", row), row, nil)
		}
		if dj.Name == nil || strings.TrimSpace(*dj.Name) == "" {
			return 0, nil, fileErr("calendar.file", field("name"),
				fmt.Sprintf("第 %d 项缺少节日名称", row), fmt.Sprintf("entry %d has no holiday name", row), row, nil)
		}
		d, err := ParseDate(*dj.Date)
		if err != nil {
			return 0, nil, fileErr("calendar.date", field("date"),
				fmt.Sprintf("第 %d 项的日期无效", row), fmt.Sprintf("entry %d has an invalid date", row), row, err)
		}
		if d.Year < year-1 || d.Year > year+1 {
			return 0, nil, fileErr("calendar.date", field("date"),
				fmt.Sprintf("第 %d 项的日期 %s 不在 %d 年前后", row, d, year),
				fmt.Sprintf("entry %d: date %s is not near year %d", row, d, year), row, nil)
		}
		if !*dj.IsOffDay {
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return 0, nil, fileErr("calendar.adjusted", field("isOffDay"),
					fmt.Sprintf("第 %d 项：调休上班日 %s 不是周末", row, d),
					fmt.Sprintf("entry %d: adjusted working day %s is a %s, not a weekend day", row, d, wd), row, nil)
			}
		}
		if _, dup := days[d]; dup {
			return 0, nil, fileErr("calendar.duplicate", field("date"),
				fmt.Sprintf("第 %d 项：日期 %s 重复", row, d),
				fmt.Sprintf("entry %d: date %s is listed twice", row, d), row, nil)
		}
		days[d] = entry{name: *dj.Name, off: *dj.IsOffDay}
	}
	return year, days, nil
}

// LoadYear loads one year file in the holiday-cn format and replaces what the
// calendar knew from that year's file. The file is validated completely
// first; on error (an *apperr.Error naming the field and entry) the calendar
// is unchanged.
func (c *Calendar) LoadYear(r io.Reader) error {
	year, days, err := parseYear(r)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.years == nil {
		c.years = make(map[int]map[Date]entry)
	}
	c.years[year] = days
	return nil
}

// LoadDir loads every *.json file in dir, so an administrator can add a year
// without a rebuild. All files are validated before any is applied: on error
// the calendar is unchanged. Two files for the same year are an error, and so
// is a missing directory (a typo must not silently load nothing).
func (c *Calendar) LoadDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return dirErr(err)
	}
	if !fi.IsDir() {
		return dirErr(fmt.Errorf("%s is not a directory", dir))
	}
	return c.loadFS(os.DirFS(dir))
}

func (c *Calendar) loadFS(fsys fs.FS) error {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return dirErr(err)
	}
	sort.Strings(names)
	loaded := make(map[int]map[Date]entry, len(names))
	from := make(map[int]string, len(names))
	for _, name := range names {
		f, err := fsys.Open(name)
		if err != nil {
			return dirErr(err)
		}
		year, days, err := parseYear(f)
		f.Close()
		if err != nil {
			return inFile(name, err)
		}
		if prev, ok := from[year]; ok {
			return fileErr("calendar.duplicate", "year",
				fmt.Sprintf("%s 与 %s 都是 %d 年的数据", prev, name, year),
				fmt.Sprintf("%s and %s both hold year %d", prev, name, year), 0, nil)
		}
		from[year] = name
		loaded[year] = days
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.years == nil {
		c.years = make(map[int]map[Date]entry)
	}
	for y, days := range loaded {
		c.years[y] = days
	}
	return nil
}

func dirErr(err error) error {
	e := apperr.New(apperr.Internal, "calendar.dir", "无法读取节假日目录", "cannot read the holiday directory")
	e.Err = err
	return e
}

// inFile prefixes an error's messages with the file name, since apperr.Error
// has no place for it and an administrator needs to know which file is bad.
func inFile(name string, err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	c := *e
	c.ZH = path.Base(filepath.ToSlash(name)) + "：" + c.ZH
	c.EN = path.Base(filepath.ToSlash(name)) + ": " + c.EN
	return &c
}

// Years returns the years whose files are loaded, sorted.
func (c *Calendar) Years() []int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ys := make([]int, 0, len(c.years))
	for y := range c.years {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	return ys
}

// Covers reports whether the year's file is loaded. Results for other years
// follow Monday–Friday only and are provisional.
func (c *Calendar) Covers(year int) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.years[year]
	return ok
}

// Day says what d is.
func (c *Calendar) Day(d Date) Day {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.day(d.AddDays(0))
}

// day is Day with the read lock held and d normalised. The file of d's own
// year decides; failing that a neighbouring year's file may list d (2023.json
// lists 2022-12-31); failing that Monday–Friday.
func (c *Calendar) day(d Date) Day {
	for _, y := range [...]int{d.Year, d.Year - 1, d.Year + 1} {
		if e, ok := c.years[y][d]; ok {
			if e.off {
				return Day{Date: d, Kind: Holiday, Name: e.name}
			}
			return Day{Date: d, Kind: Workday, Name: e.name, Adjusted: true}
		}
	}
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return Day{Date: d, Kind: Weekend}
	}
	return Day{Date: d, Kind: Workday}
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d Date) bool {
	return c.Day(d).Kind == Workday
}

// AddWorkdays returns the date that is n working days after d, d itself not
// counting, so the result is always a working day when n != 0. n == 0 returns
// d; n < 0 counts backwards the same way (the nth working day before d).
func (c *Calendar) AddWorkdays(d Date, n int) Date {
	d = d.AddDays(0)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for n > 0 {
		d = d.AddDays(step)
		if c.day(d).Kind == Workday {
			n--
		}
	}
	return d
}

// WorkdaysBetween counts the working days passed walking from a to b, a not
// counting and b counting: those in (a, b] when a <= b, and minus those in
// [b, a) when b is before a. So it is the exact inverse of AddWorkdays:
// WorkdaysBetween(d, AddWorkdays(d, n)) == n for every n.
func (c *Calendar) WorkdaysBetween(a, b Date) int {
	a, b = a.AddDays(0), b.AddDays(0)
	sign := 1
	lo, hi := a, b // count working days in (lo, hi]
	if b.Compare(a) < 0 {
		// [b, a) is (b-1, a-1].
		sign, lo, hi = -1, b.AddDays(-1), a.AddDays(-1)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for d := lo.AddDays(1); d.Compare(hi) <= 0; d = d.AddDays(1) {
		if c.day(d).Kind == Workday {
			n++
		}
	}
	return sign * n
}

// Due returns the due date of "within n working days of receipt" for
// something received at the instant received (any zone: its Shanghai date is
// the receipt day, which does not count), and the instant it becomes overdue:
// 00:00 Shanghai of the day after the due date. n < 0 is treated as 0, since a
// deadline before receipt makes no sense.
func (c *Calendar) Due(received time.Time, n int) (due Date, overdueAt time.Time) {
	if n < 0 {
		n = 0
	}
	due = c.AddWorkdays(DateOf(received), n)
	return due, due.AddDays(1).Start()
}
