package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/httpx"
	"pubdata/internal/org"
	"pubdata/internal/share"
)

// registerShare adds the sharing console (共享交换, GD-290 ch.4): the
// requests of an agency (asked and to answer) and of a jurisdiction (the
// authority's view, filings and overdue items); the request form built
// from a catalog entry; the grants with their items, masks, usage chart and
// gateway example; the application systems with their credentials; and the
// use feedback and data-error reports. Every handler calls the sharing
// service, which decides what the caller may see and do and audits it.
func registerShare(rt *httpx.Router, p *portal) {
	rt.Page("GET", "/share", auth.PermShareRead, p.shareRequestsPage)
	rt.Page("GET", "/share/grants", auth.PermShareRead, p.shareGrantsPage)
	rt.Page("GET", "/share/grants/{id}", auth.PermShareRead, p.shareGrantPage)
	rt.Page("POST", "/share/grants/{id}/suspend", auth.PermShareSupervise, p.shareGrantChange("suspend"))
	rt.Page("POST", "/share/grants/{id}/restore", auth.PermShareSupervise, p.shareGrantChange("restore"))
	rt.Page("POST", "/share/grants/{id}/revoke", auth.PermShareRequest, p.shareGrantChange("revoke"))
	rt.Page("GET", "/share/apps", auth.PermShareRead, p.shareAppsPage)
	rt.Page("POST", "/share/apps", auth.PermShareRequest, p.shareAppRegister)
	rt.Page("POST", "/share/apps/{id}/rotate", auth.PermShareRequest, p.shareAppRotate)
	rt.Page("POST", "/share/apps/{id}/disable", auth.PermShareRequest, p.shareAppDisable(true))
	rt.Page("POST", "/share/apps/{id}/enable", auth.PermShareRequest, p.shareAppDisable(false))
	registerShareRequests(rt, p)
	registerShareFollowUp(rt, p)
}

// shareTabs are the sharing console's pages, for the tabs on each.
var shareTabs = []struct {
	key, href string
	perm      auth.Permission
}{
	{"share.tab.requests", "/share", auth.PermShareRead},
	{"share.tab.grants", "/share/grants", auth.PermShareRead},
	{"share.tab.apps", "/share/apps", auth.PermShareRead},
	{"share.tab.feedback", "/share/feedback", auth.PermShareRead},
	{"share.tab.errors", "/share/errors", auth.PermShareRead},
}

// ShareTabs lists the sharing pages the user may open, marking the current
// one: a request's pages belong to the requests tab.
func (v *View) ShareTabs() []navItem {
	var out []navItem
	path, _, _ := strings.Cut(v.Path, "?")
	for _, t := range shareTabs {
		if v.User == nil || !v.User.Role.Can(t.perm) {
			continue
		}
		active := path == t.href || t.href != "/share" && strings.HasPrefix(path, t.href+"/") || t.href == "/share" && strings.HasPrefix(path, "/share/requests")
		out = append(out, navItem{Key: t.key, Href: t.href, Active: active})
	}
	return out
}

// shareSub is a sub-tab of a sharing page (a box, a grant state).
type shareSub struct {
	Key, Href string
	Active    bool
	Count     int // shown when > 0
	Bad       bool
}

// --- grants ---

// grantRow is a grant in a list, with its display labels.
type grantRow struct {
	share.Grant
	StateKey string // share.gstate.*: active, suspended, revoked, expired
	ModeText string
}

func grantRowOf(g share.Grant, lang string) grantRow {
	st := string(g.State)
	if g.State == share.GrantActive && g.Expired {
		st = "expired"
	}
	return grantRow{Grant: g, StateKey: "share.gstate." + st, ModeText: modeLabel(g.Mode, lang)}
}

// modeLabel names a sharing mode by the catalog's labels.
func modeLabel(m share.Mode, lang string) string {
	if m == "" {
		return ""
	}
	return catalog.Label(string(m), "mode", lang)
}

