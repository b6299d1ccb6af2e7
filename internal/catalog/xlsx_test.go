package catalog_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/catalog"
	"pubdata/internal/rules"
)

func provincial(t testing.TB) *rules.Profile {
	t.Helper()
	set, err := rules.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	p, err := set.Profile("guangdong")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// full returns metadata with every field filled, in Chinese, for a round trip.
// Its items declare 值域, 最小值, 最大值 and 格式 of every kind (see legacy).
func full(name string, variant int) catalog.Metadata {
	m := catalog.Metadata{
		Name: name, ClassCode: "3440100100001", Summary: name + "：记录办理情况。\n第二段说明，含“引号”与逗号,分号;。",
		DataForm: catalog.FormDatabase, Format: "ORACLE",
		Items: []catalog.Item{
			{Name: "统一社会信用代码", Type: catalog.TypeChar, Length: 18, Description: "法人唯一标识", Grade: "general-2", Key: true, KeyKind: catalog.KeyCreditCode,
				Element: "统一社会信用代码", Source: true, Required: true, Format: catalog.FormatCreditCode},
			{Name: "联系人电话", Type: catalog.TypeChar, Length: 20, Description: "联系方式", Grade: "general-2", Personal: true, PersonalKind: "联系方式",
				Format: catalog.FormatMobile, Min: "11", Max: "14"},
			{Name: "登记日期", Type: catalog.TypeDate, Grade: "general-1", Required: true, Min: "1949-10-01", Max: "2099-12-31"},
			{Name: "注册资本", Type: catalog.TypeCurrency, Length: 16, Description: "万元", Grade: "general-1", Element: "注册资本", Min: "0.00", Max: "99999999.99"},
		},
		ShareType: catalog.ShareConditional, ShareConditions: "仅限依法履职需要", ShareBasis: "《广东省公共数据管理办法》第十三条", ShareScope: "全省政务部门",
		ShareModes: []catalog.ShareMode{catalog.ModeAPI, catalog.ModePlatformDB, catalog.ModeFile},
		OpenAttr:   catalog.OpenConditional, OpenConditions: "申请后按协议开放", UpdateFreq: catalog.FreqMonthly,
		CollectingAgency: "广东省市场监督管理局", VerifyingAgency: "广东省市场监督管理局", ProvidingAgency: "广东省公安厅",
		SourceSystem: "广东省商事登记系统", RelatedCodes: []string{"1010100100001/000001", "3440100100001/000002"},
		Keywords: []string{"商事登记", "企业", "法人"}, LegalBasis: "《中华人民共和国市场主体登记管理条例》",
	}
	switch variant {
	case 1:
		m.ClassCode, m.DataForm, m.Format = "2010300000001", catalog.FormFile, "PDF"
		m.ShareType, m.ShareConditions, m.ShareBasis, m.ShareScope, m.ShareModes = catalog.ShareNone, "", "《中华人民共和国保守国家秘密法》第二十八条", "", nil
		m.OpenAttr, m.OpenConditions, m.UpdateFreq = catalog.OpenNone, "", catalog.FreqIrregular
		m.Items = []catalog.Item{{Name: "核心指标", Type: catalog.TypeMemo, Grade: "core", Description: "核心数据", Max: "2000"},
			{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "important", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyResidentID}}
		m.Keywords = []string{"保密"}
	case 2:
		m.ShareType, m.ShareModes = catalog.ShareUnconditional, []catalog.ShareMode{catalog.ModeOffline}
		m.OpenAttr, m.OpenConditions, m.UpdateFreq = catalog.OpenUnconditional, "", catalog.FreqRealtime
		m.Items = []catalog.Item{{Name: "办件编号", Type: catalog.TypeInteger, Length: 12, Grade: "general-1", Key: true, KeyKind: catalog.KeyOther, Required: true, Min: "1"},
			{Name: "办理状态", Type: catalog.TypeChar, Length: 4, Grade: "general-1", Values: []string{"受理", "办结", "不予受理", "01"}},
			{Name: "受理时间", Type: catalog.TypeDateTime, Grade: "general-1", Min: "2020-01-01 00:00:00", Max: "2099-12-31 23:59:59"},
			{Name: "办理时限", Type: catalog.TypeInteger, Length: 3, Grade: "general-1", Values: []string{"1", "5", "20"}, Min: "1", Max: "60"},
			{Name: "所在区县", Type: catalog.TypeChar, Length: 6, Grade: "general-1", Format: catalog.FormatDivision, Values: []string{"441302", "441303"}}}
	}
	return m
}

// legacy is full's metadata as a workbook of a build before 值域, 最小值,
// 最大值 and 格式 holds it: without them, and without the items only they
// made worth listing.
func legacy(m catalog.Metadata) catalog.Metadata {
	added := []string{"办理状态", "受理时间", "办理时限", "所在区县"}
	var items []catalog.Item
	for _, it := range m.Items {
		if slices.Contains(added, it.Name) {
			continue
		}
		it.Values, it.Min, it.Max, it.Format = nil, "", "", ""
		items = append(items, it)
	}
	m.Items = items
	return m
}

func listOf(t *testing.T, err error) apperr.List {
	t.Helper()
	var l apperr.List
	if !errors.As(err, &l) {
		t.Fatalf("want a list of errors, got %T %v", err, err)
	}
	return l
}

func codeOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	var l apperr.List
	if errors.As(err, &l) && len(l) > 0 {
		return l[0].Code
	}
	return ""
}

