package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/rules"
	"pubdata/internal/store"
)

// The sheets of the catalog workbook: one row per entry in SheetEntries,
// one row per data item in SheetItems (linked to its entry by the entry
// number 条目编号, or by the resource name), and the explanation of every
// column and its allowed values in SheetHelp.
const (
	SheetEntries = "目录"
	SheetItems   = "信息项"
	SheetHelp    = "说明"
)

// Limits of an imported workbook (issue 3, item 6).
const (
	MaxImportBytes   = 20 << 20 // the .xlsx file
	MaxImportEntries = 5000     // rows of SheetEntries
	MaxImportItems   = 100000   // rows of SheetItems
	// maxImportErrors bounds the errors reported for one file, so that a
	// file wrong in every row does not produce a problem document of
	// megabytes; the last error says that more were left out.
	maxImportErrors = 1000
	// maxUnzipped bounds the decompressed size of a workbook (zip bombs).
	maxUnzipped = 512 << 20
	// dvEntryRows and dvItemRows are how far down the drop-down lists reach.
	dvEntryRows = MaxImportEntries + 1
	dvItemRows  = MaxImportItems + 1
)

// choice is one allowed value of an enumerated column.
type choice struct{ code, zh, en string }

// xcol is a column of the workbook. key is the JSON name of the Metadata or
// Item field it holds (so that Validate's field names map to columns).
type xcol struct {
	key            string
	zh, en         string
	noteZH, noteEN string
	required       bool // a draft import needs it
	exportOnly     bool // written on export, ignored on import
	text           bool // formatted as text, so that Excel keeps codes as typed
	multi          bool // several values separated by 、 or ;
	width          float64
	choices        func(g Grades) []choice
}

func enumChoices[T ~string](vs []T, ctx string) func(Grades) []choice {
	return func(Grades) []choice {
		out := make([]choice, len(vs))
		for i, v := range vs {
			out[i] = choice{string(v), Label(string(v), ctx, "zh"), Label(string(v), ctx, "en")}
		}
		return out
	}
}

func boolChoices(Grades) []choice {
	return []choice{{"true", "是", "yes"}, {"false", "否", "no"}}
}

func gradeChoices(g Grades) []choice {
	out := make([]choice, len(g.Levels))
	for i, l := range g.Levels {
		out[i] = choice{l, g.Label(l), l}
	}
	return out
}

var entryCols = []*xcol{
	{key: "entry_key", zh: "条目编号", en: "Entry No.", text: true, width: 10,
		noteZH: "本表内唯一的编号（如1、2、3），信息项表用它关联条目；可留空，留空时信息项按资源名称关联",
		noteEN: "a number unique within this sheet (1, 2, 3…) that item rows use to link to the entry; if empty, items link by the resource name"},
	{key: "name", zh: "资源名称", en: "Name", required: true, width: 30, noteZH: "必填，不超过200字", noteEN: "required, at most 200 characters"},
	{key: "class_code", zh: "资源分类代码（前段码）", en: "Classification code", required: true, text: true, width: 18,
		noteZH: "必填，3–13位数字，首位1基础、2主题、3部门，其后为项、目、细目；资源代码由平台按此生成",
		noteEN: "required: 3–13 digits, first 1 base, 2 theme or 3 department, then 项, 目, 细目; the platform assigns the resource code from it"},
	{key: "summary", zh: "资源摘要", en: "Summary", width: 40, noteZH: "提交审核时必填，不超过2000字", noteEN: "required for submission, at most 2000 characters"},
	{key: "data_form", zh: "数据形式", en: "Data form", width: 12, choices: enumChoices(dataForms, ""), noteZH: "提交审核时必填", noteEN: "required for submission"},
	{key: "format", zh: "数据格式", en: "Format", width: 12, noteZH: "如ORACLE、XLSX、PDF", noteEN: "e.g. ORACLE, XLSX, PDF"},
	{key: "share_type", zh: "共享类型", en: "Sharing type", width: 12, choices: enumChoices(shareTypes, "share"),
		noteZH: "提交审核时必填（GD-290 §12）", noteEN: "required for submission (GD-290 §12)"},
	{key: "share_conditions", zh: "共享条件", en: "Sharing conditions", width: 24, noteZH: "有条件共享时必填（GD-290 §13）", noteEN: "required for conditional sharing (GD-290 §13)"},
	{key: "share_basis", zh: "共享依据", en: "Sharing basis", width: 24,
		noteZH: "有条件共享须写明依据；不予共享须写明法律、法规或国家相关规定（GD-290 §13）",
		noteEN: "conditional sharing states its basis; not shared cites a law, regulation or national rule (GD-290 §13)"},
	{key: "share_scope", zh: "共享范围", en: "Sharing scope", width: 14, noteZH: "提交审核时必填（不予共享除外）", noteEN: "required for submission unless not shared"},
	{key: "share_modes", zh: "共享方式", en: "Sharing modes", width: 16, multi: true, choices: enumChoices(shareModes, "mode"),
		noteZH: "可填多个，用“、”或“;”分隔", noteEN: "several allowed, separated by 、 or ;"},
	{key: "open_attr", zh: "开放属性", en: "Open attribute", width: 12, choices: enumChoices(openAttrs, "open"), noteZH: "提交审核时必填（HZ §13）", noteEN: "required for submission (HZ §13)"},
	{key: "open_conditions", zh: "开放条件", en: "Open conditions", width: 20, noteZH: "有条件开放时必填", noteEN: "required for conditional opening"},
	{key: "update_freq", zh: "更新频率", en: "Update frequency", width: 10, choices: enumChoices(updateFreqs, ""), noteZH: "提交审核时必填", noteEN: "required for submission"},
	{key: "collecting_agency", zh: "采集部门", en: "Collecting department", width: 16, noteZH: "提交审核时必填", noteEN: "required for submission"},
	{key: "verifying_agency", zh: "核准部门", en: "Verifying department", width: 16, noteZH: "提交审核时必填", noteEN: "required for submission"},
	{key: "providing_agency", zh: "提供部门", en: "Providing department", width: 16, noteZH: "提交审核时必填", noteEN: "required for submission"},
	{key: "source_system", zh: "来源信息系统", en: "Source system", width: 18},
	{key: "related_codes", zh: "关联资源代码", en: "Related codes", text: true, multi: true, width: 22,
		noteZH: "格式“前段码/六位后段码”，多个用“、”或“;”分隔", noteEN: "CLASSCODE/NNNNNN, several separated by 、 or ;"},
	{key: "keywords", zh: "关键字", en: "Keywords", multi: true, width: 18, noteZH: "多个用“、”或“;”分隔，不超过30个", noteEN: "several separated by 、 or ;, at most 30"},
	{key: "legal_basis", zh: "法律法规依据", en: "Legal basis", width: 24, noteZH: "数据所服务职责的法律法规依据", noteEN: "the law behind the duty the data serves"},
	{key: "resource_code", zh: "资源代码", en: "Resource code", exportOnly: true, text: true, width: 22,
		noteZH: "仅导出：平台生成的资源代码；导入时忽略", noteEN: "export only: the resource code; ignored on import"},
	{key: "agency_name", zh: "所属机构", en: "Agency", exportOnly: true, width: 20, noteZH: "仅导出；导入时忽略", noteEN: "export only; ignored on import"},
	{key: "status", zh: "状态", en: "Status", exportOnly: true, width: 10, noteZH: "仅导出；导入时忽略", noteEN: "export only; ignored on import"},
	{key: "version", zh: "版本", en: "Version", exportOnly: true, width: 8, noteZH: "仅导出：所示元数据的版本号；导入时忽略", noteEN: "export only: the version shown; ignored on import"},
}

