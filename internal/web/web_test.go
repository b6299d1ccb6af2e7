// The portal is tested through the real server (package server imports web,
// so this is an external test package) on a demo node.
package web_test

import (
	"context"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/demo"
	"pubdata/internal/httpx"
	"pubdata/internal/ident"
	"pubdata/internal/org"
	"pubdata/internal/web"
)

// node starts a demo node once per test.
func node(t *testing.T) (*httptest.Server, *app.App) {
	t.Helper()
	a := apptest.Demo(t, "sqlite")
	return apptest.Server(t, a), a
}

// browser is a client with a cookie jar that does not follow redirects, so
// tests see the 303s.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	lang string // Accept-Language
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res, string(data)
}

func (b *browser) get(path string) (*http.Response, string) { return b.do("GET", path, nil) }

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// token returns the CSRF token of the first form on the page.
func (b *browser) token(page string) string {
	b.t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no csrf_token in page:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

// login signs in through the form and returns the POST's response.
func (b *browser) login(username, password, next string) (*http.Response, string) {
	b.t.Helper()
	_, page := b.get("/login")
	f := url.Values{"csrf_token": {b.token(page)}, "username": {username}, "password": {password}}
	if next != "" {
		f.Set("next", next)
	}
	return b.do("POST", "/login", f)
}

func (b *browser) mustLogin(username string) {
	b.t.Helper()
	res, body := b.login(username, demo.Password, "")
	if res.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login %s: %d\n%s", username, res.StatusCode, body)
	}
}

