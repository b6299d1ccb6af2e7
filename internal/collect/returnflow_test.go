package collect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/store"
)

// keys returns the first field of each content line.
func keys(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i], _, _ = strings.Cut(l, "|")
	}
	return out
}

func TestReturnFlowByLocality(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		origin := publish(t, a, "gd.police", "gd.reviewer", "全省户籍人口信息", personItems())
		hz := regionIDs(21, "441302", 3)
		hzCounty := regionIDs(22, "441322", 1)[0]
		gz := regionIDs(23, "440106", 2)

		cp, err := a.Collect.AddReturnFlow(ctx, actor(t, a, "hz.reviewer"), origin.ID)
		if err != nil {
			t.Fatal(err)
		}
		authority, err := a.Orgs.Authority(ctx, "441300")
		if err != nil {
			t.Fatal(err)
		}
		if cp.OriginID != origin.ID || cp.Jurisdiction != "441300" || cp.AgencyID != authority.ID || cp.EntryID != origin.EntryID || cp.Table == origin.Table ||
			len(cp.Columns) != len(origin.Columns) || cp.RowCount != 0 {
			t.Fatalf("copy: %+v", cp)
		}
		if n := auditEntries(t, a, "collect.returnflow.add", audit.OK); n != 1 {
			t.Fatalf("%d add entries", n)
		}

		// The province loads: only Huizhou's rows (its counties' too) flow back.
		mustLoad(t, a, "gd.police", origin, csvLoad(t, origin, collect.ModeFull, "公民身份号码,姓名,性别,出生日期,登记次数\n"+
			hz[0]+",惠一,男,1990-01-02,1\n"+gz[0]+",广一,女,,2\n"+hz[1]+",惠二,女,,\n"+hzCounty+",博罗人,,,\n"+gz[1]+",广二,,,\n"+hz[2]+",惠三,,,3\n"))
		got := content(t, a, cp)
		if len(got) != 4 {
			t.Fatalf("copy after the first load: %v", got)
		}
		for _, k := range keys(got) {
			if !strings.HasPrefix(k, "4413") {
				t.Fatalf("a row of another city flowed back: %v", got)
			}
		}
		if !strings.Contains(strings.Join(got, "\n"), hz[0]+"|惠一|男|1990-01-02||1") {
			t.Fatalf("values changed on the way: %v", got)
		}
		cp, _ = a.Collect.Dataset(ctx, actor(t, a, "hz.reviewer"), cp.ID)
		o, _ := a.Collect.Dataset(ctx, actor(t, a, "gd.reviewer"), origin.ID)
		if cp.OriginCursor != o.LastBatchID || cp.RowCount != 4 {
			t.Fatalf("cursor %d, origin's last batch %d, rows %d", cp.OriginCursor, o.LastBatchID, cp.RowCount)
		}

		// Incremental: an update and a delete of Huizhou, a Guangzhou change.
		mustLoad(t, a, "gd.police", origin, csvLoad(t, origin, collect.ModeIncremental, "公民身份号码,姓名,_op\n"+
			hz[0]+",惠一改,\n"+hz[1]+",,delete\n"+gz[0]+",广一改,\n"))
		bs, err := a.Collect.Batches(ctx, actor(t, a, "hz.reviewer"), cp.ID)
		if err != nil || len(bs) != 2 {
			t.Fatalf("copy's batches: %v %+v", err, bs)
		}
		if b := bs[0]; b.Channel != collect.ChannelReturnFlow || b.Mode != collect.ModeIncremental || b.RowsRead != 2 || b.RowsUpdated != 1 || b.RowsDeleted != 1 {
			t.Fatalf("incremental flow: %+v", b)
		}
		if bs[1].Mode != collect.ModeFull || bs[1].RowsInserted != 4 {
			t.Fatalf("first flow: %+v", bs[1])
		}
		got = content(t, a, cp)
		joined := strings.Join(got, "\n")
		if len(got) != 3 || !strings.Contains(joined, "惠一改") || strings.Contains(joined, hz[1]) {
			t.Fatalf("copy after the incremental load: %v", got)
		}

		// A load touching no Huizhou row moves the cursor without a batch.
		mustLoad(t, a, "gd.police", origin, csvLoad(t, origin, collect.ModeIncremental, "公民身份号码,姓名\n"+gz[1]+",广二改\n"))
		if bs, _ := a.Collect.Batches(ctx, actor(t, a, "hz.reviewer"), cp.ID); len(bs) != 2 {
			t.Fatalf("a batch without rows of the region: %+v", bs[0])
		}
		cp, _ = a.Collect.Dataset(ctx, actor(t, a, "hz.reviewer"), cp.ID)
		o, _ = a.Collect.Dataset(ctx, actor(t, a, "gd.reviewer"), origin.ID)
		if cp.OriginCursor != o.LastBatchID {
			t.Fatalf("cursor %d, want %d", cp.OriginCursor, o.LastBatchID)
		}

		// A full load's deletions keep the rows' batch: the copy is reloaded in full.
		mustLoad(t, a, "gd.police", origin, csvLoad(t, origin, collect.ModeFull, "公民身份号码,姓名\n"+hz[0]+",惠一改\n"+gz[0]+",广一改\n"))
		if got := content(t, a, cp); len(got) != 1 || keys(got)[0] != hz[0] {
			t.Fatalf("copy after a full load: %v", got)
		}

		// The scheduler catches up a copy left behind.
		if n, err := a.Collect.RunReturnFlows(ctx, time.Now()); err != nil || n != 0 {
			t.Fatalf("nothing to do: %d %v", n, err)
		}
		if err := a.DB.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE datasets SET origin_cursor = 0 WHERE id = $1`, cp.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := a.Collect.RunReturnFlows(ctx, time.Now()); err != nil || n != 1 {
			t.Fatalf("catch-up: %d %v", n, err)
		}
		a.Collect.Settle()
		if got := content(t, a, cp); len(got) != 1 || keys(got)[0] != hz[0] {
			t.Fatalf("copy after the catch-up: %v", got)
		}
		if n := auditEntries(t, a, "collect.returnflow.flow", ""); n != 5 {
			t.Fatalf("%d flow entries, want 5", n)
		}

		// One flow per jurisdiction.
		_, err = a.Collect.AddReturnFlow(ctx, actor(t, a, "hz.reviewer"), origin.ID)
		wantAppErr(t, err, "collect.returnflow.exists")
	})
}

func TestReturnFlowRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		origin := publish(t, a, "gd.police", "gd.reviewer", "全省户籍人口信息", personItems())
		local := publish(t, a, "hz.police", "hz.reviewer", "惠州户籍人口信息", personItems())
		noKey := publish(t, a, "gd.police", "gd.reviewer", "全省警情统计", []catalog.Item{
			{Name: "统计月份", Type: catalog.TypeChar, Length: 7, Grade: "general-1", Key: true, KeyKind: catalog.KeyOther, Required: true},
			{Name: "警情数", Type: catalog.TypeInteger, Grade: "general-1"},
		})
		cases := map[string]struct {
			who    audit.Actor
			origin int64
			code   string
			kind   apperr.Kind
		}{
			"jiangmen: no such rule":    {actor(t, a, "jm.reviewer"), origin.ID, "collect.returnflow.not_provided", apperr.Forbidden},
			"meizhou: no such rule":     {actor(t, a, "mz.reviewer"), origin.ID, "collect.returnflow.not_provided", apperr.Forbidden},
			"agency officer":            {actor(t, a, "hz.police"), origin.ID, "collect.returnflow.forbidden", apperr.Forbidden},
			"officer of the source":     {actor(t, a, "gd.police"), origin.ID, "collect.returnflow.forbidden", apperr.Forbidden},
			"auditor":                   {actor(t, a, "auditor"), origin.ID, "collect.returnflow.forbidden", apperr.Forbidden},
			"province reviewer":         {actor(t, a, "gd.reviewer"), origin.ID, "collect.returnflow.forbidden", apperr.Forbidden},
			"anonymous":                 {anonymous, origin.ID, "collect.returnflow.forbidden", apperr.Forbidden},
			"own level":                 {actor(t, a, "hz.reviewer"), local.ID, "collect.returnflow.not_higher", apperr.Invalid},
			"another city's dataset":    {actor(t, a, "jm.reviewer"), local.ID, "collect.dataset.not_found", apperr.NotFound},
			"no resident or credit key": {actor(t, a, "hz.reviewer"), noKey.ID, "collect.returnflow.key", apperr.Invalid},
			"no such dataset":           {actor(t, a, "hz.reviewer"), 999999, "collect.dataset.not_found", apperr.NotFound},
		}
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				_, err := a.Collect.AddReturnFlow(ctx, c.who, c.origin)
				e := wantAppErr(t, err, c.code)
				if e.Kind != c.kind {
					t.Fatalf("kind %v, want %v", e.Kind, c.kind)
				}
				if c.code == "collect.returnflow.not_provided" && (!strings.Contains(e.ZH, "回流") || !strings.Contains(e.EN, "do not provide")) {
					t.Fatalf("refusal does not say the local rules lack it: %s / %s", e.ZH, e.EN)
				}
			})
		}
		var n int
		if err := a.DB.Read().QueryRowContext(ctx, `SELECT count(*) FROM datasets WHERE origin_dataset_id IS NOT NULL`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d copies after the refusals (%v)", n, err)
		}
		if n := auditEntries(t, a, "collect.returnflow.add", audit.Denied); n != len(cases)-1 {
			t.Fatalf("%d refusals audited, want %d", n, len(cases)-1)
		}
		// A copy is not a source: neither of a further flow nor of base data.
		cp, err := a.Collect.AddReturnFlow(ctx, actor(t, a, "hz.reviewer"), origin.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Collect.SetBaseGroup(ctx, actor(t, a, "hz.reviewer"), cp.ID, "person.household")
		wantAppErr(t, err, "collect.base.copy")
	})
}
