package web

import (
	"cmp"
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
	"pubdata/internal/org"
	"pubdata/internal/security"
	"pubdata/internal/share"
)

// Share requests in the console: the boxes of an agency (asked, to answer)
// and of an authority (filed with it, all in its jurisdiction); the request
// form built from a catalog entry's published items, or a demand for data
// not yet catalogued (HZ §24); one request with its case, filings and the
// actions of the party whose turn it is (GD-290 §23–25).

// registerShareRequests adds the request pages and forms.
func registerShareRequests(rt *httpx.Router, p *portal) {
	rt.Page("GET", "/share/requests/new", auth.PermShareRequest, p.shareRequestNew)
	rt.Page("POST", "/share/requests", auth.PermShareRequest, p.shareRequestSubmit)
	rt.Page("GET", "/share/requests/{id}", auth.PermShareRead, p.shareRequestPage)
	rt.Page("POST", "/share/requests/{id}/decide", auth.PermShareDecide, p.shareRequestDecide)
	rt.Page("POST", "/share/requests/{id}/withdraw", auth.PermShareRequest, p.shareRequestWithdraw)
	rt.Page("POST", "/share/requests/{id}/delivery", auth.PermShareDecide, p.shareRequestDelivery)
}

// requestRow is a request in a list, with its display labels.
type requestRow struct {
	share.Request
	KindKey  string
	What     string // the entry's name, or an uncatalogued demand
	ModeText string
}

func requestRowOf(r share.Request, lang string) requestRow {
	what := r.EntryName
	if what == "" {
		what = r.Demand
		if rs := []rune(what); len(rs) > 60 {
			what = string(rs[:60]) + "…"
		}
	}
	return requestRow{Request: r, KindKey: "share.rkind." + string(r.Kind), What: what, ModeText: modeLabel(r.Spec.Mode, lang)}
}

// requestBoxes are the request lists a role sees, the first by default:
// an agency asks and answers; an authority asks on behalf of enterprises
// (GD-290 §26), receives filings (GD-290 §25) and oversees its
// jurisdiction; the auditor sees all.
func requestBoxes(u *auth.Principal) []string {
	switch u.Role {
	case auth.AuthorityReviewer:
		return []string{"all", "filed", "outbox"}
	case auth.Auditor:
		return []string{"all"}
	}
	return []string{"outbox", "inbox"}
}

type requestsData struct {
	Box     string
	Boxes   []shareSub
	State   string
	Overdue bool
	States  []option
	Rows    []requestRow
	Due     bool // the list shows due dates first (the inbox)
	Late    int  // rows whose case is overdue
}

// shareRequestsPage lists the requests of one box; the inbox is sorted by
// due date, the open ones first, so that the source agency sees what it
// owes next; overdue ones are marked.
func (p *portal) shareRequestsPage(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	u := httpx.Principal(r)
	q := r.URL.Query()
	boxes := requestBoxes(u)
	d := &requestsData{Box: q.Get("box"), State: q.Get("state"), Overdue: q.Get("overdue") == "true"}
	if !contains(boxes, d.Box) {
		d.Box = boxes[0]
	}
	for _, b := range boxes {
		v := url.Values{"box": {b}}
		d.Boxes = append(d.Boxes, shareSub{Key: "share.box." + b, Href: "/share?" + v.Encode(), Active: b == d.Box})
	}
	d.States = []option{{Value: "", Label: T(lang, "all")}}
	for _, s := range []share.RequestState{share.StateRequested, share.StateAgreed, share.StateGranted, share.StateDelivered, share.StateRefused,
		share.StateWithdrawn, share.StateConfirmed, share.StateCatalogued} {
		d.States = append(d.States, option{Value: string(s), Label: T(lang, "share.state."+string(s))})
	}
	box := d.Box
	if box == "all" {
		box = ""
	}
	rs, err := p.app.Share.Requests(r.Context(), httpx.Actor(r), share.RequestFilter{Box: box, State: d.State, Overdue: d.Overdue}) // audited by the service
	if err != nil {
		return err
	}
	d.Due = d.Box == "inbox"
	if d.Due {
		slices.SortStableFunc(rs, func(a, b share.Request) int {
			switch {
			case a.DueDate == b.DueDate:
				return 0
			case a.DueDate == "":
				return 1
			case b.DueDate == "":
				return -1
			}
			return cmp.Compare(a.DueDate, b.DueDate)
		})
	}
	for _, x := range rs {
		d.Rows = append(d.Rows, requestRowOf(x, lang))
		if x.Overdue {
			d.Late++
		}
	}
	v := p.view(r, "share.requests", d)
	v.Form = q
	return p.render(w, http.StatusOK, "share_requests", v)
}

