package collect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/procedure"
)

// publishFreq is publish with another update frequency.
func publishFreq(t testing.TB, a *app.App, officer, reviewer, name string, items []catalog.Item, freq catalog.UpdateFreq) collect.Dataset {
	t.Helper()
	ds := publish(t, a, officer, reviewer, name, items)
	if freq == ds.UpdateFreq {
		return ds
	}
	ctx := context.Background()
	e, err := a.Catalog.NewVersion(ctx, actor(t, a, officer), ds.EntryID)
	if err != nil {
		t.Fatal(err)
	}
	m := e.Metadata
	m.UpdateFreq = freq
	if _, err := a.Catalog.Update(ctx, actor(t, a, officer), ds.EntryID, m); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Catalog.Submit(ctx, actor(t, a, officer), ds.EntryID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Catalog.Review(ctx, actor(t, a, reviewer), ds.EntryID, "approve", ""); err != nil {
		t.Fatal(err)
	}
	d, err := a.Collect.DatasetOfEntry(ctx, ds.EntryID)
	if err != nil || d.UpdateFreq != freq {
		t.Fatalf("republish with %s: %v %+v", freq, err, d)
	}
	return d
}

// staleNotices returns the dataset_stale notices about the dataset the user sees.
func staleNotices(t testing.TB, a *app.App, who string, ds collect.Dataset) []procedure.Notice {
	t.Helper()
	ns, err := a.Cases.Notices(context.Background(), actor(t, a, who), procedure.NoticeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []procedure.Notice
	for _, n := range ns {
		if n.ReasonCode == "dataset_stale" && strings.Contains(n.Reason, "“"+ds.Name+"”") {
			out = append(out, n)
		}
	}
	return out
}

func isStale(t testing.TB, a *app.App, ds collect.Dataset) bool {
	t.Helper()
	d, err := a.Collect.Dataset(context.Background(), actor(t, a, "gd.police"), ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d.StaleSince != nil
}

func TestWatchMarksStaleDatasetsOncePerEpisode(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		clock := fakeClock(a)
		daily := publish(t, a, "gd.police", "gd.reviewer", "测试每日人口信息", personItems())
		never := publish(t, a, "gd.police", "gd.reviewer", "测试从未汇聚信息", personItems())
		irregular := publishFreq(t, a, "gd.police", "gd.reviewer", "测试不定期信息", personItems(), catalog.FreqIrregular)
		id := ids(1)
		b := mustLoad(t, a, "gd.police", daily, csvLoad(t, daily, collect.ModeFull, "公民身份号码,姓名\n"+id[0]+",甲\n"))
		// As if the measurement after the load had been cut off: the watch catches up.
		if _, err := a.DB.Read().ExecContext(ctx, `DELETE FROM quality_snapshots WHERE dataset_id = $1`, daily.ID); err != nil {
			t.Fatal(err)
		}

		// Within the allowance (48 hours for daily): nothing stale.
		if n, err := a.Collect.Watch(ctx, clock.Add(47*time.Hour)); err != nil || n != 0 {
			t.Fatalf("watch within the allowance: %d %v", n, err)
		}
		if q := latest(t, a, "gd.police", daily); q.BatchID != b.ID || q.Timeliness != 1 {
			t.Fatalf("the watch measured the load: %+v", q)
		}
		// Three days on: both daily datasets are stale, the irregular one never.
		now := clock.Add(25 * time.Hour)
		n, err := a.Collect.Watch(ctx, now)
		if err != nil || n != 2 {
			t.Fatalf("watch after three days: %d %v", n, err)
		}
		if !isStale(t, a, daily) || !isStale(t, a, never) || isStale(t, a, irregular) {
			t.Fatal("stale flags")
		}
		list, err := a.Collect.Datasets(ctx, actor(t, a, "gd.police"), collect.DatasetFilter{Stale: true})
		if err != nil || len(list) != 2 {
			t.Fatalf("stale datasets: %v %+v", err, list)
		}
		// One notice per dataset, against the police with the provincial
		// authority, seen by both and by nobody else.
		auth, _ := a.Orgs.Authority(ctx, "440000")
		ns := staleNotices(t, a, "gd.police", daily)
		if len(ns) != 1 {
			t.Fatalf("notices the agency sees: %+v", ns)
		}
		nt := ns[0]
		if nt.CaseID != 0 || nt.AgainstAgencyID != daily.AgencyID || nt.AuthorityAgencyID != auth.ID || nt.Basis != "GD-290 §16" ||
			nt.DueKey != "collect.freshness.hours.daily" || nt.MissedAt == nil || !nt.MissedAt.Equal(now.Add(-72*time.Hour+48*time.Hour)) ||
			!strings.Contains(nt.Reason, "每日") || !strings.Contains(nt.Reason, "48") || !strings.Contains(nt.Reason, "2026-03-02 10:00") {
			t.Fatalf("notice: %+v", nt)
		}
		if ns := staleNotices(t, a, "gd.police", never); len(ns) != 1 || !strings.Contains(ns[0].Reason, "从未加载") {
			t.Fatalf("notice of the never-loaded dataset: %+v", ns)
		}
		if ns := staleNotices(t, a, "gd.reviewer", daily); len(ns) != 1 || ns[0].ID != nt.ID {
			t.Fatalf("notices the authority sees: %+v", ns)
		}
		for _, who := range []string{"gd.civil", "hz.reviewer"} {
			if ns := staleNotices(t, a, who, daily); len(ns) != 0 {
				t.Fatalf("%s sees another agency's notice: %+v", who, ns)
			}
		}
		// Timeliness: 72 hours against 48 allowed, halfway to twice the allowance.
		q := latest(t, a, "gd.police", daily)
		if !near(q.Timeliness, 0.5) || q.Details.Timeliness.AllowanceHours != 48 || !hasProblem(q, collect.ProblemLate) || q.BatchID != 0 {
			t.Fatalf("snapshot of the stale dataset: %+v", q)
		}
		// Again: nothing new.
		if n, err := a.Collect.Watch(ctx, now.Add(time.Hour)); err != nil || n != 0 || len(staleNotices(t, a, "gd.police", daily)) != 1 {
			t.Fatalf("second watch: %d %v", n, err)
		}
		// A load ends the episode; the next staleness is a new one.
		mustLoad(t, a, "gd.police", daily, csvLoad(t, daily, collect.ModeIncremental, "公民身份号码,姓名\n"+id[0]+",甲甲\n"))
		if isStale(t, a, daily) {
			t.Fatal("still stale after a load")
		}
		if q := latest(t, a, "gd.police", daily); q.Timeliness != 1 {
			t.Fatalf("timeliness after a load: %+v", q)
		}
		now = clock.Add(72 * time.Hour)
		if n, err := a.Collect.Watch(ctx, now); err != nil || n != 1 {
			t.Fatalf("watch after the second lapse: %d %v", n, err)
		}
		if ns := staleNotices(t, a, "gd.police", daily); len(ns) != 2 {
			t.Fatalf("a new episode, a new notice: %+v", ns)
		}
		// The dataset that stayed stale was measured again: 144 hours is
		// past twice the allowance.
		if q := latest(t, a, "gd.police", never); q.Timeliness != 0 || len(staleNotices(t, a, "gd.police", never)) != 1 {
			t.Fatalf("a dataset that stays stale: %+v", q)
		}
		var audits int
		if err := a.DB.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'collect.dataset.stale'`).Scan(&audits); err != nil || audits != 3 {
			t.Fatalf("stale audits: %d %v", audits, err)
		}
	})
}
