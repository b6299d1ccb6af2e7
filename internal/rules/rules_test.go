package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"pubdata/internal/apperr"
)

var update = flag.Bool("update", false, "rewrite COVERAGE.md")

func mustSet(t testing.TB) *Set {
	t.Helper()
	s, err := Embedded()
	if err != nil {
		t.Fatalf("Embedded: %v", err)
	}
	return s
}

func TestRequiredValues(t *testing.T) {
	s := mustSet(t)
	type want struct {
		profile, key string
		kind         Kind
		n            int  // working days or months
		b            bool // switch
		basis        string
		from         string // profile that set it
	}
	cases := map[string]want{
		"guangdong catalog review":       {"guangdong", "catalog.review", KindDeadline, 5, false, "GD-290 §11", "guangdong"},
		"meizhou catalog review":         {"meizhou", "catalog.review", KindDeadline, 5, false, "MZ §7", "meizhou"},
		"huizhou catalog review":         {"huizhou", "catalog.review", KindDeadline, 5, false, "HZ §12", "huizhou"},
		"jiangmen catalog review":        {"jiangmen", "catalog.review", KindDeadline, 5, false, "GD-290 §11", "guangdong"},
		"guangdong catalog update":       {"guangdong", "catalog.update_after_change", KindDeadline, 15, false, "GD-290 §11", "guangdong"},
		"huizhou catalog update":         {"huizhou", "catalog.update_after_change", KindDeadline, 15, false, "HZ §12", "huizhou"},
		"meizhou catalog update":         {"meizhou", "catalog.update_after_change", KindDeadline, 15, false, "MZ §8", "meizhou"},
		"guangdong reply":                {"guangdong", "share.conditional.reply", KindDeadline, 5, false, "GD-290 §23", "guangdong"},
		"guangdong fulfil":               {"guangdong", "share.conditional.fulfil", KindDeadline, 5, false, "GD-290 §23", "guangdong"},
		"huizhou reply":                  {"huizhou", "share.conditional.reply", KindDeadline, 2, false, "HZ §24", "huizhou"},
		"huizhou fulfil":                 {"huizhou", "share.conditional.fulfil", KindDeadline, 3, false, "HZ §24", "huizhou"},
		"meizhou fulfil inherited":       {"meizhou", "share.conditional.fulfil", KindDeadline, 5, false, "GD-290 §23", "guangdong"},
		"huizhou uncatalogued":           {"huizhou", "share.uncatalogued.confirm", KindDeadline, 5, false, "HZ §24", "huizhou"},
		"guangdong uncatalogued default": {"guangdong", "share.uncatalogued.confirm", KindDeadline, 5, false, "GD-290 §22", "guangdong"},
		"meizhou error verify":           {"meizhou", "share.error.verify", KindDeadline, 5, false, "MZ §23", "meizhou"},
		"meizhou error fix":              {"meizhou", "share.error.fix", KindDeadline, 10, false, "MZ §23", "meizhou"},
		"huizhou error verify":           {"huizhou", "share.error.verify", KindDeadline, 10, false, "HZ §28", "huizhou"},
		"jiangmen error verify":          {"jiangmen", "share.error.verify", KindDeadline, 5, false, "JM §19", "jiangmen"},
		"guangdong error fix":            {"guangdong", "share.error.fix", KindDeadline, 10, false, "GD-290 §16", "guangdong"},
		"huizhou objection":              {"huizhou", "subject.objection.handle", KindDeadline, 10, false, "HZ §28", "huizhou"},
		"guangdong objection":            {"guangdong", "subject.objection.handle", KindDeadline, 10, false, "GD-290 §42", "guangdong"},
		"guangdong open application":     {"guangdong", "open.application.reply", KindDeadline, 20, false, "GD-OPEN §21", "guangdong"},
		"huizhou open application":       {"huizhou", "open.application.reply", KindDeadline, 20, false, "HZ §37", "huizhou"},
		"jiangmen per use":               {"jiangmen", "share.per_use_request", KindSwitch, 0, true, "JM §13", "jiangmen"},
		"guangdong per use":              {"guangdong", "share.per_use_request", KindSwitch, 0, false, "GD-290 §23", "guangdong"},
		"meizhou per use":                {"meizhou", "share.per_use_request", KindSwitch, 0, false, "GD-290 §23", "guangdong"},
		"meizhou reasonable use":         {"meizhou", "share.unconditional.requires_reasonable_use", KindSwitch, 0, true, "MZ §21", "meizhou"},
		"huizhou reasonable use":         {"huizhou", "share.unconditional.requires_reasonable_use", KindSwitch, 0, false, "GD-290 §23", "guangdong"},
		"meizhou key lookup":             {"meizhou", "share.gateway.key_lookup_only", KindSwitch, 0, true, "MZ §21", "meizhou"},
		"jiangmen key lookup":            {"jiangmen", "share.gateway.key_lookup_only", KindSwitch, 0, false, "GD-290 §23", "guangdong"},
		"huizhou misuse":                 {"huizhou", "share.misuse.immediate_suspension", KindSwitch, 0, true, "HZ §25", "huizhou"},
		"guangdong misuse":               {"guangdong", "share.misuse.immediate_suspension", KindSwitch, 0, false, "GD-290 §52", "guangdong"},
		"meizhou feedback":               {"meizhou", "share.feedback.period", KindPeriod, 6, false, "MZ §39", "meizhou"},
		"guangdong feedback":             {"guangdong", "share.feedback.period", KindPeriod, 12, false, "GD-290 §46", "guangdong"},
		"jiangmen feedback":              {"jiangmen", "share.feedback.period", KindPeriod, 12, false, "JM §20", "jiangmen"},
		"huizhou feedback":               {"huizhou", "share.feedback.period", KindPeriod, 12, false, "HZ §23", "huizhou"},
		"huizhou open attr":              {"huizhou", "catalog.open_attr_required", KindSwitch, 0, true, "HZ §13", "huizhou"},
		"guangdong not shared filing":    {"guangdong", "catalog.not_shared.filing_required", KindSwitch, 0, true, "GD-290 §13", "guangdong"},
		"guangdong cross level":          {"guangdong", "share.cross_level.filing_required", KindSwitch, 0, true, "GD-290 §25", "guangdong"},
		"huizhou cross level":            {"huizhou", "share.cross_level.filing_required", KindSwitch, 0, true, "HZ §26", "huizhou"},
		"guangdong overdue":              {"guangdong", "case.supervision.overdue_notice", KindSwitch, 0, true, "GD-290 §52", "guangdong"},
		"meizhou overdue":                {"meizhou", "case.supervision.overdue_notice", KindSwitch, 0, true, "GD-290 §52", "guangdong"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := s.Profile(c.profile)
			if err != nil {
				t.Fatal(err)
			}
			v, ok := p.Get(c.key)
			if !ok {
				t.Fatalf("%s missing in %s", c.key, c.profile)
			}
			if v.Kind != c.kind || v.Basis != c.basis || v.Profile != c.from {
				t.Fatalf("got kind %s basis %q profile %q; want %s %q %q", v.Kind, v.Basis, v.Profile, c.kind, c.basis, c.from)
			}
			switch c.kind {
			case KindDeadline:
				d, err := p.Deadline(c.key)
				if err != nil || d.WorkingDays != c.n || d.Basis != c.basis {
					t.Fatalf("Deadline = %+v, %v; want %d", d, err, c.n)
				}
			case KindPeriod:
				m, b, err := p.Period(c.key)
				if err != nil || m != c.n || b != c.basis {
					t.Fatalf("Period = %d %q %v; want %d", m, b, err, c.n)
				}
			case KindSwitch:
				b, err := p.Switch(c.key)
				if err != nil || b != c.b {
					t.Fatalf("Switch = %v %v; want %v", b, err, c.b)
				}
			}
		})
	}
}

