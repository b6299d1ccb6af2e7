package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/httpx"
	"pubdata/internal/server"
	"pubdata/internal/store/storetest"
)

// spec is who may use what, written out here independently of the policy in
// package auth: the test fails if either drifts.
var spec = map[auth.Permission][]auth.Role{
	auth.PermOrgRead:      {auth.AgencyOfficer, auth.AgencyUser, auth.AuthorityReviewer, auth.ChiefDataOfficer, auth.Auditor, auth.Admin},
	auth.PermOrgManage:    {auth.Admin},
	auth.PermUserManage:   {auth.Admin},
	auth.PermAuditRead:    {auth.Auditor},
	auth.PermRulesRead:    {auth.AgencyOfficer, auth.AgencyUser, auth.AuthorityReviewer, auth.ChiefDataOfficer, auth.Auditor, auth.Admin},
	auth.PermCalendarEdit: {auth.Admin},
	auth.PermCaseRead:     {auth.AgencyOfficer, auth.AgencyUser, auth.AuthorityReviewer, auth.ChiefDataOfficer},
	auth.PermCaseOpen:     {auth.AgencyOfficer},
	auth.PermCaseAct:      {auth.AgencyOfficer, auth.AuthorityReviewer},
	auth.PermNoticeRead:   {auth.AuthorityReviewer, auth.ChiefDataOfficer, auth.AgencyOfficer},

	auth.PermCatalogRead:   {auth.AgencyOfficer, auth.AgencyUser, auth.AuthorityReviewer, auth.ChiefDataOfficer, auth.Auditor},
	auth.PermCatalogEdit:   {auth.AgencyOfficer},
	auth.PermCatalogReview: {auth.AuthorityReviewer},
	auth.PermCatalogManage: {auth.AgencyOfficer, auth.AuthorityReviewer},

	auth.PermDataRead:   {auth.AgencyOfficer, auth.AgencyUser, auth.AuthorityReviewer, auth.ChiefDataOfficer, auth.Auditor},
	auth.PermDataLoad:   {auth.AgencyOfficer},
	auth.PermDataGovern: {auth.AgencyOfficer, auth.AuthorityReviewer},

	auth.PermShareRead:      {auth.AgencyOfficer, auth.AgencyUser, auth.AuthorityReviewer, auth.ChiefDataOfficer, auth.Auditor},
	auth.PermShareRequest:   {auth.AgencyOfficer, auth.AuthorityReviewer},
	auth.PermShareDecide:    {auth.AgencyOfficer},
	auth.PermShareSupervise: {auth.AuthorityReviewer},
	// The gateway: no user holds it; only an application's credentials open it.
	auth.PermApp: nil,
}

// sensitive pins the permission of routes whose exposure would be a breach.
var sensitive = map[string]auth.Permission{
	"GET /api/v1/audit":                            auth.PermAuditRead,
	"GET /api/v1/audit/export":                     auth.PermAuditRead,
	"GET /api/v1/audit/verify":                     auth.PermAuditRead,
	"GET /api/v1/users":                            auth.PermUserManage,
	"POST /api/v1/users":                           auth.PermUserManage,
	"POST /api/v1/agencies":                        auth.PermOrgManage,
	"PUT /api/v1/agencies/{id}":                    auth.PermOrgManage,
	"POST /api/v1/jurisdictions":                   auth.PermOrgManage,
	"POST /api/v1/calendar/years":                  auth.PermCalendarEdit,
	"POST /api/v1/cases/{id}/actions/{action}":     auth.PermCaseAct,
	"GET /audit":                                   auth.PermAuditRead,
	"GET /accounts":                                auth.PermUserManage,
	"POST /api/v1/datasets/{id}/batches":           auth.PermDataLoad,
	"POST /datasets/{id}/sources":                  auth.PermDataLoad,
	"POST /collection-exemptions":                  auth.PermDataLoad,
	"POST /datasets/{id}/base-group":               auth.PermDataGovern,
	"POST /datasets/{id}/return-flow":              auth.PermDataGovern,
	"GET /api/v1/share/data/{grant}/records/{key}": auth.PermApp,
	"GET /api/v1/share/data/{grant}/records":       auth.PermApp,
	"POST /api/v1/share/data/{grant}/verify":       auth.PermApp,
	"GET /api/v1/share/data/{grant}/extract":       auth.PermApp,
	"POST /api/v1/share/grants/{id}/suspend":       auth.PermShareSupervise,
	"POST /api/v1/share/grants/{id}/restore":       auth.PermShareSupervise,
	"POST /api/v1/share/requests/{id}/decision":    auth.PermShareDecide,
}

