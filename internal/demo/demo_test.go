package demo_test

import (
	"context"
	"strings"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/procedure"
)

func actor(t *testing.T, a *app.App, username string) audit.Actor {
	t.Helper()
	u, err := a.Accounts.UserByName(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return (&auth.Principal{User: u}).Actor("127.0.0.1", "test")
}

func count(t *testing.T, a *app.App, query string, args ...any) int {
	t.Helper()
	var n int
	if err := a.DB.Read().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func distinct(t *testing.T, a *app.App, column string) map[string]bool {
	t.Helper()
	rows, err := a.DB.Read().QueryContext(context.Background(), `SELECT DISTINCT `+column+` FROM catalog_entries WHERE status = 'published'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out[v] = true
	}
	return out
}

// TestDemoCatalog: the demo loads a realistic published catalog (issue 3
// item 9) — at least 150 entries across the province and the three cities,
// every sharing type and open attribute, the base databases of GD-290
// §18–20 sourced from their legal source departments, entries in review
// with one overdue, a return, not-shared filings, a delisting, a second
// version and an update owed after a change of legal basis.
func TestDemoCatalog(t *testing.T) {
	a := apptest.FullDemo(t, "sqlite")
	ctx := context.Background()

	if n := count(t, a, `SELECT COUNT(*) FROM catalog_entries`); n < 150 {
		t.Fatalf("%d entries, want at least 150", n)
	}
	for _, j := range []string{"440000", "440700", "441400", "441300"} {
		if n := count(t, a, `SELECT COUNT(*) FROM catalog_entries WHERE jurisdiction_code = $1 AND status = 'published'`, j); n < 20 {
			t.Errorf("jurisdiction %s: %d published entries", j, n)
		}
	}
	if n := count(t, a, `SELECT COUNT(DISTINCT agency_id) FROM catalog_entries`); n < 35 {
		t.Errorf("entries of only %d agencies", n)
	}
	shares, opens := distinct(t, a, "share_type"), distinct(t, a, "open_attr")
	for _, s := range catalog.ShareTypes() {
		if !shares[string(s)] {
			t.Errorf("no published entry shared %s", s)
		}
	}
	for _, o := range catalog.OpenAttrs() {
		if !opens[string(o)] {
			t.Errorf("no published entry with open attribute %s", o)
		}
	}
	for _, c := range []string{"1", "2", "3"} {
		if n := count(t, a, `SELECT COUNT(*) FROM catalog_entries WHERE category = $1`, c); n == 0 {
			t.Errorf("no entry of classification %s", c)
		}
	}
	if n := count(t, a, `SELECT COUNT(*) FROM catalog_entries WHERE name = $1`, "人口基本信息（户籍登记信息）"); n != 1 {
		t.Errorf("人口基本信息（户籍登记信息）: %d entries", n)
	}

	// One element, one legal source (GD-290 §14, §18–20; HZ §15).
	els, err := a.Catalog.Elements(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	source := map[string]string{}
	for _, e := range els {
		source[e.Name] = e.SourceName
	}
	for el, want := range map[string]string{
		"公民身份号码":         "广东省公安厅",
		"户籍地址":           "广东省公安厅",
		"婚姻登记类型":         "广东省民政厅",
		"收养登记证字号":        "广东省民政厅",
		"最低生活保障证编号":      "广东省民政厅",
		"社会组织名称":         "广东省民政厅",
		"社会保障卡卡号":        "广东省人力资源和社会保障厅",
		"社会保险费缴费金额":      "国家税务总局广东省税务局",
		"出生医学证明书编号":      "广东省卫生健康委员会",
		"全国学籍号":          "广东省教育厅",
		"残疾人证号":          "广东省残疾人联合会",
		"统一社会信用代码":       "广东省市场监督管理局",
		"企业名称":           "广东省市场监督管理局",
		"不动产单元号":         "广东省自然资源厅",
		"国土空间用途分区代码":     "广东省自然资源厅",
		"农村土地承包经营权证编号":   "广东省农业农村厅",
		"森林资源小班编号":       "广东省林业局",
		"河湖编码":           "广东省水利厅",
		"气象观测站区站号":       "广东省气象局",
		"住房公积金个人账号（江门市）": "江门市住房公积金管理中心",
		"住房公积金个人账号（惠州市）": "惠州市住房公积金管理中心",
	} {
		if got := source[el]; got != want {
			t.Errorf("element %s sourced from %q, want %s", el, got, want)
		}
	}
	if cs, err := a.Catalog.Conflicts(ctx, actor(t, a, "gd.reviewer"), ""); err != nil || len(cs) != 0 {
		t.Errorf("the demo raises source conflicts: %+v %v", cs, err)
	}
	// A legal source is the only one claiming its elements.
	if n := count(t, a, `SELECT COUNT(*) FROM catalog_items i JOIN catalog_versions v ON v.id = i.version_id JOIN catalog_entries e ON e.id = v.entry_id
		JOIN data_elements d ON d.name = i.element WHERE i.is_source AND d.source_agency_id <> e.agency_id`); n != 0 {
		t.Errorf("%d source claims by an agency that is not the element's source", n)
	}

	// Review: a few in review, exactly one overdue (the 婚姻登记信息 review), one returned.
	if n := count(t, a, `SELECT COUNT(*) FROM catalog_entries WHERE status = 'in_review'`); n < 4 {
		t.Errorf("%d entries in review", n)
	}
	if n := count(t, a, `SELECT COUNT(*) FROM catalog_versions WHERE state = 'returned'`); n != 1 {
		t.Errorf("%d returned versions, want 1", n)
	}
	overdue, err := a.Cases.Cases(ctx, actor(t, a, "gd.reviewer"), procedure.CaseFilter{Overdue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(overdue) != 1 || overdue[0].Kind != "catalog_review" || !strings.Contains(overdue[0].Title, "婚姻登记信息") {
		t.Errorf("overdue cases seen by gd.reviewer: %+v", overdue)
	}

	// Not shared: filed with the same-level authority with its legal basis (GD-290 §13).
	fs, err := a.Catalog.Filings(ctx, actor(t, a, "gd.reviewer"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) < 3 {
		t.Errorf("%d filings", len(fs))
	}
	for _, f := range fs {
		if !strings.Contains(f.Basis, "《") {
			t.Errorf("filing without its law: %+v", f)
		}
	}
	if n := count(t, a, `SELECT COUNT(*) FROM catalog_entries WHERE share_type = 'not_shared' AND status = 'published'`); n != len(fs) {
		t.Errorf("%d not-shared entries, %d filings", n, len(fs))
	}

	// One delisted with its reason, one in its second version, one update owed.
	if n := count(t, a, `SELECT COUNT(*) FROM catalog_entries WHERE status = 'delisted' AND delist_reason <> ''`); n != 1 {
		t.Errorf("%d delisted entries, want 1", n)
	}
	if n := count(t, a, `SELECT COUNT(*) FROM catalog_entries e JOIN catalog_versions v ON v.entry_id = e.id
		WHERE e.published_version = 2 AND v.version = 1 AND v.state = 'superseded'`); n != 1 {
		t.Errorf("%d entries with a superseded first version, want 1", n)
	}
	if n := count(t, a, `SELECT COUNT(*) FROM cases WHERE kind = 'catalog_update' AND NOT closed`); n != 1 {
		t.Errorf("%d updates owed after a change of legal basis, want 1", n)
	}

	// Every published entry still passes the rules of its jurisdiction's
	// profile, grading limits included.
	rows, err := a.DB.Read().QueryContext(ctx, `SELECT id FROM catalog_entries WHERE status = 'published'`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	sys := audit.System()
	for _, id := range ids {
		e, _, err := a.Catalog.Get(ctx, sys, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := catalog.Validate(&e.Metadata, a.Rules.ForJurisdiction(e.Jurisdiction), true); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
	}
}
