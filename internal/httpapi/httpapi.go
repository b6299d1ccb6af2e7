// Package httpapi is pubdata's JSON API under /api/v1 for the foundation:
// sessions and tokens, organisations and accounts, the audit trail, rule
// profiles, the working-day calendar, and statutory cases. Each handler
// parses and checks its input, calls one service, and writes JSON; errors
// become problem details in httpx.
package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/httpx"
	"pubdata/internal/org"
	"pubdata/internal/procedure"
	"pubdata/internal/rules"
)

type api struct{ app *app.App }

// Register adds the foundation's API routes to the router.
func Register(rt *httpx.Router, a *app.App) {
	h := &api{app: a}
	rt.API("POST", "/api/v1/session", auth.PermPublic, h.login)
	rt.API("DELETE", "/api/v1/session", auth.PermSignedIn, h.logout)
	rt.API("GET", "/api/v1/me", auth.PermSignedIn, h.me)
	rt.API("GET", "/api/v1/tokens", auth.PermSignedIn, h.listTokens)
	rt.API("POST", "/api/v1/tokens", auth.PermSignedIn, h.createToken)
	rt.API("DELETE", "/api/v1/tokens/{id}", auth.PermSignedIn, h.revokeToken)

	rt.API("GET", "/api/v1/jurisdictions", auth.PermOrgRead, h.listJurisdictions)
	rt.API("POST", "/api/v1/jurisdictions", auth.PermOrgManage, h.addJurisdiction)
	rt.API("GET", "/api/v1/agencies", auth.PermOrgRead, h.listAgencies)
	rt.API("POST", "/api/v1/agencies", auth.PermOrgManage, h.createAgency)
	rt.API("GET", "/api/v1/agencies/{id}", auth.PermOrgRead, h.getAgency)
	rt.API("PUT", "/api/v1/agencies/{id}", auth.PermOrgManage, h.updateAgency)

	rt.API("GET", "/api/v1/users", auth.PermUserManage, h.listUsers)
	rt.API("POST", "/api/v1/users", auth.PermUserManage, h.createUser)
	rt.API("POST", "/api/v1/users/{id}/disable", auth.PermUserManage, h.disableUser)
	rt.API("POST", "/api/v1/users/{id}/enable", auth.PermUserManage, h.enableUser)

	rt.API("GET", "/api/v1/audit", auth.PermAuditRead, h.listAudit)
	rt.API("GET", "/api/v1/audit/export", auth.PermAuditRead, h.exportAudit)
	rt.API("GET", "/api/v1/audit/verify", auth.PermAuditRead, h.verifyAudit)

	rt.API("GET", "/api/v1/rules", auth.PermRulesRead, h.listProfiles)
	rt.API("GET", "/api/v1/rules/{profile}", auth.PermRulesRead, h.getProfile)

	rt.API("GET", "/api/v1/calendar/days/{date}", auth.PermSignedIn, h.calendarDay)
	rt.API("GET", "/api/v1/calendar/workdays", auth.PermSignedIn, h.addWorkdays)
	rt.API("POST", "/api/v1/calendar/years", auth.PermCalendarEdit, h.loadCalendarYear)

	rt.API("GET", "/api/v1/case-kinds", auth.PermCaseRead, h.listKinds)
	rt.API("GET", "/api/v1/cases", auth.PermCaseRead, h.listCases)
	rt.API("POST", "/api/v1/cases", auth.PermCaseOpen, h.openCase)
	rt.API("GET", "/api/v1/cases/{id}", auth.PermCaseRead, h.getCase)
	rt.API("POST", "/api/v1/cases/{id}/actions/{action}", auth.PermCaseAct, h.actOnCase)
	rt.API("GET", "/api/v1/notices", auth.PermNoticeRead, h.listNotices)
}

// pathID parses a numeric path parameter.

// --- session and tokens ---

type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type tokenOut struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (h *api) login(w http.ResponseWriter, r *http.Request) error {
	var in loginBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Username == "" || in.Password == "" {
		return apperr.Invalidf("session.credentials", "username", "请提供用户名和密码", "username and password are required")
	}
	u, err := h.app.Accounts.Login(r.Context(), httpx.Actor(r), in.Username, in.Password)
	if err != nil {
		return err
	}
	actor := (&auth.Principal{User: u}).Actor(httpx.ClientAddr(r), httpx.RequestID(r))
	secret, t, err := h.app.Accounts.CreateToken(r.Context(), actor, u.ID, "session", h.app.Accounts.Config().SessionTTL)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, tokenOut{Token: secret, ExpiresAt: t.ExpiresAt})
}