func exportBytes(t testing.TB, entries []catalog.Entry, lang string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := catalog.ExportXLSX(&buf, entries, lang); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// edit opens a workbook, applies the cell changes ("目录!G3" → value) and
// returns the new file.
func edit(t *testing.T, data []byte, cells map[string]any) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for ref, v := range cells {
		sheet, c, _ := strings.Cut(ref, "!")
		if err := f.SetCellValue(sheet, c, v); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTemplate(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		var buf bytes.Buffer
		if err := catalog.WriteTemplate(&buf, lang); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{catalog.SheetEntries, catalog.SheetItems, catalog.SheetHelp}) {
			t.Fatalf("sheets %v", got)
		}
		heads, _ := f.GetRows(catalog.SheetEntries)
		want := []string{"条目编号", "资源名称", "资源分类代码（前段码）", "资源摘要", "数据形式", "数据格式", "共享类型", "共享条件", "共享依据", "共享范围", "共享方式",
			"开放属性", "开放条件", "更新频率", "采集部门", "核准部门", "提供部门", "来源信息系统", "关联资源代码", "关键字", "法律法规依据"}
		if len(heads) != 1 || len(heads[0]) != len(want) {
			t.Fatalf("%s: 目录 rows %q", lang, heads)
		}
		for i, h := range heads[0] {
			if first, _, _ := strings.Cut(h, "\n"); first != want[i] {
				t.Fatalf("%s: column %d is %q, want %q", lang, i+1, h, want[i])
			}
			if lang == "en" && !strings.Contains(h, "\n") {
				t.Fatalf("en header without English: %q", h)
			}
		}
		items, _ := f.GetRows(catalog.SheetItems)
		var itemHeads []string
		for _, h := range items[0] {
			first, _, _ := strings.Cut(h, "\n")
			itemHeads = append(itemHeads, first)
		}
		if len(items) != 1 || !slices.Contains(itemHeads, "分级") || !slices.Contains(itemHeads, "是否法定数源") ||
			!reflect.DeepEqual(itemHeads[len(itemHeads)-4:], []string{"值域", "最小值", "最大值", "格式"}) {
			t.Fatalf("信息项 header %q", items)
		}
		// The drop-down lists: Chinese labels of the enumerations.
		lists := map[string]string{}
		for _, s := range []string{catalog.SheetEntries, catalog.SheetItems} {
			dvs, err := f.GetDataValidations(s)
			if err != nil {
				t.Fatal(err)
			}
			for _, dv := range dvs {
				lists[s+"!"+dv.Sqref] = dv.Formula1
			}
		}
		for ref, want := range map[string][]string{
			"目录!G2:G5001":    {"无条件共享", "有条件共享", "不予共享"},
			"目录!L2:L5001":    {"无条件开放", "有条件开放", "不予开放"},
			"目录!N2:N5001":    {"实时", "每日", "不定期"},
			"目录!E2:E5001":    {"数据库", "电子文件", "接口"},
			"目录!K2:K5001":    {"平台库表", "离线介质"},
			"信息项!D2:D100001": {"字符型", "日期型", "浮点型"},
			"信息项!G2:G100001": {"核心数据", "重要数据", "一般数据1级"},
			"信息项!H2:H100001": {"是", "否"},
			"信息项!K2:K100001": {"公民身份号码", "统一社会信用代码"},
			"信息项!R2:R100001": {"公民身份号码", "统一社会信用代码", "手机号码", "行政区划代码"},
		} {
			got, ok := lists[ref]
			if !ok {
				t.Fatalf("no drop-down on %s; have %v", ref, lists)
			}
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Fatalf("drop-down %s = %s, missing %s", ref, got, w)
				}
			}
		}
		panes, err := f.GetPanes(catalog.SheetEntries)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Fatalf("header not frozen: %+v %v", panes, err)
		}
		help, _ := f.GetRows(catalog.SheetHelp)
		var text strings.Builder
		for _, r := range help {
			text.WriteString(strings.Join(r, "|") + "\n")
		}
		for _, w := range []string{"有条件共享（conditional，conditional）", "Sharing type", "一般数据3级", "是否法定数源", "GD-290 §13",
			"值域 / Allowed values", "手机号码（mobile，mobile number）", "YYYY-MM-DD HH:MM:SS"} {
			if !strings.Contains(text.String(), w) {
				t.Fatalf("说明 lacks %q", w)
			}
		}
		f.Close()
		// An unfilled template imports nothing, with a clear error.
		if _, err := catalog.ParseXLSX(bytes.NewReader(buf.Bytes()), provincial(t)); codeOf(err) != "catalog.xlsx_empty" {
			t.Fatalf("empty template: %v", err)
		}
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		var entries []catalog.Entry
		for i, name := range []string{"企业登记信息", "涉密统计资料", "政务服务办件信息"} {
			e := create(t, a, "gd.police", full(name, i))
			got, _, err := a.Catalog.Get(ctx, actor(t, a, "gd.police"), e.ID)
			if err != nil {
				t.Fatal(err)
			}
			entries = append(entries, got)
		}
		prof := a.Rules.ForJurisdiction(entries[0].Jurisdiction)
		for _, lang := range []string{"zh", "en"} {
			data := exportBytes(t, entries, lang)
			ms, err := catalog.ParseXLSX(bytes.NewReader(data), prof)
			if err != nil {
				t.Fatalf("%s: import of an export: %v", lang, err)
			}
			if len(ms) != len(entries) {
				t.Fatalf("%d entries back, want %d", len(ms), len(entries))
			}
			for i := range ms {
				want := entries[i].Metadata
				want.Normalize()
				ms[i].Normalize()
				if !reflect.DeepEqual(ms[i], want) {
					t.Fatalf("%s: entry %d changed in the round trip:\n got %+v\nwant %+v", lang, i, ms[i], want)
				}
			}
		}
		// The export names code, agency, status and version.
		f, _ := excelize.OpenReader(bytes.NewReader(exportBytes(t, entries, "zh")))
		rows, _ := f.GetRows(catalog.SheetEntries)
		f.Close()
		if h := rows[0]; h[len(h)-4] != "资源代码" || rows[1][len(h)-4] != entries[0].ResourceCode || rows[1][len(h)-2] != "草稿" || rows[1][len(h)-1] != "1" {
			t.Fatalf("export columns %q / %q", rows[0], rows[1])
		}

		// The service imports the export as new drafts of the officer's agency, in one go.
		imported, err := a.Catalog.ImportXLSX(ctx, actor(t, a, "gd.civil"), bytes.NewReader(exportBytes(t, entries, "zh")))
		if err != nil {
			t.Fatal(err)
		}
		civil, _ := a.Accounts.UserByName(ctx, "gd.civil")
		for i, e := range imported {
			want := entries[i].Metadata
			if e.AgencyID != civil.AgencyID || e.Status != catalog.StatusDraft || e.ResourceCode == entries[i].ResourceCode || !reflect.DeepEqual(e.Metadata, want) {
				t.Fatalf("imported %d: %+v", i, e)
			}
		}
		var n int
		if err := a.DB.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'catalog.import' AND detail = '3 entries'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("audit of the import: %d %v", n, err)
		}
		if _, err := a.Catalog.ImportXLSX(ctx, actor(t, a, "gd.reviewer"), bytes.NewReader(exportBytes(t, entries, "zh"))); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("a reviewer imports: %v", err)
		}

		// JSON export.
		var buf bytes.Buffer
		if err := catalog.ExportJSON(&buf, entries); err != nil {
			t.Fatal(err)
		}
		var back []catalog.Entry
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil || len(back) != 3 || !reflect.DeepEqual(back[1].Metadata, entries[1].Metadata) || back[0].ResourceCode != entries[0].ResourceCode {
			t.Fatalf("json export: %v %s", err, buf.String())
		}
	})
}