// TestEveryProfileHasRequiredKeys checks that keys other packages use exist
// everywhere with the right kind.
func TestEveryProfileHasRequiredKeys(t *testing.T) {
	s := mustSet(t)
	req := map[string]Kind{
		"catalog.review": KindDeadline, "catalog.update_after_change": KindDeadline,
		"share.conditional.reply": KindDeadline, "share.conditional.fulfil": KindDeadline,
		"share.uncatalogued.confirm": KindDeadline, "share.error.verify": KindDeadline, "share.error.fix": KindDeadline,
		"subject.objection.handle": KindDeadline, "open.application.reply": KindDeadline,
		"share.per_use_request": KindSwitch, "share.unconditional.requires_reasonable_use": KindSwitch,
		"share.gateway.key_lookup_only": KindSwitch, "share.misuse.immediate_suspension": KindSwitch,
		"share.feedback.period": KindPeriod, "catalog.open_attr_required": KindSwitch,
		"catalog.not_shared.filing_required": KindSwitch, "share.cross_level.filing_required": KindSwitch,
		"case.supervision.overdue_notice": KindSwitch, "grade.levels": KindList,
		"grade.share.unconditional_max": KindText, "grade.open.unconditional_max": KindText,
	}
	for _, n := range []string{"guangdong", "jiangmen", "meizhou", "huizhou"} {
		for k, kind := range req {
			t.Run(n+"/"+k, func(t *testing.T) {
				p, _ := s.Profile(n)
				v, ok := p.Get(k)
				if !ok || v.Kind != kind {
					t.Fatalf("got %+v %v", v, ok)
				}
			})
		}
	}
}

