package share

import (
	"net/http"

	"pubdata/internal/auth"
	"pubdata/internal/httpx"
)

// registerFollowUp adds the follow-up routes: use reports (GD-290 §46, JM
// §20, MZ §39, HZ §23) and data error reports (JM §19, MZ §23, HZ §28).
func (s *Service) registerFollowUp(rt *httpx.Router) {
	h := &followUpAPI{s: s}
	rt.API("GET", "/api/v1/share/feedback", auth.PermShareRead, h.feedback)
	rt.API("POST", "/api/v1/share/feedback/{id}", auth.PermShareRequest, h.submitFeedback)
	rt.API("GET", "/api/v1/share/errors", auth.PermShareRead, h.errors)
	rt.API("POST", "/api/v1/share/errors", auth.PermShareRequest, h.reportError)
	rt.API("GET", "/api/v1/share/errors/{id}", auth.PermShareRead, h.error)
	rt.API("POST", "/api/v1/share/errors/{id}/decision", auth.PermShareDecide, h.decideError)
}

type followUpAPI struct{ s *Service }

func (h *followUpAPI) feedback(w http.ResponseWriter, r *http.Request) error {
	f, err := FeedbackFilterFromURL(r.URL.Query())
	if err != nil {
		return err
	}
	out, err := h.s.Feedback(r.Context(), httpx.Actor(r), f)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(out))
}

func (h *followUpAPI) submitFeedback(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in FeedbackReport
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	fb, err := h.s.SubmitFeedback(r.Context(), httpx.Actor(r), id, in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, fb)
}

func (h *followUpAPI) errors(w http.ResponseWriter, r *http.Request) error {
	f, err := ErrorFilterFromURL(r.URL.Query())
	if err != nil {
		return err
	}
	out, err := h.s.Errors(r.Context(), httpx.Actor(r), f)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(out))
}

func (h *followUpAPI) reportError(w http.ResponseWriter, r *http.Request) error {
	var in ErrorInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e, err := h.s.ReportError(r.Context(), httpx.Actor(r), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, e)
}

func (h *followUpAPI) error(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.s.Error(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, e)
}

func (h *followUpAPI) decideError(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in ErrorDecision
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e, err := h.s.DecideError(r.Context(), httpx.Actor(r), id, in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, e)
}
