package collect_test

import (
	"context"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
)

func TestHoldersOfADataElement(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		// The police claim the element 户籍地址 (registered as its legal source);
		// civil affairs carry it under another item name.
		police := publish(t, a, "gd.police", "gd.reviewer", "户籍人口信息", append(personItems(),
			catalog.Item{Name: "户籍地址", Type: catalog.TypeChar, Length: 200, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Element: "户籍地址", Source: true}))
		civil := publish(t, a, "gd.civil", "gd.reviewer", "婚姻登记信息", append(marriageItems(),
			catalog.Item{Name: "登记人户籍地", Type: catalog.TypeChar, Length: 200, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Element: "户籍地址"}))
		hrss := publish(t, a, "gd.hrss", "gd.reviewer", "社会保险参保信息", insuranceItems())
		id := ids(2)
		mustLoad(t, a, "gd.police", police, csvLoad(t, police, collect.ModeFull, "公民身份号码,姓名,户籍地址\n"+id[0]+",甲,广州市\n"+id[1]+",乙,惠州市\n"))

		hs, err := a.Collect.Holders(ctx, actor(t, a, "gd.hrss"), "户籍地址")
		if err != nil || len(hs) != 2 {
			t.Fatalf("holders: %v %+v", err, hs)
		}
		if h := hs[0]; h.DatasetID != police.ID || !h.LegalSource || h.Rows != 2 || h.LastLoadAt == nil || h.Item != "户籍地址" || h.ResourceCode == "" || h.AgencyName != "广东省公安厅" {
			t.Fatalf("first holder (the legal source): %+v", h)
		}
		if h := hs[1]; h.DatasetID != civil.ID || h.LegalSource || h.Item != "登记人户籍地" || h.Rows != 0 {
			t.Fatalf("second holder: %+v", h)
		}
		// An item without an element carries the element of its name.
		// (The demo's catalog holds a dataset of its own that carries it.)
		hs, err = a.Collect.Holders(ctx, actor(t, a, "hz.police"), "公民身份号码")
		held := map[int64]bool{}
		for _, h := range hs {
			held[h.DatasetID] = true
		}
		if err != nil || !held[police.ID] || !held[civil.ID] || !held[hrss.ID] {
			t.Fatalf("holders of 公民身份号码: %v %+v", err, hs)
		}
		if hs, err := a.Collect.Holders(ctx, actor(t, a, "gd.reviewer"), "参保状态"); err != nil || len(hs) != 1 || hs[0].DatasetID != hrss.ID {
			t.Fatalf("holders of 参保状态: %v %+v", err, hs)
		}
		if hs, err := a.Collect.Holders(ctx, actor(t, a, "auditor"), "血型"); err != nil || len(hs) != 0 {
			t.Fatalf("holders of an element nobody holds: %v %+v", err, hs)
		}

		for name, who := range map[string]audit.Actor{"public user": actor(t, a, "public"), "data subject": actor(t, a, "subject"), "anonymous": anonymous} {
			t.Run(name, func(t *testing.T) {
				_, err := a.Collect.Holders(ctx, who, "户籍地址")
				wantAppErr(t, err, "collect.holders.forbidden")
			})
		}
		_, err = a.Collect.Holders(ctx, actor(t, a, "gd.police"), " ")
		e := wantAppErr(t, err, "collect.holders.element")
		if e.Kind != apperr.Invalid {
			t.Fatalf("kind %v", e.Kind)
		}
		if n := auditEntries(t, a, "collect.holders", audit.OK); n != 4 {
			t.Fatalf("%d audited lookups, want 4", n)
		}
		if n := auditEntries(t, a, "collect.holders", audit.Denied); n != 3 {
			t.Fatalf("%d audited refusals, want 3", n)
		}
	})
}