func TestErrors(t *testing.T) {
	p, _ := mustSet(t).Profile("guangdong")
	cases := map[string]struct {
		call func() error
		code string
	}{
		"missing deadline":   {func() error { _, err := p.Deadline("no.such"); return err }, "rules.missing"},
		"switch as deadline": {func() error { _, err := p.Deadline("share.per_use_request"); return err }, "rules.kind"},
		"deadline as switch": {func() error { _, err := p.Switch("catalog.review"); return err }, "rules.kind"},
		"missing period":     {func() error { _, _, err := p.Period("no.such"); return err }, "rules.missing"},
		"number of list":     {func() error { _, err := p.Number("grade.levels"); return err }, "rules.kind"},
		"list of text":       {func() error { _, err := p.List("grade.mask_from"); return err }, "rules.kind"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e, ok := apperr.As(c.call())
			if !ok || e.Code != c.code {
				t.Fatalf("got %v, want %s", e, c.code)
			}
		})
	}
	if l, err := p.List("grade.levels"); err != nil || l[0] != "core" || len(l) != 6 {
		t.Fatalf("grade.levels = %v %v", l, err)
	}
}

func TestInheritance(t *testing.T) {
	s := mustSet(t)
	jm, _ := s.Profile("jiangmen")
	v, ok := jm.Get("catalog.review")
	if !ok || v.Profile != "guangdong" || v.WorkingDays != 5 {
		t.Fatalf("jiangmen catalog.review = %+v", v)
	}
	codes := map[string]bool{}
	for _, m := range jm.Measures {
		codes[m.Code] = true
	}
	for _, c := range []string{"GD-290", "GD-OPEN", "JM"} {
		if !codes[c] {
			t.Fatalf("jiangmen lacks measure %s", c)
		}
	}
	if codes["HZ"] || codes["MZ"] {
		t.Fatal("jiangmen draws on another city's measure")
	}
	gd, _ := s.Profile("guangdong")
	if len(jm.Values()) < len(gd.Values()) {
		t.Fatal("jiangmen has fewer values than its parent")
	}
}

func TestForJurisdiction(t *testing.T) {
	s := mustSet(t)
	cases := map[string]string{
		"huizhou district": "441302", "huizhou city": "441300", "guangzhou": "440100",
		"province": "440000", "jiangmen district": "440703", "meizhou county": "441422",
		"beijing": "110000", "malformed": "4413", "letters": "44abcd",
	}
	want := map[string]string{
		"huizhou district": "huizhou", "huizhou city": "huizhou", "guangzhou": "guangdong",
		"province": "guangdong", "jiangmen district": "jiangmen", "meizhou county": "meizhou",
	}
	for name, code := range cases {
		t.Run(name, func(t *testing.T) {
			p := s.ForJurisdiction(code)
			got := ""
			if p != nil {
				got = p.Name
			}
			if got != want[name] {
				t.Fatalf("ForJurisdiction(%s) = %q, want %q", code, got, want[name])
			}
		})
	}
}