var itemCols = []*xcol{
	{key: "entry_key", zh: "条目编号", en: "Entry No.", text: true, width: 10,
		noteZH: "所属条目在“目录”表的条目编号；留空时按资源名称关联", noteEN: "the entry's number in sheet 目录; if empty, the item links by resource name"},
	{key: "entry_name", zh: "资源名称", en: "Entry name", width: 26, noteZH: "所属条目的资源名称（未填条目编号时用于关联）", noteEN: "the entry's name (links the item when the entry number is empty)"},
	{key: "name", zh: "信息项名称", en: "Item name", required: true, width: 20, noteZH: "必填，同一条目内不重复，不超过100字", noteEN: "required, unique within the entry, at most 100 characters"},
	{key: "type", zh: "数据类型", en: "Data type", required: true, width: 10, choices: enumChoices(itemTypes, ""), noteZH: "必填", noteEN: "required"},
	{key: "length", zh: "长度", en: "Length", width: 8, noteZH: "0–100000的整数；字符型提交时必填", noteEN: "a whole number 0–100000; required for character items on submission"},
	{key: "description", zh: "描述", en: "Description", width: 30, noteZH: "不超过500字", noteEN: "at most 500 characters"},
	{key: "grade", zh: "分级", en: "Grade", required: true, width: 14, choices: gradeChoices,
		noteZH: "必填，按本级规则配置的分级（GD-290 §9，GB/T 43697-2024）", noteEN: "required, a grade of the jurisdiction's profile (GD-290 §9, GB/T 43697-2024)"},
	{key: "personal", zh: "是否个人信息", en: "Personal information", width: 10, choices: boolChoices, noteZH: "是/否", noteEN: "yes/no"},
	{key: "personal_kind", zh: "个人信息类别", en: "Kind of personal information", width: 14, noteZH: "如身份信息、联系方式、生物识别", noteEN: "e.g. identity, contact, biometric"},
	{key: "key", zh: "是否主键", en: "Key", width: 8, choices: boolChoices, noteZH: "是/否", noteEN: "yes/no"},
	{key: "key_kind", zh: "主键类别", en: "Key kind", width: 16, choices: enumChoices(keyKinds, ""), noteZH: "主键时必填", noteEN: "required for a key"},
	{key: "element", zh: "数据元", en: "Data element", width: 16, noteZH: "所承载的数据元名称", noteEN: "the data element it carries, by name"},
	{key: "source", zh: "是否法定数源", en: "Legal source", width: 10, choices: boolChoices,
		noteZH: "本部门是否为该数据元的法定数源部门（一数一源，GD-290 §14）", noteEN: "whether the agency is the element's legal source (GD-290 §14)"},
	{key: "required", zh: "是否必填", en: "Required", width: 8, choices: boolChoices, noteZH: "是/否", noteEN: "yes/no"},
	{key: "values", zh: "值域", en: "Allowed values", text: true, multi: true, width: 24,
		noteZH: "允许的取值（枚举），多个用“、”分隔；仅字符型、数值型、整数型；留空为不限",
		noteEN: "the allowed values (an enumeration), separated by 、; character, numeric and integer items only; empty for any"},
	{key: "min", zh: "最小值", en: "Minimum", text: true, width: 14,
		noteZH: "数值型、货币型、整数型、浮点型填数字；日期型填YYYY-MM-DD；日期时间型填YYYY-MM-DD HH:MM:SS；字符型、备注型填最少字数",
		noteEN: "a number for N, Y, I and F items; YYYY-MM-DD for dates; YYYY-MM-DD HH:MM:SS for date-times; the fewest characters for C and M items"},
	{key: "max", zh: "最大值", en: "Maximum", text: true, width: 14,
		noteZH: "写法同最小值，不小于最小值；字符型、备注型为最多字数", noteEN: "written like the minimum, not less than it; the most characters for C and M items"},
	{key: "format", zh: "格式", en: "Format", width: 16, choices: enumChoices(formats, ""),
		noteZH: "取值须符合的标识格式，仅字符型", noteEN: "the identifier format values must follow; character items only"},
}

