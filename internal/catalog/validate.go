package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/rules"
)

var (
	reClassCode    = regexp.MustCompile(`^[1-3][0-9]{2,12}$`)
	reResourceCode = regexp.MustCompile(`^[1-3][0-9]{2,12}/[0-9]{6}$`)
)

// Limits on sizes, so that one entry cannot swamp the store or a page.
const (
	maxItems    = 500
	maxKeywords = 30
	maxText     = 4000
)

// problems collects the errors of one validation, each naming its field.
type problems struct{ list apperr.List }

func (p *problems) add(code, field, zh, en string) {
	p.list = append(p.list, apperr.Invalidf(code, field, zh, en))
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return p.list
}

// Grades is the grading scheme of a profile: levels from most to least
// sensitive, and the most sensitive grade each sharing type and open
// attribute admits (GD-290 §9; GB/T 43697-2024).
type Grades struct {
	Levels []string
	Labels []string
	limits map[string]string // "share.unconditional" → grade
	basis  map[string]string
}

// GradesOf reads the grading scheme from a profile.
func GradesOf(p *rules.Profile) (Grades, error) {
	levels, err := p.List("grade.levels")
	if err != nil {
		return Grades{}, err
	}
	g := Grades{Levels: levels, limits: map[string]string{}, basis: map[string]string{}}
	g.Labels, _ = p.List("grade.labels_zh")
	for _, k := range []string{"share.unconditional", "share.conditional", "open.unconditional", "open.conditional"} {
		v, ok := p.Get("grade." + k + "_max")
		if !ok {
			continue
		}
		if !slices.Contains(levels, v.Text) {
			return Grades{}, fmt.Errorf("profile %s: grade.%s_max %q is not a level", p.Name, k, v.Text)
		}
		g.limits[k], g.basis[k] = v.Text, v.Basis
	}
	return g, nil
}

// rank is a grade's place: 0 is the most sensitive; -1 unknown.
func (g Grades) rank(grade string) int { return slices.Index(g.Levels, grade) }

// Label returns a grade's display name.
func (g Grades) Label(grade string) string {
	if i := g.rank(grade); i >= 0 && i < len(g.Labels) {
		return g.Labels[i]
	}
	return grade
}

// Max returns the most sensitive of the items' grades.
func (g Grades) Max(items []Item) string {
	best := -1
	for _, it := range items {
		if r := g.rank(it.Grade); r >= 0 && (best < 0 || r < best) {
			best = r
		}
	}
	if best < 0 {
		return ""
	}
	return g.Levels[best]
}

