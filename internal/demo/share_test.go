package demo_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/demo"
	"pubdata/internal/procedure"
	"pubdata/internal/share"
	"pubdata/internal/store/storetest"
)

// TestDemoShare: pubdata demo holds the sharing exchange (issue 5 item 9):
// requests in every state (one overdue with its notice, one refused with
// its basis, one cross-city with its two filings), active, expired and
// suspended grants with gateway calls on several days, verification calls
// single and batch, use reports due soon, overdue (noticed) and submitted,
// data-error reports open and fixed, the consumers' applications (one
// rotated); and the curl calls it prints authenticate and answer through
// the real gateway. Each engine runs it on the small collection demo.
func TestDemoShare(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			a := apptest.Open(t, e)
			res, err := demo.LoadAll(context.Background(), a, demo.Options{Data: true, Persons: 2000, Enterprises: 400})
			if err != nil {
				t.Fatalf("demo: %v", err)
			}
			if res.Share == nil {
				t.Fatal("the full demo returned no sharing demo")
			}
			checkShareRequests(t, a)
			checkShareGrants(t, a)
			checkShareFollowUp(t, a)
			checkShareCurls(t, a, res.Share)
		})
	}
}

// TestDemoLightHasNoSharing: the light demo (apptest.Demo) holds no sharing
// data, so the sharing tests build their own world on it.
func TestDemoLightHasNoSharing(t *testing.T) {
	a := apptest.Open(t, "sqlite")
	res, err := demo.LoadAll(context.Background(), a, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Share != nil || len(res.Accounts) == 0 {
		t.Fatalf("light demo: share %v, %d accounts", res.Share, len(res.Accounts))
	}
	if n := count(t, a, `SELECT COUNT(*) FROM share_requests`) + count(t, a, `SELECT COUNT(*) FROM share_apps`); n != 0 {
		t.Fatalf("the light demo holds %d sharing rows", n)
	}
}

func checkShareRequests(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	aud := actor(t, a, "auditor")
	rs, err := a.Share.Requests(ctx, aud, share.RequestFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	find := func(what string, ok func(r share.Request) bool) share.Request {
		t.Helper()
		for _, r := range rs {
			if ok(r) {
				return r
			}
		}
		t.Fatalf("the demo has no request %s", what)
		return share.Request{}
	}
	is := func(k share.RequestKind, s share.RequestState) func(share.Request) bool {
		return func(r share.Request) bool { return r.Kind == k && r.State == s }
	}
	find("requested, not overdue", func(r share.Request) bool { return is(share.KindData, share.StateRequested)(r) && !r.Overdue })
	overdue := find("requested and overdue", func(r share.Request) bool { return is(share.KindData, share.StateRequested)(r) && r.Overdue })
	find("agreed, to be fulfilled", func(r share.Request) bool {
		return is(share.KindData, share.StateAgreed)(r) && r.DueDate != "" && !r.Overdue
	})
	find("unconditional, granted at once", func(r share.Request) bool {
		return is(share.KindData, share.StateGranted)(r) && r.ShareType == "unconditional" && r.CaseID == 0 && r.GrantID != 0
	})
	find("conditional, agreed narrowed and fulfilled", func(r share.Request) bool {
		return is(share.KindData, share.StateGranted)(r) && r.ShareType == "conditional" && r.Approval != nil &&
			len(r.Approval.Items) < len(r.Spec.Items) && r.Approval.EndDate < r.Spec.EndDate && r.GrantID != 0
	})
	find("refused with its legal basis", func(r share.Request) bool {
		return r.State == share.StateRefused && strings.Contains(r.RefusalBasis, "《")
	})
	find("withdrawn", func(r share.Request) bool { return r.State == share.StateWithdrawn })
	find("for verification, granted", func(r share.Request) bool { return is(share.KindVerify, share.StateGranted)(r) && r.GrantID != 0 })
	find("uncatalogued, confirmed", is(share.KindUncatalogued, share.StateConfirmed))
	find("offline, delivered with its record", func(r share.Request) bool {
		return is(share.KindOffline, share.StateDelivered)(r) && r.Spec.OfflineDelivery != nil && r.Spec.OfflineDelivery.Receiver != ""
	})

	// The overdue request's supervision notice, against the source.
	ns, err := a.Cases.Notices(ctx, actor(t, a, "gd.civil"), procedure.NoticeFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	noticed := false
	for _, n := range ns {
		noticed = noticed || n.CaseID == overdue.CaseID && n.AgainstAgencyID == overdue.SourceAgencyID
	}
	if !noticed {
		t.Fatalf("no supervision notice for overdue request %d (case %d) among %d notices", overdue.ID, overdue.CaseID, len(ns))
	}

	// Cross-city: 惠州市卫生健康局 asks a provincial agency; filed with the
	// Huizhou authority (same level) and the Guangdong one (upper), who
	// find it in their "filed" box.
	cross := find("cross-city", func(r share.Request) bool {
		return r.ConsumerName == "惠州市卫生健康局" && strings.HasPrefix(r.SourceName, "广东省") && r.CrossLevel && r.State == share.StateGranted
	})
	full, err := a.Share.Request(ctx, aud, cross.ID)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]string{}
	for _, f := range full.Filings {
		levels[f.Level] = f.AuthorityName
	}
	if len(full.Filings) != 2 || !strings.Contains(levels["same"], "惠州") || !strings.Contains(levels["upper"], "广东省") {
		t.Fatalf("cross-city request %d filings: %+v", cross.ID, full.Filings)
	}
	for _, reviewer := range []string{"hz.reviewer", "gd.reviewer"} {
		filed, err := a.Share.Requests(ctx, actor(t, a, reviewer), share.RequestFilter{Box: "filed"})
		if err != nil {
			t.Fatal(err)
		}
		seen := false
		for _, r := range filed {
			seen = seen || r.ID == cross.ID
		}
		if !seen {
			t.Errorf("%s does not find the cross-city request %d among the %d filed with it", reviewer, cross.ID, len(filed))
		}
	}
}

// gatewayDays returns the gateway's audit entries of a grant and the
// number of distinct days (Shanghai) they fall on.
func gatewayDays(t *testing.T, a *app.App, grant int64) ([]audit.Entry, int) {
	t.Helper()
	es, err := a.Trail.List(context.Background(), audit.Filter{ObjectType: "share_grant", ObjectID: strconv.FormatInt(grant, 10), Action: "share.gateway.", Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]bool{}
	for _, e := range es {
		days[calendar.DateOf(e.At).String()] = true
	}
	return es, len(days)
}

// refusedWith counts the entries refused with a code.
func refusedWith(es []audit.Entry, code string) int {
	n := 0
	for _, e := range es {
		if e.Outcome == audit.Denied && strings.Contains(e.Detail, `"code":"`+code+`"`) {
			n++
		}
	}
	return n
}

func checkShareGrants(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	aud := actor(t, a, "auditor")
	grants := func(state string) []share.Grant {
		t.Helper()
		gs, err := a.Share.Grants(ctx, aud, share.GrantFilter{State: state, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) == 0 {
			t.Fatalf("the demo has no %s grant", state)
		}
		return gs
	}
	// Every data grant online, whatever its state, was called on several days.
	for _, state := range []string{"active", "expired", "suspended"} {
		for _, g := range grants(state) {
			if g.Mode == share.ModeOffline {
				continue
			}
			if es, days := gatewayDays(t, a, g.ID); days < 3 {
				t.Errorf("%s grant %d (%s): %d gateway calls on %d days, want several days", state, g.ID, g.EntryName, len(es), days)
			}
		}
	}
	expired := grants("expired")[0]
	if es, _ := gatewayDays(t, a, expired.ID); refusedWith(es, "share.grant.expired") == 0 {
		t.Errorf("expired grant %d: no call refused after its end date", expired.ID)
	}
	suspended := grants("suspended")[0]
	if suspended.SuspendedReason == "" {
		t.Errorf("suspended grant %d has no reason", suspended.ID)
	}
	if es, _ := gatewayDays(t, a, suspended.ID); refusedWith(es, "share.grant.suspended") == 0 {
		t.Errorf("suspended grant %d: no call refused while suspended", suspended.ID)
	}
	// The usage report flags the calls outside the approved scenario that
	// led to the suspension, and the cross-city grant's keys out of its scope.
	flags := func(g share.Grant) map[string]bool {
		u, err := a.Share.Usage(ctx, actor(t, a, "gd.reviewer"), g.ID, 90)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, f := range u.Flags {
			out[f.Code] = true
		}
		return out
	}
	if !flags(suspended)["purpose_outside_scenario"] {
		t.Errorf("suspended grant %d: the usage report flags no purpose outside the scenario", suspended.ID)
	}
	scoped, verified := false, false
	for _, g := range grants("active") {
		if !g.RowScope.Empty() {
			scoped = true
			if !flags(g)["out_of_scope"] {
				t.Errorf("grant %d with row scope %+v: no out-of-scope call flagged", g.ID, g.RowScope)
			}
		}
		if g.Kind == share.GrantVerify {
			verified = true
			es, _ := gatewayDays(t, a, g.ID)
			single, batch := 0, 0
			for _, e := range es {
				var d struct{ Checks int }
				_ = json.Unmarshal([]byte(e.Detail), &d)
				switch {
				case e.Action != "share.gateway.verify" || e.Outcome != audit.OK:
				case d.Checks > 1:
					batch++
				default:
					single++
				}
			}
			if single == 0 || batch == 0 {
				t.Errorf("verification grant %d: %d single and %d batch verifications", g.ID, single, batch)
			}
		}
	}
	if !scoped || !verified {
		t.Errorf("active grants: one with a row scope %v, a verification grant %v", scoped, verified)
	}
}

func checkShareFollowUp(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	aud := actor(t, a, "auditor")
	for _, state := range []string{"due_soon", "overdue", "submitted"} {
		fbs, err := a.Share.Feedback(ctx, aud, share.FeedbackFilter{State: state})
		if err != nil {
			t.Fatal(err)
		}
		if len(fbs) == 0 {
			t.Errorf("the demo has no use report %s", state)
			continue
		}
		if state == "overdue" && fbs[0].NoticedAt == nil {
			t.Errorf("overdue use report %d was not noticed", fbs[0].ID)
		}
	}
	for _, state := range []string{"reported", "fixed"} {
		es, err := a.Share.Errors(ctx, aud, share.ErrorFilter{State: state})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			t.Errorf("the demo has no data-error report %s", state)
		}
	}
	rotated := false
	for _, u := range []string{"gd.hrss", "hz.health"} {
		apps, err := a.Share.Apps(ctx, actor(t, a, u))
		if err != nil {
			t.Fatal(err)
		}
		if len(apps) == 0 {
			t.Errorf("%s has no application system", u)
		}
		for _, ap := range apps {
			rotated = rotated || ap.RotatedAt != nil
		}
	}
	if !rotated {
		t.Error("no application's secret was rotated")
	}
}

// checkShareCurls runs the curl calls pubdata demo prints against the real
// router, as curl would send them.
func checkShareCurls(t *testing.T, a *app.App, d *demo.ShareDemo) {
	t.Helper()
	if _, err := a.Share.Authenticate(context.Background(), d.ClientID, d.ClientSecret); err != nil {
		t.Fatalf("the demo credential does not authenticate: %v", err)
	}
	srv := apptest.Server(t, a)
	curls := d.Curls(srv.URL + "/")
	if len(curls) != 2 {
		t.Fatalf("curls: %q", curls)
	}
	for _, c := range curls {
		if !strings.Contains(c, srv.URL+"/api/v1/share/data/") || strings.Contains(c, "//api") {
			t.Fatalf("curl %q does not call the server's gateway", c)
		}
	}
	run := func(c string) map[string]any {
		t.Helper()
		f := strings.Fields(c)
		if f[0] != "curl" || f[1] != "-u" {
			t.Fatalf("curl %q", c)
		}
		id, secret, _ := strings.Cut(f[2], ":")
		method, body := "GET", ""
		if _, rest, ok := strings.Cut(c, " -d '"); ok {
			body, _, _ = strings.Cut(rest, "'")
			method = "POST"
		}
		req, err := http.NewRequest(method, f[len(f)-1], strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(id, secret)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d: %s", c, res.StatusCode, b)
		}
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %s: %v", c, b, err)
		}
		return out
	}
	rec, _ := run(curls[0])["record"].(map[string]any)
	if rec["公民身份号码"] != d.LookupKey || rec["姓名"] == nil {
		t.Fatalf("the lookup curl answers %v, want the record of %s", rec, d.LookupKey)
	}
	if v := run(curls[1]); v["result"] != share.VerifyMatch {
		t.Fatalf("the verify curl answers %v, want a match", v)
	}
}
