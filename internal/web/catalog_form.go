package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/httpx"
)

// The drafting form: every metadata field of GD-290 §10 and an item editor.
// Items post as items[N].field; blank rows are dropped and the rest
// renumbered, so that the service's errors (items[3].grade) name the rows
// the form shows again.

// metaFields are the metadata fields of the form, by their API names.
var metaFields = []string{"name", "class_code", "summary", "data_form", "format", "share_type", "share_conditions", "share_basis", "share_scope", "share_modes",
	"open_attr", "open_conditions", "update_freq", "collecting_agency", "verifying_agency", "providing_agency", "source_system", "related_codes", "keywords", "legal_basis"}

// itemFields are the fields of one item row. values is one input, the
// values separated by 、 or commas (catalog.SplitValues).
var itemFields = []string{"name", "type", "length", "description", "grade", "personal", "personal_kind", "key", "key_kind", "element", "source", "required",
	"values", "min", "max", "format"}

var (
	itemKeyRE  = regexp.MustCompile(`^items\[(\d{1,4})\]\.([a-z_]+)$`)
	itemListRE = regexp.MustCompile(`^(items\[\d{1,4}\]\.values)\[\d+\]$`)
	listErrRE  = regexp.MustCompile(`^(keywords|related_codes|share_modes)\[\d+\]$`)
	listSplitR = regexp.MustCompile(`[\s,，、;；]+`)
)

// blankRows is how many empty item rows the form offers besides the filled
// ones (without JavaScript, the only way to add items), and minRows the least.
const (
	blankRows = 3
	minRows   = 5
)