var statusLabels = map[Status]label{
	StatusDraft: {"草稿", "draft"}, StatusInReview: {"审核中", "in review"}, StatusPublished: {"已发布", "published"}, StatusDelisted: {"已下架", "delisted"},
}

// defaultGrades is the grading of the embedded provincial profile, used to
// label grades in templates and exports, which know no jurisdiction.
var defaultGrades = sync.OnceValue(func() Grades {
	set, err := rules.Embedded()
	if err != nil {
		return Grades{}
	}
	p, err := set.Profile("guangdong")
	if err != nil {
		return Grades{}
	}
	g, _ := GradesOf(p)
	return g
})

// WriteTemplate writes the empty workbook agencies fill in to import a
// catalog: sheet 目录 (one row per entry), sheet 信息项 (one row per data
// item) and sheet 说明 explaining each column and its allowed values in
// Chinese and English. Enumerations take their Chinese labels, offered in
// drop-down lists; the header rows are styled and frozen. lang "en" adds the
// English column names under the Chinese ones; the Chinese names are what an
// import reads. Grades are those of the provincial profile.
func WriteTemplate(w io.Writer, lang string) error {
	return writeWorkbook(w, nil, lang, defaultGrades(), false)
}

// ExportXLSX writes entries with all their data items in the layout of the
// template, followed by the export-only columns (resource code, agency,
// status, version), so that importing the file yields the same Metadata.
func ExportXLSX(w io.Writer, entries []Entry, lang string) error {
	return writeWorkbook(w, entries, lang, defaultGrades(), true)
}

