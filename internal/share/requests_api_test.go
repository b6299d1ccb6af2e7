package share_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pubdata/internal/apptest"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/demo"
	"pubdata/internal/ident"
	"pubdata/internal/org"
	"pubdata/internal/procedure"
	"pubdata/internal/security"
	"pubdata/internal/share"
)

// TestRequestsBySharingType: every path of a data request by the entry's
// sharing type (GD-290 §23–24), through the API.
func TestRequestsBySharingType(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		hrss, police := apptest.Login(t, srv, "gd.hrss"), apptest.Login(t, srv, "gd.police")
		app := f.HRSSApp.App.ID

		t.Run("unconditional is granted at once as requested", func(t *testing.T) {
			// GD-290 §23 para 1: no purpose is needed under the provincial profile.
			sp := spec(app, "统计编号", "行政区划", "户籍人口数")
			sp.Purpose, sp.Scenario, sp.DutyBasis = "", "", ""
			r := submit(t, hrss, dataReq(f.Stats.EntryID, sp))
			if r.State != share.StateGranted || r.GrantID == 0 || r.CaseID != 0 || r.ShareType != "unconditional" || r.CrossLevel || len(r.Filings) != 0 {
				t.Fatalf("unconditional request: %+v", r)
			}
			g := getGrant(t, hrss, r.GrantID)
			if g.Kind != share.GrantData || g.State != share.GrantActive || g.AppID != app || g.EndDate != "2027-12-31" || itemNames(g.Items) != "统计编号,行政区划,户籍人口数" {
				t.Fatalf("grant: %+v", g.Grant)
			}
			for _, it := range g.Items {
				if !it.Mask.Clear() { // general-1, not personal: the default is clear
					t.Errorf("item %s masked %v by default", it.Name, it.Mask)
				}
			}
			if len(g.Events) != 1 || g.Events[0].Action != "issue" {
				t.Fatalf("grant events: %+v", g.Events)
			}
			if !audited(t, f, "share.request.submit", strconv.FormatInt(r.ID, 10), "ok") {
				t.Fatal("submission not audited")
			}
		})

		t.Run("conditional: narrowed approval, then fulfilled", func(t *testing.T) {
			sp := spec(app, "公民身份号码", "姓名", "手机号码", "户籍地")
			r := submit(t, hrss, dataReq(f.Persons.EntryID, sp))
			if r.State != share.StateRequested || r.CaseID == 0 || r.DueDate == "" || r.GrantID != 0 || r.Jurisdiction != "440000" || r.Profile != "guangdong" {
				t.Fatalf("conditional request: %+v", r)
			}
			if !slices.Contains(listIDs(t, police, "?box=inbox"), r.ID) || !slices.Contains(listIDs(t, hrss, "?box=outbox"), r.ID) {
				t.Fatal("the request is not in the source's inbox and the consumer's outbox")
			}
			if slices.Contains(listIDs(t, hrss, "?box=inbox"), r.ID) {
				t.Fatal("the consumer's inbox holds its own request")
			}
			// The consumer cannot answer its own request.
			refused(t, hrss, http.StatusForbidden, "share.request.not_source", "", "POST", path("/api/v1/share/requests/%d/decision", r.ID), share.Decision{Action: "agree"})
			// A widening approval is refused, naming the field, and changes nothing.
			widen := []struct {
				name, field string
				appr        share.Spec
			}{
				{"an item not asked for", "approval.items[1].name", share.Spec{Items: items("公民身份号码", "住址")}},
				{"a later end date", "approval.end_date", share.Spec{EndDate: "2028-01-01"}},
				{"another mode", "approval.mode", share.Spec{Mode: share.ModeFile}},
				{"another application", "approval.app_id", share.Spec{AppID: f.HealthApp.App.ID}},
				{"a higher quota", "approval.quota_daily", share.Spec{QuotaDaily: 1 << 40}},
				{"another purpose category", "approval.purpose_category", share.Spec{PurposeCategory: share.PurposeEmergency}},
			}
			for _, w := range widen {
				appr := w.appr
				refused(t, police, http.StatusBadRequest, "share.approval.widening", w.field, "POST", path("/api/v1/share/requests/%d/decision", r.ID),
					share.Decision{Action: "agree", Approval: &appr})
			}
			bad := share.Spec{Items: []share.GrantItem{{Name: "姓名", Mask: security.Mask{Func: "rot13"}}}}
			refused(t, police, http.StatusBadRequest, "share.mask.func", "approval.items[0].mask.func", "POST", path("/api/v1/share/requests/%d/decision", r.ID),
				share.Decision{Action: "agree", Approval: &bad})
			if got := getRequest(t, hrss, r.ID); got.State != share.StateRequested || got.Approval != nil {
				t.Fatalf("refused approvals changed the request: %+v", got)
			}
			// Fulfilment comes after agreement.
			refused(t, police, http.StatusConflict, "case.state", "", "POST", path("/api/v1/share/requests/%d/decision", r.ID), share.Decision{Action: "fulfil"})

			appr := share.Spec{
				Items: []share.GrantItem{
					{Name: "公民身份号码", Mask: security.Mask{Func: security.MaskKeep, N: 6, M: 4}},
					{Name: "姓名", Mask: security.Mask{Func: security.MaskClear}},
					{Name: "户籍地"},
				},
				EndDate:  "2027-06-30",
				RowScope: share.RowScope{Item: "户籍地", Region: "440100"},
				Scenario: "养老保险待遇资格认证（广州市参保人）",
			}
			got := decide(t, police, r.ID, share.Decision{Action: "agree", Approval: &appr})
			if got.State != share.StateAgreed || got.Approval == nil || got.Approval.EndDate != "2027-06-30" || got.DueDate == "" || got.GrantID != 0 {
				t.Fatalf("agreed: %+v", got)
			}
			got = decide(t, police, r.ID, share.Decision{Action: "fulfil"})
			if got.State != share.StateGranted || got.GrantID == 0 || got.DueDate != "" {
				t.Fatalf("fulfilled: %+v", got)
			}
			g := getGrant(t, hrss, got.GrantID)
			if itemNames(g.Items) != "公民身份号码,姓名,户籍地" || g.EndDate != "2027-06-30" || g.RowScope != (share.RowScope{Item: "户籍地", Region: "440100"}) ||
				g.Mode != share.ModeAPI || g.AppID != app || g.Scenario != "养老保险待遇资格认证（广州市参保人）" || g.RequestID != r.ID {
				t.Fatalf("grant from the approval: %+v", g.Grant)
			}
			if m := g.Items[0].Mask; m.Func != security.MaskKeep || m.N != 6 || m.M != 4 {
				t.Errorf("ID number mask %+v", m)
			}
			if !g.Items[1].Mask.Clear() || !g.Items[2].Mask.Clear() {
				t.Errorf("name and division masks: %+v", g.Items)
			}
			refused(t, police, http.StatusConflict, "case.state", "", "POST", path("/api/v1/share/requests/%d/decision", r.ID), share.Decision{Action: "fulfil"})
		})

		t.Run("agreement without approval grants the request as asked with default masks", func(t *testing.T) {
			r := submit(t, hrss, dataReq(f.Persons.EntryID, spec(app, "公民身份号码", "手机号码")))
			decide(t, police, r.ID, share.Decision{Action: "agree"})
			got := decide(t, police, r.ID, share.Decision{Action: "fulfil"})
			g := getGrant(t, hrss, got.GrantID)
			if itemNames(g.Items) != "公民身份号码,手机号码" || g.EndDate != "2027-12-31" {
				t.Fatalf("grant as asked: %+v", g.Grant)
			}
			for _, it := range g.Items {
				if it.Mask.Clear() {
					t.Errorf("personal item %s in clear by default", it.Name)
				}
			}
		})

		t.Run("a refusal needs its legal basis", func(t *testing.T) {
			r := submit(t, hrss, dataReq(f.Persons.EntryID, spec(app, "姓名")))
			for _, basis := range []string{"", "   "} {
				refused(t, police, http.StatusBadRequest, "share.refusal.legal_basis_required", "legal_basis", "POST", path("/api/v1/share/requests/%d/decision", r.ID),
					share.Decision{Action: "refuse", LegalBasis: basis})
			}
			if got := getRequest(t, hrss, r.ID); got.State != share.StateRequested || got.RefusalBasis != "" {
				t.Fatalf("a refused refusal changed the request: %+v", got)
			}
			if c := caseOf(t, police, r.CaseID); c.State != "requested" {
				t.Fatalf("a refused refusal changed the case: %+v", c)
			}
			if !audited(t, f, "share.request.decide", strconv.FormatInt(r.ID, 10), "denied") {
				t.Error("the refused refusal is not audited")
			}
			basis := "《中华人民共和国个人信息保护法》第十三条"
			got := decide(t, police, r.ID, share.Decision{Action: "refuse", LegalBasis: basis})
			if got.State != share.StateRefused || got.RefusalBasis != basis || got.GrantID != 0 || got.DueDate != "" {
				t.Fatalf("refused: %+v", got)
			}
		})

		t.Run("not shared: data refused, verification accepted", func(t *testing.T) {
			refused(t, hrss, http.StatusForbidden, "share.not_shared", "entry_id", "POST", "/api/v1/share/requests", dataReq(f.Wanted.EntryID, spec(app, "公民身份号码")))
			if !audited(t, f, "share.request.submit", "", "denied") {
				t.Error("the refusal is not audited")
			}
			noKey := spec(0, "姓名")
			noKey.Mode = ""
			refused(t, hrss, http.StatusBadRequest, "share.verify.key_required", "spec.items", "POST", "/api/v1/share/requests",
				share.RequestInput{Kind: share.KindVerify, EntryID: f.Wanted.EntryID, Spec: withApp(noKey, app)})
			refused(t, hrss, http.StatusBadRequest, "share.verify.unconditional", "kind", "POST", "/api/v1/share/requests",
				share.RequestInput{Kind: share.KindVerify, EntryID: f.Stats.EntryID, Spec: spec(app, "统计编号")})
			vs := spec(app, "公民身份号码", "姓名")
			vs.Mode = ""
			r := submit(t, hrss, share.RequestInput{Kind: share.KindVerify, EntryID: f.Wanted.EntryID, Spec: vs})
			if r.State != share.StateRequested || r.CaseID == 0 || r.Spec.Mode != share.ModeAPI {
				t.Fatalf("verification request: %+v", r)
			}
			c := caseOf(t, police, r.CaseID)
			if c.Kind != "share_verify" || c.DueKey != "share.check_compare.reply" || c.DueDate != workdays(f, r.CreatedAt, deadline(t, f, "guangdong", "share.check_compare.reply")) {
				t.Fatalf("verification case: %+v", c)
			}
			got := decide(t, police, r.ID, share.Decision{Action: "agree"})
			if got.State != share.StateGranted || got.GrantID == 0 {
				t.Fatalf("verification agreed: %+v", got)
			}
			if g := getGrant(t, hrss, got.GrantID); g.Kind != share.GrantVerify {
				t.Fatalf("verification grant kind %s", g.Kind)
			}
		})

		t.Run("withdrawal", func(t *testing.T) {
			r := submit(t, hrss, dataReq(f.Persons.EntryID, spec(app, "姓名")))
			refused(t, police, http.StatusForbidden, "share.request.not_consumer", "", "POST", path("/api/v1/share/requests/%d/withdraw", r.ID), nil)
			var got share.Request
			mustCall(t, hrss, http.StatusOK, "POST", path("/api/v1/share/requests/%d/withdraw", r.ID), nil, &got)
			if got.State != share.StateWithdrawn || got.DueDate != "" {
				t.Fatalf("withdrawn: %+v", got)
			}
			refused(t, hrss, http.StatusConflict, "share.request.state", "", "POST", path("/api/v1/share/requests/%d/withdraw", r.ID), nil)
			refused(t, police, http.StatusConflict, "case.state", "", "POST", path("/api/v1/share/requests/%d/decision", r.ID), share.Decision{Action: "agree"})
		})

		t.Run("invalid requests name their fields", func(t *testing.T) {
			in := dataReq(f.Persons.EntryID, share.Spec{Items: []share.GrantItem{{Name: "姓名"}, {Name: "姓名"}, {Name: "血型"}, {Name: "性别", Mask: security.Mask{Func: security.MaskClear}}},
				PurposeCategory: "fun", EndDate: "2020-01-01", RowScope: share.RowScope{Item: "姓名", Region: "449999"}})
			st, p := call(t, hrss, "POST", "/api/v1/share/requests", in, nil)
			if st != http.StatusBadRequest {
				t.Fatalf("invalid request: %d %+v", st, p)
			}
			for _, want := range []struct{ code, field string }{
				{"share.item.repeated", "spec.items[1].name"}, {"share.item.unknown", "spec.items[2].name"}, {"share.item.mask", "spec.items[3].mask"},
				{"share.purpose_required", "spec.purpose"}, {"share.purpose_required", "spec.scenario"}, {"share.purpose_required", "spec.duty_basis"},
				{"share.purpose_category", "spec.purpose_category"}, {"share.mode", "spec.mode"}, {"share.end_date", "spec.end_date"},
				{"share.row_scope.item", "spec.row_scope.item"}, {"division.unknown", "spec.row_scope.region"}, {"share.app_required", "spec.app_id"},
			} {
				if !p.has(want.code, want.field) {
					t.Errorf("no %s at %s in %+v", want.code, want.field, p.Errors)
				}
			}
			refused(t, hrss, http.StatusBadRequest, "request.unknown_field", "", "POST", "/api/v1/share/requests", []byte(`{"kind":"data","entry_id":1,"spec":{},"grant":true}`))
			refused(t, hrss, http.StatusBadRequest, "share.request.kind", "kind", "POST", "/api/v1/share/requests", share.RequestInput{Kind: "steal"})
			refused(t, police, http.StatusBadRequest, "share.request.own_agency", "entry_id", "POST", "/api/v1/share/requests", dataReq(f.Persons.EntryID, spec(0, "姓名")))
			// Another agency's application system is not the consumer's.
			refused(t, hrss, http.StatusBadRequest, "share.app.unknown", "spec.app_id", "POST", "/api/v1/share/requests", dataReq(f.Stats.EntryID, spec(f.HealthApp.App.ID, "统计编号")))
		})
	})
}

