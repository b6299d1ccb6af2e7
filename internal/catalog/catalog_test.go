package catalog_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
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

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// valid returns metadata that passes every rule, to be varied by a test.
func valid(name string) catalog.Metadata {
	return catalog.Metadata{
		Name: name, ClassCode: "3440100100001", Summary: name + "的登记与变更信息", DataForm: catalog.FormDatabase, Format: "RDBMS",
		Items: []catalog.Item{
			{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, Key: true, KeyKind: catalog.KeyResidentID, Required: true},
			{Name: "办理日期", Type: catalog.TypeDate, Grade: "general-2"},
		},
		ShareType: catalog.ShareConditional, ShareBasis: "《广东省公共数据管理办法》第十三条", ShareConditions: "仅限依法履职需要",
		ShareScope: "全省", ShareModes: []catalog.ShareMode{catalog.ModeAPI},
		OpenAttr: catalog.OpenNone, UpdateFreq: catalog.FreqDaily,
		CollectingAgency: "本机构", VerifyingAgency: "本机构", ProvidingAgency: "本机构", Keywords: []string{"测试"},
	}
}

// codes returns the error codes and fields of err.
func codes(err error) map[string]string {
	out := map[string]string{}
	switch e := err.(type) {
	case apperr.List:
		for _, x := range e {
			out[x.Field] = x.Code
		}
	case *apperr.Error:
		out[e.Field] = e.Code
	}
	return out
}

func create(t *testing.T, a *app.App, who string, m catalog.Metadata) catalog.Entry {
	t.Helper()
	e, err := a.Catalog.Create(context.Background(), actor(t, a, who), m)
	if err != nil {
		t.Fatalf("create %s: %v", m.Name, err)
	}
	return e
}

func TestSharingRulesOnSubmit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		cases := []struct {
			name   string
			edit   func(m *catalog.Metadata)
			field  string
			code   string
			onSave bool // a contradiction is refused on save; an omission on submit
		}{
			{"conditional without basis", func(m *catalog.Metadata) { m.ShareBasis = "" }, "share_basis", "catalog.conditional_basis", false},
			{"conditional without conditions", func(m *catalog.Metadata) { m.ShareConditions = "" }, "share_conditions", "catalog.conditional_conditions", false},
			{"not shared without legal basis", func(m *catalog.Metadata) { m.ShareType, m.ShareBasis = catalog.ShareNone, "" }, "share_basis", "catalog.not_shared_basis", false},
			{"no sharing type", func(m *catalog.Metadata) { m.ShareType = "" }, "share_type", "catalog.required", false},
			{"no open attribute", func(m *catalog.Metadata) { m.OpenAttr = "" }, "open_attr", "catalog.required", false},
			{"no update frequency", func(m *catalog.Metadata) { m.UpdateFreq = "" }, "update_freq", "catalog.required", false},
			{"no providing department", func(m *catalog.Metadata) { m.ProvidingAgency = "" }, "providing_agency", "catalog.required", false},
			{"no items for a database", func(m *catalog.Metadata) { m.Items = nil }, "items", "catalog.items_required", false},
			{"grade over the unconditional sharing limit", func(m *catalog.Metadata) { m.ShareType = catalog.ShareUnconditional }, "items[0].grade", "catalog.grade_over_limit", true},
			{"personal data opened unconditionally", func(m *catalog.Metadata) { m.OpenAttr = catalog.OpenUnconditional }, "items[0].grade", "catalog.grade_over_limit", true},
			{"core data shared conditionally", func(m *catalog.Metadata) { m.Items[1].Grade = "core" }, "items[1].grade", "catalog.grade_over_limit", true},
			{"a grade the profile does not define", func(m *catalog.Metadata) { m.Items[1].Grade = "secret" }, "items[1].grade", "catalog.enum", true},
			{"an ID-number key of the wrong shape", func(m *catalog.Metadata) { m.Items[0].Length = 20 }, "items[0].type", "catalog.key_shape", true},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				m := valid("规则测试" + strconv.Itoa(i))
				c.edit(&m)
				e, err := a.Catalog.Create(ctx, actor(t, a, "gd.police"), m)
				if c.onSave {
					if codes(err)[c.field] != c.code {
						t.Fatalf("save: %v (want %s on %s)", err, c.code, c.field)
					}
					return
				}
				// An incomplete draft may be saved; submitting it is refused.
				if err != nil {
					t.Fatalf("save: %v", err)
				}
				_, err = a.Catalog.Submit(ctx, actor(t, a, "gd.police"), e.ID)
				if got := codes(err); got[c.field] != c.code {
					t.Fatalf("submit: %v (want %s on %s)", err, c.code, c.field)
				}
				if e2, _, _ := a.Catalog.Get(ctx, actor(t, a, "gd.police"), e.ID); e2.Status != catalog.StatusDraft {
					t.Fatalf("a refused submission changed the entry: %s", e2.Status)
				}
			})
		}
	})
}

