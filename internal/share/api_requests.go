package share

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/httpx"
)

// registerRequests adds the routes of requests, decisions, application
// systems and grants. The router checks the permission; the service checks
// who exactly may (the consumer, the source agency, the authorities).
func (s *Service) registerRequests(rt *httpx.Router) {
	h := &requestsAPI{s: s}
	rt.API("POST", "/api/v1/share/requests", auth.PermShareRequest, h.submit)
	rt.API("GET", "/api/v1/share/requests", auth.PermShareRead, h.list)
	rt.API("GET", "/api/v1/share/requests/{id}", auth.PermShareRead, h.get)
	rt.API("POST", "/api/v1/share/requests/{id}/decision", auth.PermShareDecide, h.decide)
	rt.API("POST", "/api/v1/share/requests/{id}/withdraw", auth.PermShareRequest, h.withdraw)
	rt.API("POST", "/api/v1/share/requests/{id}/delivery", auth.PermShareDecide, h.delivery)

	rt.API("GET", "/api/v1/share/apps", auth.PermShareRead, h.apps)
	rt.API("POST", "/api/v1/share/apps", auth.PermShareRequest, h.registerApp)
	rt.API("POST", "/api/v1/share/apps/{id}/rotate", auth.PermShareRequest, h.rotate)
	rt.API("POST", "/api/v1/share/apps/{id}/disable", auth.PermShareRequest, h.setDisabled(true))
	rt.API("POST", "/api/v1/share/apps/{id}/enable", auth.PermShareRequest, h.setDisabled(false))

	rt.API("GET", "/api/v1/share/grants", auth.PermShareRead, h.grants)
	rt.API("GET", "/api/v1/share/grants/{id}", auth.PermShareRead, h.grant)
	rt.API("POST", "/api/v1/share/grants/{id}/suspend", auth.PermShareSupervise, h.changeGrant(s.Suspend))
	rt.API("POST", "/api/v1/share/grants/{id}/restore", auth.PermShareSupervise, h.changeGrant(s.Restore))
	rt.API("POST", "/api/v1/share/grants/{id}/revoke", auth.PermShareRequest, h.changeGrant(s.Revoke))
}

type requestsAPI struct{ s *Service }

func (h *requestsAPI) submit(w http.ResponseWriter, r *http.Request) error {
	var in RequestInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	req, err := h.s.Submit(r.Context(), httpx.Actor(r), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, req)
}

// RequestFilterFromURL reads a request listing's filters from query
// parameters: box, state, overdue, limit. The web console uses it too.
func RequestFilterFromURL(v url.Values) (RequestFilter, error) {
	f := RequestFilter{Box: strings.TrimSpace(v.Get("box")), State: strings.TrimSpace(v.Get("state"))}
	if len(f.Box) > 20 || len(f.State) > 20 {
		return f, apperr.Invalidf("filter.value", "state", "筛选值过长", "a filter value is too long")
	}
	if s := v.Get("overdue"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return f, apperr.Invalidf("filter.overdue", "overdue", "overdue 须为 true 或 false", "overdue must be true or false")
		}
		f.Overdue = b
	}
	n, err := limitOf(v)
	f.Limit = n
	return f, err
}

func limitOf(v url.Values) (int, error) {
	s := v.Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		return 0, apperr.Invalidf("filter.limit", "limit", "limit 须为1到1000的整数", "limit must be a whole number from 1 to 1000")
	}
	return n, nil
}

func (h *requestsAPI) list(w http.ResponseWriter, r *http.Request) error {
	f, err := RequestFilterFromURL(r.URL.Query())
	if err != nil {
		return err
	}
	rs, err := h.s.Requests(r.Context(), httpx.Actor(r), f)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(rs))
}

func (h *requestsAPI) get(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	req, err := h.s.Request(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, req)
}

func (h *requestsAPI) decide(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var d Decision
	if err := httpx.DecodeJSON(r, &d); err != nil {
		return err
	}
	req, err := h.s.Decide(r.Context(), httpx.Actor(r), id, d)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, req)
}

