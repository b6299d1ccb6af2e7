package httpapi_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/httpx"
	"pubdata/internal/ident"
	"pubdata/internal/procedure"
	"pubdata/internal/store"
)

// counts is what a refused request must leave unchanged.
func counts(t *testing.T, a *app.App) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"agencies", "users", "jurisdictions", "cases", "case_events", "api_tokens"} {
		var n int
		if err := a.DB.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func TestBadInputGetsProblemAndChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		srv := apptest.Server(t, a)
		admin := apptest.Login(t, srv, "admin")
		officer := apptest.Login(t, srv, "gd.police")
		r := rand.New(rand.NewPCG(1, 2))
		good := ident.GenerateCreditCode(r, '1', '1', "440000")
		bad := good[:17] + string(map[bool]byte{true: '1', false: '0'}[good[17] == '0'])
		cases := []struct {
			name   string
			c      *apptest.Client
			method string
			path   string
			body   []byte
			status int
			code   string
			field  string
		}{
			{"malformed JSON", admin, "POST", "/api/v1/agencies", []byte(`{"name": "x",`), 400, "request.malformed", ""},
			{"not JSON at all", admin, "POST", "/api/v1/agencies", []byte(`name=x`), 400, "request.malformed", ""},
			{"wrong type", admin, "POST", "/api/v1/agencies", []byte(`{"name": 42}`), 400, "request.type", "name"},
			{"unknown field", admin, "POST", "/api/v1/agencies", []byte(`{"name": "某局", "owner": "x"}`), 400, "request.unknown_field", "owner"},
			{"two values", admin, "POST", "/api/v1/agencies", []byte(`{} {}`), 400, "request.trailing", ""},
			{"empty body", admin, "POST", "/api/v1/agencies", []byte(` `), 400, "request.empty", ""},
			{"oversized body", admin, "POST", "/api/v1/agencies", []byte(`{"name":"` + strings.Repeat("长", 400000) + `"}`), 413, "request.too_large", ""},
			{"invalid credit code", admin, "POST", "/api/v1/agencies", []byte(`{"credit_code":"` + bad + `","name":"某局","jurisdiction_code":"440000"}`), 400, "credit_code.check", "credit_code"},
			{"credit code with O", admin, "POST", "/api/v1/agencies", []byte(`{"credit_code":"11440000MB4400O00X","name":"某局","jurisdiction_code":"440000"}`), 400, "credit_code.charset", "credit_code"},
			{"unknown jurisdiction", admin, "POST", "/api/v1/agencies", []byte(`{"credit_code":"` + good + `","name":"某局","jurisdiction_code":"990000"}`), 404, "jurisdiction.not_found", "jurisdiction_code"},
			{"bad path id", admin, "GET", "/api/v1/agencies/abc", nil, 400, "request.id", "id"},
			{"bad filter", admin, "GET", "/api/v1/agencies?jurisdiction=44", nil, 400, "filter.jurisdiction", "jurisdiction"},
			{"unknown deadline key", admin, "GET", "/api/v1/calendar/workdays?from=2026-03-02&n=0&deadline=no.such.key", nil, 400, "calendar.deadline", "deadline"},
			{"bad date", admin, "GET", "/api/v1/calendar/days/2025-02-30", nil, 400, "date.invalid", "date"},
			{"county code that is a city", admin, "POST", "/api/v1/jurisdictions", []byte(`{"code":"440700"}`), 400, "jurisdiction.level", "code"},
			{"unknown case kind", officer, "POST", "/api/v1/cases", []byte(`{"kind":"nope"}`), 400, "case.kind", "kind"},
			{"weak password", admin, "POST", "/api/v1/users", []byte(`{"username":"x.y","role":"data_subject","password":"short"}`), 400, "password.weak", "password"},
			{"login wrong type", &apptest.Client{T: t, URL: srv.URL}, "POST", "/api/v1/session", []byte(`{"username":["a"],"password":"x"}`), 400, "request.type", "username"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := counts(t, a)
				st, b := c.c.Raw(c.method, c.path, c.body)
				var p httpx.Problem
				if err := json.Unmarshal(b, &p); err != nil {
					t.Fatalf("not a problem document: %d %.200s", st, b)
				}
				if st != c.status || p.Status != c.status || p.Code != c.code {
					t.Fatalf("got %d %s (%s), want %d %s", st, p.Code, p.Detail, c.status, c.code)
				}
				if !strings.HasPrefix(p.Type, "urn:pubdata:problem:") || p.Title == "" || p.Detail == "" || p.RequestID == "" {
					t.Fatalf("incomplete problem: %+v", p)
				}
				if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
					t.Fatalf("the problem does not name field %s: %+v", c.field, p.Errors)
				}
				if after := counts(t, a); !equal(before, after) {
					t.Fatalf("a refused request changed the store: %v -> %v", before, after)
				}
			})
		}
	})
}

