package web

import (
	"net/http"
	"strconv"

	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/httpx"
	"pubdata/internal/procedure"
)

// card is a link to an area on the home page.
type card struct {
	Title, Text, Href string
}

// caseRow is a case with the names a table shows.
type caseRow struct {
	procedure.Case
	KindTitle  string
	StateTitle string
	Applicant  string
	Respondent string
}

// homeData is the home page's data; the template shows the panels that are set.
type homeData struct {
	Cards    []card
	Coming   []card
	Cases    []caseRow // reviewer: awaiting the authority; agency roles: the agency's
	CasesKey string    // catalog key of the cases panel's heading
	Open     int
	Overdue  int
	Audit    []audit.Entry
	Counts   *orgCounts
	Public   bool
}

type orgCounts struct{ Jurisdictions, Agencies, Users int }

// homeCards: what each live area does, shown only to roles that may use it.
var homeCards = []struct {
	key, text, href string
	perm            auth.Permission
}{
	{"area.catalog", "card.catalog", "/catalog", auth.PermCatalogRead},
	{"area.collect", "card.collect", "/datasets", auth.PermDataRead},
	{"area.share", "card.share", "/share", auth.PermShareRead},
	{"nav.cases", "card.cases", "/cases", auth.PermCaseRead},
	{"nav.notices", "card.notices", "/notices", auth.PermNoticeRead},
	{"nav.audit", "card.audit", "/audit", auth.PermAuditRead},
	{"nav.org", "card.org", "/org", auth.PermOrgRead},
	{"nav.accounts", "card.accounts", "/accounts", auth.PermUserManage},
	{"nav.rules", "card.rules", "/rules", auth.PermRulesRead},
	{"nav.calendar", "card.calendar", "/calendar", auth.PermSignedIn},
	{"nav.tokens", "card.tokens", "/tokens", auth.PermSignedIn},
}

func (p *portal) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := httpx.Principal(r)
	lang := httpx.Lang(r)
	d := homeData{Public: !u.Role.Government()}
	for _, c := range homeCards {
		if u.Role.Can(c.perm) {
			d.Cards = append(d.Cards, card{Title: T(lang, c.key), Text: T(lang, c.text), Href: c.href})
		}
	}
	for _, k := range comingFor(u.Role) {
		d.Coming = append(d.Coming, card{Title: T(lang, k), Text: T(lang, "card.coming")})
	}
	actor := httpx.Actor(r)
	if u.Role.Can(auth.PermCaseRead) {
		cs, err := p.app.Cases.Cases(ctx, actor, procedure.CaseFilter{Open: true})
		if err != nil {
			return err
		}
		names := p.agencyNames(r)
		var rows []caseRow
		for _, c := range cs {
			if c.Overdue {
				d.Overdue++
			}
			// A reviewer's panel lists what the authority itself owes; the
			// supervised cases of the jurisdiction are one click away.
			if u.Role == auth.AuthorityReviewer && !(c.RespondentAgencyID == u.AgencyID && c.DueParty == procedure.Respondent) {
				continue
			}
			rows = append(rows, p.caseRow(c, lang, names))
		}
		d.Open = len(cs)
		d.Cases = rows
		d.CasesKey = "home.mycases"
		if u.Role == auth.AuthorityReviewer {
			d.CasesKey = "home.awaiting"
		}
		if err := p.app.Trail.Record(ctx, actor, audit.Event{Action: "case.list", ObjectType: "case", Detail: "home: " + strconv.Itoa(len(cs)) + " cases"}); err != nil {
			return err
		}
	}
	if u.Role.Can(auth.PermAuditRead) {
		es, err := p.app.Trail.List(ctx, audit.Filter{Limit: 8})
		if err != nil {
			return err
		}
		d.Audit = es
		if err := p.app.Trail.Record(ctx, actor, audit.Event{Action: "audit.read", ObjectType: "audit", Detail: "home: latest " + strconv.Itoa(len(es))}); err != nil {
			return err
		}
	}
	if u.Role.Can(auth.PermOrgManage) && u.Role.Can(auth.PermUserManage) {
		js, err := p.app.Orgs.Jurisdictions(ctx)
		if err != nil {
			return err
		}
		as, err := p.app.Orgs.Agencies(ctx, orgFilterFor(u))
		if err != nil {
			return err
		}
		us, err := p.app.Accounts.Users(ctx, auth.UserFilter{Jurisdiction: u.Jurisdiction})
		if err != nil {
			return err
		}
		d.Counts = &orgCounts{Jurisdictions: len(js), Agencies: len(as), Users: len(us)}
	}
	v := p.view(r, "nav.home", d)
	return p.render(w, http.StatusOK, "home", v)
}

// caseRow adds the display names to a case.
func (p *portal) caseRow(c procedure.Case, lang string, names *agencyNames) caseRow {
	row := caseRow{Case: c, KindTitle: c.Kind, StateTitle: string(c.State), Applicant: names.Name(c.ApplicantAgencyID), Respondent: names.Name(c.RespondentAgencyID)}
	if k, ok := p.app.Cases.Kind(c.Kind); ok {
		row.KindTitle = pick(lang, k.ZH, k.EN)
		if s, ok := k.State(c.State); ok {
			row.StateTitle = pick(lang, s.ZH, s.EN)
		}
	}
	return row
}

// pick returns the text in the language.
func pick(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return zh
}
