package demo_test

import (
	"context"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/demo"
	"pubdata/internal/ident"
	"pubdata/internal/store"
	"pubdata/internal/store/storetest"
)

// TestDemoData: pubdata demo loads synthetic rows (checksums valid) into
// the base databases and the agencies' datasets with a load history,
// quality scores, one stale dataset and one rejected batch (issue: the
// collection part of the demo). Each engine runs it at a small size; see
// TestDemoDataFullSize for the size pubdata demo loads.
func TestDemoData(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			const persons, firms = 2000, 400
			a := apptest.Open(t, e)
			if _, err := demo.LoadWith(context.Background(), a, demo.Options{Data: true, Persons: persons, Enterprises: firms}); err != nil {
				t.Fatalf("demo: %v", err)
			}
			checkData(t, a, persons, firms)
		})
	}
}

// TestDemoDataFullSize: Load, as pubdata demo runs it, holds at least
// 100,000 living persons and 20,000 enterprises. It takes tens of seconds
// of CPU, so it runs on SQLite only, and not under -race or -short.
func TestDemoDataFullSize(t *testing.T) {
	if demo.DefaultPersons < 100_000 || demo.DefaultEnterprises < 20_000 {
		t.Fatalf("the demo's default size is %d persons and %d enterprises", demo.DefaultPersons, demo.DefaultEnterprises)
	}
	if testing.Short() || raceEnabled() {
		t.Skip("the full-size demo is slow under -race and -short; TestDemoData covers the stories at a small size")
	}
	a := apptest.Open(t, store.SQLite)
	start := time.Now()
	if _, err := demo.Load(context.Background(), a); err != nil {
		t.Fatalf("demo: %v", err)
	}
	t.Logf("pubdata demo's load: %v", time.Since(start))
	checkData(t, a, 100_000, 20_000)
}