// --- the request form ---

// requestItem is one item of the entry on the request form.
type requestItem struct {
	Name     string
	Grade    string
	Personal bool
	Key      bool
	MaskHint string // how the item is masked unless the source grants it otherwise
	Clear    bool
}

type requestFormData struct {
	Entry     *catalog.Entry // nil: an uncatalogued demand
	ShareType string
	Kind      string
	Kinds     []shareSub
	Items     []requestItem
	Modes     []option
	Purposes  []option
	Scopes    []option // items of division format, for the row scope
	Apps      []option
	Offline   []option
	Sources   []option // an uncatalogued demand: the agencies that may hold the data
	Recipient []option // authorities: who finally receives the data (GD-290 §26)
	NoApps    bool
}

// requestKinds are the kinds of request an entry of a sharing type takes:
// not-shared data only verification (GD-290 §23 para 3).
func requestKinds(st catalog.ShareType) []share.RequestKind {
	switch st {
	case catalog.ShareConditional:
		return []share.RequestKind{share.KindData, share.KindOffline, share.KindVerify}
	case catalog.ShareUnconditional:
		return []share.RequestKind{share.KindData, share.KindOffline}
	}
	return []share.RequestKind{share.KindVerify}
}

// requestFormView builds the request form: from the entry's published
// items, each with its grade and the mask it gets by default, or, without
// an entry, the demand for uncatalogued data.
func (p *portal) requestFormView(r *http.Request, entry, kind string) (*View, error) {
	ctx := r.Context()
	lang := httpx.Lang(r)
	u := httpx.Principal(r)
	actor := httpx.Actor(r)
	d := &requestFormData{Kind: kind}
	for _, pc := range []share.PurposeCategory{share.PurposeDuty, share.PurposePolicy, share.PurposeEmergency, share.PurposeResearch, share.PurposeEducation} {
		d.Purposes = append(d.Purposes, option{Value: string(pc), Label: T(lang, "share.purpose."+string(pc))})
	}
	apps, err := p.app.Share.Apps(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		if !a.Disabled {
			d.Apps = append(d.Apps, option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name + " (" + a.ClientID + ")"})
		}
	}
	d.NoApps = len(d.Apps) == 0
	for _, m := range []string{"secure_line", "storage_media", "paper"} {
		d.Offline = append(d.Offline, option{Value: m, Label: T(lang, "share.offline."+m)})
	}
	if u.Role == auth.AuthorityReviewer {
		for _, k := range []share.RecipientKind{share.RecipientAgency, share.RecipientEnterprise, share.RecipientInstitution, share.RecipientResearch} {
			d.Recipient = append(d.Recipient, option{Value: string(k), Label: T(lang, "share.recipient."+string(k))})
		}
	}
	title := "share.new.demand"
	if entry == "" {
		d.Kind = string(share.KindUncatalogued)
		no := false
		ags, err := p.app.Orgs.Agencies(ctx, org.AgencyFilter{Authorities: &no})
		if err != nil {
			return nil, err
		}
		d.Sources = []option{{Value: "", Label: T(lang, "col.ex.choose")}}
		for _, ag := range ags {
			if ag.ID != u.AgencyID {
				d.Sources = append(d.Sources, option{Value: strconv.FormatInt(ag.ID, 10), Label: ag.Name})
			}
		}
		for _, m := range catalog.ShareModes() {
			if m != catalog.ModeOffline {
				d.Modes = append(d.Modes, option{Value: string(m), Label: catalog.Label(string(m), "mode", lang)})
			}
		}
	} else {
		id, err := strconv.ParseInt(entry, 10, 64)
		if err != nil || id <= 0 {
			return nil, apperr.ErrNotFound
		}
		e, _, err := p.app.Catalog.Get(ctx, actor, id) // audited by the service
		if err != nil {
			return nil, err
		}
		if e.Status != catalog.StatusPublished {
			return nil, apperr.Invalidf("share.entry.not_published", "entry_id", "只能申请共享已发布的目录条目", "only a published catalog entry can be requested")
		}
		d.Entry = &e
		d.ShareType = catalog.Label(string(e.ShareType), "share", lang)
		kinds := requestKinds(e.ShareType)
		if !slices.Contains(kinds, share.RequestKind(d.Kind)) {
			d.Kind = string(kinds[0])
		}
		for _, k := range kinds {
			d.Kinds = append(d.Kinds, shareSub{Key: "share.new.kind." + string(k), Href: "/share/requests/new?entry=" + entry + "&kind=" + string(k), Active: string(k) == d.Kind})
		}
		grade := p.gradeLabeler(e.Jurisdiction, lang)
		prof := p.app.Rules.ForJurisdiction(e.Jurisdiction)
		d.Scopes = []option{{Value: "", Label: T(lang, "share.scope.all")}}
		for _, it := range e.Items {
			ri := requestItem{Name: it.Name, Grade: grade(it.Grade), Personal: it.Personal, Key: it.Key}
			if prof != nil {
				m := share.DefaultMask(prof, it)
				ri.Clear, ri.MaskHint = m.Clear(), m.Label(lang)
			}
			d.Items = append(d.Items, ri)
			if it.ValueFormat() == catalog.FormatDivision {
				d.Scopes = append(d.Scopes, option{Value: it.Name, Label: it.Name})
			}
		}
		for _, m := range e.ShareModes {
			if m != catalog.ModeOffline {
				d.Modes = append(d.Modes, option{Value: string(m), Label: catalog.Label(string(m), "mode", lang)})
			}
		}
		title = "share.new"
	}
	v := p.view(r, title, d)
	if d.Entry != nil {
		v.Title = T(lang, "share.new") + " · " + d.Entry.Name
	}
	return v, nil
}