func (h *api) logout(w http.ResponseWriter, r *http.Request) error {
	p := httpx.Principal(r)
	if p.Via == "token" {
		secret := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		toks, err := h.app.Accounts.Tokens(r.Context(), p.ID)
		if err != nil {
			return err
		}
		for _, t := range toks {
			if strings.HasPrefix(secret, t.Prefix) && t.RevokedAt == nil && t.Name == "session" {
				if err := h.app.Accounts.RevokeToken(r.Context(), httpx.Actor(r), t.ID); err != nil {
					return err
				}
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type meOut struct {
	auth.User
	RoleTitle   string          `json:"role_title"`
	Agency      *org.Agency     `json:"agency,omitempty"`
	Permissions []string        `json:"permissions"`
	Via         string          `json:"via"`
	Roles       map[string]bool `json:"-"`
}

func (h *api) me(w http.ResponseWriter, r *http.Request) error {
	p := httpx.Principal(r)
	out := meOut{User: p.User, RoleTitle: p.Role.Title(httpx.Lang(r)), Via: p.Via, Permissions: []string{}}
	if p.AgencyID != 0 {
		ag, err := h.app.Orgs.Agency(r.Context(), p.AgencyID)
		if err == nil {
			out.Agency = &ag
		}
	}
	for _, perm := range []auth.Permission{auth.PermOrgRead, auth.PermOrgManage, auth.PermUserManage, auth.PermAuditRead, auth.PermRulesRead,
		auth.PermCalendarEdit, auth.PermCaseRead, auth.PermCaseOpen, auth.PermCaseAct, auth.PermNoticeRead} {
		if p.Role.Can(perm) {
			out.Permissions = append(out.Permissions, string(perm))
		}
	}
	return httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *api) listTokens(w http.ResponseWriter, r *http.Request) error {
	toks, err := h.app.Accounts.Tokens(r.Context(), httpx.Principal(r).ID)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(toks))
}

type createTokenBody struct {
	Name     string `json:"name"`
	TTLHours int    `json:"ttl_hours"`
}

func (h *api) createToken(w http.ResponseWriter, r *http.Request) error {
	var in createTokenBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.TTLHours == 0 {
		in.TTLHours = 24 * 30
	}
	p := httpx.Principal(r)
	secret, t, err := h.app.Accounts.CreateToken(r.Context(), httpx.Actor(r), p.ID, in.Name, time.Duration(in.TTLHours)*time.Hour)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, struct {
		auth.APIToken
		Token string `json:"token"`
	}{t, secret})
}

func (h *api) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.app.Accounts.RevokeToken(r.Context(), httpx.Actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- organisations ---

func (h *api) listJurisdictions(w http.ResponseWriter, r *http.Request) error {
	js, err := h.app.Orgs.Jurisdictions(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(js))
}

type addJurisdictionBody struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (h *api) addJurisdiction(w http.ResponseWriter, r *http.Request) error {
	var in addJurisdictionBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	j, err := h.app.Orgs.AddJurisdiction(r.Context(), httpx.Actor(r), in.Code, in.Name)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, j)
}

func (h *api) listAgencies(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := org.AgencyFilter{Jurisdiction: q.Get("jurisdiction"), Sector: q.Get("sector"), Query: q.Get("q")}
	if f.Jurisdiction != "" && (len(f.Jurisdiction) != 6 || strings.Trim(f.Jurisdiction, "0123456789") != "") {
		return apperr.Invalidf("filter.jurisdiction", "jurisdiction", "行政区划代码须为6位数字", "the jurisdiction code must be 6 digits")
	}
	if len(f.Query) > 100 {
		return apperr.Invalidf("filter.q", "q", "查询词过长", "the query is too long")
	}
	switch q.Get("authority") {
	case "true":
		t := true
		f.Authorities = &t
	case "false":
		t := false
		f.Authorities = &t
	case "":
	default:
		return apperr.Invalidf("filter.authority", "authority", "authority 须为 true 或 false", "authority must be true or false")
	}
	as, err := h.app.Orgs.Agencies(r.Context(), f)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(as))
}

func (h *api) getAgency(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	a, err := h.app.Orgs.Agency(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, a)
}

func (h *api) createAgency(w http.ResponseWriter, r *http.Request) error {
	var in org.AgencyInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	a, err := h.app.Orgs.CreateAgency(r.Context(), httpx.Actor(r), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, a)
}

func (h *api) updateAgency(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in org.AgencyInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	a, err := h.app.Orgs.UpdateAgency(r.Context(), httpx.Actor(r), id, in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, a)
}

// --- accounts ---

func (h *api) listUsers(w http.ResponseWriter, r *http.Request) error {
	p := httpx.Principal(r)
	f := auth.UserFilter{Jurisdiction: p.Jurisdiction}
	if role := r.URL.Query().Get("role"); role != "" {
		ro, err := auth.ParseRole(role)
		if err != nil {
			return err
		}
		f.Role = ro
	}
	us, err := h.app.Accounts.Users(r.Context(), f)
	if err != nil {
		return err
	}
	if err := h.app.Trail.Record(r.Context(), httpx.Actor(r), audit.Event{Action: "user.list", ObjectType: "user", Detail: strconv.Itoa(len(us)) + " users"}); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(us))
}