// ExportJSON writes entries as a JSON array, each with its metadata and
// items.
func ExportJSON(w io.Writer, entries []Entry) error {
	if entries == nil {
		entries = []Entry{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(entries)
}

func visibleCols(cols []*xcol, export bool) []*xcol {
	var out []*xcol
	for _, c := range cols {
		if export || !c.exportOnly {
			out = append(out, c)
		}
	}
	return out
}

func header(c *xcol, lang string) string {
	if lang == "en" {
		return c.zh + "\n" + c.en
	}
	return c.zh
}

// enumText is how a value is written: its Chinese label.
func enumText(c *xcol, g Grades, v string) string {
	if v == "" {
		return ""
	}
	for _, ch := range c.choices(g) {
		if ch.code == v {
			return ch.zh
		}
	}
	return v
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func joinList(vs []string) string { return strings.Join(vs, "、") }

func writeWorkbook(w io.Writer, entries []Entry, lang string, g Grades, export bool) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetEntries); err != nil {
		return err
	}
	for _, s := range []string{SheetItems, SheetHelp} {
		if _, err := f.NewSheet(s); err != nil {
			return err
		}
	}
	hdr, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "#FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#2F5597"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "#1F3864", Style: 1}},
	})
	if err != nil {
		return err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	ecols, icols := visibleCols(entryCols, export), visibleCols(itemCols, export)
	if err := layoutSheet(f, SheetEntries, ecols, lang, g, hdr, textStyle, dvEntryRows); err != nil {
		return err
	}
	if err := layoutSheet(f, SheetItems, icols, lang, g, hdr, textStyle, dvItemRows); err != nil {
		return err
	}
	row := 2
	for i := range entries {
		e := &entries[i]
		key := strconv.Itoa(i + 1)
		m := &e.Metadata
		vals := make([]any, len(ecols))
		for j, c := range ecols {
			vals[j] = entryValue(c, g, key, e)
		}
		if err := f.SetSheetRow(SheetEntries, cell(1, i+2), &vals); err != nil {
			return err
		}
		for k := range m.Items {
			vals := make([]any, len(icols))
			for j, c := range icols {
				vals[j] = itemValue(c, g, key, m.Name, &m.Items[k])
			}
			if err := f.SetSheetRow(SheetItems, cell(1, row), &vals); err != nil {
				return err
			}
			row++
		}
	}
	if err := writeHelp(f, ecols, icols, g, hdr); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

func cell(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

func colName(col int) string {
	s, _ := excelize.ColumnNumberToName(col)
	return s
}

// layoutSheet writes the header row, freezes it, sets widths and text
// formats, and adds the drop-down lists of the enumerated columns.
func layoutSheet(f *excelize.File, sheet string, cols []*xcol, lang string, g Grades, hdr, textStyle, dvRows int) error {
	heads := make([]any, len(cols))
	for i, c := range cols {
		heads[i] = header(c, lang)
	}
	if err := f.SetSheetRow(sheet, "A1", &heads); err != nil {
		return err
	}
	last := colName(len(cols))
	if err := f.SetCellStyle(sheet, "A1", last+"1", hdr); err != nil {
		return err
	}
	height := 22.0
	if lang == "en" {
		height = 36
	}
	if err := f.SetRowHeight(sheet, 1, height); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for i, c := range cols {
		n := colName(i + 1)
		if err := f.SetColWidth(sheet, n, n, c.width); err != nil {
			return err
		}
		if c.text {
			if err := f.SetColStyle(sheet, n, textStyle); err != nil {
				return err
			}
			// SetColStyle also styles the header cell; restore it.
			if err := f.SetCellStyle(sheet, n+"1", n+"1", hdr); err != nil {
				return err
			}
		}
		if c.choices == nil || c.exportOnly {
			continue
		}
		chs := c.choices(g)
		if len(chs) == 0 {
			continue
		}
		list := make([]string, len(chs))
		for j, ch := range chs {
			list[j] = ch.zh
		}
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(fmt.Sprintf("%s2:%s%d", n, n, dvRows))
		if err := dv.SetDropList(list); err != nil {
			return err
		}
		dv.SetInput(c.zh, c.noteZH+" / "+c.noteEN)
		if c.multi {
			// Several values may be joined with 、; Excel may not refuse them.
			dv.SetError(excelize.DataValidationErrorStyleInformation, c.zh, "可填多个，用“、”分隔 / several allowed, separated by 、")
		} else {
			dv.SetError(excelize.DataValidationErrorStyleStop, c.zh, "请从下拉列表中选择 / pick a value from the list: "+strings.Join(list, "、"))
		}
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	return f.AutoFilter(sheet, "A1:"+last+"1", nil)
}

func entryValue(c *xcol, g Grades, key string, e *Entry) any {
	m := &e.Metadata
	switch c.key {
	case "entry_key":
		return key
	case "name":
		return m.Name
	case "class_code":
		return m.ClassCode
	case "summary":
		return m.Summary
	case "data_form":
		return enumText(c, g, string(m.DataForm))
	case "format":
		return m.Format
	case "share_type":
		return enumText(c, g, string(m.ShareType))
	case "share_conditions":
		return m.ShareConditions
	case "share_basis":
		return m.ShareBasis
	case "share_scope":
		return m.ShareScope
	case "share_modes":
		var vs []string
		for _, v := range m.ShareModes {
			vs = append(vs, enumText(c, g, string(v)))
		}
		return joinList(vs)
	case "open_attr":
		return enumText(c, g, string(m.OpenAttr))
	case "open_conditions":
		return m.OpenConditions
	case "update_freq":
		return enumText(c, g, string(m.UpdateFreq))
	case "collecting_agency":
		return m.CollectingAgency
	case "verifying_agency":
		return m.VerifyingAgency
	case "providing_agency":
		return m.ProvidingAgency
	case "source_system":
		return m.SourceSystem
	case "related_codes":
		return joinList(m.RelatedCodes)
	case "keywords":
		return joinList(m.Keywords)
	case "legal_basis":
		return m.LegalBasis
	case "resource_code":
		return e.ResourceCode
	case "agency_name":
		return e.AgencyName
	case "status":
		if l, ok := statusLabels[e.Status]; ok {
			return l.zh
		}
		return string(e.Status)
	case "version":
		if e.PublishedVersion > 0 {
			return e.PublishedVersion
		}
		if e.LatestVersion > 0 {
			return e.LatestVersion
		}
		return ""
	}
	return ""
}

func itemValue(c *xcol, g Grades, key, entryName string, it *Item) any {
	switch c.key {
	case "entry_key":
		return key
	case "entry_name":
		return entryName
	case "name":
		return it.Name
	case "type":
		return enumText(c, g, string(it.Type))
	case "length":
		if it.Length == 0 {
			return ""
		}
		return it.Length
	case "description":
		return it.Description
	case "grade":
		return enumText(c, g, it.Grade)
	case "personal":
		return yesNo(it.Personal)
	case "personal_kind":
		return it.PersonalKind
	case "key":
		return yesNo(it.Key)
	case "key_kind":
		return enumText(c, g, string(it.KeyKind))
	case "element":
		return it.Element
	case "source":
		return yesNo(it.Source)
	case "required":
		return yesNo(it.Required)
	case "values":
		return JoinValues(it.Values)
	case "min":
		return it.Min
	case "max":
		return it.Max
	case "format":
		return enumText(c, g, string(it.Format))
	}
	return ""
}

func writeHelp(f *excelize.File, ecols, icols []*xcol, g Grades, hdr int) error {
	intro := [][]any{
		{"公共数据资源目录导入模板 / Public data resource catalog import template"},
		{"1. “目录”表每行一个目录条目；“信息项”表每行一个信息项，用“条目编号”（或资源名称）关联所属条目。/ Sheet 目录 holds one entry per row; sheet 信息项 one data item per row, linked to its entry by 条目编号 (or the resource name)."},
		{"2. 枚举列请从下拉列表选择中文名称，也可填写括号中的代码；是/否列可填 是、否、true、false、1、0、Y、N。/ Pick enumerations from the drop-down (Chinese label) or type the code in brackets; yes/no columns accept 是, 否, true, false, 1, 0, Y, N."},
		{"3. 导入时逐行校验，任何一行有误则整个文件不导入，并列出每个错误的工作表、行和列。/ Every row is checked; if any row is wrong nothing is imported and each error names its sheet, row and column."},
		{fmt.Sprintf("4. 单个文件不超过20MB、%d个条目、%d个信息项；导入的条目为草稿，须另行提交审核。/ At most 20 MB, %d entries and %d items per file; imported entries are drafts, to be submitted for review.", MaxImportEntries, MaxImportItems, MaxImportEntries, MaxImportItems)},
	}
	for i, r := range intro {
		if err := f.SetSheetRow(SheetHelp, cell(1, i+1), &r); err != nil {
			return err
		}
	}
	start := len(intro) + 2
	heads := []any{"工作表 Sheet", "列 Column", "必填 Required", "说明", "Description", "可选值 Allowed values"}
	if err := f.SetSheetRow(SheetHelp, cell(1, start), &heads); err != nil {
		return err
	}
	if err := f.SetCellStyle(SheetHelp, cell(1, start), cell(len(heads), start), hdr); err != nil {
		return err
	}
	row := start + 1
	for _, part := range []struct {
		sheet string
		cols  []*xcol
	}{{SheetEntries, ecols}, {SheetItems, icols}} {
		for _, c := range part.cols {
			req := ""
			if c.required {
				req = "是 yes"
			}
			var allowed []string
			if c.choices != nil {
				for _, ch := range c.choices(g) {
					allowed = append(allowed, fmt.Sprintf("%s（%s，%s）", ch.zh, ch.code, ch.en))
				}
			}
			vals := []any{part.sheet, c.zh + " / " + c.en, req, c.noteZH, c.noteEN, strings.Join(allowed, "；")}
			if err := f.SetSheetRow(SheetHelp, cell(1, row), &vals); err != nil {
				return err
			}
			row++
		}
	}
	for col, wd := range map[string]float64{"A": 10, "B": 28, "C": 10, "D": 50, "E": 50, "F": 60} {
		if err := f.SetColWidth(SheetHelp, col, col, wd); err != nil {
			return err
		}
	}
	return f.SetPanes(SheetHelp, &excelize.Panes{Freeze: true, YSplit: start, TopLeftCell: cell(1, start+1), ActivePane: "bottomLeft"})
}

// xerrs collects the errors of one import, each naming sheet, row and column.
type xerrs struct {
	list    apperr.List
	omitted int
}

func (x *xerrs) add(e *apperr.Error) {
	if len(x.list) >= maxImportErrors {
		x.omitted++
		return
	}
	x.list = append(x.list, e)
}

// at reports an error at a cell: col is the 0-based column index in the
// file, -1 when the file has no such column.
func (x *xerrs) at(sheet string, row, col int, c *xcol, code, zh, en string) {
	x.add(located(sheet, row, col, c.zh, c.en, code, zh, en))
}

func located(sheet string, row, col int, colZH, colEN, code, zh, en string) *apperr.Error {
	ref := sheet + "!"
	if col >= 0 {
		ref += cell(col+1, row)
	} else {
		ref += strconv.Itoa(row)
	}
	return &apperr.Error{Kind: apperr.Invalid, Code: code, Field: ref + " (" + colZH + ")", Row: row,
		ZH: fmt.Sprintf("工作表“%s”第%d行“%s”列：%s", sheet, row, colZH, zh),
		EN: fmt.Sprintf("sheet %s, row %d, column %s (%s): %s", sheet, row, colZH, colEN, en)}
}

func (x *xerrs) err() error {
	if len(x.list) == 0 {
		return nil
	}
	sheetRank := func(f string) int {
		if strings.HasPrefix(f, SheetItems+"!") {
			return 1
		}
		return 0
	}
	sort.SliceStable(x.list, func(i, j int) bool {
		a, b := x.list[i], x.list[j]
		if ra, rb := sheetRank(a.Field), sheetRank(b.Field); ra != rb {
			return ra < rb
		}
		return a.Row < b.Row
	})
	if x.omitted > 0 {
		x.list = append(x.list, apperr.New(apperr.Invalid, "catalog.xlsx_more_errors",
			fmt.Sprintf("另有%d个错误未列出，请先改正以上错误", x.omitted), fmt.Sprintf("%d more errors are not listed; correct the ones above first", x.omitted)))
	}
	return x.list
}

func errXLSXInvalid(zh, en string) *apperr.Error {
	return apperr.Invalidf("catalog.xlsx_invalid", "file", zh, en)
}

// sheetTable is the non-empty rows of a sheet with their Excel row numbers
// and the file's column index of each known column.
type sheetTable struct {
	name string
	idx  map[string]int
	rows [][]string
	nums []int
}

func (t *sheetTable) get(cells []string, key string) (string, int) {
	i, ok := t.idx[key]
	if !ok {
		return "", -1
	}
	if i >= len(cells) {
		return "", i
	}
	return cells[i], i
}

func (t *sheetTable) col(key string) int {
	if i, ok := t.idx[key]; ok {
		return i
	}
	return -1
}

// normHeader is a header cell's column name: its first line, without
// spaces and the required mark.
func normHeader(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "*＊"))
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

func headerKey(cols []*xcol, h string) *xcol {
	h = normHeader(h)
	if h == "" {
		return nil
	}
	for _, c := range cols {
		if h == normHeader(c.zh) || h == normHeader(c.en) || h == c.key {
			return c
		}
	}
	// 资源分类代码 without the bracketed 前段码, and similar.
	for _, c := range cols {
		if base, _, ok := strings.Cut(c.zh, "（"); ok && h == base {
			return c
		}
	}
	return nil
}

// readTable reads a sheet: the header in row 1, then every non-empty row up
// to limit (more is an error).
func readTable(f *excelize.File, sheet string, cols []*xcol, limit int, xe *xerrs) (*sheetTable, error) {
	rs, err := f.Rows(sheet)
	if err != nil {
		return nil, errXLSXInvalid("无法读取工作表“"+sheet+"”", "cannot read sheet "+sheet)
	}
	defer rs.Close()
	t := &sheetTable{name: sheet, idx: map[string]int{}}
	n := 0
	for rs.Next() {
		n++
		cells, err := rs.Columns()
		if err != nil {
			return nil, errXLSXInvalid("工作表“"+sheet+"”格式损坏", "sheet "+sheet+" is damaged")
		}
		if n == 1 {
			for i, h := range cells {
				c := headerKey(cols, h)
				if c == nil || c.exportOnly {
					continue
				}
				if _, dup := t.idx[c.key]; dup {
					xe.at(sheet, 1, i, c, "catalog.xlsx_header", "列名重复", "the column appears twice")
					continue
				}
				t.idx[c.key] = i
			}
			continue
		}
		empty := true
		for i := range cells {
			if cells[i] = strings.TrimRight(cells[i], " \t\r\n"); strings.TrimSpace(cells[i]) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		if len(t.rows) >= limit {
			return nil, apperr.New(apperr.TooLarge, "catalog.xlsx_too_many",
				fmt.Sprintf("工作表“%s”超过%d行，请分批导入", sheet, limit), fmt.Sprintf("sheet %s has more than %d rows; import it in parts", sheet, limit))
		}
		t.rows = append(t.rows, cells)
		t.nums = append(t.nums, n)
	}
	if rs.Error() != nil {
		return nil, errXLSXInvalid("工作表“"+sheet+"”格式损坏", "sheet "+sheet+" is damaged")
	}
	if n == 0 {
		return t, nil
	}
	for _, c := range cols {
		if _, ok := t.idx[c.key]; c.required && !ok {
			xe.add(located(sheet, 1, -1, c.zh, c.en, "catalog.xlsx_header", "缺少此列（请使用平台提供的模板）", "the column is missing (use the platform's template)"))
		}
	}
	return t, nil
}

// parseChoice reads an enumerated value: its code, Chinese label or
// English label.
func parseChoice(chs []choice, s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, ch := range chs {
		if strings.EqualFold(s, ch.code) {
			return ch.code, true
		}
	}
	for _, ch := range chs {
		if s == ch.zh {
			return ch.code, true
		}
	}
	for _, ch := range chs {
		if strings.EqualFold(s, ch.en) {
			return ch.code, true
		}
	}
	return "", false
}

// excelDate reads a bound of a date or date-time item that Excel stored as
// a serial number (a date typed into a cell not formatted as text) as the
// date or date-time it shows; anything else is returned as it is.
func excelDate(t ItemType, s string) string {
	if t != TypeDate && t != TypeDateTime {
		return s
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 1 || f > 2958465 { // 1900-01-01 to 9999-12-31
		return s
	}
	at, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return s
	}
	if t == TypeDate {
		return at.Format(time.DateOnly)
	}
	return at.Round(time.Second).Format(time.DateTime)
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == ';' || r == '；' || r == ',' || r == '，' || r == '\n'
	})
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "否", "false", "0", "n", "no", "f":
		return false, true
	case "是", "true", "1", "y", "yes", "t":
		return true, true
	}
	return false, false
}

