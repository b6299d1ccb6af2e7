package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/httpx"
	"pubdata/internal/procedure"
	"pubdata/internal/rules"
)

// registerCatalog adds the catalog console (issue 3, item 7): the
// published catalog with search and facets, the agency's own catalog and
// drafting form, an entry with its versions and actions, the authority's
// review queue, and the conflict, filing, element and register lists.
// Literal paths are registered per register kind so that they do not
// overlap /catalog/{id}/… in the mux.
func registerCatalog(rt *httpx.Router, a *app.App, p *portal) {
	_ = a // the portal carries the app; the parameter keeps Register's call uniform
	rt.Page("GET", "/catalog", auth.PermCatalogRead, p.catalogSearch)
	rt.Page("GET", "/catalog/mine", auth.PermCatalogEdit, p.catalogMine)
	rt.Page("GET", "/catalog/new", auth.PermCatalogEdit, p.catalogNewForm)
	rt.Page("POST", "/catalog/new", auth.PermCatalogEdit, p.catalogCreate)
	rt.Page("GET", "/catalog/review", auth.PermCatalogReview, p.catalogReviewQueue)
	rt.Page("GET", "/catalog/conflicts", auth.PermCatalogRead, p.catalogConflicts)
	rt.Page("POST", "/catalog/conflicts/{id}/settle", auth.PermCatalogReview, p.catalogSettle)
	rt.Page("GET", "/catalog/filings", auth.PermCatalogRead, p.catalogFilings)
	rt.Page("GET", "/catalog/elements", auth.PermCatalogRead, p.catalogElements)
	rt.Page("GET", "/catalog/registers", auth.PermCatalogRead, p.catalogRegisters)
	for _, k := range []catalog.RegisterKind{catalog.RegCollection, catalog.RegSystem, catalog.RegDemand} {
		rt.Page("POST", "/catalog/registers/"+string(k), auth.PermCatalogEdit, p.catalogAddRegister(k))
	}
	rt.PageUpload("POST", "/catalog/registers/system/{id}/documents", auth.PermCatalogEdit, catalog.MaxDocument+1<<20, p.catalogAttach)
	rt.Page("GET", "/catalog/{id}", auth.PermCatalogRead, p.catalogEntryPage)
	rt.Page("GET", "/catalog/{id}/edit", auth.PermCatalogEdit, p.catalogEditForm)
	rt.Page("POST", "/catalog/{id}/edit", auth.PermCatalogEdit, p.catalogUpdate)
	rt.Page("POST", "/catalog/{id}/submit", auth.PermCatalogEdit, p.catalogSubmit)
	rt.Page("POST", "/catalog/{id}/versions", auth.PermCatalogEdit, p.catalogNewVersion)
	rt.Page("POST", "/catalog/{id}/review", auth.PermCatalogReview, p.catalogReview)
	rt.Page("POST", "/catalog/{id}/delist", auth.PermCatalogManage, p.catalogDelist)
	rt.Page("POST", "/catalog/{id}/basis-change", auth.PermCatalogManage, p.catalogBasisChange)
	registerCatalogFiles(rt, p)
}

// option is one choice of a select, checkbox group or facet.
type option struct {
	Value, Label string
	Checked      bool
}

func enumOptions[T ~string](vs []T, ctx, lang string) []option {
	out := make([]option, len(vs))
	for i, v := range vs {
		out[i] = option{Value: string(v), Label: catalog.Label(string(v), ctx, lang)}
	}
	return out
}

// gradeOptions lists a profile's grades, most sensitive first, with labels.
func gradeOptions(prof *rules.Profile, lang string) []option {
	if prof == nil {
		return nil
	}
	g, err := catalog.GradesOf(prof)
	if err != nil {
		return nil
	}
	out := make([]option, len(g.Levels))
	for i, l := range g.Levels {
		out[i] = option{Value: l, Label: g.Label(l)}
		if lang == "en" {
			out[i].Label = l
		}
	}
	return out
}

// gradeLabeler returns a function naming a grade by the profile of a jurisdiction.
func (p *portal) gradeLabeler(jurisdiction, lang string) func(string) string {
	prof := p.app.Rules.ForJurisdiction(jurisdiction)
	if prof == nil || lang == "en" {
		return func(s string) string { return s }
	}
	g, err := catalog.GradesOf(prof)
	if err != nil {
		return func(s string) string { return s }
	}
	return g.Label
}