func withApp(sp share.Spec, app int64) share.Spec {
	sp.AppID = app
	return sp
}

// TestRequestsDeadlinesByProfile: a conditional request's reply and fulfil
// deadlines come from the source's profile: 5 + 5 working days in
// Guangdong (GD-290 §23), 2 + 3 in Huizhou (HZ §24); across the National
// Day holiday the working-day calendar decides. An overdue request shows as
// overdue, with its supervision notice.
func TestRequestsDeadlinesByProfile(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		defer f.A.Cases.SetClock(time.Now)
		cases := []struct {
			name, consumer, source, profile string
			entry                           int64
			app                             int64
			start, answer                   time.Time
			reply, fulfil                   int
		}{
			{"guangdong", "gd.hrss", "gd.police", "guangdong", f.Persons.EntryID, f.HRSSApp.App.ID, at("2025-09-30 10:00"), at("2025-10-09 09:00"), 5, 5},
			{"huizhou", "hz.health", "hz.police", "huizhou", f.HZPersons.EntryID, f.HealthApp.App.ID, at("2026-03-02 10:00"), at("2026-03-04 09:00"), 2, 3},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if got := deadline(t, f, tc.profile, "share.conditional.reply"); got != tc.reply {
					t.Fatalf("%s reply deadline %d, want %d", tc.profile, got, tc.reply)
				}
				if got := deadline(t, f, tc.profile, "share.conditional.fulfil"); got != tc.fulfil {
					t.Fatalf("%s fulfil deadline %d, want %d", tc.profile, got, tc.fulfil)
				}
				consumer, source := apptest.Login(t, srv, tc.consumer), apptest.Login(t, srv, tc.source)
				f.A.Cases.SetClock(func() time.Time { return tc.start })
				r := submit(t, consumer, dataReq(tc.entry, spec(tc.app, "公民身份号码", "姓名")))
				want := workdays(f, tc.start, tc.reply)
				c := caseOf(t, source, r.CaseID)
				if r.DueDate != want || c.DueDate != want || c.DueKey != "share.conditional.reply" || c.Profile != tc.profile || c.Kind != "share_conditional" {
					t.Fatalf("reply due %s (case %+v), want %s", r.DueDate, c, want)
				}
				f.A.Cases.SetClock(func() time.Time { return tc.answer })
				got := decide(t, source, r.ID, share.Decision{Action: "agree"})
				want = workdays(f, tc.answer, tc.fulfil)
				if c := caseOf(t, source, r.CaseID); got.DueDate != want || c.DueDate != want || c.DueKey != "share.conditional.fulfil" {
					t.Fatalf("fulfil due %s (case %+v), want %s", got.DueDate, c, want)
				}
			})
		}
		if got := workdays(f, at("2025-09-30 10:00"), 5); got != "2025-10-14" {
			t.Fatalf("the National Day holiday is not skipped: %s", got)
		}

		t.Run("overdue", func(t *testing.T) {
			health, police := apptest.Login(t, srv, "hz.health"), apptest.Login(t, srv, "hz.police")
			f.A.Cases.SetClock(func() time.Time { return at("2026-03-02 10:00") })
			late := submit(t, health, dataReq(f.HZPersons.EntryID, spec(f.HealthApp.App.ID, "姓名")))
			f.A.Cases.SetClock(func() time.Time { return at("2026-03-04 10:00") })
			onTime := submit(t, health, dataReq(f.HZPersons.EntryID, spec(f.HealthApp.App.ID, "性别")))
			if _, err := f.A.Cases.MarkOverdue(context.Background(), at("2026-03-05 00:00")); err != nil {
				t.Fatal(err)
			}
			if got := getRequest(t, health, late.ID); !got.Overdue || got.DueDate != "2026-03-04" {
				t.Fatalf("late request: overdue %v due %s", got.Overdue, got.DueDate)
			}
			if got := getRequest(t, health, onTime.ID); got.Overdue {
				t.Fatal("a request within its deadline is overdue")
			}
			ids := listIDs(t, police, "?box=inbox&overdue=true")
			if !slices.Contains(ids, late.ID) || slices.Contains(ids, onTime.ID) {
				t.Fatalf("overdue inbox %v", ids)
			}
			var ns struct {
				Items []procedure.Notice `json:"items"`
			}
			mustCall(t, police, http.StatusOK, "GET", "/api/v1/notices", nil, &ns)
			if !slices.ContainsFunc(ns.Items, func(n procedure.Notice) bool {
				return n.CaseID == late.CaseID && n.AgainstAgencyID == late.SourceAgencyID
			}) {
				t.Fatalf("no notice against the late source agency: %+v", ns.Items)
			}
			// Answering late still works, and the request is no longer overdue.
			got := decide(t, police, late.ID, share.Decision{Action: "agree"})
			if got.Overdue || got.State != share.StateAgreed {
				t.Fatalf("answered late: %+v", got)
			}
		})
	})
}

