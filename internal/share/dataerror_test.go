package share_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/httpx"
	"pubdata/internal/share"
)

// meizhouPersons publishes and loads a Meizhou police dataset of the first
// ten people, so that the Meizhou profile's 5 + 10 working days apply.
func meizhouPersons(t *testing.T, f *fixture) (collect.Dataset, collect.Batch) {
	t.Helper()
	ds := publishEntry(t, f.A, "mz.police", "mz.reviewer", "梅州市人口信息（共享测试）", catalog.ShareConditional, personItems())
	b := load(t, f.A, "mz.police", ds, collect.ModeFull, personsCSV(f.People[:10]))
	return ds, b
}

// datasetValue reads an item of the live record with the key straight from
// the dataset's table: what every grant's gateway reads.
func datasetValue(t *testing.T, a *app.App, ds collect.Dataset, key, item string) string {
	t.Helper()
	var keyCol, col string
	for _, c := range ds.Live() {
		if c.Item.Key {
			keyCol = c.Name
		}
		if c.Item.Name == item {
			col = c.Name
		}
	}
	var v string
	if err := a.DB.Read().QueryRowContext(context.Background(), "SELECT "+col+" FROM "+ds.Table+" WHERE "+keyCol+" = $1 AND NOT _deleted", key).Scan(&v); err != nil {
		t.Fatalf("read %s of %s: %v", item, key, err)
	}
	return v
}

// dueOn is the due date of n working days from receipt at now.
func dueOn(a *app.App, now time.Time, n int) string {
	d, _ := a.Calendar.Due(now, n)
	return d.String()
}

