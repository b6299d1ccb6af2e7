// Package httpx is the HTTP foundation every handler stands on: one route
// table in which each route declares the permission it needs, the single
// authorization check, request IDs, language negotiation, strict JSON
// decoding, and RFC 9457 problem details for errors.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
)

// Kind says how a route answers: JSON with problem details, or HTML pages.
type Kind int

// The kinds of route.
const (
	API Kind = iota
	Page
)

// HandlerFunc is a handler that returns its error for the router to render.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one entry of the route table.
type Route struct {
	Method  string
	Pattern string // http.ServeMux pattern without the method, e.g. "/api/v1/agencies/{id}"
	Perm    auth.Permission
	Kind    Kind
	Handler HandlerFunc
	// MaxBody overrides the router's body limit for this route (uploads).
	MaxBody int64
}

// Authenticator resolves the caller of a request.
type Authenticator interface {
	TokenPrincipal(ctx context.Context, secret string) (*auth.Principal, error)
	SessionPrincipal(ctx context.Context, token string) (*auth.Principal, string, error)
}

// Router is the route table and the mux built from it.
type Router struct {
	mux    *http.ServeMux
	routes []Route
	authn  Authenticator
	trail  *audit.Trail
	log    *slog.Logger
	// Secure marks cookies Secure (behind TLS).
	Secure bool
	// MaxBody is the largest request body accepted, in bytes.
	MaxBody int64
	// Observe, if set, is called after each request (metrics).
	Observe func(route, method string, status int, d time.Duration)
}

// NewRouter returns an empty router.
func NewRouter(authn Authenticator, trail *audit.Trail, log *slog.Logger) *Router {
	return &Router{mux: http.NewServeMux(), authn: authn, trail: trail, log: log, MaxBody: 1 << 20}
}

// SessionCookie is the name of the web session cookie.
const SessionCookie = "pubdata_session"

// Handle adds a route. Every route passes through the same chain: request
// ID, caller resolution, the permission check, CSRF for cookie-authenticated
// unsafe methods, then the handler.
func (rt *Router) Handle(kind Kind, method, pattern string, perm auth.Permission, h HandlerFunc) {
	rt.handleRoute(Route{Method: method, Pattern: pattern, Perm: perm, Kind: kind, Handler: h})
}

// Upload adds a JSON route that accepts a body of up to maxBody bytes
// (spreadsheets, documents) instead of the router's default.
func (rt *Router) Upload(method, pattern string, perm auth.Permission, maxBody int64, h HandlerFunc) {
	rt.handleRoute(Route{Method: method, Pattern: pattern, Perm: perm, Kind: API, Handler: h, MaxBody: maxBody})
}

// PageUpload is Upload for a page's form (multipart file uploads).
func (rt *Router) PageUpload(method, pattern string, perm auth.Permission, maxBody int64, h HandlerFunc) {
	rt.handleRoute(Route{Method: method, Pattern: pattern, Perm: perm, Kind: Page, Handler: h, MaxBody: maxBody})
}

func (rt *Router) handleRoute(r Route) {
	rt.routes = append(rt.routes, r)
	rt.mux.Handle(r.Method+" "+r.Pattern, rt.wrap(r))
}

// API adds a JSON route.
func (rt *Router) API(method, pattern string, perm auth.Permission, h HandlerFunc) {
	rt.Handle(API, method, pattern, perm, h)
}

// Page adds an HTML route.
func (rt *Router) Page(method, pattern string, perm auth.Permission, h HandlerFunc) {
	rt.Handle(Page, method, pattern, perm, h)
}

// Routes returns the route table (the authorization walk test iterates it).
func (rt *Router) Routes() []Route { return rt.routes }

// ServeHTTP serves through the mux; unknown paths get a problem (API) or 404.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.mux.ServeHTTP(w, r)
}

type ctxKey int

const (
	keyPrincipal ctxKey = iota
	keyRequestID
	keyCSRF
	keyLang
)

// Principal returns the caller, or nil for an anonymous caller.
func Principal(r *http.Request) *auth.Principal {
	p, _ := r.Context().Value(keyPrincipal).(*auth.Principal)
	return p
}

// RequestID returns the request's ID.
func RequestID(r *http.Request) string {
	s, _ := r.Context().Value(keyRequestID).(string)
	return s
}

