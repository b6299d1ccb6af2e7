package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/httpapi"
	"pubdata/internal/httpx"
)

// auditPageSize is how many entries one page of the browser shows.
const auditPageSize = 50

// auditData is the audit browser's data.
type auditData struct {
	Entries   []audit.Entry
	Older     string // URL of the next (older) page, "" at the end
	Newest    string // URL of the first page, "" on it
	ExportCSV string
	ExportJS  string
	Outcomes  []string
}

// auditFilterKeys are the query parameters of the filter form; paging and
// export links carry them on.
var auditFilterKeys = []string{"actor", "action", "object_type", "object_id", "outcome", "from", "to"}

func filterQuery(r *http.Request) url.Values {
	q := url.Values{}
	for _, k := range auditFilterKeys {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func (p *portal) auditPage(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	d := auditData{Outcomes: []string{audit.OK, audit.Denied, audit.Failed}}
	v := p.view(r, "audit.title", &d)
	v.Form = filterQuery(r)
	f, err := httpapi.AuditFilter(r)
	if err != nil {
		errs, general, ok := fieldErrors(err, lang)
		if !ok {
			return err
		}
		v.Errors, v.Error = errs, general
		return p.render(w, http.StatusBadRequest, "audit", v)
	}
	if f.Limit == 0 {
		f.Limit = auditPageSize
	}
	es, err := p.app.Trail.List(r.Context(), f)
	if err != nil {
		return err
	}
	// Reading the trail is itself audited, after the read so it is not in the page.
	if err := p.app.Trail.Record(r.Context(), httpx.Actor(r), audit.Event{Action: "audit.read", ObjectType: "audit", Detail: r.URL.RawQuery}); err != nil {
		return err
	}
	d.Entries = es
	q := filterQuery(r)
	if len(es) == f.Limit && es[len(es)-1].Seq > 1 {
		older := filterQuery(r)
		older.Set("before", strconv.FormatInt(es[len(es)-1].Seq, 10))
		d.Older = "/audit?" + older.Encode()
	}
	if f.BeforeSeq > 0 {
		d.Newest = "/audit?" + q.Encode()
	}
	csv := filterQuery(r)
	csv.Set("format", "csv")
	d.ExportCSV = "/audit/export?" + csv.Encode()
	js := filterQuery(r)
	js.Set("format", "json")
	d.ExportJS = "/audit/export?" + js.Encode()
	return p.render(w, http.StatusOK, "audit", v)
}

// auditExport downloads the filtered trail as CSV or JSON. It is the API's
// export under a page route, so that a bad filter shows an HTML error page
// and the download works from a link in any browser.
func (p *portal) auditExport(w http.ResponseWriter, r *http.Request) error {
	f, err := httpapi.AuditFilter(r)
	if err != nil {
		return err
	}
	if f.Limit == 0 {
		f.Limit = 10000
	}
	format := r.URL.Query().Get("format")
	if format != "json" {
		format = "csv"
	}
	es, err := p.app.Trail.List(r.Context(), f)
	if err != nil {
		return err
	}
	if err := p.app.Trail.Record(r.Context(), httpx.Actor(r), audit.Event{Action: "audit.export", ObjectType: "audit", Detail: format + " " + strconv.Itoa(len(es)) + " entries " + r.URL.RawQuery}); err != nil {
		return err
	}
	name := "audit-" + time.Now().In(calendar.Shanghai).Format("20060102-150405")
	w.Header().Set("Cache-Control", "no-store")
	if format == "json" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		if es == nil {
			es = []audit.Entry{}
		}
		return httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": es, "count": len(es)})
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	return httpapi.WriteAuditCSV(w, es)
}

// verifyData is the verification page's data.
type verifyData struct {
	Report audit.Report
	Keyed  bool
}

func (p *portal) auditVerify(w http.ResponseWriter, r *http.Request) error {
	rep, err := p.app.Trail.Verify(r.Context())
	if err != nil {
		return err
	}
	if err := p.app.Trail.Record(r.Context(), httpx.Actor(r), audit.Event{Action: "audit.verify", ObjectType: "audit", Detail: strconv.FormatBool(rep.OK)}); err != nil {
		return err
	}
	v := p.view(r, "verify.title", verifyData{Report: rep, Keyed: p.app.Trail.Keyed()})
	return p.render(w, http.StatusOK, "verify", v)
}