func parseLength(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	// A number cell may come back as 18.0 or 1.8E1.
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) && f >= -1e9 && f <= 1e9 {
		return int(f), true
	}
	return 0, false
}

func allowedText(chs []choice) (string, string) {
	zh, en := make([]string, len(chs)), make([]string, len(chs))
	for i, ch := range chs {
		zh[i], en[i] = ch.zh, ch.en+" ("+ch.code+")"
	}
	return strings.Join(zh, "、"), strings.Join(en, ", ")
}

// importRow ties a parsed entry to its rows, to locate Validate's errors.
type importRow struct {
	m        Metadata
	row      int
	key      string
	itemRows []int
}

// ParseXLSX reads a catalog workbook in the layout of WriteTemplate and
// validates every row: the structure and headers, enumerations (Chinese
// labels or codes), yes/no values (是/否/true/false/1/0/Y/N), numbers, the
// link of each item row to its entry, and then each entry with
// Validate(m, prof, false). It returns the entries in sheet order, or every
// error at once as an apperr.List, each naming the sheet, the 1-based Excel
// row (Error.Row) and the column (Field like "目录!G3 (共享类型)"). A file
// that is not an .xlsx workbook is refused with catalog.xlsx_invalid; one
// over MaxImportBytes, MaxImportEntries or MaxImportItems is TooLarge.
func ParseXLSX(r io.Reader, prof *rules.Profile) (out []Metadata, err error) {
	g, err := GradesOf(prof)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, apperr.New(apperr.TooLarge, "catalog.xlsx_too_large", "文件超过20MB，请分批导入", "the file is larger than 20 MB; import it in parts")
	}
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
		return nil, errXLSXInvalid("文件是旧版Excel（.xls）或已加密，请另存为未加密的.xlsx后导入", "the file is an old Excel (.xls) or encrypted workbook; save it as an unencrypted .xlsx")
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, errXLSXInvalid("文件不是Excel工作簿（.xlsx），请使用平台提供的模板", "the file is not an Excel workbook (.xlsx); use the platform's template")
	}
	// excelize parses untrusted input; a fault in it must not take the
	// server down, so it becomes the refusal of the file.
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, errXLSXInvalid("文件格式损坏，无法读取", "the workbook is damaged and cannot be read")
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped})
	if err != nil {
		return nil, errXLSXInvalid("文件不是有效的Excel工作簿（.xlsx）或已损坏", "the file is not a valid Excel workbook (.xlsx) or is damaged")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if !slices.Contains(sheets, SheetEntries) {
		return nil, apperr.Invalidf("catalog.xlsx_sheet_missing", SheetEntries, "工作簿缺少“目录”工作表，请使用平台提供的模板", "the workbook has no sheet 目录; use the platform's template")
	}
	var xe xerrs
	et, err := readTable(f, SheetEntries, entryCols, MaxImportEntries, &xe)
	if err != nil {
		return nil, err
	}
	it := &sheetTable{name: SheetItems, idx: map[string]int{}}
	if slices.Contains(sheets, SheetItems) {
		if it, err = readTable(f, SheetItems, itemCols, MaxImportItems, &xe); err != nil {
			return nil, err
		}
	}
	if len(xe.list) > 0 {
		return nil, xe.err() // the headers are wrong: the rows cannot be read
	}
	if len(et.rows) == 0 {
		return nil, apperr.Invalidf("catalog.xlsx_empty", SheetEntries, "“目录”工作表没有任何条目", "sheet 目录 has no entries")
	}
	colOf := func(cols []*xcol, key string) *xcol {
		for _, c := range cols {
			if c.key == key {
				return c
			}
		}
		return nil
	}
	entries := make([]*importRow, 0, len(et.rows))
	byKey := map[string]*importRow{}
	byName := map[string][]*importRow{}
	for i, cells := range et.rows {
		rowN := et.nums[i]
		ir := &importRow{row: rowN}
		m := &ir.m
		for _, c := range entryCols {
			if c.exportOnly {
				continue
			}
			v, ci := et.get(cells, c.key)
			if ci < 0 {
				continue
			}
			if c.choices != nil {
				chs := c.choices(g)
				parse := func(s string) (string, bool) {
					code, ok := parseChoice(chs, s)
					if !ok {
						zh, en := allowedText(chs)
						xe.at(SheetEntries, rowN, ci, c, "catalog.enum", fmt.Sprintf("“%s”不是有效的%s（可选：%s）", strings.TrimSpace(s), c.zh, zh),
							fmt.Sprintf("%q is not a valid %s (one of: %s)", strings.TrimSpace(s), strings.ToLower(c.en), en))
					}
					return code, ok
				}
				if c.multi {
					for _, part := range splitList(v) {
						if code, ok := parse(part); ok && !slices.Contains(m.ShareModes, ShareMode(code)) {
							m.ShareModes = append(m.ShareModes, ShareMode(code))
						}
					}
					continue
				}
				if strings.TrimSpace(v) == "" {
					continue
				}
				code, _ := parse(v)
				switch c.key {
				case "data_form":
					m.DataForm = DataForm(code)
				case "share_type":
					m.ShareType = ShareType(code)
				case "open_attr":
					m.OpenAttr = OpenAttr(code)
				case "update_freq":
					m.UpdateFreq = UpdateFreq(code)
				}
				continue
			}
			switch c.key {
			case "entry_key":
				ir.key = strings.TrimSpace(v)
			case "name":
				m.Name = v
			case "class_code":
				m.ClassCode = strings.TrimSpace(v)
			case "summary":
				m.Summary = v
			case "format":
				m.Format = v
			case "share_conditions":
				m.ShareConditions = v
			case "share_basis":
				m.ShareBasis = v
			case "share_scope":
				m.ShareScope = v
			case "open_conditions":
				m.OpenConditions = v
			case "collecting_agency":
				m.CollectingAgency = v
			case "verifying_agency":
				m.VerifyingAgency = v
			case "providing_agency":
				m.ProvidingAgency = v
			case "source_system":
				m.SourceSystem = v
			case "related_codes":
				m.RelatedCodes = splitList(v)
			case "keywords":
				m.Keywords = splitList(v)
			case "legal_basis":
				m.LegalBasis = v
			}
		}
		if ir.key != "" {
			if prev, dup := byKey[ir.key]; dup {
				xe.at(SheetEntries, rowN, et.col("entry_key"), colOf(entryCols, "entry_key"), "catalog.xlsx_duplicate_key",
					fmt.Sprintf("条目编号“%s”与第%d行重复", ir.key, prev.row), fmt.Sprintf("entry number %q repeats row %d", ir.key, prev.row))
			} else {
				byKey[ir.key] = ir
			}
		}
		if name := strings.TrimSpace(m.Name); name != "" {
			byName[name] = append(byName[name], ir)
		}
		entries = append(entries, ir)
	}
	for i, cells := range it.rows {
		rowN := it.nums[i]
		var item Item
		for _, c := range itemCols {
			v, ci := it.get(cells, c.key)
			if ci < 0 || c.key == "entry_key" || c.key == "entry_name" {
				continue
			}
			if c.choices != nil && c.key != "personal" && c.key != "key" && c.key != "source" && c.key != "required" {
				if strings.TrimSpace(v) == "" {
					continue
				}
				chs := c.choices(g)
				code, ok := parseChoice(chs, v)
				if !ok {
					zh, en := allowedText(chs)
					xe.at(SheetItems, rowN, ci, c, "catalog.enum", fmt.Sprintf("“%s”不是有效的%s（可选：%s）", strings.TrimSpace(v), c.zh, zh),
						fmt.Sprintf("%q is not a valid %s (one of: %s)", strings.TrimSpace(v), strings.ToLower(c.en), en))
				}
				switch c.key {
				case "type":
					item.Type = ItemType(code)
				case "grade":
					item.Grade = code
				case "key_kind":
					item.KeyKind = KeyKind(code)
				case "format":
					item.Format = Format(code)
				}
				continue
			}
			switch c.key {
			case "name":
				item.Name = v
			case "length":
				n, ok := parseLength(v)
				if !ok {
					xe.at(SheetItems, rowN, ci, c, "catalog.xlsx_number", fmt.Sprintf("“%s”不是整数", strings.TrimSpace(v)), fmt.Sprintf("%q is not a whole number", strings.TrimSpace(v)))
				}
				item.Length = n
			case "description":
				item.Description = v
			case "personal_kind":
				item.PersonalKind = v
			case "element":
				item.Element = v
			case "values":
				item.Values = SplitValues(v)
			case "min":
				item.Min = v
			case "max":
				item.Max = v
			case "personal", "key", "source", "required":
				b, ok := parseBool(v)
				if !ok {
					xe.at(SheetItems, rowN, ci, c, "catalog.xlsx_bool", fmt.Sprintf("“%s”应为“是”或“否”", strings.TrimSpace(v)), fmt.Sprintf("%q should be yes or no (是/否)", strings.TrimSpace(v)))
				}
				switch c.key {
				case "personal":
					item.Personal = b
				case "key":
					item.Key = b
				case "source":
					item.Source = b
				case "required":
					item.Required = b
				}
			}
		}
		item.Min, item.Max = excelDate(item.Type, item.Min), excelDate(item.Type, item.Max)
		// The link to the entry: its number, else its name.
		key, kci := it.get(cells, "entry_key")
		name, nci := it.get(cells, "entry_name")
		key, name = strings.TrimSpace(key), strings.TrimSpace(name)
		var owner *importRow
		switch {
		case key != "":
			if owner = byKey[key]; owner == nil {
				xe.at(SheetItems, rowN, kci, colOf(itemCols, "entry_key"), "catalog.xlsx_item_entry",
					fmt.Sprintf("“目录”表中没有条目编号为“%s”的条目", key), fmt.Sprintf("sheet 目录 has no entry numbered %q", key))
			} else if name != "" && name != strings.TrimSpace(owner.m.Name) {
				xe.at(SheetItems, rowN, nci, colOf(itemCols, "entry_name"), "catalog.xlsx_item_entry",
					fmt.Sprintf("资源名称“%s”与条目编号%s的条目（第%d行“%s”）不一致", name, key, owner.row, strings.TrimSpace(owner.m.Name)),
					fmt.Sprintf("the name %q does not match entry %s (row %d, %q)", name, key, owner.row, strings.TrimSpace(owner.m.Name)))
				owner = nil
			}
		case name != "":
			switch cands := byName[name]; len(cands) {
			case 0:
				xe.at(SheetItems, rowN, nci, colOf(itemCols, "entry_name"), "catalog.xlsx_item_entry",
					fmt.Sprintf("“目录”表中没有名为“%s”的条目", name), fmt.Sprintf("sheet 目录 has no entry named %q", name))
			case 1:
				owner = cands[0]
			default:
				xe.at(SheetItems, rowN, nci, colOf(itemCols, "entry_name"), "catalog.xlsx_item_entry",
					fmt.Sprintf("“目录”表中有%d个名为“%s”的条目，请填写条目编号", len(cands), name), fmt.Sprintf("sheet 目录 has %d entries named %q; fill in the entry number", len(cands), name))
			}
		default:
			c, ci := colOf(itemCols, "entry_key"), kci
			if ci < 0 {
				c, ci = colOf(itemCols, "entry_name"), nci
			}
			xe.at(SheetItems, rowN, ci, c, "catalog.xlsx_item_entry", "须填写所属条目的条目编号或资源名称", "the entry number or name of the item's entry is required")
		}
		if owner != nil {
			owner.m.Items = append(owner.m.Items, item)
			owner.itemRows = append(owner.itemRows, rowN)
		}
	}
	for _, ir := range entries {
		m := &ir.m
		m.Normalize()
		if m.ClassCode == "" {
			c := colOf(entryCols, "class_code")
			xe.at(SheetEntries, ir.row, et.col("class_code"), c, "catalog.required", "资源分类代码必填，资源代码由它生成", "the classification code is required: the resource code is made from it")
		}
		err := Validate(m, prof, false)
		if err == nil {
			continue
		}
		l, ok := err.(apperr.List)
		if !ok {
			return nil, err
		}
		for _, e := range l {
			if e.Field == "class_code" && m.ClassCode == "" {
				continue // reported above
			}
			xe.add(locateField(ir, e, et, it))
		}
	}
	if err := xe.err(); err != nil {
		return nil, err
	}
	out = make([]Metadata, len(entries))
	for i, ir := range entries {
		out[i] = ir.m
	}
	return out, nil
}

