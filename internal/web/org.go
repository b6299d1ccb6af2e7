package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/httpx"
	"pubdata/internal/org"
)

// jurNode is a jurisdiction in the tree with its data authority.
type jurNode struct {
	org.Jurisdiction
	Authority *org.Agency
	Children  []*jurNode
}

// orgData is the organisations page's data.
type orgData struct {
	Tree          []*jurNode
	Jurisdictions []org.Jurisdiction
	JurNames      map[string]string
	Agencies      []org.Agency
	Query         string
	Jurisdiction  string
	// Form holds which admin form the errors belong to: "agency" or "county".
	Form string
}

func orgFilterFor(u *auth.Principal) org.AgencyFilter {
	return org.AgencyFilter{Jurisdiction: u.Jurisdiction}
}

// buildTree nests jurisdictions province → cities → counties.
func buildTree(js []org.Jurisdiction, authorities []org.Agency) []*jurNode {
	nodes := map[string]*jurNode{}
	for _, j := range js {
		nodes[j.Code] = &jurNode{Jurisdiction: j}
	}
	for i := range authorities {
		if n, ok := nodes[authorities[i].JurisdictionCode]; ok {
			n.Authority = &authorities[i]
		}
	}
	var roots []*jurNode
	for _, j := range js { // ordered by code, so children keep code order
		n := nodes[j.Code]
		if parent, ok := nodes[j.ParentCode]; ok && j.ParentCode != "" {
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

func (p *portal) orgView(r *http.Request) (*View, *orgData, error) {
	ctx := r.Context()
	q := r.URL.Query()
	d := &orgData{Query: strings.TrimSpace(q.Get("q")), Jurisdiction: q.Get("jurisdiction"), JurNames: map[string]string{}}
	js, err := p.app.Orgs.Jurisdictions(ctx)
	if err != nil {
		return nil, nil, err
	}
	yes := true
	auths, err := p.app.Orgs.Agencies(ctx, org.AgencyFilter{Authorities: &yes})
	if err != nil {
		return nil, nil, err
	}
	d.Tree = buildTree(js, auths)
	d.Jurisdictions = js
	for _, j := range js {
		d.JurNames[j.Code] = j.Name
	}
	v := p.view(r, "org.title", d)
	f := org.AgencyFilter{Query: d.Query}
	if _, ok := d.JurNames[d.Jurisdiction]; ok {
		f.Jurisdiction = d.Jurisdiction
	} else {
		d.Jurisdiction = ""
	}
	if len(f.Query) > 100 {
		v.Errors["q"] = T(v.Lang, "org.query") + ": " + apperr.Invalidf("filter.q", "q", "查询词过长", "the query is too long").Message(v.Lang)
		f.Query = ""
	}
	d.Agencies, err = p.app.Orgs.Agencies(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	return v, d, nil
}

func (p *portal) orgPage(w http.ResponseWriter, r *http.Request) error {
	v, _, err := p.orgView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "org", v)
}

// agencyInput reads the agency form.
func agencyInput(r *http.Request) org.AgencyInput {
	return org.AgencyInput{
		CreditCode:       strings.ToUpper(strings.TrimSpace(r.PostFormValue("credit_code"))),
		Name:             r.PostFormValue("name"),
		Sector:           r.PostFormValue("sector"),
		JurisdictionCode: r.PostFormValue("jurisdiction_code"),
		PublicEnterprise: r.PostFormValue("public_enterprise") == "on",
		CDOName:          r.PostFormValue("chief_data_officer"),
		CDOTitle:         r.PostFormValue("chief_data_officer_title"),
	}
}

func (p *portal) createAgency(w http.ResponseWriter, r *http.Request) error {
	in := agencyInput(r)
	ag, err := p.app.Orgs.CreateAgency(r.Context(), httpx.Actor(r), in)
	if err != nil {
		return p.orgFormError(w, r, "agency", err)
	}
	return redirect(w, r, "/org/agencies/"+strconv.FormatInt(ag.ID, 10)+"?ok=agency_created")
}

func (p *portal) addJurisdiction(w http.ResponseWriter, r *http.Request) error {
	_, err := p.app.Orgs.AddJurisdiction(r.Context(), httpx.Actor(r), strings.TrimSpace(r.PostFormValue("code")), r.PostFormValue("name"))
	if err != nil {
		return p.orgFormError(w, r, "county", err)
	}
	return redirect(w, r, "/org?ok=county_added")
}

// orgFormError re-renders the organisations page with the submitted form
// and its errors next to the fields.
func (p *portal) orgFormError(w http.ResponseWriter, r *http.Request, form string, err error) error {
	errs, general, ok := fieldErrors(err, httpx.Lang(r))
	if !ok {
		return err
	}
	// Show the list unfiltered: the query string of a POST is not a filter.
	r2 := r.Clone(r.Context())
	r2.URL = &url.URL{Path: "/org"}
	v, d, verr := p.orgView(r2)
	if verr != nil {
		return verr
	}
	v.Path = "/org"
	d.Form = form
	v.Errors, v.Error, v.Form = errs, general, r.PostForm
	return p.render(w, statusOf(err), "org", v)
}

// agencyData is the agency page's data.
type agencyData struct {
	Agency   org.Agency
	JurName  string
	Editable bool
}

func (p *portal) agencyPage(w http.ResponseWriter, r *http.Request) error {
	v, err := p.agencyView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "agency", v)
}

func (p *portal) agencyView(r *http.Request) (*View, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	ag, err := p.app.Orgs.Agency(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := agencyData{Agency: ag}
	if j, err := p.app.Orgs.Jurisdiction(r.Context(), ag.JurisdictionCode); err == nil {
		d.JurName = j.Name
	}
	u := httpx.Principal(r)
	d.Editable = u.Role.Can(auth.PermOrgManage) && org.Covers(u.Jurisdiction, ag.JurisdictionCode)
	v := p.view(r, "org.agency", d)
	v.Title = ag.Name
	v.Form = url.Values{"name": {ag.Name}, "sector": {ag.Sector}, "chief_data_officer": {ag.CDOName}, "chief_data_officer_title": {ag.CDOTitle}}
	if ag.PublicEnterprise {
		v.Form.Set("public_enterprise", "on")
	}
	return v, nil
}

func (p *portal) updateAgency(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = p.app.Orgs.UpdateAgency(r.Context(), httpx.Actor(r), id, agencyInput(r))
	if err == nil {
		return redirect(w, r, "/org/agencies/"+strconv.FormatInt(id, 10)+"?ok=agency_updated")
	}
	errs, general, ok := fieldErrors(err, httpx.Lang(r))
	if !ok || apperr.KindOf(err) == apperr.NotFound {
		return err
	}
	v, verr := p.agencyView(r)
	if verr != nil {
		return verr
	}
	v.Errors, v.Error, v.Form = errs, general, r.PostForm
	return p.render(w, statusOf(err), "agency", v)
}
