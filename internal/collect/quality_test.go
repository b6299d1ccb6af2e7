package collect_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/procedure"
)

// testClock is a fake clock for the engine and, through it, the collection service.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// fakeClock sets the node's clock to Monday 2026-03-02 10:00 in Shanghai:
// before the demo data was made, so that none of it is stale in the tests' window.
func fakeClock(a *app.App) *testClock {
	c := &testClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, calendar.Shanghai)}
	a.Cases.SetClock(c.Now)
	return c
}

func near(x, want float64) bool { return math.Abs(x-want) < 0.0001 }

// latest returns the dataset's latest snapshot, read as its officer.
func latest(t testing.TB, a *app.App, who string, ds collect.Dataset) collect.QualitySnapshot {
	t.Helper()
	h, err := a.Collect.QualityHistory(context.Background(), actor(t, a, who), ds.ID, 1)
	if err != nil || len(h) != 1 {
		t.Fatalf("quality history of %s: %v %+v", ds.Name, err, h)
	}
	return h[0]
}

func mustLoad(t testing.TB, a *app.App, who string, ds collect.Dataset, in collect.LoadInput) collect.Batch {
	t.Helper()
	b, err := a.Collect.Load(context.Background(), actor(t, a, who), ds.ID, in)
	if err != nil || b.State != collect.BatchLoaded {
		t.Fatalf("load %s: %v %+v", ds.Name, err, b)
	}
	a.Collect.Settle() // the measurement after the load
	return b
}

func hasProblem(q collect.QualitySnapshot, code string) bool {
	for _, p := range q.Details.Problems {
		if p.Code == code && p.ZH != "" && p.EN != "" {
			return true
		}
	}
	return false
}