type grantsData struct {
	Side   string // consumer, source or "" (every grant the user may see)
	State  string
	Sides  []shareSub
	States []shareSub
	Rows   []grantRow
}

// grantSides are the views of the grants list: a consumer's and a source's
// for agency roles, every grant in the jurisdiction for the authority.
func grantSides(u *auth.Principal) []string {
	switch u.Role {
	case auth.AuthorityReviewer, auth.Auditor:
		return []string{""}
	}
	return []string{"consumer", "source"}
}

func (p *portal) shareGrantsPage(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	u := httpx.Principal(r)
	q := r.URL.Query()
	sides := grantSides(u)
	d := &grantsData{Side: q.Get("side"), State: q.Get("state")}
	if !contains(sides, d.Side) {
		d.Side = sides[0]
	}
	if d.State == "" && !q.Has("state") {
		d.State = "active"
	}
	switch d.State {
	case "", "active", "expired", "suspended", "revoked":
	default:
		return apperr.Invalidf("share.grant.state", "state", "未知的授权状态："+d.State, "unknown grant state: "+d.State)
	}
	d.Sides, d.States = sideStateTabs("/share/grants", sides, d.Side, d.State, "share.gstate.", "active", "expired", "suspended", "revoked", "")
	gs, err := p.app.Share.Grants(r.Context(), httpx.Actor(r), share.GrantFilter{Role: d.Side, State: d.State}) // audited by the service
	if err != nil {
		return err
	}
	if err := p.entryNames(r, gs); err != nil {
		return err
	}
	for _, g := range gs {
		d.Rows = append(d.Rows, grantRowOf(g, lang))
	}
	return p.render(w, http.StatusOK, "share_grants", p.view(r, "share.grants", d))
}