// TestErrorReportMeizhou: a consumer flags a wrong record of Meizhou data;
// the source verifies within 5 working days and fixes within the next 10
// (MZ §23), with a corrected load; the consumer sees the result, and the
// dataset every grant reads holds the fix.
func TestErrorReportMeizhou(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		clock := useFakeClock(f.A, 2026, 3, 2, 9)
		ds, first := meizhouPersons(t, f)
		gone := f.People[9]
		del := strings.TrimSuffix(personsCSV([]person{gone}), "\n")
		del = strings.Replace(del, "\n", ",_op\n", 1) + ",delete\n"
		load(t, f.A, "mz.police", ds, collect.ModeIncremental, del)
		clock.now = clock.now.Add(time.Hour) // the report comes after the first load
		g := grantFor(t, f.A, "gd.hrss", ds, "2027-12-31", "公民身份号码", "姓名", "住址")
		hrss, police := actor(t, f.A, "gd.hrss"), actor(t, f.A, "mz.police")
		who := f.People[0]
		in := share.ErrorInput{GrantID: g.ID, RecordKey: who.ID, Item: "住址", Description: "该人已迁往梅江区，住址未更新"}

		t.Run("bad input names the field", func(t *testing.T) {
			for name, c := range map[string]struct {
				in    share.ErrorInput
				field string
			}{
				"unknown key":       {share.ErrorInput{GrantID: g.ID, RecordKey: f.People[20].ID, Item: "住址", Description: "x"}, "record_key"},
				"deleted record":    {share.ErrorInput{GrantID: g.ID, RecordKey: gone.ID, Item: "住址", Description: "x"}, "record_key"},
				"item not granted":  {share.ErrorInput{GrantID: g.ID, RecordKey: who.ID, Item: "手机号码", Description: "x"}, "item"},
				"no description":    {share.ErrorInput{GrantID: g.ID, RecordKey: who.ID, Item: "住址", Description: " "}, "description"},
				"no grant":          {share.ErrorInput{RecordKey: who.ID, Item: "住址", Description: "x"}, "grant_id"},
				"no key":            {share.ErrorInput{GrantID: g.ID, Item: "住址", Description: "x"}, "record_key"},
				"item not in grant": {share.ErrorInput{GrantID: g.ID, RecordKey: who.ID, Item: "不存在", Description: "x"}, "item"},
			} {
				_, err := f.A.Share.ReportError(ctx, hrss, c.in)
				if !slices.Contains(errFields(err), c.field) {
					t.Errorf("%s: got %v, want invalid %s", name, err, c.field)
				}
			}
		})
		t.Run("only the consumer's officer reports", func(t *testing.T) {
			for who, kind := range map[string]apperr.Kind{"mz.police": apperr.Forbidden, "gd.reviewer": apperr.Forbidden, "hz.health": apperr.NotFound} {
				if _, err := f.A.Share.ReportError(ctx, actor(t, f.A, who), in); apperr.KindOf(err) != kind {
					t.Errorf("%s: got %v, want kind %v", who, err, kind)
				}
			}
		})

		reported := clock.now
		e, err := f.A.Share.ReportError(ctx, hrss, in)
		if err != nil {
			t.Fatal(err)
		}
		if e.State != share.ErrorReported || e.CaseID == 0 || e.SourceAgencyID != police.AgencyID || e.Profile != "meizhou" || e.FixDueFrom != "verification" || e.FixDueDate != "" {
			t.Fatalf("reported: %+v", e)
		}
		if want := dueOn(f.A, reported, 5); e.DueDate != want {
			t.Fatalf("verify due %s, want %s (5 working days, MZ §23)", e.DueDate, want)
		}
		c, _, err := f.A.Cases.Case(ctx, police, e.CaseID)
		if err != nil || c.Kind != share.KindErrorCase.Name || c.DueKey != "share.error.verify" || c.DueBasis != "MZ §23" || c.RespondentAgencyID != police.AgencyID {
			t.Fatalf("case: %+v %v", c, err)
		}

		t.Run("visibility", func(t *testing.T) {
			for who, want := range map[string]bool{"gd.hrss": true, "mz.police": true, "mz.reviewer": true, "gd.reviewer": true, "auditor": true, "hz.health": false, "hz.reviewer": false, "gd.police": false} {
				_, err := f.A.Share.Error(ctx, actor(t, f.A, who), e.ID)
				if (err == nil) != want {
					t.Errorf("%s reads the report: %v, want %v", who, err, want)
				}
				list, err := f.A.Share.Errors(ctx, actor(t, f.A, who), share.ErrorFilter{})
				if err != nil || (len(list) == 1) != want {
					t.Errorf("%s lists %d reports (%v), want visible %v", who, len(list), err, want)
				}
			}
		})
		t.Run("only the source's officer decides", func(t *testing.T) {
			for who, kind := range map[string]apperr.Kind{"gd.hrss": apperr.Forbidden, "mz.reviewer": apperr.Forbidden, "hz.health": apperr.NotFound, "gd.police": apperr.NotFound} {
				if _, err := f.A.Share.DecideError(ctx, actor(t, f.A, who), e.ID, share.ErrorDecision{Action: "verify"}); apperr.KindOf(err) != kind {
					t.Errorf("%s: got %v, want kind %v", who, err, kind)
				}
			}
			if _, err := f.A.Share.DecideError(ctx, police, e.ID, share.ErrorDecision{Action: "fix", Resolution: "x"}); apperr.KindOf(err) != apperr.Conflict {
				t.Errorf("fix before verification: %v", err)
			}
			if _, err := f.A.Share.DecideError(ctx, police, e.ID, share.ErrorDecision{Action: "approve"}); !slices.Contains(errFields(err), "action") {
				t.Errorf("unknown action: %v", err)
			}
		})

		// Verified two days later: the fix deadline runs from verification.
		verified := clock.at(calendar.DateOf(reported).AddDays(2))
		e, err = f.A.Share.DecideError(ctx, police, e.ID, share.ErrorDecision{Action: "verify"})
		if err != nil {
			t.Fatal(err)
		}
		if want := dueOn(f.A, verified, 10); e.State != share.ErrorFixing || e.DueDate != want || e.FixDueDate != want {
			t.Fatalf("verified: state %s due %s fix due %s, want fixing %s (10 working days from verification)", e.State, e.DueDate, e.FixDueDate, want)
		}

		if _, err := f.A.Share.DecideError(ctx, police, e.ID, share.ErrorDecision{Action: "fix", Resolution: " "}); !slices.Contains(errFields(err), "resolution") {
			t.Fatalf("a fix without resolution: %v", err)
		}
		// The first load predates the report; another dataset's batch is no fix of this one.
		if _, err := f.A.Share.DecideError(ctx, police, e.ID, share.ErrorDecision{Action: "fix", Resolution: "已更正", FixedBatchID: first.ID}); !slices.Contains(errFields(err), "fixed_batch_id") {
			t.Fatalf("a batch before the report: %v", err)
		}
		other, err := f.A.Collect.DatasetByID(ctx, f.Persons.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.A.Share.DecideError(ctx, police, e.ID, share.ErrorDecision{Action: "fix", Resolution: "已更正", FixedBatchID: other.LastBatchID}); !slices.Contains(errFields(err), "fixed_batch_id") {
			t.Fatalf("another dataset's batch: %v", err)
		}

		fixed := who
		fixed.Address = "广东省梅州市梅江区江南路8号"
		batch := load(t, f.A, "mz.police", ds, collect.ModeIncremental, personsCSV([]person{fixed}))
		e, err = f.A.Share.DecideError(ctx, police, e.ID, share.ErrorDecision{Action: "fix", Resolution: "已按户籍迁移登记更正住址", FixedBatchID: batch.ID})
		if err != nil {
			t.Fatal(err)
		}
		if e.State != share.ErrorFixed || e.FixedBatchID != batch.ID || e.DueDate != "" {
			t.Fatalf("fixed: %+v", e)
		}
		// The consumer is told, and the data every grant reads is the corrected row.
		seen, err := f.A.Share.Error(ctx, hrss, e.ID)
		if err != nil || seen.State != share.ErrorFixed || seen.Resolution != "已按户籍迁移登记更正住址" {
			t.Fatalf("the consumer sees %+v %v", seen, err)
		}
		if got := datasetValue(t, f.A, ds, who.ID, "住址"); got != fixed.Address {
			t.Fatalf("dataset holds %q, want the fix %q", got, fixed.Address)
		}
		if _, err := f.A.Share.DecideError(ctx, police, e.ID, share.ErrorDecision{Action: "fix", Resolution: "again"}); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("a fixed report fixed again: %v", err)
		}

		t.Run("reject needs reasons", func(t *testing.T) {
			r, err := f.A.Share.ReportError(ctx, hrss, share.ErrorInput{GrantID: g.ID, RecordKey: f.People[1].ID, Item: "姓名", Description: "姓名有误"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.A.Share.DecideError(ctx, police, r.ID, share.ErrorDecision{Action: "reject"}); !slices.Contains(errFields(err), "reasons") {
				t.Fatalf("a rejection without reasons: %v", err)
			}
			if r, err = f.A.Share.DecideError(ctx, police, r.ID, share.ErrorDecision{Action: "reject", Reasons: "经核对户籍档案，姓名无误"}); err != nil {
				t.Fatal(err)
			}
			seen, err := f.A.Share.Error(ctx, hrss, r.ID)
			if err != nil || seen.State != share.ErrorRejected || seen.Reasons != "经核对户籍档案，姓名无误" {
				t.Fatalf("the consumer sees %+v %v", seen, err)
			}
		})
		t.Run("the generic case API keeps the report in step", func(t *testing.T) {
			r, err := f.A.Share.ReportError(ctx, hrss, share.ErrorInput{GrantID: g.ID, RecordKey: f.People[2].ID, Item: "姓名", Description: "错字"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.A.Cases.Act(ctx, police, r.CaseID, "verify", nil); err != nil {
				t.Fatal(err)
			}
			seen, err := f.A.Share.Error(ctx, hrss, r.ID)
			if err != nil || seen.State != share.ErrorFixing || seen.FixDueDate == "" {
				t.Fatalf("after verify through the case: %+v %v", seen, err)
			}
			// A fix due from verification is the engine's to notice, not the scheduler's.
			if err := f.A.Share.ScanFollowUp(ctx, mustDate(t, seen.FixDueDate).AddDays(2).Start()); err != nil {
				t.Fatal(err)
			}
			if ns := noticesAgainst(t, f.A, "mz.police", "error_fix_overdue"); len(ns) != 0 {
				t.Fatalf("the scheduler noticed a fix due from verification: %+v", ns)
			}
			if open, err := f.A.Share.Errors(ctx, police, share.ErrorFilter{Role: "source", State: "open"}); err != nil || len(open) != 1 || open[0].ID != r.ID {
				t.Fatalf("open reports: %+v %v", open, err)
			}
		})
	})
}

// TestErrorReportHuizhou: under the Huizhou profile both answers are due
// 10 working days from receipt (HZ §28); the engine runs the fix deadline
// from verification, so the report keeps the receipt-based date and the
// scheduler raises a notice at it, once.
func TestErrorReportHuizhou(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		clock := useFakeClock(f.A, 2026, 3, 2, 10)
		g := grantFor(t, f.A, "gd.hrss", f.HZPersons, "2027-12-31", "公民身份号码", "住址")
		hrss, police := actor(t, f.A, "gd.hrss"), actor(t, f.A, "hz.police")
		received := clock.now
		e, err := f.A.Share.ReportError(ctx, hrss, share.ErrorInput{GrantID: g.ID, RecordKey: f.People[3].ID, Item: "住址", Description: "门牌号错误"})
		if err != nil {
			t.Fatal(err)
		}
		want := dueOn(f.A, received, 10)
		if e.Profile != "huizhou" || e.DueDate != want || e.FixDueFrom != "receipt" || e.FixDueDate != want {
			t.Fatalf("reported: profile %s due %s fix from %s due %s, want huizhou, both %s", e.Profile, e.DueDate, e.FixDueFrom, e.FixDueDate, want)
		}
		verified := clock.at(calendar.DateOf(received).AddDays(3))
		if e, err = f.A.Share.DecideError(ctx, police, e.ID, share.ErrorDecision{Action: "verify"}); err != nil {
			t.Fatal(err)
		}
		if e.FixDueDate != want || e.DueDate != dueOn(f.A, verified, 10) {
			t.Fatalf("verified: fix due %s (want %s from receipt), case due %s", e.FixDueDate, want, e.DueDate)
		}
		due := mustDate(t, want)
		if err := f.A.Share.ScanFollowUp(ctx, clock.at(due)); err != nil {
			t.Fatal(err)
		}
		if ns := noticesAgainst(t, f.A, "hz.police", "error_fix_overdue"); len(ns) != 0 {
			t.Fatalf("noticed on the due date: %+v", ns)
		}
		for range 2 {
			if err := f.A.Share.ScanFollowUp(ctx, clock.at(due.AddDays(1))); err != nil {
				t.Fatal(err)
			}
		}
		ns := noticesAgainst(t, f.A, "hz.police", "error_fix_overdue")
		if len(ns) != 1 || ns[0].CaseID != e.CaseID || ns[0].Basis != "HZ §28" || ns[0].DueKey != "share.error.fix" {
			t.Fatalf("want one error_fix_overdue notice on the case, got %+v", ns)
		}
		if late, err := f.A.Share.Errors(ctx, actor(t, f.A, "hz.reviewer"), share.ErrorFilter{State: "overdue"}); err != nil || len(late) != 1 {
			t.Fatalf("the authority's overdue reports: %+v %v", late, err)
		}
	})
}