// shareRequestNew shows the request form; ?entry= names the catalog entry,
// ?kind= the kind of request (data, offline, verify); without an entry it
// is a demand for uncatalogued data.
func (p *portal) shareRequestNew(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v, err := p.requestFormView(r, q.Get("entry"), q.Get("kind"))
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "share_request_new", v)
}

// requestInput reads the request form.
func requestInput(r *http.Request) (share.RequestInput, error) {
	f := r.PostForm
	in := share.RequestInput{Kind: share.RequestKind(f.Get("kind")), Demand: f.Get("demand")}
	var errs apperr.List
	id := func(name string) int64 {
		s := strings.TrimSpace(f.Get(name))
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, apperr.Invalidf("form.number", name, "须为正整数", "must be a positive whole number"))
		}
		return n
	}
	in.EntryID, in.SourceAgencyID = id("entry_id"), id("source_agency_id")
	sp := share.Spec{Purpose: f.Get("purpose"), PurposeCategory: share.PurposeCategory(f.Get("purpose_category")), Scenario: f.Get("scenario"),
		DutyBasis: f.Get("duty_basis"), Mode: share.Mode(f.Get("mode")), EndDate: f.Get("end_date"),
		RowScope:      share.RowScope{Item: f.Get("row_scope.item"), Region: f.Get("row_scope.region")},
		RecipientKind: share.RecipientKind(f.Get("recipient_kind")), RecipientName: f.Get("recipient_name"), RecipientCode: f.Get("recipient_code"),
		OfflineMethod: f.Get("offline_method")}
	for _, name := range f["items"] {
		sp.Items = append(sp.Items, share.GrantItem{Name: name})
	}
	sp.AppID, sp.QuotaDaily, sp.RatePerMinute = id("app_id"), id("quota_daily"), id("rate_per_minute")
	switch in.Kind {
	case share.KindOffline:
		// Offline delivery binds no application system and has its own mode.
		sp.Mode, sp.AppID = "", 0
	case share.KindVerify:
		sp.Mode = "" // verification answers through the API
	}
	if in.Kind != share.KindOffline {
		sp.OfflineMethod = ""
	}
	in.Spec = sp
	if len(errs) > 0 {
		return in, errs
	}
	return in, nil
}

