package procedure_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/org"
	"pubdata/internal/procedure"
	"pubdata/internal/store"
)

// at returns the instant of a Shanghai wall-clock time.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func actor(t *testing.T, a *app.App, username string) audit.Actor {
	t.Helper()
	u, err := a.Accounts.UserByName(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return (&auth.Principal{User: u}).Actor("127.0.0.1", "test")
}

func agency(t *testing.T, a *app.App, name string) org.Agency {
	t.Helper()
	as, err := a.Orgs.Agencies(context.Background(), org.AgencyFilter{Query: name})
	if err != nil || len(as) != 1 {
		t.Fatalf("agency %s: %v %d", name, err, len(as))
	}
	return as[0]
}

func code(err error) string {
	if l, ok := err.(apperr.List); ok && len(l) > 0 {
		return l[0].Code
	}
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}

func TestCatalogReviewEndToEnd(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		e := a.Cases
		// Submitted on the last working day before the 2025 National Day break:
		// the review is due on the 5th working day after it (GD-290 §11).
		e.SetClock(func() time.Time { return at("2025-09-30 16:00") })
		c, err := open(t, a, actor(t, a, "gd.police"), procedure.OpenInput{Kind: "catalog_review", Title: "人口基本信息"})
		if err != nil {
			t.Fatal(err)
		}
		if c.State != "submitted" || c.DueDate != "2025-10-14" || c.DueKey != "catalog.review" || c.DueBasis != "GD-290 §11" || c.Profile != "guangdong" {
			t.Fatalf("opened: %+v", c)
		}
		if want := at("2025-10-15 00:00"); !c.DueAt.Equal(want) {
			t.Fatalf("due at %v, want %v", c.DueAt, want)
		}
		auth, _ := a.Orgs.Authority(ctx, "440000")
		if c.RespondentAgencyID != auth.ID {
			t.Fatalf("respondent %d, want the provincial authority %d", c.RespondentAgencyID, auth.ID)
		}

		// A return needs its reasons.
		e.SetClock(func() time.Time { return at("2025-10-09 10:00") })
		_, err = e.Act(ctx, actor(t, a, "gd.reviewer"), c.ID, "return", nil)
		if code(err) != "case.field_required" {
			t.Fatalf("return without reasons: %v", err)
		}
		if l, ok := err.(apperr.List); !ok || l[0].Field != "reasons" {
			t.Fatalf("the error must name the field: %#v", err)
		}
		// The applicant cannot approve its own entry; a reviewer of another city cannot see it.
		if _, err := e.Act(ctx, actor(t, a, "gd.police"), c.ID, "approve", nil); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("applicant approving: %v", err)
		}
		if _, err := e.Act(ctx, actor(t, a, "hz.reviewer"), c.ID, "approve", nil); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("other city's reviewer: %v", err)
		}
		c, err = e.Act(ctx, actor(t, a, "gd.reviewer"), c.ID, "return", map[string]string{"reasons": "共享条件不明确"})
		if err != nil {
			t.Fatal(err)
		}
		if c.State != "returned" || c.DueAt != nil || c.Closed {
			t.Fatalf("returned: %+v", c)
		}
		// Resubmission starts a new review period from its own receipt.
		e.SetClock(func() time.Time { return at("2025-10-10 09:00") })
		c, err = e.Act(ctx, actor(t, a, "gd.police"), c.ID, "resubmit", nil)
		if err != nil {
			t.Fatal(err)
		}
		// 10-10 Fri; 10-11 Sat is an adjusted working day (1), 10-13..10-16 (2-5).
		if c.State != "submitted" || c.DueDate != "2025-10-16" {
			t.Fatalf("resubmitted: %+v", c)
		}
		c, err = e.Act(ctx, actor(t, a, "gd.reviewer"), c.ID, "approve", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Closed || c.State != "approved" {
			t.Fatalf("approved: %+v", c)
		}
		if _, err := e.Act(ctx, actor(t, a, "gd.reviewer"), c.ID, "approve", nil); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("approving twice: %v", err)
		}
		got, hist, err := e.Case(ctx, actor(t, a, "gd.police"), c.ID)
		if err != nil || got.State != "approved" {
			t.Fatal(err)
		}
		var actions []string
		for _, h := range hist {
			actions = append(actions, h.Action)
		}
		if want := "open return resubmit approve"; strings.Join(actions, " ") != want {
			t.Fatalf("history %q, want %q", strings.Join(actions, " "), want)
		}
		if hist[1].Fields["reasons"] != "共享条件不明确" {
			t.Fatalf("history keeps the reasons: %+v", hist[1])
		}
		// Every step is in the audit trail, and the trail is intact.
		es, err := a.Trail.List(ctx, audit.Filter{ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10)})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, x := range es {
			seen[x.Action+"/"+x.Outcome]++
		}
		for _, want := range []string{"case.open/ok", "case.return/ok", "case.resubmit/ok", "case.approve/ok", "case.approve/denied", "case.read/ok"} {
			if seen[want] == 0 {
				t.Errorf("audit lacks %s: %v", want, seen)
			}
		}
		if rep, _ := a.Trail.Verify(ctx); !rep.OK {
			t.Fatalf("trail: %+v", rep)
		}
	})
}

