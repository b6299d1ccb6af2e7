package collect_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/store"
)

// insuranceItems is the schema of the tests' social insurance dataset.
func insuranceItems() []catalog.Item {
	return []catalog.Item{
		{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyResidentID, Required: true},
		{Name: "参保状态", Type: catalog.TypeChar, Length: 10, Grade: "general-2"},
		{Name: "缴费月数", Type: catalog.TypeInteger, Grade: "general-2"},
	}
}

// themeRows returns the theme table's rows as "key|col|col…", by key.
func themeRows(t testing.TB, a *app.App, th collect.Theme) []string {
	t.Helper()
	cols := []string{"record_key"}
	for _, c := range th.Definition.Columns {
		cols = append(cols, "coalesce(CAST("+c.Name+" AS TEXT), '')")
	}
	rows, err := a.DB.Read().QueryContext(context.Background(), "SELECT "+strings.Join(cols, " || '|' || ")+" FROM "+th.Table+" ORDER BY record_key")
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

func TestThemeJoinsDatasetsAndFollowsLoads(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		rev := actor(t, a, "gd.reviewer")
		police := publish(t, a, "gd.police", "gd.reviewer", "户籍人口信息", personItems())
		hrss := publish(t, a, "gd.hrss", "gd.reviewer", "社会保险参保信息", insuranceItems())
		id := ids(3)
		mustLoad(t, a, "gd.police", police, csvLoad(t, police, collect.ModeFull, "公民身份号码,姓名,性别\n"+id[0]+",甲,男\n"+id[1]+",乙,女\n"+id[2]+",丙,\n"))
		mustLoad(t, a, "gd.hrss", hrss, csvLoad(t, hrss, collect.ModeFull, "公民身份号码,参保状态,缴费月数\n"+id[0]+",正常参保,120\n"+id[2]+",暂停,3\n"))

		th, err := a.Collect.CreateTheme(ctx, rev, collect.ThemeInput{Name: "就业和社会保障主题库", KeyKind: catalog.KeyResidentID, Members: []collect.ThemeMember{
			{DatasetID: police.ID, Items: []string{"姓名", "性别"}},
			{DatasetID: hrss.ID, Items: []string{"参保状态", "缴费月数"}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if th.Table != "theme_"+strconv.FormatInt(th.ID, 10) || th.RowCount != 3 || th.RefreshedAt == nil || th.LastError != "" || len(th.Definition.Columns) != 4 {
			t.Fatalf("theme: %+v", th)
		}
		c := th.Definition.Columns
		if c[0].Name != "m1_1" || c[0].Item != "姓名" || c[0].DatasetID != police.ID || c[3].Name != "m2_2" || c[3].Item != "缴费月数" || c[3].DatasetID != hrss.ID {
			t.Fatalf("columns: %+v", c)
		}
		if th.Definition.Members[0].Rows != 3 || th.Definition.Members[1].Rows != 2 {
			t.Fatalf("member counts: %+v", th.Definition.Members)
		}
		want := map[string]string{id[0]: id[0] + "|甲|男|正常参保|120", id[1]: id[1] + "|乙|女||", id[2]: id[2] + "|丙||暂停|3"}
		for _, r := range themeRows(t, a, th) {
			if want[r[:18]] != r {
				t.Fatalf("theme row %q, want %q", r, want[r[:18]])
			}
		}

		// A load of a member refreshes the theme: an update and a delete.
		mustLoad(t, a, "gd.hrss", hrss, csvLoad(t, hrss, collect.ModeIncremental, "公民身份号码,参保状态,缴费月数,_op\n"+id[1]+",正常参保,1,\n"+id[0]+",,,delete\n"))
		got, err := a.Collect.Theme(ctx, rev, th.ID)
		if err != nil || got.RowCount != 3 || !got.RefreshedAt.After(th.RefreshedAt.Add(-1)) {
			t.Fatalf("after a load: %v %+v", err, got)
		}
		rows := strings.Join(themeRows(t, a, th), "\n")
		if !strings.Contains(rows, id[1]+"|乙|女|正常参保|1") || !strings.Contains(rows, id[0]+"|甲|男||") {
			t.Fatalf("theme rows after the load:\n%s", rows)
		}
		// The first member gives the rows: a deleted person leaves the theme.
		mustLoad(t, a, "gd.police", police, csvLoad(t, police, collect.ModeIncremental, "公民身份号码,_op\n"+id[2]+",delete\n"))
		if got, _ := a.Collect.Theme(ctx, rev, th.ID); got.RowCount != 2 {
			t.Fatalf("row count after a delete: %d", got.RowCount)
		}
		if n := auditEntries(t, a, "collect.theme.refresh", audit.OK); n != 2 {
			t.Fatalf("%d refresh entries, want 2", n)
		}

		// A refresh that fails keeps the rows and records the error.
		before := themeRows(t, a, th)
		rename := func(from, to string) {
			t.Helper()
			if err := a.DB.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, "ALTER TABLE "+from+" RENAME TO "+to)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		rename(hrss.Table, hrss.Table+"_away")
		if _, err := a.Collect.RefreshTheme(ctx, rev, th.ID); err == nil {
			t.Fatal("a refresh over a missing table succeeded")
		}
		if got, _ := a.Collect.Theme(ctx, rev, th.ID); got.LastError == "" || got.RowCount != 2 {
			t.Fatalf("after a failed refresh: %+v", got)
		}
		if after := themeRows(t, a, th); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Fatalf("a failed refresh changed the rows: %v", after)
		}
		if n := auditEntries(t, a, "collect.theme.refresh", audit.Failed); n != 1 {
			t.Fatalf("%d failed refresh entries", n)
		}
		rename(hrss.Table+"_away", hrss.Table)
		if got, err := a.Collect.RefreshTheme(ctx, rev, th.ID); err != nil || got.LastError != "" || got.RowCount != 2 {
			t.Fatalf("refresh after the repair: %v %+v", err, got)
		}
	})
}

func TestThemeRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		police := publish(t, a, "gd.police", "gd.reviewer", "户籍人口信息", personItems())
		hrss := publish(t, a, "gd.hrss", "gd.reviewer", "社会保险参保信息", insuranceItems())
		both := []collect.ThemeMember{{DatasetID: police.ID, Items: []string{"姓名"}}, {DatasetID: hrss.ID, Items: []string{"参保状态"}}}
		own := []collect.ThemeMember{{DatasetID: police.ID, Items: []string{"姓名", "手机号码"}}}
		in := func(kind catalog.KeyKind, ms []collect.ThemeMember) collect.ThemeInput {
			return collect.ThemeInput{Name: "测试主题库", KeyKind: kind, Members: ms}
		}
		// MZ §14: an agency builds its own sector's theme database.
		mine, err := a.Collect.CreateTheme(ctx, actor(t, a, "gd.police"), in(catalog.KeyResidentID, own))
		if err != nil || mine.AgencyID != police.AgencyID || mine.Jurisdiction != "440000" {
			t.Fatalf("officer's own theme: %v %+v", err, mine)
		}
		cases := map[string]struct {
			who  audit.Actor
			in   collect.ThemeInput
			code string
		}{
			"officer with another agency's dataset": {actor(t, a, "gd.police"), in(catalog.KeyResidentID, both), "collect.dataset.not_found"},
			"officer of another agency":             {actor(t, a, "gd.civil"), in(catalog.KeyResidentID, own), "collect.dataset.not_found"},
			"city reviewer over provincial data":    {actor(t, a, "hz.reviewer"), in(catalog.KeyResidentID, own), "collect.dataset.not_found"},
			"agency data user":                      {actor(t, a, "gd.hrss.user"), in(catalog.KeyResidentID, both), "collect.theme.forbidden"},
			"auditor":                               {actor(t, a, "auditor"), in(catalog.KeyResidentID, both), "collect.theme.forbidden"},
			"anonymous":                             {anonymous, in(catalog.KeyResidentID, both), "collect.theme.forbidden"},
			"credit code key":                       {actor(t, a, "gd.reviewer"), in(catalog.KeyCreditCode, both), "collect.theme.key"},
			"other key kind":                        {actor(t, a, "gd.reviewer"), in("other", both), "collect.theme.key_kind"},
			"no members":                            {actor(t, a, "gd.reviewer"), in(catalog.KeyResidentID, nil), "collect.theme.members"},
			"unknown item":                          {actor(t, a, "gd.reviewer"), in(catalog.KeyResidentID, []collect.ThemeMember{{DatasetID: police.ID, Items: []string{"血型"}}}), "collect.theme.item"},
			"repeated dataset":                      {actor(t, a, "gd.reviewer"), in(catalog.KeyResidentID, append(both, both[0])), "collect.theme.repeated"},
			"no items":                              {actor(t, a, "gd.reviewer"), in(catalog.KeyResidentID, []collect.ThemeMember{{DatasetID: police.ID}}), "collect.theme.items"},
			"no name":                               {actor(t, a, "gd.reviewer"), collect.ThemeInput{KeyKind: catalog.KeyResidentID, Members: both}, "collect.theme.name"},
		}
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				_, err := a.Collect.CreateTheme(ctx, c.who, c.in)
				wantAppErr(t, err, c.code)
			})
		}
		var n int
		if err := a.DB.Read().QueryRowContext(ctx, `SELECT count(*) FROM theme_databases`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d themes after the refusals (%v), want 1", n, err)
		}

		// Reading and refreshing.
		for who, want := range map[string]int{"gd.police": 1, "gd.reviewer": 1, "auditor": 1, "gd.civil": 0, "hz.reviewer": 0} {
			ts, err := a.Collect.Themes(ctx, actor(t, a, who))
			if err != nil || len(ts) != want {
				t.Errorf("%s sees %d themes (%v), want %d", who, len(ts), err, want)
			}
		}
		_, err = a.Collect.Themes(ctx, anonymous)
		wantAppErr(t, err, "collect.theme.forbidden")
		for _, who := range []string{"gd.civil", "hz.reviewer"} {
			if _, err := a.Collect.Theme(ctx, actor(t, a, who), mine.ID); apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("%s reads another agency's theme: %v", who, err)
			}
			if _, err := a.Collect.RefreshTheme(ctx, actor(t, a, who), mine.ID); apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("%s refreshes another agency's theme: %v", who, err)
			}
		}
		if _, err := a.Collect.Theme(ctx, anonymous, mine.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("anonymous reads a theme: %v", err)
		}
		_, err = a.Collect.RefreshTheme(ctx, actor(t, a, "auditor"), mine.ID)
		wantAppErr(t, err, "collect.theme.forbidden")
		for _, who := range []string{"gd.police", "gd.reviewer"} {
			if _, err := a.Collect.RefreshTheme(ctx, actor(t, a, who), mine.ID); err != nil {
				t.Errorf("%s refreshes: %v", who, err)
			}
		}
		if n := auditEntries(t, a, "collect.theme.create", audit.Denied); n < 3 {
			t.Errorf("%d refused creations audited", n)
		}
	})
}