// specField maps a service field ("spec.items[2].name") to the form's ("items").
var itemFieldRE = regexp.MustCompile(`^items\[\d+\](\..*)?$`)

func specField(f string) string {
	f = strings.TrimPrefix(f, "spec.")
	if itemFieldRE.MatchString(f) {
		return "items"
	}
	return f
}

// shareRequestSubmit files the request; an unconditional entry is granted
// at once, a conditional one goes to its source agency under the profile's
// deadlines. Errors come back next to their fields.
func (p *portal) shareRequestSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("form", "", "表单无法解析", "the form cannot be read")
	}
	lang := httpx.Lang(r)
	in, err := requestInput(r)
	var req share.Request
	if err == nil {
		req, err = p.app.Share.Submit(r.Context(), httpx.Actor(r), in)
	}
	if err == nil {
		ok := "request_submitted"
		if req.State == share.StateGranted {
			ok = "request_granted"
		}
		return redirect(w, r, "/share/requests/"+strconv.FormatInt(req.ID, 10)+"?ok="+ok)
	}
	errs, general, isForm := fieldErrors(err, lang)
	if e, isApp := apperr.As(err); !isForm && isApp && e.Kind == apperr.Forbidden && e.Field != "" {
		// A refusal of the rules (not-shared data, GD-290 §26) belongs next to its choice.
		errs, general, isForm = map[string]string{e.Field: e.Message(lang)}, "", true
	}
	if !isForm {
		return err
	}
	entry := ""
	if in.Kind != share.KindUncatalogued && in.EntryID != 0 {
		entry = strconv.FormatInt(in.EntryID, 10)
	}
	v, verr := p.requestFormView(r, entry, string(in.Kind))
	if verr != nil {
		return verr
	}
	v.Form = r.PostForm
	for f, m := range errs {
		if to := specField(f); v.Errors[to] == "" {
			v.Errors[to] = m
		}
	}
	v.Error = general
	if general == "" {
		v.Error = Tf(lang, "cat.form_errors", len(v.Errors))
	}
	return p.render(w, statusOf(err), "share_request_new", v)
}

// --- one request ---

// approvalItem is a requested item on the source's agree form.
type approvalItem struct {
	Name    string
	Mask    string // the mask shown: the approval's, or the default
	Options []option
}

// specView is a request's spec or approval for display.
type specView struct {
	share.Spec
	Items    []grantItemRow
	Scope    string
	ModeText string
	App      string
}

type requestData struct {
	R          requestRow
	Spec       specView
	Approval   *specView
	Case       *caseRow
	Grant      *grantRow
	Filings    []share.Filing
	Delivery   *share.OfflineRecord
	IsSource   bool
	IsConsumer bool
	// The actions of the party whose turn it is.
	CanAgree, CanRefuse, CanFulfil, CanWithdraw bool
	CanConfirm, CanDecline, CanCatalogue        bool
	CanDeliver                                  bool
	AgreeItems                                  []approvalItem
	Entries                                     []option // cataloguing: the source's published entries
	Offline                                     []option
	Form                                        string // the action form the errors belong to
}

// maskChoices are the masks the source may pick for an item on the agree
// form; the item's default is added when it is none of them.
var maskChoices = []security.Mask{
	{Func: security.MaskClear},
	{Func: security.MaskKeep, N: 1},
	{Func: security.MaskKeep, N: 3, M: 4},
	{Func: security.MaskKeep, N: 6, M: 4},
	{Func: security.MaskPseudonym},
	{Func: security.MaskDate, Level: "year"},
	{Func: security.MaskDate, Level: "month"},
	{Func: security.MaskAddress},
	{Func: security.MaskNull},
}

