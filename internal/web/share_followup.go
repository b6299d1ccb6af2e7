package web

import (
	"net/http"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/httpx"
	"pubdata/internal/share"
)

// The follow-up of sharing: the consumers' periodic use reports (GD-290
// §46, JM §20, MZ §39, HZ §23) and the data-error reports the source agency
// verifies and fixes under deadlines (JM §19, MZ §23, HZ §28).

// registerShareFollowUp adds the routes of use feedback and data errors.
func registerShareFollowUp(rt *httpx.Router, p *portal) {
	rt.Page("GET", "/share/feedback", auth.PermShareRead, p.shareFeedbackPage)
	rt.Page("POST", "/share/feedback/{id}", auth.PermShareRequest, p.shareFeedbackSubmit)
	registerShareErrors(rt, p)
}

// feedbackContents are the contents of a use report every form offers,
// in order; a profile may require further ones (Extra).
var feedbackContents = []string{"scenario", "effect", "security", "issues"}

// reportField is one content of the use report form.
type reportField struct {
	Name     string // the form field: scenario, effect, security, issues or extra.<name>
	Label    string
	Required bool
}

// feedbackRow is a use report in the list.
type feedbackRow struct {
	share.Feedback
	CanSubmit bool
	Report    []fieldValue // a submitted report's contents
}

type feedbackData struct {
	Side   string
	State  string
	Sides  []shareSub
	States []shareSub
	Rows   []feedbackRow
	// The report form: the open report chosen with ?report=ID.
	Form   *feedbackRow
	Fields []reportField
}

// contentLabel names a report content for the form.
func contentLabel(name, lang string) string {
	if _, ok := messages["share.fb."+name]; ok {
		return T(lang, "share.fb."+name)
	}
	return name
}

func (p *portal) feedbackView(r *http.Request, reportID int64) (*View, *feedbackData, error) {
	ctx := r.Context()
	lang := httpx.Lang(r)
	u := httpx.Principal(r)
	actor := httpx.Actor(r)
	q := r.URL.Query()
	sides := grantSides(u)
	d := &feedbackData{Side: q.Get("side"), State: q.Get("state")}
	if !contains(sides, d.Side) {
		d.Side = sides[0]
	}
	if d.State == "" && !q.Has("state") {
		d.State = "open"
	}
	d.Sides, d.States = sideStateTabs("/share/feedback", sides, d.Side, d.State, "share.fbstate.", "open", "overdue", "due_soon", "submitted", "")
	f, err := share.FeedbackFilterFromURL(q) // the grant and limit
	if err != nil {
		return nil, nil, err
	}
	f.Role, f.State = d.Side, d.State
	fs, err := p.app.Share.Feedback(ctx, actor, f) // audited by the service
	if err != nil {
		return nil, nil, err
	}
	mayReport := u.Role == auth.AgencyOfficer
	for _, f := range fs {
		row := feedbackRow{Feedback: f, CanSubmit: mayReport && f.ConsumerAgencyID == u.AgencyID && f.State == share.FeedbackOpen}
		if f.Report != nil {
			for _, c := range feedbackContents {
				if v := reportContent(f.Report, c); v != "" {
					row.Report = append(row.Report, fieldValue{Label: contentLabel(c, lang), Value: v})
				}
			}
			for k, v := range f.Report.Extra {
				row.Report = append(row.Report, fieldValue{Label: k, Value: v})
			}
		}
		d.Rows = append(d.Rows, row)
	}
	if reportID != 0 && mayReport {
		// The chosen report may be outside the current tab: look among the
		// agency's open ones.
		open, err := p.app.Share.Feedback(ctx, actor, share.FeedbackFilter{Role: "consumer", State: string(share.FeedbackOpen), Limit: 1000})
		if err != nil {
			return nil, nil, err
		}
		for _, f := range open {
			if f.ID == reportID {
				d.Form = &feedbackRow{Feedback: f, CanSubmit: true}
			}
		}
		if d.Form == nil {
			return nil, nil, apperr.New(apperr.NotFound, "share.feedback.not_found", "使用情况反馈不存在或无权填报", "no such use report, or not yours to submit")
		}
		required := map[string]bool{}
		for _, c := range d.Form.Contents {
			required[c] = true
		}
		for _, c := range feedbackContents {
			d.Fields = append(d.Fields, reportField{Name: c, Label: contentLabel(c, lang), Required: required[c]})
		}
		for _, c := range d.Form.Contents {
			if !contains(feedbackContents, c) {
				d.Fields = append(d.Fields, reportField{Name: "extra." + c, Label: c, Required: true})
			}
		}
	}
	return p.view(r, "share.feedback", d), d, nil
}

