package collect_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/ident"
)

func actor(t testing.TB, a *app.App, username string) audit.Actor {
	t.Helper()
	u, err := a.Accounts.UserByName(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return (&auth.Principal{User: u}).Actor("127.0.0.1", "test")
}

// personItems is the schema of the tests' person dataset.
func personItems() []catalog.Item {
	return []catalog.Item{
		{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyResidentID, Required: true},
		{Name: "姓名", Type: catalog.TypeChar, Length: 50, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Required: true},
		{Name: "性别", Type: catalog.TypeChar, Length: 1, Grade: "general-2", Values: []string{"男", "女"}},
		{Name: "出生日期", Type: catalog.TypeDate, Grade: "general-2"},
		{Name: "手机号码", Type: catalog.TypeChar, Length: 11, Grade: "general-3", Personal: true, PersonalKind: "联系方式", Format: catalog.FormatMobile},
		{Name: "登记次数", Type: catalog.TypeInteger, Grade: "general-1", Min: "0", Max: "99"},
	}
}

// publish creates, submits and approves an entry of the agency's officer
// and returns its dataset.
func publish(t testing.TB, a *app.App, officer, reviewer, name string, items []catalog.Item) collect.Dataset {
	t.Helper()
	ctx := context.Background()
	m := catalog.Metadata{
		Name: name, ClassCode: "3440000100001", Summary: name + "的登记信息", DataForm: catalog.FormDatabase, Format: "RDBMS", Items: items,
		ShareType: catalog.ShareConditional, ShareBasis: "《广东省公共数据管理办法》第十三条", ShareConditions: "仅限依法履职需要",
		ShareScope: "全省", ShareModes: []catalog.ShareMode{catalog.ModeAPI}, OpenAttr: catalog.OpenNone, UpdateFreq: catalog.FreqDaily,
		CollectingAgency: "本机构", VerifyingAgency: "本机构", ProvidingAgency: "本机构", Keywords: []string{"测试"},
	}
	e, err := a.Catalog.Create(ctx, actor(t, a, officer), m)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if _, err := a.Catalog.Submit(ctx, actor(t, a, officer), e.ID); err != nil {
		t.Fatalf("submit %s: %v", name, err)
	}
	if _, err := a.Catalog.Review(ctx, actor(t, a, reviewer), e.ID, "approve", ""); err != nil {
		t.Fatalf("approve %s: %v", name, err)
	}
	ds, err := a.Collect.DatasetOfEntry(ctx, e.ID)
	if err != nil {
		t.Fatalf("dataset of %s: %v", name, err)
	}
	return ds
}

// csvOf builds a CSV input for the dataset from rows of item values.
func csvLoad(t testing.TB, ds collect.Dataset, mode collect.Mode, text string) collect.LoadInput {
	t.Helper()
	r, err := collect.OpenReader(collect.FormatCSV, strings.NewReader(text), ds.Fields(), collect.ReadOptions{})
	if err != nil {
		t.Fatalf("open csv: %v", err)
	}
	return collect.LoadInput{Channel: collect.ChannelUpload, Mode: mode, Reader: r, Format: collect.FormatCSV, FileName: "test.csv"}
}

// ids returns n valid resident ID numbers.
func ids(n int) []string {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	out := make([]string, n)
	for i := range out {
		out[i] = ident.RandomResidentID(r, "440103")
	}
	return out
}

// content returns the live rows of the dataset as "id|name|…" lines, sorted by key.
func content(t testing.TB, a *app.App, ds collect.Dataset) []string {
	t.Helper()
	live := ds.Live()
	cols := make([]string, len(live))
	for i, c := range live {
		cols[i] = "coalesce(CAST(" + c.Name + " AS TEXT), '')"
	}
	rows, err := a.DB.Read().QueryContext(context.Background(), "SELECT "+strings.Join(cols, " || '|' || ")+" FROM "+ds.Table+" WHERE NOT "+deleted(a)+" ORDER BY c1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func deleted(a *app.App) string {
	if a.DB.Dialect == "postgres" {
		return "_deleted"
	}
	return "_deleted = 1"
}

func TestLoadFullIncrementalAndDelete(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		ds := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
		officer := actor(t, a, "gd.police")
		id := ids(4)
		header := "公民身份号码,姓名,性别,出生日期,手机号码,登记次数\n"
		b, err := a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, ds, collect.ModeFull, header+
			id[0]+",张三,男,1990-01-02,13800138000,1\n"+id[1]+",李四,女,1985/3/4,,2\n"+id[2]+",王五,,,,\n"))
		if err != nil || b.State != collect.BatchLoaded {
			t.Fatalf("full load: %v %+v", err, b)
		}
		if b.RowsRead != 3 || b.RowsInserted != 3 || b.RowsUpdated != 0 {
			t.Fatalf("full load counts: %+v", b)
		}
		if got := content(t, a, ds); len(got) != 3 {
			t.Fatalf("after full load: %v", got)
		}
		// Incremental: change one, add one, delete one.
		b, err = a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, ds, collect.ModeIncremental, "公民身份号码,姓名,_op\n"+
			id[0]+",张三丰,\n"+id[3]+",赵六,\n"+id[2]+",,delete\n"))
		if err != nil || b.State != collect.BatchLoaded {
			t.Fatalf("incremental: %v %+v", err, b)
		}
		if b.RowsInserted != 1 || b.RowsUpdated != 1 || b.RowsDeleted != 1 {
			t.Fatalf("incremental counts: %+v", b)
		}
		got := content(t, a, ds)
		if len(got) != 3 || !strings.Contains(strings.Join(got, "\n"), "张三丰") || strings.Contains(strings.Join(got, "\n"), "王五") {
			t.Fatalf("after incremental: %v", got)
		}
		// A full load replaces: rows not in it are marked deleted, not lost.
		b, err = a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, ds, collect.ModeFull, header+id[1]+",李四,女,1985-03-04,,3\n"))
		if err != nil || b.State != collect.BatchLoaded || b.RowsDeleted != 2 {
			t.Fatalf("second full load: %v %+v", err, b)
		}
		d, err := a.Collect.Dataset(ctx, officer, ds.ID)
		if err != nil || d.RowCount != 1 || d.LastBatchID != b.ID || d.LastLoadAt == nil {
			t.Fatalf("dataset after loads: %v %+v", err, d)
		}
		var total int
		if err := a.DB.Read().QueryRowContext(ctx, "SELECT count(*) FROM "+ds.Table).Scan(&total); err != nil || total != 4 {
			t.Fatalf("rows kept with the deleted flag: %d %v", total, err)
		}
	})
}

func TestBadRowLoadsNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		ds := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
		officer := actor(t, a, "gd.police")
		id := ids(5)
		header := "公民身份号码,姓名,性别,出生日期,手机号码,登记次数\n"
		if b, err := a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, ds, collect.ModeFull, header+id[0]+",张三,男,1990-01-02,,1\n")); err != nil || b.State != collect.BatchLoaded {
			t.Fatalf("first load: %v %+v", err, b)
		}
		before := content(t, a, ds)
		bad := id[2][:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[2][17])+1)%11])
		b, err := a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, ds, collect.ModeIncremental, header+
			id[1]+",李四,女,1985-03-04,,2\n"+bad+",王五,男,,,\n"+id[3]+",,男,,,\n"+id[4]+",孙七,X,2023-02-30,1380013800,100\n"))
		if err != nil {
			t.Fatal(err)
		}
		if b.State != collect.BatchRejected || b.RowsInserted != 0 {
			t.Fatalf("batch with bad rows: %+v", b)
		}
		want := map[string]string{"3/公民身份号码": "collect.value.resident_id", "4/姓名": "collect.value.required", "5/性别": "collect.value.enum",
			"5/出生日期": "collect.value.date", "5/手机号码": "collect.value.mobile", "5/登记次数": "collect.value.range"}
		got := map[string]string{}
		for _, r := range b.Errors {
			got[fmt.Sprintf("%d/%s", r.Row, r.Field)] = r.Code
			if r.ZH == "" || r.EN == "" {
				t.Errorf("rejection without both languages: %+v", r)
			}
			if r.Field == "公民身份号码" && r.Value != "" {
				t.Errorf("a personal value echoed in a rejection: %+v", r)
			}
		}
		for k, code := range want {
			if got[k] != code {
				t.Errorf("rejection %s = %q, want %q (all: %v)", k, got[k], code, got)
			}
		}
		if after := content(t, a, ds); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Fatalf("a rejected batch changed the dataset: %v → %v", before, after)
		}
		// The rejected batch is on record with its report.
		bs, err := a.Collect.Batches(ctx, officer, ds.ID)
		if err != nil || len(bs) != 2 || bs[0].State != collect.BatchRejected || bs[0].ErrorCount != int64(len(b.Errors)) {
			t.Fatalf("batches: %v %+v", err, bs)
		}
	})
}

