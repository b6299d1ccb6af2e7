package share

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/httpx"
)

// The gateway's actions in the audit trail; the usage report reads them.
const (
	actLookup  = "share.gateway.lookup"
	actPage    = "share.gateway.page"
	actVerify  = "share.gateway.verify"
	actExtract = "share.gateway.extract"
)

// route is what a gateway route serves, for the check of a grant's kind
// and mode.
type route int

const (
	routeRecords route = iota // key lookup: data grants in API mode
	routePage                 // paging: as routeRecords, and not key-lookup-only
	routeVerify               // verification grants
	routeExtract              // table and file extracts, not key-lookup-only
)

// registerGateway adds the sharing gateway (GD-290 §23–24: the only way
// shared data leaves the platform) and the per-grant usage report (JM §17).
//
// The gateway's routes take an application system's credentials by HTTP
// Basic authentication (client_id:client_secret), not a user's; every call,
// answered or refused, leaves one audit entry, and an answer is sent only
// once its entry is committed.
func (s *Service) registerGateway(rt *httpx.Router) {
	rt.API("GET", "/api/v1/share/data/{grant}/records/{key}", auth.PermApp, s.gatewayRoute(actLookup, routeRecords, s.serveLookup))
	rt.API("GET", "/api/v1/share/data/{grant}/records", auth.PermApp, s.gatewayRoute(actPage, routePage, s.servePage))
	rt.API("POST", "/api/v1/share/data/{grant}/verify", auth.PermApp, s.gatewayRoute(actVerify, routeVerify, s.serveVerify))
	rt.API("GET", "/api/v1/share/data/{grant}/extract", auth.PermApp, s.gatewayRoute(actExtract, routeExtract, s.serveExtract))
	rt.API("GET", "/api/v1/share/grants/{id}/usage", auth.PermShareRead, s.usageHandler)
}

// call is one gateway call as it passes the checks.
type call struct {
	r        *http.Request
	action   string
	objectID string // the grant's ID, canonical (see grantObjectID)
	actor    audit.Actor
	purpose  string
	g        *cachedGrant
	c        *compiled
	detail   callDetail
	outcome  string        // overrides the outcome derived from the error
	retry    time.Duration // Retry-After of a 429
}

// answer is what a call sends once audited.
type answer struct {
	status  int
	body    []byte                            // JSON
	stream  func(w http.ResponseWriter) error // instead of body: an extract, already audited
	audited bool                              // the entry was written in the call's own transaction
	cleanup func()                            // runs when the answer is not sent
}

// gatewayRoute wraps a gateway handler: the checks common to every route,
// then serve, then the audit entry, then the answer.
func (s *Service) gatewayRoute(action string, rk route, serve func(*call) (*answer, error)) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := &call{r: r, action: action, objectID: grantObjectID(r.PathValue("grant")),
			actor: audit.Actor{Username: "anonymous", Role: "app", ClientAddr: httpx.ClientAddr(r), RequestID: httpx.RequestID(r)}}
		err := s.admit(c, rk)
		var ans *answer
		if err == nil {
			ans, err = serve(c)
		}
		s.finish(w, c, ans, err)
		return nil
	}
}

// grantObjectID is the audit object ID of the grant a path names: the
// number in canonical decimal form whenever the text is one, so that
// "007" or "+7", whether served or refused, is filed under grant 7, where
// the usage report and the quota's count read (JM §17, HZ §25: no call can
// hide from them); the text as given, clipped, when it names no number.
func grantObjectID(raw string) string {
	if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return strconv.FormatInt(id, 10)
	}
	return clip(raw, 40)
}

