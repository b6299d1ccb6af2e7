package share_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/ident"
	"pubdata/internal/share"
)

// The sharing tests' world, on the light demo (organisations and accounts):
//   - gd.police (广东省公安厅) publishes three entries: Persons (conditional,
//     personal items), Stats (unconditional, nothing personal) and Wanted
//     (not shared), with rows loaded;
//   - hz.police (惠州市公安局) publishes HZPersons (conditional), so that the
//     Huizhou profile's 2 + 3 working days apply;
//   - gd.hrss (人社厅) and hz.health (惠州卫健局) are consumers, each with a
//     registered application system (HRSSApp, HealthApp).

// fixture is the sharing tests' world.
type fixture struct {
	A                *app.App
	Persons          collect.Dataset // gd.police, conditional
	Stats            collect.Dataset // gd.police, unconditional
	Wanted           collect.Dataset // gd.police, not shared
	HZPersons        collect.Dataset // hz.police, conditional (Huizhou profile)
	People           []person        // the rows of Persons and HZPersons
	HRSSApp          share.Credentials
	HealthApp        share.Credentials
	PersonsEntryName string
}

// person is one row of the person datasets.
type person struct {
	ID, Name, Gender, Birth, Mobile, Address, Region string
}

// actor is the audit actor of a demo account.
func actor(t testing.TB, a *app.App, username string) audit.Actor {
	t.Helper()
	u, err := a.Accounts.UserByName(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return (&auth.Principal{User: u}).Actor("127.0.0.1", "test")
}

// personItems: the person datasets' schema. 公民身份号码 is the key; 户籍地
// is a division code, the item a row scope uses.
func personItems() []catalog.Item {
	return []catalog.Item{
		{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyResidentID, Required: true},
		{Name: "姓名", Type: catalog.TypeChar, Length: 50, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Required: true},
		{Name: "性别", Type: catalog.TypeChar, Length: 1, Grade: "general-2", Values: []string{"男", "女"}},
		{Name: "出生日期", Type: catalog.TypeDate, Grade: "general-3", Personal: true, PersonalKind: "身份信息"},
		{Name: "手机号码", Type: catalog.TypeChar, Length: 11, Grade: "general-3", Personal: true, PersonalKind: "联系方式", Format: catalog.FormatMobile},
		{Name: "住址", Type: catalog.TypeChar, Length: 200, Grade: "general-3", Personal: true, PersonalKind: "位置信息"},
		{Name: "户籍地", Type: catalog.TypeChar, Length: 6, Grade: "general-1", Format: catalog.FormatDivision},
	}
}

// statsItems: an unconditional, non-personal dataset.
func statsItems() []catalog.Item {
	return []catalog.Item{
		{Name: "统计编号", Type: catalog.TypeChar, Length: 20, Grade: "general-1", Key: true, KeyKind: catalog.KeyOther, Required: true},
		{Name: "行政区划", Type: catalog.TypeChar, Length: 6, Grade: "general-1", Format: catalog.FormatDivision},
		{Name: "户籍人口数", Type: catalog.TypeInteger, Grade: "general-1"},
	}
}

// publishEntry creates, submits and approves an entry and returns its dataset.
func publishEntry(t testing.TB, a *app.App, officer, reviewer, name string, st catalog.ShareType, items []catalog.Item) collect.Dataset {
	t.Helper()
	ctx := context.Background()
	m := catalog.Metadata{
		Name: name, ClassCode: "3440000100001", Summary: name + "（共享测试）", DataForm: catalog.FormDatabase, Format: "RDBMS", Items: items,
		ShareType: st, ShareScope: "全省", ShareModes: []catalog.ShareMode{catalog.ModeAPI, catalog.ModePlatformDB, catalog.ModeFile},
		OpenAttr: catalog.OpenNone, UpdateFreq: catalog.FreqDaily, CollectingAgency: "本机构", VerifyingAgency: "本机构", ProvidingAgency: "本机构",
		Keywords: []string{"共享测试"},
	}
	switch st {
	case catalog.ShareConditional:
		m.ShareBasis, m.ShareConditions = "《广东省公共数据管理办法》第十三条", "仅限依法履职需要"
	case catalog.ShareNone:
		m.ShareBasis = "《中华人民共和国个人信息保护法》第十三条"
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

// load loads CSV text (header + rows) into a dataset as its officer.
func load(t testing.TB, a *app.App, officer string, ds collect.Dataset, mode collect.Mode, text string) collect.Batch {
	t.Helper()
	r, err := collect.OpenReader(collect.FormatCSV, strings.NewReader(text), ds.Fields(), collect.ReadOptions{})
	if err != nil {
		t.Fatalf("open csv: %v", err)
	}
	b, err := a.Collect.Load(context.Background(), actor(t, a, officer), ds.ID, collect.LoadInput{Channel: collect.ChannelUpload, Mode: mode, Reader: r, Format: collect.FormatCSV, FileName: "fixture.csv"})
	if err != nil {
		t.Fatalf("load %s: %v", ds.Name, err)
	}
	if b.State != "loaded" {
		t.Fatalf("load %s: batch %s: %+v", ds.Name, b.State, b.Errors)
	}
	a.Collect.Settle()
	return b
}

// people makes n persons, half registered in Guangzhou (440100 districts),
// half in Huizhou (4413xx).
func people(n int) []person {
	r := rand.New(rand.NewPCG(5, 23))
	out := make([]person, n)
	for i := range out {
		region := "440103"
		addr := "广东省广州市荔湾区中山八路" + fmt.Sprint(i+1) + "号"
		if i%2 == 1 {
			region, addr = "441302", "广东省惠州市惠城区江北街道文明一路"+fmt.Sprint(i+1)+"号"
		}
		id := ident.RandomResidentID(r, region)
		g := "男"
		if (id[16]-'0')%2 == 0 {
			g = "女"
		}
		out[i] = person{ID: id, Name: ident.RandomChineseName(r), Gender: g, Birth: id[6:10] + "-" + id[10:12] + "-" + id[12:14],
			Mobile: ident.RandomMobile(r), Address: addr, Region: region}
	}
	return out
}

// personsCSV is the CSV of persons for the person datasets.
func personsCSV(ps []person) string {
	var b strings.Builder
	b.WriteString("公民身份号码,姓名,性别,出生日期,手机号码,住址,户籍地\n")
	for _, p := range ps {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s\n", p.ID, p.Name, p.Gender, p.Birth, p.Mobile, p.Address, p.Region)
	}
	return b.String()
}

// eachFixture runs fn on a fresh world on each engine (SQLite, and
// PostgreSQL when PUBDATA_TEST_POSTGRES is set).
func eachFixture(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	apptest.Each(t, func(t *testing.T, a *app.App) { fn(t, newFixture(t, a)) })
}

// newFixture builds the world on a fresh light-demo node.
func newFixture(t testing.TB, a *app.App) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{A: a, People: people(40), PersonsEntryName: "人口基本信息（共享测试）"}
	f.Persons = publishEntry(t, a, "gd.police", "gd.reviewer", f.PersonsEntryName, catalog.ShareConditional, personItems())
	f.Stats = publishEntry(t, a, "gd.police", "gd.reviewer", "户籍人口统计（共享测试）", catalog.ShareUnconditional, statsItems())
	f.Wanted = publishEntry(t, a, "gd.police", "gd.reviewer", "重点人员信息（共享测试）", catalog.ShareNone, personItems())
	f.HZPersons = publishEntry(t, a, "hz.police", "hz.reviewer", "惠州市人口信息（共享测试）", catalog.ShareConditional, personItems())
	load(t, a, "gd.police", f.Persons, collect.ModeFull, personsCSV(f.People))
	load(t, a, "gd.police", f.Wanted, collect.ModeFull, personsCSV(f.People[:10]))
	load(t, a, "hz.police", f.HZPersons, collect.ModeFull, personsCSV(f.People))
	load(t, a, "gd.police", f.Stats, collect.ModeFull, "统计编号,行政区划,户籍人口数\nS2026-440100,440100,18827000\nS2026-441300,441300,6070000\n")
	var err error
	if f.HRSSApp, err = a.Share.RegisterApp(ctx, actor(t, a, "gd.hrss"), share.AppInput{Name: "社保待遇资格认证系统", Description: "核验参保人身份"}); err != nil {
		t.Fatal(err)
	}
	if f.HealthApp, err = a.Share.RegisterApp(ctx, actor(t, a, "hz.health"), share.AppInput{Name: "惠州健康档案系统"}); err != nil {
		t.Fatal(err)
	}
	return f
}