func equal(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func TestProblemLanguage(t *testing.T) {
	a := apptest.Demo(t, "sqlite")
	srv := apptest.Server(t, a)
	for _, tc := range []struct{ lang, want string }{
		{"", "机构名称必填"}, {"zh-CN,zh;q=0.9", "机构名称必填"}, {"en-US,en;q=0.9", "agency name is required"}, {"zh;q=0.5,en;q=0.8", "agency name is required"}, {"fr", "机构名称必填"},
	} {
		c := apptest.Login(t, srv, "admin")
		c.Lang = tc.lang
		var p httpx.Problem
		c.Do("POST", "/api/v1/agencies", map[string]any{"credit_code": "", "name": "", "jurisdiction_code": "440000"}, &p)
		found := false
		for _, e := range p.Errors {
			if strings.Contains(e.Detail, tc.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("Accept-Language %q: %+v", tc.lang, p.Errors)
		}
		if len(p.Errors) < 2 {
			t.Errorf("every bad field should be reported at once: %+v", p.Errors)
		}
	}
}

func TestCreateAgencyAndCaseThroughTheAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		srv := apptest.Server(t, a)
		admin := apptest.Login(t, srv, "admin")
		code := ident.GenerateCreditCode(rand.New(rand.NewPCG(7, 7)), '1', '1', "441300")
		var ag struct {
			ID         int64
			CreditCode string `json:"credit_code"`
		}
		if st := admin.Do("POST", "/api/v1/agencies", map[string]any{"credit_code": code, "name": "惠州市残疾人联合会", "sector": "残联", "jurisdiction_code": "441300", "chief_data_officer": "李明"}, &ag); st != 201 {
			t.Fatalf("create agency: %d", st)
		}
		if st := admin.Do("POST", "/api/v1/agencies", map[string]any{"credit_code": code, "name": "重复", "jurisdiction_code": "441300"}, nil); st != 409 {
			t.Fatalf("duplicate credit code: %d", st)
		}
		var list struct {
			Items []struct{ Name string }
			Count int
		}
		admin.Do("GET", "/api/v1/agencies?jurisdiction=441300&q=残疾人", nil, &list)
		if list.Count != 1 || list.Items[0].Name != "惠州市残疾人联合会" {
			t.Fatalf("agency search: %+v", list)
		}
		// A consumer asks a Huizhou source agency for conditional data; an
		// agency of another city cannot see the request.
		officer := apptest.Login(t, srv, "hz.health")
		var source struct {
			Items []struct{ ID int64 }
		}
		officer.Do("GET", "/api/v1/agencies?q=惠州市公安局", nil, &source)
		var c struct {
			ID      int64
			DueDate string `json:"due_date"`
		}
		// The sharing service opens conditional share cases for its requests
		// (internal/share); the generic API cannot. Open one as it does.
		if st := officer.Do("POST", "/api/v1/cases", map[string]any{"kind": "share_conditional", "title": "申请", "respondent_agency_id": source.Items[0].ID}, nil); st != 400 {
			t.Fatalf("a conditional share case opened through the generic API: %d", st)
		}
		u, err := a.Accounts.UserByName(context.Background(), "hz.health")
		if err != nil {
			t.Fatal(err)
		}
		err = a.DB.WriteAt(context.Background(), a.Cases.Now(), func(tx *store.Tx) error {
			oc, err := a.Cases.OpenTx(context.Background(), tx, (&auth.Principal{User: u}).Actor("127.0.0.1", "test"),
				procedure.OpenInput{Kind: "share_conditional", Title: "申请", RespondentAgencyID: source.Items[0].ID})
			c.ID, c.DueDate = oc.ID, oc.DueDate
			return err
		})
		if err != nil || c.DueDate == "" {
			t.Fatalf("open case: %v %+v", err, c)
		}
		if st := officer.Do("POST", "/api/v1/cases", map[string]any{"kind": "catalog_review", "title": "目录"}, nil); st != 400 {
			t.Fatalf("a catalog review opened through the generic API: %d", st)
		}
		other := apptest.Login(t, srv, "jm.police")
		if st := other.Do("GET", "/api/v1/cases/"+itoa(c.ID), nil, nil); st != 404 {
			t.Fatalf("another city's reviewer reads the case: %d", st)
		}
		if st := other.Do("POST", "/api/v1/cases/"+itoa(c.ID)+"/actions/agree", map[string]any{}, nil); st != 404 {
			t.Fatalf("another city's agency answers: %d", st)
		}
		src := apptest.Login(t, srv, "hz.police")
		if st := src.Do("POST", "/api/v1/cases/"+itoa(c.ID)+"/actions/refuse", map[string]any{"fields": map[string]string{}}, nil); st != 400 {
			t.Fatalf("refusal without legal basis: %d", st)
		}
		if st := src.Do("POST", "/api/v1/cases/"+itoa(c.ID)+"/actions/agree", map[string]any{}, nil); st != 200 {
			t.Fatalf("agree: %d", st)
		}
		// Logging out revokes the session token.
		if st := officer.Do("DELETE", "/api/v1/session", nil, nil); st != http.StatusNoContent {
			t.Fatalf("logout: %d", st)
		}
		if st := officer.Do("GET", "/api/v1/me", nil, nil); st != 401 {
			t.Fatalf("token after logout: %d", st)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestLoadCalendarYear: an administrator adds a year of holidays without a
// rebuild; it is used at once, survives a restart, and a bad file changes nothing.
func TestLoadCalendarYear(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		srv := apptest.Server(t, a)
		admin := apptest.Login(t, srv, "admin")
		year := []byte(`{"year":2027,"papers":[],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"春节","date":"2027-02-06","isOffDay":false}]}`)
		var day struct {
			Kind    string
			Name    string
			Covered bool
		}
		admin.Do("GET", "/api/v1/calendar/days/2027-01-01", nil, &day)
		if day.Kind != "workday" || day.Covered {
			t.Fatalf("before loading: %+v", day)
		}
		if st, b := admin.Raw("POST", "/api/v1/calendar/years", []byte(`{"year":2027,"days":[{"name":"x","date":"2027-03-03","isOffDay":false}]}`)); st != 400 {
			t.Fatalf("an adjusted working day on a Wednesday: %d %s", st, b)
		}
		if st := apptest.Login(t, srv, "gd.police").Do("POST", "/api/v1/calendar/years", year, nil); st != 403 {
			t.Fatalf("an agency officer loads a year: %d", st)
		}
		if st := admin.Do("POST", "/api/v1/calendar/years", year, nil); st != 201 {
			t.Fatalf("load: %d", st)
		}
		admin.Do("GET", "/api/v1/calendar/days/2027-01-01", nil, &day)
		if day.Kind != "holiday" || day.Name != "元旦" || !day.Covered {
			t.Fatalf("after loading: %+v", day)
		}
		admin.Do("GET", "/api/v1/calendar/days/2027-02-06", nil, &day)
		if day.Kind != "workday" {
			t.Fatalf("adjusted working day: %+v", day)
		}
		// A node restarted on the same database knows the year.
		again, err := app.Open(context.Background(), a.Cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		if d := again.Calendar.Day(calendar.Date{Year: 2027, Month: 1, Day: 1}); d.Kind != calendar.Holiday {
			t.Fatalf("after a restart: %+v", d)
		}
	})
}