// republish publishes a new version of the dataset's entry with the items changed by edit.
func republish(t testing.TB, a *app.App, officer, reviewer string, ds collect.Dataset, edit func([]catalog.Item) []catalog.Item) collect.Dataset {
	t.Helper()
	ctx := context.Background()
	e, err := a.Catalog.NewVersion(ctx, actor(t, a, officer), ds.EntryID)
	if err != nil {
		t.Fatal(err)
	}
	m := e.Metadata
	m.Items = edit(m.Items)
	if _, err := a.Catalog.Update(ctx, actor(t, a, officer), ds.EntryID, m); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Catalog.Submit(ctx, actor(t, a, officer), ds.EntryID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Catalog.Review(ctx, actor(t, a, reviewer), ds.EntryID, "approve", ""); err != nil {
		t.Fatal(err)
	}
	d, err := a.Collect.Dataset(ctx, actor(t, a, officer), ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestQualityCompleteness(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		fakeClock(a)
		ds := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
		id := ids(4)
		// The source says it sent 8 rows; 4 arrive.
		in := csvLoad(t, ds, collect.ModeFull, "公民身份号码,姓名,手机号码\n"+id[0]+",甲,13800138000\n"+id[1]+",乙,\n"+id[2]+",丙,\n"+id[3]+",丁,13800138001\n")
		in.ExpectedRows = 8
		b := mustLoad(t, a, "gd.police", ds, in)
		q := latest(t, a, "gd.police", ds)
		c := q.Details.Completeness
		if q.BatchID != b.ID || !near(q.Completeness, 0.5) || c.RowShare == nil || !near(*c.RowShare, 0.5) || c.ExpectedRows != 8 || c.ReceivedRows != 4 {
			t.Fatalf("completeness with 4 of 8 rows: %+v %+v", q, c)
		}
		if c.FieldShare != 1 || c.LiveRows != 4 || c.Cells != 8 || !hasProblem(q, collect.ProblemRowsShort) {
			t.Fatalf("required cells of the first load: %+v %+v", c, q.Details.Problems)
		}
		// A load that declares nothing: every row is there.
		mustLoad(t, a, "gd.police", ds, csvLoad(t, ds, collect.ModeIncremental, "公民身份号码,姓名,手机号码\n"+id[0]+",甲一,13800138000\n"))
		if q := latest(t, a, "gd.police", ds); q.Completeness != 1 || q.Details.Completeness.RowShare != nil {
			t.Fatalf("completeness without a declared count: %+v", q)
		}
		// The catalog now requires the mobile number: two rows lack it.
		ds = republish(t, a, "gd.police", "gd.reviewer", ds, func(items []catalog.Item) []catalog.Item {
			for i := range items {
				if items[i].Name == "手机号码" {
					items[i].Required = true
				}
			}
			return items
		})
		q, err := a.Collect.Measure(ctx, &ds, 0)
		if err != nil {
			t.Fatal(err)
		}
		c = q.Details.Completeness
		if c.Cells != 12 || c.Filled != 10 || !near(q.Completeness, 10.0/12) || len(c.Missing) != 1 || c.Missing[0] != (collect.ItemCount{Item: "手机号码", Rows: 2}) {
			t.Fatalf("completeness with a newly required item: %v %+v", q.Completeness, c)
		}
		if !hasProblem(q, collect.ProblemMissing) || ds.QualityScore == nil || *ds.QualityScore != q.Score {
			t.Fatalf("problems and score: %+v %v", q.Details.Problems, ds.QualityScore)
		}
		want := 100 * (collect.WeightCompleteness*q.Completeness + collect.WeightAccuracy*q.Accuracy + collect.WeightConsistency*q.Consistency + collect.WeightTimeliness*q.Timeliness)
		if math.Abs(q.Score-want) > 0.006 || q.Score >= 100 {
			t.Fatalf("score %v, want %v", q.Score, want)
		}
		d, err := a.Collect.Dataset(ctx, actor(t, a, "gd.police"), ds.ID)
		if err != nil || d.QualityScore == nil || *d.QualityScore != q.Score {
			t.Fatalf("dataset's score: %v %v", err, d.QualityScore)
		}
	})
}

// birth returns the birth date a resident ID encodes, as YYYY-MM-DD.
func birth(id string) string { return id[6:10] + "-" + id[10:12] + "-" + id[12:14] }

// sex returns the sex a resident ID encodes; other the opposite.
func sex(id string) (own, other string) {
	if (id[16]-'0')%2 == 1 {
		return "男", "女"
	}
	return "女", "男"
}

func TestQualityAccuracy(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		fakeClock(a)
		ds := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
		id := ids(8)
		s0, _ := sex(id[0])
		s1, _ := sex(id[1])
		s2, _ := sex(id[2])
		_, wrong := sex(id[3])
		otherBirth := "2001-02-03"
		if birth(id[2]) == otherBirth {
			otherBirth = "2001-02-04"
		}
		header := "公民身份号码,姓名,性别,出生日期\n"
		mustLoad(t, a, "gd.police", ds, csvLoad(t, ds, collect.ModeFull, header+
			id[0]+",甲,"+s0+","+birth(id[0])+"\n"+
			id[1]+",乙,"+s1+","+birth(id[1])+"\n"+
			id[2]+",丙,"+s2+","+otherBirth+"\n"+ // birth date disagrees with the ID
			id[3]+",丁,"+wrong+","+birth(id[3])+"\n")) // sex disagrees with the ID
		q := latest(t, a, "gd.police", ds)
		ac := q.Details.Accuracy
		if ac.FlaggedRows != 2 || ac.CheckedRows != 4 || !near(ac.ReferenceShare, 0.5) || ac.BatchShare != 1 || !near(q.Accuracy, 0.5) {
			t.Fatalf("reference checks: %v %+v", q.Accuracy, ac)
		}
		codes := map[string]int64{}
		for _, c := range ac.Checks {
			codes[c.Code+"/"+c.Item] = c.Rows
		}
		if codes[collect.ProblemBirthDate+"/出生日期"] != 1 || codes[collect.ProblemSex+"/性别"] != 1 {
			t.Fatalf("checks: %+v", ac.Checks)
		}
		if !hasProblem(q, collect.ProblemBirthDate) || !hasProblem(q, collect.ProblemSex) {
			t.Fatalf("problems: %+v", q.Details.Problems)
		}
		// Above the threshold: no rectification.
		if q.Score < 80 || q.Details.CaseID != 0 || q.Details.Threshold != 80 {
			t.Fatalf("score %v, case %d, threshold %d", q.Score, q.Details.CaseID, q.Details.Threshold)
		}
		// A rejected batch: 2 of its 4 rows are bad.
		b, err := a.Collect.Load(ctx, actor(t, a, "gd.police"), ds.ID, csvLoad(t, ds, collect.ModeIncremental, "公民身份号码,姓名\n"+
			id[4]+",戊\n"+id[5]+",\n"+id[6]+",庚\n"+id[7]+",\n"))
		if err != nil || b.State != collect.BatchRejected || b.RowsRead != 4 {
			t.Fatalf("bad batch: %v %+v", err, b)
		}
		q, err = a.Collect.Measure(ctx, &ds, 0)
		if err != nil {
			t.Fatal(err)
		}
		ac = q.Details.Accuracy
		if ac.Batches != 2 || ac.RowsRead != 8 || ac.RowsRejected != 2 || !near(ac.BatchShare, 0.75) || !near(q.Accuracy, 0.375) || !hasProblem(q, collect.ProblemRejected) {
			t.Fatalf("accuracy after a rejected batch: %v %+v", q.Accuracy, ac)
		}
	})
}

