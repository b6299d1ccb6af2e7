package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/httpx"
	"pubdata/internal/org"
)

// itemView is a data item with its display labels.
type itemView struct {
	catalog.Item
	N                                   int
	TypeLabel, GradeLabel, KeyKindLabel string
	ValuesText, RangeText, FormatLabel  string // 值域, 最小值–最大值, 格式
}

// rangeText shows an item's minimum and maximum: lengths in characters
// for character and memo items, values for the others.
func rangeText(lang string, it catalog.Item) string {
	key := "cat.range."
	if it.Type == catalog.TypeChar || it.Type == catalog.TypeMemo {
		key += "chars_"
	}
	switch {
	case it.Min != "" && it.Max != "":
		return Tf(lang, key+"both", it.Min, it.Max)
	case it.Min != "":
		return Tf(lang, key+"min", it.Min)
	case it.Max != "":
		return Tf(lang, key+"max", it.Max)
	}
	return ""
}

type versionRow struct {
	catalog.Version
	StateTitle string
	Shown      bool
}

type diffRow struct{ Field, Old, New string }

// entryData is an entry page's data.
type entryData struct {
	Entry      entryRow
	Meta       catalog.Metadata // of the version shown
	DataForm   string           // labels of the shown version's enumerations
	ShareType  string
	OpenAttr   string
	UpdateFreq string
	Shown      int
	ShownState string
	Items      []itemView
	ValueRules bool // some item declares values, a range or a format
	ShareModes string
	Versions   []versionRow
	Review     *caseRow // the open review case of the latest version
	Reasons    string   // the authority's reasons of the latest return
	Diff       []diffRow
	DiffFrom   int
	DiffTo     int
	DiffAsked  bool
	CanEdit    bool
	CanSubmit  bool
	CanNewVer  bool
	CanDelist  bool
	CanBasis   bool
	CanReview  bool
	// ReturnFlowFrom is the entry's dataset, when the viewer is the reviewer
	// of a city or county below the entry's jurisdiction and may take its
	// rows back by locality (HZ §29).
	ReturnFlowFrom int64
	Form           string // the action form the errors belong to
	LatestState    string
	// ShareKind is the request another agency may file for a published
	// entry: "data", or "verify" for not-shared data; "" for none.
	ShareKind string
}

var diffRE = regexp.MustCompile(`^(\d{1,6})\.\.(\d{1,6})$`)

// diffField names a field of catalog.Diff for display.
func diffField(lang, f string) string {
	switch {
	case f == "items[+]":
		return T(lang, "cat.diff.added")
	case f == "items[-]":
		return T(lang, "cat.diff.removed")
	case strings.HasPrefix(f, "items["):
		if mm := itemKeyRE.FindStringSubmatch(f); mm != nil {
			n, _ := strconv.Atoi(mm[1])
			return Tf(lang, "cat.diff.item", n+1) + " · " + T(lang, "cat.item."+mm[2])
		}
	}
	if _, ok := messages["cat.f."+f]; ok {
		return T(lang, "cat.f."+f)
	}
	return f
}

// diffValue shows an enumerated value by its label.
func diffValue(lang, f, v string) string {
	item := strings.HasPrefix(f, "items[")
	if i := strings.LastIndex(f, "."); i >= 0 {
		f = f[i+1:]
	}
	switch f {
	case "share_type":
		return catalog.Label(v, "share", lang)
	case "open_attr":
		return catalog.Label(v, "open", lang)
	case "data_form", "update_freq", "type", "key_kind":
		return catalog.Label(v, "", lang)
	case "format":
		if item { // an item's identifier format; the entry's format is free text
			return catalog.Label(v, "", lang)
		}
	}
	switch v {
	case "true":
		return T(lang, "yes")
	case "false":
		return T(lang, "no")
	}
	return v
}

