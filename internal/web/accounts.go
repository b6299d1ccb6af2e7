package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/httpx"
)

// userRow is an account with the names the table shows.
type userRow struct {
	auth.User
	RoleTitle string
	Agency    string
	JurName   string
	Locked    bool
}

// roleOption is one entry of the role select.
type roleOption struct{ Value, Title string }

// accountsData is the accounts page's data.
type accountsData struct {
	Users []userRow
	Roles []roleOption
}

func (p *portal) accountsView(r *http.Request) (*View, error) {
	ctx := r.Context()
	u := httpx.Principal(r)
	lang := httpx.Lang(r)
	us, err := p.app.Accounts.Users(ctx, auth.UserFilter{Jurisdiction: u.Jurisdiction})
	if err != nil {
		return nil, err
	}
	// Listing accounts is a read of personal data: audited as the API does.
	if err := p.app.Trail.Record(ctx, httpx.Actor(r), audit.Event{Action: "user.list", ObjectType: "user", Detail: strconv.Itoa(len(us)) + " users"}); err != nil {
		return nil, err
	}
	names := p.agencyNames(r)
	jurs := map[string]string{}
	if js, err := p.app.Orgs.Jurisdictions(ctx); err == nil {
		for _, j := range js {
			jurs[j.Code] = j.Name
		}
	}
	d := &accountsData{}
	now := time.Now()
	for _, x := range us {
		d.Users = append(d.Users, userRow{User: x, RoleTitle: x.Role.Title(lang), Agency: names.Name(x.AgencyID), JurName: jurs[x.Jurisdiction],
			Locked: x.LockedUntil != nil && now.Before(*x.LockedUntil)})
	}
	for _, ro := range auth.Roles {
		d.Roles = append(d.Roles, roleOption{Value: string(ro), Title: ro.Title(lang)})
	}
	return p.view(r, "acc.title", d), nil
}

func (p *portal) accountsPage(w http.ResponseWriter, r *http.Request) error {
	v, err := p.accountsView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "accounts", v)
}

func (p *portal) createAccount(w http.ResponseWriter, r *http.Request) error {
	in := auth.NewUser{
		Username:     strings.TrimSpace(r.PostFormValue("username")),
		DisplayName:  r.PostFormValue("display_name"),
		Role:         r.PostFormValue("role"),
		AgencyCode:   strings.ToUpper(strings.TrimSpace(r.PostFormValue("agency_code"))),
		Jurisdiction: strings.TrimSpace(r.PostFormValue("jurisdiction_code")),
		Password:     r.PostFormValue("password"),
	}
	_, err := p.app.Accounts.CreateUser(r.Context(), httpx.Actor(r), in)
	if err == nil {
		return redirect(w, r, "/accounts?ok=user_created")
	}
	errs, general, ok := fieldErrors(err, httpx.Lang(r))
	if !ok {
		return err
	}
	v, verr := p.accountsView(r)
	if verr != nil {
		return verr
	}
	v.Errors, v.Error, v.Form = errs, general, r.PostForm
	v.Form.Del("password") // never echo a password back into the page
	return p.render(w, statusOf(err), "accounts", v)
}

func (p *portal) disableAccount(w http.ResponseWriter, r *http.Request) error {
	return p.setDisabled(w, r, true)
}

func (p *portal) enableAccount(w http.ResponseWriter, r *http.Request) error {
	return p.setDisabled(w, r, false)
}

func (p *portal) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := p.app.Accounts.SetDisabled(r.Context(), httpx.Actor(r), id, disabled); err != nil {
		return err
	}
	if disabled {
		return redirect(w, r, "/accounts?ok=user_disabled")
	}
	return redirect(w, r, "/accounts?ok=user_enabled")
}

// tokenRow is a token with its state for display.
type tokenRow struct {
	auth.APIToken
	State string // catalog key
}

// tokensData is the tokens page's data.
type tokensData struct {
	Tokens []tokenRow
	Secret string // the new token's secret, on the response to its creation only
}

func (p *portal) tokensView(r *http.Request) (*View, *tokensData, error) {
	u := httpx.Principal(r)
	ts, err := p.app.Accounts.Tokens(r.Context(), u.ID)
	if err != nil {
		return nil, nil, err
	}
	d := &tokensData{}
	now := time.Now()
	for _, t := range ts {
		st := "tok.active"
		switch {
		case t.RevokedAt != nil:
			st = "tok.revoked"
		case !now.Before(t.ExpiresAt):
			st = "tok.expired"
		}
		d.Tokens = append(d.Tokens, tokenRow{APIToken: t, State: st})
	}
	v := p.view(r, "tok.title", d)
	return v, d, nil
}

func (p *portal) tokensPage(w http.ResponseWriter, r *http.Request) error {
	v, _, err := p.tokensView(r)
	if err != nil {
		return err
	}
	v.Form.Set("days", "30")
	return p.render(w, http.StatusOK, "tokens", v)
}

// createToken shows the new secret in its own response instead of
// redirecting: the secret is not stored, so a later GET could not show it,
// and carrying it in a cookie or URL would leave copies behind. The page is
// no-store, so the browser keeps no copy either.
func (p *portal) createToken(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	var secret string
	if err != nil || days < 1 || days > 366 {
		err = apperr.Invalidf("token.ttl", "days", T("zh", "tok.days_bad"), T("en", "tok.days_bad"))
	} else {
		u := httpx.Principal(r)
		secret, _, err = p.app.Accounts.CreateToken(r.Context(), httpx.Actor(r), u.ID, r.PostFormValue("name"), time.Duration(days)*24*time.Hour)
	}
	if err != nil {
		errs, general, ok := fieldErrors(err, lang)
		if !ok {
			return err
		}
		if m, ok := errs["ttl"]; ok {
			errs["days"] = m
		}
		v, _, verr := p.tokensView(r)
		if verr != nil {
			return verr
		}
		v.Errors, v.Error, v.Form = errs, general, r.PostForm
		return p.render(w, statusOf(err), "tokens", v)
	}
	v, d, err := p.tokensView(r)
	if err != nil {
		return err
	}
	d.Secret = secret
	v.Form.Set("days", "30")
	return p.render(w, http.StatusOK, "tokens", v)
}

func (p *portal) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := p.app.Accounts.RevokeToken(r.Context(), httpx.Actor(r), id); err != nil {
		return err
	}
	return redirect(w, r, "/tokens?ok=token_revoked")
}
