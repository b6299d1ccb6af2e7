package share_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/security"
	"pubdata/internal/share"
	"pubdata/internal/store"
	"pubdata/internal/store/storetest"
)

// gw calls the sharing gateway as an application system.
type gw struct {
	t       testing.TB
	url     string
	id      string
	secret  string
	purpose string
	lang    string
}

func gwOf(t testing.TB, srv *httptest.Server, cred share.Credentials) *gw {
	return &gw{t: t, url: srv.URL, id: cred.ClientID, secret: cred.ClientSecret}
}

// do sends a request and returns the response (body read) and its body.
func (c *gw) do(method, path string, body []byte) (*http.Response, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequest(method, c.url+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.id != "" || c.secret != "" {
		req.SetBasicAuth(c.id, c.secret)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.purpose != "" {
		req.Header.Set("X-Share-Purpose", c.purpose)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// get is do for a GET, failing unless the status is want.
func (c *gw) get(path string, want int) []byte {
	c.t.Helper()
	res, b := c.do("GET", path, nil)
	if res.StatusCode != want {
		c.t.Fatalf("GET %s: status %d, want %d: %s", path, res.StatusCode, want, b)
	}
	return b
}

// refused checks a refusal's status and problem code.
func (c *gw) refused(method, path string, body []byte, status int, code string) *http.Response {
	c.t.Helper()
	res, b := c.do(method, path, body)
	if res.StatusCode != status || res.Header.Get("X-Problem-Code") != code {
		c.t.Fatalf("%s %s: status %d code %q, want %d %q: %s", method, path, res.StatusCode, res.Header.Get("X-Problem-Code"), status, code, b)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		c.t.Fatalf("%s %s: content type %q", method, path, ct)
	}
	return res
}

// recordPath is the lookup path of a key.
func recordPath(g share.Grant, key string) string {
	return fmt.Sprintf("/api/v1/share/data/%d/records/%s", g.ID, url.PathEscape(key))
}

// defaultSpec is a grant of Persons' items to gd.hrss's application, in API mode.
func defaultSpec(f *fixture, items ...share.GrantItem) share.Spec {
	return share.Spec{Items: items, Purpose: "核验参保人身份", PurposeCategory: share.PurposeDuty, Scenario: "社保待遇资格认证",
		DutyBasis: "《社会保险法》", Mode: share.ModeAPI, EndDate: "2099-12-31", AppID: f.HRSSApp.App.ID}
}

// issue grants ds to the consumer of spec.AppID's application, by the
// source's officer, as a decision would.
func issue(t testing.TB, f *fixture, ds collect.Dataset, kind share.RequestKind, consumer share.Credentials, spec share.Spec) share.Grant {
	t.Helper()
	officer := map[int64]string{}
	for _, u := range []string{"gd.police", "hz.police", "mz.police"} {
		officer[actor(t, f.A, u).AgencyID] = u
	}
	r := share.Request{Kind: kind, ConsumerAgencyID: consumer.App.AgencyID, SourceAgencyID: ds.AgencyID, Jurisdiction: ds.Jurisdiction,
		EntryID: ds.EntryID, DatasetID: ds.ID}
	spec.AppID = consumer.App.ID
	g, err := f.A.Share.IssueForTest(context.Background(), actor(t, f.A, officer[ds.AgencyID]), r, spec)
	if err != nil {
		t.Fatalf("issue grant: %v", err)
	}
	return g
}

func item(name string, m security.Mask) share.GrantItem { return share.GrantItem{Name: name, Mask: m} }

var (
	inClear   = security.Mask{Func: security.MaskClear}
	keepID    = security.Mask{Func: security.MaskKeep, N: 3, M: 4}
	keepName  = security.Mask{Func: security.MaskKeep, N: 1}
	pseudonym = security.Mask{Func: security.MaskPseudonym}
	year      = security.Mask{Func: security.MaskDate}
	county    = security.Mask{Func: security.MaskAddress}
	nullMask  = security.Mask{Func: security.MaskNull}
	regexMob  = security.Mask{Func: security.MaskRegex, Pattern: `^\d{7}`}
)

// trailOf lists the gateway's audit entries of a grant, newest first.
func trailOf(t testing.TB, a *app.App, grantID int64) []audit.Entry {
	t.Helper()
	es, err := a.Trail.List(context.Background(), audit.Filter{ObjectType: "share_grant", ObjectID: strconv.FormatInt(grantID, 10), Action: "share.gateway.", Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// audited runs fn, a single gateway call on the grant, and checks that it
// left exactly one entry with the action, outcome and purpose, and (when
// code is not empty) that code in its detail.
func gwAudited(t *testing.T, a *app.App, grantID int64, action, outcome, purpose, code string, fn func()) audit.Entry {
	t.Helper()
	before := len(trailOf(t, a, grantID))
	fn()
	es := trailOf(t, a, grantID)
	if len(es) != before+1 {
		t.Fatalf("%d audit entries after the call, want %d", len(es), before+1)
	}
	e := es[0]
	if e.Action != action || e.Outcome != outcome || e.Purpose != purpose {
		t.Fatalf("audit entry %s/%s purpose %q, want %s/%s %q (detail %s)", e.Action, e.Outcome, e.Purpose, action, outcome, purpose, e.Detail)
	}
	if code != "" && !strings.Contains(e.Detail, `"code":"`+code+`"`) {
		t.Fatalf("audit detail %s lacks code %s", e.Detail, code)
	}
	return e
}

// verifyTrail checks that the audit chain is intact.
func verifyTrail(t *testing.T, a *app.App) {
	t.Helper()
	rep, err := a.Trail.Verify(context.Background())
	if err != nil || !rep.OK {
		t.Fatalf("audit verify: %+v %v", rep, err)
	}
}

type recordAnswer struct {
	GrantID int64              `json:"grant_id"`
	Record  map[string]*string `json:"record"`
}

type pageAnswer struct {
	GrantID int64                `json:"grant_id"`
	Records []map[string]*string `json:"records"`
	Count   int                  `json:"count"`
	Next    string               `json:"next"`
}

func decodeJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
}

func TestGatewayLookup(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		g := issue(t, f, f.Persons, share.KindData, f.HRSSApp, defaultSpec(f, item("公民身份号码", keepID), item("姓名", keepName), item("性别", inClear), item("户籍地", inClear)))
		c := gwOf(t, srv, f.HRSSApp)
		p := f.People[0]
		var rec recordAnswer
		gwAudited(t, f.A, g.ID, "share.gateway.lookup", audit.OK, "社保待遇资格认证", "", func() {
			decodeJSON(t, c.get(recordPath(g, p.ID), 200), &rec)
		})
		if rec.GrantID != g.ID || len(rec.Record) != 4 {
			t.Fatalf("record %+v", rec)
		}
		if got := *rec.Record["公民身份号码"]; got != p.ID[:3]+strings.Repeat("*", 11)+p.ID[14:] {
			t.Errorf("masked ID %q of %s", got, p.ID)
		}
		if got := *rec.Record["性别"]; got != p.Gender {
			t.Errorf("gender %q, want %q", got, p.Gender)
		}
		if _, ok := rec.Record["住址"]; ok {
			t.Error("an item not granted was answered")
		}

		// ?items= projects; the stated purpose is audited.
		c.purpose = "年度资格认证"
		rec = recordAnswer{}
		gwAudited(t, f.A, g.ID, "share.gateway.lookup", audit.OK, "年度资格认证", "", func() {
			decodeJSON(t, c.get(recordPath(g, p.ID)+"?items=性别", 200), &rec)
		})
		if len(rec.Record) != 1 || *rec.Record["性别"] != p.Gender {
			t.Fatalf("projected record %+v", rec.Record)
		}
		c.purpose = ""

		// A resident ID with a lower-case check character x is the same key.
		withX := 0
		for _, q := range f.People {
			if strings.HasSuffix(q.ID, "X") {
				c.get(recordPath(g, q.ID[:17]+"x"), 200)
				c.get(recordPath(g, " "+q.ID+" "), 200)
				withX++
			}
		}
		if withX == 0 {
			t.Fatal("the fixture has no resident ID ending in X")
		}
		// A key without a record: 404, audited as an answered call with no rows.
		e := gwAudited(t, f.A, g.ID, "share.gateway.lookup", audit.OK, "社保待遇资格认证", "share.record.not_found", func() {
			c.refused("GET", recordPath(g, "440103199001010000"), nil, 404, "share.record.not_found")
		})
		if !strings.Contains(e.Detail, `"rows":0`) || !strings.Contains(e.Detail, `"key":"440103199001010000"`) {
			t.Errorf("detail %s", e.Detail)
		}
		// An unknown query parameter is refused, naming it.
		c.refused("GET", recordPath(g, p.ID)+"?foo=1", nil, 400, "share.query.unknown")
		// English on request.
		c.lang = "en"
		res, b := c.do("GET", recordPath(g, p.ID)+"?items=住址", nil)
		if res.StatusCode != 403 || !strings.Contains(string(b), "does not include the item 住址") {
			t.Fatalf("english refusal %d %s", res.StatusCode, b)
		}
		// A deleted row is no record.
		load(t, f.A, "gd.police", f.Persons, collect.ModeIncremental, "公民身份号码,_op\n"+p.ID+",delete\n")
		c.lang = ""
		c.refused("GET", recordPath(g, p.ID), nil, 404, "share.record.not_found")
		verifyTrail(t, f.A)
	})
}

func TestGatewayRefusals(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		srv := apptest.Server(t, f.A)
		spec := defaultSpec(f, item("公民身份号码", keepID), item("姓名", keepName), item("性别", inClear), item("户籍地", inClear))
		spec.RowScope = share.RowScope{Item: "户籍地", Region: "440100"} // Guangzhou only
		g := issue(t, f, f.Persons, share.KindData, f.HRSSApp, spec)
		c := gwOf(t, srv, f.HRSSApp)
		gz, hz := f.People[0], f.People[1] // 440103, 441302
		path := recordPath(g, gz.ID)
		c.get(path, 200)
		const scenario = "社保待遇资格认证"

		cases := []struct {
			name    string
			client  *gw
			method  string
			path    string
			body    []byte
			status  int
			code    string
			outcome string
			purpose string
		}{
			{"bad secret", &gw{t: t, url: srv.URL, id: f.HRSSApp.ClientID, secret: "pds_wrong"}, "GET", path, nil, 401, "share.credentials", audit.Denied, ""},
			{"no credentials", &gw{t: t, url: srv.URL}, "GET", path, nil, 401, "share.credentials", audit.Denied, ""},
			{"another agency's application", gwOf(t, srv, f.HealthApp), "GET", path, nil, 403, "share.grant.not_yours", audit.Denied, ""},
			{"item not granted", c, "GET", path + "?items=姓名,住址", nil, 403, "share.item.not_granted", audit.Denied, scenario},
			{"row outside the scope", c, "GET", recordPath(g, hz.ID), nil, 404, "share.record.not_found", audit.Denied, scenario},
			{"filter on a masked item", c, "GET", fmt.Sprintf("/api/v1/share/data/%d/records?姓名=%s", g.ID, url.QueryEscape(gz.Name)), nil, 400, "share.filter.masked", audit.Denied, scenario},
			{"filter on an item not granted", c, "GET", fmt.Sprintf("/api/v1/share/data/%d/records?住址=x", g.ID), nil, 403, "share.item.not_granted", audit.Denied, scenario},
			{"verification on a data grant", c, "POST", fmt.Sprintf("/api/v1/share/data/%d/verify", g.ID), []byte(`{"key":"x","claims":{"姓名":"x"}}`), 403, "share.grant.mode", audit.Denied, scenario},
			{"extract of an API grant", c, "GET", fmt.Sprintf("/api/v1/share/data/%d/extract", g.ID), nil, 403, "share.grant.mode", audit.Denied, scenario},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tc.client.t = t
				action := map[string]string{"GET": "share.gateway.lookup", "POST": "share.gateway.verify"}[tc.method]
				if strings.HasSuffix(tc.path, "/extract") {
					action = "share.gateway.extract"
				} else if strings.Contains(tc.path, "/records?") {
					action = "share.gateway.page"
				}
				code := tc.code
				if tc.name == "row outside the scope" {
					code = "share.row.out_of_scope" // the answer is "no record"; the trail tells them apart
				}
				gwAudited(t, f.A, g.ID, action, tc.outcome, tc.purpose, code, func() {
					res := tc.client.refused(tc.method, tc.path, tc.body, tc.status, tc.code)
					if tc.status == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
						t.Errorf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
					}
				})
			})
		}
		// A grant that does not exist is refused like another's: no oracle.
		c.refused("GET", recordPath(share.Grant{ID: g.ID + 1000}, gz.ID), nil, 403, "share.grant.not_yours")
		// The other agency's refusal tells nothing of the grant.
		_, b := gwOf(t, srv, f.HealthApp).do("GET", path, nil)
		if strings.Contains(string(b), scenario) || strings.Contains(string(b), "人社") {
			t.Errorf("refusal leaks the grant: %s", b)
		}

		// Rotated secret: the new one works, the old one during the overlap only.
		creds, err := f.A.Share.RotateSecret(ctx, actor(t, f.A, "gd.hrss"), f.HRSSApp.App.ID)
		if err != nil {
			t.Fatal(err)
		}
		fresh := &gw{t: t, url: srv.URL, id: creds.ClientID, secret: creds.ClientSecret}
		fresh.get(path, 200)
		c.get(path, 200)
		f.A.Cases.SetClock(func() time.Time { return time.Now().Add(share.SecretOverlap + time.Hour) })
		t.Cleanup(func() { f.A.Cases.SetClock(time.Now) })
		gwAudited(t, f.A, g.ID, "share.gateway.lookup", audit.Denied, "", "share.credentials", func() {
			c.refused("GET", path, nil, 401, "share.credentials")
		})
		fresh.get(path, 200)

		// Expired: the day after the end date.
		f.A.Cases.SetClock(func() time.Time { return time.Date(2100, 1, 1, 9, 0, 0, 0, time.UTC) })
		gwAudited(t, f.A, g.ID, "share.gateway.lookup", audit.Denied, scenario, "share.grant.expired", func() {
			fresh.refused("GET", path, nil, 403, "share.grant.expired")
		})
		f.A.Cases.SetClock(time.Now)
		fresh.get(path, 200)

		// Suspended (HZ §25): refused from the next call on, with the reason.
		if _, err := f.A.Share.Suspend(ctx, actor(t, f.A, "gd.reviewer"), g.ID, "数据提供给第三方使用"); err != nil {
			t.Fatal(err)
		}
		gwAudited(t, f.A, g.ID, "share.gateway.lookup", audit.Denied, scenario, "share.grant.suspended", func() {
			_, b := fresh.do("GET", path, nil)
			if !strings.Contains(string(b), "数据提供给第三方使用") {
				t.Errorf("the consumer is not told why: %s", b)
			}
		})
		if _, err := f.A.Share.Restore(ctx, actor(t, f.A, "gd.reviewer"), g.ID, "整改完成，恢复使用"); err != nil {
			t.Fatal(err)
		}
		fresh.get(path, 200)

		// A bad X-Share-Purpose is refused.
		fresh.purpose = strings.Repeat("用", 201)
		fresh.refused("GET", path, nil, 400, "share.purpose")
		verifyTrail(t, f.A)
	})
}

