package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/httpx"
	"pubdata/internal/org"
)

// --- source conflicts (GD-290 §14, HZ §15) ---

type conflictRow struct {
	catalog.Conflict
	CanSettle bool
}

type conflictsData struct {
	Rows  []conflictRow
	State string
	Form  int64 // the conflict whose settle form has errors
}

func (p *portal) conflictsView(r *http.Request, state string) (*View, *conflictsData, error) {
	if state != "open" && state != "settled" {
		state = ""
	}
	cs, err := p.app.Catalog.Conflicts(r.Context(), httpx.Actor(r), state)
	if err != nil {
		return nil, nil, err
	}
	u := httpx.Principal(r)
	d := &conflictsData{State: state}
	for _, c := range cs {
		d.Rows = append(d.Rows, conflictRow{Conflict: c, CanSettle: c.State == "open" && u.Role.Can(auth.PermCatalogReview) && org.Covers(u.Jurisdiction, c.Jurisdiction)})
	}
	return p.view(r, "cat.conflicts", d), d, nil
}

func (p *portal) catalogConflicts(w http.ResponseWriter, r *http.Request) error {
	v, _, err := p.conflictsView(r, r.URL.Query().Get("state"))
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "catalog_conflicts", v)
}

func (p *portal) catalogSettle(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = p.app.Catalog.Settle(r.Context(), httpx.Actor(r), id, r.PostFormValue("decision"), r.PostFormValue("reason"))
	if err == nil {
		return redirect(w, r, "/catalog/conflicts?ok=cat_settled")
	}
	errs, general, ok := fieldErrors(err, httpx.Lang(r))
	if !ok || apperr.KindOf(err) == apperr.NotFound {
		return err
	}
	v, d, verr := p.conflictsView(r, "")
	if verr != nil {
		return verr
	}
	d.Form = id
	v.Path = "/catalog/conflicts"
	v.Errors, v.Error, v.Form = errs, general, r.PostForm
	return p.render(w, statusOf(err), "catalog_conflicts", v)
}

// --- not-shared filings (GD-290 §13) ---

func (p *portal) catalogFilings(w http.ResponseWriter, r *http.Request) error {
	fs, err := p.app.Catalog.Filings(r.Context(), httpx.Actor(r))
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "catalog_filings", p.view(r, "cat.filings", fs))
}

// --- the data-element register ---

type elementsData struct {
	Query    string
	Elements []catalog.Element
}

func (p *portal) catalogElements(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := &elementsData{Query: q}
	v := p.view(r, "cat.elements", d)
	if len([]rune(q)) > 100 {
		v.Errors["q"] = apperr.Invalidf("filter.q", "q", "查询词过长", "the query is too long").Message(v.Lang)
		d.Query = ""
		return p.render(w, http.StatusBadRequest, "catalog_elements", v)
	}
	es, err := p.app.Catalog.Elements(r.Context(), q)
	if err != nil {
		return err
	}
	d.Elements = es
	return p.render(w, http.StatusOK, "catalog_elements", v)
}

// --- the agency's registers: collection list, systems, demand list ---

// registerField is one detail field of a register, with its label key.
type registerField struct{ Key, Label string }

// registerFields mirror the detail fields the catalog service accepts per
// register kind (catalog/registers.go).
var registerFieldKeys = map[catalog.RegisterKind][]string{
	catalog.RegCollection: {"element", "legal_basis", "method", "frequency", "scope"},
	catalog.RegSystem:     {"description", "builder", "launched", "data_volume", "entries"},
	catalog.RegDemand:     {"source_agency", "purpose", "basis", "scenario", "status"},
}

type registerSection struct {
	Kind   string
	Title  string
	Fields []registerField
	Rows   []catalog.Register
}

type registersData struct {
	AgencyID   int64
	AgencyName string
	Sections   []registerSection
	Form       string // the kind whose add form has errors
	Holders    string // the element looked up after adding a collection line
	Existing   []catalog.Element
	Datasets   []collect.Holder // datasets that already hold the element's data
	DocFor     int64            // the system whose upload failed
	CanEdit    bool
	NoAgency   bool
}

