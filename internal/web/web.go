// Package web is the portal: server-rendered pages in zh-CN (English
// available), with templates and static assets embedded in the binary so a
// node on an offline government intranet needs nothing from outside.
//
// Every page goes through the router's one route table (httpx.Router.Page)
// with the permission it needs; handlers call the same services as the JSON
// API and audit the same reads. Forms post with the session's CSRF token and
// answer a success with 303 See Other (post/redirect/get).
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/httpx"
	"pubdata/internal/org"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// portal holds what every page handler needs.
type portal struct {
	app    *app.App
	secure bool
	pages  map[string]*template.Template
	// assetVersion is a hash of the static files, appended to their URLs so
	// that a long cache lifetime never serves a stale stylesheet after an upgrade.
	assetVersion string
}

// Register adds the portal's pages to the router and installs the HTML
// error renderer for page routes.
func Register(rt *httpx.Router, a *app.App) {
	p := &portal{app: a, secure: rt.Secure, pages: parseTemplates(), assetVersion: hashStatic()}
	httpx.PageErrorRenderer = p.renderProblem

	rt.Page("GET", "/static/{file...}", auth.PermPublic, p.static)
	rt.Page("GET", "/lang", auth.PermPublic, p.setLang)
	rt.Page("GET", "/login", auth.PermPublic, p.loginForm)
	rt.Page("POST", "/login", auth.PermPublic, p.login)
	rt.Page("POST", "/logout", auth.PermSignedIn, p.logout)
	rt.Page("GET", "/{$}", auth.PermSignedIn, p.home)
	rt.Page("GET", "/", auth.PermPublic, p.notFound)

	rt.Page("GET", "/audit", auth.PermAuditRead, p.auditPage)
	rt.Page("GET", "/audit/verify", auth.PermAuditRead, p.auditVerify)
	rt.Page("GET", "/audit/export", auth.PermAuditRead, p.auditExport)

	rt.Page("GET", "/org", auth.PermOrgRead, p.orgPage)
	rt.Page("GET", "/org/agencies/{id}", auth.PermOrgRead, p.agencyPage)
	rt.Page("POST", "/org/agencies", auth.PermOrgManage, p.createAgency)
	rt.Page("POST", "/org/agencies/{id}", auth.PermOrgManage, p.updateAgency)
	rt.Page("POST", "/org/jurisdictions", auth.PermOrgManage, p.addJurisdiction)

	rt.Page("GET", "/accounts", auth.PermUserManage, p.accountsPage)
	rt.Page("POST", "/accounts", auth.PermUserManage, p.createAccount)
	rt.Page("POST", "/accounts/{id}/disable", auth.PermUserManage, p.disableAccount)
	rt.Page("POST", "/accounts/{id}/enable", auth.PermUserManage, p.enableAccount)

	rt.Page("GET", "/tokens", auth.PermSignedIn, p.tokensPage)
	rt.Page("POST", "/tokens", auth.PermSignedIn, p.createToken)
	rt.Page("POST", "/tokens/{id}/revoke", auth.PermSignedIn, p.revokeToken)

	rt.Page("GET", "/cases", auth.PermCaseRead, p.casesPage)
	rt.Page("GET", "/cases/{id}", auth.PermCaseRead, p.casePage)
	rt.Page("POST", "/cases/{id}/act", auth.PermCaseAct, p.actOnCase)
	rt.Page("GET", "/notices", auth.PermNoticeRead, p.noticesPage)

	rt.Page("GET", "/rules", auth.PermRulesRead, p.rulesPage)
	rt.Page("GET", "/calendar", auth.PermSignedIn, p.calendarPage)

	registerCatalog(rt, a, p)
	registerCollect(rt, p)
	registerShare(rt, p)
}

// --- templates ---

var funcs = template.FuncMap{
	"shanghai": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(calendar.Shanghai).Format("2006-01-02 15:04:05")
	},
	"shanghaiPtr": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.In(calendar.Shanghai).Format("2006-01-02 15:04")
	},
	// args bundles values for a sub-template, which takes one argument.
	"args": func(v ...any) []any { return v },
}

// parseTemplates builds one template set per page: the layout, the shared
// parts (part_*.html), and the page's own file, so that each page defines
// its own "content" block.
func parseTemplates() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/part_*.html"))
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "part_") {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
	}
	return out
}

