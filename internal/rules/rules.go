// Package rules holds pubdata's jurisdiction rule profiles: every deadline,
// period and switch of the five Guangdong measures on public data, as data.
// Each value cites its article ("GD-290 §23", "HZ §24"). A city profile
// inherits the provincial profile and overrides only what its measure
// changes. No deadline is a literal in Go code elsewhere in the project:
// other packages ask a Profile.
//
// Profiles are JSON files embedded from profiles/; an operator may override
// them from a directory (Load). Each measure carries its status and validity,
// so that values drawn from a draft or an expired interim measure are shown
// (Warnings, Format) and can be replaced.
package rules // import "pubdata/internal/rules"

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/ident"
)

//go:embed profiles/*.json
var embedded embed.FS

// Kind is the kind of a rule value.
type Kind string

// The kinds of rule value.
const (
	KindDeadline Kind = "deadline" // a number of working days (工作日)
	KindPeriod   Kind = "period"   // a number of months, for periodic duties
	KindSwitch   Kind = "switch"   // a yes/no jurisdiction switch
	KindNumber   Kind = "number"   // a plain number
	KindText     Kind = "text"     // a short text or code
	KindList     Kind = "list"     // a list of codes
)

// Measure statuses.
const (
	StatusInForce = "in_force" // issued and in force
	StatusTrial   = "trial"    // 试行
	StatusInterim = "interim"  // 暂行, usually with a validity end
	StatusDraft   = "draft"    // 征求意见稿, not issued
)

// shanghai is the time zone in which measures' dates are read.
var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// Measure is one regulation a profile draws on. Dates are "2006-01-02" or "".
type Measure struct {
	Code          string `json:"code"`           // short code, e.g. "GD-290"
	Title         string `json:"title"`          // Chinese title
	Level         string `json:"level"`          // "national", "province" or "city"
	Jurisdiction  string `json:"jurisdiction"`   // GB/T 2260 code, "" for national
	Status        string `json:"status"`         // in_force, trial, interim or draft
	Issued        string `json:"issued"`         // date issued (公布/印发), "" if not yet
	EffectiveFrom string `json:"effective_from"` // date in force, "" if not yet
	ValidUntil    string `json:"valid_until"`    // last day of validity, "" if open-ended
	Note          string `json:"note"`           // source of the dates, caveats
	// Articles is the number of articles (条) of the measure; a basis citing
	// a higher article is refused. 0 for standards (not checked).
	Articles int `json:"articles"`
}

// Expired reports whether the measure's validity ended before now: true
// from the day after ValidUntil (Asia/Shanghai).
func (m Measure) Expired(now time.Time) bool {
	if m.ValidUntil == "" {
		return false
	}
	end, err := time.ParseInLocation("2006-01-02", m.ValidUntil, shanghai)
	if err != nil {
		return false
	}
	return !now.Before(end.AddDate(0, 0, 1))
}

// Draft reports whether the measure is a consultation draft.
func (m Measure) Draft() bool { return m.Status == StatusDraft }

// Value is one rule value of a profile.
type Value struct {
	Key         string   `json:"key"`                    // dotted, lowercase, e.g. "share.conditional.reply"
	Kind        Kind     `json:"kind"`                   // what the payload is
	WorkingDays int      `json:"working_days,omitempty"` // deadline
	Months      int      `json:"months,omitempty"`       // period
	Bool        bool     `json:"bool,omitempty"`         // switch
	Number      int      `json:"number,omitempty"`       // number
	Text        string   `json:"text,omitempty"`         // text
	List        []string `json:"list,omitempty"`         // list
	Basis       string   `json:"basis"`                  // articles, e.g. "GD-290 §11, MZ §8"
	Default     bool     `json:"default"`                // an administrative default: the measure sets no number
	ZH          string   `json:"zh"`                     // short description
	EN          string   `json:"en"`
	Quote       string   `json:"quote,omitempty"`  // short excerpt of the article text
	Profile     string   `json:"profile"`          // the profile that set it (for inherited values)
	Source      string   `json:"source,omitempty"` // "embedded" or the override file that set it
}

// basisPart matches one citation: a measure code and an article, or a
// national standard.
var (
	reArticle  = regexp.MustCompile(`^([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*) §([1-9][0-9]{0,3})$`)
	reStandard = regexp.MustCompile(`^(GB(?:/[TZ])? [0-9]+(?:\.[0-9]+)?-[0-9]{4})(?: .+)?$`)
	reKey      = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	reName     = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)
	reJuris    = regexp.MustCompile(`^[1-9][0-9]{5}$`)
	reDate     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// citation is one parsed part of a basis.
