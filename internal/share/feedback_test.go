package share_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/calendar"
	"pubdata/internal/collect"
	"pubdata/internal/httpx"
	"pubdata/internal/procedure"
	"pubdata/internal/security"
	"pubdata/internal/share"
	"pubdata/internal/store"
)

// fakeClock drives the engine's clock (and so the sharing service's and
// the collection layer's) from a test.
type fakeClock struct{ now time.Time }

// useFakeClock sets the node's clock to the given Shanghai time and
// returns it for the test to move.
func useFakeClock(a *app.App, y int, m time.Month, d, hour int) *fakeClock {
	c := &fakeClock{now: time.Date(y, m, d, hour, 0, 0, 0, calendar.Shanghai)}
	a.Cases.SetClock(func() time.Time { return c.now })
	return c
}

// at moves the clock to noon of a date.
func (c *fakeClock) at(d calendar.Date) time.Time {
	c.now = d.Start().Add(12 * time.Hour)
	return c.now
}

// grantFor issues a grant on ds to the consumer's agency, with the items
// named (unmasked), until end, without going through the request flow.
func grantFor(t *testing.T, a *app.App, consumer string, ds collect.Dataset, end string, items ...string) share.Grant {
	t.Helper()
	c := actor(t, a, consumer)
	r := share.Request{Kind: share.KindData, ConsumerAgencyID: c.AgencyID, SourceAgencyID: ds.AgencyID, Jurisdiction: ds.Jurisdiction,
		EntryID: ds.EntryID, DatasetID: ds.ID, EntryName: ds.Name}
	spec := share.Spec{Purpose: "核验办事人身份", PurposeCategory: share.PurposeDuty, Scenario: "社保待遇资格认证", DutyBasis: "《社会保险法》",
		Mode: share.ModeAPI, EndDate: end}
	for _, it := range items {
		spec.Items = append(spec.Items, share.GrantItem{Name: it, Mask: security.Mask{Func: security.MaskClear}})
	}
	g, err := a.Share.IssueGrantForFollowUpTest(context.Background(), c, r, spec)
	if err != nil {
		t.Fatalf("grant %s to %s: %v", ds.Name, consumer, err)
	}
	return g
}

// feedbackOf returns the use reports of a grant, earliest period first, as the user sees them.
func feedbackOf(t *testing.T, a *app.App, username string, grantID int64) []share.Feedback {
	t.Helper()
	fs, err := a.Share.Feedback(context.Background(), actor(t, a, username), share.FeedbackFilter{GrantID: grantID})
	if err != nil {
		t.Fatalf("feedback of grant %d as %s: %v", grantID, username, err)
	}
	slices.Reverse(fs)
	return fs
}

// errFields names the fields an error is about.
func errFields(err error) []string {
	var l apperr.List
	if errors.As(err, &l) {
		var out []string
		for _, e := range l {
			out = append(out, e.Field)
		}
		return out
	}
	if e, ok := apperr.As(err); ok {
		return []string{e.Field}
	}
	return nil
}