func TestGatewayPaging(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		spec := defaultSpec(f, item("公民身份号码", keepID), item("性别", inClear), item("户籍地", inClear), item("姓名", keepName))
		spec.RowScope = share.RowScope{Item: "户籍地", Region: "440100"}
		g := issue(t, f, f.Persons, share.KindData, f.HRSSApp, spec)
		c := gwOf(t, srv, f.HRSSApp)
		base := fmt.Sprintf("/api/v1/share/data/%d/records", g.ID)
		inScope := map[string]bool{}
		men := 0
		for _, p := range f.People {
			if p.Region == "440103" {
				inScope[p.ID[:3]+strings.Repeat("*", 11)+p.ID[14:]] = true
				if p.Gender == "男" {
					men++
				}
			}
		}
		// Pages of 7 through every row in scope, by the cursor.
		seen := map[string]bool{}
		after := ""
		for pages := 0; ; pages++ {
			var pa pageAnswer
			q := base + "?limit=7"
			if after != "" {
				q += "&after=" + after
			}
			gwAudited(t, f.A, g.ID, "share.gateway.page", audit.OK, "社保待遇资格认证", "", func() { decodeJSON(t, c.get(q, 200), &pa) })
			for _, r := range pa.Records {
				if *r["户籍地"] != "440103" {
					t.Fatalf("a row outside the scope: %v", r)
				}
				seen[*r["公民身份号码"]] = true
			}
			if pa.Next == "" {
				break
			}
			if pa.Count != 7 || pages > 10 {
				t.Fatalf("page %d: %d rows, next %q", pages, pa.Count, pa.Next)
			}
			after = pa.Next
		}
		if len(seen) != len(inScope) {
			t.Fatalf("paged %d rows, %d in scope", len(seen), len(inScope))
		}
		// Filters on a clear item and on the key.
		var pa pageAnswer
		decodeJSON(t, c.get(base+"?性别="+url.QueryEscape("男")+"&items=性别", 200), &pa)
		if pa.Count != men {
			t.Fatalf("%d men, want %d", pa.Count, men)
		}
		for _, r := range pa.Records {
			if len(r) != 1 || *r["性别"] != "男" {
				t.Fatalf("filtered row %v", r)
			}
		}
		p := f.People[2]
		decodeJSON(t, c.get(base+"?公民身份号码="+p.ID, 200), &pa)
		if pa.Count != 1 {
			t.Fatalf("key filter: %d rows", pa.Count)
		}
		// A key filter outside the scope finds nothing.
		decodeJSON(t, c.get(base+"?公民身份号码="+f.People[3].ID, 200), &pa)
		if pa.Count != 0 {
			t.Fatalf("key filter outside the scope: %d rows", pa.Count)
		}
		c.refused("GET", base+"?limit=1001", nil, 400, "share.page.limit")
		c.refused("GET", base+"?after=-1", nil, 400, "share.page.after")
		c.refused("GET", base+"?性别=a&性别=b", nil, 400, "share.query.repeated")
		verifyTrail(t, f.A)
	})
}