// demoUser is one demo account per role.
var demoUser = map[auth.Role]string{
	auth.AgencyOfficer: "gd.police", auth.AgencyUser: "gd.hrss.user", auth.AuthorityReviewer: "gd.reviewer", auth.ChiefDataOfficer: "gd.cdo",
	auth.PublicUser: "public", auth.DataSubject: "subject", auth.Auditor: "auditor", auth.Admin: "admin",
}

func specAllows(r auth.Role, p auth.Permission) bool {
	switch p {
	case auth.PermPublic:
		return true
	case auth.PermSignedIn:
		return r != ""
	}
	for _, x := range spec[p] {
		if x == r {
			return true
		}
	}
	return false
}

func concrete(pattern string) string {
	if pattern == "/" {
		return "/no-such-page" // the catch-all; "/" itself is the home page, "/{$}"
	}
	r := strings.NewReplacer("{$}", "", "{file...}", "app.css", "{id}", "999999", "{action}", "approve", "{profile}", "guangdong", "{date}", "2025-10-01", "{path...}", "app.css", "{base}", "person", "{key}", "440103199001011234", "{grant}", "999999")
	return r.Replace(pattern)
}

// TestEveryRouteAsEveryRole walks the whole route table as every role and
// as an anonymous caller: a caller the spec does not allow is refused by the
// router (401 or a redirect to the login page when anonymous, 403 otherwise,
// with an audit entry); a caller it allows is not refused by the router.
func TestEveryRouteAsEveryRole(t *testing.T) {
	for _, d := range storetest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			a := apptest.Demo(t, d)
			srv := apptest.Server(t, a)
			routes := server.New(a).Routes()
			if len(routes) < 30 {
				t.Fatalf("only %d routes", len(routes))
			}
			for _, rt := range routes {
				if rt.Perm == "" {
					t.Errorf("%s %s declares no permission", rt.Method, rt.Pattern)
				}
				if want, ok := sensitive[rt.Method+" "+rt.Pattern]; ok && rt.Perm != want {
					t.Errorf("%s %s needs %s, declares %s", rt.Method, rt.Pattern, want, rt.Perm)
				}
				if _, known := spec[rt.Perm]; !known && rt.Perm != auth.PermPublic && rt.Perm != auth.PermSignedIn {
					t.Errorf("%s %s: permission %s is not in the spec", rt.Method, rt.Pattern, rt.Perm)
				}
			}
			callers := append([]auth.Role{""}, auth.Roles...)
			for _, role := range callers {
				c := &apptest.Client{T: t, URL: srv.URL}
				if role != "" {
					c = apptest.Login(t, srv, demoUser[role])
				}
				for _, rt := range routes {
					if rt.Method == "DELETE" && rt.Pattern == "/api/v1/session" || rt.Method == "POST" && rt.Pattern == "/logout" {
						continue // would end the caller's own session mid-walk; covered elsewhere
					}
					name := string(role)
					if name == "" {
						name = "anonymous"
					}
					var body any
					if rt.Method != "GET" && rt.Method != "DELETE" {
						body = []byte(`{}`)
					}
					c.NoRedirect = true
					res, b := c.Response(rt.Method, concrete(rt.Pattern), body)
					st, problem := res.StatusCode, res.Header.Get(httpx.ProblemHeader)
					allowed := specAllows(role, rt.Perm)
					refused := st == http.StatusUnauthorized && (problem == "auth.required" || rt.Perm == auth.PermApp && problem == "share.credentials") ||
						st == http.StatusForbidden && problem == "auth.forbidden" ||
						st == http.StatusSeeOther && role == "" && strings.HasPrefix(res.Header.Get("Location"), "/login")
					if allowed && refused {
						t.Errorf("%s %s as %s: refused (%d) but the spec allows it", rt.Method, rt.Pattern, name, st)
					}
					if !allowed && !refused {
						t.Errorf("%s %s as %s: got %d, want a refusal: %.200s", rt.Method, rt.Pattern, name, st, b)
					}
					if !allowed && role == "" && rt.Kind == httpx.API && st != http.StatusUnauthorized {
						t.Errorf("%s %s anonymous: %d, want 401", rt.Method, rt.Pattern, st)
					}
				}
			}
			// Refusals of signed-in callers are in the audit trail.
			es, err := a.Trail.List(context.Background(), audit.Filter{Action: "http.denied", Actor: "public", Limit: 1000})
			if err != nil || len(es) == 0 {
				t.Fatalf("denials of the public user not audited: %v", err)
			}
		})
	}
}