func (h *requestsAPI) withdraw(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	req, err := h.s.Withdraw(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, req)
}

// deliveryInput is an offline delivery record as the source enters it; the
// time it is recorded is the server's.
type deliveryInput struct {
	Method      string `json:"method"`
	DeliveredOn string `json:"delivered_on"`
	Carrier     string `json:"carrier"`
	Receiver    string `json:"receiver"`
	Rows        int64  `json:"rows"`
	Digest      string `json:"digest"`
	Note        string `json:"note"`
}

func (h *requestsAPI) delivery(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in deliveryInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	req, err := h.s.RecordDelivery(r.Context(), httpx.Actor(r), id, OfflineRecord{Method: in.Method, DeliveredOn: in.DeliveredOn, Carrier: in.Carrier,
		Receiver: in.Receiver, Rows: in.Rows, Digest: in.Digest, Note: in.Note})
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, req)
}

func (h *requestsAPI) apps(w http.ResponseWriter, r *http.Request) error {
	as, err := h.s.Apps(r.Context(), httpx.Actor(r))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(as))
}

func (h *requestsAPI) registerApp(w http.ResponseWriter, r *http.Request) error {
	var in AppInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.s.RegisterApp(r.Context(), httpx.Actor(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the secret is shown once
	return httpx.WriteJSON(w, http.StatusCreated, c)
}

func (h *requestsAPI) rotate(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.s.RotateSecret(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, c)
}

func (h *requestsAPI) setDisabled(disabled bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		app, err := h.s.SetAppDisabled(r.Context(), httpx.Actor(r), id, disabled)
		if err != nil {
			return err
		}
		return httpx.WriteJSON(w, http.StatusOK, app)
	}
}

// GrantFilterFromURL reads a grant listing's filters from query
// parameters: box (consumer or source), state, dataset, limit.
func GrantFilterFromURL(v url.Values) (GrantFilter, error) {
	f := GrantFilter{Role: strings.TrimSpace(v.Get("box")), State: strings.TrimSpace(v.Get("state"))}
	if f.Role != "" && f.Role != "consumer" && f.Role != "source" {
		return f, apperr.Invalidf("share.grant.box", "box", "box 须为 consumer 或 source", "box must be consumer or source")
	}
	if len(f.State) > 20 {
		return f, apperr.Invalidf("share.grant.state", "state", "未知的授权状态", "unknown grant state")
	}
	if s := v.Get("dataset"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return f, apperr.Invalidf("filter.dataset", "dataset", "dataset 须为数据集编号", "dataset must be a dataset id")
		}
		f.DatasetID = n
	}
	n, err := limitOf(v)
	f.Limit = n
	return f, err
}

func (h *requestsAPI) grants(w http.ResponseWriter, r *http.Request) error {
	f, err := GrantFilterFromURL(r.URL.Query())
	if err != nil {
		return err
	}
	gs, err := h.s.Grants(r.Context(), httpx.Actor(r), f)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(gs))
}

// grantWithEvents is a grant with the decisions of its life.
type grantWithEvents struct {
	Grant
	Events []GrantEvent `json:"events"`
}

func (h *requestsAPI) grant(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	g, evs, err := h.s.Grant(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []GrantEvent{}
	}
	return httpx.WriteJSON(w, http.StatusOK, grantWithEvents{Grant: g, Events: evs})
}

// reasonInput is the body of a grant's suspension, restoration or revocation.
type reasonInput struct {
	Reason string `json:"reason"`
}

func (h *requestsAPI) changeGrant(change func(ctx context.Context, a audit.Actor, id int64, reason string) (Grant, error)) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		var in reasonInput
		if err := httpx.DecodeJSON(r, &in); err != nil {
			return err
		}
		g, err := change(r.Context(), httpx.Actor(r), id, in.Reason)
		if err != nil {
			return err
		}
		return httpx.WriteJSON(w, http.StatusOK, g)
	}
}