// admit runs the checks every call passes, in order: (1) the application's
// credentials; (2) the grant exists and is this application's, of its
// agency — checked on the grant row before it is compiled, so that another
// application learns nothing of it; (3) the grant is usable today and its
// kind and mode fit the route; (4) the rate limit, one token (a
// verification takes one more per further claim once its body is read).
// The daily quota is charged by the route once the request itself is
// valid.
func (s *Service) admit(c *call, rk route) error {
	r := c.r
	// Credentials first: an unknown caller learns nothing, not even
	// whether its path was well formed.
	clientID, secret, ok := r.BasicAuth()
	if !ok {
		return errMissingCredentials
	}
	app, err := s.Authenticate(r.Context(), clientID, secret)
	if err != nil {
		if apperr.KindOf(err) == apperr.Unauthorized {
			c.detail.ClientID = clip(clientID, 64)
		}
		return err
	}
	id, err := httpx.PathID(r, "grant")
	if err != nil {
		return err
	}
	c.objectID = strconv.FormatInt(id, 10)
	c.actor.Username, c.actor.AgencyID = "app:"+app.ClientID, app.AgencyID
	mine := func(g *Grant) error {
		if g.AppID != app.ID || g.ConsumerAgencyID != app.AgencyID {
			return errNotYours
		}
		return nil
	}
	cg, comp, err := s.grantFor(r.Context(), id, mine)
	if apperr.Is(err, errGrantNotFound) {
		return errNotYours // no oracle of which grants exist
	}
	if err != nil {
		return err
	}
	c.g, c.c = cg, comp
	if c.purpose, err = purposeOf(r, cg.Scenario); err != nil {
		return err
	}
	if err := cg.usable(s.today().String()); err != nil {
		return err
	}
	if err := fits(&cg.Grant, rk); err != nil {
		return err
	}
	if ok, wait := s.limiterOf(cg.ID).take(cg.RatePerMinute, 1, time.Now()); !ok {
		c.retry = wait
		return errRateLimited
	}
	return nil
}

// fits checks that the grant's kind and mode fit the route: API lookups
// and pages for data grants in API mode; verification for verification
// grants; extracts for table and file modes. Offline grants never go online.
func fits(g *Grant, rk route) error {
	if g.Mode == ModeOffline {
		return errWrongRoute("线下共享的授权不能通过网关调用", "an offline grant is not served by the gateway")
	}
	switch rk {
	case routeVerify:
		if g.Kind != GrantVerify {
			return errWrongRoute("该授权不是核验授权", "the grant is not a verification grant")
		}
		return nil
	case routeRecords, routePage:
		if g.Kind != GrantData || g.Mode != ModeAPI {
			return errWrongRoute("该授权不是接口方式的数据授权", "the grant is not a data grant in API mode")
		}
	case routeExtract:
		if g.Kind != GrantData || (g.Mode != ModeTable && g.Mode != ModeFile) {
			return errWrongRoute("该授权不是库表或文件方式的数据授权", "the grant is not a data grant in table or file mode")
		}
	}
	if g.KeyLookupOnly && rk != routeRecords {
		return errKeyLookupOnly
	}
	return nil
}

// purposeOf is the purpose of the call: the X-Share-Purpose header (UTF-8,
// at most 200 characters, no control characters), or the grant's scenario.
func purposeOf(r *http.Request, scenario string) (string, error) {
	p := strings.TrimSpace(r.Header.Get("X-Share-Purpose"))
	if p == "" {
		return scenario, nil
	}
	if !utf8.ValidString(p) || utf8.RuneCountInString(p) > maxPurposeRunes || strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return scenario, errPurpose
	}
	return p, nil
}

// charge counts n units against the grant's daily quota, all or none: a
// call is one unit, a verification one per claim. The units go into the
// audit detail (Quota), which is how every node, and this one after a
// restart, counts them back from the trail (seedQuota). A charge that does
// not fit is refused (429 share.quota_exhausted) and answers nothing.
func (s *Service) charge(c *call, n int64) error {
	now := s.now()
	ok, left, err := s.limiterOf(c.g.ID).charge(c.g.QuotaDaily, n, calendar.DateOf(now).String(), now, func(after int64) (int64, int64, error) {
		return s.seedQuota(context.WithoutCancel(c.r.Context()), c.g.ID, now, after)
	})
	if err != nil {
		return err
	}
	if !ok {
		c.retry = startOfDay(now).AddDate(0, 0, 1).Sub(now)
		if n > 1 && left > 0 {
			return errQuotaShort(n, left)
		}
		return errQuotaExhausted
	}
	c.detail.Quota = int(n)
	return nil
}