func hashStatic() string {
	h := sha256.New()
	_ = fs.WalkDir(staticFS, "static", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// navItem is one entry of the navigation.
type navItem struct {
	Key    string // catalog key of the label
	Href   string // "" for an area still being built
	Active bool
}

// View is what every template receives: the page's own data in Data and
// the frame around it (user, language, navigation, CSRF token, messages).
type View struct {
	Lang       string
	Title      string
	Path       string // the request's path and query, for the language switch
	User       *auth.Principal
	RoleTitle  string
	AgencyName string
	JurisName  string
	CSRF       string
	Nav        []navItem
	Coming     []navItem
	Flash      string            // success message after a redirect
	Error      string            // form-level error
	Errors     map[string]string // field name → message in Lang
	Form       url.Values        // the values submitted, to re-fill a form
	Asset      string            // static asset version
	Data       any
}

// T looks key up in the catalog in the view's language.
func (v *View) T(key string) string { return T(v.Lang, key) }

// Tf is T with arguments.
func (v *View) Tf(key string, args ...any) string { return Tf(v.Lang, key, args...) }

// Can reports whether the signed-in user holds the permission, so templates
// show only the links and buttons the user may use.
func (v *View) Can(perm string) bool {
	return v.User != nil && v.User.Role.Can(auth.Permission(perm))
}

// Val returns the submitted value of a form field.
func (v *View) Val(name string) string { return v.Form.Get(name) }

// Err returns the message for a field, or "".
func (v *View) Err(name string) string { return v.Errors[name] }

// Blank returns the view without submitted values and errors, for the
// forms of a page other than the one that was posted.
func (v *View) Blank() *View {
	c := *v
	c.Form, c.Errors = url.Values{}, map[string]string{}
	return &c
}

// RoleName returns a role's title, or the name itself for a role the
// platform does not know (e.g. "system" in the audit trail).
func (v *View) RoleName(role string) string {
	if _, err := auth.ParseRole(role); err != nil {
		return role
	}
	return auth.Role(role).Title(v.Lang)
}

// liveNav lists the areas that work today, with the permission each needs.
var liveNav = []struct {
	key, href string
	perm      auth.Permission
}{
	{"nav.home", "/", auth.PermSignedIn},
	{"area.catalog", "/catalog", auth.PermCatalogRead},
	{"area.collect", "/datasets", auth.PermDataRead},
	{"area.share", "/share", auth.PermShareRead},
	{"nav.cases", "/cases", auth.PermCaseRead},
	{"nav.notices", "/notices", auth.PermNoticeRead},
	{"nav.audit", "/audit", auth.PermAuditRead},
	{"nav.org", "/org", auth.PermOrgRead},
	{"nav.accounts", "/accounts", auth.PermUserManage},
	{"nav.rules", "/rules", auth.PermRulesRead},
	{"nav.calendar", "/calendar", auth.PermSignedIn},
	{"nav.tokens", "/tokens", auth.PermSignedIn},
}

// comingAreas are the areas of the regulations still being built; the
// navigation shows them disabled so users see where the platform is going.
var comingAreas = []string{"area.catalog", "area.collect", "area.share", "area.open", "area.subject", "area.supervise"}

// view builds the frame of a page for the request.
func (p *portal) view(r *http.Request, titleKey string, data any) *View {
	lang := httpx.Lang(r)
	v := &View{Lang: lang, Title: T(lang, titleKey), Path: r.URL.RequestURI(), CSRF: httpx.CSRFToken(r), Asset: p.assetVersion,
		Data: data, Errors: map[string]string{}, Form: url.Values{}}
	if ok := r.URL.Query().Get("ok"); ok != "" {
		if _, known := messages["ok."+ok]; known {
			v.Flash = T(lang, "ok."+ok)
		}
	}
	u := httpx.Principal(r)
	if u == nil {
		return v
	}
	v.User = u
	v.RoleTitle = u.Role.Title(lang)
	if u.AgencyID != 0 {
		if ag, err := p.app.Orgs.Agency(r.Context(), u.AgencyID); err == nil {
			v.AgencyName = ag.Name
		}
	}
	if u.Jurisdiction != "" {
		if j, err := p.app.Orgs.Jurisdiction(r.Context(), u.Jurisdiction); err == nil {
			v.JurisName = j.Name
		}
	}
	for _, n := range liveNav {
		if u.Role.Can(n.perm) {
			active := r.URL.Path == n.href || n.href != "/" && strings.HasPrefix(r.URL.Path, n.href+"/") || n.key == "area.collect" && collectPath(r.URL.Path)
			v.Nav = append(v.Nav, navItem{Key: n.key, Href: n.href, Active: active})
		}
	}
	for _, k := range comingFor(u.Role) {
		v.Coming = append(v.Coming, navItem{Key: k})
	}
	return v
}

// liveAreas are areas already built, with the permission that opens them.
var liveAreas = map[string]auth.Permission{"area.catalog": auth.PermCatalogRead, "area.collect": auth.PermDataRead, "area.share": auth.PermShareRead}

// comingFor lists the areas shown disabled to a role: those still being
// built, and those built but not open to it.
func comingFor(r auth.Role) []string {
	var out []string
	for _, k := range comingAreas {
		if perm, live := liveAreas[k]; live && r.Can(perm) {
			continue
		}
		out = append(out, k)
	}
	return out
}

// render executes a page template into a buffer first, so that a template
// error becomes a clean 500 page rather than half a page.
func (p *portal) render(w http.ResponseWriter, status int, page string, v *View) error {
	t, ok := p.pages[page]
	if !ok {
		return errors.New("web: no template " + page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show personal and audit data: never keep them in shared caches
	// or the browser's history cache after logout.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// errorData is the error page's data.
type errorData struct {
	Status    int
	Title     string
	Detail    string
	RequestID string
	Errors    []httpx.ProblemEntry
}

// renderProblem is httpx.PageErrorRenderer: a problem as an HTML page in
// the portal's frame, with the request ID to quote to an administrator.
func (p *portal) renderProblem(w http.ResponseWriter, r *http.Request, pr httpx.Problem) {
	v := p.view(r, "", errorData{Status: pr.Status, Title: pr.Title, Detail: pr.Detail, RequestID: pr.RequestID, Errors: pr.Errors})
	v.Title = pr.Title
	if err := p.render(w, pr.Status, "error", v); err != nil {
		slog.Default().Error("render error page", "err", err)
		http.Error(w, pr.Title+": "+pr.Detail, pr.Status)
	}
}

// redirect answers a successful POST (303: the browser follows with GET).
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// fieldErrors splits an application error into messages per form field.
// It returns false when err is not about the input (the caller returns it
// to the router, which renders the error page).
func fieldErrors(err error, lang string) (map[string]string, string, bool) {
	var list apperr.List
	out := map[string]string{}
	if errors.As(err, &list) {
		general := ""
		for _, e := range list {
			if e.Field == "" {
				general = e.Message(lang)
				continue
			}
			if _, dup := out[e.Field]; !dup {
				out[e.Field] = e.Message(lang)
			}
		}
		return out, general, true
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict && e.Kind != apperr.NotFound {
		return nil, "", false
	}
	if e.Field == "" {
		return out, e.Message(lang), true
	}
	out[e.Field] = e.Message(lang)
	return out, "", true
}

// statusOf is the HTTP status of a form error.
func statusOf(err error) int {
	var list apperr.List
	if errors.As(err, &list) {
		return http.StatusBadRequest
	}
	return httpx.Status(apperr.KindOf(err))
}

// pathID parses a numeric path parameter.
func pathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, apperr.New(apperr.NotFound, "not_found", "页面不存在", "no such page")
	}
	return v, nil
}

// localPath reports whether next is a path on this site: it starts with one
// "/" and is not "//host" or "/\host" (which browsers treat as another host),
// so a login link cannot redirect a user to a phishing site.
func localPath(next string) bool {
	if next == "" || next[0] != '/' || len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return false
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return false
	}
	return !strings.ContainsAny(next, "\r\n\t")
}

// static serves the embedded CSS and JS. The URLs carry ?v=<content hash>,
// so the files can be cached for a year.
func (p *portal) static(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	if name == "" || strings.Contains(name, "..") {
		return apperr.ErrNotFound
	}
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		return apperr.ErrNotFound
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".svg"):
		w.Header().Set("Content-Type", "image/svg+xml")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	return nil
}

// setLang stores the chosen language in a cookie and goes back. It is a
// GET because it changes only a display preference of this browser, and it
// must work on the login page, where there is no session to carry a token.
func (p *portal) setLang(w http.ResponseWriter, r *http.Request) error {
	l := r.URL.Query().Get("set")
	if l != "zh" && l != "en" {
		l = "zh"
	}
	http.SetCookie(w, &http.Cookie{Name: httpx.LangCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = "/"
	}
	// Drop a ?lang= in next: it would override the cookie just set.
	if u, err := url.Parse(next); err == nil && u.Query().Has("lang") {
		q := u.Query()
		q.Del("lang")
		u.RawQuery = q.Encode()
		next = u.RequestURI()
	}
	return redirect(w, r, next)
}

// notFound answers every path no other route claims: an HTML page for the
// portal, a problem document under /api/ where clients expect JSON.
func (p *portal) notFound(w http.ResponseWriter, r *http.Request) error {
	err := apperr.New(apperr.NotFound, "not_found", "页面不存在", "no such page")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		httpx.WriteProblem(w, r, err)
		return nil
	}
	return err
}

// agencyNames resolves agency IDs to names once per request.
type agencyNames struct {
	ctx   context.Context
	orgs  *org.Service
	cache map[int64]string
}

func (p *portal) agencyNames(r *http.Request) *agencyNames {
	return &agencyNames{ctx: r.Context(), orgs: p.app.Orgs, cache: map[int64]string{}}
}

// Name returns the agency's name, or its number if it cannot be read.
func (a *agencyNames) Name(id int64) string {
	if id == 0 {
		return ""
	}
	if n, ok := a.cache[id]; ok {
		return n
	}
	n := "#" + strconv.FormatInt(id, 10)
	if ag, err := a.orgs.Agency(a.ctx, id); err == nil {
		n = ag.Name
	}
	a.cache[id] = n
	return n
}