func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestOverride(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"huizhou.json": `{"values":[{"key":"share.conditional.reply","kind":"deadline","working_days":4,"basis":"HZ §24","zh":"测试","en":"test"},
			{"key":"local.extra","kind":"number","number":7,"basis":"HZ §9","zh":"附加","en":"extra"}]}`,
		"shenzhen.json": `{"parent":"guangdong","jurisdiction":"440300","title_zh":"深圳","title_en":"Shenzhen"}`,
	})
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	hz, _ := s.Profile("huizhou")
	d, _ := hz.Deadline("share.conditional.reply")
	if d.WorkingDays != 4 {
		t.Fatalf("override not applied: %+v", d)
	}
	v, _ := hz.Get("share.conditional.reply")
	if !strings.HasSuffix(v.Source, "huizhou.json") {
		t.Fatalf("source = %q", v.Source)
	}
	if f, _ := hz.Deadline("share.conditional.fulfil"); f.WorkingDays != 3 {
		t.Fatalf("other value changed: %+v", f)
	}
	if n, err := hz.Number("local.extra"); n != 7 || err != nil {
		t.Fatalf("added value: %d %v", n, err)
	}
	if p := s.ForJurisdiction("440304"); p == nil || p.Name != "shenzhen" {
		t.Fatalf("new profile not found by jurisdiction: %v", p)
	}
	sz, _ := s.Profile("shenzhen")
	if d, _ := sz.Deadline("share.conditional.reply"); d.WorkingDays != 5 {
		t.Fatalf("shenzhen reply = %+v", d)
	}
	// The embedded set is unchanged.
	hz0, _ := mustSet(t).Profile("huizhou")
	if d, _ := hz0.Deadline("share.conditional.reply"); d.WorkingDays != 2 {
		t.Fatalf("embedded changed: %+v", d)
	}
}

func TestBadOverrides(t *testing.T) {
	val := func(body string) string { return `{"values":[` + body + `]}` }
	cases := map[string]struct {
		files map[string]string
		want  string // in the error text
	}{
		"unknown field":          {map[string]string{"huizhou.json": `{"values":[],"colour":"red"}`}, "colour"},
		"unknown value field":    {map[string]string{"huizhou.json": val(`{"key":"a.b","kind":"switch","bool":true,"basis":"HZ §1","weight":3}`)}, "weight"},
		"missing basis":          {map[string]string{"huizhou.json": val(`{"key":"share.conditional.reply","kind":"deadline","working_days":3}`)}, "share.conditional.reply"},
		"deadline zero":          {map[string]string{"huizhou.json": val(`{"key":"share.conditional.reply","kind":"deadline","working_days":0,"basis":"HZ §24"}`)}, "share.conditional.reply"},
		"deadline too long":      {map[string]string{"huizhou.json": val(`{"key":"share.conditional.fulfil","kind":"deadline","working_days":366,"basis":"HZ §24"}`)}, "share.conditional.fulfil"},
		"kind mismatch":          {map[string]string{"huizhou.json": val(`{"key":"share.misuse.immediate_suspension","kind":"switch","working_days":3,"basis":"HZ §25"}`)}, "share.misuse.immediate_suspension"},
		"two payloads":           {map[string]string{"huizhou.json": val(`{"key":"x.y","kind":"switch","bool":true,"number":1,"basis":"HZ §25"}`)}, "x.y"},
		"kind changes":           {map[string]string{"huizhou.json": val(`{"key":"share.conditional.reply","kind":"number","number":2,"basis":"HZ §24"}`)}, "share.conditional.reply"},
		"bad basis":              {map[string]string{"huizhou.json": val(`{"key":"x.y","kind":"switch","bool":true,"basis":"article 5"}`)}, "x.y"},
		"unlisted measure":       {map[string]string{"jiangmen.json": val(`{"key":"x.y","kind":"switch","bool":true,"basis":"HZ §5"}`)}, "x.y"},
		"article too high":       {map[string]string{"jiangmen.json": val(`{"key":"x.y","kind":"switch","bool":true,"basis":"JM §99"}`)}, "x.y"},
		"bad key":                {map[string]string{"huizhou.json": val(`{"key":"Share","kind":"switch","bool":true,"basis":"HZ §5"}`)}, "Share"},
		"parent cycle":           {map[string]string{"a.json": `{"parent":"b"}`, "b.json": `{"parent":"a"}`}, "cycle"},
		"self cycle":             {map[string]string{"guangdong.json": `{"parent":"huizhou"}`}, "cycle"},
		"unknown parent":         {map[string]string{"zhuhai.json": `{"parent":"nowhere"}`}, "nowhere"},
		"orphan":                 {map[string]string{"zhuhai.json": `{"values":[]}`}, "zhuhai.json"},
		"duplicate jurisdiction": {map[string]string{"zhuhai.json": `{"jurisdiction":"441300","parent":"guangdong"}`}, "jurisdiction"},
		"name mismatch":          {map[string]string{"huizhou.json": `{"name":"meizhou"}`}, "huizhou.json"},
		"not json":               {map[string]string{"huizhou.json": `{`}, "huizhou.json"},
		"bad measure status":     {map[string]string{"huizhou.json": `{"measures":[{"code":"HZ2","title":"x","status":"final"}]}`}, "HZ2"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(writeDir(t, c.files))
			e, ok := apperr.As(err)
			if !ok {
				t.Fatalf("want *apperr.Error, got %v", err)
			}
			if e.Kind != apperr.Invalid || !strings.Contains(e.Error(), c.want) {
				t.Fatalf("error %q lacks %q", e.Error(), c.want)
			}
			if !strings.Contains(e.Error(), ".json") {
				t.Fatalf("error %q names no file", e.Error())
			}
		})
	}
}

