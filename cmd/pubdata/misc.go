package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/calendar"
	"pubdata/internal/rules"
)

// describe renders an application error for the console: code, field and
// row, then the message in Chinese and English.
func describe(err error) error {
	var list apperr.List
	if l, ok := err.(apperr.List); ok {
		list = l
	} else if e, ok := apperr.As(err); ok {
		list = apperr.List{e}
	} else {
		return err
	}
	var b strings.Builder
	for i, e := range list {
		if i > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(e.Code)
		if e.Field != "" {
			b.WriteString(" [" + e.Field + "]")
		}
		if e.Row > 0 {
			fmt.Fprintf(&b, " row %d", e.Row)
		}
		b.WriteString(": " + e.Message("zh"))
		if e.EN != "" {
			b.WriteString(" / " + e.EN)
		}
	}
	return fmt.Errorf("%s", b.String())
}

func (m *Main) workdays(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError("usage: pubdata workdays add DATE N [--profile P --deadline KEY] | is DATE | load FILE")
	}
	fs := newFlags("workdays")
	profile := fs.String("profile", "", "rule profile, with --deadline KEY: take N from the profile")
	deadline := fs.String("deadline", "", "rule-profile deadline key, e.g. share.conditional.reply")
	sf := m.storeFlags(fs)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	cal := calendar.Embedded()
	if args[0] != "load" {
		// The calendar years an administrator loaded live in the store; use
		// them when a store exists, but never create one just to answer.
		if sf.db != "" || dirHasDB(sf.data) {
			if a, err := m.open(ctx, sf); err == nil {
				cal = a.Calendar
				defer a.Close()
			}
		}
	}
	switch args[0] {
	case "add":
		if len(pos) < 1 || len(pos) > 2 || len(pos) == 1 && *deadline == "" {
			return usageError("usage: pubdata workdays add DATE N  (or DATE --profile P --deadline KEY)")
		}
		d, err := calendar.ParseDate(pos[0])
		if err != nil {
			return describe(err)
		}
		var n int
		if *deadline != "" {
			set, err := rules.Load(sf.rulesDir)
			if err != nil {
				return describe(err)
			}
			name := *profile
			if name == "" {
				name = "guangdong"
			}
			p, err := set.Profile(name)
			if err != nil {
				return describe(err)
			}
			dl, err := p.Deadline(*deadline)
			if err != nil {
				return describe(err)
			}
			n = dl.WorkingDays
			fmt.Fprintf(m.Stderr, "%s = %d working days (%s, profile %s)\n", dl.Key, n, dl.Basis, name)
		} else {
			n, err = strconv.Atoi(pos[1])
			if err != nil || n < 0 || n > 3650 {
				return usageError("N must be a whole number from 0 to 3650")
			}
		}
		due := cal.AddWorkdays(d, n)
		if !cal.Covers(due.Year) || !cal.Covers(d.Year) {
			fmt.Fprintf(m.Stderr, "warning: the calendar has no official holidays for %d; weekends only\n", due.Year)
		}
		fmt.Fprintln(m.Stdout, due.String())
	case "is":
		if len(pos) != 1 {
			return usageError("usage: pubdata workdays is DATE")
		}
		d, err := calendar.ParseDate(pos[0])
		if err != nil {
			return describe(err)
		}
		day := cal.Day(d)
		switch day.Kind {
		case calendar.Holiday:
			fmt.Fprintln(m.Stdout, "holiday", day.Name)
		default:
			fmt.Fprintln(m.Stdout, day.Kind.String())
		}
	case "load":
		if len(pos) != 1 {
			return usageError("usage: pubdata workdays load FILE")
		}
		data, err := os.ReadFile(pos[0])
		if err != nil {
			return err
		}
		a, err := m.open(ctx, sf)
		if err != nil {
			return err
		}
		defer a.Close()
		y, err := a.LoadCalendarYear(ctx, cliActor(), data)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(m.Stdout, "calendar year %d loaded; years now: %v\n", y, a.Calendar.Years())
	default:
		return usageError("unknown workdays command " + args[0])
	}
	return nil
}

func dirHasDB(dir string) bool {
	_, err := os.Stat(dir + "/pubdata.db")
	return err == nil
}

func (m *Main) audit(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(m.Stderr, "usage: pubdata audit verify [--data DIR | --db URL] [--audit-key-file F]")
		return 2
	}
	fs := newFlags("audit verify")
	sf := m.storeFlags(fs)
	if _, err := parse(fs, args[1:]); err != nil {
		fmt.Fprintln(m.Stderr, err)
		return 2
	}
	if sf.db == "" && !dirHasDB(sf.data) {
		fmt.Fprintf(m.Stderr, "pubdata audit verify: no database in %s\n", sf.data)
		return 1
	}
	a, err := m.open(ctx, sf)
	if err != nil {
		fmt.Fprintln(m.Stderr, "pubdata audit verify:", err)
		return 1
	}
	defer a.Close()
	rep, err := a.Trail.Verify(ctx)
	if err != nil {
		fmt.Fprintln(m.Stderr, "pubdata audit verify:", err)
		return 1
	}
	if !rep.OK {
		fmt.Fprintf(m.Stdout, "audit trail BROKEN at entry %d (%s): %s\n", rep.Seq, rep.Problem, rep.Reason)
		return 1
	}
	keyed := "HMAC-SM3 with the node key"
	if !a.Trail.Keyed() {
		keyed = "SM3, not keyed"
	}
	fmt.Fprintf(m.Stdout, "audit trail intact: %d entries (%s)\n", rep.Entries, keyed)
	return 0
}