func (p *portal) entryView(r *http.Request) (*View, *entryData, error) {
	ctx := r.Context()
	lang := httpx.Lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	e, vs, err := p.app.Catalog.Get(ctx, httpx.Actor(r), id) // audited by the service
	if err != nil {
		return nil, nil, err
	}
	if len(vs) == 0 {
		return nil, nil, apperr.ErrNotFound
	}
	u := httpx.Principal(r)
	d := &entryData{Entry: entryRowOf(e, lang)}
	q := r.URL.Query()
	// The version shown: ?v=N, or the latest the viewer may see.
	shown := vs[0]
	if n, err := strconv.Atoi(q.Get("v")); err == nil {
		for _, x := range vs {
			if x.Version == n {
				shown = x
			}
		}
	}
	d.Meta, d.Shown, d.ShownState = shown.Metadata, shown.Version, T(lang, "cat.vstate."+string(shown.State))
	grade := p.gradeLabeler(e.Jurisdiction, lang)
	m := shown.Metadata
	d.DataForm, d.ShareType = catalog.Label(string(m.DataForm), "", lang), catalog.Label(string(m.ShareType), "share", lang)
	d.OpenAttr, d.UpdateFreq = catalog.Label(string(m.OpenAttr), "open", lang), catalog.Label(string(m.UpdateFreq), "", lang)
	for i, it := range m.Items {
		iv := itemView{Item: it, N: i + 1, TypeLabel: catalog.Label(string(it.Type), "", lang), GradeLabel: grade(it.Grade)}
		if it.Key {
			iv.KeyKindLabel = catalog.Label(string(it.KeyKind), "", lang)
		}
		iv.ValuesText, iv.RangeText = catalog.JoinValues(it.Values), rangeText(lang, it)
		if it.Format != "" {
			iv.FormatLabel = catalog.Label(string(it.Format), "", lang)
		}
		d.ValueRules = d.ValueRules || iv.ValuesText != "" || iv.RangeText != "" || iv.FormatLabel != ""
		d.Items = append(d.Items, iv)
	}
	var modes []string
	for _, m := range shown.Metadata.ShareModes {
		modes = append(modes, catalog.Label(string(m), "mode", lang))
	}
	d.ShareModes = strings.Join(modes, "、")
	for _, x := range vs {
		d.Versions = append(d.Versions, versionRow{Version: x, StateTitle: T(lang, "cat.vstate."+string(x.State)), Shown: x.Version == shown.Version})
	}
	latest := vs[0]
	d.LatestState = string(latest.State)

	// The version diff: ?diff=1..2, or from= and to= of the form.
	from, to := q.Get("from"), q.Get("to")
	if mm := diffRE.FindStringSubmatch(q.Get("diff")); mm != nil {
		from, to = mm[1], mm[2]
	}
	if from != "" || to != "" {
		d.DiffAsked = true
		d.DiffFrom, _ = strconv.Atoi(from)
		d.DiffTo, _ = strconv.Atoi(to)
		var a, b *catalog.Version
		for i := range vs {
			switch vs[i].Version {
			case d.DiffFrom:
				a = &vs[i]
			case d.DiffTo:
				b = &vs[i]
			}
		}
		if a != nil && b != nil {
			for _, c := range catalog.Diff(a.Metadata, b.Metadata) {
				d.Diff = append(d.Diff, diffRow{Field: diffField(lang, c.Field), Old: diffValue(lang, c.Field, c.Old), New: diffValue(lang, c.Field, c.New)})
			}
		}
	} else if len(vs) > 1 {
		d.DiffFrom, d.DiffTo = vs[1].Version, vs[0].Version
	}

	owner := u.Role == auth.AgencyOfficer && u.AgencyID == e.AgencyID
	covering := u.Role == auth.AuthorityReviewer && org.Covers(u.Jurisdiction, e.Jurisdiction)
	inWork := latest.State == catalog.VersionDraft || latest.State == catalog.VersionReturned
	d.CanEdit = owner && inWork && e.Status != catalog.StatusDelisted
	d.CanSubmit = d.CanEdit
	d.CanNewVer = owner && e.Status == catalog.StatusPublished && latest.State == catalog.VersionPublished
	d.CanDelist = (owner || covering) && e.Status != catalog.StatusDelisted
	d.CanBasis = (owner || covering) && e.Status == catalog.StatusPublished && e.UpdateDue == ""
	if latest.CaseID != 0 && (owner || covering) {
		c, evs, err := p.app.Cases.Case(ctx, httpx.Actor(r), latest.CaseID)
		if err == nil {
			if !c.Closed {
				row := p.caseRow(c, lang, p.agencyNames(r))
				d.Review = &row
			}
			for _, ev := range evs {
				if ev.Action == "return" {
					d.Reasons = ev.Fields["reasons"]
				}
			}
			d.CanReview = covering && latest.State == catalog.VersionSubmitted && c.RespondentAgencyID == u.AgencyID && !c.Closed
		}
	}
	if latest.State != catalog.VersionReturned {
		d.Reasons = ""
	}
	if u.Role == auth.AuthorityReviewer && e.Status == catalog.StatusPublished && e.Jurisdiction != u.Jurisdiction && org.Covers(e.Jurisdiction, u.Jurisdiction) {
		if ds, err := p.app.Collect.DatasetOfEntry(ctx, e.ID); err == nil {
			d.ReturnFlowFrom = ds.ID
		}
	}
	if e.Status == catalog.StatusPublished && u.Role.Can(auth.PermShareRequest) && u.AgencyID != e.AgencyID {
		d.ShareKind = "data"
		if e.ShareType == catalog.ShareNone {
			d.ShareKind = "verify"
		}
	}
	v := p.view(r, "cat.entry", d)
	v.Title = e.Name
	return v, d, nil
}