// TestGatewayKeyLookupOnly: a Meizhou source's grants allow key lookups
// only (MZ §21): no paging, no extract.
func TestGatewayKeyLookupOnly(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		mz := publishEntry(t, f.A, "mz.police", "mz.reviewer", "梅州市人口信息（共享测试）", catalog.ShareConditional, personItems())
		load(t, f.A, "mz.police", mz, collect.ModeFull, personsCSV(f.People))
		g := issue(t, f, mz, share.KindData, f.HRSSApp, defaultSpec(f, item("公民身份号码", keepID), item("性别", inClear)))
		if !g.KeyLookupOnly {
			t.Fatal("a Meizhou source's grant is not limited to key lookups")
		}
		c := gwOf(t, srv, f.HRSSApp)
		c.get(recordPath(g, f.People[0].ID), 200)
		gwAudited(t, f.A, g.ID, "share.gateway.page", audit.Denied, "社保待遇资格认证", "share.grant.key_lookup_only", func() {
			c.refused("GET", fmt.Sprintf("/api/v1/share/data/%d/records?性别=%s", g.ID, url.QueryEscape("男")), nil, 403, "share.grant.key_lookup_only")
		})
		spec := defaultSpec(f, item("公民身份号码", keepID), item("性别", inClear))
		spec.Mode = share.ModeFile
		fg := issue(t, f, mz, share.KindData, f.HRSSApp, spec)
		gwAudited(t, f.A, fg.ID, "share.gateway.extract", audit.Denied, "社保待遇资格认证", "share.grant.key_lookup_only", func() {
			c.refused("GET", fmt.Sprintf("/api/v1/share/data/%d/extract", fg.ID), nil, 403, "share.grant.key_lookup_only")
		})
	})
}