func (h *api) createUser(w http.ResponseWriter, r *http.Request) error {
	var in auth.NewUser
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	u, err := h.app.Accounts.CreateUser(r.Context(), httpx.Actor(r), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, u)
}

func (h *api) disableUser(w http.ResponseWriter, r *http.Request) error {
	return h.setDisabled(w, r, true)
}
func (h *api) enableUser(w http.ResponseWriter, r *http.Request) error {
	return h.setDisabled(w, r, false)
}

func (h *api) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.app.Accounts.SetDisabled(r.Context(), httpx.Actor(r), id, disabled); err != nil {
		return err
	}
	u, err := h.app.Accounts.User(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, u)
}

// --- rules and calendar ---

type profileOut struct {
	Name         string          `json:"name"`
	Parent       string          `json:"parent,omitempty"`
	Jurisdiction string          `json:"jurisdiction_code"`
	Title        string          `json:"title"`
	Measures     []rules.Measure `json:"measures"`
	Values       []rules.Value   `json:"values"`
	Warnings     []string        `json:"warnings"`
}

func (h *api) profileOut(p *rules.Profile, lang string) profileOut {
	title := p.TitleZH
	if lang == "en" {
		title = p.TitleEN
	}
	ws := p.Warnings(time.Now())
	if ws == nil {
		ws = []string{}
	}
	return profileOut{Name: p.Name, Parent: p.Parent, Jurisdiction: p.Jurisdiction, Title: title, Measures: p.Measures, Values: p.Values(), Warnings: ws}
}

func (h *api) listProfiles(w http.ResponseWriter, r *http.Request) error {
	var out []profileOut
	for _, n := range h.app.Rules.Names() {
		p, err := h.app.Rules.Profile(n)
		if err != nil {
			return err
		}
		out = append(out, h.profileOut(p, httpx.Lang(r)))
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(out))
}

func (h *api) getProfile(w http.ResponseWriter, r *http.Request) error {
	p, err := h.app.Rules.Profile(r.PathValue("profile"))
	if err != nil {
		return apperr.New(apperr.NotFound, "rules.profile_not_found", "规则配置不存在："+r.PathValue("profile"), "no such rule profile: "+r.PathValue("profile"))
	}
	return httpx.WriteJSON(w, http.StatusOK, h.profileOut(p, httpx.Lang(r)))
}

type dayOut struct {
	Date     string `json:"date"`
	Kind     string `json:"kind"`
	Name     string `json:"name,omitempty"`
	Adjusted bool   `json:"adjusted"`
	Covered  bool   `json:"covered"`
}

func (h *api) calendarDay(w http.ResponseWriter, r *http.Request) error {
	d, err := calendar.ParseDate(r.PathValue("date"))
	if err != nil {
		return err
	}
	day := h.app.Calendar.Day(d)
	return httpx.WriteJSON(w, http.StatusOK, dayOut{Date: d.String(), Kind: day.Kind.String(), Name: day.Name, Adjusted: day.Adjusted, Covered: h.app.Calendar.Covers(d.Year)})
}