func reportContent(r *share.FeedbackReport, name string) string {
	switch name {
	case "scenario":
		return r.Scenario
	case "effect":
		return r.Effect
	case "security":
		return r.Security
	case "issues":
		return r.Issues
	}
	return r.Extra[name]
}

func (p *portal) shareFeedbackPage(w http.ResponseWriter, r *http.Request) error {
	var reportID int64
	if s := r.URL.Query().Get("report"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return apperr.ErrNotFound
		}
		reportID = n
	}
	v, _, err := p.feedbackView(r, reportID)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "share_feedback", v)
}

// shareFeedbackSubmit submits one period's use report; a missing content
// the consumer's profile requires comes back at its field.
func (p *portal) shareFeedbackSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("form", "", "表单无法解析", "the form cannot be read")
	}
	rep := share.FeedbackReport{Scenario: r.PostFormValue("scenario"), Effect: r.PostFormValue("effect"), Security: r.PostFormValue("security"),
		Issues: r.PostFormValue("issues")}
	for k, vs := range r.PostForm {
		if name, ok := strings.CutPrefix(k, "extra."); ok && len(vs) > 0 {
			if rep.Extra == nil {
				rep.Extra = map[string]string{}
			}
			rep.Extra[name] = vs[0]
		}
	}
	if _, err := p.app.Share.SubmitFeedback(r.Context(), httpx.Actor(r), id, rep); err != nil {
		errs, general, ok := fieldErrors(err, httpx.Lang(r))
		if !ok || apperr.KindOf(err) == apperr.NotFound {
			return err
		}
		v, _, verr := p.feedbackView(r, id)
		if verr != nil {
			return verr
		}
		v.Form, v.Errors, v.Error = r.PostForm, errs, general
		if general == "" {
			v.Error = Tf(v.Lang, "cat.form_errors", len(errs))
		}
		return p.render(w, statusOf(err), "share_feedback", v)
	}
	return redirect(w, r, "/share/feedback?state=submitted&ok=feedback_submitted")
}

// --- data errors (JM §19, MZ §23, HZ §28) ---

// registerShareErrors adds the data-error pages: the list, the report form
// (from a grant), one report with the source agency's answer forms.
func registerShareErrors(rt *httpx.Router, p *portal) {
	rt.Page("GET", "/share/errors", auth.PermShareRead, p.shareErrorsPage)
	rt.Page("GET", "/share/errors/new", auth.PermShareRequest, p.shareErrorNew)
	rt.Page("POST", "/share/errors", auth.PermShareRequest, p.shareErrorReport)
	rt.Page("GET", "/share/errors/{id}", auth.PermShareRead, p.shareErrorPage)
	rt.Page("POST", "/share/errors/{id}/decide", auth.PermShareDecide, p.shareErrorDecide)
}

// errorRow is an error report with its display labels.
type errorRow struct {
	share.ErrorReport
	StateKey string
}

func errorRowOf(e share.ErrorReport) errorRow {
	return errorRow{ErrorReport: e, StateKey: "share.estate." + string(e.State)}
}

type errorsData struct {
	Side   string
	State  string
	Sides  []shareSub
	States []shareSub
	Rows   []errorRow
}

func (p *portal) shareErrorsPage(w http.ResponseWriter, r *http.Request) error {
	u := httpx.Principal(r)
	q := r.URL.Query()
	sides := grantSides(u)
	d := &errorsData{Side: q.Get("side"), State: q.Get("state")}
	if !contains(sides, d.Side) {
		d.Side = sides[0]
	}
	if d.State == "" && !q.Has("state") {
		d.State = "open"
	}
	d.Sides, d.States = sideStateTabs("/share/errors", sides, d.Side, d.State, "share.estate.", "open", "overdue", "fixed", "rejected", "")
	f, err := share.ErrorFilterFromURL(q) // the grant, dataset and limit
	if err != nil {
		return err
	}
	f.Role, f.State = d.Side, d.State
	es, err := p.app.Share.Errors(r.Context(), httpx.Actor(r), f) // audited by the service
	if err != nil {
		return err
	}
	for _, e := range es {
		d.Rows = append(d.Rows, errorRowOf(e))
	}
	return p.render(w, http.StatusOK, "share_errors", p.view(r, "share.errors", d))
}

type errorNewData struct {
	G     grantRow
	Items []option
}