func TestNotSharedIsFiledWithTheAuthority(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		m := valid("涉密人员信息")
		m.ShareType, m.ShareBasis, m.ShareScope, m.ShareModes = catalog.ShareNone, "《中华人民共和国保守国家秘密法》第二十八条", "", nil
		e := create(t, a, "hz.police", m)
		if _, err := a.Catalog.Submit(ctx, actor(t, a, "hz.police"), e.ID); err != nil {
			t.Fatal(err)
		}
		fs, err := a.Catalog.Filings(ctx, actor(t, a, "hz.reviewer"))
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].EntryID != e.ID || fs[0].Basis != m.ShareBasis {
			t.Fatalf("filings seen by the Huizhou authority: %+v", fs)
		}
		hzAuth, _ := a.Orgs.Authority(ctx, "441300")
		if fs[0].AuthorityID != hzAuth.ID {
			t.Fatalf("filed with %d, want the same-level authority %d", fs[0].AuthorityID, hzAuth.ID)
		}
		if fs, _ := a.Catalog.Filings(ctx, actor(t, a, "jm.reviewer")); len(fs) != 0 {
			t.Fatalf("another city's authority sees the filing: %+v", fs)
		}
	})
}

func TestOneSourcePerElement(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		m := valid("出生登记信息")
		m.Items = append(m.Items, catalog.Item{Name: "出生医学证明编号", Type: catalog.TypeChar, Length: 20, Grade: "general-2", Source: true})
		first := create(t, a, "gd.police", m)
		if _, err := a.Catalog.Submit(ctx, actor(t, a, "gd.police"), first.ID); err != nil {
			t.Fatal(err)
		}
		m.Name = "出生医学证明信息"
		second := create(t, a, "gd.civil", m)
		_, err := a.Catalog.Submit(ctx, actor(t, a, "gd.civil"), second.ID)
		if codes(err)["items[2].source"] != "catalog.source_conflict" {
			t.Fatalf("second claim: %v", err)
		}
		conflicts, err := a.Catalog.Conflicts(ctx, actor(t, a, "gd.reviewer"), "open")
		if err != nil || len(conflicts) != 1 || conflicts[0].ElementName != "出生医学证明编号" {
			t.Fatalf("conflict for the authority: %+v %v", conflicts, err)
		}
		// The authority settles it for the claimant; then the claimant's submission passes.
		if _, err := a.Catalog.Settle(ctx, actor(t, a, "gd.reviewer"), conflicts[0].ID, "claimant", ""); codes(err)["reason"] == "" {
			t.Fatalf("settling without a reason: %v", err)
		}
		if _, err := a.Catalog.Settle(ctx, actor(t, a, "hz.reviewer"), conflicts[0].ID, "claimant", "x"); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("another city's reviewer settles: %v", err)
		}
		if _, err := a.Catalog.Settle(ctx, actor(t, a, "gd.reviewer"), conflicts[0].ID, "claimant", "出生医学证明由卫生健康部门签发，数源调整"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Submit(ctx, actor(t, a, "gd.civil"), second.ID); err != nil {
			t.Fatalf("after settlement: %v", err)
		}
		els, _ := a.Catalog.Elements(ctx, "出生医学证明编号")
		civil, _ := a.Accounts.UserByName(ctx, "gd.civil")
		if len(els) != 1 || els[0].SourceID != civil.AgencyID {
			t.Fatalf("register after settlement: %+v", els)
		}
	})
}