// noticesAgainst returns the notices of a reason code against the user's agency.
func noticesAgainst(t *testing.T, a *app.App, username, reason string) []procedure.Notice {
	t.Helper()
	u := actor(t, a, username)
	ns, err := a.Cases.Notices(context.Background(), u, procedure.NoticeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []procedure.Notice
	for _, n := range ns {
		if n.ReasonCode == reason && n.AgainstAgencyID == u.AgencyID {
			out = append(out, n)
		}
	}
	return out
}

func mustDate(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestFeedbackPeriods: a grant's first use-report period follows the
// consumer's profile — Meizhou half a year (MZ §39), Guangdong and Huizhou
// a year — capped at the grant's end date, and each side sees what it should.
func TestFeedbackPeriods(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		useFakeClock(f.A, 2026, 3, 2, 10)
		mz := grantFor(t, f.A, "mz.police", f.Persons, "2027-12-31", "公民身份号码", "姓名")
		gd := grantFor(t, f.A, "gd.hrss", f.Persons, "2027-12-31", "公民身份号码", "姓名")
		short := grantFor(t, f.A, "gd.hrss", f.Stats, "2026-06-30", "统计编号", "户籍人口数")
		hz := grantFor(t, f.A, "hz.health", f.HZPersons, "2028-01-31", "公民身份号码")
		cases := []struct {
			name, who      string
			grant          share.Grant
			end, basis     string
			contents       []string
			consumerJurPfx string
		}{
			{"meizhou 6 months", "mz.police", mz, "2026-09-02", "MZ §39", []string{"scenario", "effect", "security"}, "4414"},
			{"guangdong 12 months", "gd.hrss", gd, "2027-03-02", "GD-290 §46", []string{"scenario", "effect"}, "44"},
			{"capped at the end date", "gd.hrss", short, "2026-06-30", "GD-290 §46", []string{"scenario", "effect"}, "44"},
			{"huizhou 12 months", "hz.health", hz, "2027-03-02", "HZ §23", []string{"scenario", "effect"}, "4413"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				fs := feedbackOf(t, f.A, c.who, c.grant.ID)
				if len(fs) != 1 {
					t.Fatalf("got %d periods, want 1", len(fs))
				}
				fb := fs[0]
				if fb.PeriodStart != "2026-03-02" || fb.PeriodEnd != c.end || fb.DueDate != c.end || fb.State != share.FeedbackOpen {
					t.Fatalf("period %s to %s due %s (%s), want 2026-03-02 to %s due %[5]s, open", fb.PeriodStart, fb.PeriodEnd, fb.DueDate, fb.State, c.end)
				}
				if fb.Basis != c.basis || !slices.Equal(fb.Contents, c.contents) {
					t.Fatalf("basis %q contents %v, want %q %v", fb.Basis, fb.Contents, c.basis, c.contents)
				}
				if fb.Overdue || fb.DueSoon || fb.Report != nil {
					t.Fatalf("a new period is neither overdue nor due soon: %+v", fb)
				}
			})
		}
		t.Run("visibility", func(t *testing.T) {
			ids := func(who string, filter share.FeedbackFilter) []int64 {
				fs, err := f.A.Share.Feedback(t.Context(), actor(t, f.A, who), filter)
				if err != nil {
					t.Fatalf("%s: %v", who, err)
				}
				var out []int64
				for _, fb := range fs {
					out = append(out, fb.GrantID)
				}
				slices.Sort(out)
				return out
			}
			sorted := func(v ...int64) []int64 { slices.Sort(v); return v }
			for who, want := range map[string][]int64{
				"gd.hrss":     sorted(gd.ID, short.ID),
				"mz.police":   {mz.ID},
				"gd.police":   sorted(mz.ID, gd.ID, short.ID), // the source sees reports on its data
				"hz.police":   {hz.ID},
				"hz.health":   {hz.ID},
				"mz.reviewer": {mz.ID}, // the authority over the consumer
				"auditor":     sorted(mz.ID, gd.ID, short.ID, hz.ID),
				"gd.reviewer": sorted(mz.ID, gd.ID, short.ID, hz.ID),
				"jm.police":   nil,
			} {
				if got := ids(who, share.FeedbackFilter{}); !slices.Equal(got, want) {
					t.Errorf("%s sees grants %v, want %v", who, got, want)
				}
			}
			if got := ids("gd.police", share.FeedbackFilter{Role: "consumer"}); len(got) != 0 {
				t.Errorf("gd.police as consumer sees %v", got)
			}
			if _, err := f.A.Share.Feedback(t.Context(), actor(t, f.A, "gd.hrss"), share.FeedbackFilter{State: "late"}); apperr.KindOf(err) != apperr.Invalid {
				t.Errorf("unknown state: %v", err)
			}
		})
	})
}