// locateField places an error of Validate (field "share_type",
// "share_modes[1]", "items[3].grade", "items") at its sheet, row and column.
func locateField(ir *importRow, e *apperr.Error, et, it *sheetTable) *apperr.Error {
	field := e.Field
	sheet, row, table, cols := SheetEntries, ir.row, et, entryCols
	if rest, ok := strings.CutPrefix(field, "items["); ok {
		n, after, _ := strings.Cut(rest, "]")
		if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < len(ir.itemRows) {
			sheet, row, table, cols = SheetItems, ir.itemRows[i], it, itemCols
			field = strings.TrimPrefix(after, ".")
		}
	}
	if base, _, ok := strings.Cut(field, "["); ok {
		field = base
	}
	colZH, colEN, ci := field, field, -1
	for _, c := range cols {
		if c.key == field {
			colZH, colEN, ci = c.zh, c.en, table.col(c.key)
			break
		}
	}
	if field == "items" {
		colZH, colEN, ci = SheetItems, "items", table.col("name")
	}
	l := located(sheet, row, ci, colZH, colEN, e.Code, e.ZH, e.EN)
	l.Kind = e.Kind
	return l
}

// ImportXLSX imports a catalog workbook (see ParseXLSX) as draft entries of
// the actor's agency, all or nothing: every row is parsed and validated
// against the agency's jurisdiction profile first, and only if none is
// wrong are all entries created, in one transaction, with their resource
// codes and one audit entry catalog.import with the count. Who may call: an
// agency data officer.
func (s *Service) ImportXLSX(ctx context.Context, a audit.Actor, r io.Reader) ([]Entry, error) {
	if a.Role != "agency_officer" || a.AgencyID == 0 {
		return nil, apperr.New(apperr.Forbidden, "catalog.not_owner", "只有机构数据管理员可以导入目录", "only agency data officers import catalogs")
	}
	ag, err := s.orgs.Agency(ctx, a.AgencyID)
	if err != nil {
		return nil, err
	}
	prof, err := s.profile(ag.JurisdictionCode)
	if err != nil {
		return nil, err
	}
	ms, err := ParseXLSX(r, prof)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(ms))
	err = s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		ids = ids[:0]
		for i := range ms {
			id, err := s.createTx(ctx, tx, a, ag, prof, &ms[i])
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.import", ObjectType: "agency", ObjectID: strconv.FormatInt(ag.ID, 10),
			Detail: fmt.Sprintf("%d entries", len(ids))})
	})
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(ids))
	for _, id := range ids {
		e, err := s.entry(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