func TestGatewayQuotaAndRate(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		c := gwOf(t, srv, f.HRSSApp)
		spec := defaultSpec(f, item("性别", inClear))
		spec.QuotaDaily = 3
		q := issue(t, f, f.Persons, share.KindData, f.HRSSApp, spec)
		path := recordPath(q, f.People[0].ID)
		for range 3 {
			c.get(path, 200)
		}
		res := c.refused("GET", path, nil, 429, "share.quota_exhausted")
		if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 || n > 86400 {
			t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
		}
		// A restart does not reset the quota: it is seeded from the trail.
		f.A.Share.ForgetLimitsForTest()
		gwAudited(t, f.A, q.ID, "share.gateway.lookup", audit.Denied, "社保待遇资格认证", "share.quota_exhausted", func() {
			c.refused("GET", path, nil, 429, "share.quota_exhausted")
		})

		spec = defaultSpec(f, item("性别", inClear))
		spec.RatePerMinute = 2
		r := issue(t, f, f.Persons, share.KindData, f.HRSSApp, spec)
		path = recordPath(r, f.People[0].ID)
		c.get(path, 200)
		c.get(path, 200)
		gwAudited(t, f.A, r.ID, "share.gateway.lookup", audit.Denied, "社保待遇资格认证", "share.rate_limited", func() {
			res := c.refused("GET", path, nil, 429, "share.rate_limited")
			if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 || n > 60 {
				t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
			}
		})
		verifyTrail(t, f.A)
	})
}

