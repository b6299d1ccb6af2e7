package httpx

import (
	"net/http"
	"strings"
)

// LangCookie holds the language the user chose in the web portal.
const LangCookie = "pubdata_lang"

// Lang returns "zh" or "en" for the request: zh-CN first.
func Lang(r *http.Request) string {
	if s, ok := r.Context().Value(keyLang).(string); ok {
		return s
	}
	return negotiateLang(r)
}

// negotiateLang picks the language: ?lang=, then the cookie, then
// Accept-Language by quality; zh unless English is preferred.
func negotiateLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "zh" {
		return l
	}
	if c, err := r.Cookie(LangCookie); err == nil && (c.Value == "en" || c.Value == "zh") {
		return c.Value
	}
	best, bestQ := "zh", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			var f float64
			if _, err := fmtSscan(v, &f); err == nil {
				q = f
			}
		}
		tag = strings.ToLower(tag)
		var l string
		switch {
		case strings.HasPrefix(tag, "zh"):
			l = "zh"
		case strings.HasPrefix(tag, "en"):
			l = "en"
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}