func TestLoginSetsSessionCookieAndRedirects(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	res, _ := b.login("gd.reviewer", demo.Password, "/cases?open=true")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cases?open=true" {
		t.Fatalf("login: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	var ses *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == httpx.SessionCookie {
			ses = c
		}
	}
	if ses == nil || ses.Value == "" {
		t.Fatal("no session cookie")
	}
	if !ses.HttpOnly || ses.SameSite != http.SameSiteLaxMode || ses.Path != "/" {
		t.Errorf("session cookie: HttpOnly=%v SameSite=%v Path=%q", ses.HttpOnly, ses.SameSite, ses.Path)
	}
	res, body := b.get("/")
	if res.StatusCode != 200 || !strings.Contains(body, "公共数据主管部门审核员") || !strings.Contains(body, "逾期办件 1 件") {
		t.Fatalf("home: %d\n%s", res.StatusCode, body)
	}
	if strings.Contains(body, `href="/audit"`) {
		t.Error("a reviewer's navigation links to the audit browser")
	}

	// next must stay on this site.
	for _, next := range []string{"//evil.example/", "https://evil.example/", `/\evil.example`} {
		b2 := newBrowser(t, srv)
		res, _ := b2.login("gd.reviewer", demo.Password, next)
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}

	// Logout ends the session.
	_, page := b.get("/")
	res, _ = b.do("POST", "/logout", url.Values{"csrf_token": {b.token(page)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := b.get("/"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("after logout GET /: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestBadPasswordInZhAndEn(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	res, body := b.login("admin", "wrong-password", "")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") || !strings.Contains(body, `value="admin"`) {
		t.Fatalf("zh: %d\n%s", res.StatusCode, body)
	}
	b.lang = "en-GB,en;q=0.9"
	res, body = b.login("admin", "wrong-password", "")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "wrong username or password") || !strings.Contains(body, "Sign in") {
		t.Fatalf("en: %d\n%s", res.StatusCode, body)
	}
}

func TestLoginFormNeedsItsToken(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.get("/login")
	res, body := b.do("POST", "/login", url.Values{"csrf_token": {"forged"}, "username": {"admin"}, "password": {demo.Password}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "登录页面已过期") {
		t.Fatalf("forged login token: %d\n%s", res.StatusCode, body)
	}
	for _, c := range res.Cookies() {
		if c.Name == httpx.SessionCookie && c.Value != "" {
			t.Fatal("a session was created without the login token")
		}
	}
}

func TestPostWithoutCSRFChangesNothing(t *testing.T) {
	srv, a := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("admin")
	before, err := a.Orgs.Agencies(context.Background(), org.AgencyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	code := ident.GenerateCreditCode(rand.New(rand.NewPCG(1, 2)), '1', '1', "440000")
	res, body := b.do("POST", "/org/agencies", url.Values{"credit_code": {code}, "name": {"无令牌测试局"}, "jurisdiction_code": {"440000"}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "<html") {
		t.Fatalf("POST without csrf_token: %d\n%s", res.StatusCode, body)
	}
	after, _ := a.Orgs.Agencies(context.Background(), org.AgencyFilter{})
	if len(after) != len(before) {
		t.Fatalf("agencies: %d before, %d after a refused post", len(before), len(after))
	}
	// The logout button is a form too.
	if res, _ := b.do("POST", "/logout", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without token: %d", res.StatusCode)
	}
}

func TestAuditBrowserPermissions(t *testing.T) {
	srv, _ := node(t)
	anon := newBrowser(t, srv)
	res, _ := anon.get("/audit")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Faudit" {
		t.Fatalf("anonymous /audit: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	officer := newBrowser(t, srv)
	officer.mustLogin("gd.police")
	res, body := officer.get("/audit")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "禁止访问") || !strings.Contains(body, "请求编号") {
		t.Fatalf("officer /audit: %d\n%s", res.StatusCode, body)
	}
	auditor := newBrowser(t, srv)
	auditor.mustLogin("auditor")
	res, body = auditor.get("/audit?action=session.login")
	if res.StatusCode != 200 || !strings.Contains(body, "session.login") || strings.Contains(body, "<code>agency.create</code>") {
		t.Fatalf("auditor /audit: %d\n%s", res.StatusCode, body)
	}
	res, body = auditor.get("/audit?from=2026-13-01&outcome=ok")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-from"`) {
		t.Fatalf("bad filter: %d\n%s", res.StatusCode, body)
	}
	res, body = auditor.get("/audit/verify")
	if res.StatusCode != 200 || !strings.Contains(body, `data-ok="true"`) {
		t.Fatalf("verify: %d\n%s", res.StatusCode, body)
	}
	res, body = auditor.get("/audit/export?format=csv&action=session.")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(body, "session.login") {
		t.Fatalf("export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// The reads themselves are audited.
	_, body = auditor.get("/audit?action=audit.")
	for _, want := range []string{"audit.read", "audit.verify", "audit.export"} {
		if !strings.Contains(body, want) {
			t.Errorf("the trail does not record %s", want)
		}
	}
}

func TestAdminCreatesAgency(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("admin")
	_, page := b.get("/org")
	tok := b.token(page)
	form := url.Values{"csrf_token": {tok}, "credit_code": {"91440000MA4UXXXX0X"}, "name": {"广东省网页测试中心"}, "sector": {"测试"}, "jurisdiction_code": {"440000"}}
	res, body := b.do("POST", "/org/agencies", form)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-credit_code"`) || !strings.Contains(body, `value="广东省网页测试中心"`) {
		t.Fatalf("bad credit code: %d\n%s", res.StatusCode, body)
	}
	b.lang = "en"
	res, body = b.do("POST", "/org/agencies", form)
	m := regexp.MustCompile(`id="e-credit_code">([^<]+)<`).FindStringSubmatch(body)
	if res.StatusCode != http.StatusBadRequest || m == nil || regexp.MustCompile(`\p{Han}`).MatchString(m[1]) {
		t.Fatalf("bad credit code in English: %d %v", res.StatusCode, m)
	}
	b.lang = ""
	form.Set("credit_code", ident.GenerateCreditCode(rand.New(rand.NewPCG(7, 7)), '1', '1', "440000"))
	res, body = b.do("POST", "/org/agencies", form)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/org/agencies/") {
		t.Fatalf("good credit code: %d\n%s", res.StatusCode, body)
	}
	_, body = b.get("/org?q=" + url.QueryEscape("网页测试"))
	if !strings.Contains(body, "广东省网页测试中心") {
		t.Fatalf("the new agency is not in the list:\n%s", body)
	}
	_, body = b.get(res.Header.Get("Location"))
	if !strings.Contains(body, "机构已创建") {
		t.Error("no confirmation after the redirect")
	}
}

func TestLanguageSwitch(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	_, body := b.get("/login")
	if !strings.Contains(body, "广东省公共数据平台") || !strings.Contains(body, "用户名") {
		t.Fatal("the login page is not in Chinese by default")
	}
	res, _ := b.get("/lang?set=en&next=" + url.QueryEscape("/login"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("switch: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = b.get("/login")
	if !strings.Contains(body, "Guangdong Public Data Platform") || !strings.Contains(body, "Username") || !strings.Contains(body, `lang="en"`) {
		t.Fatalf("not English after the switch:\n%s", body)
	}
	res, _ = b.get("/lang?set=zh&next=" + url.QueryEscape("//evil.example"))
	if res.Header.Get("Location") != "/" {
		t.Fatalf("switch to an outside next: %q", res.Header.Get("Location"))
	}
	if _, body = b.get("/login"); !strings.Contains(body, "用户名") {
		t.Fatal("not back in Chinese")
	}
}

func TestPagesPerRole(t *testing.T) {
	srv, _ := node(t)
	cases := []struct {
		user string
		ok   []string
		deny []string
	}{
		{"admin", []string{"/", "/org", "/org/agencies/1", "/accounts", "/tokens", "/rules", "/calendar?from=2026-09-30&n=5"}, []string{"/audit", "/cases"}},
		{"gd.reviewer", []string{"/", "/cases", "/cases/1", "/notices", "/rules?profile=huizhou", "/calendar?date=2026-10-01"}, []string{"/accounts", "/audit"}},
		{"gd.police", []string{"/", "/cases", "/cases/1", "/notices", "/org"}, []string{"/accounts", "/audit/verify"}},
		{"public", []string{"/", "/tokens", "/calendar"}, []string{"/org", "/cases", "/rules"}},
	}
	for _, c := range cases {
		b := newBrowser(t, srv)
		b.mustLogin(c.user)
		for _, p := range c.ok {
			if res, body := b.get(p); res.StatusCode != 200 {
				t.Errorf("%s GET %s: %d\n%s", c.user, p, res.StatusCode, body)
			}
		}
		for _, p := range c.deny {
			if res, _ := b.get(p); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", c.user, p, res.StatusCode)
			}
		}
	}
}

func TestCaseActionNeedsItsFields(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("gd.reviewer")
	// Case 1 is the police's catalog, submitted to the provincial authority.
	_, page := b.get("/cases/1")
	if !strings.Contains(page, `value="return"`) || !strings.Contains(page, `value="approve"`) {
		t.Fatalf("the reviewer is not offered approve and return:\n%s", page)
	}
	res, body := b.do("POST", "/cases/1/act", url.Values{"csrf_token": {b.token(page)}, "action": {"return"}, "reasons": {" "}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "退回修改须填写退回理由") {
		t.Fatalf("return without reasons: %d\n%s", res.StatusCode, body)
	}
	res, _ = b.do("POST", "/cases/1/act", url.Values{"csrf_token": {b.token(page)}, "action": {"return"}, "reasons": {"请补充共享条件的依据"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("return: %d", res.StatusCode)
	}
	_, body = b.get("/cases/1")
	if !strings.Contains(body, "已退回") || !strings.Contains(body, "请补充共享条件的依据") {
		t.Fatalf("case after return:\n%s", body)
	}
}

func TestTokensAndStatic(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("gd.hrss.user")
	_, page := b.get("/tokens")
	res, body := b.do("POST", "/tokens", url.Values{"csrf_token": {b.token(page)}, "name": {"批处理"}, "days": {"400"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-days"`) {
		t.Fatalf("bad lifetime: %d", res.StatusCode)
	}
	res, body = b.do("POST", "/tokens", url.Values{"csrf_token": {b.token(page)}, "name": {"批处理"}, "days": {"30"}})
	m := regexp.MustCompile(`data-testid="token-secret">(pd_[^<]+)<`).FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("create token: %d\n%s", res.StatusCode, body)
	}
	if _, body = b.get("/tokens"); strings.Contains(body, m[1]) {
		t.Fatal("the secret is shown again")
	}
	res, body = b.get("/static/portal.css")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "max-age=31536000") || !strings.Contains(body, "WenQuanYi Micro Hei") {
		t.Fatalf("static: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	if web.LoginCSRFCookie != "pubdata_login_csrf" {
		t.Fatal("login CSRF cookie renamed")
	}
}