// TestGatewayNoMaskedValueRecovered: for each masking function, the clear
// value of a masked item appears in no answer — lookup, page or extract —
// for any person; pseudonyms differ between two grants of the same data.
func TestGatewayNoMaskedValueRecovered(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		c := gwOf(t, srv, f.HRSSApp)
		value := func(p person, name string) string {
			return map[string]string{"公民身份号码": p.ID, "姓名": p.Name, "出生日期": p.Birth, "手机号码": p.Mobile, "住址": p.Address}[name]
		}
		cases := []struct {
			fn    security.MaskFunc
			items []share.GrantItem
		}{
			{security.MaskKeep, []share.GrantItem{item("公民身份号码", keepID), item("姓名", keepName), item("手机号码", keepID)}},
			{security.MaskPseudonym, []share.GrantItem{item("公民身份号码", pseudonym), item("姓名", pseudonym), item("手机号码", pseudonym)}},
			{security.MaskDate, []share.GrantItem{item("出生日期", year)}},
			{security.MaskAddress, []share.GrantItem{item("住址", county)}},
			{security.MaskNull, []share.GrantItem{item("公民身份号码", nullMask), item("姓名", nullMask), item("手机号码", nullMask), item("住址", nullMask)}},
			{security.MaskRegex, []share.GrantItem{item("手机号码", regexMob), item("公民身份号码", security.Mask{Func: security.MaskRegex, Pattern: `\d{8}`})}},
		}
		for _, tc := range cases {
			t.Run(string(tc.fn), func(t *testing.T) {
				c.t = t
				api := issue(t, f, f.Persons, share.KindData, f.HRSSApp, defaultSpec(f, append(tc.items, item("性别", inClear))...))
				spec := defaultSpec(f, tc.items...)
				spec.Mode = share.ModeFile
				file := issue(t, f, f.Persons, share.KindData, f.HRSSApp, spec)
				var answers []string
				for _, p := range f.People {
					answers = append(answers, string(c.get(recordPath(api, p.ID), 200)))
				}
				page := string(c.get(fmt.Sprintf("/api/v1/share/data/%d/records?limit=1000", api.ID), 200))
				answers = append(answers, page)
				data, _ := readExtract(t, c.get(fmt.Sprintf("/api/v1/share/data/%d/extract", file.ID), 200))
				answers = append(answers, data)
				for _, p := range f.People {
					for _, it := range tc.items {
						v := value(p, it.Name)
						for _, a := range answers {
							if strings.Contains(a, v) {
								t.Fatalf("%s of %s (%q) recovered from an answer under %s: %.300s", it.Name, p.ID, v, it.Mask, a)
							}
						}
					}
				}
				if tc.fn == security.MaskPseudonym {
					other := issue(t, f, f.Persons, share.KindData, f.HRSSApp, defaultSpec(f, tc.items...))
					var a, b recordAnswer
					decodeJSON(t, c.get(recordPath(api, f.People[0].ID), 200), &a)
					decodeJSON(t, c.get(recordPath(other, f.People[0].ID), 200), &b)
					if *a.Record["公民身份号码"] == *b.Record["公民身份号码"] || len(*a.Record["公民身份号码"]) != 32 {
						t.Fatalf("pseudonyms of two grants: %q %q", *a.Record["公民身份号码"], *b.Record["公民身份号码"])
					}
					var a2 recordAnswer
					decodeJSON(t, c.get(recordPath(api, f.People[0].ID), 200), &a2)
					if *a2.Record["公民身份号码"] != *a.Record["公民身份号码"] {
						t.Fatal("a grant's pseudonym is not stable")
					}
				}
				if tc.fn == security.MaskNull {
					var a recordAnswer
					decodeJSON(t, c.get(recordPath(api, f.People[0].ID), 200), &a)
					if a.Record["姓名"] != nil || a.Record["性别"] == nil {
						t.Fatalf("nullified record %v", a.Record)
					}
				}
			})
		}
	})
}

// TestGatewayAuditUnavailable: when the audit entry cannot be written the
// answer is 503 and carries no data.
func TestGatewayAuditUnavailable(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		g := issue(t, f, f.Persons, share.KindData, f.HRSSApp, defaultSpec(f, item("姓名", inClear)))
		c := gwOf(t, srv, f.HRSSApp)
		p := f.People[0]
		c.get(recordPath(g, p.ID), 200)
		if err := f.A.Share.Close(); err != nil { // the batcher stops: no entry can be written
			t.Fatal(err)
		}
		res, b := c.do("GET", recordPath(g, p.ID), nil)
		if res.StatusCode != 503 || res.Header.Get("X-Problem-Code") != "share.audit.unavailable" || strings.Contains(string(b), p.Name) {
			t.Fatalf("status %d %s", res.StatusCode, b)
		}
	})
}

// --- benchmarks: the gateway against a bare handler of the same lookup ---

func benchWorld(b *testing.B) (*fixture, share.Grant) {
	b.Helper()
	a := apptest.Demo(b, storetest.Engines()[len(storetest.Engines())-1])
	f := newFixture(b, a)
	spec := defaultSpec(f, item("公民身份号码", keepID), item("姓名", keepName), item("性别", inClear), item("出生日期", year), item("住址", county))
	spec.QuotaDaily, spec.RatePerMinute = 1<<40, 1<<40
	return f, issue(b, f, f.Persons, share.KindData, f.HRSSApp, spec)
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

func benchGet(b *testing.B, hc *http.Client, req func(i int) *http.Request) {
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := hc.Do(req(int(n.Add(1))))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	})
}