func TestRepeatedKeyInBatchIsNamed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		ds := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
		officer := actor(t, a, "gd.police")
		id := ids(3)
		header := "公民身份号码,姓名\n"
		for _, mode := range []collect.Mode{collect.ModeFull, collect.ModeIncremental} {
			b, err := a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, ds, mode, header+id[0]+",甲\n"+id[1]+",乙\n"+id[2]+",丙\n"+id[0]+",丁\n"))
			if err != nil {
				t.Fatal(err)
			}
			if b.State != collect.BatchRejected || len(b.Errors) != 1 || b.Errors[0].Row != 5 || b.Errors[0].Code != "collect.key.duplicate" || !strings.Contains(b.Errors[0].ZH, "第 2 行") {
				t.Fatalf("%s: repeated key: %+v", mode, b)
			}
			if got := content(t, a, ds); len(got) != 0 {
				t.Fatalf("%s: rows loaded from a rejected batch: %v", mode, got)
			}
		}
		// A key deleted and written in one batch is repeated too, whatever
		// the order and whether the dataset held it, on both engines.
		for name, body := range map[string]string{
			"delete then write": id[1] + ",,delete\n" + id[0] + ",甲,\n" + id[1] + ",乙,\n",
			"write then delete": id[0] + ",甲,\n" + id[1] + ",乙,\n" + id[1] + ",,delete\n",
			"delete twice":      id[1] + ",,delete\n" + id[0] + ",甲,\n" + id[1] + ",,delete\n",
		} {
			for _, filled := range []bool{false, true} {
				if filled {
					if b, err := a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, ds, collect.ModeFull, header+id[1]+",乙\n"+id[2]+",丙\n")); err != nil || b.State != collect.BatchLoaded {
						t.Fatalf("fill: %v %+v", err, b)
					}
				}
				before := content(t, a, ds)
				b, err := a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, ds, collect.ModeIncremental, "公民身份号码,姓名,_op\n"+body))
				if err != nil {
					t.Fatal(err)
				}
				if b.State != collect.BatchRejected || len(b.Errors) != 1 || b.Errors[0].Row != 4 || b.Errors[0].Code != "collect.key.duplicate" {
					t.Fatalf("%s (dataset filled %v): %+v", name, filled, b)
				}
				if after := content(t, a, ds); strings.Join(after, "\n") != strings.Join(before, "\n") {
					t.Fatalf("%s: a rejected batch changed the dataset", name)
				}
			}
		}
		// An empty full batch would delete everything: refused.
		b, err := a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, ds, collect.ModeFull, header))
		if err != nil || b.State != collect.BatchRejected || b.Errors[0].Code != "collect.full.empty" {
			t.Fatalf("empty full load: %v %+v", err, b)
		}
		if got := content(t, a, ds); len(got) != 2 {
			t.Fatalf("after an empty full load: %v", got)
		}
	})
}