// TestRequestsFilingsAndRecipients: cross-level requests are filed (GD-290
// §25, HZ §26); enterprises, institutions and research institutes receive
// data only through the authority and for the purposes of GD-290 §26.
func TestRequestsFilingsAndRecipients(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		ctx := context.Background()

		t.Run("a cross-city request is filed with the same-level and upper authorities", func(t *testing.T) {
			health := apptest.Login(t, srv, "hz.health")
			r := submit(t, health, dataReq(f.Persons.EntryID, spec(f.HealthApp.App.ID, "公民身份号码", "姓名")))
			hzAuth, _ := f.A.Orgs.Authority(ctx, "441300")
			gdAuth, _ := f.A.Orgs.Authority(ctx, "440000")
			if !r.CrossLevel || len(r.Filings) != 2 || r.Filings[0].AuthorityAgencyID != hzAuth.ID || r.Filings[0].Level != "same" ||
				r.Filings[1].AuthorityAgencyID != gdAuth.ID || r.Filings[1].Level != "upper" {
				t.Fatalf("filings: cross %v %+v", r.CrossLevel, r.Filings)
			}
			for _, reviewer := range []string{"hz.reviewer", "gd.reviewer"} {
				c := apptest.Login(t, srv, reviewer)
				if !slices.Contains(listIDs(t, c, "?box=filed"), r.ID) {
					t.Errorf("%s does not see the request filed with it", reviewer)
				}
				if got := getRequest(t, c, r.ID); len(got.Filings) != 2 {
					t.Errorf("%s reads %d filings", reviewer, len(got.Filings))
				}
			}
			jm := apptest.Login(t, srv, "jm.reviewer")
			if slices.Contains(listIDs(t, jm, "?box=filed"), r.ID) || slices.Contains(listIDs(t, jm, ""), r.ID) {
				t.Error("another city's reviewer sees the request")
			}
			refused(t, jm, http.StatusNotFound, "share.request.not_found", "", "GET", path("/api/v1/share/requests/%d", r.ID), nil)
			// A request within one jurisdiction is filed with nobody.
			local := submit(t, health, dataReq(f.HZPersons.EntryID, spec(f.HealthApp.App.ID, "姓名")))
			if local.CrossLevel || len(local.Filings) != 0 {
				t.Fatalf("a same-city request is filed: %+v", local.Filings)
			}
		})

		rnd := rand.New(rand.NewPCG(7, 9))
		enterprise := func(kind share.RecipientKind, purpose share.PurposeCategory) share.RequestInput {
			sp := spec(0, "统计编号", "户籍人口数")
			sp.Mode, sp.OfflineMethod, sp.PurposeCategory = "", "storage_media", purpose
			sp.RecipientKind, sp.RecipientName, sp.RecipientCode = kind, "广州某某供电有限公司", ident.RandomCreditCode(rnd, "440100")
			return share.RequestInput{Kind: share.KindOffline, EntryID: f.Stats.EntryID, Spec: sp}
		}

		t.Run("enterprises only through the authority, for policy or emergencies", func(t *testing.T) {
			hrss, reviewer := apptest.Login(t, srv, "gd.hrss"), apptest.Login(t, srv, "gd.reviewer")
			refused(t, hrss, http.StatusForbidden, "share.enterprise.via_authority", "spec.recipient_kind", "POST", "/api/v1/share/requests", enterprise(share.RecipientEnterprise, share.PurposeEmergency))
			refused(t, reviewer, http.StatusBadRequest, "share.enterprise.purpose", "spec.purpose_category", "POST", "/api/v1/share/requests", enterprise(share.RecipientEnterprise, share.PurposeDuty))
			refused(t, reviewer, http.StatusBadRequest, "share.enterprise.purpose", "spec.purpose_category", "POST", "/api/v1/share/requests", enterprise(share.RecipientInstitution, share.PurposeResearch))
			bad := enterprise(share.RecipientEnterprise, share.PurposeEmergency)
			wrong := byte('0')
			if bad.Spec.RecipientCode[17] == wrong {
				wrong = '1'
			}
			bad.Spec.RecipientCode = bad.Spec.RecipientCode[:17] + string(wrong) // a wrong check character
			refused(t, reviewer, http.StatusBadRequest, "", "spec.recipient_code", "POST", "/api/v1/share/requests", bad)
			r := submit(t, reviewer, enterprise(share.RecipientEnterprise, share.PurposeEmergency))
			gdAuth, _ := f.A.Orgs.Authority(ctx, "440000")
			if r.State != share.StateGranted || r.ConsumerAgencyID != gdAuth.ID || r.Spec.RecipientKind != share.RecipientEnterprise {
				t.Fatalf("enterprise request through the authority: %+v", r)
			}
			if g := getGrant(t, reviewer, r.GrantID); g.Mode != share.ModeOffline {
				t.Fatalf("offline grant mode %s", g.Mode)
			}
			submit(t, reviewer, enterprise(share.RecipientInstitution, share.PurposePolicy))
		})

		t.Run("research institutes only for research and education", func(t *testing.T) {
			reviewer := apptest.Login(t, srv, "gd.reviewer")
			refused(t, reviewer, http.StatusBadRequest, "share.research.purpose", "spec.purpose_category", "POST", "/api/v1/share/requests", enterprise(share.RecipientResearch, share.PurposeDuty))
			refused(t, reviewer, http.StatusBadRequest, "share.research.purpose", "spec.purpose_category", "POST", "/api/v1/share/requests", enterprise(share.RecipientResearch, share.PurposeEmergency))
			submit(t, reviewer, enterprise(share.RecipientResearch, share.PurposeResearch))
			submit(t, reviewer, enterprise(share.RecipientResearch, share.PurposeEducation))
			refused(t, apptest.Login(t, srv, "gd.hrss"), http.StatusForbidden, "share.enterprise.via_authority", "", "POST", "/api/v1/share/requests", enterprise(share.RecipientResearch, share.PurposeResearch))
		})

		t.Run("a public enterprise is an enterprise", func(t *testing.T) {
			as, err := f.A.Orgs.Agencies(ctx, org.AgencyFilter{Query: "广东省交通集团有限公司"})
			if err != nil || len(as) != 1 || !as[0].PublicEnterprise {
				t.Fatalf("public enterprise: %+v %v", as, err)
			}
			sys := auditSystem()
			if _, err := f.A.Accounts.CreateUser(ctx, sys, auth.NewUser{Username: "gd.transport", DisplayName: "交通集团数据管理员", Role: "agency_officer",
				AgencyCode: as[0].CreditCode, Password: demo.Password}); err != nil {
				t.Fatal(err)
			}
			c := apptest.Login(t, srv, "gd.transport")
			in := enterprise(share.RecipientAgency, share.PurposeDuty)
			in.Spec.RecipientName, in.Spec.RecipientCode = "", ""
			refused(t, c, http.StatusForbidden, "share.enterprise.via_authority", "", "POST", "/api/v1/share/requests", in)
		})
	})
}