type citation struct {
	code    string
	article int // 0 for a standard
}

// parseBasis splits a basis into citations; ok is false if any part is
// malformed.
func parseBasis(basis string) ([]citation, bool) {
	if strings.TrimSpace(basis) == "" {
		return nil, false
	}
	var out []citation
	for _, part := range strings.Split(basis, ",") {
		part = strings.TrimSpace(part)
		if m := reArticle.FindStringSubmatch(part); m != nil {
			n, _ := strconv.Atoi(m[2])
			out = append(out, citation{m[1], n})
			continue
		}
		if m := reStandard.FindStringSubmatch(part); m != nil {
			out = append(out, citation{m[1], 0})
			continue
		}
		return nil, false
	}
	return out, true
}

// Measures returns the measure codes cited in Basis, in order, without
// repeats, e.g. ["GD-290","MZ"].
func (v Value) Measures() []string {
	cs, _ := parseBasis(v.Basis)
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		if !seen[c.code] {
			seen[c.code] = true
			out = append(out, c.code)
		}
	}
	return out
}

// Deadline is a deadline in working days with its basis.
type Deadline struct {
	Key         string
	WorkingDays int
	Basis       string
}

// Profile is the effective rules of one jurisdiction: its own values over
// its parent's.
type Profile struct {
	Name         string    // e.g. "huizhou"
	Parent       string    // e.g. "guangdong", "" for the root
	Jurisdiction string    // GB/T 2260 code, e.g. "441300"
	TitleZH      string    // e.g. "惠州市规则"
	TitleEN      string    // e.g. "Huizhou city rules"
	Measures     []Measure // own and inherited, parent's first
	values       map[string]Value
}

// Get returns the effective value of key.
func (p *Profile) Get(key string) (Value, bool) {
	v, ok := p.values[key]
	if ok {
		v.List = append([]string(nil), v.List...)
	}
	return v, ok
}

// Measure returns the measure with the given code, if the profile draws on it.
func (p *Profile) Measure(code string) (Measure, bool) {
	for _, m := range p.Measures {
		if m.Code == code {
			return m, true
		}
	}
	return Measure{}, false
}

func (p *Profile) typed(key string, kind Kind) (Value, error) {
	v, ok := p.values[key]
	if !ok {
		return Value{}, &apperr.Error{Kind: apperr.Internal, Code: "rules.missing", Field: key,
			ZH: fmt.Sprintf("规则配置“%s”中没有规则 %s", p.Name, key),
			EN: fmt.Sprintf("profile %q has no rule %s", p.Name, key)}
	}
	if v.Kind != kind {
		return Value{}, &apperr.Error{Kind: apperr.Internal, Code: "rules.kind", Field: key,
			ZH: fmt.Sprintf("规则 %s 的类型是 %s，不是 %s", key, v.Kind, kind),
			EN: fmt.Sprintf("rule %s is a %s, not a %s", key, v.Kind, kind)}
	}
	return v, nil
}

// Deadline returns the deadline key in working days. The error is an
// *apperr.Error with code "rules.missing" or "rules.kind".
func (p *Profile) Deadline(key string) (Deadline, error) {
	v, err := p.typed(key, KindDeadline)
	if err != nil {
		return Deadline{}, err
	}
	return Deadline{Key: key, WorkingDays: v.WorkingDays, Basis: v.Basis}, nil
}

// Switch returns the switch key.
func (p *Profile) Switch(key string) (bool, error) {
	v, err := p.typed(key, KindSwitch)
	return v.Bool, err
}

// Period returns the period key in months and its basis.
func (p *Profile) Period(key string) (months int, basis string, err error) {
	v, err := p.typed(key, KindPeriod)
	return v.Months, v.Basis, err
}

// Number returns the number key.
func (p *Profile) Number(key string) (int, error) {
	v, err := p.typed(key, KindNumber)
	return v.Number, err
}

// Text returns the text key.
func (p *Profile) Text(key string) (string, error) {
	v, err := p.typed(key, KindText)
	return v.Text, err
}

// List returns a copy of the list key.
func (p *Profile) List(key string) ([]string, error) {
	v, err := p.typed(key, KindList)
	if err != nil {
		return nil, err
	}
	return append([]string(nil), v.List...), nil
}