func splitList(s string) []string {
	var out []string
	for _, p := range listSplitR.Split(strings.TrimSpace(s), -1) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// metadataOf reads the drafting form. It returns the metadata, the form's
// values with the item rows renumbered (blank rows dropped), and the
// problems that stop it being read at all (a length that is not a number).
func metadataOf(f url.Values) (catalog.Metadata, url.Values, apperr.List) {
	m := catalog.Metadata{Name: f.Get("name"), ClassCode: strings.TrimSpace(f.Get("class_code")), Summary: f.Get("summary"),
		DataForm: catalog.DataForm(f.Get("data_form")), Format: f.Get("format"), ShareType: catalog.ShareType(f.Get("share_type")),
		ShareConditions: f.Get("share_conditions"), ShareBasis: f.Get("share_basis"), ShareScope: f.Get("share_scope"),
		OpenAttr: catalog.OpenAttr(f.Get("open_attr")), OpenConditions: f.Get("open_conditions"), UpdateFreq: catalog.UpdateFreq(f.Get("update_freq")),
		CollectingAgency: f.Get("collecting_agency"), VerifyingAgency: f.Get("verifying_agency"), ProvidingAgency: f.Get("providing_agency"),
		SourceSystem: f.Get("source_system"), LegalBasis: f.Get("legal_basis"),
		Keywords: splitList(f.Get("keywords")), RelatedCodes: splitList(f.Get("related_codes"))}
	for _, s := range f["share_modes"] {
		if s != "" && !slices.Contains(m.ShareModes, catalog.ShareMode(s)) {
			m.ShareModes = append(m.ShareModes, catalog.ShareMode(s))
		}
	}
	out := url.Values{}
	for _, k := range metaFields {
		if vs, ok := f[k]; ok {
			out[k] = vs
		}
	}
	var rows []int
	for k := range f {
		if mm := itemKeyRE.FindStringSubmatch(k); mm != nil {
			n, _ := strconv.Atoi(mm[1])
			if !slices.Contains(rows, n) {
				rows = append(rows, n)
			}
		}
	}
	slices.Sort(rows)
	var problems apperr.List
	k := 0
	for _, i := range rows {
		get := func(field string) string { return strings.TrimSpace(f.Get(fmt.Sprintf("items[%d].%s", i, field))) }
		blank := true
		for _, fld := range []string{"name", "length", "description", "personal_kind", "element", "personal", "key", "source", "required", "values", "min", "max"} {
			if get(fld) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		prefix := fmt.Sprintf("items[%d].", k)
		for _, fld := range itemFields {
			if v := get(fld); v != "" {
				out.Set(prefix+fld, v)
			}
		}
		it := catalog.Item{Name: get("name"), Type: catalog.ItemType(get("type")), Description: get("description"), Grade: get("grade"),
			Personal: get("personal") != "", PersonalKind: get("personal_kind"), Key: get("key") != "", KeyKind: catalog.KeyKind(get("key_kind")),
			Element: get("element"), Source: get("source") != "", Required: get("required") != "",
			Values: catalog.SplitValues(get("values")), Min: get("min"), Max: get("max"), Format: catalog.Format(get("format"))}
		if l := get("length"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil {
				problems = append(problems, apperr.Invalidf("catalog.item_length", prefix+"length", "长度须为整数", "the length must be a whole number"))
			} else {
				it.Length = n
			}
		}
		m.Items = append(m.Items, it)
		k++
	}
	return m, out, problems
}

// formOf fills the drafting form from metadata.
func formOf(m catalog.Metadata) url.Values {
	f := url.Values{}
	set := func(k, v string) {
		if v != "" {
			f.Set(k, v)
		}
	}
	set("name", m.Name)
	set("class_code", m.ClassCode)
	set("summary", m.Summary)
	set("data_form", string(m.DataForm))
	set("format", m.Format)
	set("share_type", string(m.ShareType))
	set("share_conditions", m.ShareConditions)
	set("share_basis", m.ShareBasis)
	set("share_scope", m.ShareScope)
	for _, s := range m.ShareModes {
		f.Add("share_modes", string(s))
	}
	set("open_attr", string(m.OpenAttr))
	set("open_conditions", m.OpenConditions)
	set("update_freq", string(m.UpdateFreq))
	set("collecting_agency", m.CollectingAgency)
	set("verifying_agency", m.VerifyingAgency)
	set("providing_agency", m.ProvidingAgency)
	set("source_system", m.SourceSystem)
	set("related_codes", strings.Join(m.RelatedCodes, " "))
	set("keywords", strings.Join(m.Keywords, " "))
	set("legal_basis", m.LegalBasis)
	flag := func(k string, b bool) {
		if b {
			f.Set(k, "on")
		}
	}
	for i, it := range m.Items {
		p := fmt.Sprintf("items[%d].", i)
		set(p+"name", it.Name)
		set(p+"type", string(it.Type))
		if it.Length > 0 {
			set(p+"length", strconv.Itoa(it.Length))
		}
		set(p+"description", it.Description)
		set(p+"grade", it.Grade)
		flag(p+"personal", it.Personal)
		set(p+"personal_kind", it.PersonalKind)
		flag(p+"key", it.Key)
		set(p+"key_kind", string(it.KeyKind))
		set(p+"element", it.Element)
		flag(p+"source", it.Source)
		flag(p+"required", it.Required)
		set(p+"values", catalog.JoinValues(it.Values))
		set(p+"min", it.Min)
		set(p+"max", it.Max)
		set(p+"format", string(it.Format))
	}
	return f
}

// itemRow is one row of the item editor.
type itemRow struct {
	N      int    // 1-based, for display
	Prefix string // "items[0]."
}

// formData is the drafting form's data.
type formData struct {
	Entry       *catalog.Entry // nil for a new entry
	Action      string
	Reasons     string // the authority's reasons, when the version was returned
	DataForms   []option
	ShareTypes  []option
	OpenAttrs   []option
	UpdateFreqs []option
	ShareModes  []option
	ItemTypes   []option
	KeyKinds    []option
	Formats     []option
	Grades      []option
	Items       []itemRow
	Problems    []string // messages of fields the form does not show
}

// formView builds the drafting form's page from submitted (or loaded)
// values and the errors to show next to their fields.
func (p *portal) formView(r *http.Request, e *catalog.Entry, form url.Values, errs map[string]string, general string) *View {
	lang := httpx.Lang(r)
	u := httpx.Principal(r)
	juris := u.Jurisdiction
	d := &formData{Entry: e, Action: "/catalog/new",
		DataForms: enumOptions(catalog.DataForms(), "", lang), ShareTypes: enumOptions(catalog.ShareTypes(), "share", lang),
		OpenAttrs: enumOptions(catalog.OpenAttrs(), "open", lang), UpdateFreqs: enumOptions(catalog.UpdateFreqs(), "", lang),
		ShareModes: enumOptions(catalog.ShareModes(), "mode", lang), KeyKinds: enumOptions([]catalog.KeyKind{catalog.KeyResidentID, catalog.KeyCreditCode, catalog.KeyOther}, "", lang),
		Formats: enumOptions(catalog.Formats(), "", lang)}
	for _, t := range catalog.ItemTypes() {
		d.ItemTypes = append(d.ItemTypes, option{Value: string(t), Label: string(t) + " " + catalog.Label(string(t), "", lang)})
	}
	for i := range d.ShareModes {
		d.ShareModes[i].Checked = slices.Contains(form["share_modes"], d.ShareModes[i].Value)
	}
	title := "cat.new"
	if e != nil {
		juris = e.Jurisdiction
		d.Action = "/catalog/" + strconv.FormatInt(e.ID, 10) + "/edit"
		title = "cat.edit"
	}
	d.Grades = gradeOptions(p.app.Rules.ForJurisdiction(juris), lang)
	filled := 0
	for k := range form {
		if mm := itemKeyRE.FindStringSubmatch(k); mm != nil {
			n, _ := strconv.Atoi(mm[1])
			filled = max(filled, n+1)
		}
	}
	for i := range max(filled+blankRows, minRows) {
		d.Items = append(d.Items, itemRow{N: i + 1, Prefix: fmt.Sprintf("items[%d].", i)})
	}
	// Errors about one element of a list show at the list's field; errors
	// about a field the form does not show are listed above it.
	shown := map[string]string{}
	for f, m := range errs {
		if mm := listErrRE.FindStringSubmatch(f); mm != nil {
			f = mm[1]
		}
		if mm := itemListRE.FindStringSubmatch(f); mm != nil {
			f = mm[1]
		}
		known := slices.Contains(metaFields, f) || f == "items"
		if mm := itemKeyRE.FindStringSubmatch(f); mm != nil {
			n, _ := strconv.Atoi(mm[1])
			known = n < len(d.Items) && slices.Contains(itemFields, mm[2])
		}
		if !known {
			d.Problems = append(d.Problems, m)
			continue
		}
		if _, dup := shown[f]; !dup {
			shown[f] = m
		}
	}
	slices.Sort(d.Problems)
	v := p.view(r, title, d)
	if e != nil {
		v.Title = T(lang, title) + "：" + e.Name
	}
	v.Form, v.Errors, v.Error = form, shown, general
	if len(errs) > 0 && general == "" {
		v.Error = Tf(lang, "cat.form_errors", len(errs))
	}
	return v
}

// renderFormError shows the form again with err's messages, or returns
// err when it is not about the input.
func (p *portal) renderFormError(w http.ResponseWriter, r *http.Request, e *catalog.Entry, form url.Values, err error, general string) error {
	errs, g, ok := fieldErrors(err, httpx.Lang(r))
	if !ok || apperr.KindOf(err) == apperr.NotFound {
		return err
	}
	if general == "" {
		general = g
	} else if g != "" {
		general += " " + g
	}
	v := p.formView(r, e, form, errs, general)
	if len(errs) > 0 && general != "" {
		v.Error = general + " " + Tf(v.Lang, "cat.form_errors", len(errs))
	}
	return p.render(w, statusOf(err), "catalog_form", v)
}

func (p *portal) catalogNewForm(w http.ResponseWriter, r *http.Request) error {
	form := url.Values{}
	if name := p.view(r, "", nil).AgencyName; name != "" {
		form.Set("collecting_agency", name)
		form.Set("providing_agency", name)
	}
	return p.render(w, http.StatusOK, "catalog_form", p.formView(r, nil, form, nil, ""))
}

func (p *portal) catalogCreate(w http.ResponseWriter, r *http.Request) error {
	m, form, problems := metadataOf(r.PostForm)
	if len(problems) > 0 {
		return p.renderFormError(w, r, nil, form, problems, "")
	}
	e, err := p.app.Catalog.Create(r.Context(), httpx.Actor(r), m)
	if err != nil {
		return p.renderFormError(w, r, nil, form, err, "")
	}
	return p.afterSave(w, r, e)
}

// afterSave submits the entry when the officer chose "save and submit",
// and goes to the entry's page.
func (p *portal) afterSave(w http.ResponseWriter, r *http.Request, e catalog.Entry) error {
	to := "/catalog/" + strconv.FormatInt(e.ID, 10)
	if r.PostFormValue("then") != "submit" {
		return redirect(w, r, to+"?ok=cat_saved")
	}
	if _, err := p.app.Catalog.Submit(r.Context(), httpx.Actor(r), e.ID); err != nil {
		return p.submitError(w, r, e.ID, err)
	}
	return redirect(w, r, to+"?ok=cat_submitted")
}

// submitError shows why a submission failed: rule violations on the form
// with the version's values, anything else on the entry's page.
func (p *portal) submitError(w http.ResponseWriter, r *http.Request, id int64, err error) error {
	var list apperr.List
	if !errors.As(err, &list) {
		return p.entryActionError(w, r, "submit", err)
	}
	e, vs, gerr := p.app.Catalog.Get(r.Context(), httpx.Actor(r), id)
	if gerr != nil {
		return gerr
	}
	form := formOf(e.Metadata)
	if len(vs) > 0 {
		form = formOf(vs[0].Metadata)
	}
	return p.renderFormError(w, r, &e, form, err, T(httpx.Lang(r), "cat.submit_failed"))
}

// editable loads an entry for its officer, with its latest version, which
// must be a draft or returned.
func (p *portal) editable(r *http.Request) (catalog.Entry, catalog.Version, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return catalog.Entry{}, catalog.Version{}, err
	}
	e, vs, err := p.app.Catalog.Get(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return catalog.Entry{}, catalog.Version{}, err
	}
	u := httpx.Principal(r)
	if u.AgencyID != e.AgencyID || u.Role != auth.AgencyOfficer {
		return catalog.Entry{}, catalog.Version{}, apperr.New(apperr.Forbidden, "catalog.not_owner", "只有本机构的数据管理员可以编辑本机构的目录", "only the agency's data officers may edit its catalog")
	}
	if len(vs) == 0 || vs[0].State != catalog.VersionDraft && vs[0].State != catalog.VersionReturned {
		return catalog.Entry{}, catalog.Version{}, apperr.New(apperr.Conflict, "catalog.not_editable", "该版本已提交或已发布，不能修改；如需变更请新建版本", "this version is submitted or published; start a new version to change it")
	}
	return e, vs[0], nil
}

func (p *portal) catalogEditForm(w http.ResponseWriter, r *http.Request) error {
	e, ver, err := p.editable(r)
	if err != nil {
		return err
	}
	v := p.formView(r, &e, formOf(ver.Metadata), nil, "")
	if ver.State == catalog.VersionReturned {
		v.Data.(*formData).Reasons = p.returnReasons(r, ver.CaseID)
	}
	return p.render(w, http.StatusOK, "catalog_form", v)
}

func (p *portal) catalogUpdate(w http.ResponseWriter, r *http.Request) error {
	e, _, err := p.editable(r)
	if err != nil {
		return err
	}
	m, form, problems := metadataOf(r.PostForm)
	if len(problems) > 0 {
		return p.renderFormError(w, r, &e, form, problems, "")
	}
	saved, err := p.app.Catalog.Update(r.Context(), httpx.Actor(r), e.ID, m)
	if err != nil {
		return p.renderFormError(w, r, &e, form, err, "")
	}
	return p.afterSave(w, r, saved)
}

// returnReasons returns the reasons of the latest return of a review case.
func (p *portal) returnReasons(r *http.Request, caseID int64) string {
	if caseID == 0 {
		return ""
	}
	_, evs, err := p.app.Cases.Case(r.Context(), httpx.Actor(r), caseID)
	if err != nil {
		return ""
	}
	reasons := ""
	for _, ev := range evs {
		if ev.Action == "return" {
			reasons = ev.Fields["reasons"]
		}
	}
	return reasons
}