// Validate checks an entry's metadata against the rules of the profile of
// its jurisdiction. A draft (strict false) needs only a name and
// well-formed values; a submission (strict true) needs everything GD-290
// §10 lists and obeys §12–13 and the grading limits. Every problem is
// returned at once, each naming its field (items[3].grade).
func Validate(m *Metadata, p *rules.Profile, strict bool) error {
	var ps problems
	g, err := GradesOf(p)
	if err != nil {
		return err
	}
	text := func(field, v string, max int, required bool, zh, en string) {
		switch {
		case v == "" && required:
			ps.add("catalog.required", field, zh+"必填", en+" is required")
		case utf8.RuneCountInString(v) > max:
			ps.add("catalog.too_long", field, fmt.Sprintf("%s不超过%d个字", zh, max), fmt.Sprintf("%s is at most %d characters", en, max))
		}
	}
	text("name", m.Name, 200, true, "资源名称", "the name")
	text("summary", m.Summary, 2000, strict, "资源摘要", "the summary")
	for _, f := range []struct{ field, v, zh, en string }{
		{"format", m.Format, "数据格式", "the format"}, {"share_conditions", m.ShareConditions, "共享条件", "the sharing conditions"},
		{"share_basis", m.ShareBasis, "共享依据", "the sharing basis"}, {"share_scope", m.ShareScope, "共享范围", "the sharing scope"},
		{"open_conditions", m.OpenConditions, "开放条件", "the open conditions"}, {"collecting_agency", m.CollectingAgency, "采集部门", "the collecting department"},
		{"verifying_agency", m.VerifyingAgency, "核准部门", "the verifying department"}, {"providing_agency", m.ProvidingAgency, "提供部门", "the providing department"},
		{"source_system", m.SourceSystem, "来源信息系统", "the source system"}, {"legal_basis", m.LegalBasis, "法律法规依据", "the legal basis"},
	} {
		text(f.field, f.v, maxText, false, f.zh, f.en)
	}
	if m.ClassCode == "" {
		if strict {
			ps.add("catalog.required", "class_code", "资源分类（前段码）必填", "the classification code is required")
		}
	} else if !reClassCode.MatchString(m.ClassCode) {
		ps.add("catalog.class_code", "class_code", "资源分类代码须为3–13位数字，首位为1（基础）、2（主题）或3（部门）", "the classification code is 3–13 digits starting with 1 (base), 2 (theme) or 3 (department)")
	}
	enum := func(field, v string, allowed []string, required bool, zh, en string) {
		if v == "" {
			if required {
				ps.add("catalog.required", field, zh+"必填", en+" is required")
			}
			return
		}
		if !slices.Contains(allowed, v) {
			ps.add("catalog.enum", field, zh+"取值无效（可选："+strings.Join(allowed, "、")+"）", en+" is not valid (one of: "+strings.Join(allowed, ", ")+")")
		}
	}
	openRequired, _ := p.Switch("catalog.open_attr_required")
	enum("data_form", string(m.DataForm), strs(dataForms), strict, "数据形式", "the data form")
	enum("share_type", string(m.ShareType), strs(shareTypes), strict, "共享类型", "the sharing type")                // GD-290 §12
	enum("open_attr", string(m.OpenAttr), strs(openAttrs), strict && openRequired, "开放属性", "the open attribute") // HZ §13
	enum("update_freq", string(m.UpdateFreq), strs(updateFreqs), strict, "更新频率", "the update frequency")
	for i, mode := range m.ShareModes {
		enum(fmt.Sprintf("share_modes[%d]", i), string(mode), strs(shareModes), true, "共享方式", "the sharing mode")
	}
	if strict && m.ShareType != ShareNone && m.ShareType != "" && len(m.ShareModes) == 0 {
		ps.add("catalog.required", "share_modes", "共享方式必填", "the sharing modes are required")
	}
	if len(m.Keywords) > maxKeywords {
		ps.add("catalog.too_many", "keywords", fmt.Sprintf("关键字不超过%d个", maxKeywords), fmt.Sprintf("at most %d keywords", maxKeywords))
	}
	for i, k := range m.Keywords {
		text(fmt.Sprintf("keywords[%d]", i), k, 30, false, "关键字", "a keyword")
	}
	for i, c := range m.RelatedCodes {
		if !reResourceCode.MatchString(c) {
			ps.add("catalog.resource_code", fmt.Sprintf("related_codes[%d]", i), "关联资源代码格式应为“前段码/六位后段码”", "a related code looks like CLASSCODE/NNNNNN")
		}
	}
	if strict {
		for _, f := range []struct{ field, v, zh, en string }{
			{"collecting_agency", m.CollectingAgency, "采集部门", "the collecting department"},
			{"verifying_agency", m.VerifyingAgency, "核准部门", "the verifying department"},
			{"providing_agency", m.ProvidingAgency, "提供部门", "the providing department"},
			{"share_scope", m.ShareScope, "共享范围", "the sharing scope"},
		} {
			if f.v == "" && !(f.field == "share_scope" && m.ShareType == ShareNone) {
				ps.add("catalog.required", f.field, f.zh+"必填（GD-290 §10）", f.en+" is required (GD-290 §10)")
			}
		}
		// GD-290 §13, MZ §10, HZ §14.
		switch m.ShareType {
		case ShareConditional:
			if m.ShareBasis == "" {
				ps.add("catalog.conditional_basis", "share_basis", "有条件共享须明确相关依据（GD-290 §13）", "conditional sharing must state its basis (GD-290 §13)")
			}
			if m.ShareConditions == "" {
				ps.add("catalog.conditional_conditions", "share_conditions", "有条件共享须明确共享条件（GD-290 §13）", "conditional sharing must state its conditions (GD-290 §13)")
			}
		case ShareNone:
			if m.ShareBasis == "" {
				ps.add("catalog.not_shared_basis", "share_basis", "不予共享须提供法律法规依据或国家相关规定（GD-290 §13）", "not shared must cite a law, regulation or national rule (GD-290 §13)")
			}
		}
		if m.OpenAttr == OpenConditional && m.OpenConditions == "" {
			ps.add("catalog.open_conditions", "open_conditions", "有条件开放须明确开放条件", "conditional opening must state its conditions")
		}
		if m.DataForm.Structured() && len(m.Items) == 0 {
			ps.add("catalog.items_required", "items", "结构化数据须列明信息项", "structured data needs its data items")
		}
	}
	if len(m.Items) > maxItems {
		ps.add("catalog.too_many", "items", fmt.Sprintf("信息项不超过%d个", maxItems), fmt.Sprintf("at most %d items", maxItems))
	}
	names := map[string]int{}
	for i, it := range m.Items {
		f := fmt.Sprintf("items[%d]", i)
		text(f+".name", it.Name, 100, true, "信息项名称", "the item name")
		if j, dup := names[it.Name]; dup && it.Name != "" {
			ps.add("catalog.item_duplicate", f+".name", fmt.Sprintf("信息项名称与第%d项重复", j+1), fmt.Sprintf("the item name repeats item %d", j+1))
		}
		names[it.Name] = i
		enum(f+".type", string(it.Type), strs(itemTypes), true, "数据类型", "the data type")
		if it.Length < 0 || it.Length > maxLength {
			ps.add("catalog.item_length", f+".length", "长度须在0到100000之间", "the length must be from 0 to 100000")
		}
		if it.Type == TypeChar && it.Length == 0 && strict {
			ps.add("catalog.item_length", f+".length", "字符型信息项须注明长度", "a character item needs its length")
		}
		text(f+".description", it.Description, 500, false, "描述", "the description")
		enum(f+".grade", it.Grade, g.Levels, true, "分级", "the grade")
		text(f+".personal_kind", it.PersonalKind, 50, false, "个人信息类别", "the kind of personal information")
		text(f+".element", it.Element, 100, false, "数据元", "the data element")
		if it.Key {
			enum(f+".key_kind", string(it.KeyKind), strs(keyKinds), true, "主键类别", "the key kind")
			if (it.KeyKind == KeyResidentID || it.KeyKind == KeyCreditCode) && (it.Type != TypeChar || it.Length != 18) {
				ps.add("catalog.key_shape", f+".type", "身份证号、统一社会信用代码须为18位字符型", "a resident ID number or credit code is a character item of length 18")
			}
		}
		validateValues(&ps, f, it)
		// Grading limits the sharing type and open attribute (GD-290 §9):
		// the profile names the most sensitive grade each admits.
		if r := g.rank(it.Grade); r >= 0 {
			check := func(limitKey, zhWhat, enWhat string) {
				max, ok := g.limits[limitKey]
				if ok && r < g.rank(max) {
					ps.add("catalog.grade_over_limit", f+".grade",
						fmt.Sprintf("“%s”为%s，高于%s所允许的最高级别%s（%s）", it.Name, g.Label(it.Grade), zhWhat, g.Label(max), g.basis[limitKey]),
						fmt.Sprintf("%q is graded %s, above the most sensitive grade %s allows, %s (%s)", it.Name, it.Grade, enWhat, max, g.basis[limitKey]))
				}
			}
			switch m.ShareType {
			case ShareUnconditional:
				check("share.unconditional", "无条件共享", "unconditional sharing")
			case ShareConditional:
				check("share.conditional", "有条件共享", "conditional sharing")
			}
			switch m.OpenAttr {
			case OpenUnconditional:
				check("open.unconditional", "无条件开放", "unconditional opening")
			case OpenConditional:
				check("open.conditional", "有条件开放", "conditional opening")
			}
		}
	}
	return ps.err()
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
