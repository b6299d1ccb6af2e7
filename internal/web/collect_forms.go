package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/collect"
	"pubdata/internal/httpx"
	"pubdata/internal/org"
)

// The collection console's forms for what was first offered through the
// API only: registering a database pull source (库表汇聚), filing a channel
// exemption (HZ §18), binding a dataset to a base-database attribute group
// (GD-290 §18–20) and setting up a return flow (HZ §29). Each posts with the
// form's CSRF token, shows the service's refusals next to their field in
// the caller's language, and redirects after a success.

// registerCollectForms adds the routes of the forms.
func registerCollectForms(rt *httpx.Router, p *portal) {
	rt.Page("POST", "/datasets/{id}/sources", auth.PermDataLoad, p.sourceAdd)
	rt.Page("POST", "/datasets/{id}/base-group", auth.PermDataGovern, p.datasetBaseGroup)
	rt.Page("POST", "/datasets/{id}/return-flow", auth.PermDataGovern, p.datasetReturnFlow)
	rt.Page("GET", "/collection-exemptions", auth.PermDataRead, p.exemptionsPage)
	rt.Page("POST", "/collection-exemptions", auth.PermDataLoad, p.exemptionFile)
}

// Field-name prefixes of the dataset page's forms, so that the source
// form's mode does not re-fill the upload form's, and so on.
const (
	srcPrefix  = "src."
	basePrefix = "bind."
)

// sourceItem is a live item of the dataset, one mapping input of the source form.
type sourceItem struct {
	Name     string
	Key      bool
	Required bool
}

// govern is what an authority reviewer may do on the dataset page.
type govern struct {
	Groups     []option // the bindable attribute groups of the dataset's jurisdiction
	ReturnFlow bool     // a city or county reviewer on a provincial dataset
}

// datasetForms fills the forms of the dataset page the user may use.
func (p *portal) datasetForms(r *http.Request, ds collect.Dataset, d *datasetData) {
	lang := httpx.Lang(r)
	u := httpx.Principal(r)
	if d.CanLoad {
		for _, c := range ds.Live() {
			d.SourceItems = append(d.SourceItems, sourceItem{Name: c.Item.Name, Key: c.Item.Key, Required: c.Item.Required})
		}
		d.Drivers = []option{{Value: collect.DriverPostgres, Label: T(lang, "col.src.driver.postgres")}, {Value: collect.DriverMySQL, Label: T(lang, "col.src.driver.mysql")}}
	}
	if u == nil || u.Role != auth.AuthorityReviewer || ds.OriginID != 0 {
		return
	}
	g := &govern{}
	if org.Covers(u.Jurisdiction, ds.Jurisdiction) {
		g.Groups = []option{{Value: "", Label: T(lang, "col.bind.none")}}
		for _, bg := range p.app.Collect.BaseGroups(ds.Jurisdiction) {
			if bg.Bindable {
				g.Groups = append(g.Groups, option{Value: bg.Key, Label: pick(lang, bg.BaseZH, bg.BaseEN) + " · " + pick(lang, bg.ZH, bg.EN) + " (" + bg.Key + ")",
					Checked: bg.Key == ds.BaseGroup})
			}
		}
	}
	g.ReturnFlow = len(u.Jurisdiction) == 6 && u.Jurisdiction != org.ProvinceCode && ds.Jurisdiction == org.ProvinceCode
	if len(g.Groups) > 0 || g.ReturnFlow {
		d.Govern = g
	}
}

// datasetFormError shows the dataset page again with err's messages on the
// form whose fields are named by prefix: fields maps a service field to
// the form's field, or returns "" for a message shown at the top. It
// returns err when err is not about the input.
func (p *portal) datasetFormError(w http.ResponseWriter, r *http.Request, err error, prefix string, form url.Values, fields func(string) string) error {
	lang := httpx.Lang(r)
	errs, general, ok := fieldErrors(err, lang)
	if e, isApp := apperr.As(err); !ok && isApp && e.Kind == apperr.Forbidden && e.Field != "" {
		// A refusal about a choice (not the legal source of a group) belongs next to it.
		errs, general, ok = map[string]string{e.Field: e.Message(lang)}, "", true
	}
	if !ok {
		return err
	}
	v, _, verr := p.datasetView(r)
	if verr != nil {
		return verr
	}
	v.Form = url.Values{}
	for k, vs := range form {
		v.Form[prefix+k] = vs
	}
	for f, msg := range errs {
		if to := fields(f); to != "" {
			v.Errors[prefix+to] = msg
		} else if general == "" {
			general = msg
		}
	}
	v.Error = general
	if v.Error == "" && len(v.Errors) > 0 {
		v.Error = Tf(lang, "cat.form_errors", len(v.Errors))
	}
	return p.render(w, statusOf(err), "collect_dataset", v)
}