func TestReviewPublishVersionAndDelist(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		officer, reviewer := actor(t, a, "mz.police"), actor(t, a, "mz.reviewer")
		a.Cases.SetClock(func() time.Time { return at("2026-09-30 10:00") })
		defer a.Cases.SetClock(time.Now)
		e := create(t, a, "mz.police", valid("梅州市流动人口信息"))
		e, err := a.Catalog.Submit(ctx, officer, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != catalog.StatusInReview {
			t.Fatalf("status %s", e.Status)
		}
		_, vs, _ := a.Catalog.Get(ctx, officer, e.ID)
		c, _, err := a.Cases.Case(ctx, officer, vs[0].CaseID)
		if err != nil {
			t.Fatal(err)
		}
		// MZ §7: 5 working days; 2026 National Day break (10-01..10-07, make-up 09-27 and 10-10).
		if c.DueBasis != "MZ §7" || c.DueDate != "2026-10-13" {
			t.Fatalf("review due %s (%s)", c.DueDate, c.DueBasis)
		}
		// Other agencies do not see a draft or an entry in review.
		if _, _, err := a.Catalog.Get(ctx, actor(t, a, "hz.police"), e.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("another agency reads an entry in review: %v", err)
		}
		if _, err := a.Catalog.Review(ctx, reviewer, e.ID, "return", ""); codes(err)["reasons"] != "case.field_required" {
			t.Fatalf("return without reasons: %v", err)
		}
		if _, err := a.Catalog.Review(ctx, actor(t, a, "hz.reviewer"), e.ID, "approve", ""); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("another city's reviewer: %v", err)
		}
		if _, err := a.Catalog.Review(ctx, reviewer, e.ID, "return", "摘要不完整"); err != nil {
			t.Fatal(err)
		}
		m := valid("梅州市流动人口信息")
		m.Summary = "梅州市流动人口登记、居住登记信息"
		if _, err := a.Catalog.Update(ctx, officer, e.ID, m); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Submit(ctx, officer, e.ID); err != nil {
			t.Fatal(err)
		}
		e, err = a.Catalog.Review(ctx, reviewer, e.ID, "approve", "")
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != catalog.StatusPublished || e.PublishedVersion != 1 || e.PublishedAt == nil {
			t.Fatalf("published: %+v", e)
		}
		// Published: every government agency sees it.
		if _, _, err := a.Catalog.Get(ctx, actor(t, a, "hz.health"), e.ID); err != nil {
			t.Fatalf("another agency reads a published entry: %v", err)
		}
		// A change is a new version; the published one stays in force until approved.
		e, err = a.Catalog.NewVersion(ctx, officer, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		m.ShareConditions = "仅限公安、民政部门"
		if _, err := a.Catalog.Update(ctx, officer, e.ID, m); err != nil {
			t.Fatal(err)
		}
		got, _, _ := a.Catalog.Get(ctx, officer, e.ID)
		if got.ShareConditions != "仅限依法履职需要" || got.PublishedVersion != 1 || got.LatestVersion != 2 {
			t.Fatalf("while version 2 is drafted: %+v", got)
		}
		if _, err := a.Catalog.Submit(ctx, officer, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Review(ctx, reviewer, e.ID, "approve", ""); err != nil {
			t.Fatal(err)
		}
		got, vs, _ = a.Catalog.Get(ctx, officer, e.ID)
		if got.ShareConditions != "仅限公安、民政部门" || got.PublishedVersion != 2 || len(vs) != 2 || vs[1].State != catalog.VersionSuperseded || vs[1].Metadata.ShareConditions != "仅限依法履职需要" {
			t.Fatalf("after version 2: %+v %+v", got, vs)
		}
		changes := catalog.Diff(vs[1].Metadata, vs[0].Metadata)
		found := false
		for _, ch := range changes {
			if ch.Field == "share_conditions" && ch.Old == "仅限依法履职需要" && ch.New == "仅限公安、民政部门" {
				found = true
			}
		}
		if !found {
			t.Fatalf("diff misses the sharing type: %+v", changes)
		}
		// Delisting needs a reason.
		if _, err := a.Catalog.Delist(ctx, officer, e.ID, " "); codes(err)["reason"] != "catalog.delist_reason" {
			t.Fatalf("delist without reason: %v", err)
		}
		if _, err := a.Catalog.Delist(ctx, actor(t, a, "hz.police"), e.ID, "x"); err == nil {
			t.Fatal("another agency delisted the entry")
		}
		e, err = a.Catalog.Delist(ctx, officer, e.ID, "职能调整，数据不再产生")
		if err != nil || e.Status != catalog.StatusDelisted || e.DelistReason == "" {
			t.Fatalf("delist: %+v %v", e, err)
		}
		es, _ := a.Trail.List(ctx, audit.Filter{ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(e.ID, 10), Limit: 100})
		seen := map[string]bool{}
		for _, x := range es {
			seen[x.Action] = true
		}
		for _, want := range []string{"catalog.create", "catalog.submit", "catalog.return", "catalog.update", "catalog.approve", "catalog.new_version", "catalog.delist", "catalog.read"} {
			if !seen[want] {
				t.Errorf("audit lacks %s", want)
			}
		}
	})
}