// entryNames fills the catalog entry names of grants that lack them from
// the requests they were issued for (one listing, audited by the service):
// the grant itself does not carry the entry's name.
func (p *portal) entryNames(r *http.Request, gs []share.Grant) error {
	missing := false
	for _, g := range gs {
		missing = missing || g.EntryName == "" && g.RequestID != 0
	}
	if !missing {
		return nil
	}
	rs, err := p.app.Share.Requests(r.Context(), httpx.Actor(r), share.RequestFilter{Limit: 1000})
	if err != nil {
		return err
	}
	names := make(map[int64]string, len(rs))
	for _, x := range rs {
		names[x.ID] = x.EntryName
	}
	for i := range gs {
		if gs[i].EntryName == "" {
			gs[i].EntryName = names[gs[i].RequestID]
		}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// grantItemRow is a granted item with its mask for display.
type grantItemRow struct {
	Name, Mask string
	Clear      bool
}

// grantEventRow is a decision in a grant's life for display.
type grantEventRow struct {
	share.GrantEvent
	ActionKey string
	Agency    string
}

type grantData struct {
	G          grantRow
	Items      []grantItemRow
	Scope      string
	Events     []grantEventRow
	App        *share.App // the consumer's application bound to the grant (its agency's users only)
	Usage      *usageView
	Curl       string // the gateway call example, with the client ID and never the secret
	CanSuspend bool
	CanRestore bool
	CanRevoke  bool
	CanReport  bool   // the consumer's officer may report a data error
	Form       string // the action form the errors belong to
}

// grantView reads the grant page's data; the service checks that the user
// may see the grant and audits the read.
func (p *portal) grantView(r *http.Request) (*View, *grantData, error) {
	ctx := r.Context()
	lang := httpx.Lang(r)
	actor := httpx.Actor(r)
	u := httpx.Principal(r)
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	g, evs, err := p.app.Share.Grant(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	if g.EntryName == "" && g.RequestID != 0 {
		if req, err := p.app.Share.Request(ctx, actor, g.RequestID); err == nil {
			g.EntryName = req.EntryName
		}
	}
	d := &grantData{G: grantRowOf(g, lang), Scope: scopeText(g.RowScope, lang)}
	for _, it := range g.Items {
		d.Items = append(d.Items, grantItemRow{Name: it.Name, Mask: it.Mask.Label(lang), Clear: it.Mask.Clear()})
	}
	names := p.agencyNames(r)
	for _, ev := range evs {
		d.Events = append(d.Events, grantEventRow{GrantEvent: ev, ActionKey: "share.gevent." + ev.Action, Agency: names.Name(ev.ActorAgencyID)})
	}
	if g.AppID != 0 && u.AgencyID == g.ConsumerAgencyID {
		if app, err := p.app.Share.App(ctx, actor, g.AppID); err == nil {
			d.App = &app
			d.Curl = gatewayExample(r, g, app)
		}
	}
	if u.Role == auth.AuthorityReviewer && p.coversGrant(r, u, g) {
		d.CanSuspend = g.State == share.GrantActive
		d.CanRestore = g.State == share.GrantSuspended
	}
	d.CanRevoke = u.Role == auth.AgencyOfficer && (u.AgencyID == g.ConsumerAgencyID || u.AgencyID == g.SourceAgencyID) && g.State != share.GrantRevoked
	d.CanReport = u.Role == auth.AgencyOfficer && u.AgencyID == g.ConsumerAgencyID && g.Kind == share.GrantData && g.State != share.GrantRevoked
	if err := p.grantUsage(r, g, d); err != nil {
		return nil, nil, err
	}
	v := p.view(r, "share.grant", d)
	v.Title = Tf(lang, "share.grant_n", g.ID) + " · " + g.EntryName
	return v, d, nil
}

// coversGrant reports whether an authority reviewer supervises the grant:
// the source's or the consumer's jurisdiction is within the reviewer's
// (the service makes the same check when the form is posted).
func (p *portal) coversGrant(r *http.Request, u *auth.Principal, g share.Grant) bool {
	if org.Covers(u.Jurisdiction, g.Jurisdiction) {
		return true
	}
	c, err := p.app.Orgs.Agency(r.Context(), g.ConsumerAgencyID)
	return err == nil && org.Covers(u.Jurisdiction, c.JurisdictionCode)
}

// scopeText describes a row scope: every row, or the rows of a region.
func scopeText(s share.RowScope, lang string) string {
	if s.Empty() {
		return T(lang, "share.scope.all")
	}
	return Tf(lang, "share.scope.region", s.Item, s.Region)
}

func (p *portal) shareGrantPage(w http.ResponseWriter, r *http.Request) error {
	v, _, err := p.grantView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "share_grant", v)
}

// shareGrantChange suspends (HZ §25), restores or revokes a grant. The
// reason or decision is required: the service refuses an empty one, and
// the page comes back with the message at the field.
func (p *portal) shareGrantChange(action string) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		reason := r.PostFormValue("reason")
		ctx, actor := r.Context(), httpx.Actor(r)
		switch action {
		case "suspend":
			_, err = p.app.Share.Suspend(ctx, actor, id, reason)
		case "restore":
			_, err = p.app.Share.Restore(ctx, actor, id, reason)
		default:
			_, err = p.app.Share.Revoke(ctx, actor, id, reason)
		}
		if err != nil {
			return p.grantFormError(w, r, action, err)
		}
		return redirect(w, r, "/share/grants/"+strconv.FormatInt(id, 10)+"?ok=grant_"+action)
	}
}

// grantFormError shows the grant page again with the error at the posted
// form's field, or returns err when it is not about the input.
func (p *portal) grantFormError(w http.ResponseWriter, r *http.Request, form string, err error) error {
	errs, general, ok := fieldErrors(err, httpx.Lang(r))
	if !ok || apperr.KindOf(err) == apperr.NotFound {
		return err
	}
	v, d, verr := p.grantView(r)
	if verr != nil {
		return verr
	}
	d.Form = form
	v.Form = r.PostForm
	for f, m := range errs {
		v.Errors[form+"."+f] = m
	}
	v.Error = general
	if general == "" {
		v.Error = Tf(httpx.Lang(r), "cat.form_errors", len(errs))
	}
	return p.render(w, statusOf(err), "share_grant", v)
}