var reBasisPart = regexp.MustCompile(`^(GD-290|GD-OPEN|JM|MZ|HZ) §[1-9][0-9]*$|^GB/T [0-9]+-[0-9]{4}$`)

func TestEveryValueCites(t *testing.T) {
	s := mustSet(t)
	for _, n := range s.Names() {
		p, _ := s.Profile(n)
		for _, v := range p.Values() {
			t.Run(n+"/"+v.Key, func(t *testing.T) {
				for _, part := range strings.Split(v.Basis, ",") {
					if !reBasisPart.MatchString(strings.TrimSpace(part)) {
						t.Fatalf("basis part %q", part)
					}
				}
				if v.ZH == "" || v.EN == "" || v.Quote == "" {
					t.Fatal("missing description or quote")
				}
				if v.Default && !strings.Contains(v.EN, "default") && !strings.Contains(v.EN, "policy") {
					t.Fatal("a default value must say so in its description")
				}
				if len(v.Measures()) == 0 {
					t.Fatal("no measure cited")
				}
			})
		}
	}
}

// TestQuotesAreGenuine checks every quote against the measures' text (when
// the shared regulation files are present), ignoring whitespace and line
// breaks.
func TestQuotesAreGenuine(t *testing.T) {
	files := map[string]string{"GD-290": "000_2425fcce6ff71e23.txt", "GD-OPEN": "001_9ea9bc8835c44cba.txt", "JM": "002_8e46d8b4a05865cb.txt", "MZ": "003_134c41bfdaee7909.txt", "HZ": "004_5c2ba9c9e4623514.txt"}
	dir := os.Getenv("PUBDATA_REGULATIONS")
	if dir == "" {
		dir = "/work/shared/regulations"
	}
	norm := func(s string) string {
		s = strings.NewReplacer("(", "（", ")", "）", ",", "，", ":", "：", ";", "；").Replace(s)
		return strings.Join(strings.Fields(s), "")
	}
	texts := map[string]string{}
	for code, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Skipf("regulation texts not available: %v", err)
		}
		texts[code] = norm(string(b))
	}
	s := mustSet(t)
	for _, n := range s.Names() {
		p, _ := s.Profile(n)
		for _, v := range p.Values() {
			if v.Profile != n {
				continue
			}
			t.Run(n+"/"+v.Key, func(t *testing.T) {
				q := norm(v.Quote)
				for _, code := range v.Measures() {
					if txt, ok := texts[code]; ok && strings.Contains(txt, q) {
						return
					}
				}
				t.Fatalf("quote %q not found in %s", v.Quote, v.Basis)
			})
		}
	}
}

func TestWarnings(t *testing.T) {
	s := mustSet(t)
	before := time.Date(2025, 11, 30, 23, 0, 0, 0, shanghai)
	after := time.Date(2025, 12, 1, 0, 0, 0, 0, shanghai)
	hz, _ := s.Profile("huizhou")
	gd, _ := s.Profile("guangdong")
	has := func(ws []string, key, word string) bool {
		for _, w := range ws {
			if strings.HasPrefix(w, key+" ") && strings.Contains(w, word) {
				return true
			}
		}
		return false
	}
	cases := map[string]struct {
		p    *Profile
		now  time.Time
		key  string
		word string
		want bool
	}{
		"huizhou reply draft":             {hz, before, "share.conditional.reply", "draft", true},
		"huizhou inherited not draft":     {hz, before, "share.refusal.legal_basis_required", "draft", false},
		"gd-open valid on last day":       {gd, before, "open.application.reply", "expired", false},
		"gd-open expired after":           {gd, after, "open.application.reply", "expired", true},
		"gd-290 never expires":            {gd, after, "share.conditional.reply", "expired", false},
		"huizhou own open reply is draft": {hz, after, "open.application.reply", "draft", true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if got := has(c.p.Warnings(c.now), c.key, c.word); got != c.want {
				t.Fatalf("warning for %s (%s) = %v, want %v", c.key, c.word, got, c.want)
			}
		})
	}
	m, _ := gd.Measure("GD-OPEN")
	if m.Status != StatusInterim || !m.Expired(after) || m.Expired(before) {
		t.Fatalf("GD-OPEN = %+v", m)
	}
}