// BenchmarkGatewayLookup drives key lookups through the real gateway
// (credentials, grant checks, projection, masking, quota, audit), in
// parallel, over HTTP. Set PUBDATA_TEST_POSTGRES to run it on PostgreSQL.
func BenchmarkGatewayLookup(b *testing.B) {
	f, g := benchWorld(b)
	srv := apptest.Server(b, f.A)
	hc := benchClient()
	b.SetParallelism(16) // 32 clients on 2 cores, as pubdata bench gateway drives
	benchGet(b, hc, func(i int) *http.Request {
		req, _ := http.NewRequest("GET", srv.URL+recordPath(g, f.People[i%len(f.People)].ID), nil)
		req.SetBasicAuth(f.HRSSApp.ClientID, f.HRSSApp.ClientSecret)
		return req
	})
	b.StopTimer()
	if e, c := f.A.Share.AuditStats(); c > 0 {
		b.ReportMetric(float64(e)/float64(c), "entries/commit")
	}
}

// BenchmarkBareLookup is the baseline: the same query and JSON out through
// a bare handler, nothing else.
func BenchmarkBareLookup(b *testing.B) {
	f, g := benchWorld(b)
	h, err := f.A.Share.BaselineLookupHandler(context.Background(), g.ID)
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /bare/{key}", h)
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	hc := benchClient()
	b.SetParallelism(16) // 32 clients on 2 cores, as pubdata bench gateway drives
	benchGet(b, hc, func(i int) *http.Request {
		req, _ := http.NewRequest("GET", srv.URL+"/bare/"+f.People[i%len(f.People)].ID, nil)
		return req
	})
}

// BenchmarkGatewayVerify drives single verifications through the real
// gateway; compare it with BenchmarkBareLookup.
func BenchmarkGatewayVerify(b *testing.B) {
	f, _ := benchWorld(b)
	g := issue(b, f, f.Persons, share.KindVerify, f.HRSSApp, share.Spec{Items: []share.GrantItem{item("姓名", keepName), item("出生日期", year)},
		Purpose: "核验", PurposeCategory: share.PurposeDuty, Scenario: "核验", Mode: share.ModeAPI, EndDate: "2099-12-31", QuotaDaily: 1 << 40, RatePerMinute: 1 << 40})
	srv := apptest.Server(b, f.A)
	hc := benchClient()
	bodies := make([][]byte, len(f.People))
	for i, p := range f.People {
		bodies[i], _ = json.Marshal(map[string]any{"key": p.ID, "claims": map[string]string{"姓名": p.Name, "出生日期": p.Birth}})
	}
	b.SetParallelism(16)
	benchGet(b, hc, func(i int) *http.Request {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/share/data/%d/verify", srv.URL, g.ID), strings.NewReader(string(bodies[i%len(bodies)])))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(f.HRSSApp.ClientID, f.HRSSApp.ClientSecret)
		return req
	})
}

// TestGatewayGrantIDSpelling: another spelling of a grant's ID ("07",
// "+7"), served or refused, is filed under the grant's canonical ID, so
// that the usage report and the quota's count see every call (JM §17).
func TestGatewayGrantIDSpelling(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		srv := apptest.Server(t, f.A)
		c := gwOf(t, srv, f.HRSSApp)
		spec := defaultSpec(f, item("性别", inClear))
		spec.QuotaDaily = 3
		g := issue(t, f, f.Persons, share.KindData, f.HRSSApp, spec)
		id := strconv.FormatInt(g.ID, 10)
		key := f.People[0].ID
		answered := 0
		for _, spelling := range []string{"0" + id, "00" + id, "+" + id} {
			res, b := c.do("GET", "/api/v1/share/data/"+spelling+"/records/"+key, nil)
			switch {
			case res.StatusCode == 200:
				answered++
			case res.StatusCode == 400 && res.Header.Get("X-Problem-Code") == "request.id":
			default:
				t.Fatalf("grant %q: %d %s", spelling, res.StatusCode, b)
			}
		}
		// A caller without credentials is filed under the grant too.
		bad := &gw{t: t, url: srv.URL, id: f.HRSSApp.ClientID, secret: "pds_wrong"}
		bad.refused("GET", "/api/v1/share/data/+"+id+"/records/"+key, nil, 401, "share.credentials")
		if es := trailOf(t, f.A, g.ID); len(es) != 4 {
			t.Fatalf("%d entries under grant %s, want 4", len(es), id)
		}
		u, err := f.A.Share.Usage(ctx, actor(t, f.A, "gd.hrss"), g.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if u.Totals.Calls != 4 || u.ByDay[0].Charged != int64(answered) {
			t.Fatalf("usage %+v, charged %d, want 4 calls and %d charged", u.Totals, u.ByDay[0].Charged, answered)
		}
		// The quota counts the answered spellings, after a restart too.
		f.A.Share.ForgetLimitsForTest()
		for range 3 - answered {
			c.get(recordPath(g, key), 200)
		}
		c.refused("GET", recordPath(g, key), nil, 429, "share.quota_exhausted")
	})
}

// compositeItems: a dataset keyed by two items, 姓名 and 出生日期.
func compositeItems() []catalog.Item {
	return []catalog.Item{
		{Name: "姓名", Type: catalog.TypeChar, Length: 50, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyOther, Required: true},
		{Name: "出生日期", Type: catalog.TypeDate, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyOther, Required: true},
		{Name: "性别", Type: catalog.TypeChar, Length: 1, Grade: "general-2", Values: []string{"男", "女"}},
		{Name: "户籍地", Type: catalog.TypeChar, Length: 6, Grade: "general-1", Format: catalog.FormatDivision},
	}
}