func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// checkData checks what the collection demo promises.
func checkData(t *testing.T, a *app.App, persons, firms int) {
	t.Helper()
	ctx := context.Background()
	sys := audit.System()
	sets, err := a.Collect.Datasets(ctx, sys, collect.DatasetFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]collect.Dataset{}
	for _, ds := range sets {
		if ds.OriginID == 0 {
			byName[ds.Name] = ds
		}
	}
	get := func(name string) collect.Dataset {
		t.Helper()
		ds, ok := byName[name]
		if !ok {
			t.Fatalf("no dataset %s", name)
		}
		return ds
	}
	household, marriage, cards, firmsDS := get("户籍人口基本信息"), get("内地居民婚姻登记信息"), get("社会保障卡信息"), get("企业登记信息")

	// Sizes, as the load path counted them and as the tables hold them.
	if household.RowCount < int64(persons) || live(t, a, household) != household.RowCount {
		t.Errorf("户籍: %d live rows (table %d), want at least %d", household.RowCount, live(t, a, household), persons)
	}
	if firmsDS.RowCount < int64(firms) || live(t, a, firmsDS) != firmsDS.RowCount {
		t.Errorf("企业登记: %d live rows, want at least %d", firmsDS.RowCount, firms)
	}
	for _, ds := range []collect.Dataset{marriage, cards} {
		if ds.RowCount < int64(persons/10) {
			t.Errorf("%s: %d rows", ds.Name, ds.RowCount)
		}
	}

	// Every ID number and credit code anywhere passes its checksum.
	ids := 0
	loaded := 0
	for _, ds := range sets {
		if ds.LastLoadAt != nil {
			loaded++
		}
		for _, c := range ds.Live() {
			f := c.Item.ValueFormat()
			switch {
			case c.Item.Element == "公民身份号码":
				f = catalog.FormatResidentID
			case c.Item.Element == "统一社会信用代码":
				f = catalog.FormatCreditCode
			}
			if f != catalog.FormatResidentID && f != catalog.FormatCreditCode {
				continue
			}
			rows, err := a.DB.Read().QueryContext(ctx, "SELECT "+c.Name+" FROM "+ds.Table+" WHERE NOT _deleted AND "+c.Name+" IS NOT NULL")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					t.Fatal(err)
				}
				ids++
				check := ident.ValidateResidentID
				if f == catalog.FormatCreditCode {
					check = ident.ValidateCreditCode
				}
				if err := check(v); err != nil {
					t.Errorf("%s.%s: %q: %v", ds.Name, c.Item.Name, v, err)
				}
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ids < persons+firms {
		t.Errorf("only %d identifiers checked", ids)
	}
	if loaded < 100 {
		t.Errorf("only %d datasets loaded", loaded)
	}

	// The base databases: each group fed from its legal source.
	for group, least := range map[string]int{"person.household": persons, "person.marriage": persons / 10, "person.social_security": persons / 10,
		"entity.enterprise": firms, "person.education": 1, "person.birth_death": 1, "geo.natural_resources": 1} {
		if n := count(t, a, `SELECT COUNT(*) FROM base_records WHERE group_key = $1`, group); n < least {
			t.Errorf("base group %s: %d records, want at least %d", group, n, least)
		}
	}

	// A load history and quality snapshots over weeks on the main datasets.
	for _, ds := range []collect.Dataset{household, marriage, cards, firmsDS} {
		bs, err := a.Collect.Batches(ctx, sys, ds.ID)
		if err != nil {
			t.Fatal(err)
		}
		var first, last time.Time
		n := 0
		for _, b := range bs {
			if b.State != collect.BatchLoaded {
				continue
			}
			n++
			if first.IsZero() || b.StartedAt.Before(first) {
				first = b.StartedAt
			}
			if b.StartedAt.After(last) {
				last = b.StartedAt
			}
		}
		if n < 4 || time.Since(first) < 35*24*time.Hour || time.Since(last) > 24*time.Hour {
			t.Errorf("%s: %d loads from %v to %v", ds.Name, n, first, last)
		}
		qs, err := a.Collect.QualityHistory(ctx, sys, ds.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(qs) < n {
			t.Errorf("%s: %d quality snapshots for %d loads", ds.Name, len(qs), n)
		}
		if ds.QualityScore == nil || *ds.QualityScore < 90 {
			t.Errorf("%s: quality score %v", ds.Name, ds.QualityScore)
		}
	}

	// Names that disagree with 户籍 in recent batches of 婚姻 and 社保卡:
	// found by the consistency check, each with its rectification case,
	// and nothing else to rectify.
	for _, ds := range []collect.Dataset{marriage, cards} {
		qs, err := a.Collect.QualityHistory(ctx, sys, ds.ID, 1)
		if err != nil || len(qs) == 0 {
			t.Fatalf("%s: %v", ds.Name, err)
		}
		if c := qs[0].Details.Consistency; c.Mismatched == 0 || qs[0].Details.CaseID == 0 {
			t.Errorf("%s: consistency %+v, case %d", ds.Name, c, qs[0].Details.CaseID)
		}
	}
	if n := count(t, a, `SELECT COUNT(*) FROM cases WHERE kind = 'quality_rectify'`); n != 2 {
		t.Errorf("%d rectification cases, want 2 (婚姻 and 社保卡)", n)
	}
	// Nothing the demo opened is overdue (the overdue catalog review was
	// marked before).
	if n, err := a.Cases.MarkOverdue(ctx, time.Now()); err != nil || n != 0 {
		t.Errorf("MarkOverdue after the demo: %d newly overdue, %v", n, err)
	}

	// One stale dataset, with its supervision notice.
	var stale []string
	for _, ds := range sets {
		if ds.StaleSince != nil {
			stale = append(stale, ds.Name)
		}
	}
	staleDS := get("梅州市交通违法处理信息")
	if !slices.Equal(stale, []string{staleDS.Name}) {
		t.Errorf("stale datasets: %v", stale)
	}
	if n := count(t, a, `SELECT COUNT(*) FROM supervision_notices WHERE reason_code = 'dataset_stale' AND against_agency_id = $1`, staleDS.AgencyID); n != 1 {
		t.Errorf("%d stale notices against the agency of %s", n, staleDS.Name)
	}
	if n := count(t, a, `SELECT COUNT(*) FROM supervision_notices WHERE reason_code = 'dataset_stale'`); n != 1 {
		t.Errorf("%d stale notices", n)
	}

	// One rejected batch, a GBK CSV upload whose report names the rows
	// and fields; the corrected file loaded after it.
	up := get("惠州市家庭医生签约服务信息")
	bs, err := a.Collect.Batches(ctx, sys, up.ID)
	if err != nil {
		t.Fatal(err)
	}
	var rejected []collect.Batch
	for _, b := range bs {
		if b.State == collect.BatchRejected {
			rejected = append(rejected, b)
		}
	}
	if len(rejected) != 1 || bs[0].State != collect.BatchLoaded || bs[0].Format != collect.FormatCSV || (bs[0].Encoding != collect.EncodingGBK && bs[0].Encoding != collect.EncodingGB18030) {
		t.Fatalf("batches of %s: %+v", up.Name, bs)
	}
	want := []collect.Rejection{
		{Row: 49, Field: "公民身份号码", Code: collect.CodeResidentID},
		{Row: 91, Field: "签约日期", Code: collect.CodeDate},
	}
	if a.DB.Dialect == store.SQLite {
		// PostgreSQL finds repeated keys only in a batch whose rows are
		// otherwise valid (they are found when the staging table is moved).
		want = append(want, collect.Rejection{Row: 16, Field: "公民身份号码", Code: "collect.key.duplicate"})
	}
	for _, w := range want {
		if !slices.ContainsFunc(rejected[0].Errors, func(r collect.Rejection) bool { return r.Row == w.Row && r.Field == w.Field && r.Code == w.Code }) {
			t.Errorf("the rejected batch does not name row %d %s %s: %+v", w.Row, w.Field, w.Code, rejected[0].Errors)
		}
	}
	if n := count(t, a, `SELECT COUNT(*) FROM dataset_batches WHERE state = 'rejected'`); n != 1 {
		t.Errorf("%d rejected batches, want 1", n)
	}

	// A push in JSON lines.
	pushed := get("江门市食品经营许可信息")
	if n := count(t, a, `SELECT COUNT(*) FROM dataset_batches WHERE dataset_id = $1 AND format = 'jsonl' AND channel = 'push' AND state = 'loaded'`, pushed.ID); n != 1 {
		t.Errorf("%d JSONL pushes into %s", n, pushed.Name)
	}

	// The population theme database and Huizhou's return flow.
	themes, err := a.Collect.Themes(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(themes) != 1 || themes[0].Name != "人口综合主题库" || themes[0].RowCount != household.RowCount {
		t.Errorf("themes: %+v (户籍 has %d rows)", themes, household.RowCount)
	}
	huizhou := int64(count(t, a, "SELECT COUNT(*) FROM "+household.Table+" WHERE NOT _deleted AND c1 LIKE '4413%'"))
	var copies []collect.Dataset
	for _, ds := range sets {
		if ds.OriginID == household.ID {
			copies = append(copies, ds)
		}
	}
	if len(copies) != 1 || copies[0].Jurisdiction != "441300" || copies[0].RowCount != huizhou || huizhou == 0 {
		t.Errorf("return flows of 户籍: %+v; %d Huizhou rows", copies, huizhou)
	}
	if !strings.HasPrefix(household.Columns[0].Item.Name, "公民身份号码") {
		t.Errorf("户籍's first column is %s", household.Columns[0].Item.Name)
	}
}

// live counts a dataset's live rows.
func live(t *testing.T, a *app.App, ds collect.Dataset) int64 {
	t.Helper()
	return int64(count(t, a, "SELECT COUNT(*) FROM "+ds.Table+" WHERE NOT _deleted"))
}
