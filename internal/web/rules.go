package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/calendar"
	"pubdata/internal/httpx"
	"pubdata/internal/rules"
)

// ruleRow is one value of a profile with its markers.
type ruleRow struct {
	rules.Value
	Desc      string
	Shown     string
	Inherited bool
	Draft     []string // codes of cited measures that are consultation drafts
	Expired   []string // codes of cited measures whose validity ended
}

// profileTab is a profile in the tab list.
type profileTab struct {
	Name, Title string
	Active      bool
}

// rulesData is the rule page's data: the tabs and the profile selected.
type rulesData struct {
	Tabs     []profileTab
	Profile  *rules.Profile
	Title    string
	Rows     []ruleRow
	Warnings []string
}

func (p *portal) rulesPage(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	names := p.app.Rules.Names()
	sel := r.URL.Query().Get("profile")
	if sel == "" {
		// Start with the profile of the user's own jurisdiction.
		if u := httpx.Principal(r); u.Jurisdiction != "" {
			if prof := p.app.Rules.ForJurisdiction(u.Jurisdiction); prof != nil {
				sel = prof.Name
			}
		}
	}
	if sel == "" && len(names) > 0 {
		sel = names[0]
	}
	prof, err := p.app.Rules.Profile(sel)
	if err != nil {
		return apperr.New(apperr.NotFound, "rules.profile_not_found", "规则配置不存在："+sel, "no such rule profile: "+sel)
	}
	d := &rulesData{Profile: prof, Title: pick(lang, prof.TitleZH, prof.TitleEN)}
	for _, n := range names {
		pr, err := p.app.Rules.Profile(n)
		if err != nil {
			return err
		}
		d.Tabs = append(d.Tabs, profileTab{Name: n, Title: pick(lang, pr.TitleZH, pr.TitleEN), Active: n == sel})
	}
	now := time.Now()
	for _, v := range prof.Values() {
		row := ruleRow{Value: v, Desc: pick(lang, v.ZH, v.EN), Shown: rules.FormatValue(v, lang), Inherited: v.Profile != "" && v.Profile != prof.Name}
		if lang != "en" && v.Kind == rules.KindSwitch {
			row.Shown = T(lang, map[bool]string{true: "yes", false: "no"}[v.Bool])
		}
		// Same markers as rules.Profile.Warnings, per value, for the table.
		for _, code := range v.Measures() {
			m, ok := prof.Measure(code)
			if !ok {
				continue
			}
			if m.Draft() {
				row.Draft = append(row.Draft, code)
			}
			if m.Expired(now) {
				row.Expired = append(row.Expired, code)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	d.Warnings = prof.Warnings(now)
	v := p.view(r, "rules.title", d)
	return p.render(w, http.StatusOK, "rules", v)
}

// calendarData is the working-day page's data.
type calendarData struct {
	Due     string // result sentence of "N working days after"
	DueNote string
	Day     string // result sentence of "what is this date"
	DayNote string
	Years   string
}

func (p *portal) calendarPage(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	q := r.URL.Query()
	d := &calendarData{}
	v := p.view(r, "cal.title", d)
	v.Form = q
	status := http.StatusOK
	cal := p.app.Calendar
	ys := []string{}
	for _, y := range cal.Years() {
		ys = append(ys, strconv.Itoa(y))
	}
	d.Years = Tf(lang, "cal.years", strings.Join(ys, ", "))
	if q.Has("from") || q.Has("n") {
		from, err := calendar.ParseDate(strings.TrimSpace(q.Get("from")))
		if err != nil {
			v.Errors["from"] = messageOf(err, lang)
		}
		n, nerr := strconv.Atoi(strings.TrimSpace(q.Get("n")))
		if nerr != nil || n < 0 || n > 3650 {
			v.Errors["n"] = T(lang, "cal.n_bad")
		}
		if err == nil && v.Errors["n"] == "" {
			due := cal.AddWorkdays(from, n)
			d.Due = Tf(lang, "cal.due", from.String(), n, due.String(), weekday(lang, due.Weekday()))
			if !cal.Covers(due.Year) {
				d.DueNote = Tf(lang, "cal.uncovered", due.Year)
			}
		} else {
			status = http.StatusBadRequest
		}
	}
	if q.Has("date") {
		day, err := calendar.ParseDate(strings.TrimSpace(q.Get("date")))
		if err != nil {
			v.Errors["date"] = messageOf(err, lang)
			status = http.StatusBadRequest
		} else {
			info := cal.Day(day)
			var what string
			switch {
			case info.Kind == calendar.Workday && info.Adjusted:
				what = Tf(lang, "cal.adjusted", info.Name)
			case info.Kind == calendar.Workday:
				what = T(lang, "cal.workday")
			case info.Kind == calendar.Holiday:
				what = T(lang, "cal.holiday")
				if info.Name != "" {
					what += "（" + info.Name + "）"
					if lang == "en" {
						what = T(lang, "cal.holiday") + " (" + info.Name + ")"
					}
				}
			default:
				what = T(lang, "cal.weekend")
			}
			d.Day = Tf(lang, "cal.is", day.String(), weekday(lang, day.Weekday()), what)
			if !cal.Covers(day.Year) {
				d.DayNote = Tf(lang, "cal.uncovered", day.Year)
			}
		}
	}
	return p.render(w, status, "calendar", v)
}

func messageOf(err error, lang string) string {
	if e, ok := apperr.As(err); ok {
		return e.Message(lang)
	}
	return err.Error()
}

var weekdaysZH = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

func weekday(lang string, d time.Weekday) string {
	if lang == "en" {
		return d.String()
	}
	return weekdaysZH[d]
}