// gatewayExample is a ready-to-run call of the gateway for the grant, with
// the application's client ID and a placeholder for its secret: the
// secret is shown once, when created or rotated, never again.
func gatewayExample(r *http.Request, g share.Grant, app share.App) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return gatewayCurl(scheme+"://"+r.Host, g, app, httpx.Lang(r))
}

// gatewayCurl writes the calls a grant allows as curl commands: HTTP Basic
// authentication with the client ID and the secret from an environment
// variable, and the purpose header (by default the approved scenario).
func gatewayCurl(base string, g share.Grant, app share.App, lang string) string {
	if g.Mode == share.ModeOffline {
		return ""
	}
	purpose := []rune(g.Scenario)
	if len(purpose) > 200 {
		purpose = purpose[:200]
	}
	auth := "-u " + shellQuote(app.ClientID+":") + "\"$PUBDATA_CLIENT_SECRET\""
	head := auth + " -H " + shellQuote("X-Share-Purpose: "+strings.Join(strings.Fields(string(purpose)), " "))
	endpoint := base + "/api/v1/share/data/" + strconv.FormatInt(g.ID, 10)
	var b strings.Builder
	b.WriteString("# " + T(lang, "share.curl.secret") + "\n")
	b.WriteString("export PUBDATA_CLIENT_SECRET='…'\n\n")
	switch {
	case g.Kind == share.GrantVerify:
		b.WriteString("# " + T(lang, "share.curl.verify") + "\n")
		item := "…"
		if n := len(g.Items); n > 0 {
			item = g.Items[n-1].Name
		}
		body, _ := json.Marshal(map[string]any{"key": "…", "claims": map[string]string{item: "…"}})
		b.WriteString("curl " + head + " -H 'Content-Type: application/json' \\\n  -d " + shellQuote(string(body)) + " " + shellQuote(endpoint+"/verify") + "\n")
	case g.Mode == share.ModeTable || g.Mode == share.ModeFile:
		b.WriteString("# " + T(lang, "share.curl.extract") + "\n")
		b.WriteString("curl " + head + " \\\n  -o extract.zip " + shellQuote(endpoint+"/extract") + "\n")
	default:
		b.WriteString("# " + T(lang, "share.curl.lookup") + "\n")
		b.WriteString("curl " + head + " \\\n  " + shellQuote(endpoint+"/records/") + "\"$KEY\"\n")
		if !g.KeyLookupOnly {
			b.WriteString("\n# " + T(lang, "share.curl.page") + "\n")
			b.WriteString("curl " + head + " \\\n  " + shellQuote(endpoint+"/records?limit=100") + "\n")
		}
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// --- application systems ---

type appRow struct {
	share.App
	Overlap string // the old secret still works until (Asia/Shanghai), after a rotation
}

type appsData struct {
	Rows      []appRow
	CanManage bool               // register, rotate, disable
	Creds     *share.Credentials // just created or rotated: shown this once
	Rotated   bool
	// OverlapHours is how long a rotated secret keeps working.
	OverlapHours int
}

func (p *portal) appsView(r *http.Request) (*View, *appsData, error) {
	u := httpx.Principal(r)
	// An agency's officer keeps its application systems, and so does an
	// authority's reviewer, who asks for data on behalf of enterprises
	// (GD-290 §26).
	d := &appsData{CanManage: (u.Role == auth.AgencyOfficer || u.Role == auth.AuthorityReviewer) && u.AgencyID != 0, OverlapHours: int(share.SecretOverlap.Hours())}
	apps, err := p.app.Share.Apps(r.Context(), httpx.Actor(r))
	if err != nil {
		return nil, nil, err
	}
	now := p.app.Cases.Now()
	for _, a := range apps {
		row := appRow{App: a}
		if a.PrevValidUntil != nil && a.PrevValidUntil.After(now) {
			row.Overlap = a.PrevValidUntil.In(calendar.Shanghai).Format("2006-01-02 15:04")
		}
		d.Rows = append(d.Rows, row)
	}
	return p.view(r, "share.apps", d), d, nil
}

func (p *portal) shareAppsPage(w http.ResponseWriter, r *http.Request) error {
	v, _, err := p.appsView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "share_apps", v)
}

// shareAppRegister registers an application system and shows its client
// ID and secret on this answer only: there is no redirect, so the secret
// is never in a URL, and the page is not cached (no-store).
func (p *portal) shareAppRegister(w http.ResponseWriter, r *http.Request) error {
	creds, err := p.app.Share.RegisterApp(r.Context(), httpx.Actor(r), share.AppInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description")})
	if err != nil {
		errs, general, ok := fieldErrors(err, httpx.Lang(r))
		if !ok {
			return err
		}
		v, _, verr := p.appsView(r)
		if verr != nil {
			return verr
		}
		v.Form, v.Errors, v.Error = r.PostForm, errs, general
		if _, named := errs["name"]; !named && general == "" {
			for _, m := range errs {
				v.Error = m
			}
		}
		return p.render(w, statusOf(err), "share_apps", v)
	}
	v, d, err := p.appsView(r)
	if err != nil {
		return err
	}
	d.Creds = &creds
	v.Flash = T(v.Lang, "ok.app_registered")
	return p.render(w, http.StatusOK, "share_apps", v)
}

// shareAppRotate gives the application a new secret, shown once; the old
// one keeps working for share.SecretOverlap.
func (p *portal) shareAppRotate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	creds, err := p.app.Share.RotateSecret(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	v, d, err := p.appsView(r)
	if err != nil {
		return err
	}
	d.Creds, d.Rotated = &creds, true
	v.Flash = T(v.Lang, "ok.app_rotated")
	return p.render(w, http.StatusOK, "share_apps", v)
}

func (p *portal) shareAppDisable(disabled bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if _, err := p.app.Share.SetAppDisabled(r.Context(), httpx.Actor(r), id, disabled); err != nil {
			return err
		}
		ok := "app_enabled"
		if disabled {
			ok = "app_disabled"
		}
		return redirect(w, r, "/share/apps?ok="+ok)
	}
}

// --- usage (JM §17, HZ §25) ---

// usageView is a grant's usage report for display.
type usageView struct {
	share.Usage
	Chart *barChart
	Flags []string // what the authority should look at, in the page's language
}

// grantUsage reads the grant's usage report from the audit trail (the
// service checks who may see it and audits the read): the last ?days=
// days, 30 by default.
func (p *portal) grantUsage(r *http.Request, g share.Grant, d *grantData) error {
	lang := httpx.Lang(r)
	days := 0
	if s := r.URL.Query().Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return apperr.Invalidf("share.usage.days", "days", "days 须为整数", "days must be an integer")
		}
		days = n
	}
	u, err := p.app.Share.Usage(r.Context(), httpx.Actor(r), g.ID, days)
	if err != nil {
		return err
	}
	uv := &usageView{Usage: u}
	if u.Totals.Calls > 0 {
		dc := make([]dayCount, len(u.ByDay))
		for i, x := range u.ByDay {
			dc[i] = dayCount{Day: x.Date, Calls: x.Calls, Denied: x.Denied}
		}
		uv.Chart = newBarChart(dc, lang)
	}
	for _, f := range u.Flags {
		uv.Flags = append(uv.Flags, pick(lang, f.ZH, f.EN))
	}
	d.Usage = uv
	return nil
}