func categoryLabel(lang string, cat int) string {
	if cat < 1 || cat > 3 {
		return ""
	}
	return T(lang, "cat.category."+strconv.Itoa(cat))
}

// --- the published catalog: search with facets ---

// searchParams are the query parameters of the catalog view, in the order
// the export link repeats them; facet names map to them in facetParam.
var searchParams = []string{"q", "agency", "jurisdiction", "category", "share_type", "open_attr", "update_freq", "grade", "data_form", "status", "sort"}

var facetParam = map[string]string{"agency": "agency", "jurisdiction": "jurisdiction", "category": "category", "share_type": "share_type",
	"open_attr": "open_attr", "update_freq": "update_freq", "grade": "grade", "data_form": "data_form"}

var facetOrder = []string{"agency", "jurisdiction", "category", "share_type", "open_attr", "update_freq", "grade", "data_form"}

// filterChip is an active filter with the link that removes it.
type filterChip struct{ Name, Label, Href string }

// facetView is one facet with links that add its values.
type facetView struct {
	Name   string
	Title  string
	Values []facetLink
}

type facetLink struct {
	catalog.FacetCount
	Href   string
	Active bool
}

// entryRow is an entry in a list, with its display labels.
type entryRow struct {
	catalog.Entry
	Share, Open, Freq, Form, Category, StatusTitle string
}

func entryRowOf(e catalog.Entry, lang string) entryRow {
	return entryRow{Entry: e, Share: catalog.Label(string(e.ShareType), "share", lang), Open: catalog.Label(string(e.OpenAttr), "open", lang),
		Freq: catalog.Label(string(e.UpdateFreq), "", lang), Form: catalog.Label(string(e.DataForm), "", lang), Category: categoryLabel(lang, e.Category()),
		StatusTitle: T(lang, "cat.status."+string(e.Status))}
}

type pageLink struct {
	N       int
	Href    string
	Current bool
}

// searchData is the catalog page's data.
type searchData struct {
	Query     catalog.Query
	Total     int
	Rows      []entryRow
	Facets    []facetView
	Chips     []filterChip
	Pages     []pageLink
	Prev      string
	Next      string
	ExportXLS string
	ExportJSN string
	Statuses  []option
	Hidden    []option // facet filters the search form keeps
	Failed    bool
}