// TestGatewayCompositeKeyFilter: with a key of two items, one key item
// alone is no filter unless it is granted in clear — otherwise it would
// be a free equality query on a masked item (a date masked to its year,
// recovered in at most 366 filters); the whole key is a lookup.
func TestGatewayCompositeKeyFilter(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		c := gwOf(t, srv, f.HRSSApp)
		ds := publishEntry(t, f.A, "gd.police", "gd.reviewer", "人员名册（复合主键）", catalog.ShareConditional, compositeItems())
		var csv strings.Builder
		csv.WriteString("姓名,出生日期,性别,户籍地\n")
		for _, p := range f.People {
			fmt.Fprintf(&csv, "%s,%s,%s,%s\n", p.Name, p.Birth, p.Gender, p.Region)
		}
		load(t, f.A, "gd.police", ds, collect.ModeFull, csv.String())
		p := f.People[0]
		page := func(g share.Grant, q url.Values) string {
			return fmt.Sprintf("/api/v1/share/data/%d/records?%s", g.ID, q.Encode())
		}
		field := func(b []byte) string {
			var pr struct {
				Errors []struct{ Field string } `json:"errors"`
			}
			decodeJSON(t, b, &pr)
			if len(pr.Errors) == 0 {
				return ""
			}
			return pr.Errors[0].Field
		}

		masked := issue(t, f, ds, share.KindData, f.HRSSApp, defaultSpec(f, item("姓名", keepName), item("出生日期", year), item("性别", inClear)))
		for _, name := range []string{"出生日期", "姓名"} {
			q := url.Values{name: {map[string]string{"出生日期": p.Birth, "姓名": p.Name}[name]}}
			gwAudited(t, f.A, masked.ID, "share.gateway.page", audit.Denied, "社保待遇资格认证", "share.filter.masked", func() {
				res, b := c.do("GET", page(masked, q), nil)
				if res.StatusCode != 400 || res.Header.Get("X-Problem-Code") != "share.filter.masked" || field(b) != name {
					t.Fatalf("filter on the key item %s alone: %d %s", name, res.StatusCode, b)
				}
				if strings.Contains(string(b), p.Birth) || strings.Contains(string(b), p.Name) {
					t.Fatalf("the refusal holds data: %s", b)
				}
			})
		}
		// The whole key is a lookup, as …/records/{姓名,出生日期} is.
		var pa pageAnswer
		pa = pageAnswer{}
		decodeJSON(t, c.get(page(masked, url.Values{"姓名": {p.Name}, "出生日期": {p.Birth}}), 200), &pa)
		if pa.Count != 1 || *pa.Records[0]["出生日期"] != p.Birth[:4] || *pa.Records[0]["性别"] != p.Gender {
			t.Fatalf("whole-key filter: %+v", pa)
		}
		var rec recordAnswer
		decodeJSON(t, c.get(recordPath(masked, p.Name+","+p.Birth), 200), &rec)
		if *rec.Record["出生日期"] != p.Birth[:4] {
			t.Fatalf("lookup %v", rec.Record)
		}
		// A clear item filters alone.
		pa = pageAnswer{}
		decodeJSON(t, c.get(page(masked, url.Values{"性别": {p.Gender}, "limit": {"1000"}}), 200), &pa)
		if pa.Count == 0 {
			t.Fatal("no row of the clear filter")
		}

		// A key item granted in clear filters alone.
		clear := issue(t, f, ds, share.KindData, f.HRSSApp, defaultSpec(f, item("姓名", keepName), item("出生日期", inClear)))
		pa = pageAnswer{}
		decodeJSON(t, c.get(page(clear, url.Values{"出生日期": {p.Birth}}), 200), &pa)
		if pa.Count < 1 {
			t.Fatalf("clear key item filter: %+v", pa)
		}
		c.refused("GET", page(clear, url.Values{"姓名": {p.Name}}), nil, 400, "share.filter.masked")

		// A key item not granted: only with the whole key.
		none := issue(t, f, ds, share.KindData, f.HRSSApp, defaultSpec(f, item("性别", inClear)))
		c.refused("GET", page(none, url.Values{"出生日期": {p.Birth}}), nil, 403, "share.item.not_granted")
		pa = pageAnswer{}
		decodeJSON(t, c.get(page(none, url.Values{"姓名": {p.Name}, "出生日期": {p.Birth}}), 200), &pa)
		if pa.Count != 1 || len(pa.Records[0]) != 1 {
			t.Fatalf("whole key on a grant without the key items: %+v", pa)
		}
	})
}

