package httpx

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"pubdata/internal/apperr"
)

// Problem is an RFC 9457 problem document with pubdata's extensions: a
// stable code, the request ID, and one entry per field or row at fault.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Instance  string         `json:"instance,omitempty"`
	Code      string         `json:"code"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []ProblemEntry `json:"errors,omitempty"`
}

// ProblemEntry names one field (and row) at fault.
type ProblemEntry struct {
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
	Row    int    `json:"row,omitempty"`
	Detail string `json:"detail"`
}

// Status returns the HTTP status of an application error kind.
func Status(k apperr.Kind) int {
	switch k {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.TooMany:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

var titles = map[int][2]string{
	400: {"请求有误", "Bad request"},
	401: {"需要身份认证", "Unauthorized"},
	403: {"禁止访问", "Forbidden"},
	404: {"未找到", "Not found"},
	405: {"方法不允许", "Method not allowed"},
	409: {"状态冲突", "Conflict"},
	413: {"请求体过大", "Payload too large"},
	415: {"不支持的媒体类型", "Unsupported media type"},
	429: {"请求过多", "Too many requests"},
	500: {"内部错误", "Internal error"},
	503: {"服务不可用", "Service unavailable"},
}

// ProblemOf builds the problem document for err in the language.
func ProblemOf(err error, lang, instance, requestID string) Problem {
	var list apperr.List
	if errors.As(err, &list) && len(list) > 0 {
		p := ProblemOf(list[0], lang, instance, requestID)
		p.Errors = p.Errors[:0]
		for _, e := range list {
			p.Errors = append(p.Errors, ProblemEntry{Code: e.Code, Field: e.Field, Row: e.Row, Detail: e.Message(lang)})
		}
		if len(list) > 1 {
			if lang == "en" {
				p.Detail = list[0].Message(lang) + " (and more: see errors)"
			} else {
				p.Detail = list[0].Message(lang) + "（另有其他错误，见 errors）"
			}
		}
		return p
	}
	e, ok := apperr.As(err)
	if !ok {
		e = apperr.New(apperr.Internal, "internal", "内部错误，请联系管理员并提供请求编号", "internal error; quote the request ID to the administrator")
	}
	status := Status(e.Kind)
	t := titles[status]
	title := t[0]
	if lang == "en" {
		title = t[1]
	}
	p := Problem{Type: "urn:pubdata:problem:" + url.PathEscape(e.Code), Title: title, Status: status, Detail: e.Message(lang), Instance: instance, Code: e.Code, RequestID: requestID}
	if e.Field != "" || e.Row > 0 {
		p.Errors = []ProblemEntry{{Code: e.Code, Field: e.Field, Row: e.Row, Detail: e.Message(lang)}}
	}
	return p
}

// WriteProblem writes err as application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemOf(err, Lang(r), r.URL.Path, RequestID(r))
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="pubdata"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// ProblemHeader carries the stable problem code of an error response.
const ProblemHeader = "X-Problem-Code"

// PageErrorRenderer renders an error as an HTML page; the web package sets it.
var PageErrorRenderer func(w http.ResponseWriter, r *http.Request, p Problem)

func (rt *Router) renderError(w http.ResponseWriter, r *http.Request, route Route, err error) {
	if apperr.KindOf(err) == apperr.Internal {
		rt.log.Error("internal error", "request_id", RequestID(r), "route", route.Pattern, "err", err)
	}
	// The stable code travels in a header too, so that scripts (and tests)
	// read it from HTML error pages as well as from problem documents.
	w.Header().Set(ProblemHeader, ProblemOf(err, "en", "", "").Code)
	if route.Kind == Page {
		if apperr.KindOf(err) == apperr.Unauthorized {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if PageErrorRenderer != nil {
			PageErrorRenderer(w, r, ProblemOf(err, Lang(r), r.URL.Path, RequestID(r)))
			return
		}
	}
	WriteProblem(w, r, err)
}