// TestErrorAPI: the error routes with their permissions and problems.
func TestErrorAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		useFakeClock(f.A, 2026, 3, 2, 10)
		g := grantFor(t, f.A, "gd.hrss", f.HZPersons, "2027-12-31", "公民身份号码", "姓名")
		srv := apptest.Server(t, f.A)
		hrss, police := apptest.Login(t, srv, "gd.hrss"), apptest.Login(t, srv, "hz.police")
		body := map[string]any{"grant_id": g.ID, "record_key": f.People[5].ID, "item": "姓名", "description": "姓名用字错误"}
		if st := apptest.Login(t, srv, "gd.hrss.user").Do("POST", "/api/v1/share/errors", body, nil); st != http.StatusForbidden {
			t.Fatalf("an agency user reports: %d", st)
		}
		var prob httpx.Problem
		if st := hrss.Do("POST", "/api/v1/share/errors", map[string]any{"grant_id": g.ID, "record_key": "440103199001011234", "item": "姓名", "description": "x"}, &prob); st != http.StatusBadRequest || prob.Code != "share.error.record_key" {
			t.Fatalf("unknown key: %d %+v", st, prob)
		}
		var e share.ErrorReport
		if st := hrss.Do("POST", "/api/v1/share/errors", body, &e); st != http.StatusCreated || e.State != share.ErrorReported {
			t.Fatalf("report: %d %+v", st, e)
		}
		path := "/api/v1/share/errors/" + strconv.FormatInt(e.ID, 10)
		if st := apptest.Login(t, srv, "hz.health").Do("GET", path, nil, nil); st != http.StatusNotFound {
			t.Fatalf("another agency reads: %d", st)
		}
		if st := hrss.Do("POST", path+"/decision", map[string]string{"action": "verify"}, nil); st != http.StatusForbidden {
			t.Fatalf("the consumer decides: %d", st)
		}
		prob = httpx.Problem{}
		if st := police.Do("POST", path+"/decision", map[string]string{"action": "reject"}, &prob); st != http.StatusBadRequest || len(prob.Errors) != 1 || prob.Errors[0].Field != "reasons" {
			t.Fatalf("reject without reasons: %d %+v", st, prob)
		}
		if st := police.Do("POST", path+"/decision", map[string]string{"action": "reject", "reasons": "与户籍档案一致"}, &e); st != http.StatusOK || e.State != share.ErrorRejected {
			t.Fatalf("reject: %d %+v", st, e)
		}
		var list httpx.List[share.ErrorReport]
		if st := hrss.Do("GET", "/api/v1/share/errors?role=consumer&state=rejected", nil, &list); st != http.StatusOK || list.Count != 1 || list.Items[0].Reasons != "与户籍档案一致" {
			t.Fatalf("the consumer's list: %d %+v", st, list)
		}
		if st := hrss.Do("GET", "/api/v1/share/errors?state=bogus", nil, nil); st != http.StatusBadRequest {
			t.Fatalf("bad state: %d", st)
		}
	})
}