// TestFeedbackReminderAndNotice: share.feedback.remind_days working days
// before the due date the report is marked reminded (nothing is raised
// against anyone); after the due date a supervision notice (feedback_overdue,
// citing the period's basis) is raised once, and the next period opens.
func TestFeedbackReminderAndNotice(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		clock := useFakeClock(f.A, 2026, 3, 2, 10)
		g := grantFor(t, f.A, "mz.police", f.Persons, "2027-12-31", "公民身份号码", "姓名")
		fb := feedbackOf(t, f.A, "mz.police", g.ID)[0]
		due := mustDate(t, fb.DueDate)
		p, err := f.A.Rules.Profile("meizhou")
		if err != nil {
			t.Fatal(err)
		}
		n, err := p.Number("share.feedback.remind_days")
		if err != nil || n < 1 {
			t.Fatalf("remind_days %d: %v", n, err)
		}
		remindFrom := f.A.Calendar.AddWorkdays(due, -n)

		if err := f.A.Share.ScanFollowUp(ctx, clock.at(remindFrom.AddDays(-1))); err != nil {
			t.Fatal(err)
		}
		if fb := feedbackOf(t, f.A, "mz.police", g.ID)[0]; fb.RemindedAt != nil || fb.DueSoon {
			t.Fatalf("reminded a day early (%s, reminders from %s): %+v", remindFrom.AddDays(-1), remindFrom, fb)
		}

		if err := f.A.Share.ScanFollowUp(ctx, clock.at(remindFrom)); err != nil {
			t.Fatal(err)
		}
		fb = feedbackOf(t, f.A, "mz.police", g.ID)[0]
		if fb.RemindedAt == nil || !fb.DueSoon || fb.Overdue || fb.NoticedAt != nil {
			t.Fatalf("on %s: want reminded and due soon: %+v", remindFrom, fb)
		}
		reminded := *fb.RemindedAt
		if ns := noticesAgainst(t, f.A, "mz.police", "feedback_overdue"); len(ns) != 0 {
			t.Fatalf("a reminder raised notices: %+v", ns)
		}
		if err := f.A.Share.ScanFollowUp(ctx, clock.at(remindFrom.AddDays(1))); err != nil {
			t.Fatal(err)
		}
		if fb := feedbackOf(t, f.A, "mz.police", g.ID)[0]; fb.RemindedAt == nil || !fb.RemindedAt.Equal(reminded) {
			t.Fatalf("reminded again: %v then %v", reminded, fb.RemindedAt)
		}
		if fs, _ := f.A.Share.Feedback(ctx, actor(t, f.A, "mz.police"), share.FeedbackFilter{State: "due_soon"}); len(fs) != 1 {
			t.Fatalf("due_soon lists %d", len(fs))
		}

		// On the due date it is not yet late.
		if err := f.A.Share.ScanFollowUp(ctx, clock.at(due)); err != nil {
			t.Fatal(err)
		}
		if ns := noticesAgainst(t, f.A, "mz.police", "feedback_overdue"); len(ns) != 0 {
			t.Fatalf("noticed on the due date: %+v", ns)
		}

		after := due.AddDays(1)
		for range 2 { // the second pass must not notice again
			if err := f.A.Share.ScanFollowUp(ctx, clock.at(after)); err != nil {
				t.Fatal(err)
			}
		}
		ns := noticesAgainst(t, f.A, "mz.police", "feedback_overdue")
		if len(ns) != 1 {
			t.Fatalf("want one feedback_overdue notice, got %+v", ns)
		}
		if ns[0].Basis != "MZ §39" || ns[0].DueKey != "share.feedback.period" || ns[0].Jurisdiction != "441400" {
			t.Fatalf("notice: %+v", ns[0])
		}
		fs := feedbackOf(t, f.A, "mz.police", g.ID)
		if len(fs) != 2 {
			t.Fatalf("want the next period opened after the first ended, got %d periods", len(fs))
		}
		if !fs[0].Overdue || fs[0].NoticedAt == nil || fs[0].DueSoon {
			t.Fatalf("first period: %+v", fs[0])
		}
		if fs[1].PeriodStart != fb.PeriodEnd || fs[1].DueDate != "2027-03-02" || fs[1].State != share.FeedbackOpen {
			t.Fatalf("next period: %+v", fs[1])
		}
		if over, _ := f.A.Share.Feedback(ctx, actor(t, f.A, "mz.reviewer"), share.FeedbackFilter{State: "overdue"}); len(over) != 1 || over[0].ID != fs[0].ID {
			t.Fatalf("the authority's overdue list: %+v", over)
		}

		// A late report is still taken; the next period is not doubled.
		if _, err := f.A.Share.SubmitFeedback(ctx, actor(t, f.A, "mz.police"), fs[0].ID, share.FeedbackReport{Scenario: "户籍核验", Effect: "减少材料", Security: "专人专机"}); err != nil {
			t.Fatal(err)
		}
		if fs := feedbackOf(t, f.A, "mz.police", g.ID); len(fs) != 2 || fs[0].Overdue || fs[0].State != share.FeedbackSubmitted {
			t.Fatalf("after the late report: %+v", fs)
		}
	})
}