// errorNewView reads the grant the report is about (the service checks that
// the user may see it and audits the read).
func (p *portal) errorNewView(r *http.Request, grant string) (*View, error) {
	id, err := strconv.ParseInt(grant, 10, 64)
	if err != nil || id <= 0 {
		return nil, apperr.Invalidf("share.error.grant", "grant_id", "请从一个共享授权报告数据错误", "report a data error from one of your grants")
	}
	g, _, err := p.app.Share.Grant(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return nil, err
	}
	lang := httpx.Lang(r)
	d := &errorNewData{G: grantRowOf(g, lang)}
	for _, it := range g.Items {
		d.Items = append(d.Items, option{Value: it.Name, Label: it.Name})
	}
	v := p.view(r, "share.error.new", d)
	v.Form.Set("grant_id", strconv.FormatInt(id, 10))
	return v, nil
}

func (p *portal) shareErrorNew(w http.ResponseWriter, r *http.Request) error {
	v, err := p.errorNewView(r, r.URL.Query().Get("grant"))
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "share_error_new", v)
}

// shareErrorReport records a data error report and opens its case with the
// source agency; a field the service refuses comes back at the field.
func (p *portal) shareErrorReport(w http.ResponseWriter, r *http.Request) error {
	grant := r.PostFormValue("grant_id")
	gid, _ := strconv.ParseInt(grant, 10, 64)
	e, err := p.app.Share.ReportError(r.Context(), httpx.Actor(r), share.ErrorInput{GrantID: gid, RecordKey: r.PostFormValue("record_key"),
		Item: r.PostFormValue("item"), Description: r.PostFormValue("description")})
	if err == nil {
		return redirect(w, r, "/share/errors/"+strconv.FormatInt(e.ID, 10)+"?ok=error_reported")
	}
	errs, general, ok := fieldErrors(err, httpx.Lang(r))
	if !ok || apperr.KindOf(err) == apperr.NotFound {
		return err
	}
	v, verr := p.errorNewView(r, grant)
	if verr != nil {
		return verr
	}
	v.Form, v.Errors, v.Error = r.PostForm, errs, general
	if general == "" {
		v.Error = Tf(v.Lang, "cat.form_errors", len(errs))
	}
	return p.render(w, statusOf(err), "share_error_new", v)
}

type dataErrorData struct {
	E         errorRow
	CanDecide bool // a data officer of the source agency, the report open
	Form      string
}

func (p *portal) errorView(r *http.Request) (*View, *dataErrorData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	e, err := p.app.Share.Error(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return nil, nil, err
	}
	u := httpx.Principal(r)
	d := &dataErrorData{E: errorRowOf(e),
		CanDecide: u.Role == auth.AgencyOfficer && u.AgencyID == e.SourceAgencyID && (e.State == share.ErrorReported || e.State == share.ErrorFixing)}
	v := p.view(r, "share.error", d)
	v.Title = Tf(v.Lang, "share.error_n", e.ID)
	return v, d, nil
}

func (p *portal) shareErrorPage(w http.ResponseWriter, r *http.Request) error {
	v, _, err := p.errorView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "share_error", v)
}

// shareErrorDecide is the source agency's answer: verify, reject (reasons
// required) or fix (resolution required, a batch optional).
func (p *portal) shareErrorDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	action := r.PostFormValue("action")
	d := share.ErrorDecision{Action: action, Reasons: r.PostFormValue("reasons"), Resolution: r.PostFormValue("resolution")}
	if b := strings.TrimSpace(r.PostFormValue("fixed_batch_id")); b != "" {
		n, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || n <= 0 {
			n = -1 // the service names the field
		}
		d.FixedBatchID = n
	}
	if _, err := p.app.Share.DecideError(r.Context(), httpx.Actor(r), id, d); err != nil {
		errs, general, ok := fieldErrors(err, httpx.Lang(r))
		if !ok || apperr.KindOf(err) == apperr.NotFound {
			return err
		}
		v, ed, verr := p.errorView(r)
		if verr != nil {
			return verr
		}
		ed.Form = action
		v.Form = r.PostForm
		for f, m := range errs {
			v.Errors[action+"."+f] = m
		}
		v.Error = general
		if general == "" {
			v.Error = Tf(v.Lang, "cat.form_errors", len(errs))
		}
		return p.render(w, statusOf(err), "share_error", v)
	}
	return redirect(w, r, "/share/errors/"+strconv.FormatInt(id, 10)+"?ok=error_"+action)
}
