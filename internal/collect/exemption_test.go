package collect_test

import (
	"context"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/collect"
)

func TestChannelExemptions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		hz := publish(t, a, "hz.police", "hz.reviewer", "惠州户籍人口信息", personItems())
		jm := publish(t, a, "jm.police", "jm.reviewer", "江门户籍人口信息", personItems())
		gd := publish(t, a, "gd.police", "gd.reviewer", "全省户籍人口信息", personItems())

		x, err := a.Collect.FileExemption(ctx, actor(t, a, "hz.police"), hz.EntryID, "  业务系统为国垂系统，暂无接口  ", "每月导出文件报送")
		if err != nil {
			t.Fatal(err)
		}
		authority, _ := a.Orgs.Authority(ctx, "441300")
		if x.ID == 0 || x.EntryID != hz.EntryID || x.AgencyID != hz.AgencyID || x.AuthorityID != authority.ID || x.Jurisdiction != "441300" ||
			x.Basis != "HZ §18" || x.Reason != "业务系统为国垂系统，暂无接口" || x.Alternative != "每月导出文件报送" || x.ResourceCode != hz.ResourceCode || x.FiledBy == 0 {
			t.Fatalf("exemption: %+v", x)
		}
		// Where the profile has no such rule the basis is still HZ §18.
		if x, err := a.Collect.FileExemption(ctx, actor(t, a, "jm.police"), jm.EntryID, "系统改造中", ""); err != nil || x.Basis != "HZ §18" || x.Jurisdiction != "440700" {
			t.Fatalf("jiangmen exemption: %v %+v", err, x)
		}
		if _, err := a.Collect.FileExemption(ctx, actor(t, a, "gd.police"), gd.EntryID, "涉密网络，无法联网", "离线介质交换"); err != nil {
			t.Fatal(err)
		}

		refusals := map[string]struct {
			who   audit.Actor
			entry int64
			why   string
			code  string
		}{
			"officer of another agency": {actor(t, a, "gd.civil"), gd.EntryID, "理由", "collect.exemption.forbidden"},
			"officer of another city":   {actor(t, a, "jm.police"), hz.EntryID, "理由", "collect.exemption.forbidden"},
			"reviewer":                  {actor(t, a, "hz.reviewer"), hz.EntryID, "理由", "collect.exemption.forbidden"},
			"agency data user":          {actor(t, a, "hz.health.user"), hz.EntryID, "理由", "collect.exemption.forbidden"},
			"anonymous":                 {anonymous, hz.EntryID, "理由", "collect.exemption.forbidden"},
			"no reason":                 {actor(t, a, "hz.police"), hz.EntryID, " ", "collect.exemption.reason"},
			"no such entry":             {actor(t, a, "hz.police"), 999999, "理由", "collect.exemption.entry"},
		}
		for name, c := range refusals {
			t.Run(name, func(t *testing.T) {
				_, err := a.Collect.FileExemption(ctx, c.who, c.entry, c.why, "")
				wantAppErr(t, err, c.code)
			})
		}
		if n := auditEntries(t, a, "collect.exemption.file", audit.OK); n != 3 {
			t.Fatalf("%d filings audited, want 3", n)
		}
		if n := auditEntries(t, a, "collect.exemption.file", audit.Denied); n != 5 {
			t.Fatalf("%d refusals audited, want 5", n)
		}

		for who, want := range map[string]int{"hz.police": 1, "hz.reviewer": 1, "jm.reviewer": 1, "gd.reviewer": 3, "auditor": 3, "gd.police": 1, "gd.civil": 0, "hz.health": 0} {
			xs, err := a.Collect.Exemptions(ctx, actor(t, a, who), collect.ExemptionFilter{})
			if err != nil || len(xs) != want {
				t.Errorf("%s sees %d exemptions (%v), want %d", who, len(xs), err, want)
			}
		}
		if xs, err := a.Collect.Exemptions(ctx, actor(t, a, "gd.reviewer"), collect.ExemptionFilter{Jurisdiction: "441300"}); err != nil || len(xs) != 1 || xs[0].ID != x.ID {
			t.Errorf("filtered by jurisdiction: %v %+v", err, xs)
		}
		if xs, err := a.Collect.Exemptions(ctx, actor(t, a, "gd.reviewer"), collect.ExemptionFilter{EntryID: gd.EntryID}); err != nil || len(xs) != 1 || xs[0].EntryID != gd.EntryID {
			t.Errorf("filtered by entry: %v %+v", err, xs)
		}
		for name, who := range map[string]audit.Actor{"anonymous": anonymous, "public user": actor(t, a, "public")} {
			if _, err := a.Collect.Exemptions(ctx, who, collect.ExemptionFilter{}); err == nil {
				t.Errorf("%s lists exemptions", name)
			} else {
				wantAppErr(t, err, "collect.exemption.forbidden_read")
			}
		}
	})
}