func TestPushIsIdempotent(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		ds := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
		officer := actor(t, a, "gd.police")
		id := ids(2)
		in := func(text string) collect.LoadInput {
			l := csvLoad(t, ds, collect.ModeIncremental, text)
			l.Channel, l.ClientBatchID = collect.ChannelPush, "push-2026-11-23-001"
			return l
		}
		b1, err := a.Collect.Load(ctx, officer, ds.ID, in("公民身份号码,姓名\n"+id[0]+",甲\n"))
		if err != nil || b1.State != collect.BatchLoaded || b1.Replayed {
			t.Fatalf("first push: %v %+v", err, b1)
		}
		b2, err := a.Collect.Load(ctx, officer, ds.ID, in("公民身份号码,姓名\n"+id[1]+",乙\n"))
		if err != nil || b2.ID != b1.ID || !b2.Replayed {
			t.Fatalf("repeated push: %v %+v", err, b2)
		}
		if got := content(t, a, ds); len(got) != 1 {
			t.Fatalf("a repeated push loaded again: %v", got)
		}
	})
}

func TestOnlyTheAgencysOfficerLoads(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		ds := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
		for who, kind := range map[string]apperr.Kind{"gd.civil": apperr.NotFound, "hz.police": apperr.NotFound, "gd.reviewer": apperr.Forbidden} {
			_, err := a.Collect.Load(ctx, actor(t, a, who), ds.ID, csvLoad(t, ds, collect.ModeFull, "公民身份号码,姓名\n"+ids(1)[0]+",甲\n"))
			if apperr.KindOf(err) != kind {
				t.Errorf("%s loading another agency's dataset: %v, want %v", who, err, kind)
			}
		}
		anon := audit.Actor{Username: "anonymous"}
		if _, err := a.Collect.Load(ctx, anon, ds.ID, csvLoad(t, ds, collect.ModeFull, "公民身份号码,姓名\n")); err == nil {
			t.Error("an anonymous caller loaded")
		}
		if got := content(t, a, ds); len(got) != 0 {
			t.Fatalf("a refused load wrote: %v", got)
		}
	})
}

func TestNewVersionMigratesTheTableWithoutLosingRows(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		ds := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
		officer := actor(t, a, "gd.police")
		id := ids(2)
		if b, err := a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, ds, collect.ModeFull, "公民身份号码,姓名,登记次数\n"+id[0]+",甲,3\n"+id[1]+",乙,4\n")); err != nil || b.State != collect.BatchLoaded {
			t.Fatalf("load: %v %+v", err, b)
		}
		// Version 2: drop 手机号码, retype 登记次数 to N, add 户籍地址.
		e, err := a.Catalog.NewVersion(ctx, officer, ds.EntryID)
		if err != nil {
			t.Fatal(err)
		}
		m := e.Metadata
		var items []catalog.Item
		for _, it := range m.Items {
			switch it.Name {
			case "手机号码":
				continue
			case "登记次数":
				it.Type, it.Min, it.Max = catalog.TypeNumber, "", ""
			}
			items = append(items, it)
		}
		m.Items = append(items, catalog.Item{Name: "户籍地址", Type: catalog.TypeChar, Length: 200, Grade: "general-3", Personal: true, PersonalKind: "地址"})
		if _, err := a.Catalog.Update(ctx, officer, ds.EntryID, m); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Submit(ctx, officer, ds.EntryID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Review(ctx, actor(t, a, "gd.reviewer"), ds.EntryID, "approve", ""); err != nil {
			t.Fatal(err)
		}
		d2, err := a.Collect.Dataset(ctx, officer, ds.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d2.SchemaVersion != 2 || len(d2.Columns) != 7 || len(d2.Live()) != 6 {
			t.Fatalf("migrated columns: %+v", d2.Columns)
		}
		got := content(t, a, d2)
		if len(got) != 2 || !strings.Contains(got[0]+got[1], "甲") {
			t.Fatalf("rows after migration: %v", got)
		}
		if b, err := a.Collect.Load(ctx, officer, ds.ID, csvLoad(t, d2, collect.ModeIncremental, "公民身份号码,姓名,登记次数,户籍地址\n"+id[0]+",甲,3.5,广州市越秀区\n")); err != nil || b.State != collect.BatchLoaded {
			t.Fatalf("load after migration: %v %+v", err, b)
		}
		if got := content(t, a, d2); !strings.Contains(strings.Join(got, "\n"), "广州市越秀区") {
			t.Fatalf("new column not loaded: %v", got)
		}
	})
}