// maskOptions lists the masks for an item with the one shown selected.
func maskOptions(def security.Mask, lang string) []option {
	var out []option
	seen := false
	for _, m := range maskChoices {
		out = append(out, option{Value: m.String(), Label: m.Label(lang), Checked: m.String() == def.String()})
		seen = seen || m.String() == def.String()
	}
	if !seen {
		out = append(out, option{Value: def.String(), Label: def.Label(lang), Checked: true})
	}
	return out
}

var keepRE = regexp.MustCompile(`^keep\((\d{1,2}),(\d{1,2})\)$`)

// parseMask reads a mask in the form of security.Mask.String; an unknown
// function is passed on for the service to refuse, naming the field.
func parseMask(s string) security.Mask {
	switch {
	case s == "":
		return security.Mask{}
	case keepRE.MatchString(s):
		m := keepRE.FindStringSubmatch(s)
		n, _ := strconv.Atoi(m[1])
		k, _ := strconv.Atoi(m[2])
		return security.Mask{Func: security.MaskKeep, N: n, M: k}
	case strings.HasPrefix(s, string(security.MaskDate)+"("):
		return security.Mask{Func: security.MaskDate, Level: strings.TrimSuffix(strings.TrimPrefix(s, string(security.MaskDate)+"("), ")")}
	}
	return security.Mask{Func: security.MaskFunc(s)}
}

func (p *portal) specViewOf(sp share.Spec, appName map[int64]string, lang string) specView {
	v := specView{Spec: sp, Scope: scopeText(sp.RowScope, lang), ModeText: modeLabel(sp.Mode, lang), App: appName[sp.AppID]}
	for _, it := range sp.Items {
		row := grantItemRow{Name: it.Name}
		if it.Mask != (security.Mask{}) {
			row.Mask, row.Clear = it.Mask.Label(lang), it.Mask.Clear()
		}
		v.Items = append(v.Items, row)
	}
	return v
}