func TestConditionalShareDeadlinesByProfile(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		e := a.Cases
		cases := []struct {
			name, applicant, source, officer string
			reply, fulfil, basis, profile    string
		}{
			// Received Monday 2026-03-02: GD-290 §23 gives 5 + 5 working days.
			{"guangdong", "gd.hrss", "广东省民政厅", "gd.civil", "2026-03-09", "2026-03-16", "GD-290 §23", "guangdong"},
			// HZ §24: 2 + 3 working days for a Huizhou source agency.
			{"huizhou", "hz.health", "惠州市公安局", "hz.police", "2026-03-04", "2026-03-09", "HZ §24", "huizhou"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e.SetClock(func() time.Time { return at("2026-03-02 10:00") })
				c, err := open(t, a, actor(t, a, tc.applicant), procedure.OpenInput{Kind: "share_conditional", Title: "申请共享", RespondentAgencyID: agency(t, a, tc.source).ID})
				if err != nil {
					t.Fatal(err)
				}
				if c.DueDate != tc.reply || c.Profile != tc.profile || c.DueBasis != tc.basis {
					t.Fatalf("reply due %s (%s, %s), want %s (%s)", c.DueDate, c.DueBasis, c.Profile, tc.reply, tc.basis)
				}
				// The answer on the due date's morning: fulfil counts from the reply.
				e.SetClock(func() time.Time { return at(tc.reply + " 09:00") })
				c, err = e.Act(ctx, actor(t, a, tc.officer), c.ID, "agree", nil)
				if err != nil {
					t.Fatal(err)
				}
				if c.DueKey != "share.conditional.fulfil" || c.DueDate != tc.fulfil {
					t.Fatalf("fulfil due %s, want %s", c.DueDate, tc.fulfil)
				}
			})
		}
	})
}

func TestRefusalRequiresLegalBasis(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		e := a.Cases
		c, err := open(t, a, actor(t, a, "hz.health"), procedure.OpenInput{Kind: "share_conditional", RespondentAgencyID: agency(t, a, "惠州市公安局").ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, fields := range []map[string]string{nil, {"legal_basis": "   "}, {"reasons": "不想给"}} {
			_, err := e.Act(ctx, actor(t, a, "hz.police"), c.ID, "refuse", fields)
			if code(err) != "case.field_required" {
				t.Fatalf("refusal with %v: %v", fields, err)
			}
		}
		got, _, _ := e.Case(ctx, actor(t, a, "hz.police"), c.ID)
		if got.State != "requested" {
			t.Fatalf("a refused refusal changed the case: %s", got.State)
		}
		// The consumer cannot answer its own request; a user role cannot refuse.
		if _, err := e.Act(ctx, actor(t, a, "hz.health"), c.ID, "refuse", map[string]string{"legal_basis": "x"}); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("consumer refusing: %v", err)
		}
		c, err = e.Act(ctx, actor(t, a, "hz.police"), c.ID, "refuse", map[string]string{"legal_basis": "《中华人民共和国个人信息保护法》第十三条"})
		if err != nil || c.State != "refused" || !c.Closed {
			t.Fatalf("refusal: %+v %v", c, err)
		}
	})
}