func (h *api) addWorkdays(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d, err := calendar.ParseDate(q.Get("from"))
	if err != nil {
		return withField(err, "from")
	}
	n, err := strconv.Atoi(q.Get("n"))
	if err != nil || n < 0 || n > 3650 {
		return apperr.Invalidf("calendar.n", "n", "n 须为 0 到 3650 的整数", "n must be an integer from 0 to 3650")
	}
	if key := q.Get("deadline"); key != "" {
		j := q.Get("jurisdiction")
		if j == "" {
			j = org.ProvinceCode
		}
		prof := h.app.Rules.ForJurisdiction(j)
		if prof == nil {
			return apperr.Invalidf("calendar.jurisdiction", "jurisdiction", "没有适用于该行政区划的规则配置", "no rule profile applies to this jurisdiction")
		}
		if name := q.Get("profile"); name != "" {
			if prof, err = h.app.Rules.Profile(name); err != nil {
				return err
			}
		}
		if v, ok := prof.Get(key); !ok || v.Kind != rules.KindDeadline {
			return apperr.Invalidf("calendar.deadline", "deadline", "规则配置 "+prof.Name+" 中没有期限 "+key, "rule profile "+prof.Name+" has no deadline "+key)
		}
		dl, err := prof.Deadline(key)
		if err != nil {
			return err
		}
		n = dl.WorkingDays
	}
	due := h.app.Calendar.AddWorkdays(d, n)
	return httpx.WriteJSON(w, http.StatusOK, struct {
		From    string `json:"from"`
		N       int    `json:"n"`
		Due     string `json:"due"`
		Covered bool   `json:"covered"`
	}{d.String(), n, due.String(), h.app.Calendar.Covers(due.Year)})
}

func withField(err error, f string) error {
	if e, ok := apperr.As(err); ok {
		return e.WithField(f)
	}
	return err
}

func (h *api) loadCalendarYear(w http.ResponseWriter, r *http.Request) error {
	body, err := readAll(r)
	if err != nil {
		return err
	}
	y, err := h.app.LoadCalendarYear(r.Context(), httpx.Actor(r), body)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, map[string]any{"year": y, "years": h.app.Calendar.Years()})
}

// --- cases ---

type kindOut struct {
	Name    string               `json:"name"`
	Title   string               `json:"title"`
	Basis   string               `json:"basis"`
	Initial procedure.State      `json:"initial"`
	States  []procedure.StateDef `json:"states"`
	Actions []string             `json:"actions"`
}

func (h *api) listKinds(w http.ResponseWriter, r *http.Request) error {
	var out []kindOut
	for _, k := range h.app.Cases.Kinds() {
		ko := kindOut{Name: k.Name, Title: k.ZH, Basis: k.Basis, Initial: k.Initial, States: k.States}
		if httpx.Lang(r) == "en" {
			ko.Title = k.EN
		}
		for _, t := range k.Transitions {
			ko.Actions = append(ko.Actions, t.Action)
		}
		out = append(out, ko)
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(out))
}

func (h *api) listCases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := procedure.CaseFilter{Kind: q.Get("kind"), State: q.Get("state"), Open: q.Get("open") == "true", Overdue: q.Get("overdue") == "true"}
	cs, err := h.app.Cases.Cases(r.Context(), httpx.Actor(r), f)
	if err != nil {
		return err
	}
	if err := h.app.Trail.Record(r.Context(), httpx.Actor(r), audit.Event{Action: "case.list", ObjectType: "case", Detail: strconv.Itoa(len(cs)) + " cases"}); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(cs))
}

func (h *api) openCase(w http.ResponseWriter, r *http.Request) error {
	var in procedure.OpenInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.app.Cases.Open(r.Context(), httpx.Actor(r), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, c)
}

func (h *api) getCase(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	c, evs, err := h.app.Cases.Case(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []procedure.Event{}
	}
	return httpx.WriteJSON(w, http.StatusOK, struct {
		procedure.Case
		History []procedure.Event `json:"history"`
	}{c, evs})
}

type actBody struct {
	Fields map[string]string `json:"fields"`
}

func (h *api) actOnCase(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in actBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.app.Cases.Act(r.Context(), httpx.Actor(r), id, r.PathValue("action"), in.Fields)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, c)
}

func (h *api) listNotices(w http.ResponseWriter, r *http.Request) error {
	ns, err := h.app.Cases.Notices(r.Context(), httpx.Actor(r), procedure.NoticeFilter{State: r.URL.Query().Get("state")})
	if err != nil {
		return err
	}
	if err := h.app.Trail.Record(r.Context(), httpx.Actor(r), audit.Event{Action: "notice.list", ObjectType: "supervision_notice", Detail: strconv.Itoa(len(ns)) + " notices"}); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(ns))
}