// --- the usage chart: server-rendered SVG bars, no script ---

// dayCount is one day's calls of a grant.
type dayCount struct {
	Day    string // YYYY-MM-DD (Asia/Shanghai)
	Calls  int64
	Denied int64 // of which refused (suspended, over quota, out of scope…)
}

// barChart is calls per day as bars, laid out for an SVG viewBox.
type barChart struct {
	W, H, Left, Top, Right, Bottom int
	Bars                           []bar
	YTicks, XTicks                 []chartTick
	Label                          string
}

type bar struct {
	X, Y, W, H string
	Day        string
	N          int64
	Denied     bool
	Title      string
}

// newBarChart lays out one bar per day (oldest first), scaled to the
// busiest day; refused calls are drawn in red on top of the answered ones.
func newBarChart(days []dayCount, lang string) *barChart {
	if len(days) == 0 {
		return nil
	}
	c := &barChart{W: 760, H: 200, Left: 48, Top: 14, Right: 744, Bottom: 172, Label: T(lang, "share.usage.chart")}
	var top int64 = 1
	for _, d := range days {
		top = max(top, d.Calls)
	}
	// A round scale: 1, 2 or 5 × 10^k at or above the busiest day.
	scale := int64(1)
	for scale < top {
		switch {
		case scale*2 >= top:
			scale *= 2
		case scale*5 >= top:
			scale *= 5
		default:
			scale *= 10
		}
	}
	plotW, plotH := float64(c.Right-c.Left), float64(c.Bottom-c.Top)
	y := func(v int64) float64 { return float64(c.Bottom) - float64(v)/float64(scale)*plotH }
	// Whole-number ticks: quarters or fifths of the scale, whichever divides it.
	step := scale
	for _, n := range []int64{4, 5, 2} {
		if scale%n == 0 {
			step = scale / n
			break
		}
	}
	for v := int64(0); v <= scale; v += step {
		c.YTicks = append(c.YTicks, chartTick{X: strconv.Itoa(c.Left - 6), Y: num(y(v)), Label: strconv.FormatInt(v, 10)})
	}
	slot := plotW / float64(len(days))
	w := max(slot*0.7, 1)
	for i, d := range days {
		x := float64(c.Left) + slot*float64(i) + (slot-w)/2
		ok := d.Calls - d.Denied
		title := Tf(lang, "share.usage.bar", d.Day, d.Calls, d.Denied)
		c.Bars = append(c.Bars, bar{X: num(x), Y: num(y(ok)), W: num(w), H: num(y(0) - y(ok)), Day: d.Day, N: d.Calls, Title: title})
		if d.Denied > 0 {
			c.Bars = append(c.Bars, bar{X: num(x), Y: num(y(d.Calls)), W: num(w), H: num(y(ok) - y(d.Calls)), Day: d.Day, N: d.Denied, Denied: true, Title: title})
		}
	}
	// Up to four day labels along the axis.
	n := min(len(days), 4)
	for k := 0; k < n; k++ {
		i := 0
		if n > 1 {
			i = k * (len(days) - 1) / (n - 1)
		}
		anchor := "middle"
		switch {
		case n == 1:
		case k == 0:
			anchor = "start"
		case k == n-1:
			anchor = "end"
		}
		x := float64(c.Left) + slot*float64(i) + slot/2
		if anchor == "start" {
			x = float64(c.Left) + slot*float64(i) + (slot-w)/2
		} else if anchor == "end" {
			x = float64(c.Left) + slot*float64(i) + (slot+w)/2
		}
		c.XTicks = append(c.XTicks, chartTick{X: num(x), Y: strconv.Itoa(c.Bottom + 18), Label: days[i].Day, Anchor: anchor})
	}
	return c
}

// sideStateTabs are the tabs of a sharing list: the sides the user may take
// (consumer, source, …; none when there is only one) and the states, "" for
// all, each linking to path with the other kept.
func sideStateTabs(path string, sides []string, side, state, stateKey string, states ...string) (sideTabs, stateTabs []shareSub) {
	link := func(side, state string) string {
		v := url.Values{}
		if side != "" {
			v.Set("side", side)
		}
		v.Set("state", state)
		return path + "?" + v.Encode()
	}
	if len(sides) > 1 {
		for _, s := range sides {
			sideTabs = append(sideTabs, shareSub{Key: "share.side." + s, Href: link(s, state), Active: s == side})
		}
	}
	for _, s := range states {
		key := stateKey + s
		if s == "" {
			key = "all"
		}
		stateTabs = append(stateTabs, shareSub{Key: key, Href: link(side, s), Active: s == state})
	}
	return sideTabs, stateTabs
}