// sample is an exported workbook of three valid entries with 4, 2 and 5
// items, so that 信息项 rows 2–5 belong to entry 1, 6–7 to entry 2, 8–12 to 3.
func sample(t testing.TB) []byte {
	var es []catalog.Entry
	for i, name := range []string{"企业登记信息", "涉密统计资料", "政务服务办件信息"} {
		es = append(es, catalog.Entry{Metadata: full(name, i)})
	}
	return exportBytes(t, es, "zh")
}

func TestXLSXBadRowsImportNothing(t *testing.T) {
	bad := edit(t, sample(t), map[string]any{
		"目录!G3":  "随便共享", // unknown sharing type, entry row 3
		"信息项!G7": "机密",   // a grade the profile does not define
		"信息项!E4": "二十",   // not a number
		"信息项!H5": "也许",   // not yes or no
	})
	_, err := catalog.ParseXLSX(bytes.NewReader(bad), provincial(t))
	l := listOf(t, err)
	want := []struct {
		field, code string
		row         int
	}{
		{"目录!G3 (共享类型)", "catalog.enum", 3},
		{"信息项!E4 (长度)", "catalog.xlsx_number", 4},
		{"信息项!H5 (是否个人信息)", "catalog.xlsx_bool", 5},
		{"信息项!G7 (分级)", "catalog.enum", 7},
	}
	for _, w := range want {
		found := false
		for _, e := range l {
			if e.Field == w.field && e.Code == w.code && e.Row == w.row {
				found = true
				if e.ZH == "" || e.EN == "" || !strings.Contains(e.ZH, "第") || !strings.Contains(e.EN, "row") {
					t.Fatalf("message of %s: %q / %q", w.field, e.ZH, e.EN)
				}
			}
		}
		if !found {
			t.Fatalf("no %s error on %s (row %d) in %v", w.code, w.field, w.row, err)
		}
	}
	if !strings.Contains(l[0].ZH, "随便共享") || !strings.Contains(l[0].ZH, "有条件共享") {
		t.Fatalf("the message should show the value and the choices: %s", l[0].ZH)
	}

	// Validate's rules map to their cells: a grade over the limit of
	// unconditional sharing lands on the item's grade cell.
	over := edit(t, sample(t), map[string]any{"目录!G2": "无条件共享", "信息项!G2": "一般数据3级", "目录!C4": "", "信息项!C7": "核心指标"})
	l = listOf(t, func() error { _, err := catalog.ParseXLSX(bytes.NewReader(over), provincial(t)); return err }())
	fields := map[string]string{}
	for _, e := range l {
		fields[e.Field] = e.Code
	}
	if fields["信息项!G2 (分级)"] != "catalog.grade_over_limit" || fields["目录!C4 (资源分类代码（前段码）)"] != "catalog.required" ||
		fields["信息项!C7 (信息项名称)"] != "catalog.item_duplicate" {
		t.Fatalf("validation errors not located: %v", fields)
	}

	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		count := func() int {
			var n int
			if err := a.DB.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_entries`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		_, err := a.Catalog.ImportXLSX(ctx, actor(t, a, "gd.police"), bytes.NewReader(bad))
		if len(listOf(t, err)) < 4 || apperr.KindOf(l[0]) != apperr.Invalid {
			t.Fatalf("import of a bad file: %v", err)
		}
		if count() != before {
			t.Fatalf("a file with bad rows imported %d entries", count()-before)
		}
	})
}

func TestXLSXRefusals(t *testing.T) {
	prof := provincial(t)
	parse := func(data []byte) error {
		_, err := catalog.ParseXLSX(bytes.NewReader(data), prof)
		return err
	}
	// Not an xlsx: text, an old .xls header, a zip that is no workbook, nothing.
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("hello.txt")
	_, _ = w.Write([]byte("hello"))
	_ = zw.Close()
	for name, data := range map[string][]byte{
		"text": []byte("资源名称,共享类型\n户籍,无条件共享\n"), "xls": append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...),
		"zip": z.Bytes(), "empty": nil,
	} {
		err := parse(data)
		if e, ok := apperr.As(err); !ok || e.Code != "catalog.xlsx_invalid" || e.ZH == "" || e.EN == "" {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// An empty workbook: no 目录 sheet.
	f := excelize.NewFile()
	buf, _ := f.WriteToBuffer()
	if err := parse(buf.Bytes()); codeOf(err) != "catalog.xlsx_sheet_missing" {
		t.Fatalf("empty workbook: %v", err)
	}
	// Too large.
	big := bytes.Repeat([]byte{'x'}, catalog.MaxImportBytes+1)
	copy(big, "PK\x03\x04")
	if err := parse(big); apperr.KindOf(err) != apperr.TooLarge {
		t.Fatalf("a file over 20 MB: %v", err)
	}
	// An item row pointing to a missing entry, and one naming no entry.
	data := edit(t, sample(t), map[string]any{"信息项!A6": "99", "信息项!A8": "", "信息项!B8": "不存在的资源"})
	l := listOf(t, parse(data))
	fields := map[string]string{}
	for _, e := range l {
		fields[e.Field] = e.Code
	}
	if fields["信息项!A6 (条目编号)"] != "catalog.xlsx_item_entry" || fields["信息项!B8 (资源名称)"] != "catalog.xlsx_item_entry" {
		t.Fatalf("missing entries: %v", l)
	}
	// A missing required column is named.
	data = edit(t, sample(t), map[string]any{"信息项!G1": "等级"})
	if l := listOf(t, parse(data)); l[0].Field != "信息项!1 (分级)" || l[0].Code != "catalog.xlsx_header" {
		t.Fatalf("missing column: %v", l)
	}
	// Duplicate entry numbers.
	data = edit(t, sample(t), map[string]any{"目录!A3": "1"})
	if l := listOf(t, parse(data)); l[0].Field != "目录!A3 (条目编号)" || l[0].Code != "catalog.xlsx_duplicate_key" {
		t.Fatalf("duplicate entry number: %v", l)
	}
}

// TestXLSXValueConstraintsLocated: a bad 值域, 最小值, 最大值 or 格式 is
// refused at its cell, whether the parser or Validate finds it.
func TestXLSXValueConstraintsLocated(t *testing.T) {
	data := edit(t, sample(t), map[string]any{
		"信息项!R2":  "手机号码",       // a credit-code key in mobile format
		"信息项!R3":  "电子邮箱",       // no such format
		"信息项!P4":  "1949-13-01", // no such date
		"信息项!Q5":  "-1",         // registered capital: max under min 0.00
		"信息项!O11": "1、5、90",     // 90 is over the max 60
		"信息项!R8":  "行政区划代码",     // a format on an integer item
	})
	l := listOf(t, func() error { _, err := catalog.ParseXLSX(bytes.NewReader(data), provincial(t)); return err }())
	got := map[string]string{}
	for _, e := range l {
		got[e.Field] = e.Code
	}
	want := map[string]string{
		"信息项!R2 (格式)":  "catalog.item_format_key",
		"信息项!R3 (格式)":  "catalog.enum",
		"信息项!P4 (最小值)": "catalog.item_bound",
		"信息项!Q5 (最大值)": "catalog.item_range",
		"信息项!O11 (值域)": "catalog.item_value_range",
		"信息项!R8 (格式)":  "catalog.item_format_type",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("errors:\n got %v\nwant %v", got, want)
	}
}

// TestXLSXByHand reads a workbook an agency made itself: columns in another
// order, codes instead of labels, yes/no as Y/1/true, items linked by name,
// blank rows in between.
func TestXLSXByHand(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetName("Sheet1", "信息项")
	_, _ = f.NewSheet("目录")
	rows := map[string][][]any{
		"目录": {
			{"共享类型", "资源名称", "资源分类代码", "开放属性", "共享方式", "更新频率", "数据形式", "关键字"},
			{"conditional", " 户籍登记信息 ", "1010100100001", "not_open", "api;platform_db", "每日", "database", "户籍；人口"},
			{},
			{"不予共享", "出入境记录", 3440100100001, "不予开放", "", "daily", "数据库"},
		},
		"信息项": {
			{"资源名称", "信息项名称", "数据类型", "长度", "分级", "是否个人信息", "是否主键", "主键类别", "是否必填", "Format", "最小值", "最大值", "值域"},
			{"户籍登记信息", "公民身份号码", "C", 18, "general-3", "Y", "1", "resident_id", "true", "公民身份号码"},
			{"户籍登记信息", "姓名", "字符型", "50", "一般数据3级", "是", "N", "", "0", "", 2, 50},
			// Dates typed into cells Excel formats as dates come back as serial numbers.
			{"出入境记录", "出境日期", "d", "", "一般数据2级", "否", "false", "", "", "", 32874, "2099-12-31"},
			{"出入境记录", "出境口岸", "C", 20, "一般数据2级", "", "", "", "", "", "", "", "罗湖口岸；皇岗口岸,深圳湾口岸"},
		},
	}
	for s, rs := range rows {
		for i, r := range rs {
			_ = f.SetSheetRow(s, "A"+string(rune('1'+i)), &r)
		}
	}
	buf, _ := f.WriteToBuffer()
	ms, err := catalog.ParseXLSX(bytes.NewReader(buf.Bytes()), provincial(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Name != "户籍登记信息" || ms[0].ShareType != catalog.ShareConditional || ms[0].OpenAttr != catalog.OpenNone ||
		!reflect.DeepEqual(ms[0].ShareModes, []catalog.ShareMode{catalog.ModeAPI, catalog.ModePlatformDB}) || !reflect.DeepEqual(ms[0].Keywords, []string{"户籍", "人口"}) ||
		ms[1].ClassCode != "3440100100001" || ms[1].ShareType != catalog.ShareNone || ms[1].UpdateFreq != catalog.FreqDaily {
		t.Fatalf("entries %+v", ms)
	}
	want := []catalog.Item{
		{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, Key: true, KeyKind: catalog.KeyResidentID, Required: true,
			Format: catalog.FormatResidentID},
		{Name: "姓名", Type: catalog.TypeChar, Length: 50, Grade: "general-3", Personal: true, Min: "2", Max: "50"},
	}
	if !reflect.DeepEqual(ms[0].Items, want) || len(ms[1].Items) != 2 || ms[1].Items[0].Type != catalog.TypeDate || ms[1].Items[0].Grade != "general-2" ||
		ms[1].Items[0].Min != "1990-01-01" || ms[1].Items[0].Max != "2099-12-31" || !reflect.DeepEqual(ms[1].Items[1].Values, []string{"罗湖口岸", "皇岗口岸", "深圳湾口岸"}) {
		t.Fatalf("items %+v / %+v", ms[0].Items, ms[1].Items)
	}
}

// TestXLSXFixture reads a workbook written by an earlier build
// (testdata/catalog-sample.xlsx): files agencies keep must go on importing
// when the layout grows.
func TestXLSXFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/catalog-sample.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := catalog.ParseXLSX(bytes.NewReader(data), provincial(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"企业登记信息", "涉密统计资料", "政务服务办件信息"} {
		want := legacy(full(name, i))
		want.Normalize()
		if !reflect.DeepEqual(ms[i], want) {
			t.Fatalf("entry %d:\n got %+v\nwant %+v", i, ms[i], want)
		}
	}
}

// FuzzParseXLSX feeds damaged workbooks to the parser: it must never panic,
// and every refusal is an application error naming what is wrong.
func FuzzParseXLSX(f *testing.F) {
	seed := sample(f)
	f.Add(seed)
	var tmpl bytes.Buffer
	if err := catalog.WriteTemplate(&tmpl, "zh"); err != nil {
		f.Fatal(err)
	}
	f.Add(tmpl.Bytes())
	f.Add([]byte("PK\x03\x04garbage"))
	prof := provincial(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := catalog.ParseXLSX(bytes.NewReader(data), prof)
		if err == nil {
			for i := range ms {
				if err := catalog.Validate(&ms[i], prof, false); err != nil {
					t.Fatalf("an accepted entry fails validation: %v", err)
				}
			}
			return
		}
		var l apperr.List
		if errors.As(err, &l) {
			for _, e := range l {
				if e.ZH == "" || e.EN == "" || e.Code == "" {
					t.Fatalf("error without code or message: %+v", e)
				}
			}
			return
		}
		if e, ok := apperr.As(err); !ok || e.ZH == "" || e.EN == "" {
			t.Fatalf("not an application error: %v", err)
		}
	})
}