// divisionItems is a Huizhou dataset with a division code.
func divisionItems() []catalog.Item {
	return []catalog.Item{
		{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyResidentID, Required: true},
		{Name: "姓名", Type: catalog.TypeChar, Length: 50, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Required: true},
		{Name: "现住址行政区划", Type: catalog.TypeChar, Length: 6, Grade: "general-2", Format: catalog.FormatDivision},
	}
}

func TestQualityDivisionAndThreshold(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		clock := fakeClock(a)
		ds := publish(t, a, "hz.police", "hz.reviewer", "测试惠州居住登记", divisionItems())
		id := ids(2)
		// 441302 is in Huizhou; 440106 (Tianhe, Guangzhou) is not. The
		// source declared 10 rows: completeness falls to 0.2.
		in := csvLoad(t, ds, collect.ModeFull, "公民身份号码,姓名,现住址行政区划\n"+id[0]+",甲,441302\n"+id[1]+",乙,440106\n")
		in.ExpectedRows = 10
		mustLoad(t, a, "hz.police", ds, in)
		q := latest(t, a, "hz.police", ds)
		ac := q.Details.Accuracy
		if ac.FlaggedRows != 1 || len(ac.Checks) != 1 || ac.Checks[0].Code != collect.ProblemDivision || ac.Checks[0].Item != "现住址行政区划" || !near(q.Accuracy, 0.5) {
			t.Fatalf("division outside the jurisdiction: %+v", ac)
		}
		if ac.IDsElsewhere != 2 {
			t.Fatalf("IDs issued in Guangzhou, shown not scored: %+v", ac)
		}
		if !near(q.Completeness, 0.2) || q.Score >= 80 || q.Details.CaseID == 0 {
			t.Fatalf("below the threshold: %+v", q)
		}
		// The case: Huizhou's authority asks the police to rectify within
		// Huizhou's deadline, from the profile.
		c, _, err := a.Cases.Case(ctx, actor(t, a, "hz.police"), q.Details.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		auth, err := a.Orgs.Authority(ctx, "441300")
		if err != nil {
			t.Fatal(err)
		}
		dl, err := a.Rules.ForJurisdiction("441300").Deadline("collect.quality.rectify")
		if err != nil {
			t.Fatal(err)
		}
		due, _ := a.Calendar.Due(clock.Now(), dl.WorkingDays)
		if c.Kind != collect.QualityRectify.Name || c.State != "pending" || c.ApplicantAgencyID != auth.ID || c.RespondentAgencyID != ds.AgencyID ||
			c.DueKey != "collect.quality.rectify" || c.DueBasis != "HZ §20" || c.DueDate != due.String() || c.ObjectType != "dataset" {
			t.Fatalf("rectification case: %+v (due %s)", c, due)
		}
	})
}