// withParam returns the catalog URL of the current query with one
// parameter set (or removed when value is ""), back on the first page.
func withParam(base string, cur url.Values, name, value string) string {
	q := url.Values{}
	for _, k := range searchParams {
		if v := cur.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	if value == "" {
		q.Del(name)
	} else {
		q.Set(name, value)
	}
	if name == "page" && value != "" && value != "1" {
		q.Set("page", value)
	}
	if s := q.Encode(); s != "" {
		return base + "?" + s
	}
	return base
}

func (p *portal) catalogSearch(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	params := r.URL.Query()
	// QueryFromURL parses and validates the same parameters as the API,
	// filling the defaults.
	q, err := catalog.QueryFromURL(params)
	d := &searchData{Query: q}
	for _, f := range facetOrder {
		if val := params.Get(facetParam[f]); val != "" {
			d.Hidden = append(d.Hidden, option{Value: facetParam[f], Label: val})
		}
	}
	for _, s := range []string{"published", "all", "draft", "in_review", "delisted"} {
		d.Statuses = append(d.Statuses, option{Value: s, Label: T(lang, "cat.status."+s), Checked: params.Get("status") == s})
	}
	v := p.view(r, "cat.title", d)
	var res catalog.SearchResult
	if err == nil {
		res, err = p.app.Catalog.Search(r.Context(), httpx.Actor(r), q, lang)
	}
	if err != nil {
		errs, general, ok := fieldErrors(err, lang)
		if !ok {
			return err
		}
		v.Errors, v.Error, d.Failed = errs, general, true
		if general == "" {
			for _, m := range errs {
				v.Error = m
				break
			}
		}
		d.Facets = nil
		v.Form = params
		return p.render(w, http.StatusBadRequest, "catalog", v)
	}
	d.Query, d.Total = q, res.Total
	v.Form = params
	for _, e := range res.Entries {
		d.Rows = append(d.Rows, entryRowOf(e, lang))
	}
	for _, f := range facetOrder {
		param := facetParam[f]
		fv := facetView{Name: f, Title: T(lang, "cat.facet."+f)}
		for _, c := range res.Facets[f] {
			active := params.Get(param) == c.Value
			href := withParam("/catalog", params, param, c.Value)
			if active {
				href = withParam("/catalog", params, param, "")
			}
			fv.Values = append(fv.Values, facetLink{FacetCount: c, Href: href, Active: active})
			if active {
				d.Chips = append(d.Chips, filterChip{Name: fv.Title, Label: c.Label, Href: href})
			}
		}
		if len(fv.Values) > 0 {
			d.Facets = append(d.Facets, fv)
		}
	}
	// Filters whose value matched nothing still show, so they can be removed.
	for _, f := range facetOrder {
		param := facetParam[f]
		val := params.Get(param)
		if val == "" || slices.ContainsFunc(d.Chips, func(c filterChip) bool { return c.Name == T(lang, "cat.facet."+f) }) {
			continue
		}
		d.Chips = append(d.Chips, filterChip{Name: T(lang, "cat.facet."+f), Label: val, Href: withParam("/catalog", params, param, "")})
	}
	if q.Text != "" {
		d.Chips = append([]filterChip{{Name: T(lang, "cat.search_text"), Label: q.Text, Href: withParam("/catalog", params, "q", "")}}, d.Chips...)
	}
	pages := (res.Total + q.PerPage - 1) / q.PerPage
	if pages > 1 {
		for n := max(1, q.Page-4); n <= min(pages, q.Page+4); n++ {
			d.Pages = append(d.Pages, pageLink{N: n, Href: withParam("/catalog", params, "page", strconv.Itoa(n)), Current: n == q.Page})
		}
		if q.Page > 1 {
			d.Prev = withParam("/catalog", params, "page", strconv.Itoa(q.Page-1))
		}
		if q.Page < pages {
			d.Next = withParam("/catalog", params, "page", strconv.Itoa(q.Page+1))
		}
	}
	d.ExportXLS = withParam("/catalog/export", params, "format", "xlsx")
	d.ExportJSN = withParam("/catalog/export", params, "format", "json")
	return p.render(w, http.StatusOK, "catalog", v)
}

// --- the agency's own catalog ---

// workState is where an entry's version in work stands, with the due
// date of its review or of an update the agency owes.
type workState struct {
	VersionState string // catalog key of the version state, "" if none in work
	CaseID       int64
	DueDate      string
	Overdue      bool
	UpdateDue    string
	UpdateLate   bool
	UpdateCase   int64
}

type mineRow struct {
	entryRow
	workState
}

type mineData struct {
	Rows     []mineRow
	Total    int
	Prev     string
	Next     string
	Page     int
	Import   *importData // the result of a failed import
	Imported int         // entries imported by the last import
}

// openCatalogCases returns, by entry ID, the open review case and the open
// update case the actor can see.
func (p *portal) openCatalogCases(r *http.Request) (map[int64]procedure.Case, map[int64]procedure.Case, error) {
	ctx := r.Context()
	actor := httpx.Actor(r)
	reviews, err := p.app.Cases.Cases(ctx, actor, procedure.CaseFilter{Kind: procedure.CatalogReview.Name, Open: true, Limit: 1000})
	if err != nil {
		return nil, nil, err
	}
	var vids []string
	for _, c := range reviews {
		if c.ObjectType == "catalog_version" {
			vids = append(vids, c.ObjectID)
		}
	}
	ents, err := p.app.Catalog.EntriesOfVersions(ctx, vids)
	if err != nil {
		return nil, nil, err
	}
	rev := map[int64]procedure.Case{}
	for _, c := range reviews {
		if id, ok := ents[c.ObjectID]; ok {
			rev[id] = c
		}
	}
	updates, err := p.app.Cases.Cases(ctx, actor, procedure.CaseFilter{Kind: catalog.CatalogUpdate.Name, Open: true, Limit: 1000})
	if err != nil {
		return nil, nil, err
	}
	upd := map[int64]procedure.Case{}
	for _, c := range updates {
		if id, err := strconv.ParseInt(c.ObjectID, 10, 64); err == nil && c.ObjectType == "catalog_entry" {
			upd[id] = c
		}
	}
	return rev, upd, nil
}

func (p *portal) catalogMine(w http.ResponseWriter, r *http.Request) error {
	return p.renderMine(w, r, http.StatusOK, nil)
}

// renderMine shows the agency's catalog, with the errors of a failed import.
func (p *portal) renderMine(w http.ResponseWriter, r *http.Request, status int, imp *importData) error {
	lang := httpx.Lang(r)
	u := httpx.Principal(r)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page < 1 || page > 10000 {
		page = 1
	}
	res, err := p.app.Catalog.Search(r.Context(), httpx.Actor(r), catalog.Query{AgencyID: u.AgencyID, Status: "all", Sort: "date", Page: page, PerPage: 100}, lang)
	if err != nil {
		return err
	}
	rev, upd, err := p.openCatalogCases(r)
	if err != nil {
		return err
	}
	d := &mineData{Total: res.Total, Page: page, Import: imp}
	if n, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil && n > 0 {
		d.Imported = n
	}
	for _, e := range res.Entries {
		row := mineRow{entryRow: entryRowOf(e, lang)}
		if c, ok := rev[e.ID]; ok {
			row.CaseID, row.DueDate, row.Overdue = c.ID, c.DueDate, c.Overdue
			row.VersionState = "cat.vstate.submitted"
			if c.State == "returned" {
				row.VersionState, row.DueDate, row.Overdue = "cat.vstate.returned", "", false
			}
		} else if e.LatestVersion > e.PublishedVersion && e.Status != catalog.StatusDraft {
			row.VersionState = "cat.vstate.draft"
		}
		if c, ok := upd[e.ID]; ok {
			row.UpdateDue, row.UpdateLate, row.UpdateCase = c.DueDate, c.Overdue, c.ID
		}
		d.Rows = append(d.Rows, row)
	}
	if page > 1 {
		d.Prev = "/catalog/mine?page=" + strconv.Itoa(page-1)
	}
	if page*100 < res.Total {
		d.Next = "/catalog/mine?page=" + strconv.Itoa(page+1)
	}
	return p.render(w, status, "catalog_mine", p.view(r, "cat.mine", d))
}

// --- the authority's review queue ---

type queueRow struct {
	caseRow
	EntryID int64
}

func (p *portal) catalogReviewQueue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := httpx.Lang(r)
	cs, err := p.app.Cases.Cases(ctx, httpx.Actor(r), procedure.CaseFilter{Kind: procedure.CatalogReview.Name, State: "submitted", Open: true, Limit: 1000})
	if err != nil {
		return err
	}
	var vids []string
	for _, c := range cs {
		vids = append(vids, c.ObjectID)
	}
	ents, err := p.app.Catalog.EntriesOfVersions(ctx, vids)
	if err != nil {
		return err
	}
	names := p.agencyNames(r)
	var rows []queueRow
	for _, c := range cs {
		if c.ObjectType != "catalog_version" {
			continue
		}
		rows = append(rows, queueRow{caseRow: p.caseRow(c, lang, names), EntryID: ents[c.ObjectID]})
	}
	// Oldest first: the case the authority has owed longest.
	slices.SortStableFunc(rows, func(a, b queueRow) int {
		if c := strings.Compare(a.DueDate, b.DueDate); c != 0 && a.DueDate != "" && b.DueDate != "" {
			return c
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	return p.render(w, http.StatusOK, "catalog_review", p.view(r, "cat.review", rows))
}

func asList(err error, list *apperr.List) bool { return errors.As(err, list) }

// catalogTabs are the catalog console's pages, for the tabs on each.
var catalogTabs = []struct {
	key, href string
	perm      auth.Permission
}{
	{"cat.tab.search", "/catalog", auth.PermCatalogRead},
	{"cat.mine", "/catalog/mine", auth.PermCatalogEdit},
	{"cat.review", "/catalog/review", auth.PermCatalogReview},
	{"cat.conflicts", "/catalog/conflicts", auth.PermCatalogRead},
	{"cat.filings", "/catalog/filings", auth.PermCatalogRead},
	{"cat.elements", "/catalog/elements", auth.PermCatalogRead},
	{"cat.registers", "/catalog/registers", auth.PermCatalogRead},
}

// CatalogTabs lists the catalog pages the user may open, marking the current one.
func (v *View) CatalogTabs() []navItem {
	var out []navItem
	path, _, _ := strings.Cut(v.Path, "?")
	for _, t := range catalogTabs {
		if v.User != nil && v.User.Role.Can(t.perm) {
			out = append(out, navItem{Key: t.key, Href: t.href, Active: path == t.href})
		}
	}
	return out
}
