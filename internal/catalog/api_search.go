package catalog

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/httpx"
)

// MaxImport is the largest spreadsheet accepted for import, in bytes.
const MaxImport = 20 << 20

// maxExport caps how many entries one export holds.
const maxExport = 5000

// registerSearch adds the search, export and spreadsheet routes.
func (s *Service) registerSearch(rt *httpx.Router, h *api) {
	rt.API("GET", "/api/v1/catalog/entries", auth.PermCatalogRead, h.search)
	rt.API("GET", "/api/v1/catalog/export", auth.PermCatalogRead, h.export)
	rt.API("GET", "/api/v1/catalog/template", auth.PermCatalogRead, h.template)
	rt.Upload("POST", "/api/v1/catalog/import", auth.PermCatalogEdit, MaxImport+1<<20, h.importXLSX)
}

// QueryFromURL reads a catalog search from query parameters: q, agency,
// jurisdiction, category, share_type, open_attr, update_freq, grade,
// data_form, status, sort, page, per_page. The web console uses it too.
func QueryFromURL(v url.Values) (Query, error) {
	q := Query{Text: v.Get("q"), Jurisdiction: v.Get("jurisdiction"), ShareType: v.Get("share_type"), OpenAttr: v.Get("open_attr"),
		UpdateFreq: v.Get("update_freq"), Grade: v.Get("grade"), DataForm: v.Get("data_form"), Status: v.Get("status"), Sort: v.Get("sort")}
	ints := []struct {
		name string
		dst  *int
	}{{"category", &q.Category}, {"page", &q.Page}, {"per_page", &q.PerPage}}
	for _, f := range ints {
		if s := v.Get(f.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return q, apperr.Invalidf("filter."+f.name, f.name, f.name+" 须为整数", f.name+" must be a whole number")
			}
			*f.dst = n
		}
	}
	if s := v.Get("agency"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return q, apperr.Invalidf("filter.agency", "agency", "agency 须为机构编号", "agency must be an agency id")
		}
		q.AgencyID = n
	}
	return q, q.Validate()
}

func (h *api) search(w http.ResponseWriter, r *http.Request) error {
	q, err := QueryFromURL(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := h.s.Search(r.Context(), httpx.Actor(r), q, httpx.Lang(r))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

// ExportEntries returns the full entries (with items) of a catalog view,
// at most maxExport of them, for a spreadsheet or JSON export. Only what
// the search shows the actor is exported; the export is audited once.
func (s *Service) ExportEntries(ctx context.Context, a audit.Actor, q Query, lang string) ([]Entry, error) {
	q.Page, q.PerPage = 1, 200
	var out []Entry
	for len(out) < maxExport {
		res, err := s.Search(ctx, a, q, lang)
		if err != nil {
			return nil, err
		}
		for _, e := range res.Entries {
			if len(out) == maxExport {
				break
			}
			full, err := s.entry(ctx, e.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, full)
		}
		if len(res.Entries) < q.PerPage || q.Page*q.PerPage >= res.Total {
			break
		}
		q.Page++
	}
	return out, s.trail.Record(ctx, a, audit.Event{Action: "catalog.export", ObjectType: "catalog", Detail: q.summary(len(out))})
}

func (h *api) export(w http.ResponseWriter, r *http.Request) error {
	q, err := QueryFromURL(r.URL.Query())
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "xlsx"
	}
	if format != "xlsx" && format != "json" {
		return apperr.Invalidf("filter.format", "format", "格式须为 xlsx 或 json", "format must be xlsx or json")
	}
	es, err := h.s.ExportEntries(r.Context(), httpx.Actor(r), q, httpx.Lang(r))
	if err != nil {
		return err
	}
	name := "catalog-" + time.Now().In(calendar.Shanghai).Format("20060102-150405")
	if format == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		return ExportJSON(w, es)
	}
	w.Header().Set("Content-Type", XLSXType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	return ExportXLSX(w, es, httpx.Lang(r))
}

// XLSXType is the media type of an .xlsx workbook.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (h *api) template(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", XLSXType)
	w.Header().Set("Content-Disposition", `attachment; filename="catalog-template.xlsx"`)
	return WriteTemplate(w, httpx.Lang(r))
}

func (h *api) importXLSX(w http.ResponseWriter, r *http.Request) error {
	es, err := h.s.ImportXLSX(r.Context(), httpx.Actor(r), r.Body)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, httpx.ListOf(es))
}

func urlEscape(s string) string { return url.PathEscape(s) }
