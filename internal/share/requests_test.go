package share_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/org"
	"pubdata/internal/share"
)

// problem is the part of an RFC 9457 answer the tests read.
type problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []struct {
		Code  string `json:"code"`
		Field string `json:"field"`
	} `json:"errors"`
}

// has reports whether the problem names code at field (either may be "").
func (p problem) has(code, field string) bool {
	if p.Code == code && field == "" {
		return true
	}
	for _, e := range p.Errors {
		if (code == "" || e.Code == code) && (field == "" || e.Field == field) {
			return true
		}
	}
	return false
}

// call sends a request and decodes a success into out, a failure into the
// returned problem.
func call(t *testing.T, c *apptest.Client, method, path string, body, out any) (int, problem) {
	t.Helper()
	st, b := c.Raw(method, path, body)
	var p problem
	if st >= 400 {
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s %s: %d, not a problem: %s", method, path, st, b)
		}
		return st, p
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return st, p
}

// mustCall is call that fails the test unless the status is want.
func mustCall(t *testing.T, c *apptest.Client, want int, method, path string, body, out any) {
	t.Helper()
	if st, p := call(t, c, method, path, body, out); st != want {
		t.Fatalf("%s %s: %d %+v, want %d", method, path, st, p, want)
	}
}

// refused checks a refusal's status, code and field.
func refused(t *testing.T, c *apptest.Client, status int, code, field, method, path string, body any) {
	t.Helper()
	st, p := call(t, c, method, path, body, nil)
	if st != status || !p.has(code, field) {
		t.Fatalf("%s %s: %d %+v, want %d %s at %q", method, path, st, p, status, code, field)
	}
}

// items are grant items of these names, without masks.
func items(names ...string) []share.GrantItem {
	var out []share.GrantItem
	for _, n := range names {
		out = append(out, share.GrantItem{Name: n})
	}
	return out
}

// spec is a complete online spec for an application system.
func spec(appID int64, names ...string) share.Spec {
	return share.Spec{Items: items(names...), Purpose: "核验参保人身份", PurposeCategory: share.PurposeDuty, Scenario: "养老保险待遇资格认证",
		DutyBasis: "《中华人民共和国社会保险法》第七十三条", Mode: share.ModeAPI, EndDate: "2027-12-31", AppID: appID}
}

// dataReq is a data request for an entry.
func dataReq(entryID int64, sp share.Spec) share.RequestInput {
	return share.RequestInput{Kind: share.KindData, EntryID: entryID, Spec: sp}
}

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// submit files a request and expects it accepted.
func submit(t *testing.T, c *apptest.Client, in share.RequestInput) share.Request {
	t.Helper()
	var r share.Request
	mustCall(t, c, http.StatusCreated, "POST", "/api/v1/share/requests", in, &r)
	return r
}

// decide answers a request and expects it accepted.
func decide(t *testing.T, c *apptest.Client, id int64, d share.Decision) share.Request {
	t.Helper()
	var r share.Request
	mustCall(t, c, http.StatusOK, "POST", path("/api/v1/share/requests/%d/decision", id), d, &r)
	return r
}

// getRequest reads a request.
func getRequest(t *testing.T, c *apptest.Client, id int64) share.Request {
	t.Helper()
	var r share.Request
	mustCall(t, c, http.StatusOK, "GET", path("/api/v1/share/requests/%d", id), nil, &r)
	return r
}

// grantOf reads a grant with its events.
type grantWithEvents struct {
	share.Grant
	Events []share.GrantEvent `json:"events"`
}

func getGrant(t *testing.T, c *apptest.Client, id int64) grantWithEvents {
	t.Helper()
	var g grantWithEvents
	mustCall(t, c, http.StatusOK, "GET", path("/api/v1/share/grants/%d", id), nil, &g)
	return g
}

// ids lists the requests of a listing.
func listIDs(t *testing.T, c *apptest.Client, query string) []int64 {
	t.Helper()
	var l struct {
		Items []share.Request `json:"items"`
	}
	mustCall(t, c, http.StatusOK, "GET", "/api/v1/share/requests"+query, nil, &l)
	var out []int64
	for _, r := range l.Items {
		out = append(out, r.ID)
	}
	return out
}

// caseOf reads a request's case through the case API.
type caseView struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind"`
	State   string `json:"state"`
	Profile string `json:"profile"`
	DueKey  string `json:"due_key"`
	DueDate string `json:"due_date"`
	Overdue bool   `json:"overdue"`
}

func caseOf(t *testing.T, c *apptest.Client, id int64) caseView {
	t.Helper()
	var cv caseView
	mustCall(t, c, http.StatusOK, "GET", path("/api/v1/cases/%d", id), nil, &cv)
	return cv
}

// at is a Shanghai wall-clock instant.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// workdays is the date n working days after the date of t.
func workdays(f *fixture, t time.Time, n int) string {
	return f.A.Calendar.AddWorkdays(calendar.DateOf(t), n).String()
}

// deadline is a profile's deadline in working days.
func deadline(t *testing.T, f *fixture, profile, key string) int {
	t.Helper()
	p, err := f.A.Rules.Profile(profile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.Deadline(key)
	if err != nil {
		t.Fatal(err)
	}
	return d.WorkingDays
}

// agencyID finds an agency by its exact name.
func agencyID(t *testing.T, f *fixture, name string) int64 {
	t.Helper()
	as, err := f.A.Orgs.Agencies(context.Background(), org.AgencyFilter{Query: name})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Name == name {
			return a.ID
		}
	}
	t.Fatalf("no agency %s", name)
	return 0
}

// registerApp registers an application system through the API.
func registerApp(t *testing.T, c *apptest.Client, name string) share.Credentials {
	t.Helper()
	var cr share.Credentials
	mustCall(t, c, http.StatusCreated, "POST", "/api/v1/share/apps", share.AppInput{Name: name}, &cr)
	return cr
}

// audited reports whether the trail holds an entry of the action about the
// object with the outcome.
func audited(t *testing.T, f *fixture, action, objectID, outcome string) bool {
	t.Helper()
	es, err := f.A.Trail.List(context.Background(), audit.Filter{Action: action, ObjectID: objectID, Outcome: outcome, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(es, func(e audit.Entry) bool { return e.Action == action })
}

// itemNames are the names of grant items.
func itemNames(its []share.GrantItem) string {
	var out []string
	for _, it := range its {
		out = append(out, it.Name)
	}
	return strings.Join(out, ",")
}

// auditSystem is the system actor acting for the province (creating accounts).
func auditSystem() audit.Actor {
	a := audit.System()
	a.Jurisdiction = org.ProvinceCode
	return a
}