// errQuotaShort refuses a verification batch of n claims when only left
// units of the day's quota remain; its code is the quota's, so the usage
// report counts it with the other refusals over the quota.
func errQuotaShort(n, left int64) error {
	return apperr.New(apperr.TooMany, errQuotaExhausted.Code,
		fmt.Sprintf("本批核验%d条，超过授权今日剩余的调用次数（%d次），未作任何核验", n, left),
		fmt.Sprintf("the batch holds %d verifications, more than the %d calls left of the grant's daily quota; nothing was verified", n, left)).WithField("batch")
}

// finish audits the call through the group-committing batcher and only
// then answers; if the entry cannot be written, the answer is 503 and no
// data. Refusals are audited as denied with their code; a key without a
// record is an answered call with no rows.
func (s *Service) finish(w http.ResponseWriter, c *call, ans *answer, err error) {
	r := c.r
	if ans == nil || !ans.audited {
		outcome := audit.OK
		if err != nil {
			e := appErrOf(err)
			switch {
			case e == nil || e.Kind == apperr.Internal || e.Kind == apperr.Unavailable:
				outcome = audit.Failed
				c.detail.Code = "internal"
			default:
				if e != errNoRecord {
					outcome = audit.Denied
				}
				if c.detail.Code == "" {
					c.detail.Code = e.Code
				}
			}
		}
		if c.outcome != "" {
			outcome = c.outcome
		}
		// A caller who hung up still gets its entry: the call was made.
		aerr := s.batch.Append(context.WithoutCancel(r.Context()), c.actor, audit.Event{Action: c.action, ObjectType: "share_grant", ObjectID: c.objectID,
			Purpose: c.purpose, Outcome: outcome, Detail: c.detail.String()})
		if aerr != nil {
			s.log.Error("gateway: audit entry not written; no answer given", "request_id", c.actor.RequestID, "grant", c.objectID, "err", aerr)
			if ans != nil && ans.cleanup != nil {
				ans.cleanup()
			}
			writeProblem(w, r, errAuditUnavailable, 0)
			return
		}
	}
	if err != nil {
		if e := appErrOf(err); e == nil || e.Kind == apperr.Internal {
			s.log.Error("gateway: internal error", "request_id", c.actor.RequestID, "grant", c.objectID, "err", err)
		}
		writeProblem(w, r, err, c.retry)
		return
	}
	if ans.stream != nil {
		if err := ans.stream(w); err != nil {
			s.log.Warn("gateway: answer not fully sent", "request_id", c.actor.RequestID, "grant", c.objectID, "err", err)
		}
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(ans.status)
	_, _ = w.Write(ans.body)
}

// appErrOf is the application error of a refusal: a list (several rows of
// a batch) is its first element, as its problem shows; nil for an
// internal error.
func appErrOf(err error) *apperr.Error {
	var list apperr.List
	if errors.As(err, &list) && len(list) > 0 {
		return list[0]
	}
	e, _ := apperr.As(err)
	return e
}

// writeProblem renders a gateway refusal as an RFC 9457 problem in the
// caller's language. The gateway renders its own: its 401 asks for Basic
// credentials, and a 429 says when to retry.
func writeProblem(w http.ResponseWriter, r *http.Request, err error, retry time.Duration) {
	p := httpx.ProblemOf(err, httpx.Lang(r), r.URL.Path, httpx.RequestID(r))
	h := w.Header()
	h.Set(httpx.ProblemHeader, p.Code)
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="pubdata-share", charset="UTF-8"`)
	}
	if retry > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((retry+time.Second-1)/time.Second), 10))
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// onlyParams refuses query parameters other than those named (and lang).
func onlyParams(r *http.Request, names ...string) error {
	for name := range r.URL.Query() {
		if name == "lang" || contains(names, name) {
			continue
		}
		return apperr.Invalidf("share.query.unknown", clip(name, 100), "不支持的查询参数："+clip(name, 100), "unsupported query parameter: "+clip(name, 100))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// --- key lookup ---

// serveLookup answers GET …/records/{key}: the record of one key, its
// granted items masked. The key is the dataset's key: a resident ID (a
// lower-case check character x is accepted), a credit code, or the
// dataset's own key; a composite key gives its values in the key items'
// order, separated by commas, with "\," for a comma inside a value and
// "\\" for a backslash.
//
// A key outside the grant's row scope is answered exactly like a key with
// no record (404 share.record.not_found): a distinct refusal would tell
// the consumer that the person exists elsewhere, an existence oracle over
// rows it was never granted. The audit entry tells them apart (denied,
// share.row.out_of_scope) for the authority's supervision.
func (s *Service) serveLookup(c *call) (*answer, error) {
	r := c.r
	raw := r.PathValue("key")
	c.detail.Key = clip(raw, 200)
	if err := onlyParams(r, "items"); err != nil {
		return nil, err
	}
	proj, err := c.c.projection(r.URL.Query().Get("items"))
	if err != nil {
		return nil, err
	}
	if r.URL.Query().Has("items") {
		c.detail.Items = c.c.names(proj)
	}
	args, err := c.c.keyArgs(raw)
	if err != nil {
		return nil, err
	}
	if err := s.charge(c, 1); err != nil {
		return nil, err
	}
	vals, found, inScope, err := s.lookupRow(r.Context(), c.c, args)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errNoRecord
	}
	if !inScope {
		c.outcome, c.detail.Code = audit.Denied, "share.row.out_of_scope"
		return nil, errNoRecord
	}
	c.detail.Rows = 1
	body := make([]byte, 0, 64+32*len(proj))
	body = append(body, `{"grant_id":`...)
	body = strconv.AppendInt(body, c.g.ID, 10)
	body = append(body, `,"record":`...)
	body = c.c.appendRecord(body, vals, proj)
	body = append(body, "}\n"...)
	return &answer{status: http.StatusOK, body: body}, nil
}

// names returns the item names of a projection.
func (c *compiled) names(proj []int) []string {
	out := make([]string, len(proj))
	for i, j := range proj {
		out[i] = c.cols[j].name
	}
	return out
}

// --- paging ---

// servePage answers GET …/records: the rows in the grant's scope that
// match every ?<item>=value filter, limit rows (at most 1000) after the
// keyset cursor ?after=, the next cursor in "next". Not for grants limited
// to key lookups (MZ §21).
func (s *Service) servePage(c *call) (*answer, error) {
	r := c.r
	pq, err := c.c.parsePage(r.URL.Query())
	if err != nil {
		return nil, err
	}
	c.detail.Limit, c.detail.After = pq.limit, pq.after
	if r.URL.Query().Has("items") {
		c.detail.Items = c.c.names(pq.proj)
	}
	if len(pq.filters) > 0 {
		c.detail.Filters = make(map[string]string, len(pq.filters))
		for _, f := range pq.filters {
			c.detail.Filters[f.name] = clip(f.value, 200)
		}
	}
	if err := s.charge(c, 1); err != nil {
		return nil, err
	}
	text, args := c.c.pageSQL(&pq)
	rows, err := s.db.Read().QueryContext(r.Context(), text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vals := make([]any, len(c.c.cols))
	ptrs := make([]any, len(vals)+1)
	var rowID int64
	ptrs[0] = &rowID
	for i := range vals {
		ptrs[i+1] = &vals[i]
	}
	body := make([]byte, 0, 4096)
	body = append(body, `{"grant_id":`...)
	body = strconv.AppendInt(body, c.g.ID, 10)
	body = append(body, `,"records":[`...)
	n, lastRow, more := 0, int64(0), false
	for rows.Next() {
		if n == pq.limit {
			more = true // the extra row fetched: there is a next page
			break
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		if n > 0 {
			body = append(body, ',')
		}
		body = c.c.appendRecord(body, vals, pq.proj)
		n++
		lastRow = rowID
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	body = append(body, `],"count":`...)
	body = strconv.AppendInt(body, int64(n), 10)
	if more {
		body = append(body, `,"next":"`...)
		body = strconv.AppendInt(body, lastRow, 10)
		body = append(body, '"')
	}
	body = append(body, "}\n"...)
	c.detail.Rows = n
	return &answer{status: http.StatusOK, body: body}, nil
}