func (p *portal) catalogEntryPage(w http.ResponseWriter, r *http.Request) error {
	v, _, err := p.entryView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "catalog_entry", v)
}

// entryActionError shows the entry page again with the error of the
// action form that was posted, or returns err when it is not about input.
func (p *portal) entryActionError(w http.ResponseWriter, r *http.Request, form string, err error) error {
	errs, general, ok := fieldErrors(err, httpx.Lang(r))
	if !ok || apperr.KindOf(err) == apperr.NotFound {
		return err
	}
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = ""
	v, d, verr := p.entryView(r2)
	if verr != nil {
		return verr
	}
	d.Form = form
	v.Form = r.PostForm
	v.Errors = map[string]string{}
	for f, m := range errs {
		v.Errors[form+"."+f] = m
	}
	v.Error = general
	if general == "" {
		for _, m := range errs {
			v.Error = m
			break
		}
	}
	return p.render(w, statusOf(err), "catalog_entry", v)
}

func entryURL(id int64, ok string) string {
	return "/catalog/" + strconv.FormatInt(id, 10) + "?ok=" + ok
}

func (p *portal) catalogSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := p.app.Catalog.Submit(r.Context(), httpx.Actor(r), id); err != nil {
		return p.submitError(w, r, id, err)
	}
	return redirect(w, r, entryURL(id, "cat_submitted"))
}

func (p *portal) catalogNewVersion(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := p.app.Catalog.NewVersion(r.Context(), httpx.Actor(r), id); err != nil {
		return p.entryActionError(w, r, "version", err)
	}
	return redirect(w, r, "/catalog/"+strconv.FormatInt(id, 10)+"/edit?ok=cat_new_version")
}

func (p *portal) catalogReview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	action := r.PostFormValue("action")
	if action != "approve" && action != "return" {
		return apperr.Invalidf("catalog.review_action", "action", "审定操作须为通过或退回", "the decision is approve or return")
	}
	reasons := ""
	if action == "return" {
		reasons = strings.TrimSpace(r.PostFormValue("reasons"))
	}
	if _, err := p.app.Catalog.Review(r.Context(), httpx.Actor(r), id, action, reasons); err != nil {
		return p.entryActionError(w, r, action, err)
	}
	ok := "cat_approved"
	if action == "return" {
		ok = "cat_returned"
	}
	return redirect(w, r, entryURL(id, ok))
}

func (p *portal) catalogDelist(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := p.app.Catalog.Delist(r.Context(), httpx.Actor(r), id, r.PostFormValue("reason")); err != nil {
		return p.entryActionError(w, r, "delist", err)
	}
	return redirect(w, r, entryURL(id, "cat_delisted"))
}

func (p *portal) catalogBasisChange(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := p.app.Catalog.RecordBasisChange(r.Context(), httpx.Actor(r), id, r.PostFormValue("note")); err != nil {
		return p.entryActionError(w, r, "basis", err)
	}
	return redirect(w, r, entryURL(id, "cat_basis_recorded"))
}