// requestView reads the request page's data: the service checks that the
// user may see the request and audits the read; the actions shown are
// those of the user's side in the request's state (the service checks them
// again when posted).
func (p *portal) requestView(r *http.Request) (*View, *requestData, error) {
	ctx := r.Context()
	lang := httpx.Lang(r)
	u := httpx.Principal(r)
	actor := httpx.Actor(r)
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	req, err := p.app.Share.Request(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	d := &requestData{R: requestRowOf(req, lang), Filings: req.Filings, Delivery: req.Spec.OfflineDelivery,
		IsSource:   u.Role == auth.AgencyOfficer && u.AgencyID == req.SourceAgencyID,
		IsConsumer: (u.Role == auth.AgencyOfficer || u.Role == auth.AuthorityReviewer) && u.AgencyID == req.ConsumerAgencyID}
	appName := map[int64]string{}
	if u.AgencyID == req.ConsumerAgencyID {
		if apps, err := p.app.Share.Apps(ctx, actor); err == nil {
			for _, a := range apps {
				appName[a.ID] = a.Name + " (" + a.ClientID + ")"
			}
		}
	}
	d.Spec = p.specViewOf(req.Spec, appName, lang)
	if req.Approval != nil {
		a := p.specViewOf(*req.Approval, appName, lang)
		d.Approval = &a
		if req.Approval.OfflineDelivery != nil {
			d.Delivery = req.Approval.OfflineDelivery
		}
	}
	if req.CaseID != 0 {
		if c, _, err := p.app.Cases.Case(ctx, actor, req.CaseID); err == nil {
			row := p.caseRow(c, lang, p.agencyNames(r))
			d.Case = &row
		}
	}
	if req.GrantID != 0 {
		if g, _, err := p.app.Share.Grant(ctx, actor, req.GrantID); err == nil {
			gr := grantRowOf(g, lang)
			d.Grant = &gr
		}
	}
	open := req.CaseID != 0
	switch req.Kind {
	case share.KindUncatalogued:
		d.CanConfirm = d.IsSource && open && req.State == share.StateRequested
		d.CanDecline = d.CanConfirm
		d.CanCatalogue = d.IsSource && open && req.State == share.StateConfirmed
	default:
		d.CanAgree = d.IsSource && open && req.State == share.StateRequested
		d.CanRefuse = d.CanAgree
		d.CanFulfil = d.IsSource && open && req.State == share.StateAgreed
		d.CanDeliver = d.IsSource && req.Kind == share.KindOffline && req.State == share.StateGranted
	}
	d.CanWithdraw = d.IsConsumer && open && (req.State == share.StateRequested || req.State == share.StateConfirmed)
	if d.CanAgree {
		d.AgreeItems = p.agreeItems(r, req)
	}
	if d.CanCatalogue {
		res, err := p.app.Catalog.Search(ctx, actor, catalog.Query{AgencyID: u.AgencyID, PerPage: 200, Sort: "date"}, lang)
		if err != nil {
			return nil, nil, err
		}
		d.Entries = []option{{Value: "", Label: T(lang, "col.ex.choose")}}
		for _, e := range res.Entries {
			d.Entries = append(d.Entries, option{Value: strconv.FormatInt(e.ID, 10), Label: e.ResourceCode + " " + e.Name})
		}
	}
	if d.CanDeliver {
		for _, m := range []string{"secure_line", "storage_media", "paper"} {
			d.Offline = append(d.Offline, option{Value: m, Label: T(lang, "share.offline."+m), Checked: m == req.Spec.OfflineMethod})
		}
	}
	v := p.view(r, "share.request", d)
	v.Title = Tf(lang, "share.request_n", req.ID) + " · " + d.R.What
	return v, d, nil
}

// agreeItems are the requested items with the masks the source may fix,
// each preset to its default under the source's profile (DefaultMask).
func (p *portal) agreeItems(r *http.Request, req share.Request) []approvalItem {
	lang := httpx.Lang(r)
	prof := p.app.Rules.ForJurisdiction(req.Jurisdiction)
	items := map[string]catalog.Item{}
	if req.EntryID != 0 {
		if _, vs, err := p.app.Catalog.Get(r.Context(), httpx.Actor(r), req.EntryID); err == nil {
			for _, v := range vs {
				if v.Version == req.EntryVersion {
					for _, it := range v.Metadata.Items {
						items[it.Name] = it
					}
				}
			}
		}
	}
	var out []approvalItem
	for _, it := range req.Spec.Items {
		def := security.Mask{Func: security.MaskNull}
		if ci, ok := items[it.Name]; ok && prof != nil {
			def = share.DefaultMask(prof, ci)
		}
		out = append(out, approvalItem{Name: it.Name, Mask: def.String(), Options: maskOptions(def, lang)})
	}
	return out
}

func (p *portal) shareRequestPage(w http.ResponseWriter, r *http.Request) error {
	v, _, err := p.requestView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "share_request", v)
}

// requestFormError shows the request page again with the error at the
// posted form's fields, or returns err when it is not about the input (a
// refusal: not the source agency, not the consumer).
func (p *portal) requestFormError(w http.ResponseWriter, r *http.Request, form string, err error, field func(string) string) error {
	errs, general, ok := fieldErrors(err, httpx.Lang(r))
	if !ok || apperr.KindOf(err) == apperr.NotFound {
		return err
	}
	v, d, verr := p.requestView(r)
	if verr != nil {
		return verr
	}
	d.Form = form
	v.Form = r.PostForm
	for f, m := range errs {
		if to := field(f); to != "" && v.Errors[form+"."+to] == "" {
			v.Errors[form+"."+to] = m
		} else if general == "" {
			general = m
		}
	}
	v.Error = general
	if general == "" {
		v.Error = Tf(v.Lang, "cat.form_errors", len(v.Errors))
	}
	return p.render(w, statusOf(err), "share_request", v)
}

var approvalItemRE = regexp.MustCompile(`^approval\.items\[(\d+)\]`)