func TestFormat(t *testing.T) {
	s := mustSet(t)
	after := time.Date(2026, 1, 5, 0, 0, 0, 0, shanghai)
	for _, n := range s.Names() {
		for _, lang := range []string{"zh", "en"} {
			t.Run(n+"/"+lang, func(t *testing.T) {
				p, _ := s.Profile(n)
				var b bytes.Buffer
				if err := formatAt(&b, p, lang, after); err != nil {
					t.Fatal(err)
				}
				out := b.String()
				for _, v := range p.Values() {
					if !strings.Contains(out, v.Key) {
						t.Fatalf("output lacks %s", v.Key)
					}
				}
				if !strings.Contains(out, "(default)") || !strings.Contains(out, "(expired)") {
					t.Fatal("markers missing")
				}
				if n == "huizhou" && !strings.Contains(out, "(draft)") {
					t.Fatal("draft marker missing")
				}
				if lang == "en" && !strings.Contains(out, "5 working days") {
					t.Fatal("deadline not rendered")
				}
			})
		}
	}
	var b bytes.Buffer
	mz, _ := s.Profile("meizhou")
	_ = Format(&b, mz, "en")
	if !strings.Contains(b.String(), "6 months") || !strings.Contains(b.String(), "trial") {
		t.Fatal("meizhou period or status not shown")
	}
}

func TestMeasures(t *testing.T) {
	cases := map[string][]string{
		"GD-290 §11, MZ §8":          {"GD-290", "MZ"},
		"GD-290 §9, GB/T 43697-2024": {"GD-290", "GB/T 43697-2024"},
		"GD-OPEN §10, GD-OPEN §11":   {"GD-OPEN"},
		"HZ §24":                     {"HZ"},
	}
	for basis, want := range cases {
		t.Run(basis, func(t *testing.T) {
			got := Value{Basis: basis}.Measures()
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestCoverageFile(t *testing.T) {
	var b bytes.Buffer
	if err := Coverage(&b, mustSet(t), []string{"guangdong", "jiangmen", "meizhou", "huizhou"}); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("COVERAGE.md", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("COVERAGE.md")
	if err != nil || !bytes.Equal(got, b.Bytes()) {
		t.Fatalf("COVERAGE.md is stale; run go test ./internal/rules -run TestCoverageFile -update (%v)", err)
	}
}

func FuzzLoadProfile(f *testing.F) {
	seed, _ := embedded.ReadFile("profiles/huizhou.json")
	f.Add(seed)
	f.Add([]byte(`{"parent":"guangdong","values":[{"key":"a.b","kind":"deadline","working_days":3,"basis":"GD-290 §1"}]}`))
	f.Add([]byte(`{"values":[{"key":"a.b","kind":"list","list":[""],"basis":"GB/T 1-2000"}]}`))
	f.Add([]byte(`{"parent":"x"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"huizhou.json", "newcity.json"} {
			s, err := load(fstest.MapFS{name: {Data: data}}, "")
			if err != nil {
				if _, ok := apperr.As(err); !ok {
					t.Fatalf("non-apperr error: %v", err)
				}
				continue
			}
			for _, n := range s.Names() {
				p, _ := s.Profile(n)
				var b bytes.Buffer
				_ = Format(&b, p, "en")
				_ = p.Warnings(time.Now())
				for _, v := range p.Values() {
					if v.Kind == KindDeadline && (v.WorkingDays < 1 || v.WorkingDays > 365) {
						t.Fatalf("bad deadline accepted: %+v", v)
					}
				}
			}
		}
	})
}