// TestFeedbackSubmit: Meizhou's report must cover scenarios, results and
// security measures, each missing one named; elsewhere scenarios and
// results; only the consumer's officer submits, once; a submission opens
// the next period while the grant goes on, and not past its end.
func TestFeedbackSubmit(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		useFakeClock(f.A, 2026, 3, 2, 10)
		mz := grantFor(t, f.A, "mz.police", f.Persons, "2027-12-31", "公民身份号码", "姓名")
		gd := grantFor(t, f.A, "gd.hrss", f.Persons, "2027-12-31", "公民身份号码")
		short := grantFor(t, f.A, "gd.hrss", f.Stats, "2026-06-30", "统计编号")
		mzFb := feedbackOf(t, f.A, "mz.police", mz.ID)[0]
		full := share.FeedbackReport{Scenario: "办理户籍迁入时核验身份", Effect: "办件材料减少3项", Security: "专网访问，操作留痕"}

		t.Run("meizhou contents", func(t *testing.T) {
			_, err := f.A.Share.SubmitFeedback(ctx, actor(t, f.A, "mz.police"), mzFb.ID, share.FeedbackReport{Scenario: full.Scenario, Effect: "  "})
			if got := errFields(err); !slices.Equal(got, []string{"effect", "security"}) {
				t.Fatalf("fields named %v, want effect and security (%v)", got, err)
			}
			if fb := feedbackOf(t, f.A, "mz.police", mz.ID)[0]; fb.State != share.FeedbackOpen {
				t.Fatalf("a refused report changed the period: %+v", fb)
			}
		})
		t.Run("who may submit", func(t *testing.T) {
			for who, kind := range map[string]apperr.Kind{
				"gd.police":   apperr.Forbidden, // the source sees it, but the report is the consumer's
				"mz.reviewer": apperr.Forbidden,
				"hz.health":   apperr.NotFound,
			} {
				if _, err := f.A.Share.SubmitFeedback(ctx, actor(t, f.A, who), mzFb.ID, full); apperr.KindOf(err) != kind {
					t.Errorf("%s: got %v, want kind %v", who, err, kind)
				}
			}
		})
		t.Run("submitted and next period", func(t *testing.T) {
			fb, err := f.A.Share.SubmitFeedback(ctx, actor(t, f.A, "mz.police"), mzFb.ID, full)
			if err != nil {
				t.Fatal(err)
			}
			if fb.State != share.FeedbackSubmitted || fb.Report == nil || fb.Report.Security != full.Security || fb.SubmittedAt == nil || fb.SubmittedBy == 0 {
				t.Fatalf("submitted: %+v", fb)
			}
			fs := feedbackOf(t, f.A, "gd.police", mz.ID) // the source reads it
			if len(fs) != 2 || fs[0].Report == nil || fs[0].Report.Effect != full.Effect {
				t.Fatalf("the source sees %+v", fs)
			}
			if fs[1].PeriodStart != "2026-09-02" || fs[1].PeriodEnd != "2027-03-02" || fs[1].State != share.FeedbackOpen {
				t.Fatalf("next period: %+v", fs[1])
			}
			if _, err := f.A.Share.SubmitFeedback(ctx, actor(t, f.A, "mz.police"), mzFb.ID, full); apperr.KindOf(err) != apperr.Conflict {
				t.Fatalf("second submission: %v", err)
			}
		})
		t.Run("guangdong contents", func(t *testing.T) {
			fb := feedbackOf(t, f.A, "gd.hrss", gd.ID)[0]
			_, err := f.A.Share.SubmitFeedback(ctx, actor(t, f.A, "gd.hrss"), fb.ID, share.FeedbackReport{Scenario: "社保资格认证"})
			if got := errFields(err); !slices.Equal(got, []string{"effect"}) {
				t.Fatalf("fields named %v, want effect (%v)", got, err)
			}
			if _, err := f.A.Share.SubmitFeedback(ctx, actor(t, f.A, "gd.hrss"), fb.ID, share.FeedbackReport{Scenario: "社保资格认证", Effect: "无需群众跑腿"}); err != nil {
				t.Fatalf("security is not required under the province's profile: %v", err)
			}
		})
		t.Run("no period past the end date", func(t *testing.T) {
			fb := feedbackOf(t, f.A, "gd.hrss", short.ID)[0]
			if _, err := f.A.Share.SubmitFeedback(ctx, actor(t, f.A, "gd.hrss"), fb.ID, share.FeedbackReport{Scenario: "统计", Effect: "决策参考"}); err != nil {
				t.Fatal(err)
			}
			if fs := feedbackOf(t, f.A, "gd.hrss", short.ID); len(fs) != 1 {
				t.Fatalf("a grant ending with its period owes no more: %+v", fs)
			}
		})
	})
}