// TestRequestsCityRules: the Jiangmen per-use rule (JM §13), the Meizhou
// reasonable use (MZ §21), uncatalogued demands (HZ §24) and offline
// delivery (GD-290 §23 para 4, JM §15).
func TestRequestsCityRules(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)

		t.Run("Jiangmen: each concrete use is its own request", func(t *testing.T) {
			jm := apptest.Login(t, srv, "jm.police")
			app := registerApp(t, jm, "江门市人口管理系统").App.ID
			stats := func(scenario string) share.RequestInput {
				sp := spec(app, "统计编号", "户籍人口数")
				sp.Scenario = scenario
				return dataReq(f.Stats.EntryID, sp)
			}
			refused(t, jm, http.StatusBadRequest, "share.purpose_required", "spec.scenario", "POST", "/api/v1/share/requests", stats(""))
			first := submit(t, jm, stats("流动人口 统计分析"))
			if first.State != share.StateGranted || len(first.Filings) != 2 {
				t.Fatalf("first use: %+v", first)
			}
			refused(t, jm, http.StatusConflict, "share.per_use.duplicate", "spec.scenario", "POST", "/api/v1/share/requests", stats("流动人口 统计分析"))
			refused(t, jm, http.StatusConflict, "share.per_use.duplicate", "spec.scenario", "POST", "/api/v1/share/requests", stats("  流动人口   统计分析 "))
			submit(t, jm, stats("户籍人口年报核对"))
			// Once the first use's grant ends, the same use may be asked again.
			var g share.Grant
			mustCall(t, jm, http.StatusOK, "POST", path("/api/v1/share/grants/%d/revoke", first.GrantID), map[string]string{"reason": "业务已结束"}, &g)
			submit(t, jm, stats("流动人口 统计分析"))
			// The provincial profile does not require it.
			hrss := apptest.Login(t, srv, "gd.hrss")
			submit(t, hrss, dataReq(f.Stats.EntryID, spec(f.HRSSApp.App.ID, "统计编号")))
			submit(t, hrss, dataReq(f.Stats.EntryID, spec(f.HRSSApp.App.ID, "统计编号")))
		})

		t.Run("Meizhou: a reasonable use even for unconditional data", func(t *testing.T) {
			mz := apptest.Login(t, srv, "mz.police")
			app := registerApp(t, mz, "梅州市人口管理系统").App.ID
			noUse := spec(app, "统计编号", "户籍人口数")
			noUse.Purpose, noUse.Scenario, noUse.DutyBasis = "", "", ""
			st, p := call(t, mz, "POST", "/api/v1/share/requests", dataReq(f.Stats.EntryID, noUse), nil)
			if st != http.StatusBadRequest || !p.has("share.purpose_required", "spec.purpose") || !strings.Contains(p.Detail, "MZ §21") {
				t.Fatalf("a Meizhou consumer without a stated use: %d %+v", st, p)
			}
			r := submit(t, mz, dataReq(f.Stats.EntryID, spec(app, "统计编号", "户籍人口数")))
			if r.State != share.StateGranted {
				t.Fatalf("with a stated use: %+v", r)
			}
			// A Meizhou source's unconditional data needs it too, whoever asks.
			mzStats := publishEntry(t, f.A, "mz.police", "mz.reviewer", "梅州市户籍人口统计（共享测试）", catalog.ShareUnconditional, statsItems())
			hrss := apptest.Login(t, srv, "gd.hrss")
			noUse.AppID = f.HRSSApp.App.ID
			refused(t, hrss, http.StatusBadRequest, "share.purpose_required", "spec.purpose", "POST", "/api/v1/share/requests", dataReq(mzStats.EntryID, noUse))
			got := submit(t, hrss, dataReq(mzStats.EntryID, spec(f.HRSSApp.App.ID, "统计编号")))
			if g := getGrant(t, hrss, got.GrantID); !g.KeyLookupOnly || g.Profile != "meizhou" {
				t.Fatalf("a Meizhou grant: key lookup only %v, profile %s", g.KeyLookupOnly, g.Profile)
			}
			// The provincial source's data needs none.
			submit(t, hrss, dataReq(f.Stats.EntryID, noUse))
		})

		t.Run("uncatalogued: confirmed, catalogued, then requested", func(t *testing.T) {
			health, police := apptest.Login(t, srv, "hz.health"), apptest.Login(t, srv, "hz.police")
			sp := spec(f.HealthApp.App.ID)
			sp.Items = nil
			in := share.RequestInput{Kind: share.KindUncatalogued, SourceAgencyID: agencyID(t, f, "惠州市公安局"), Demand: "新生儿户籍登记信息，用于出生医学证明核验", Spec: sp}
			refused(t, health, http.StatusBadRequest, "share.uncatalogued.demand", "demand", "POST", "/api/v1/share/requests",
				share.RequestInput{Kind: share.KindUncatalogued, SourceAgencyID: in.SourceAgencyID, Spec: sp})
			d := submit(t, health, in)
			c := caseOf(t, police, d.CaseID)
			if d.State != share.StateRequested || c.Kind != "share_uncatalogued" || c.DueDate != workdays(f, d.CreatedAt, deadline(t, f, "huizhou", "share.uncatalogued.confirm")) {
				t.Fatalf("demand: %+v case %+v", d, c)
			}
			if got := decide(t, police, d.ID, share.Decision{Action: "confirm"}); got.State != share.StateConfirmed {
				t.Fatalf("confirmed: %+v", got)
			}
			refused(t, police, http.StatusBadRequest, "share.entry.not_found", "entry_id", "POST", path("/api/v1/share/requests/%d/decision", d.ID), share.Decision{Action: "catalogue", EntryID: 999999})
			refused(t, police, http.StatusBadRequest, "share.decision.entry", "entry_id", "POST", path("/api/v1/share/requests/%d/decision", d.ID), share.Decision{Action: "catalogue", EntryID: f.Persons.EntryID})
			births := publishEntry(t, f.A, "hz.police", "hz.reviewer", "惠州市新生儿户籍登记信息（共享测试）", catalog.ShareConditional, personItems())
			got := decide(t, police, d.ID, share.Decision{Action: "catalogue", EntryID: births.EntryID})
			if got.State != share.StateCatalogued || got.EntryID != births.EntryID {
				t.Fatalf("catalogued: %+v", got)
			}
			var l struct {
				Items []share.Request `json:"items"`
			}
			mustCall(t, health, http.StatusOK, "GET", "/api/v1/share/requests?box=outbox&state=requested", nil, &l)
			i := slices.IndexFunc(l.Items, func(r share.Request) bool { return r.EntryID == births.EntryID })
			if i < 0 {
				t.Fatalf("no request for the catalogued entry in %+v", l.Items)
			}
			nr := l.Items[i]
			if nr.Kind != share.KindData || nr.CaseID == 0 || nr.ConsumerAgencyID != d.ConsumerAgencyID || len(nr.Spec.Items) != len(personItems()) ||
				!strings.Contains(nr.Demand, "#"+strconv.FormatInt(d.ID, 10)) || nr.Spec.Scenario != sp.Scenario {
				t.Fatalf("the request made from the demand: %+v", nr)
			}
			// A demand can be declined with its basis.
			d2 := submit(t, health, share.RequestInput{Kind: share.KindUncatalogued, SourceAgencyID: in.SourceAgencyID, Demand: "出入境记录", Spec: withScenario(sp, "出入境核验")})
			refused(t, police, http.StatusBadRequest, "share.refusal.legal_basis_required", "legal_basis", "POST", path("/api/v1/share/requests/%d/decision", d2.ID), share.Decision{Action: "decline"})
			if got := decide(t, police, d2.ID, share.Decision{Action: "decline", LegalBasis: "《中华人民共和国出境入境管理法》"}); got.State != share.StateRefused || got.RefusalBasis == "" {
				t.Fatalf("declined: %+v", got)
			}
		})

		t.Run("offline sharing with its delivery record", func(t *testing.T) {
			hrss, police := apptest.Login(t, srv, "gd.hrss"), apptest.Login(t, srv, "gd.police")
			online := spec(f.HRSSApp.App.ID, "统计编号")
			online.Mode = share.ModeOffline
			refused(t, hrss, http.StatusBadRequest, "share.mode", "spec.mode", "POST", "/api/v1/share/requests", dataReq(f.Stats.EntryID, online))
			sp := spec(0, "统计编号", "行政区划", "户籍人口数")
			sp.Mode = ""
			refused(t, hrss, http.StatusBadRequest, "share.offline.method", "spec.offline_method", "POST", "/api/v1/share/requests", share.RequestInput{Kind: share.KindOffline, EntryID: f.Stats.EntryID, Spec: sp})
			sp.OfflineMethod = "存储介质"
			r := submit(t, hrss, share.RequestInput{Kind: share.KindOffline, EntryID: f.Stats.EntryID, Spec: sp})
			if r.State != share.StateGranted || r.Spec.Mode != share.ModeOffline || r.Spec.OfflineMethod != "storage_media" {
				t.Fatalf("offline request: %+v", r)
			}
			if g := getGrant(t, hrss, r.GrantID); g.Mode != share.ModeOffline || g.AppID != 0 {
				t.Fatalf("offline grant: %+v", g.Grant)
			}
			today := calendar.DateOf(time.Now()).String()
			rec := map[string]any{"delivered_on": today, "carrier": "加密移动硬盘 SN-0042", "receiver": "人社厅信息中心 张工", "rows": 2}
			deliveryPath := path("/api/v1/share/requests/%d/delivery", r.ID)
			refused(t, hrss, http.StatusForbidden, "share.request.not_source", "", "POST", deliveryPath, rec)
			refused(t, police, http.StatusBadRequest, "share.delivery.receiver", "receiver", "POST", deliveryPath, map[string]any{"delivered_on": today, "carrier": "硬盘"})
			var got share.Request
			mustCall(t, police, http.StatusOK, "POST", deliveryPath, rec, &got)
			if got.State != share.StateDelivered || got.Spec.OfflineDelivery == nil || got.Spec.OfflineDelivery.Method != "storage_media" || got.Spec.OfflineDelivery.Rows != 2 {
				t.Fatalf("delivered: %+v %+v", got, got.Spec.OfflineDelivery)
			}
			refused(t, police, http.StatusConflict, "share.delivery.state", "", "POST", deliveryPath, rec)
			// Conditional data offline goes to the source like any request.
			cond := sp
			cond.Items = items("姓名")
			c := submit(t, hrss, share.RequestInput{Kind: share.KindOffline, EntryID: f.Persons.EntryID, Spec: cond})
			if c.State != share.StateRequested || c.CaseID == 0 {
				t.Fatalf("conditional offline request: %+v", c)
			}
		})
	})
}