func TestOverdueRaisesOneNoticeAgainstTheLateParty(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		e := a.Cases
		e.SetClock(func() time.Time { return at("2026-03-02 10:00") })
		late, err := open(t, a, actor(t, a, "hz.health"), procedure.OpenInput{Kind: "share_conditional", Title: "逾期测试", RespondentAgencyID: agency(t, a, "惠州市公安局").ID})
		if err != nil {
			t.Fatal(err)
		}
		answered, err := open(t, a, actor(t, a, "hz.health"), procedure.OpenInput{Kind: "share_conditional", Title: "按时答复", RespondentAgencyID: agency(t, a, "惠州市公安局").ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Act(ctx, actor(t, a, "hz.police"), answered.ID, "refuse", map[string]string{"legal_basis": "依据"}); err != nil {
			t.Fatal(err)
		}
		// On the due date itself the case is not late.
		if n, err := e.MarkOverdue(ctx, at("2026-03-04 23:59")); err != nil || isOverdue(t, a, late.ID) {
			t.Fatalf("before the end of the due day: n=%d err=%v", n, err)
		}
		if _, err := e.MarkOverdue(ctx, at("2026-03-05 00:00")); err != nil {
			t.Fatal(err)
		}
		if !isOverdue(t, a, late.ID) {
			t.Fatal("case not marked overdue")
		}
		if _, err := e.MarkOverdue(ctx, at("2026-03-06 00:00")); err != nil {
			t.Fatal(err)
		}
		ns, err := e.Notices(ctx, actor(t, a, "hz.reviewer"), procedure.NoticeFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var mine []procedure.Notice
		for _, n := range ns {
			if n.CaseID == late.ID {
				mine = append(mine, n)
			}
			if n.CaseID == answered.ID {
				t.Fatal("a case answered in time got a notice")
			}
		}
		hzAuth, _ := a.Orgs.Authority(ctx, "441300")
		if len(mine) != 1 || mine[0].AgainstAgencyID != agency(t, a, "惠州市公安局").ID || mine[0].AuthorityAgencyID != hzAuth.ID || mine[0].Basis != "HZ §24, GD-290 §52" {
			t.Fatalf("notices for the late case: %+v", mine)
		}
		// The late agency sees the notice against it; an agency elsewhere does not.
		if ns, _ := e.Notices(ctx, actor(t, a, "hz.police"), procedure.NoticeFilter{}); !hasNotice(ns, late.ID) {
			t.Fatal("the late agency does not see its notice")
		}
		if ns, _ := e.Notices(ctx, actor(t, a, "jm.police"), procedure.NoticeFilter{}); hasNotice(ns, late.ID) {
			t.Fatal("another city's agency sees the notice")
		}
		if ns, _ := e.Notices(ctx, actor(t, a, "gd.cdo"), procedure.NoticeFilter{}); hasNotice(ns, late.ID) {
			t.Fatal("a provincial agency's chief data officer sees a Huizhou agency's notice")
		}
		// Answering late still works and starts the fulfil deadline afresh.
		e.SetClock(func() time.Time { return at("2026-03-06 09:00") })
		c, err := e.Act(ctx, actor(t, a, "hz.police"), late.ID, "agree", nil)
		if err != nil || c.Overdue || c.DueDate != "2026-03-11" {
			t.Fatalf("late agreement: %+v %v", c, err)
		}
	})
}

// TestOverdueAuthorityIsSupervisedFromAbove: a city authority late on a
// review is noticed by the provincial authority.
func TestOverdueAuthorityIsSupervisedFromAbove(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		e := a.Cases
		e.SetClock(func() time.Time { return at("2026-06-01 10:00") })
		c, err := open(t, a, actor(t, a, "mz.police"), procedure.OpenInput{Kind: "catalog_review", Title: "梅州目录"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Profile != "meizhou" || c.DueBasis != "MZ §7" {
			t.Fatalf("meizhou review: %+v", c)
		}
		if _, err := e.MarkOverdue(ctx, at("2026-07-01 00:00")); err != nil {
			t.Fatal(err)
		}
		ns, _ := e.Notices(ctx, actor(t, a, "gd.reviewer"), procedure.NoticeFilter{})
		mzAuth, _ := a.Orgs.Authority(ctx, "441400")
		gdAuth, _ := a.Orgs.Authority(ctx, "440000")
		found := false
		for _, n := range ns {
			if n.CaseID == c.ID {
				found = true
				if n.AgainstAgencyID != mzAuth.ID || n.AuthorityAgencyID != gdAuth.ID {
					t.Fatalf("notice %+v", n)
				}
			}
		}
		if !found {
			t.Fatal("the province does not see the notice against the city authority")
		}
	})
}

func TestKindsAreValidAndUseProfileDeadlines(t *testing.T) {
	for _, k := range procedure.Builtin {
		if err := k.Validate(); err != nil {
			t.Errorf("%s: %v", k.Name, err)
		}
	}
	bad := &procedure.Kind{Name: "x", Basis: "GD-290 §1", Initial: "a", States: []procedure.StateDef{{Name: "a", Deadline: "no.such.key", Owes: procedure.Respondent}, {Name: "b", Terminal: true}},
		Transitions: []procedure.Transition{{Action: "go", From: []procedure.State{"a"}, To: "b", By: procedure.Respondent}}}
	a := apptest.Open(t, "sqlite")
	if err := a.Cases.Register(bad); err == nil {
		t.Fatal("a kind with a deadline key missing from the profiles was registered")
	}
}

func isOverdue(t *testing.T, a *app.App, id int64) bool {
	t.Helper()
	var overdue bool
	if err := a.DB.Read().QueryRowContext(context.Background(), `SELECT overdue FROM cases WHERE id = $1`, id).Scan(&overdue); err != nil {
		t.Fatal(err)
	}
	return overdue
}

func hasNotice(ns []procedure.Notice, caseID int64) bool {
	for _, n := range ns {
		if n.CaseID == caseID {
			return true
		}
	}
	return false
}

// open opens a case the way a domain service does, in its own transaction:
// catalog reviews and conditional share requests are DomainOnly and cannot
// be opened through Open.
func open(t *testing.T, a *app.App, who audit.Actor, in procedure.OpenInput) (procedure.Case, error) {
	t.Helper()
	var c procedure.Case
	err := a.DB.WriteAt(context.Background(), a.Cases.Now(), func(tx *store.Tx) error {
		var err error
		c, err = a.Cases.OpenTx(context.Background(), tx, who, in)
		return err
	})
	return c, err
}

func TestDomainOnlyKindsAreNotOpenedDirectly(t *testing.T) {
	a := apptest.Demo(t, "sqlite")
	for _, kind := range []string{"catalog_review", "share_conditional"} {
		_, err := a.Cases.Open(context.Background(), actor(t, a, "gd.police"), procedure.OpenInput{Kind: kind, RespondentAgencyID: agency(t, a, "广东省民政厅").ID})
		if code(err) != "case.domain_only" {
			t.Fatalf("opening a %s case directly: %v", kind, err)
		}
	}
}