// Values returns the effective values, sorted by key.
func (p *Profile) Values() []Value {
	out := make([]Value, 0, len(p.values))
	for _, v := range p.values {
		v.List = append([]string(nil), v.List...)
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// flags returns the draft/expired markers of v at now, e.g. ["HZ (draft)"].
func (p *Profile) flags(v Value, now time.Time) (draft, expired []string) {
	for _, code := range v.Measures() {
		m, ok := p.Measure(code)
		if !ok {
			continue
		}
		if m.Draft() {
			draft = append(draft, code)
		}
		if m.Expired(now) {
			expired = append(expired, code)
		}
	}
	return draft, expired
}

// Warnings returns one line per value that cites a draft measure or a
// measure expired at now, in key order.
func (p *Profile) Warnings(now time.Time) []string {
	var out []string
	for _, v := range p.Values() {
		draft, expired := p.flags(v, now)
		for _, c := range draft {
			out = append(out, fmt.Sprintf("%s = %s: 依据%s为征求意见稿，尚未生效 / basis %s is a consultation draft, not in force (%s)",
				v.Key, formatValue(v, "en"), c, c, v.Basis))
		}
		for _, c := range expired {
			m, _ := p.Measure(c)
			out = append(out, fmt.Sprintf("%s = %s: 依据%s已于%s期满失效 / basis %s expired after %s (%s)",
				v.Key, formatValue(v, "en"), c, m.ValidUntil, c, m.ValidUntil, v.Basis))
		}
	}
	return out
}

// Set is a loaded, validated set of profiles.
type Set struct {
	profiles map[string]*Profile
}

// Profile returns the named profile; the error is an *apperr.Error with
// code "rules.profile" (NotFound).
func (s *Set) Profile(name string) (*Profile, error) {
	p, ok := s.profiles[name]
	if !ok {
		return nil, &apperr.Error{Kind: apperr.NotFound, Code: "rules.profile", Field: "profile",
			ZH: fmt.Sprintf("没有规则配置 %q", name), EN: fmt.Sprintf("no rule profile %q", name)}
	}
	return p, nil
}

// Names returns the profile names, sorted.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.profiles))
	for n := range s.profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ForJurisdiction returns the profile whose jurisdiction is the longest
// prefix match of the 6-digit GB/T 2260 code (441302 → huizhou; 440100 →
// guangdong), or nil if none matches.
func (s *Set) ForJurisdiction(code string) *Profile {
	if !reJuris.MatchString(code) {
		return nil
	}
	var best *Profile
	bestLen := 0
	for _, name := range s.Names() {
		p := s.profiles[name]
		if p.Jurisdiction == "" {
			continue
		}
		pre := ident.DivisionPrefix(p.Jurisdiction)
		if strings.HasPrefix(code, pre) && len(pre) > bestLen {
			best, bestLen = p, len(pre)
		}
	}
	return best
}

// fileProfile is the JSON form of a profile file.
type fileProfile struct {
	Name         string      `json:"name"`
	Parent       string      `json:"parent"`
	Jurisdiction string      `json:"jurisdiction"`
	TitleZH      string      `json:"title_zh"`
	TitleEN      string      `json:"title_en"`
	Measures     []Measure   `json:"measures"`
	Values       []fileValue `json:"values"`
}

// fileValue is the JSON form of a value; pointers tell a payload's
// presence.
type fileValue struct {
	Key         string    `json:"key"`
	Kind        Kind      `json:"kind"`
	WorkingDays *int      `json:"working_days"`
	Months      *int      `json:"months"`
	Bool        *bool     `json:"bool"`
	Number      *int      `json:"number"`
	Text        *string   `json:"text"`
	List        *[]string `json:"list"`
	Basis       string    `json:"basis"`
	Default     bool      `json:"default"`
	ZH          string    `json:"zh"`
	EN          string    `json:"en"`
	Quote       string    `json:"quote"`
}

// raw is a parsed file before inheritance is resolved.
type raw struct {
	file   string
	name   string
	parent string
	juris  string
	tzh    string
	ten    string
	meas   []Measure
	values map[string]Value
	order  []string
}

func invalid(file, field, zh, en string) *apperr.Error {
	return &apperr.Error{Kind: apperr.Invalid, Code: "rules.invalid", Field: field,
		ZH: "规则文件 " + file + "：" + zh, EN: "rule file " + file + ": " + en}
}

const maxFileSize = 1 << 20

// parseFile decodes and checks one profile file (everything that needs no
// other profile).
func parseFile(file, name string, data []byte) (*raw, error) {
	if len(data) > maxFileSize {
		return nil, invalid(file, "", "文件过大", "file too large")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fp fileProfile
	if err := dec.Decode(&fp); err != nil {
		e := invalid(file, "", "JSON 无法解析："+err.Error(), "bad JSON: "+err.Error())
		e.Err = err
		return nil, e
	}
	if dec.More() {
		return nil, invalid(file, "", "JSON 之后有多余内容", "trailing data after JSON")
	}
	if fp.Name != "" && fp.Name != name {
		return nil, invalid(file, "name", fmt.Sprintf("name %q 与文件名不符", fp.Name), fmt.Sprintf("name %q does not match the file name", fp.Name))
	}
	if fp.Parent != "" && !reName.MatchString(fp.Parent) {
		return nil, invalid(file, "parent", "parent 不是合法的配置名", "parent is not a valid profile name")
	}
	if fp.Jurisdiction != "" && !reJuris.MatchString(fp.Jurisdiction) {
		return nil, invalid(file, "jurisdiction", "jurisdiction 须为6位行政区划代码", "jurisdiction must be a 6-digit GB/T 2260 code")
	}
	r := &raw{file: file, name: name, parent: fp.Parent, juris: fp.Jurisdiction, tzh: fp.TitleZH, ten: fp.TitleEN, values: map[string]Value{}}
	seenM := map[string]bool{}
	for i, m := range fp.Measures {
		field := fmt.Sprintf("measures[%d]", i)
		if err := checkMeasure(m); err != "" {
			return nil, invalid(file, field, "措施 "+m.Code+"："+err, "measure "+m.Code+": "+err)
		}
		if seenM[m.Code] {
			return nil, invalid(file, field, "措施代码重复 "+m.Code, "duplicate measure code "+m.Code)
		}
		seenM[m.Code] = true
		r.meas = append(r.meas, m)
	}
	for i, fv := range fp.Values {
		field := fv.Key
		if field == "" {
			field = fmt.Sprintf("values[%d]", i)
		}
		v, zh, en := checkValue(fv)
		if en != "" {
			return nil, invalid(file, field, "规则 "+field+"："+zh, "value "+field+": "+en)
		}
		if _, dup := r.values[v.Key]; dup {
			return nil, invalid(file, field, "规则键重复", "duplicate key "+v.Key)
		}
		v.Profile = name
		r.values[v.Key] = v
		r.order = append(r.order, v.Key)
	}
	return r, nil
}

var statuses = map[string]bool{StatusInForce: true, StatusTrial: true, StatusInterim: true, StatusDraft: true}

// checkMeasure returns a problem with m, or "".
func checkMeasure(m Measure) string {
	if _, ok := parseBasis(m.Code + " §1"); !ok && !reStandard.MatchString(m.Code) {
		return "code must be upper-case letters, digits and dashes, or a national standard"
	}
	if m.Title == "" {
		return "title missing"
	}
	if !statuses[m.Status] {
		return "status must be in_force, trial, interim or draft"
	}
	for _, d := range []string{m.Issued, m.EffectiveFrom, m.ValidUntil} {
		if d == "" {
			continue
		}
		if _, err := time.Parse("2006-01-02", d); err != nil || !reDate.MatchString(d) {
			return "dates must be YYYY-MM-DD"
		}
	}
	if m.Jurisdiction != "" && !reJuris.MatchString(m.Jurisdiction) {
		return "jurisdiction must be a 6-digit code"
	}
	if m.Articles < 0 || m.Articles > 9999 {
		return "articles out of range"
	}
	return ""
}

// checkValue converts and checks a value; it returns the zh and en problem,
// or "" and "".
func checkValue(fv fileValue) (Value, string, string) {
	v := Value{Key: fv.Key, Kind: fv.Kind, Basis: strings.TrimSpace(fv.Basis), Default: fv.Default, ZH: fv.ZH, EN: fv.EN, Quote: fv.Quote}
	if !reKey.MatchString(fv.Key) {
		return v, "key 须为小写点分形式", "key must be dotted lower case"
	}
	if v.Basis == "" {
		return v, "缺少依据 basis", "basis missing"
	}
	if _, ok := parseBasis(v.Basis); !ok {
		return v, "依据格式应为“GD-290 §23”，多项以逗号分隔", `basis must look like "GD-290 §23", comma-separated`
	}
	payloads := 0
	for _, present := range []bool{fv.WorkingDays != nil, fv.Months != nil, fv.Bool != nil, fv.Number != nil, fv.Text != nil, fv.List != nil} {
		if present {
			payloads++
		}
	}
	mismatch := func() (Value, string, string) {
		return v, fmt.Sprintf("类型 %q 与所给值不符", fv.Kind), fmt.Sprintf("kind %q does not match its payload", fv.Kind)
	}
	if payloads != 1 {
		return mismatch()
	}
	switch fv.Kind {
	case KindDeadline:
		if fv.WorkingDays == nil {
			return mismatch()
		}
		if *fv.WorkingDays < 1 || *fv.WorkingDays > 365 {
			return v, "期限须为1至365个工作日", "deadline must be 1..365 working days"
		}
		v.WorkingDays = *fv.WorkingDays
	case KindPeriod:
		if fv.Months == nil {
			return mismatch()
		}
		if *fv.Months < 1 || *fv.Months > 120 {
			return v, "周期须为1至120个月", "period must be 1..120 months"
		}
		v.Months = *fv.Months
	case KindSwitch:
		if fv.Bool == nil {
			return mismatch()
		}
		v.Bool = *fv.Bool
	case KindNumber:
		if fv.Number == nil {
			return mismatch()
		}
		v.Number = *fv.Number
	case KindText:
		if fv.Text == nil || strings.TrimSpace(*fv.Text) == "" {
			return mismatch()
		}
		v.Text = *fv.Text
	case KindList:
		if fv.List == nil || len(*fv.List) == 0 {
			return mismatch()
		}
		for _, s := range *fv.List {
			if strings.TrimSpace(s) == "" {
				return v, "列表含空项", "list has an empty item"
			}
		}
		v.List = append([]string(nil), (*fv.List)...)
	default:
		return v, "未知类型 " + string(fv.Kind), "unknown kind " + string(fv.Kind)
	}
	return v, "", ""
}

// merge lays an override file o over the embedded raw r, key by key.
func merge(r, o *raw) {
	r.file = o.file
	if o.parent != "" {
		r.parent = o.parent
	}
	if o.juris != "" {
		r.juris = o.juris
	}
	if o.tzh != "" {
		r.tzh = o.tzh
	}
	if o.ten != "" {
		r.ten = o.ten
	}
	for _, m := range o.meas {
		replaced := false
		for i := range r.meas {
			if r.meas[i].Code == m.Code {
				r.meas[i], replaced = m, true
			}
		}
		if !replaced {
			r.meas = append(r.meas, m)
		}
	}
	for _, k := range o.order {
		if _, ok := r.values[k]; !ok {
			r.order = append(r.order, k)
		}
		r.values[k] = o.values[k]
	}
}

// Embedded returns the embedded profiles.
func Embedded() (*Set, error) { return load(nil, "") }

// Load returns the embedded profiles, then applies every *.json file in
// overrideDir (if non-empty). A file named like an embedded profile
// overrides its values key by key (and may add values and measures); a new
// name adds a profile, which must name a parent or a jurisdiction. Files are
// validated strictly; errors are *apperr.Error naming file and key.
func Load(overrideDir string) (*Set, error) {
	if overrideDir == "" {
		return Embedded()
	}
	st, err := os.Stat(overrideDir)
	if err != nil || !st.IsDir() {
		return nil, &apperr.Error{Kind: apperr.Invalid, Code: "rules.dir", Field: "rules_dir",
			ZH: "规则覆盖目录不可用：" + overrideDir, EN: "rule override directory not usable: " + overrideDir, Err: err}
	}
	return load(os.DirFS(overrideDir), overrideDir)
}

// load builds a set from the embedded files and the override file system.
func load(over fs.FS, dir string) (*Set, error) {
	raws := map[string]*raw{}
	emb, err := fs.Glob(embedded, "profiles/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range emb {
		data, err := embedded.ReadFile(f)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(path.Base(f), ".json")
		r, err := parseFile(path.Base(f)+" (embedded)", name, data)
		if err != nil {
			return nil, err
		}
		raws[name] = r
	}
	sources := map[string]string{}
	if over != nil {
		files, err := fs.Glob(over, "*.json")
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			name := strings.TrimSuffix(f, ".json")
			file := f
			if dir != "" {
				file = path.Join(dir, f)
			}
			if !reName.MatchString(name) {
				return nil, invalid(file, "name", "文件名须为小写配置名", "file name must be a lower-case profile name")
			}
			data, err := fs.ReadFile(over, f)
			if err != nil {
				return nil, invalid(file, "", "无法读取："+err.Error(), "cannot read: "+err.Error())
			}
			o, err := parseFile(file, name, data)
			if err != nil {
				return nil, err
			}
			if r, ok := raws[name]; ok {
				merge(r, o)
			} else {
				if o.parent == "" && o.juris == "" {
					return nil, invalid(file, "parent", "新配置须指明 parent 或 jurisdiction", "a new profile must name a parent or a jurisdiction")
				}
				raws[name] = o
			}
			for _, k := range o.order {
				sources[name+"\x00"+k] = file
			}
		}
	}
	return build(raws, sources)
}

// build resolves inheritance and validates the whole set.
func build(raws map[string]*raw, sources map[string]string) (*Set, error) {
	names := make([]string, 0, len(raws))
	for n := range raws {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := raws[n]
		seen := map[string]bool{n: true}
		for p := r.parent; p != ""; p = raws[p].parent {
			if _, ok := raws[p]; !ok {
				return nil, invalid(r.file, "parent", "上级配置 "+p+" 不存在", "parent profile "+p+" does not exist")
			}
			if seen[p] {
				return nil, invalid(r.file, "parent", "继承关系成环（"+p+"）", "inheritance cycle through "+p)
			}
			seen[p] = true
		}
	}
	s := &Set{profiles: map[string]*Profile{}}
	juris := map[string]string{}
	var resolve func(n string) *Profile
	resolve = func(n string) *Profile {
		if p, ok := s.profiles[n]; ok {
			return p
		}
		r := raws[n]
		p := &Profile{Name: n, Parent: r.parent, Jurisdiction: r.juris, TitleZH: r.tzh, TitleEN: r.ten, values: map[string]Value{}}
		if r.parent != "" {
			pp := resolve(r.parent)
			if p.Jurisdiction == "" {
				p.Jurisdiction = pp.Jurisdiction
			}
			p.Measures = append(p.Measures, pp.Measures...)
			for k, v := range pp.values {
				p.values[k] = v
			}
		}
		for _, m := range r.meas {
			replaced := false
			for i := range p.Measures {
				if p.Measures[i].Code == m.Code {
					p.Measures[i], replaced = m, true
				}
			}
			if !replaced {
				p.Measures = append(p.Measures, m)
			}
		}
		for _, k := range r.order {
			v := r.values[k]
			v.Source = "embedded"
			if src, ok := sources[n+"\x00"+k]; ok {
				v.Source = src
			}
			p.values[k] = v
		}
		s.profiles[n] = p
		return p
	}
	for _, n := range names {
		p := resolve(n)
		r := raws[n]
		if p.Jurisdiction != "" && raws[n].juris != "" {
			if other, dup := juris[p.Jurisdiction]; dup {
				return nil, invalid(r.file, "jurisdiction", "行政区划代码与配置 "+other+" 重复", "jurisdiction already used by profile "+other)
			}
			juris[p.Jurisdiction] = n
		}
		// Every citation must name a measure the profile draws on, and an
		// article the measure has; a value keeps its kind across levels.
		for _, k := range r.order {
			v := p.values[k]
			cs, _ := parseBasis(v.Basis)
			for _, c := range cs {
				m, ok := p.Measure(c.code)
				if !ok && c.article == 0 {
					continue // a named national standard need not be listed
				}
				if !ok {
					return nil, invalid(r.file, k, "依据引用了未列出的措施 "+c.code, "basis cites measure "+c.code+" not listed in the profile")
				}
				if m.Articles > 0 && c.article > m.Articles {
					return nil, invalid(r.file, k, fmt.Sprintf("%s 只有%d条", c.code, m.Articles), fmt.Sprintf("%s has only %d articles", c.code, m.Articles))
				}
			}
			if r.parent != "" {
				if pv, ok := s.profiles[r.parent].values[k]; ok && pv.Kind != v.Kind {
					return nil, invalid(r.file, k, "覆盖值类型与上级不同", fmt.Sprintf("overrides a %s with a %s", pv.Kind, v.Kind))
				}
			}
		}
	}
	return s, nil
}

func sortStrings(s []string) { sort.Strings(s) }