// sourceAdd registers a source table of the agency's database for the
// dataset (库表汇聚). The connection string is sealed by the service and
// never shown again, not even when the form comes back with errors.
func (p *portal) sourceAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("form", "", "表单无法解析", "the form cannot be read")
	}
	in := collect.SourceInput{Driver: r.PostFormValue("driver"), DSN: r.PostFormValue("dsn"), Table: r.PostFormValue("table"),
		UpdateColumn: r.PostFormValue("update_column"), Mode: collect.Mode(r.PostFormValue("mode")), Columns: map[string]string{}}
	form := url.Values{}
	for k, vs := range r.PostForm {
		switch {
		case k == "dsn" || k == "csrf_token":
		case strings.HasPrefix(k, "columns."):
			if c := strings.TrimSpace(vs[0]); c != "" {
				in.Columns[strings.TrimPrefix(k, "columns.")] = c
			}
			form[k] = vs
		default:
			form[k] = vs
		}
	}
	if _, err := p.app.Collect.AddSource(r.Context(), httpx.Actor(r), id, in); err != nil {
		if k := apperr.KindOf(err); k == apperr.NotFound || k == apperr.Forbidden {
			return err
		}
		return p.datasetFormError(w, r, err, srcPrefix, form, func(f string) string {
			switch {
			case f == "driver", f == "dsn", f == "table", f == "update_column", f == "mode", f == "columns", strings.HasPrefix(f, "columns."):
				return f
			}
			return ""
		})
	}
	return redirect(w, r, "/datasets/"+strconv.FormatInt(id, 10)+"?ok=source_added#sources")
}

// datasetBaseGroup binds the dataset to a base-database attribute group,
// or unbinds it (GD-290 §18–20). The refusal of an agency that is not the
// group's legal source shows next to the choice.
func (p *portal) datasetBaseGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	group := r.PostFormValue("base_group")
	if _, err := p.app.Collect.SetBaseGroup(r.Context(), httpx.Actor(r), id, group); err != nil {
		if e, ok := apperr.As(err); ok && (e.Kind == apperr.NotFound || e.Kind == apperr.Forbidden && e.Field == "") {
			return err
		}
		return p.datasetFormError(w, r, err, basePrefix, url.Values{"base_group": {group}}, func(string) string { return "base_group" })
	}
	ok := "base_bound"
	if strings.TrimSpace(group) == "" {
		ok = "base_unbound"
	}
	return redirect(w, r, "/datasets/"+strconv.FormatInt(id, 10)+"?ok="+ok+"#govern")
}

// datasetReturnFlow sets up the return flow of a provincial dataset into
// the reviewer's city or county (HZ §29) and shows the copy.
func (p *portal) datasetReturnFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cp, err := p.app.Collect.AddReturnFlow(r.Context(), httpx.Actor(r), id)
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.NotFound || k == apperr.Forbidden {
			return err
		}
		return p.datasetFormError(w, r, err, basePrefix, nil, func(string) string { return "return_flow" })
	}
	return redirect(w, r, "/datasets/"+strconv.FormatInt(cp.ID, 10)+"?ok=return_flow_added")
}

// --- channel exemptions (HZ §18) ---

type exemptionsData struct {
	Rows    []collect.Exemption
	CanFile bool     // an agency officer: the filing form
	Entries []option // the agency's catalog entries with a dataset
}

// exemptionsView reads the exemptions the user may see (the service
// decides and audits) and, for an agency officer, the entries to file for.
func (p *portal) exemptionsView(r *http.Request) (*View, error) {
	ctx := r.Context()
	actor := httpx.Actor(r)
	u := httpx.Principal(r)
	d := &exemptionsData{CanFile: u.Role == auth.AgencyOfficer && u.AgencyID != 0}
	xs, err := p.app.Collect.Exemptions(ctx, actor, collect.ExemptionFilter{})
	if err != nil {
		return nil, err
	}
	d.Rows = xs
	if d.CanFile {
		ds, err := p.app.Collect.Datasets(ctx, actor, collect.DatasetFilter{AgencyID: u.AgencyID})
		if err != nil {
			return nil, err
		}
		seen := map[int64]bool{}
		for _, x := range ds {
			if x.OriginID != 0 || seen[x.EntryID] {
				continue
			}
			seen[x.EntryID] = true
			d.Entries = append(d.Entries, option{Value: strconv.FormatInt(x.EntryID, 10), Label: x.ResourceCode + " " + x.Name})
		}
	}
	return p.view(r, "col.exemptions", d), nil
}

func (p *portal) exemptionsPage(w http.ResponseWriter, r *http.Request) error {
	v, err := p.exemptionsView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "collect_exemptions", v)
}

// exemptionFile files a channel exemption for one of the agency's entries.
func (p *portal) exemptionFile(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	entryID, perr := strconv.ParseInt(r.PostFormValue("entry_id"), 10, 64)
	var err error
	if perr != nil || entryID <= 0 {
		err = apperr.Invalidf("collect.exemption.entry", "entry_id", "请选择目录条目", "choose a catalog entry")
	} else {
		_, err = p.app.Collect.FileExemption(r.Context(), httpx.Actor(r), entryID, r.PostFormValue("reason"), r.PostFormValue("alternative"))
	}
	if err == nil {
		return redirect(w, r, "/collection-exemptions?ok=exemption_filed")
	}
	errs, general, ok := fieldErrors(err, lang)
	if !ok || apperr.KindOf(err) == apperr.Forbidden {
		return err
	}
	v, verr := p.exemptionsView(r)
	if verr != nil {
		return verr
	}
	v.Form = r.PostForm
	for f, msg := range errs {
		switch f {
		case "entry_id", "reason", "alternative":
			v.Errors[f] = msg
		default:
			general = msg
		}
	}
	v.Error = general
	return p.render(w, statusOf(err), "collect_exemptions", v)
}