// shareRequestDecide takes the source agency's answer: agree (narrowing the
// items, masks, end date, scope and limits: least privilege, GD-290 §24),
// refuse (with its legal basis), fulfil; for a demand, confirm, decline or
// catalogue.
func (p *portal) shareRequestDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("form", "", "表单无法解析", "the form cannot be read")
	}
	f := r.PostForm
	action := f.Get("action")
	dec := share.Decision{Action: action}
	var names []string // the approval's items, in order, to place their errors
	switch action {
	case "agree":
		appr := share.Spec{EndDate: f.Get("end_date"), Scenario: f.Get("scenario"),
			RowScope: share.RowScope{Item: f.Get("row_scope.item"), Region: f.Get("row_scope.region")}}
		for _, name := range f["items"] {
			names = append(names, name)
			appr.Items = append(appr.Items, share.GrantItem{Name: name, Mask: parseMask(f.Get("mask." + name))})
		}
		var errs apperr.List
		if len(appr.Items) == 0 {
			errs = append(errs, apperr.Invalidf("share.approval.items", "approval.items", "至少核定一个信息项", "approve at least one item"))
		}
		for _, n := range []struct {
			name string
			dst  *int64
		}{{"quota_daily", &appr.QuotaDaily}, {"rate_per_minute", &appr.RatePerMinute}} {
			if s := strings.TrimSpace(f.Get(n.name)); s != "" {
				v, err := strconv.ParseInt(s, 10, 64)
				if err != nil || v <= 0 {
					errs = append(errs, apperr.Invalidf("form.number", "approval."+n.name, "须为正整数", "must be a positive whole number"))
				}
				*n.dst = v
			}
		}
		if len(errs) > 0 {
			return p.requestFormError(w, r, action, errs, func(f string) string { return approvalField(f, names) })
		}
		dec.Approval = &appr
	case "refuse", "decline":
		dec.LegalBasis = f.Get("legal_basis")
	case "catalogue":
		if s := strings.TrimSpace(f.Get("entry_id")); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				n = -1
			}
			dec.EntryID = n
		}
	}
	if _, err := p.app.Share.Decide(r.Context(), httpx.Actor(r), id, dec); err != nil {
		return p.requestFormError(w, r, action, err, func(f string) string { return approvalField(f, names) })
	}
	return redirect(w, r, "/share/requests/"+strconv.FormatInt(id, 10)+"?ok=request_"+action)
}

// approvalField maps a service field of a decision to the agree form's.
func approvalField(f string, names []string) string {
	if m := approvalItemRE.FindStringSubmatch(f); m != nil {
		i, _ := strconv.Atoi(m[1])
		if i < len(names) && strings.Contains(f, ".mask") {
			return "mask." + names[i]
		}
		return "items"
	}
	return strings.TrimPrefix(f, "approval.")
}

func (p *portal) shareRequestWithdraw(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := p.app.Share.Withdraw(r.Context(), httpx.Actor(r), id); err != nil {
		return err
	}
	return redirect(w, r, "/share/requests/"+strconv.FormatInt(id, 10)+"?ok=request_withdrawn")
}

// shareRequestDelivery records an offline delivery (GD-290 §23 para 4, JM §15).
func (p *portal) shareRequestDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("form", "", "表单无法解析", "the form cannot be read")
	}
	f := r.PostForm
	rec := share.OfflineRecord{Method: f.Get("method"), DeliveredOn: f.Get("delivered_on"), Carrier: f.Get("carrier"), Receiver: f.Get("receiver"),
		Digest: f.Get("digest"), Note: f.Get("note")}
	if s := strings.TrimSpace(f.Get("rows")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			n = -1 // the service names the field
		}
		rec.Rows = n
	}
	if _, err := p.app.Share.RecordDelivery(r.Context(), httpx.Actor(r), id, rec); err != nil {
		return p.requestFormError(w, r, "deliver", err, func(f string) string { return f })
	}
	return redirect(w, r, "/share/requests/"+strconv.FormatInt(id, 10)+"?ok=request_delivered")
}