func withScenario(sp share.Spec, scenario string) share.Spec {
	sp.Scenario = scenario
	return sp
}

// TestRequestsThroughTheCaseAPI: the generic case API cannot open a
// conditional share request, and acting on its case keeps the request in step.
func TestRequestsThroughTheCaseAPI(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		health, police := apptest.Login(t, srv, "hz.health"), apptest.Login(t, srv, "hz.police")
		refused(t, health, http.StatusBadRequest, "case.domain_only", "kind", "POST", "/api/v1/cases",
			map[string]any{"kind": "share_conditional", "title": "申请", "respondent_agency_id": agencyID(t, f, "惠州市公安局")})

		r := submit(t, health, dataReq(f.HZPersons.EntryID, spec(f.HealthApp.App.ID, "公民身份号码", "姓名", "户籍地")))
		mustCall(t, police, http.StatusOK, "POST", path("/api/v1/cases/%d/actions/agree", r.CaseID), map[string]any{}, nil)
		got := getRequest(t, health, r.ID)
		if got.State != share.StateAgreed || got.Approval == nil || itemNames(got.Approval.Items) != "公民身份号码,姓名,户籍地" {
			t.Fatalf("agreed through the case: %+v", got)
		}
		if got.Approval.Items[0].Mask.Clear() || got.Approval.Items[1].Mask.Clear() || !got.Approval.Items[2].Mask.Clear() {
			t.Fatalf("default masks: %+v", got.Approval.Items)
		}
		mustCall(t, police, http.StatusOK, "POST", path("/api/v1/cases/%d/actions/fulfil", r.CaseID), map[string]any{}, nil)
		if got = getRequest(t, health, r.ID); got.State != share.StateGranted || got.GrantID == 0 {
			t.Fatalf("fulfilled through the case: %+v", got)
		}

		r2 := submit(t, health, dataReq(f.HZPersons.EntryID, spec(f.HealthApp.App.ID, "姓名")))
		refused(t, police, http.StatusBadRequest, "case.field_required", "legal_basis", "POST", path("/api/v1/cases/%d/actions/refuse", r2.CaseID), map[string]any{})
		mustCall(t, police, http.StatusOK, "POST", path("/api/v1/cases/%d/actions/refuse", r2.CaseID), map[string]any{"fields": map[string]string{"legal_basis": "《居民身份证法》第六条"}}, nil)
		if got = getRequest(t, health, r2.ID); got.State != share.StateRefused || got.RefusalBasis != "《居民身份证法》第六条" {
			t.Fatalf("refused through the case: %+v", got)
		}
		r3 := submit(t, health, dataReq(f.HZPersons.EntryID, spec(f.HealthApp.App.ID, "性别")))
		mustCall(t, health, http.StatusOK, "POST", path("/api/v1/cases/%d/actions/withdraw", r3.CaseID), map[string]any{}, nil)
		if got = getRequest(t, health, r3.ID); got.State != share.StateWithdrawn {
			t.Fatalf("withdrawn through the case: %+v", got)
		}
	})
}

