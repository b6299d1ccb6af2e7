package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/httpx"
)

// LoginCSRFCookie holds the double-submit token of the login form. An
// anonymous visitor has no session whose token could protect the form, so
// the form carries a random value that must equal this cookie's: a foreign
// site can make a browser post, but cannot read or set the cookie.
const LoginCSRFCookie = "pubdata_login_csrf"

// loginData is the login page's data.
type loginData struct {
	Next  string
	Token string
}

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// loginToken returns the browser's login CSRF token, issuing one if it has none.
func (p *portal) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(LoginCSRFCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	tok := newToken()
	http.SetCookie(w, &http.Cookie{Name: LoginCSRFCookie, Value: tok, Path: "/login", HttpOnly: true,
		Secure: p.secure, SameSite: http.SameSiteStrictMode, MaxAge: 2 * 3600})
	return tok
}

func nextOf(r *http.Request) string {
	next := r.FormValue("next")
	if !localPath(next) {
		return ""
	}
	return next
}

func (p *portal) loginForm(w http.ResponseWriter, r *http.Request) error {
	next := nextOf(r)
	if httpx.Principal(r) != nil {
		// Already signed in: a second login form would post with the wrong
		// token (the router checks the session's), so go where they wanted.
		if next == "" {
			next = "/"
		}
		return redirect(w, r, next)
	}
	v := p.view(r, "login.title", loginData{Next: next, Token: p.loginToken(w, r)})
	return p.render(w, http.StatusOK, "login", v)
}

func (p *portal) login(w http.ResponseWriter, r *http.Request) error {
	if httpx.Principal(r) != nil {
		return redirect(w, r, "/")
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("request.form", "", "表单无法解析", "the form could not be parsed")
	}
	lang := httpx.Lang(r)
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	next := nextOf(r)
	again := func(status int, msg string) error {
		v := p.view(r, "login.title", loginData{Next: next, Token: p.loginToken(w, r)})
		v.Error = msg
		v.Form.Set("username", username)
		return p.render(w, status, "login", v)
	}
	c, err := r.Cookie(LoginCSRFCookie)
	got := r.PostFormValue(httpx.CSRFField)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) != 1 {
		return again(http.StatusForbidden, T(lang, "login.expired"))
	}
	if username == "" || password == "" || len(username) > 64 || len(password) > 256 {
		return again(http.StatusBadRequest, T(lang, "login.missing"))
	}
	u, err := p.app.Accounts.Login(r.Context(), httpx.Actor(r), username, password)
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return err
		}
		return again(httpx.Status(e.Kind), e.Message(lang))
	}
	ses, err := p.app.Accounts.CreateSession(r.Context(), u, httpx.ClientAddr(r))
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: httpx.SessionCookie, Value: ses.Token, Path: "/", Expires: ses.ExpiresAt,
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
	// The login token has done its job; a fresh one is issued next time.
	http.SetCookie(w, &http.Cookie{Name: LoginCSRFCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, Secure: p.secure})
	if next == "" {
		next = "/"
	}
	return redirect(w, r, next)
}

func (p *portal) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(httpx.SessionCookie); err == nil && c.Value != "" {
		if err := p.app.Accounts.DeleteSession(r.Context(), httpx.Actor(r), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: httpx.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode})
	return redirect(w, r, "/login")
}