// CSRFToken returns the session's CSRF token for forms.
func CSRFToken(r *http.Request) string {
	s, _ := r.Context().Value(keyCSRF).(string)
	return s
}

// ClientAddr returns the caller's address (the direct peer: pubdata does not
// trust forwarding headers it cannot verify).
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Actor returns the audit actor of the request.
func Actor(r *http.Request) audit.Actor {
	return Principal(r).Actor(ClientAddr(r), RequestID(r))
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (rt *Router) wrap(route Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		rid := r.Header.Get("X-Request-ID")
		if len(rid) == 0 || len(rid) > 64 || strings.ContainsAny(rid, "\r\n\"") {
			rid = newRequestID()
		}
		sw.Header().Set("X-Request-ID", rid)
		setSecurityHeaders(sw.Header(), route.Kind)
		ctx := context.WithValue(r.Context(), keyRequestID, rid)
		ctx = context.WithValue(ctx, keyLang, negotiateLang(r))
		r = r.WithContext(ctx)
		limit := rt.MaxBody
		if route.MaxBody > 0 {
			limit = route.MaxBody
		}
		if r.Body != nil && limit > 0 {
			r.Body = http.MaxBytesReader(sw, r.Body, limit)
		}
		err := rt.serve(sw, r, route)
		if err != nil {
			rt.renderError(sw, r, route, err)
		}
		d := time.Since(start)
		user := "anonymous"
		if p := Principal(r); p != nil {
			user = p.Username
		}
		rt.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", rid), slog.String("method", r.Method), slog.String("route", route.Pattern),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Duration("duration", d),
			slog.String("user", user), slog.String("client", ClientAddr(r)))
		if rt.Observe != nil {
			rt.Observe(route.Pattern, r.Method, sw.status, d)
		}
	})
}

func setSecurityHeaders(h http.Header, kind Kind) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if kind == Page {
		h.Set("X-Frame-Options", "DENY")
		// Nothing loads from outside the node: an intranet has no CDN.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	}
}

// serve resolves the caller, checks the permission and CSRF, and runs the handler.
func (rt *Router) serve(w http.ResponseWriter, r *http.Request, route Route) error {
	if route.Perm == auth.PermApp {
		// The sharing gateway: an application system authenticates with its
		// own credentials, which the gateway checks (and audits) itself.
		return route.Handler(w, r)
	}
	p, csrf, err := rt.authenticate(r)
	if err != nil {
		return err
	}
	if p != nil {
		ctx := context.WithValue(r.Context(), keyPrincipal, p)
		ctx = context.WithValue(ctx, keyCSRF, csrf)
		*r = *r.WithContext(ctx)
	}
	if !Allowed(p, route.Perm) {
		if p == nil {
			return apperr.ErrUnauthorized
		}
		_ = rt.trail.Record(r.Context(), Actor(r), audit.Event{Action: "http.denied", ObjectType: "route", ObjectID: route.Method + " " + route.Pattern, Outcome: audit.Denied, Detail: r.URL.Path})
		return apperr.ErrForbidden
	}
	if p != nil && p.Via == "session" && unsafeMethod(r.Method) {
		if !checkCSRF(r, csrf) {
			return errCSRF
		}
	}
	return route.Handler(w, r)
}

// Allowed is the one authorization check: may this caller use a route that
// needs perm?
func Allowed(p *auth.Principal, perm auth.Permission) bool {
	if perm == auth.PermPublic {
		return true
	}
	if p == nil {
		return false
	}
	return p.Role.Can(perm)
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

var errCSRF = apperr.New(apperr.Forbidden, "auth.csrf", "页面已过期或请求来源无效，请刷新后重试", "the form has expired or the request did not come from this site; reload and try again")

func (rt *Router) authenticate(r *http.Request) (*auth.Principal, string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, "", apperr.ErrUnauthorized
		}
		p, err := rt.authn.TokenPrincipal(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			return nil, "", err
		}
		return p, "", nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, "", nil
	}
	p, csrf, err := rt.authn.SessionPrincipal(r.Context(), c.Value)
	if err != nil {
		return nil, "", nil // an expired session is an anonymous caller
	}
	return p, csrf, nil
}