// TestRequestsGrantsAndApps: suspension and restoration by the authority
// (HZ §25), revocation, application systems and their secrets, and callers
// refused on each route family.
func TestRequestsGrantsAndApps(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		hrss, police := apptest.Login(t, srv, "gd.hrss"), apptest.Login(t, srv, "gd.police")
		health := apptest.Login(t, srv, "hz.health")
		defer f.A.Cases.SetClock(time.Now)

		r := submit(t, hrss, dataReq(f.Stats.EntryID, spec(f.HRSSApp.App.ID, "统计编号", "户籍人口数")))
		gpath := path("/api/v1/share/grants/%d", r.GrantID)

		t.Run("suspension and restoration", func(t *testing.T) {
			reviewer := apptest.Login(t, srv, "gd.reviewer")
			reason := "超出核定业务场景使用，向第三方提供数据"
			refused(t, apptest.Login(t, srv, "hz.reviewer"), http.StatusNotFound, "share.grant.not_found", "", "POST", gpath+"/suspend", map[string]string{"reason": reason})
			refused(t, hrss, http.StatusForbidden, "auth.forbidden", "", "POST", gpath+"/suspend", map[string]string{"reason": reason})
			refused(t, reviewer, http.StatusBadRequest, "share.grant.reason", "reason", "POST", gpath+"/suspend", map[string]string{"reason": " "})
			var g share.Grant
			mustCall(t, reviewer, http.StatusOK, "POST", gpath+"/suspend", map[string]string{"reason": reason}, &g)
			if g.State != share.GrantSuspended || g.SuspendedReason != reason {
				t.Fatalf("suspended: %+v", g)
			}
			if got := getGrant(t, hrss, r.GrantID); got.State != share.GrantSuspended || got.SuspendedReason != reason {
				t.Fatalf("the consumer reads %+v", got.Grant)
			}
			var ns struct {
				Items []procedure.Notice `json:"items"`
			}
			mustCall(t, hrss, http.StatusOK, "GET", "/api/v1/notices", nil, &ns)
			if !slices.ContainsFunc(ns.Items, func(n procedure.Notice) bool {
				return n.ReasonCode == "grant_suspended" && strings.Contains(n.Reason, reason) && n.AgainstAgencyID == r.ConsumerAgencyID
			}) {
				t.Fatalf("the consumer is not told why: %+v", ns.Items)
			}
			refused(t, reviewer, http.StatusBadRequest, "share.grant.reason", "reason", "POST", gpath+"/restore", map[string]string{"reason": ""})
			mustCall(t, reviewer, http.StatusOK, "POST", gpath+"/restore", map[string]string{"reason": "经核查已整改，恢复共享"}, &g)
			if g.State != share.GrantActive {
				t.Fatalf("restored: %+v", g)
			}
			got := getGrant(t, hrss, r.GrantID)
			var acts []string
			for _, e := range got.Events {
				acts = append(acts, e.Action)
			}
			if strings.Join(acts, " ") != "issue suspend restore" {
				t.Fatalf("grant events %v", acts)
			}
			var l struct {
				Items []share.Grant `json:"items"`
			}
			mustCall(t, hrss, http.StatusOK, "GET", "/api/v1/share/grants?box=consumer&state=active", nil, &l)
			if !slices.ContainsFunc(l.Items, func(x share.Grant) bool { return x.ID == r.GrantID }) {
				t.Fatal("the consumer's active grants lack the grant")
			}
			mustCall(t, police, http.StatusOK, "GET", "/api/v1/share/grants?box=source", nil, &l)
			if !slices.ContainsFunc(l.Items, func(x share.Grant) bool { return x.ID == r.GrantID }) {
				t.Fatal("the source's grants lack the grant")
			}
			refused(t, hrss, http.StatusBadRequest, "share.grant.box", "box", "GET", "/api/v1/share/grants?box=everyone", nil)
		})

		t.Run("revocation", func(t *testing.T) {
			refused(t, health, http.StatusNotFound, "share.grant.not_found", "", "POST", gpath+"/revoke", map[string]string{"reason": "不再需要"})
			var g share.Grant
			mustCall(t, hrss, http.StatusOK, "POST", gpath+"/revoke", map[string]string{"reason": "业务系统下线"}, &g)
			if g.State != share.GrantRevoked {
				t.Fatalf("revoked: %+v", g)
			}
			refused(t, hrss, http.StatusConflict, "share.grant.state", "", "POST", gpath+"/revoke", map[string]string{"reason": "再次"})
		})

		t.Run("application systems and their secrets", func(t *testing.T) {
			ctx := context.Background()
			start := time.Now()
			f.A.Cases.SetClock(func() time.Time { return start })
			cr := registerApp(t, hrss, "工伤保险业务系统")
			if cr.ClientSecret == "" || cr.ClientID == "" || cr.App.AgencyID != r.ConsumerAgencyID {
				t.Fatalf("credentials: %+v", cr)
			}
			refused(t, hrss, http.StatusConflict, "share.app.exists", "", "POST", "/api/v1/share/apps", share.AppInput{Name: "工伤保险业务系统"})
			refused(t, hrss, http.StatusBadRequest, "share.app.name", "name", "POST", "/api/v1/share/apps", share.AppInput{})
			apath := path("/api/v1/share/apps/%d", cr.App.ID)
			refused(t, health, http.StatusNotFound, "share.app.not_found", "", "POST", apath+"/rotate", nil)
			refused(t, health, http.StatusNotFound, "share.app.not_found", "", "POST", apath+"/disable", nil)
			var rot share.Credentials
			mustCall(t, hrss, http.StatusOK, "POST", apath+"/rotate", nil, &rot)
			if rot.ClientID != cr.ClientID || rot.ClientSecret == cr.ClientSecret || rot.App.PrevValidUntil == nil {
				t.Fatalf("rotated: %+v", rot)
			}
			for _, secret := range []string{cr.ClientSecret, rot.ClientSecret} {
				if _, err := f.A.Share.Authenticate(ctx, cr.ClientID, secret); err != nil {
					t.Fatalf("within the overlap: %v", err)
				}
			}
			f.A.Cases.SetClock(func() time.Time { return start.Add(share.SecretOverlap + time.Minute) })
			if _, err := f.A.Share.Authenticate(ctx, cr.ClientID, cr.ClientSecret); err == nil {
				t.Fatal("the old secret works after the overlap")
			}
			if _, err := f.A.Share.Authenticate(ctx, cr.ClientID, rot.ClientSecret); err != nil {
				t.Fatalf("the new secret: %v", err)
			}
			var app share.App
			mustCall(t, hrss, http.StatusOK, "POST", apath+"/disable", nil, &app)
			if !app.Disabled {
				t.Fatal("not disabled")
			}
			if _, err := f.A.Share.Authenticate(ctx, cr.ClientID, rot.ClientSecret); err == nil {
				t.Fatal("a disabled application authenticates")
			}
			refused(t, hrss, http.StatusBadRequest, "share.app.disabled", "spec.app_id", "POST", "/api/v1/share/requests", dataReq(f.Stats.EntryID, spec(cr.App.ID, "统计编号")))
			mustCall(t, hrss, http.StatusOK, "POST", apath+"/enable", nil, &app)
			if _, err := f.A.Share.Authenticate(ctx, cr.ClientID, rot.ClientSecret); err != nil {
				t.Fatalf("re-enabled: %v", err)
			}
			var l struct {
				Items []share.App `json:"items"`
			}
			mustCall(t, health, http.StatusOK, "GET", "/api/v1/share/apps", nil, &l)
			if slices.ContainsFunc(l.Items, func(a share.App) bool { return a.ID == cr.App.ID }) || len(l.Items) != 1 {
				t.Fatalf("another agency lists the application: %+v", l.Items)
			}
		})

		t.Run("callers refused on each route family", func(t *testing.T) {
			cond := submit(t, hrss, dataReq(f.Persons.EntryID, spec(f.HRSSApp.App.ID, "姓名")))
			anon := &apptest.Client{T: t, URL: srv.URL}
			for _, rt := range []struct{ method, path string }{
				{"GET", "/api/v1/share/requests"}, {"POST", "/api/v1/share/requests"}, {"GET", path("/api/v1/share/requests/%d", cond.ID)},
				{"POST", path("/api/v1/share/requests/%d/decision", cond.ID)}, {"POST", path("/api/v1/share/requests/%d/withdraw", cond.ID)},
				{"POST", path("/api/v1/share/requests/%d/delivery", cond.ID)},
				{"GET", "/api/v1/share/apps"}, {"POST", "/api/v1/share/apps"}, {"POST", path("/api/v1/share/apps/%d/rotate", f.HRSSApp.App.ID)},
				{"GET", "/api/v1/share/grants"}, {"GET", gpath}, {"POST", gpath + "/suspend"}, {"POST", gpath + "/revoke"},
			} {
				var body any
				if rt.method == "POST" {
					body = map[string]any{}
				}
				refused(t, anon, http.StatusUnauthorized, "auth.required", "", rt.method, rt.path, body)
			}
			civil, jm := apptest.Login(t, srv, "gd.civil"), apptest.Login(t, srv, "jm.police")
			for _, c := range []*apptest.Client{civil, jm, health} {
				refused(t, c, http.StatusNotFound, "share.request.not_found", "", "GET", path("/api/v1/share/requests/%d", cond.ID), nil)
				refused(t, c, http.StatusNotFound, "share.request.not_found", "", "POST", path("/api/v1/share/requests/%d/decision", cond.ID), share.Decision{Action: "agree"})
				refused(t, c, http.StatusNotFound, "share.request.not_found", "", "POST", path("/api/v1/share/requests/%d/withdraw", cond.ID), nil)
				refused(t, c, http.StatusNotFound, "share.grant.not_found", "", "GET", gpath, nil)
				if slices.Contains(listIDs(t, c, ""), cond.ID) {
					t.Error("another agency lists the request")
				}
			}
			// A user may read but not ask or answer.
			user := apptest.Login(t, srv, "gd.hrss.user")
			getRequest(t, user, cond.ID)
			refused(t, user, http.StatusForbidden, "auth.forbidden", "", "POST", "/api/v1/share/requests", dataReq(f.Stats.EntryID, spec(f.HRSSApp.App.ID, "统计编号")))
			refused(t, user, http.StatusForbidden, "auth.forbidden", "", "POST", path("/api/v1/share/apps/%d/rotate", f.HRSSApp.App.ID), nil)
			// The auditor sees every request; the source answers.
			if !slices.Contains(listIDs(t, apptest.Login(t, srv, "auditor"), ""), cond.ID) {
				t.Error("the auditor does not see the request")
			}
			decide(t, police, cond.ID, share.Decision{Action: "agree"})
		})
	})
}