func TestOverdueReviewAndUpdateRaiseNotices(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		officer, reviewer := actor(t, a, "hz.police"), actor(t, a, "hz.reviewer")
		a.Cases.SetClock(func() time.Time { return at("2026-03-02 09:00") })
		defer a.Cases.SetClock(time.Now)
		late := create(t, a, "hz.police", valid("惠州市临时身份证明信息"))
		if _, err := a.Catalog.Submit(ctx, officer, late.ID); err != nil {
			t.Fatal(err)
		}
		pub := create(t, a, "hz.police", valid("惠州市户口迁移信息"))
		if _, err := a.Catalog.Submit(ctx, officer, pub.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Review(ctx, reviewer, pub.ID, "approve", ""); err != nil {
			t.Fatal(err)
		}
		// The legal basis changes: the agency owes an update in 15 working days (GD-290 §11, HZ §12).
		c, err := a.Catalog.RecordBasisChange(ctx, reviewer, pub.ID, "《户口登记条例》修订")
		if err != nil {
			t.Fatal(err)
		}
		if c.Kind != "catalog_update" || c.DueDate != "2026-03-23" || c.DueBasis != "HZ §12" {
			t.Fatalf("update owed: %+v", c)
		}
		if got, _, _ := a.Catalog.Get(ctx, officer, pub.ID); got.UpdateDue != "2026-03-23" {
			t.Fatalf("entry does not show the update due: %q", got.UpdateDue)
		}
		// The review of the first entry was due 2026-03-09; by the 24th both deadlines have passed.
		if _, err := a.Cases.MarkOverdue(ctx, at("2026-03-24 08:00")); err != nil {
			t.Fatal(err)
		}
		ns, err := a.Cases.Notices(ctx, reviewer, procedure.NoticeFilter{})
		if err != nil {
			t.Fatal(err)
		}
		hzAuth, _ := a.Orgs.Authority(ctx, "441300")
		var review, update bool
		for _, n := range ns {
			if n.DueKey == "catalog.review" && n.AgainstAgencyID == hzAuth.ID {
				review = true
			}
			if n.DueKey == "catalog.update_after_change" && n.AgainstAgencyID == officer.AgencyID {
				update = true
			}
		}
		if !review || !update {
			t.Fatalf("notices: review %v update %v: %+v", review, update, ns)
		}
		// Submitting the new version discharges the update.
		a.Cases.SetClock(func() time.Time { return at("2026-03-25 09:00") })
		if _, err := a.Catalog.NewVersion(ctx, officer, pub.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Submit(ctx, officer, pub.ID); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := a.Catalog.Get(ctx, officer, pub.ID); got.UpdateDue != "" {
			t.Fatalf("update still owed after submission: %q", got.UpdateDue)
		}
	})
}

func TestRegisters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		officer := actor(t, a, "gd.police")
		m := valid("户籍人口信息")
		m.Items[0].Source, m.Items[0].Element = true, "公民身份号码"
		e := create(t, a, "gd.police", m)
		if _, err := a.Catalog.Submit(ctx, officer, e.ID); err != nil {
			t.Fatal(err)
		}
		// HZ §16: before collecting, the agency sees who already holds the element.
		r, err := a.Catalog.AddRegister(ctx, actor(t, a, "gd.civil"), catalog.RegCollection, "公民身份号码", map[string]string{"legal_basis": "《婚姻登记条例》"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Existing) != 1 || r.Existing[0].SourceID != officer.AgencyID {
			t.Fatalf("existing holders: %+v", r.Existing)
		}
		if _, err := a.Catalog.AddRegister(ctx, officer, catalog.RegSystem, "人口管理信息系统", map[string]string{"owner": "x"}); codes(err)["detail.owner"] == "" {
			t.Fatalf("unknown detail field: %v", err)
		}
		sys, err := a.Catalog.AddRegister(ctx, officer, catalog.RegSystem, "人口管理信息系统", map[string]string{"builder": "广东省公安厅"})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := a.Catalog.AttachDocument(ctx, officer, sys.ID, "数据结构说明.pdf", "data_structure", []byte("%PDF-1.4 表结构"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Catalog.DocumentContent(ctx, actor(t, a, "gd.reviewer"), doc.ID); err != nil {
			t.Fatalf("the authority reads the document: %v", err)
		}
		if _, _, err := a.Catalog.DocumentContent(ctx, actor(t, a, "hz.police"), doc.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("another agency reads the document: %v", err)
		}
		if _, err := a.Catalog.Registers(ctx, actor(t, a, "hz.reviewer"), officer.AgencyID, catalog.RegSystem); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("another city's authority lists the provincial agency's systems: %v", err)
		}
		rs, err := a.Catalog.Registers(ctx, officer, officer.AgencyID, catalog.RegSystem)
		if err != nil || len(rs) != 1 || len(rs[0].Documents) != 1 {
			t.Fatalf("systems: %+v %v", rs, err)
		}
	})
}