// TestGatewayQuotaTwoNodes: two nodes on one database share a grant's
// daily quota through the audit trail. Each re-reads the day's count at
// least every 10 s, so once that has passed a node that has answered
// fewer calls than the quota itself still refuses when the other node's
// calls used it up.
func TestGatewayQuotaTwoNodes(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		b, err := app.Open(ctx, f.A.Cfg)
		if err != nil {
			t.Fatalf("second node: %v", err)
		}
		t.Cleanup(func() { b.Close() })
		// One clock for both nodes, at noon in Shanghai, moved by the test.
		y, m, d := time.Now().In(calendar.Shanghai).Date()
		noon := time.Date(y, m, d, 12, 0, 0, 0, calendar.Shanghai)
		var offset atomic.Int64
		clock := func() time.Time { return noon.Add(time.Duration(offset.Load())) }
		for _, n := range []*app.App{f.A, b} {
			n.Cases.SetClock(clock)
			t.Cleanup(func() { n.Cases.SetClock(time.Now) })
		}
		spec := defaultSpec(f, item("性别", inClear))
		spec.QuotaDaily = 3
		g := issue(t, f, f.Persons, share.KindData, f.HRSSApp, spec)
		ca := gwOf(t, apptest.Server(t, f.A), f.HRSSApp)
		cb := gwOf(t, apptest.Server(t, b), f.HRSSApp)
		path := recordPath(g, f.People[0].ID)
		ca.get(path, 200) // A: 1
		cb.get(path, 200) // B reads A's call from the trail: 2
		cb.get(path, 200) // B: 3, the quota
		cb.refused("GET", path, nil, 429, "share.quota_exhausted")
		// Within the re-read interval A counts its own calls: it may answer
		// one more (the bound documented with quotaReseed).
		ca.do("GET", path, nil)
		offset.Store(int64(11 * time.Second))
		ca.refused("GET", path, nil, 429, "share.quota_exhausted")
		cb.refused("GET", path, nil, 429, "share.quota_exhausted")
		// A new day: a fresh quota on both nodes.
		offset.Store(int64(24 * time.Hour))
		ca.get(path, 200)
		cb.get(path, 200)
		u, err := f.A.Share.Usage(ctx, actor(t, f.A, "gd.hrss"), g.ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		if u.ByDay[1].Charged != 2 || u.ByDay[0].Charged < 3 || u.ByDay[0].Charged > 4 {
			t.Fatalf("usage by day %+v", u.ByDay)
		}
	})
}

// TestGatewayNotYoursBeforeCompile: ownership is checked on the grant row
// before the grant is compiled, so another agency's application learns
// nothing of a grant that cannot be compiled (here its row scope's item
// was dropped by a new version of the entry).
func TestGatewayNotYoursBeforeCompile(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		srv := apptest.Server(t, f.A)
		ds := publishEntry(t, f.A, "gd.police", "gd.reviewer", "人口信息（行范围测试）", catalog.ShareConditional, personItems())
		load(t, f.A, "gd.police", ds, collect.ModeFull, personsCSV(f.People))
		spec := defaultSpec(f, item("公民身份号码", keepID), item("性别", inClear))
		spec.RowScope = share.RowScope{Item: "户籍地", Region: "440100"}
		g := issue(t, f, ds, share.KindData, f.HRSSApp, spec)
		officer := actor(t, f.A, "gd.police")
		e, err := f.A.Catalog.NewVersion(ctx, officer, ds.EntryID)
		if err != nil {
			t.Fatal(err)
		}
		md := e.Metadata
		md.Items = personItems()[:6] // without 户籍地
		if _, err := f.A.Catalog.Update(ctx, officer, ds.EntryID, md); err != nil {
			t.Fatal(err)
		}
		if _, err := f.A.Catalog.Submit(ctx, officer, ds.EntryID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.A.Catalog.Review(ctx, actor(t, f.A, "gd.reviewer"), ds.EntryID, "approve", ""); err != nil {
			t.Fatal(err)
		}
		path := recordPath(g, f.People[0].ID)
		for range 2 { // uncached, and after the owner's call
			gwAudited(t, f.A, g.ID, "share.gateway.lookup", audit.Denied, "", "share.grant.not_yours", func() {
				gwOf(t, srv, f.HealthApp).refused("GET", path, nil, 403, "share.grant.not_yours")
			})
			gwOf(t, srv, f.HRSSApp).refused("GET", path, nil, 409, "share.grant.scope_item")
		}
	})
}

// TestBaselineLookupSameStatement: the benchmark's bare handler runs the
// gateway's own lookup statement (prepared once on SQLite), so that the
// comparison is fair; it answers the record in clear.
func TestBaselineLookupSameStatement(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		spec := defaultSpec(f, item("公民身份号码", keepID), item("姓名", keepName), item("性别", inClear))
		spec.RowScope = share.RowScope{Item: "户籍地", Region: "440100"}
		g := issue(t, f, f.Persons, share.KindData, f.HRSSApp, spec)
		h, err := f.A.Share.BaselineLookupHandler(context.Background(), g.ID)
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /bare/{key}", h)
		bare := httptest.NewServer(mux)
		t.Cleanup(bare.Close)
		p := f.People[0]
		res, err := http.Get(bare.URL + "/bare/" + p.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var rec recordAnswer
		decodeJSON(t, b, &rec)
		if res.StatusCode != 200 || *rec.Record["姓名"] != p.Name || *rec.Record["公民身份号码"] != p.ID {
			t.Fatalf("baseline %d %s", res.StatusCode, b)
		}
		want := 0
		if f.A.DB.Dialect == store.SQLite {
			want = 1 // the lookup's statement, prepared by the baseline
		}
		if n := f.A.Share.PreparedForTest(); n != want {
			t.Fatalf("%d prepared statements after the baseline, want %d", n, want)
		}
		gwOf(t, srv, f.HRSSApp).get(recordPath(g, p.ID), 200)
		if n := f.A.Share.PreparedForTest(); n != want {
			t.Fatalf("%d prepared statements after the gateway's lookup, want %d: not the same statement", n, want)
		}
	})
}