// marriageItems is another agency's dataset keyed by resident ID, whose
// name item carries the 姓名 element under another name.
func marriageItems() []catalog.Item {
	return []catalog.Item{
		{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyResidentID, Required: true},
		{Name: "登记人姓名", Type: catalog.TypeChar, Length: 50, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Required: true, Element: "姓名"},
		{Name: "婚姻状况", Type: catalog.TypeChar, Length: 10, Grade: "general-3", Personal: true, PersonalKind: "身份信息"},
	}
}

func openRectifications(t testing.TB, a *app.App, ds collect.Dataset) int {
	t.Helper()
	var n int
	if err := a.DB.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM cases WHERE kind = 'quality_rectify' AND object_id = $1 AND NOT closed`,
		strconv.FormatInt(ds.ID, 10)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestQualityConsistencyOpensOneRectification(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		clock := fakeClock(a)
		police := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
		civil := publish(t, a, "gd.civil", "gd.reviewer", "测试婚姻登记信息", marriageItems())
		id := ids(4)
		mustLoad(t, a, "gd.police", police, csvLoad(t, police, collect.ModeFull, "公民身份号码,姓名\n"+id[0]+",张三\n"+id[1]+",李四\n"+id[2]+",王五\n"))
		if q := latest(t, a, "gd.police", police); q.Consistency != 1 || q.Details.Consistency.Pairs != 0 {
			t.Fatalf("nothing to compare yet: %+v", q.Details.Consistency)
		}
		// The civil affairs department has 李思 where the police have 李四.
		mustLoad(t, a, "gd.civil", civil, csvLoad(t, civil, collect.ModeFull, "公民身份号码,登记人姓名,婚姻状况\n"+id[0]+",张三,已婚\n"+id[1]+",李思,未婚\n"+id[2]+",王五,\n"+id[3]+",赵六,已婚\n"))
		q := latest(t, a, "gd.civil", civil)
		co := q.Details.Consistency
		if co.Pairs != 1 || co.Compared != 3 || co.Mismatched != 1 || !near(q.Consistency, 2.0/3) || len(co.Worst) != 1 {
			t.Fatalf("consistency: %v %+v", q.Consistency, co)
		}
		w := co.Worst[0]
		if w.DatasetID != police.ID || w.AgencyID != police.AgencyID || w.Joined != 3 || w.Mismatched != 1 || len(w.Items) != 1 ||
			w.Items[0].Item != "登记人姓名" || w.Items[0].OtherItem != "姓名" || w.KeyKind != catalog.KeyResidentID {
			t.Fatalf("worst pair: %+v", w)
		}
		if !hasProblem(q, collect.ProblemInconsistent) || strings.Contains(string(mustJSON(t, q)), "李思") {
			t.Fatalf("problems (and no values): %+v", q.Details.Problems)
		}
		// The mismatch opens a rectification though the score is above the threshold.
		if q.Score < 80 || q.Details.CaseID == 0 || openRectifications(t, a, civil) != 1 {
			t.Fatalf("rectification: score %v case %d", q.Score, q.Details.CaseID)
		}
		caseID := q.Details.CaseID
		c, _, err := a.Cases.Case(ctx, actor(t, a, "gd.civil"), caseID)
		if err != nil {
			t.Fatal(err)
		}
		auth, _ := a.Orgs.Authority(ctx, "440000")
		dl, _ := a.Rules.ForJurisdiction("440000").Deadline("collect.quality.rectify")
		due, _ := a.Calendar.Due(clock.Now(), dl.WorkingDays)
		if c.ApplicantAgencyID != auth.ID || c.RespondentAgencyID != civil.AgencyID || c.DueDate != due.String() || c.DueBasis != "GD-290 §17" || dl.WorkingDays != 10 {
			t.Fatalf("case: %+v, want due %s", c, due)
		}
		// Once: measuring again while it is open opens no other.
		q2, err := a.Collect.Measure(ctx, &civil, 0)
		if err != nil || q2.Details.CaseID != caseID || openRectifications(t, a, civil) != 1 {
			t.Fatalf("second measurement: %v case %d (want %d)", err, q2.Details.CaseID, caseID)
		}
		// The police dataset disagrees too, seen from its side.
		if q, err := a.Collect.Measure(ctx, &police, 0); err != nil || q.Details.Consistency.Mismatched != 1 || q.Details.CaseID == 0 || q.Details.CaseID == caseID {
			t.Fatalf("police side: %v %+v", err, q.Details)
		}
		// The agency reports its measures; the authority accepts.
		var missing apperr.List
		if _, err := a.Cases.Act(ctx, actor(t, a, "gd.civil"), caseID, "rectify", nil); !errors.As(err, &missing) || len(missing) != 1 || missing[0].Field != "measures" {
			t.Fatalf("rectify without measures: %v", err)
		}
		if _, err := a.Cases.Act(ctx, actor(t, a, "gd.reviewer"), caseID, "rectify", map[string]string{"measures": "x"}); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("the authority rectifying: %v", err)
		}
		if c, err := a.Cases.Act(ctx, actor(t, a, "gd.civil"), caseID, "rectify", map[string]string{"measures": "已与公安厅核对并更正姓名"}); err != nil || c.State != "rectified" {
			t.Fatalf("rectify: %v %+v", err, c)
		}
		if _, err := a.Cases.Act(ctx, actor(t, a, "gd.civil"), caseID, "accept", nil); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("the agency accepting its own rectification: %v", err)
		}
		if c, err := a.Cases.Act(ctx, actor(t, a, "gd.reviewer"), caseID, "reopen", map[string]string{"reasons": "仍有不一致"}); err != nil || c.State != "pending" || c.DueDate == "" {
			t.Fatalf("reopen: %v %+v", err, c)
		}
		if _, err := a.Cases.Act(ctx, actor(t, a, "gd.civil"), caseID, "rectify", map[string]string{"measures": "已更正"}); err != nil {
			t.Fatal(err)
		}
		if c, err := a.Cases.Act(ctx, actor(t, a, "gd.reviewer"), caseID, "accept", nil); err != nil || !c.Closed {
			t.Fatalf("accept: %v %+v", err, c)
		}
		// Closed, and the data still disagree: the next measurement opens a new one.
		q3, err := a.Collect.Measure(ctx, &civil, 0)
		if err != nil || q3.Details.CaseID == 0 || q3.Details.CaseID == caseID || openRectifications(t, a, civil) != 1 {
			t.Fatalf("after acceptance: %v %+v", err, q3.Details)
		}
		// The generic API cannot open one.
		if _, err := a.Cases.Open(ctx, actor(t, a, "gd.reviewer"), procedure.OpenInput{Kind: collect.QualityRectify.Name, RespondentAgencyID: civil.AgencyID}); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("opening directly: %v", err)
		}
	})
}

func TestQualityQueriesAndRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		fakeClock(a)
		ds := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
		hz := publish(t, a, "hz.police", "hz.reviewer", "测试惠州居住登记", divisionItems())
		id := ids(2)
		mustLoad(t, a, "gd.police", ds, csvLoad(t, ds, collect.ModeFull, "公民身份号码,姓名\n"+id[0]+",甲\n"+id[1]+",乙\n"))
		in := csvLoad(t, hz, collect.ModeFull, "公民身份号码,姓名,现住址行政区划\n"+id[0]+",甲,440106\n")
		in.ExpectedRows = 5
		mustLoad(t, a, "hz.police", hz, in)
		anon := audit.Actor{Username: "anonymous"}

		for _, who := range []string{"gd.police", "gd.cdo", "gd.reviewer", "auditor"} {
			if h, err := a.Collect.QualityHistory(ctx, actor(t, a, who), ds.ID, 0); err != nil || len(h) != 1 || h[0].Score != 100 {
				t.Errorf("%s reading the history: %v %+v", who, err, h)
			}
		}
		for who, ac := range map[string]audit.Actor{"gd.civil": actor(t, a, "gd.civil"), "hz.reviewer": actor(t, a, "hz.reviewer"), "anonymous": anon} {
			if _, err := a.Collect.QualityHistory(ctx, ac, ds.ID, 0); apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("%s reading another agency's history: %v", who, err)
			}
		}

		aq, err := a.Collect.AgencyQuality(ctx, actor(t, a, "gd.police"), ds.AgencyID)
		if err != nil || aq.Score == nil || *aq.Score != 100 || aq.Datasets != 1 || aq.Measured != 1 || len(aq.Latest) != 1 || aq.Latest[0].Latest == nil {
			t.Fatalf("agency quality: %v %+v", err, aq)
		}
		if len(aq.History) != 1 || aq.History[0].Day != "2026-03-02" || aq.History[0].Score != 100 || aq.History[0].Datasets != 1 {
			t.Fatalf("agency history: %+v", aq.History)
		}
		if _, err := a.Collect.AgencyQuality(ctx, actor(t, a, "gd.reviewer"), ds.AgencyID); err != nil {
			t.Errorf("the authority reading the agency's quality: %v", err)
		}
		for who, ac := range map[string]audit.Actor{"gd.civil": actor(t, a, "gd.civil"), "hz.reviewer": actor(t, a, "hz.reviewer"), "anonymous": anon} {
			if _, err := a.Collect.AgencyQuality(ctx, ac, ds.AgencyID); apperr.KindOf(err) != apperr.Forbidden {
				t.Errorf("%s reading another agency's quality: %v", who, err)
			}
		}

		board, err := a.Collect.QualityDashboard(ctx, actor(t, a, "gd.reviewer"))
		if err != nil {
			t.Fatal(err)
		}
		pos := map[int64]int{}
		for i, q := range board {
			pos[q.AgencyID] = i
		}
		ip, okP := pos[ds.AgencyID]
		ih, okH := pos[hz.AgencyID]
		if !okP || !okH || ih > ip || board[ih].Score == nil || *board[ih].Score >= 100 || board[ih].OpenTasks != 1 || ip > 1 {
			t.Fatalf("dashboard, worst first: %+v", board[:min(3, len(board))])
		}
		if board[len(board)-1].Score != nil {
			t.Fatalf("unmeasured agencies come last: %+v", board[len(board)-1])
		}
		hzBoard, err := a.Collect.QualityDashboard(ctx, actor(t, a, "hz.reviewer"))
		if err != nil || len(hzBoard) == 0 || hzBoard[0].AgencyID != hz.AgencyID {
			t.Fatalf("Huizhou's dashboard: %v %+v", err, hzBoard)
		}
		for _, q := range hzBoard {
			if !strings.HasPrefix(q.Jurisdiction, "4413") {
				t.Fatalf("Huizhou's dashboard shows %+v", q)
			}
		}
		if _, err := a.Collect.QualityDashboard(ctx, actor(t, a, "auditor")); err != nil {
			t.Errorf("auditor: %v", err)
		}
		for who, ac := range map[string]audit.Actor{"gd.police": actor(t, a, "gd.police"), "gd.cdo": actor(t, a, "gd.cdo"), "anonymous": anon} {
			if _, err := a.Collect.QualityDashboard(ctx, ac); apperr.KindOf(err) != apperr.Forbidden {
				t.Errorf("%s reading the dashboard: %v", who, err)
			}
		}
		for _, action := range []string{"collect.quality.history", "collect.quality.agency", "collect.quality.dashboard"} {
			for _, outcome := range []string{audit.OK, audit.Denied} {
				var n int
				if err := a.DB.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = $1 AND outcome = $2`, action, outcome).Scan(&n); err != nil || n == 0 {
					t.Errorf("audit %s %s: %d %v", action, outcome, n, err)
				}
			}
		}
	})
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
