package rules

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

var statusText = map[string][2]string{
	StatusInForce: {"现行有效", "in force"},
	StatusTrial:   {"试行", "trial"},
	StatusInterim: {"暂行", "interim"},
	StatusDraft:   {"征求意见稿", "draft"},
}

// formatValue renders a value's payload, e.g. "5 working days", "true",
// "6 months" (lang "en") or "5个工作日" (otherwise).
func formatValue(v Value, lang string) string {
	en := lang == "en"
	switch v.Kind {
	case KindDeadline:
		if en {
			if v.WorkingDays == 1 {
				return "1 working day"
			}
			return fmt.Sprintf("%d working days", v.WorkingDays)
		}
		return fmt.Sprintf("%d个工作日", v.WorkingDays)
	case KindPeriod:
		if en {
			if v.Months == 1 {
				return "1 month"
			}
			return fmt.Sprintf("%d months", v.Months)
		}
		return fmt.Sprintf("%d个月", v.Months)
	case KindSwitch:
		if v.Bool {
			return "true"
		}
		return "false"
	case KindNumber:
		return fmt.Sprint(v.Number)
	case KindText:
		return v.Text
	case KindList:
		return strings.Join(v.List, ", ")
	}
	return ""
}

// FormatValue renders a value's payload for people, e.g. "5 working days"
// (lang "en") or "5个工作日" (lang "zh").
func FormatValue(v Value, lang string) string { return formatValue(v, lang) }

// Format writes a profile for `pubdata rules show --profile NAME`: the
// measures with their status, then one line per value: key, value, basis,
// source profile, description, with "(default)", "(draft)" and "(expired)"
// markers where they apply. lang is "en" or "zh" (default).
func Format(w io.Writer, p *Profile, lang string) error {
	return formatAt(w, p, lang, time.Now())
}

func formatAt(w io.Writer, p *Profile, lang string, now time.Time) error {
	en := lang == "en"
	bw := bufio.NewWriter(w)
	title := p.TitleZH
	if en {
		title = p.TitleEN
	}
	fmt.Fprintf(bw, "%s (%s", p.Name, title)
	if p.Jurisdiction != "" {
		fmt.Fprintf(bw, ", %s", p.Jurisdiction)
	}
	if p.Parent != "" {
		if en {
			fmt.Fprintf(bw, ", inherits %s", p.Parent)
		} else {
			fmt.Fprintf(bw, "，继承 %s", p.Parent)
		}
	}
	fmt.Fprintln(bw, ")")
	if en {
		fmt.Fprintln(bw, "Measures:")
	} else {
		fmt.Fprintln(bw, "措施：")
	}
	for _, m := range p.Measures {
		st := statusText[m.Status][1]
		if !en {
			st = statusText[m.Status][0]
		}
		if m.Expired(now) {
			if en {
				st += ", expired after " + m.ValidUntil
			} else {
				st += "，已于" + m.ValidUntil + "期满失效"
			}
		}
		dates := []string{}
		if m.Issued != "" {
			dates = append(dates, "issued "+m.Issued)
		}
		if m.EffectiveFrom != "" {
			dates = append(dates, "effective "+m.EffectiveFrom)
		}
		if m.ValidUntil != "" {
			dates = append(dates, "valid until "+m.ValidUntil)
		}
		fmt.Fprintf(bw, "  %-16s %s [%s/%s] %s\n", m.Code, m.Title, m.Status, st, strings.Join(dates, ", "))
	}
	if en {
		fmt.Fprintln(bw, "Values:")
	} else {
		fmt.Fprintln(bw, "规则：")
	}
	for _, v := range p.Values() {
		desc := v.ZH
		if en {
			desc = v.EN
		}
		var marks []string
		if v.Default {
			marks = append(marks, "(default)")
		}
		draft, expired := p.flags(v, now)
		if len(draft) > 0 {
			marks = append(marks, "(draft)")
		}
		if len(expired) > 0 {
			marks = append(marks, "(expired)")
		}
		if v.Source != "" && v.Source != "embedded" {
			marks = append(marks, "(override "+v.Source+")")
		}
		m := ""
		if len(marks) > 0 {
			m = " " + strings.Join(marks, " ")
		}
		fmt.Fprintf(bw, "  %-46s %-16s %-24s [%s]%s %s\n", v.Key, formatValue(v, lang), v.Basis, v.Profile, m, desc)
	}
	return bw.Flush()
}

// Coverage writes the regulation-coverage table in Markdown: one row per
// key, its value in each named profile, the basis (per profile where they
// differ) and a short excerpt of the article text.
func Coverage(w io.Writer, s *Set, names []string) error {
	bw := bufio.NewWriter(w)
	var ps []*Profile
	for _, n := range names {
		p, err := s.Profile(n)
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	fmt.Fprintln(bw, "# Rule profile coverage")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "Generated from `internal/rules/profiles/*.json` by `go test ./internal/rules -run TestCoverageFile -update`.")
	fmt.Fprintln(bw, "One row per rule value. `*` marks an administrative default (the measure sets no number or says only 及时/定期);")
	fmt.Fprintln(bw, "`—` means the profile has no such value. HZ is a consultation draft; GD-OPEN expired after 2025-11-30 (§39).")
	fmt.Fprintln(bw)
	fmt.Fprintf(bw, "| key | %s | basis | article text |\n", strings.Join(names, " | "))
	fmt.Fprintf(bw, "|---|%s---|---|\n", strings.Repeat("---|", len(names)))
	keys := map[string]bool{}
	var order []string
	for _, p := range ps {
		for _, v := range p.Values() {
			if !keys[v.Key] {
				keys[v.Key] = true
				order = append(order, v.Key)
			}
		}
	}
	sortStrings(order)
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, k := range order {
		var cells, bases, quotes []string
		seenB := map[string]bool{}
		seenQ := map[string]bool{}
		for _, p := range ps {
			v, ok := p.Get(k)
			if !ok {
				cells = append(cells, "—")
				continue
			}
			c := formatValue(v, "en")
			if v.Default {
				c += " *"
			}
			cells = append(cells, esc(c))
			if !seenB[v.Basis] {
				seenB[v.Basis] = true
				bases = append(bases, v.Basis)
			}
			if v.Quote != "" && !seenQ[v.Quote] {
				seenQ[v.Quote] = true
				quotes = append(quotes, "“"+v.Quote+"”（"+v.Basis+"）")
			}
		}
		fmt.Fprintf(bw, "| `%s` | %s | %s | %s |\n", k, strings.Join(cells, " | "), esc(strings.Join(bases, "; ")), esc(strings.Join(quotes, " ")))
	}
	return bw.Flush()
}