func (p *portal) registersView(r *http.Request) (*View, *registersData, error) {
	ctx := r.Context()
	lang := httpx.Lang(r)
	u := httpx.Principal(r)
	q := r.URL.Query()
	d := &registersData{AgencyID: u.AgencyID}
	if s := q.Get("agency"); s != "" {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			d.AgencyID = id
		}
	}
	d.CanEdit = u.Role.Can(auth.PermCatalogEdit) && d.AgencyID == u.AgencyID
	v := p.view(r, "cat.registers", d)
	if d.AgencyID == 0 {
		d.NoAgency = true
		return v, d, nil
	}
	d.AgencyName = p.agencyNames(r).Name(d.AgencyID)
	for _, k := range []catalog.RegisterKind{catalog.RegCollection, catalog.RegSystem, catalog.RegDemand} {
		rows, err := p.app.Catalog.Registers(ctx, httpx.Actor(r), d.AgencyID, k)
		if err != nil {
			return nil, nil, err
		}
		s := registerSection{Kind: string(k), Title: T(lang, "cat.reg."+string(k)), Rows: rows}
		for _, f := range registerFieldKeys[k] {
			s.Fields = append(s.Fields, registerField{Key: f, Label: T(lang, "cat.regf."+f)})
		}
		d.Sections = append(d.Sections, s)
	}
	// After a collection line is added, the page shows who already holds
	// the element (HZ §16: collect once).
	if h := strings.TrimSpace(q.Get("holders")); h != "" && len([]rune(h)) <= 200 {
		d.Holders = h
		es, err := p.app.Catalog.Elements(ctx, h)
		if err != nil {
			return nil, nil, err
		}
		d.Existing = es
		if d.Datasets, err = p.app.Collect.Holders(ctx, httpx.Actor(r), h); err != nil && apperr.KindOf(err) != apperr.Invalid {
			return nil, nil, err
		}
	}
	return v, d, nil
}

func (p *portal) catalogRegisters(w http.ResponseWriter, r *http.Request) error {
	v, _, err := p.registersView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "catalog_registers", v)
}

// registersError shows the registers page again with the posted form's errors.
func (p *portal) registersError(w http.ResponseWriter, r *http.Request, form string, docFor int64, err error) error {
	errs, general, ok := fieldErrors(err, httpx.Lang(r))
	if !ok || apperr.KindOf(err) == apperr.NotFound {
		return err
	}
	r2 := r.Clone(r.Context())
	r2.URL = &url.URL{Path: "/catalog/registers"}
	v, d, verr := p.registersView(r2)
	if verr != nil {
		return verr
	}
	v.Path = "/catalog/registers"
	d.Form, d.DocFor = form, docFor
	v.Errors, v.Error, v.Form = errs, general, r.PostForm
	if general == "" {
		for _, m := range errs {
			v.Error = m
			break
		}
	}
	return p.render(w, statusOf(err), "catalog_registers", v)
}

func (p *portal) catalogAddRegister(kind catalog.RegisterKind) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		detail := map[string]string{}
		for _, f := range registerFieldKeys[kind] {
			if v := strings.TrimSpace(r.PostFormValue(f)); v != "" {
				detail[f] = v
			}
		}
		reg, err := p.app.Catalog.AddRegister(r.Context(), httpx.Actor(r), kind, r.PostFormValue("name"), detail)
		if err != nil {
			return p.registersError(w, r, string(kind), 0, err)
		}
		to := "/catalog/registers?ok=cat_register_added"
		if kind == catalog.RegCollection {
			el := reg.Detail["element"]
			if el == "" {
				el = reg.Name
			}
			to += "&holders=" + url.QueryEscape(el)
		}
		return redirect(w, r, to+"#"+string(kind))
	}
}

// catalogAttach stores a design or data-structure document of one of the
// agency's information systems (JM §9), posted as multipart/form-data.
func (p *portal) catalogAttach(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return p.registersError(w, r, "doc", id, apperr.Invalidf("catalog.document_size", "file", "请选择要上传的文件", "choose a file to upload"))
	}
	defer file.Close()
	content, err := io.ReadAll(io.LimitReader(file, catalog.MaxDocument+1))
	if err != nil {
		return err
	}
	name := r.PostFormValue("name")
	if strings.TrimSpace(name) == "" {
		name = hdr.Filename
	}
	if _, err := p.app.Catalog.AttachDocument(r.Context(), httpx.Actor(r), id, name, r.PostFormValue("kind"), content); err != nil {
		return p.registersError(w, r, "doc", id, err)
	}
	return redirect(w, r, "/catalog/registers?ok=cat_document_added#system")
}
