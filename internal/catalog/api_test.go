package catalog_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/catalog"
	"pubdata/internal/httpx"
)

// TestCatalogThroughTheAPI drives draft → submit → return → resubmit →
// approve over HTTP, with the refusals a client meets on the way.
func TestCatalogThroughTheAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		srv := apptest.Server(t, a)
		officer := apptest.Login(t, srv, "jm.police")
		reviewer := apptest.Login(t, srv, "jm.reviewer")
		m := valid("江门市侨务人员信息")
		var e catalog.Entry
		if st := officer.Do("POST", "/api/v1/catalog/entries", m, &e); st != http.StatusCreated {
			t.Fatalf("create: %d", st)
		}
		if !regexp.MustCompile(`^3440100100001/[0-9]{6}$`).MatchString(e.ResourceCode) {
			t.Fatalf("resource code %q", e.ResourceCode)
		}
		path := "/api/v1/catalog/entries/" + strconv.FormatInt(e.ID, 10)
		// A bad edit names its field and changes nothing.
		bad := m
		bad.Items = append([]catalog.Item{}, m.Items...)
		bad.Items[1].Type = "Z"
		var p httpx.Problem
		if st := officer.Do("PUT", path, bad, &p); st != 400 || len(p.Errors) == 0 || p.Errors[0].Field != "items[1].type" {
			t.Fatalf("bad edit: %d %+v", st, p)
		}
		// Only the authority reviews; only the agency submits.
		if st := reviewer.Do("POST", path+"/submit", nil, nil); st != 403 {
			t.Fatalf("reviewer submits: %d", st)
		}
		if st := officer.Do("POST", path+"/submit", nil, &e); st != 200 || e.Status != catalog.StatusInReview {
			t.Fatalf("submit: %d %s", st, e.Status)
		}
		if st := officer.Do("POST", path+"/review", map[string]string{"action": "approve"}, nil); st != 403 {
			t.Fatalf("officer approves own entry: %d", st)
		}
		if st := apptest.Login(t, srv, "hz.reviewer").Do("POST", path+"/review", map[string]string{"action": "approve"}, nil); st != 404 {
			t.Fatalf("another city's reviewer: %d", st)
		}
		if st := reviewer.Do("POST", path+"/review", map[string]string{"action": "return"}, &p); st != 400 || p.Errors[0].Field != "reasons" {
			t.Fatalf("return without reasons: %d %+v", st, p)
		}
		if st := reviewer.Do("POST", path+"/review", map[string]string{"action": "return", "reasons": "请补充共享范围"}, nil); st != 200 {
			t.Fatalf("return: %d", st)
		}
		if st := officer.Do("POST", path+"/submit", nil, nil); st != 200 {
			t.Fatalf("resubmit: %d", st)
		}
		if st := reviewer.Do("POST", path+"/review", map[string]string{"action": "approve"}, &e); st != 200 || e.Status != catalog.StatusPublished {
			t.Fatalf("approve: %d %s", st, e.Status)
		}
		// Every government user reads the published entry with its history.
		var got struct {
			catalog.Entry
			Versions []catalog.Version `json:"versions"`
		}
		if st := apptest.Login(t, srv, "gd.hrss.user").Do("GET", path, nil, &got); st != 200 || len(got.Versions) != 1 || got.Name != m.Name {
			t.Fatalf("read by another agency: %d %+v", st, got)
		}
		// Public users do not read the government catalog.
		if st := apptest.Login(t, srv, "public").Do("GET", path, nil, nil); st != 403 {
			t.Fatalf("public user: %d", st)
		}
		// New version, diff, delist.
		if st := officer.Do("POST", path+"/versions", nil, nil); st != 201 {
			t.Fatalf("new version: %d", st)
		}
		m.Keywords = []string{"侨务", "归侨"}
		if st := officer.Do("PUT", path, m, nil); st != 200 {
			t.Fatalf("edit version 2: %d", st)
		}
		var d struct {
			Changes []catalog.Change `json:"changes"`
		}
		if st := officer.Do("GET", path+"/diff?from=1&to=2", nil, &d); st != 200 || len(d.Changes) != 1 || d.Changes[0].Field != "keywords" {
			t.Fatalf("diff: %d %+v", st, d)
		}
		if st := officer.Do("POST", path+"/delist", map[string]string{}, nil); st != 400 {
			t.Fatalf("delist without reason: %d", st)
		}
		raw, _ := json.Marshal(map[string]string{"reason": "资源合并"})
		if st := officer.Do("POST", path+"/delist", raw, &e); st != 200 || e.Status != catalog.StatusDelisted {
			t.Fatalf("delist: %d", st)
		}
	})
}
