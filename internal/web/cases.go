package web

import (
	"net/http"
	"slices"
	"strconv"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/httpx"
	"pubdata/internal/procedure"
)

// casesData is the case list's data.
type casesData struct {
	Cases       []caseRow
	OpenOnly    bool
	OverdueOnly bool
}

func (p *portal) casesPage(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	q := r.URL.Query()
	d := &casesData{OpenOnly: q.Get("open") == "true", OverdueOnly: q.Get("overdue") == "true"}
	actor := httpx.Actor(r)
	cs, err := p.app.Cases.Cases(r.Context(), actor, procedure.CaseFilter{Open: d.OpenOnly, Overdue: d.OverdueOnly})
	if err != nil {
		return err
	}
	if err := p.app.Trail.Record(r.Context(), actor, audit.Event{Action: "case.list", ObjectType: "case", Detail: strconv.Itoa(len(cs)) + " cases"}); err != nil {
		return err
	}
	names := p.agencyNames(r)
	for _, c := range cs {
		d.Cases = append(d.Cases, p.caseRow(c, lang, names))
	}
	return p.render(w, http.StatusOK, "cases", p.view(r, "case.title", d))
}

// actionForm is one action the user may take on a case, with the fields
// its article requires.
type actionForm struct {
	Action string
	Title  string
	Fields []fieldDef
	// Danger marks refusals and returns, styled apart from approvals.
	Danger bool
}

type fieldDef struct{ Name, Label string }

// historyRow is one step of a case's history for display.
type historyRow struct {
	procedure.Event
	ActionTitle string
	Actor       string
	Agency      string
	Fields      []fieldValue
}

type fieldValue struct{ Label, Value string }

// caseData is the case page's data.
type caseData struct {
	Case    caseRow
	Party   string // catalog key of the user's side, "" if not a party
	DueBy   string
	Fields  []fieldValue
	History []historyRow
	Actions []actionForm
}

func (p *portal) caseView(r *http.Request) (*View, error) {
	ctx := r.Context()
	lang := httpx.Lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	u := httpx.Principal(r)
	c, evs, err := p.app.Cases.Case(ctx, httpx.Actor(r), id) // audited by the engine
	if err != nil {
		return nil, err
	}
	names := p.agencyNames(r)
	d := &caseData{Case: p.caseRow(c, lang, names)}
	k, _ := p.app.Cases.Kind(c.Kind)
	label := func(f string) string {
		if k != nil {
			for _, x := range k.Fields {
				if x.Name == f {
					return pick(lang, x.ZH, x.EN)
				}
			}
		}
		if _, ok := messages["case.f."+f]; ok {
			return T(lang, "case.f."+f)
		}
		return f
	}
	fieldsOf := func(m map[string]string) []fieldValue {
		var out []fieldValue
		keys := make([]string, 0, len(m))
		for f := range m {
			keys = append(keys, f)
		}
		slices.Sort(keys)
		for _, f := range keys {
			out = append(out, fieldValue{Label: label(f), Value: m[f]})
		}
		return out
	}
	d.Fields = fieldsOf(c.Fields)
	var side procedure.Party
	switch u.AgencyID {
	case c.ApplicantAgencyID:
		side = procedure.Applicant
	case c.RespondentAgencyID:
		side = procedure.Respondent
	}
	if side != "" {
		d.Party = "party." + string(side)
	}
	if c.DueParty != "" {
		d.DueBy = T(lang, "party."+string(c.DueParty))
	}
	users := map[int64]string{}
	for _, ev := range evs {
		h := historyRow{Event: ev, ActionTitle: ev.Action, Agency: names.Name(ev.ActorAgencyID), Fields: fieldsOf(ev.Fields)}
		if k != nil {
			if t, ok := k.Transition(ev.Action); ok {
				h.ActionTitle = pick(lang, t.ZH, t.EN)
			} else if _, ok := messages["case.ev."+ev.Action]; ok {
				h.ActionTitle = T(lang, "case.ev."+ev.Action)
			}
		}
		if ev.ActorUserID != 0 {
			if _, ok := users[ev.ActorUserID]; !ok {
				users[ev.ActorUserID] = "#" + strconv.FormatInt(ev.ActorUserID, 10)
				if x, err := p.app.Accounts.User(ctx, ev.ActorUserID); err == nil {
					users[ev.ActorUserID] = x.Username
				}
			}
			h.Actor = users[ev.ActorUserID]
		}
		d.History = append(d.History, h)
	}
	// The forms offered are those the engine would accept from this user:
	// the user's side, role and the current state. The engine checks again.
	if k != nil && side != "" && u.Role.Can(auth.PermCaseAct) {
		for _, t := range k.Actions(c.State) {
			if t.By != side || len(t.Roles) > 0 && !slices.Contains(t.Roles, string(u.Role)) {
				continue
			}
			af := actionForm{Action: t.Action, Title: pick(lang, t.ZH, t.EN), Danger: len(t.Requires) > 0 || t.Action == "withdraw"}
			for _, f := range t.Requires {
				af.Fields = append(af.Fields, fieldDef{Name: f, Label: label(f)})
			}
			d.Actions = append(d.Actions, af)
		}
	}
	v := p.view(r, "case.title", d)
	v.Title = c.Title
	return v, nil
}

func (p *portal) casePage(w http.ResponseWriter, r *http.Request) error {
	v, err := p.caseView(r)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "case", v)
}

func (p *portal) actOnCase(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	action := r.PostFormValue("action")
	// Only fields some transition of that name requires are taken from the
	// form, so a crafted post cannot write arbitrary fields into the case;
	// the engine checks the case's own kind and state.
	fields := map[string]string{}
	for _, k := range p.app.Cases.Kinds() {
		if t, ok := k.Transition(action); ok {
			for _, f := range t.Requires {
				fields[f] = r.PostFormValue(f)
			}
		}
	}
	_, err = p.app.Cases.Act(r.Context(), httpx.Actor(r), id, action, fields)
	if err == nil {
		return redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"?ok=case_acted")
	}
	errs, general, ok := fieldErrors(err, httpx.Lang(r))
	if !ok || apperr.KindOf(err) == apperr.NotFound {
		return err
	}
	v, verr := p.caseView(r)
	if verr != nil {
		return verr
	}
	// Errors belong to the form of the action that was posted.
	v.Form = r.PostForm
	v.Errors = map[string]string{}
	for f, m := range errs {
		v.Errors[action+"."+f] = m
	}
	v.Error = general
	return p.render(w, statusOf(err), "case", v)
}

// noticeRow is a supervision notice with names for display.
type noticeRow struct {
	procedure.Notice
	Against   string
	Authority string
}

func (p *portal) noticesPage(w http.ResponseWriter, r *http.Request) error {
	actor := httpx.Actor(r)
	ns, err := p.app.Cases.Notices(r.Context(), actor, procedure.NoticeFilter{})
	if err != nil {
		return err
	}
	if err := p.app.Trail.Record(r.Context(), actor, audit.Event{Action: "notice.list", ObjectType: "supervision_notice", Detail: strconv.Itoa(len(ns)) + " notices"}); err != nil {
		return err
	}
	names := p.agencyNames(r)
	var rows []noticeRow
	for _, n := range ns {
		rows = append(rows, noticeRow{Notice: n, Against: names.Name(n.AgainstAgencyID), Authority: names.Name(n.AuthorityAgencyID)})
	}
	return p.render(w, http.StatusOK, "notices", p.view(r, "notice.title", rows))
}