// TestFeedbackAPI: the routes, as the console and an agency's system use them.
func TestFeedbackAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		useFakeClock(f.A, 2026, 3, 2, 10)
		g := grantFor(t, f.A, "mz.police", f.Persons, "2027-12-31", "公民身份号码", "姓名")
		srv := apptest.Server(t, f.A)
		mz := apptest.Login(t, srv, "mz.police")
		var list httpx.List[share.Feedback]
		if st := mz.Do("GET", "/api/v1/share/feedback?role=consumer&state=open", nil, &list); st != http.StatusOK || list.Count != 1 || list.Items[0].GrantID != g.ID {
			t.Fatalf("list: %d %+v", st, list)
		}
		id := list.Items[0].ID
		path := "/api/v1/share/feedback/" + strconv.FormatInt(id, 10)
		var prob httpx.Problem
		if st := mz.Do("POST", path, map[string]string{"scenario": "户籍核验", "effect": "提速"}, &prob); st != http.StatusBadRequest ||
			len(prob.Errors) != 1 || prob.Errors[0].Field != "security" {
			t.Fatalf("missing security: %d %+v", st, prob)
		}
		if st := mz.Do("POST", path, map[string]string{"scenario": "户籍核验", "effect": "提速", "security": "专网", "bogus": "x"}, nil); st != http.StatusBadRequest {
			t.Fatalf("unknown field: %d", st)
		}
		if st := apptest.Login(t, srv, "gd.hrss.user").Do("POST", path, map[string]string{"scenario": "a", "effect": "b", "security": "c"}, nil); st != http.StatusForbidden {
			t.Fatalf("an agency user has no share.request: %d", st)
		}
		var fb share.Feedback
		if st := mz.Do("POST", path, map[string]string{"scenario": "户籍核验", "effect": "提速", "security": "专网"}, &fb); st != http.StatusOK || fb.State != share.FeedbackSubmitted {
			t.Fatalf("submit: %d %+v", st, fb)
		}
		if st := mz.Do("GET", "/api/v1/share/feedback?grant=x", nil, nil); st != http.StatusBadRequest {
			t.Fatalf("bad grant filter: %d", st)
		}
	})
}

// TestFollowUpAnonymous: every follow-up route refuses a caller without credentials.
func TestFollowUpAnonymous(t *testing.T) {
	a := apptest.Demo(t, store.SQLite)
	srv := apptest.Server(t, a)
	anon := &apptest.Client{T: t, URL: srv.URL}
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/share/feedback"},
		{"POST", "/api/v1/share/feedback/1"},
		{"GET", "/api/v1/share/errors"},
		{"POST", "/api/v1/share/errors"},
		{"GET", "/api/v1/share/errors/1"},
		{"POST", "/api/v1/share/errors/1/decision"},
	} {
		var body any
		if r.method == "POST" {
			body = map[string]string{}
		}
		if st := anon.Do(r.method, r.path, body, nil); st != http.StatusUnauthorized {
			t.Errorf("%s %s: %d, want 401", r.method, r.path, st)
		}
	}
}
