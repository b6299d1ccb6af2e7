// Package calendar knows the Chinese working-day calendar (工作日): official
// public holidays and the adjusted working days (调休) announced by the State
// Council, in the Asia/Shanghai time zone. Statutory deadlines of the
// platform are counted with it.
package calendar

import (
	"fmt"
	"time"
	_ "time/tzdata" // so Asia/Shanghai loads on machines without zoneinfo

	"pubdata/internal/apperr"
)

// Shanghai is the Asia/Shanghai location, in which all deadlines are reckoned.
var Shanghai *time.Location

func init() {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// Cannot happen with time/tzdata linked in; a deadline in the wrong
		// zone would be worse than not starting.
		panic("calendar: loading Asia/Shanghai: " + err.Error())
	}
	Shanghai = loc
}

// Date is a civil date (no time zone). The zero value means "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "2006-01-02", the only accepted form so dates in files,
// URLs and JSON are unambiguous (exactly: four-digit year, two-digit month and
// day, a date that exists). Errors are *apperr.Error with code "date.invalid".
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, invalidDate(s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return Date{}, invalidDate(s)
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, nil
}

// digits parses an unsigned decimal of ASCII digits only (strconv would allow signs).
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func invalidDate(s string) *apperr.Error {
	if len(s) > 40 { // keep messages short whatever the caller sent
		s = s[:40] + "…"
	}
	return apperr.Invalidf("date.invalid", "date",
		fmt.Sprintf("日期 %q 无效，格式应为 YYYY-MM-DD", s),
		fmt.Sprintf("date %q is not a valid YYYY-MM-DD date", s))
}

// DateOf returns the date of t in Shanghai, whatever t's own zone.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return Date{Year: y, Month: m, Day: d}
}

// String formats d as "2006-01-02".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// utc is d at midnight UTC; UTC has no DST, so day arithmetic on it is exact.
func (d Date) utc() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

func fromUTC(t time.Time) Date {
	y, m, dd := t.Date()
	return Date{Year: y, Month: m, Day: dd}
}

// AddDays returns d plus n calendar days (n may be negative). An out-of-range
// d such as 2025-02-30 is normalised first, as time.Date does.
func (d Date) AddDays(n int) Date {
	return fromUTC(d.utc().AddDate(0, 0, n))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Start returns 00:00 of d in Shanghai: the instant the day begins there.
func (d Date) Start() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Shanghai)
}

// IsZero reports whether d is the zero Date ("no date").
func (d Date) IsZero() bool { return d == Date{} }

// MarshalText implements encoding.TextMarshaler as "2006-01-02"; the zero
// Date marshals as "" so optional dates stay empty rather than "0000-00-00".
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseDate; "" gives
// the zero Date, the inverse of MarshalText.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
