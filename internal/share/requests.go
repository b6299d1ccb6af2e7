package share

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/ident"
	"pubdata/internal/org"
	"pubdata/internal/procedure"
	"pubdata/internal/rules"
	"pubdata/internal/security"
	"pubdata/internal/store"
)

// StateCatalogued is where an uncatalogued demand ends once the source
// agency has catalogued the data: a data request for the new entry was
// made from it (HZ §24), and that request is shared by the entry's type.
const StateCatalogued RequestState = "catalogued"

// RequestInput is a share request as a consumer files it.
type RequestInput struct {
	Kind           RequestKind `json:"kind"`
	EntryID        int64       `json:"entry_id,omitempty"`         // the published catalog entry (not for uncatalogued demands)
	SourceAgencyID int64       `json:"source_agency_id,omitempty"` // uncatalogued demands only: who holds the data
	Demand         string      `json:"demand,omitempty"`           // uncatalogued demands only: what data is needed
	Spec           Spec        `json:"spec"`
}

// Decision is the source agency's answer to a request.
type Decision struct {
	// Action is agree, refuse or fulfil (a conditional request), agree or
	// refuse (a verification), confirm, decline or catalogue (an
	// uncatalogued demand).
	Action string `json:"action"`
	// Approval, with agree, fixes what is granted (GD-290 §24): it may
	// narrow the request and sets each item's mask; nil grants the request
	// as asked with the default masks.
	Approval *Spec `json:"approval,omitempty"`
	// LegalBasis is the law, regulation or rule a refusal rests on (GD-290 §23).
	LegalBasis string `json:"legal_basis,omitempty"`
	// EntryID, with catalogue, is the entry the demand's data was published in.
	EntryID int64 `json:"entry_id,omitempty"`
}

// RequestFilter selects requests.
type RequestFilter struct {
	Box     string // "outbox" (the actor's agency asked), "inbox" (it is the source), "filed" (filed with it), "" (all it may see)
	State   string
	Overdue bool // only requests whose open case is overdue
	Limit   int
}

// Errors of the request service. Refusals use codes of their own, not
// auth.forbidden, which is the router's.
var (
	errNotSource    = apperr.New(apperr.Forbidden, "share.request.not_source", "只有数源部门的数据管理员可以答复共享申请", "only the source agency's data officers answer a share request")
	errNotConsumer  = apperr.New(apperr.Forbidden, "share.request.not_consumer", "只有申请机构可以撤回共享申请", "only the requesting agency can withdraw a share request")
	errNotApplicant = apperr.New(apperr.Forbidden, "share.request.role", "只有机构数据管理员或公共数据主管部门可以申请共享",
		"only agency data officers and data authorities file share requests")
)

var (
	requestKinds     = []RequestKind{KindData, KindVerify, KindUncatalogued, KindOffline}
	requestStates    = []RequestState{StateRequested, StateAgreed, StateGranted, StateRefused, StateWithdrawn, StateConfirmed, StateDelivered, StateCatalogued}
	purposes         = []PurposeCategory{PurposeDuty, PurposePolicy, PurposeEmergency, PurposeResearch, PurposeEducation}
	recipientKinds   = []RecipientKind{RecipientAgency, RecipientEnterprise, RecipientInstitution, RecipientResearch}
	offlineMethodsZH = map[string]string{"secure_line": "专线", "storage_media": "存储介质", "paper": "纸质"}
	// offlineAliases maps the Chinese names of JM §15 to the method codes.
	offlineAliases = map[string]string{"专线": "secure_line", "安全专线": "secure_line", "存储介质": "storage_media", "纸质": "paper", "纸质文档": "paper"}
)

// Limits of free text in a request.
const (
	maxText     = 2000
	maxDemand   = 4000
	maxName     = 200
	maxItems    = 500
	maxNoteText = 2000
)

// entryRow is a catalog entry version as a request sees it.
type entryRow struct {
	ID           int64
	AgencyID     int64
	Jurisdiction string
	Name         string
	Version      int
	Meta         catalog.Metadata
}

func (e *entryRow) item(name string) (catalog.Item, bool) {
	for _, it := range e.Meta.Items {
		if it.Name == name {
			return it, true
		}
	}
	return catalog.Item{}, false
}

// loadEntry reads an entry's version: the published one when version is 0,
// which must exist (a request names a published entry).
func loadEntry(ctx context.Context, q store.Querier, id int64, version int) (entryRow, error) {
	e := entryRow{ID: id}
	var status string
	var published int
	err := q.QueryRowContext(ctx, `SELECT agency_id, jurisdiction_code, status, published_version, name FROM catalog_entries WHERE id = $1`, id).
		Scan(&e.AgencyID, &e.Jurisdiction, &status, &published, &e.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return e, apperr.Invalidf("share.entry.not_found", "entry_id", "目录条目不存在", "no such catalog entry")
	}
	if err != nil {
		return e, fmt.Errorf("entry %d: %w", id, err)
	}
	if version == 0 {
		if status != string(catalog.StatusPublished) || published == 0 {
			return e, apperr.Invalidf("share.entry.not_published", "entry_id", "只能申请共享已发布的目录条目", "only a published catalog entry can be requested")
		}
		version = published
	}
	e.Version = version
	var doc string
	if err := q.QueryRowContext(ctx, `SELECT metadata FROM catalog_versions WHERE entry_id = $1 AND version = $2`, id, version).Scan(&doc); err != nil {
		return e, fmt.Errorf("entry %d version %d: %w", id, version, err)
	}
	if err := json.Unmarshal([]byte(doc), &e.Meta); err != nil {
		return e, fmt.Errorf("entry %d version %d: %w", id, version, err)
	}
	return e, nil
}

// normalize trims the spec's text so that what is stored is what is checked.
func (sp *Spec) normalize() {
	for _, p := range []*string{&sp.Purpose, &sp.Scenario, &sp.DutyBasis, &sp.EndDate, &sp.RecipientName, &sp.RecipientCode, &sp.OfflineMethod,
		&sp.RowScope.Item, &sp.RowScope.Region} {
		*p = strings.TrimSpace(*p)
	}
	sp.Mode = Mode(strings.TrimSpace(string(sp.Mode)))
	sp.PurposeCategory = PurposeCategory(strings.TrimSpace(string(sp.PurposeCategory)))
	sp.RecipientKind = RecipientKind(strings.TrimSpace(string(sp.RecipientKind)))
	for i := range sp.Items {
		sp.Items[i].Name = strings.TrimSpace(sp.Items[i].Name)
	}
}

// sameUse reports whether two scenarios name the same use (JM §13): equal
// once runs of white space are collapsed.
func sameUse(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// switchOn reports whether the switch is on in any of the jurisdictions'
// profiles, with the basis of the first profile that turns it on.
func (s *Service) switchOn(key string, jurisdictions ...string) (bool, string, error) {
	for _, j := range jurisdictions {
		p, err := s.profileOf(j)
		if err != nil {
			return false, "", err
		}
		on, err := p.Switch(key)
		if err != nil {
			return false, "", err
		}
		if on {
			v, _ := p.Get(key)
			return true, v.Basis, nil
		}
	}
	return false, "", nil
}

// allOn reports whether the switch is on in every one of the jurisdictions' profiles.
func (s *Service) allOn(key string, jurisdictions ...string) (bool, error) {
	for _, j := range jurisdictions {
		on, _, err := s.switchOn(key, j)
		if err != nil || !on {
			return false, err
		}
	}
	return true, nil
}

// submitOptions are what the service itself sets when it files a request.
type submitOptions struct {
	// onBehalf: the actor is not of the consumer agency (the source
	// agency's officer cataloguing a demand files its data request).
	onBehalf bool
	// demand is the uncatalogued demand the request is made from.
	demand *Request
}

// Submit files a share request for the actor's agency and decides what the
// entry's sharing type decides at once, all in one transaction:
//   - unconditional data is granted at once as requested, each item with its
//     default mask (GD-290 §23 para 1);
//   - conditional data goes to the source agency as a share_conditional case
//     under the source's reply and fulfil deadlines (GD-290 §23 para 2, HZ §24);
//   - not-shared data is refused (share.not_shared): the consumer may ask
//     for verification instead (KindVerify, GD-290 §23 para 3), which goes to
//     the source as a share_verify case, as it does for conditional data;
//   - an uncatalogued demand goes to the named source agency as a
//     share_uncatalogued case (HZ §24);
//   - an offline request is decided like a data request; its grant has the
//     offline mode, which the gateway refuses, and the source records the
//     delivery (GD-290 §23 para 4, JM §15).
//
// A request across levels or regions is filed with the consumer's
// same-level authority and the authority above it (GD-290 §25, HZ §26).
// Under a per-use profile (JM §13) each concrete use is its own request: a
// second request of the same consumer for the same entry, application and
// scenario while one is open or its grant in force is refused as a
// duplicate; a grant is never renewed or widened, a new use needs a new
// request. Enterprises, institutions and research institutes receive data
// only through the authority, for the purposes of GD-290 §26.
//
// Who may call: an agency data officer or an authority reviewer, for its
// agency. Errors: Invalid (naming each field at fault), Forbidden (the
// rules forbid it), Conflict (a duplicate use). Refusals are audited.
func (s *Service) Submit(ctx context.Context, a audit.Actor, in RequestInput) (Request, error) {
	ev := audit.Event{Action: "share.request.submit", ObjectType: "share_request", Detail: string(in.Kind)}
	if a.AgencyID == 0 || a.Role != "agency_officer" && a.Role != "authority_reviewer" {
		return Request{}, s.deny(ctx, a, ev, errNotApplicant)
	}
	var id int64
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		r, err := s.submitTx(ctx, tx, a, a.AgencyID, in, submitOptions{})
		id = r.ID
		return err
	})
	if err != nil {
		return Request{}, s.refused(ctx, a, ev, err)
	}
	return s.loadWithFilings(ctx, s.db.Read(), id)
}

// refused audits a refusal (an application error) and returns err.
func (s *Service) refused(ctx context.Context, a audit.Actor, ev audit.Event, err error) error {
	var list apperr.List
	e, ok := apperr.As(err)
	if !ok && !errors.As(err, &list) {
		return err // an internal error is logged, not audited as a refusal
	}
	if ok {
		ev.Detail = strings.TrimSpace(ev.Detail + " " + e.Code)
	} else if len(list) > 0 {
		ev.Detail = strings.TrimSpace(ev.Detail + " " + list[0].Code)
	}
	return s.deny(ctx, a, ev, err)
}

// submitTx validates and files a request of consumerID in tx; see Submit.
func (s *Service) submitTx(ctx context.Context, tx *store.Tx, a audit.Actor, consumerID int64, in RequestInput, opt submitOptions) (Request, error) {
	in.Spec.normalize()
	in.Demand = strings.TrimSpace(in.Demand)
	if !slices.Contains(requestKinds, in.Kind) {
		return Request{}, apperr.Invalidf("share.request.kind", "kind", "申请类型须为 data、verify、uncatalogued 或 offline", "the kind must be data, verify, uncatalogued or offline")
	}
	consumer, err := s.orgs.Agency(ctx, consumerID)
	if err != nil {
		return Request{}, err
	}
	var errs apperr.List
	var entry *entryRow
	var source org.Agency
	if in.Kind == KindUncatalogued {
		if in.EntryID != 0 {
			errs = append(errs, apperr.Invalidf("share.uncatalogued.entry", "entry_id", "未编目数据需求不指定目录条目", "an uncatalogued demand names no catalog entry"))
		}
		if in.Demand == "" || utf8.RuneCountInString(in.Demand) > maxDemand {
			errs = append(errs, apperr.Invalidf("share.uncatalogued.demand", "demand", "须说明所需数据，不超过4000字", "describe the data needed, at most 4000 characters"))
		}
		if in.SourceAgencyID == 0 {
			errs = append(errs, apperr.Invalidf("share.uncatalogued.source", "source_agency_id", "须指定持有数据的数源部门", "name the source agency that holds the data"))
		} else if source, err = s.orgs.Agency(ctx, in.SourceAgencyID); err != nil {
			errs = append(errs, apperr.Invalidf("share.uncatalogued.source", "source_agency_id", "数源部门不存在", "no such source agency"))
		}
	} else {
		if in.Demand != "" && opt.demand == nil {
			errs = append(errs, apperr.Invalidf("share.request.demand", "demand", "只有未编目数据需求填写需求说明", "only an uncatalogued demand carries a demand"))
		}
		if in.EntryID <= 0 {
			errs = append(errs, apperr.Invalidf("share.entry.required", "entry_id", "须指定申请的目录条目", "name the catalog entry requested"))
		} else {
			e, err := loadEntry(ctx, tx, in.EntryID, 0)
			if err != nil {
				return Request{}, err
			}
			entry = &e
			if in.SourceAgencyID != 0 && in.SourceAgencyID != e.AgencyID {
				errs = append(errs, apperr.Invalidf("share.request.source", "source_agency_id", "数源部门是目录条目的编制部门，无须另行指定", "the source agency is the entry's; leave source_agency_id empty"))
			}
			if source, err = s.orgs.Agency(ctx, e.AgencyID); err != nil {
				return Request{}, err
			}
		}
	}
	if len(errs) > 0 {
		return Request{}, errs
	}
	if source.ID == consumer.ID {
		return Request{}, apperr.Invalidf("share.request.own_agency", "entry_id", "本机构的数据无须申请共享", "your agency's own data needs no share request")
	}
	var shareType catalog.ShareType
	if entry != nil {
		shareType = entry.Meta.ShareType
		switch {
		case shareType == catalog.ShareNone && in.Kind != KindVerify:
			return Request{}, &apperr.Error{Kind: apperr.Forbidden, Code: "share.not_shared", Field: "entry_id",
				ZH: "该数据为不予共享数据，不能申请共享；可提出核实、比对需求（kind=verify，GD-290 §23）",
				EN: "this data is not shared; ask for verification instead (kind verify, GD-290 §23)"}
		case shareType == catalog.ShareUnconditional && in.Kind == KindVerify:
			return Request{}, apperr.Invalidf("share.verify.unconditional", "kind", "无条件共享数据可直接申请共享，无须核实比对", "unconditional data is requested directly, not verified")
		}
	}
	if opt.demand != nil && len(in.Spec.Items) == 0 && entry != nil {
		// The demand could not name the items of an entry not yet made: it
		// asks for what the source catalogued for it.
		for _, it := range entry.Meta.Items {
			in.Spec.Items = append(in.Spec.Items, GrantItem{Name: it.Name})
		}
	}
	sp, err := s.profileOf(source.JurisdictionCode)
	if err != nil {
		return Request{}, err
	}
	if errs, err := s.checkSpec(ctx, tx, specCheck{kind: in.Kind, entry: entry, shareType: shareType, consumer: consumer, source: source, sp: sp}, &in.Spec); err != nil {
		return Request{}, err
	} else if len(errs) > 0 {
		return Request{}, errs
	}
	if err := s.checkRecipient(a, consumer, source, &in.Spec, opt.onBehalf); err != nil {
		return Request{}, err
	}
	if err := s.checkPerUse(ctx, tx, consumer, source, in); err != nil {
		return Request{}, err
	}

	r := Request{Kind: in.Kind, State: StateRequested, ConsumerAgencyID: consumer.ID, ConsumerName: consumer.Name, SourceAgencyID: source.ID, SourceName: source.Name,
		Jurisdiction: source.JurisdictionCode, Profile: sp.Name, ShareType: string(shareType), Spec: in.Spec, Demand: in.Demand,
		CrossLevel: consumer.JurisdictionCode != source.JurisdictionCode, CreatedBy: a.UserID, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if entry != nil {
		r.EntryID, r.EntryVersion, r.EntryName = entry.ID, entry.Version, entry.Name
		if ds, err := s.collect.DatasetOfEntry(ctx, entry.ID); err == nil {
			r.DatasetID = ds.ID
		}
	}
	if opt.demand != nil {
		r.Demand = fmt.Sprintf("未编目数据需求#%d：%s", opt.demand.ID, opt.demand.Demand)
	}
	spec, _ := json.Marshal(r.Spec)
	err = tx.QueryRowContext(ctx, `INSERT INTO share_requests(kind, state, consumer_agency_id, source_agency_id, jurisdiction_code, profile, entry_id, entry_version,
		dataset_id, share_type, app_id, spec, demand, cross_level, created_by, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$16) RETURNING id`,
		string(r.Kind), string(r.State), r.ConsumerAgencyID, r.SourceAgencyID, r.Jurisdiction, r.Profile, nullID(r.EntryID), r.EntryVersion,
		nullID(r.DatasetID), r.ShareType, nullID(r.Spec.AppID), string(spec), r.Demand, r.CrossLevel, nullID(a.UserID), tx.Dialect.Time(tx.Now)).Scan(&r.ID)
	if err != nil {
		return Request{}, fmt.Errorf("file share request: %w", err)
	}
	if r.CrossLevel {
		if r.Filings, err = s.fileTx(ctx, tx, a, &r, consumer); err != nil {
			return Request{}, err
		}
	}

	switch {
	case in.Kind == KindUncatalogued:
		err = s.openCaseTx(ctx, tx, a, &r, KindUncataloguedCase.Name, opt.onBehalf)
	case in.Kind == KindVerify:
		err = s.openCaseTx(ctx, tx, a, &r, KindVerifyCase.Name, opt.onBehalf)
	case shareType == catalog.ShareConditional:
		err = s.openCaseTx(ctx, tx, a, &r, procedure.ShareConditional.Name, opt.onBehalf)
	case shareType == catalog.ShareUnconditional:
		// GD-290 §23 para 1: applied for and obtained, as requested; the
		// default masks keep personal items masked all the same.
		appr := r.Spec
		appr.Items = defaultMasks(sp, entry, r.Spec.Items)
		err = s.grantTx(ctx, tx, a, &r, appr)
	default:
		err = fmt.Errorf("request %d: entry %d has sharing type %q", r.ID, r.EntryID, shareType)
	}
	if err != nil {
		return Request{}, err
	}
	return r, s.trail.Append(ctx, tx, a, audit.Event{Action: "share.request.submit", ObjectType: "share_request", ObjectID: strconv.FormatInt(r.ID, 10),
		Purpose: r.Spec.Scenario, Detail: fmt.Sprintf("%s entry %d (%s) from agency %d to agency %d: %s", r.Kind, r.EntryID, r.ShareType, r.ConsumerAgencyID, r.SourceAgencyID, r.State)})
}

// defaultMasks gives each item its default mask from the source's profile.
func defaultMasks(p *rules.Profile, e *entryRow, items []GrantItem) []GrantItem {
	out := make([]GrantItem, len(items))
	for i, it := range items {
		ci, _ := e.item(it.Name)
		if ci.Name == "" {
			ci.Name = it.Name
		}
		out[i] = GrantItem{Name: it.Name, Mask: DefaultMask(p, ci)}
	}
	return out
}

// grantTx issues the grant of r as fixed by appr and marks r granted.
func (s *Service) grantTx(ctx context.Context, tx *store.Tx, a audit.Actor, r *Request, appr Spec) error {
	appr.OfflineDelivery = nil
	g, err := s.issueGrantTx(ctx, tx, a, r, appr)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(appr)
	if _, err := tx.ExecContext(ctx, `UPDATE share_requests SET state = $1, grant_id = $2, approval = $3, updated_at = $4 WHERE id = $5`,
		string(StateGranted), g.ID, string(b), tx.Dialect.Time(tx.Now), r.ID); err != nil {
		return fmt.Errorf("request %d granted: %w", r.ID, err)
	}
	r.State, r.GrantID, r.Approval = StateGranted, g.ID, &appr
	return nil
}

// openCaseTx opens the case that carries r's deadlines, the source agency
// answering, and binds it to r.
func (s *Service) openCaseTx(ctx context.Context, tx *store.Tx, a audit.Actor, r *Request, kind string, onBehalf bool) error {
	what := r.EntryName
	if what == "" {
		what = r.Demand
	}
	title := fmt.Sprintf("共享申请#%d：%s", r.ID, what)
	if utf8.RuneCountInString(title) > 200 {
		title = string([]rune(title)[:199]) + "…"
	}
	c, err := s.cases.OpenTx(ctx, tx, a, procedure.OpenInput{Kind: kind, Title: title, ApplicantAgencyID: r.ConsumerAgencyID,
		RespondentAgencyID: r.SourceAgencyID, ObjectType: "share_request", ObjectID: strconv.FormatInt(r.ID, 10), OnBehalf: onBehalf})
	if err != nil {
		return err
	}
	r.CaseID, r.DueDate = c.ID, c.DueDate
	if _, err := tx.ExecContext(ctx, `UPDATE share_requests SET case_id = $1 WHERE id = $2`, c.ID, r.ID); err != nil {
		return fmt.Errorf("request %d case: %w", r.ID, err)
	}
	return nil
}

// fileTx files a cross-level or cross-region request with the consumer's
// same-level authority and the one above it (GD-290 §25, HZ §26), when the
// consumer's profile requires it.
func (s *Service) fileTx(ctx context.Context, tx *store.Tx, a audit.Actor, r *Request, consumer org.Agency) ([]Filing, error) {
	on, _, err := s.switchOn("share.cross_level.filing_required", consumer.JurisdictionCode)
	if err != nil || !on {
		return nil, err
	}
	same, err := s.orgs.Authority(ctx, consumer.JurisdictionCode)
	if err != nil {
		return nil, fmt.Errorf("request %d: authority of %s: %w", r.ID, consumer.JurisdictionCode, err)
	}
	auths := []Filing{{AuthorityAgencyID: same.ID, AuthorityName: same.Name, Level: "same"}}
	j, err := s.orgs.Jurisdiction(ctx, consumer.JurisdictionCode)
	if err != nil {
		return nil, err
	}
	if j.ParentCode != "" {
		upper, err := s.orgs.Authority(ctx, j.ParentCode)
		if err != nil {
			return nil, fmt.Errorf("request %d: authority of %s: %w", r.ID, j.ParentCode, err)
		}
		if upper.ID != same.ID {
			auths = append(auths, Filing{AuthorityAgencyID: upper.ID, AuthorityName: upper.Name, Level: "upper"})
		}
	}
	var names []string
	for i := range auths {
		f := &auths[i]
		f.RequestID, f.CreatedAt = r.ID, tx.Now
		if err := tx.QueryRowContext(ctx, `INSERT INTO share_filings(request_id, authority_agency_id, level, created_at) VALUES ($1,$2,$3,$4) RETURNING id`,
			r.ID, f.AuthorityAgencyID, f.Level, tx.Dialect.Time(tx.Now)).Scan(&f.ID); err != nil {
			return nil, fmt.Errorf("request %d filing: %w", r.ID, err)
		}
		names = append(names, f.Level+" "+f.AuthorityName)
	}
	return auths, s.trail.Append(ctx, tx, a, audit.Event{Action: "share.request.file", ObjectType: "share_request", ObjectID: strconv.FormatInt(r.ID, 10),
		Detail: strings.Join(names, "; ")})
}

// specCheck is what a spec is checked against.
type specCheck struct {
	kind      RequestKind
	entry     *entryRow // nil for an uncatalogued demand
	shareType catalog.ShareType
	consumer  org.Agency
	source    org.Agency
	sp        *rules.Profile // the source's
}

// checkSpec validates a request's spec and fills its defaults (the mode of
// verification and offline requests). It returns every field at fault.
func (s *Service) checkSpec(ctx context.Context, q store.Querier, c specCheck, sp *Spec) (apperr.List, error) {
	var errs apperr.List
	bad := func(code, field, zh, en string) { errs = append(errs, apperr.Invalidf(code, "spec."+field, zh, en)) }
	juris := []string{c.consumer.JurisdictionCode, c.source.JurisdictionCode}

	// Items: named, of the entry's published version, each once; masks are
	// the source agency's to fix (GD-290 §24).
	switch {
	case len(sp.Items) == 0 && c.entry != nil:
		bad("share.items.required", "items", "须列明所需信息项", "list the items needed")
	case len(sp.Items) > maxItems:
		bad("share.items.too_many", "items", "信息项过多", "too many items")
	}
	seen := map[string]bool{}
	hasKey := false
	for i, it := range sp.Items {
		f := fmt.Sprintf("items[%d]", i)
		switch {
		case it.Name == "":
			bad("share.item.name", f+".name", "信息项名称必填", "the item's name is required")
			continue
		case seen[it.Name]:
			bad("share.item.repeated", f+".name", "信息项“"+it.Name+"”重复", "item "+it.Name+" is listed twice")
		case it.Mask != (security.Mask{}):
			bad("share.item.mask", f+".mask", "脱敏方式由数源部门核定，申请时不填写", "masks are fixed by the source agency's approval, not requested")
		}
		seen[it.Name] = true
		if c.entry != nil {
			ci, ok := c.entry.item(it.Name)
			if !ok {
				bad("share.item.unknown", f+".name", "目录条目没有信息项“"+it.Name+"”", "the entry has no item "+it.Name)
			}
			hasKey = hasKey || ci.Key
		}
	}
	if c.kind == KindVerify && c.entry != nil && len(sp.Items) > 0 && !hasKey {
		bad("share.verify.key_required", "items", "核实比对须包含至少一个主键信息项（如公民身份号码）", "verification needs at least one key item (e.g. the ID number)")
	}

	// Purpose, scenario and duty basis (GD-290 §24, JM §13; MZ §21: a
	// reasonable use even for unconditional data).
	need, basis := false, ""
	if c.shareType == catalog.ShareUnconditional {
		on, b, err := s.switchOn("share.unconditional.requires_reasonable_use", juris...)
		if err != nil {
			return nil, err
		}
		need, basis = on, b
	} else {
		on, b, err := s.switchOn("share.purpose_scenario_required", juris...)
		if err != nil {
			return nil, err
		}
		need, basis = on, b
	}
	if on, b, err := s.switchOn("share.per_use_request", c.consumer.JurisdictionCode); err != nil {
		return nil, err
	} else if on && !need {
		need, basis = true, b
	}
	for _, t := range []struct {
		field, zh, en, v string
	}{{"purpose", "用途", "the purpose", sp.Purpose}, {"scenario", "应用业务场景", "the business scenario", sp.Scenario}, {"duty_basis", "履职依据", "the duty and legal basis", sp.DutyBasis}} {
		switch {
		case t.v == "" && need:
			bad("share.purpose_required", t.field, "须说明"+t.zh+"（"+basis+"）", t.en+" is required ("+basis+")")
		case utf8.RuneCountInString(t.v) > maxText:
			bad("share.text.too_long", t.field, t.zh+"不超过2000字", t.en+" is at most 2000 characters")
		}
	}
	if !slices.Contains(purposes, sp.PurposeCategory) {
		bad("share.purpose_category", "purpose_category", "用途类别须为 duty、policy_delivery、emergency、research 或 education",
			"the purpose category must be duty, policy_delivery, emergency, research or education")
	}

	// Mode: one of the entry's share modes; offline only by an offline
	// request, where the profile or the entry allows it (GD-290 §23 para 4).
	switch c.kind {
	case KindOffline:
		if sp.Mode == "" {
			sp.Mode = ModeOffline
		}
		if sp.Mode != ModeOffline {
			bad("share.mode", "mode", "线下共享的方式为 offline_media", "an offline request has mode offline_media")
		} else if c.entry != nil {
			on, _, err := s.switchOn("share.offline_allowed", c.source.JurisdictionCode)
			if err != nil {
				return nil, err
			}
			if !on && !slices.Contains(c.entry.Meta.ShareModes, catalog.ModeOffline) {
				bad("share.offline.not_allowed", "mode", "该数据不能线下共享", "this data cannot be shared offline")
			}
		}
	case KindVerify:
		if sp.Mode == "" {
			sp.Mode = ModeAPI
		}
		if sp.Mode != ModeAPI {
			bad("share.mode", "mode", "核实比对通过接口答复", "verification answers through the API (mode api)")
		}
	default:
		modes := catalog.ShareModes()
		if c.entry != nil {
			modes = c.entry.Meta.ShareModes
		}
		switch {
		case sp.Mode == "":
			bad("share.mode", "mode", "须选择共享方式", "choose a sharing mode")
		case sp.Mode == ModeOffline:
			bad("share.mode", "mode", "线下共享请提交线下共享申请（kind=offline）", "file an offline request (kind offline) for offline delivery")
		case !slices.Contains(modes, catalog.ShareMode(sp.Mode)):
			bad("share.mode", "mode", "目录条目不提供该共享方式："+string(sp.Mode), "the entry is not shared by mode "+string(sp.Mode))
		case sp.Mode != ModeAPI:
			// MZ §21: system-to-system key lookups only, no bulk export; the
			// gateway would refuse every extract of such a grant, so the
			// request is refused now, under either side's profile.
			on, basis, err := s.switchOn("share.gateway.key_lookup_only", juris...)
			if err != nil {
				return nil, err
			}
			if on {
				bad("share.mode.key_lookup_only", "mode", "按规定原则上不批量导出提供数据（"+basis+"），只能以接口按主键查询（mode=api）",
					"data is not exported in bulk here ("+basis+"): only key lookups through the API (mode api)")
			}
		}
	}

	// End date: the last day of use, not in the past.
	if sp.EndDate == "" {
		bad("share.end_date", "end_date", "须填写使用截止日期", "the end date is required")
	} else if d, err := calendar.ParseDate(sp.EndDate); err != nil {
		bad("share.end_date", "end_date", "截止日期须为 YYYY-MM-DD 格式的有效日期", "the end date must be a valid YYYY-MM-DD date")
	} else if d.Compare(s.today()) < 0 {
		bad("share.end_date", "end_date", "截止日期不能早于今天", "the end date cannot be in the past")
	}

	// Row scope: an item of division format among those asked, and a region.
	errs = append(errs, checkScope(c.entry, sp.Items, sp.RowScope, "spec.")...)

	// The application system the grant is bound to (online modes).
	if sp.Mode == ModeOffline {
		if sp.AppID != 0 {
			bad("share.app.offline", "app_id", "线下共享不绑定应用系统", "an offline request binds no application system")
		}
	} else if sp.AppID == 0 {
		bad("share.app_required", "app_id", "线上共享须绑定本机构已登记的应用系统", "an online request is bound to a registered application system of your agency")
	} else {
		app, _, _, err := s.loadApp(ctx, q, `id = $1`, sp.AppID)
		switch {
		case apperr.Is(err, errAppNotFound) || err == nil && app.AgencyID != c.consumer.ID:
			bad("share.app.unknown", "app_id", "应用系统不存在或不属于申请机构", "no such application system of the requesting agency")
		case err != nil:
			return nil, err
		case app.Disabled:
			bad("share.app.disabled", "app_id", "应用系统已停用", "the application system is disabled")
		}
	}

	// Quota and rate: unconditional data is granted as asked, so it may not
	// ask for more than the platform default.
	for _, n := range []struct {
		field, key string
		v          int64
	}{{"quota_daily", "share.gateway.quota_daily", sp.QuotaDaily}, {"rate_per_minute", "share.gateway.rate_per_minute", sp.RatePerMinute}} {
		if n.v < 0 {
			bad("share.quota", n.field, "调用限额不能为负数", "a limit cannot be negative")
			continue
		}
		if c.shareType == catalog.ShareUnconditional && n.v > 0 {
			max, err := number(c.sp, n.key)
			if err != nil {
				return nil, err
			}
			if n.v > max {
				bad("share.quota", n.field, fmt.Sprintf("无条件共享的调用限额不超过平台默认值 %d", max), fmt.Sprintf("unconditional data is granted at most the default limit of %d", max))
			}
		}
	}

	// Offline method (JM §15) only for an offline request.
	if c.kind == KindOffline {
		m, err := s.offlineMethod(c.source.JurisdictionCode, sp.OfflineMethod)
		if err != nil {
			errs = append(errs, err.WithField("spec.offline_method"))
		}
		sp.OfflineMethod = m
	} else if sp.OfflineMethod != "" {
		bad("share.offline.method", "offline_method", "只有线下共享填写线下方式", "only an offline request has an offline method")
	}
	if sp.OfflineDelivery != nil {
		bad("share.offline.delivery", "offline_delivery", "交付记录由数源部门登记", "the delivery is recorded by the source agency")
	}

	// The final recipient (GD-290 §26).
	if sp.RecipientKind == "" {
		sp.RecipientKind = RecipientAgency
	}
	switch {
	case !slices.Contains(recipientKinds, sp.RecipientKind):
		bad("share.recipient.kind", "recipient_kind", "接收方类型须为 agency、enterprise、institution 或 research", "the recipient kind must be agency, enterprise, institution or research")
	case sp.RecipientKind == RecipientAgency:
		if sp.RecipientName != "" || sp.RecipientCode != "" {
			bad("share.recipient.agency", "recipient_name", "数据由申请机构自用时不填写接收单位", "no recipient is named when the requesting agency uses the data itself")
		}
	default:
		if sp.RecipientName == "" || utf8.RuneCountInString(sp.RecipientName) > maxName {
			bad("share.recipient.name", "recipient_name", "须填写接收数据的企业事业单位名称，不超过200字", "name the receiving enterprise or institution, at most 200 characters")
		}
		if err := ident.ValidateCreditCode(sp.RecipientCode); err != nil {
			if e, ok := apperr.As(err); ok {
				errs = append(errs, e.WithField("spec.recipient_code"))
			} else {
				return nil, err
			}
		}
	}
	return errs, nil
}

// checkScope validates a row scope against the items it may use.
func checkScope(entry *entryRow, items []GrantItem, sc RowScope, prefix string) apperr.List {
	var errs apperr.List
	if sc.Item == "" {
		if sc.Region != "" {
			errs = append(errs, apperr.Invalidf("share.row_scope.item", prefix+"row_scope.item", "限定行范围须指定行政区划信息项", "a row scope names the division item it filters on"))
		}
		return errs
	}
	if !slices.ContainsFunc(items, func(it GrantItem) bool { return it.Name == sc.Item }) {
		errs = append(errs, apperr.Invalidf("share.row_scope.item", prefix+"row_scope.item", "行范围的信息项须是所申请的信息项", "the row scope's item must be one of the items"))
	} else if entry != nil {
		if ci, _ := entry.item(sc.Item); ci.ValueFormat() != catalog.FormatDivision {
			errs = append(errs, apperr.Invalidf("share.row_scope.item", prefix+"row_scope.item", "行范围只能按行政区划代码格式的信息项限定", "a row scope filters on an item of division-code format"))
		}
	}
	if err := ident.ValidateDivisionCode(sc.Region); err != nil {
		if e, ok := apperr.As(err); ok {
			errs = append(errs, e.WithField(prefix+"row_scope.region"))
		}
	}
	return errs
}

// offlineMethod checks an offline method against the profile's list
// (share.offline.methods, JM §15) or, without one, the three of GD-290 §23
// para 4; Chinese names are accepted.
func (s *Service) offlineMethod(jurisdiction, m string) (string, *apperr.Error) {
	if code, ok := offlineAliases[m]; ok {
		m = code
	}
	allowed := []string{"secure_line", "storage_media", "paper"}
	if p, err := s.profileOf(jurisdiction); err == nil {
		if l, err := p.List("share.offline.methods"); err == nil && len(l) > 0 {
			allowed = l
		}
	}
	if !slices.Contains(allowed, m) {
		var zh []string
		for _, a := range allowed {
			zh = append(zh, a+"（"+offlineMethodsZH[a]+"）")
		}
		return m, apperr.Invalidf("share.offline.method", "offline_method", "线下方式须为："+strings.Join(zh, "、"), "the offline method must be one of: "+strings.Join(allowed, ", "))
	}
	return m, nil
}

// checkRecipient enforces GD-290 §26: enterprises and institutions receive
// data only through the authority, for policy delivery and emergencies;
// universities and research institutes only for research and education. A
// public enterprise (a consumer agency that is one) is an enterprise. Where
// a profile turns on share.enterprise.via_competent_department (MZ §24),
// an enterprise's or institution's same-level competent department files
// for it too (see viaCompetentDepartment).
func (s *Service) checkRecipient(a audit.Actor, consumer, source org.Agency, sp *Spec, onBehalf bool) error {
	viaAuthority := &apperr.Error{Kind: apperr.Forbidden, Code: "share.enterprise.via_authority", Field: "spec.recipient_kind",
		ZH: "企业事业单位只能通过公共数据主管部门获得共享数据（GD-290 §26）", EN: "enterprises and institutions receive shared data only through the data authority (GD-290 §26)"}
	if consumer.PublicEnterprise {
		return viaAuthority
	}
	kind := sp.RecipientKind
	if kind == RecipientAgency {
		return nil
	}
	juris := []string{consumer.JurisdictionCode, source.JurisdictionCode}
	if !consumer.IsAuthority || !onBehalf && a.Role != "authority_reviewer" {
		if err := s.viaCompetentDepartment(a, consumer, sp, juris); err != nil {
			if errors.Is(err, errNotViaDepartment) {
				return viaAuthority
			}
			return err
		}
	}
	if kind == RecipientResearch {
		on, basis, err := s.switchOn("share.research.public_interest_only", juris...)
		if err != nil {
			return err
		}
		if on && sp.PurposeCategory != PurposeResearch && sp.PurposeCategory != PurposeEducation {
			return apperr.Invalidf("share.research.purpose", "spec.purpose_category", "高等院校、科研院所获得的共享数据只能用于科研教育等公益性活动（"+basis+"）",
				"universities and research institutes receive shared data only for research and education ("+basis+")")
		}
		return nil
	}
	allowed, err := s.allOn("share.enterprise.allowed", juris...)
	if err != nil {
		return err
	}
	if !allowed {
		return &apperr.Error{Kind: apperr.Forbidden, Code: "share.enterprise.not_allowed", Field: "spec.recipient_kind",
			ZH: "规则配置不允许向企业事业单位共享", EN: "the rule profile does not allow sharing with enterprises and institutions"}
	}
	if sp.PurposeCategory != PurposePolicy && sp.PurposeCategory != PurposeEmergency {
		return apperr.Invalidf("share.enterprise.purpose", "spec.purpose_category", "向企业事业单位共享只能用于落实惠民政策或应对突发事件（GD-290 §26）",
			"data goes to enterprises and institutions only for policy delivery or emergencies (GD-290 §26)")
	}
	return nil
}

// errNotViaDepartment: the competent-department route does not apply.
var errNotViaDepartment = errors.New("not via the competent department")

// viaCompetentDepartment accepts, where share.enterprise.via_competent_department
// is on in the consumer's or the source's profile (MZ §24: "原则上应由企业
// 事业单位的同级行政主管部门…提出用数申请"), a request for an enterprise or
// institution filed by an officer of an administrative department at the
// same level as the recipient: the department's jurisdiction is the
// division in which the recipient is registered (positions 3–8 of its
// unified social credit code, checked before). It returns
// errNotViaDepartment when the route does not apply at all, so that the
// caller answers as GD-290 §26 does, and a Forbidden error naming the
// recipient's code when the department is not of the recipient's level.
func (s *Service) viaCompetentDepartment(a audit.Actor, consumer org.Agency, sp *Spec, juris []string) error {
	if sp.RecipientKind != RecipientEnterprise && sp.RecipientKind != RecipientInstitution || a.Role != "agency_officer" || consumer.IsAuthority {
		return errNotViaDepartment
	}
	on, basis, err := s.optionalSwitch("share.enterprise.via_competent_department", juris...)
	if err != nil {
		return err
	}
	if !on {
		return errNotViaDepartment
	}
	if len(sp.RecipientCode) != 18 || sp.RecipientCode[2:8] != consumer.JurisdictionCode {
		return &apperr.Error{Kind: apperr.Forbidden, Code: "share.enterprise.same_level", Field: "spec.recipient_code",
			ZH: "企业事业单位的用数申请应由其同级行政主管部门提出（" + basis + "）：接收单位的登记地行政区划与申请部门不一致",
			EN: "an enterprise's or institution's data request is filed by its same-level competent department (" + basis + "): the recipient is registered in another division"}
	}
	return nil
}

// optionalSwitch is switchOn for a switch that only some profiles set (a
// city's own rule): a profile without it leaves it off.
func (s *Service) optionalSwitch(key string, jurisdictions ...string) (bool, string, error) {
	for _, j := range jurisdictions {
		p, err := s.profileOf(j)
		if err != nil {
			return false, "", err
		}
		v, ok := p.Get(key)
		if !ok {
			continue
		}
		if v.Kind != rules.KindSwitch {
			return false, "", fmt.Errorf("profile %s: %s is a %s, not a switch", p.Name, key, v.Kind)
		}
		if v.Bool {
			return true, v.Basis, nil
		}
	}
	return false, "", nil
}

// checkPerUse enforces JM §13 under the consumer's profile: one request per
// concrete use. A use is the entry (or, for a demand, the source agency),
// the application system and the scenario; while a request for it is open
// or its grant in force, another is a duplicate.
func (s *Service) checkPerUse(ctx context.Context, tx *store.Tx, consumer, source org.Agency, in RequestInput) error {
	on, basis, err := s.switchOn("share.per_use_request", consumer.JurisdictionCode)
	if err != nil || !on {
		return err
	}
	if tx.Dialect == store.Postgres {
		// Serialise the consumer's requests so that two concurrent ones for
		// the same use cannot both pass the check.
		if _, err := tx.ExecContext(ctx, `SELECT id FROM agencies WHERE id = $1 FOR UPDATE`, consumer.ID); err != nil {
			return err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.state, r.spec, COALESCE(g.state, ''), COALESCE(g.end_date, '') FROM share_requests r
		LEFT JOIN share_grants g ON g.id = r.grant_id
		WHERE r.consumer_agency_id = $1 AND r.source_agency_id = $2 AND COALESCE(r.entry_id, 0) = $3 AND r.kind = $4
		AND r.state IN ('requested', 'agreed', 'confirmed', 'granted', 'delivered')`,
		consumer.ID, source.ID, in.EntryID, string(in.Kind))
	if err != nil {
		return fmt.Errorf("per-use check: %w", err)
	}
	defer rows.Close()
	today := s.today().String()
	for rows.Next() {
		var id int64
		var state, doc, gstate, end string
		if err := rows.Scan(&id, &state, &doc, &gstate, &end); err != nil {
			return err
		}
		if (state == string(StateGranted) || state == string(StateDelivered)) && (gstate != string(GrantActive) && gstate != string(GrantSuspended) || end < today) {
			continue // that use is over: its grant ended
		}
		var prev Spec
		if err := json.Unmarshal([]byte(doc), &prev); err != nil {
			return fmt.Errorf("request %d spec: %w", id, err)
		}
		if prev.AppID == in.Spec.AppID && sameUse(prev.Scenario, in.Spec.Scenario) {
			return &apperr.Error{Kind: apperr.Conflict, Code: "share.per_use.duplicate", Field: "spec.scenario",
				ZH: fmt.Sprintf("每次具体的数据使用须单独申请（%s）：同一应用系统、同一业务场景已有共享申请#%d，新的使用请另行说明场景", basis, id),
				EN: fmt.Sprintf("each concrete use is its own request (%s): request %d already covers this application and scenario", basis, id)}
		}
	}
	return rows.Err()
}

// checkApproval validates an approval against its request (GD-290 §24, HZ
// §25): it fixes scenario, consumer, items, mode and end date, and may only
// narrow them; each item gets a valid mask (its default when none is given).
// An empty field keeps the request's value.
func (s *Service) checkApproval(ctx context.Context, q store.Querier, r *Request, in Spec) (Spec, apperr.List, error) {
	in.normalize()
	p, err := s.profileOf(r.Jurisdiction)
	if err != nil {
		return Spec{}, nil, err
	}
	entry, err := loadEntry(ctx, q, r.EntryID, r.EntryVersion)
	if err != nil {
		return Spec{}, nil, err
	}
	var errs apperr.List
	widen := func(field, zh, en string) {
		errs = append(errs, apperr.Invalidf("share.approval.widening", "approval."+field, "核定内容不能超出申请："+zh, "an approval may only narrow the request: "+en))
	}
	req := r.Spec
	out := req
	out.OfflineDelivery = nil
	out.Items = nil
	if len(in.Items) == 0 {
		out.Items = defaultMasks(p, &entry, req.Items)
	}
	seen := map[string]bool{}
	for i, it := range in.Items {
		f := fmt.Sprintf("items[%d]", i)
		switch {
		case !slices.ContainsFunc(req.Items, func(x GrantItem) bool { return x.Name == it.Name }):
			widen(f+".name", "未申请信息项“"+it.Name+"”", "item "+it.Name+" was not requested")
			continue
		case seen[it.Name]:
			errs = append(errs, apperr.Invalidf("share.item.repeated", "approval."+f+".name", "信息项“"+it.Name+"”重复", "item "+it.Name+" is listed twice"))
			continue
		}
		seen[it.Name] = true
		if it.Mask == (security.Mask{}) {
			ci, _ := entry.item(it.Name)
			it.Mask = DefaultMask(p, ci)
		} else if err := it.Mask.Validate(); err != nil {
			if e, ok := apperr.As(err); ok {
				errs = append(errs, e.WithField("approval."+f+".mask."+e.Field))
				continue
			}
			return Spec{}, nil, err
		}
		out.Items = append(out.Items, it)
	}
	for _, t := range []struct {
		field string
		dst   *string
		v     string
	}{{"purpose", &out.Purpose, in.Purpose}, {"scenario", &out.Scenario, in.Scenario}, {"duty_basis", &out.DutyBasis, in.DutyBasis}} {
		// The source fixes (核定) the scenario in its own words; text cannot
		// be compared for width, so it may restate it.
		if t.v != "" {
			if utf8.RuneCountInString(t.v) > maxText {
				errs = append(errs, apperr.Invalidf("share.text.too_long", "approval."+t.field, "不超过2000字", "at most 2000 characters"))
			}
			*t.dst = t.v
		}
	}
	if in.PurposeCategory != "" && in.PurposeCategory != req.PurposeCategory {
		widen("purpose_category", "用途类别须与申请一致", "the purpose category is the request's")
	}
	if in.Mode != "" && in.Mode != req.Mode {
		widen("mode", "共享方式须与申请一致", "the mode is the request's")
	}
	if in.AppID != 0 && in.AppID != req.AppID {
		widen("app_id", "应用系统须与申请一致", "the application system is the request's")
	}
	if in.RecipientKind != "" && in.RecipientKind != req.RecipientKind || in.RecipientName != "" && in.RecipientName != req.RecipientName ||
		in.RecipientCode != "" && in.RecipientCode != req.RecipientCode {
		widen("recipient_kind", "接收方须与申请一致", "the recipient is the request's")
	}
	if in.OfflineMethod != "" && in.OfflineMethod != req.OfflineMethod {
		widen("offline_method", "线下方式须与申请一致", "the offline method is the request's")
	}
	if in.OfflineDelivery != nil {
		errs = append(errs, apperr.Invalidf("share.offline.delivery", "approval.offline_delivery", "交付记录另行登记", "the delivery is recorded separately"))
	}
	if in.EndDate != "" {
		d, err := calendar.ParseDate(in.EndDate)
		switch {
		case err != nil:
			errs = append(errs, apperr.Invalidf("share.end_date", "approval.end_date", "截止日期须为 YYYY-MM-DD 格式的有效日期", "the end date must be a valid YYYY-MM-DD date"))
		case d.Compare(s.today()) < 0:
			errs = append(errs, apperr.Invalidf("share.end_date", "approval.end_date", "截止日期不能早于今天", "the end date cannot be in the past"))
		case in.EndDate > req.EndDate:
			widen("end_date", "截止日期不能晚于申请的 "+req.EndDate, "the end date cannot be after the requested "+req.EndDate)
		default:
			out.EndDate = in.EndDate
		}
	}
	if in.RowScope != (RowScope{}) {
		if scopeErrs := checkScope(&entry, out.Items, in.RowScope, "approval."); len(scopeErrs) > 0 {
			errs = append(errs, scopeErrs...)
		} else if !req.RowScope.Empty() && (in.RowScope.Item != req.RowScope.Item || !ident.DivisionCovers(req.RowScope.Region, in.RowScope.Region)) {
			widen("row_scope", "行范围须在申请的 "+req.RowScope.Region+" 之内", "the row scope must lie within the requested "+req.RowScope.Region)
		} else {
			out.RowScope = in.RowScope
		}
	} else if !req.RowScope.Empty() && !slices.ContainsFunc(out.Items, func(x GrantItem) bool { return x.Name == req.RowScope.Item }) {
		errs = append(errs, apperr.Invalidf("share.row_scope.item", "approval.row_scope.item", "行范围的信息项须在核定的信息项中", "the row scope's item must be among the approved items"))
	}
	for _, n := range []struct {
		field, key string
		req, v     int64
		dst        *int64
	}{{"quota_daily", "share.gateway.quota_daily", req.QuotaDaily, in.QuotaDaily, &out.QuotaDaily}, {"rate_per_minute", "share.gateway.rate_per_minute", req.RatePerMinute, in.RatePerMinute, &out.RatePerMinute}} {
		if n.v == 0 {
			continue
		}
		def, err := number(p, n.key)
		if err != nil {
			return Spec{}, nil, err
		}
		limit := n.req
		if limit == 0 {
			limit = def
		}
		if n.v < 0 || n.v > limit {
			widen(n.field, fmt.Sprintf("调用限额不能超过 %d", limit), fmt.Sprintf("the limit cannot exceed %d", limit))
			continue
		}
		*n.dst = n.v
	}
	if len(errs) > 0 {
		return Spec{}, errs, nil
	}
	return out, requiredElements(p, &out), nil
}

// requiredElements checks that an approval fixes what the profile's
// share.grant.required_elements name (GD-290 §24).
func requiredElements(p *rules.Profile, sp *Spec) apperr.List {
	els, err := p.List("share.grant.required_elements")
	if err != nil {
		return nil
	}
	var errs apperr.List
	for _, el := range els {
		var field string
		switch {
		case el == "scenario" && sp.Scenario == "":
			field = "scenario"
		case el == "fields" && len(sp.Items) == 0:
			field = "items"
		case el == "mode" && sp.Mode == "":
			field = "mode"
		case el == "expiry" && sp.EndDate == "":
			field = "end_date"
		default:
			continue
		}
		errs = append(errs, apperr.Invalidf("share.approval.required", "approval."+field, "授权须核定："+el, "an approval fixes its "+el))
	}
	return errs
}

// Decide answers a request as its source agency (GD-290 §23–24): agree
// (with an approval that may narrow it, or as asked), fulfil (the grant is
// issued from the approval), refuse (with its legal basis; without one the
// refusal is refused and nothing changes), and, for an uncatalogued demand,
// confirm, decline (with its basis) or catalogue (naming the published entry,
// which files a data request for it as the consumer). The request's case
// takes the action in the same transaction; its hook keeps the request in
// step, as it does when the action is taken through the case API.
//
// Who may call: a data officer of the source agency. Errors: NotFound,
// Forbidden, Invalid, Conflict (not possible in the request's state).
func (s *Service) Decide(ctx context.Context, a audit.Actor, id int64, d Decision) (Request, error) {
	d.Action, d.LegalBasis = strings.TrimSpace(d.Action), strings.TrimSpace(d.LegalBasis)
	ev := audit.Event{Action: "share.request.decide", ObjectType: "share_request", ObjectID: strconv.FormatInt(id, 10), Detail: d.Action}
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		r, cj, err := s.loadRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !s.canSee(ctx, tx, a, &r, cj) {
			return errRequestNotFound
		}
		if a.AgencyID != r.SourceAgencyID || a.Role != "agency_officer" {
			return errNotSource
		}
		if r.CaseID == 0 {
			return apperr.New(apperr.Conflict, "share.request.decided", "该申请已按共享类型直接办结，无须答复", "this request was decided by its sharing type; there is nothing to answer")
		}
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM cases WHERE id = $1`, r.CaseID).Scan(&kind); err != nil {
			return fmt.Errorf("request %d case: %w", id, err)
		}
		actions := map[string][]string{
			procedure.ShareConditional.Name: {"agree", "refuse", "fulfil"},
			KindVerifyCase.Name:             {"agree", "refuse"},
			KindUncataloguedCase.Name:       {"confirm", "decline", "catalogue"},
		}[kind]
		if !slices.Contains(actions, d.Action) {
			return apperr.Invalidf("share.decision.action", "action", "该申请可执行的答复："+strings.Join(actions, "、"), "this request is answered by one of: "+strings.Join(actions, ", "))
		}
		var errs apperr.List
		if d.Approval != nil && d.Action != "agree" {
			errs = append(errs, apperr.Invalidf("share.decision.approval", "approval", "只有同意时填写核定内容", "only an agreement carries an approval"))
		}
		if d.EntryID != 0 && d.Action != "catalogue" {
			errs = append(errs, apperr.Invalidf("share.decision.entry", "entry_id", "只有编目时填写目录条目", "only cataloguing names an entry"))
		}
		if d.LegalBasis != "" && d.Action != "refuse" && d.Action != "decline" {
			errs = append(errs, apperr.Invalidf("share.decision.legal_basis", "legal_basis", "只有拒绝时填写法律依据", "only a refusal carries a legal basis"))
		}
		if utf8.RuneCountInString(d.LegalBasis) > maxText {
			errs = append(errs, apperr.Invalidf("share.text.too_long", "legal_basis", "法律依据不超过2000字", "the legal basis is at most 2000 characters"))
		}
		if len(errs) > 0 {
			return errs
		}
		fields := map[string]string{}
		switch d.Action {
		case "agree":
			if d.Approval != nil {
				appr, errs, err := s.checkApproval(ctx, tx, &r, *d.Approval)
				if err != nil {
					return err
				}
				if len(errs) > 0 {
					return errs
				}
				// The hook takes the approval from the request when the case moves.
				b, _ := json.Marshal(appr)
				if _, err := tx.ExecContext(ctx, `UPDATE share_requests SET approval = $1 WHERE id = $2`, string(b), id); err != nil {
					return err
				}
			}
		case "refuse", "decline":
			required, basis, err := s.switchOn("share.refusal.legal_basis_required", r.Jurisdiction)
			if err != nil {
				return err
			}
			if d.LegalBasis == "" && (required || d.Action == "decline") {
				return apperr.Invalidf("share.refusal.legal_basis_required", "legal_basis", "拒绝共享须提供法律、法规、规章依据（"+basis+"）",
					"a refusal must cite the law, regulation or rule it rests on ("+basis+")")
			}
			fields["legal_basis"] = d.LegalBasis
		case "catalogue":
			if d.EntryID <= 0 {
				return apperr.Invalidf("share.decision.entry", "entry_id", "须指定已发布的目录条目", "name the published catalog entry")
			}
			fields["entry_id"] = strconv.FormatInt(d.EntryID, 10)
		}
		_, err = s.cases.ActTx(ctx, tx, a, r.CaseID, d.Action, fields)
		return err
	})
	if err != nil {
		return Request{}, s.refused(ctx, a, ev, err)
	}
	return s.loadWithFilings(ctx, s.db.Read(), id)
}

// Withdraw withdraws a request still with the source agency. Who may call:
// an officer or authority reviewer of the requesting agency. Errors:
// NotFound, Forbidden, Conflict.
func (s *Service) Withdraw(ctx context.Context, a audit.Actor, id int64) (Request, error) {
	ev := audit.Event{Action: "share.request.withdraw", ObjectType: "share_request", ObjectID: strconv.FormatInt(id, 10)}
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		r, cj, err := s.loadRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !s.canSee(ctx, tx, a, &r, cj) {
			return errRequestNotFound
		}
		if a.AgencyID != r.ConsumerAgencyID || a.Role != "agency_officer" && a.Role != "authority_reviewer" {
			return errNotConsumer
		}
		if r.CaseID == 0 || r.State != StateRequested && r.State != StateConfirmed {
			return apperr.New(apperr.Conflict, "share.request.state", "只能撤回尚待答复的申请", "only a request awaiting its answer can be withdrawn")
		}
		_, err = s.cases.ActTx(ctx, tx, a, r.CaseID, "withdraw", nil)
		return err
	})
	if err != nil {
		return Request{}, s.refused(ctx, a, ev, err)
	}
	return s.loadWithFilings(ctx, s.db.Read(), id)
}

// RecordDelivery records an offline delivery (GD-290 §23 para 4, JM §15) of
// a granted offline request: what was delivered, how, when and to whom.
// Who may call: a data officer of the source agency. Errors: NotFound,
// Forbidden, Invalid, Conflict.
func (s *Service) RecordDelivery(ctx context.Context, a audit.Actor, id int64, rec OfflineRecord) (Request, error) {
	ev := audit.Event{Action: "share.request.deliver", ObjectType: "share_request", ObjectID: strconv.FormatInt(id, 10)}
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		r, cj, err := s.loadRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !s.canSee(ctx, tx, a, &r, cj) {
			return errRequestNotFound
		}
		if a.AgencyID != r.SourceAgencyID || a.Role != "agency_officer" {
			return errNotSource
		}
		if r.Kind != KindOffline {
			return apperr.New(apperr.Conflict, "share.delivery.not_offline", "只有线下共享申请登记交付记录", "only an offline request records a delivery")
		}
		if r.State != StateGranted {
			return apperr.New(apperr.Conflict, "share.delivery.state", "申请获准后才能登记交付，且只登记一次", "a delivery is recorded once, after the request is granted")
		}
		if errs := s.checkDelivery(&r, &rec); len(errs) > 0 {
			return errs
		}
		rec.RecordedAt = tx.Now
		b, _ := json.Marshal(rec)
		if _, err := tx.ExecContext(ctx, `UPDATE share_requests SET state = $1, delivery = $2, updated_at = $3 WHERE id = $4`,
			string(StateDelivered), string(b), tx.Dialect.Time(tx.Now), id); err != nil {
			return fmt.Errorf("request %d delivery: %w", id, err)
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "share.request.deliver", ObjectType: "share_request", ObjectID: strconv.FormatInt(id, 10),
			Purpose: r.Spec.Scenario, Detail: fmt.Sprintf("%s on %s by %s to %s, %d rows", rec.Method, rec.DeliveredOn, rec.Carrier, rec.Receiver, rec.Rows)})
	})
	if err != nil {
		return Request{}, s.refused(ctx, a, ev, err)
	}
	return s.loadWithFilings(ctx, s.db.Read(), id)
}

func (s *Service) checkDelivery(r *Request, rec *OfflineRecord) apperr.List {
	for _, p := range []*string{&rec.Method, &rec.DeliveredOn, &rec.Carrier, &rec.Receiver, &rec.Digest, &rec.Note} {
		*p = strings.TrimSpace(*p)
	}
	var errs apperr.List
	if rec.Method == "" {
		rec.Method = r.Spec.OfflineMethod
	}
	m, e := s.offlineMethod(r.Jurisdiction, rec.Method)
	if e != nil {
		errs = append(errs, e.WithField("method"))
	}
	rec.Method = m
	if d, err := calendar.ParseDate(rec.DeliveredOn); err != nil {
		errs = append(errs, apperr.Invalidf("share.delivery.date", "delivered_on", "交付日期须为 YYYY-MM-DD 格式的有效日期", "the delivery date must be a valid YYYY-MM-DD date"))
	} else if d.Compare(s.today()) > 0 || d.Compare(calendar.DateOf(r.CreatedAt)) < 0 {
		errs = append(errs, apperr.Invalidf("share.delivery.date", "delivered_on", "交付日期须在申请之后、今天之前", "the delivery date lies between the request and today"))
	}
	for _, t := range []struct{ field, zh, en, v string }{
		{"carrier", "交付介质或经办人", "the medium, line or carrier", rec.Carrier}, {"receiver", "接收人", "the receiver", rec.Receiver}} {
		if t.v == "" || utf8.RuneCountInString(t.v) > maxName {
			errs = append(errs, apperr.Invalidf("share.delivery."+t.field, t.field, "须填写"+t.zh+"，不超过200字", t.en+" is required, at most 200 characters"))
		}
	}
	if rec.Rows < 0 {
		errs = append(errs, apperr.Invalidf("share.delivery.rows", "rows", "条数不能为负数", "rows cannot be negative"))
	}
	if rec.Digest != "" && (len(rec.Digest) != 64 || strings.Trim(strings.ToLower(rec.Digest), "0123456789abcdef") != "") {
		errs = append(errs, apperr.Invalidf("share.delivery.digest", "digest", "摘要须为64位十六进制SM3值", "the digest is a 64-hex-digit SM3 value"))
	}
	rec.Digest = strings.ToLower(rec.Digest)
	if utf8.RuneCountInString(rec.Note) > maxNoteText {
		errs = append(errs, apperr.Invalidf("share.text.too_long", "note", "备注不超过2000字", "the note is at most 2000 characters"))
	}
	return errs
}

// requestOfCase loads the request a sharing case belongs to; ok is false
// for a case bound to no request (one opened by a test of the engine).
func (s *Service) requestOfCase(ctx context.Context, tx *store.Tx, c *procedure.Case) (Request, bool, error) {
	if c.ObjectType != "share_request" {
		return Request{}, false, nil
	}
	id, err := strconv.ParseInt(c.ObjectID, 10, 64)
	if err != nil {
		return Request{}, false, fmt.Errorf("case %d: object %q", c.ID, c.ObjectID)
	}
	r, _, err := s.loadRequest(ctx, tx, id, false)
	if err != nil {
		return Request{}, false, fmt.Errorf("case %d: request %d: %w", c.ID, id, err)
	}
	return r, true, nil
}

// setState moves a request to a state, with the refusal basis if any, and
// audits it.
func (s *Service) setState(ctx context.Context, tx *store.Tx, a audit.Actor, r *Request, to RequestState, basis, detail string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE share_requests SET state = $1, refusal_basis = $2, updated_at = $3 WHERE id = $4`,
		string(to), basis, tx.Dialect.Time(tx.Now), r.ID); err != nil {
		return fmt.Errorf("request %d %s: %w", r.ID, to, err)
	}
	from := r.State
	r.State, r.RefusalBasis = to, basis
	if detail == "" {
		detail = fmt.Sprintf("%s -> %s", from, to)
	}
	return s.trail.Append(ctx, tx, a, audit.Event{Action: "share.request." + string(to), ObjectType: "share_request", ObjectID: strconv.FormatInt(r.ID, 10),
		Purpose: r.Spec.Scenario, Detail: detail})
}

// approvalOf is what r's grant is issued from: its approval, or the request
// as asked with the default masks.
func (s *Service) approvalOf(ctx context.Context, q store.Querier, r *Request) (Spec, error) {
	if r.Approval != nil {
		return *r.Approval, nil
	}
	p, err := s.profileOf(r.Jurisdiction)
	if err != nil {
		return Spec{}, err
	}
	e, err := loadEntry(ctx, q, r.EntryID, r.EntryVersion)
	if err != nil {
		return Spec{}, err
	}
	appr := r.Spec
	appr.OfflineDelivery = nil
	appr.Items = defaultMasks(p, &e, r.Spec.Items)
	return appr, nil
}

// onConditional keeps a conditional request in step with its case: agree
// fixes the approval (the request as asked unless the source narrowed it),
// fulfil issues the grant, refuse records the basis, withdraw withdraws.
func (s *Service) onConditional(ctx context.Context, tx *store.Tx, a audit.Actor, c *procedure.Case, action string, from procedure.State) error {
	r, ok, err := s.requestOfCase(ctx, tx, c)
	if !ok || err != nil {
		return err
	}
	switch action {
	case "agree":
		appr, err := s.approvalOf(ctx, tx, &r)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(appr)
		if _, err := tx.ExecContext(ctx, `UPDATE share_requests SET approval = $1 WHERE id = $2`, string(b), r.ID); err != nil {
			return err
		}
		return s.setState(ctx, tx, a, &r, StateAgreed, "", fmt.Sprintf("agreed: %d items, mode %s, until %s, fulfil due %s", len(appr.Items), appr.Mode, appr.EndDate, c.DueDate))
	case "fulfil":
		appr, err := s.approvalOf(ctx, tx, &r)
		if err != nil {
			return err
		}
		if err := s.grantTx(ctx, tx, a, &r, appr); err != nil {
			return err
		}
		return s.setState(ctx, tx, a, &r, StateGranted, "", fmt.Sprintf("fulfilled: grant %d", r.GrantID))
	case "refuse":
		return s.setState(ctx, tx, a, &r, StateRefused, c.Fields["legal_basis"], "")
	case "withdraw":
		return s.setState(ctx, tx, a, &r, StateWithdrawn, "", "")
	}
	return nil
}

// onVerify keeps a verification request in step with its case: agreeing
// issues the verification grant at once.
func (s *Service) onVerify(ctx context.Context, tx *store.Tx, a audit.Actor, c *procedure.Case, action string, from procedure.State) error {
	r, ok, err := s.requestOfCase(ctx, tx, c)
	if !ok || err != nil {
		return err
	}
	switch action {
	case "agree":
		appr, err := s.approvalOf(ctx, tx, &r)
		if err != nil {
			return err
		}
		if err := s.grantTx(ctx, tx, a, &r, appr); err != nil {
			return err
		}
		return s.setState(ctx, tx, a, &r, StateGranted, "", fmt.Sprintf("verification granted: grant %d", r.GrantID))
	case "refuse":
		return s.setState(ctx, tx, a, &r, StateRefused, c.Fields["legal_basis"], "")
	case "withdraw":
		return s.setState(ctx, tx, a, &r, StateWithdrawn, "", "")
	}
	return nil
}

// onUncatalogued keeps an uncatalogued demand in step with its case; on
// catalogue it files the data request for the published entry as the
// consumer, which is then shared by the entry's type (HZ §24).
func (s *Service) onUncatalogued(ctx context.Context, tx *store.Tx, a audit.Actor, c *procedure.Case, action string, from procedure.State) error {
	r, ok, err := s.requestOfCase(ctx, tx, c)
	if !ok || err != nil {
		return err
	}
	switch action {
	case "confirm":
		return s.setState(ctx, tx, a, &r, StateConfirmed, "", "")
	case "decline":
		return s.setState(ctx, tx, a, &r, StateRefused, c.Fields["legal_basis"], "")
	case "withdraw":
		return s.setState(ctx, tx, a, &r, StateWithdrawn, "", "")
	case "catalogue":
		eid, err := strconv.ParseInt(strings.TrimSpace(c.Fields["entry_id"]), 10, 64)
		if err != nil || eid <= 0 {
			return apperr.Invalidf("share.decision.entry", "entry_id", "须指定已发布的目录条目编号", "name the published catalog entry by its number")
		}
		e, err := loadEntry(ctx, tx, eid, 0)
		if err != nil {
			return err
		}
		if e.AgencyID != r.SourceAgencyID {
			return apperr.Invalidf("share.decision.entry", "entry_id", "目录条目须由本数源部门发布", "the entry must be published by the source agency")
		}
		spec := r.Spec
		nr, err := s.submitTx(ctx, tx, a, r.ConsumerAgencyID, RequestInput{Kind: KindData, EntryID: eid, Spec: spec}, submitOptions{onBehalf: true, demand: &r})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE share_requests SET entry_id = $1, entry_version = $2, share_type = $3 WHERE id = $4`,
			eid, e.Version, string(e.Meta.ShareType), r.ID); err != nil {
			return err
		}
		return s.setState(ctx, tx, a, &r, StateCatalogued, "", fmt.Sprintf("catalogued as entry %d: request %d", eid, nr.ID))
	}
	return nil
}

// requestColumns are the columns scanRequest reads, with the consumer's
// jurisdiction and the open case's due date and overdue flag.
const requestColumns = `r.id, r.kind, r.state, r.consumer_agency_id, c.name, c.jurisdiction_code, r.source_agency_id, s.name, r.jurisdiction_code, r.profile,
	COALESCE(r.entry_id, 0), r.entry_version, COALESCE(e.name, ''), COALESCE(r.dataset_id, 0), r.share_type, r.spec, r.approval, r.refusal_basis, r.demand, r.delivery,
	r.cross_level, COALESCE(r.case_id, 0), COALESCE(r.grant_id, 0), COALESCE(r.created_by, 0), r.created_at, r.updated_at,
	COALESCE(CASE WHEN k.closed THEN '' ELSE k.due_date END, ''), CASE WHEN k.overdue AND NOT k.closed THEN 1 ELSE 0 END`

const requestFrom = ` FROM share_requests r JOIN agencies c ON c.id = r.consumer_agency_id JOIN agencies s ON s.id = r.source_agency_id
	LEFT JOIN catalog_entries e ON e.id = r.entry_id LEFT JOIN cases k ON k.id = r.case_id`

func scanRequest(row interface{ Scan(...any) error }) (Request, string, error) {
	var r Request
	var cj, spec, approval, delivery string
	var overdue int
	err := row.Scan(&r.ID, &r.Kind, &r.State, &r.ConsumerAgencyID, &r.ConsumerName, &cj, &r.SourceAgencyID, &r.SourceName, &r.Jurisdiction, &r.Profile,
		&r.EntryID, &r.EntryVersion, &r.EntryName, &r.DatasetID, &r.ShareType, &spec, &approval, &r.RefusalBasis, &r.Demand, &delivery,
		&r.CrossLevel, &r.CaseID, &r.GrantID, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt, &r.DueDate, &overdue)
	if err != nil {
		return r, "", err
	}
	r.Overdue = overdue != 0
	if err := json.Unmarshal([]byte(spec), &r.Spec); err != nil {
		return r, "", fmt.Errorf("request %d spec: %w", r.ID, err)
	}
	if approval != "" {
		r.Approval = &Spec{}
		if err := json.Unmarshal([]byte(approval), r.Approval); err != nil {
			return r, "", fmt.Errorf("request %d approval: %w", r.ID, err)
		}
	}
	if delivery != "" {
		r.Spec.OfflineDelivery = &OfflineRecord{}
		if err := json.Unmarshal([]byte(delivery), r.Spec.OfflineDelivery); err != nil {
			return r, "", fmt.Errorf("request %d delivery: %w", r.ID, err)
		}
	}
	return r, cj, nil
}

// loadRequest reads a request without checking who asks, with the
// consumer's jurisdiction; forUpdate locks its row (PostgreSQL).
func (s *Service) loadRequest(ctx context.Context, q store.Querier, id int64, forUpdate bool) (Request, string, error) {
	stmt := `SELECT ` + requestColumns + requestFrom + ` WHERE r.id = $1`
	if tx, ok := q.(*store.Tx); ok && forUpdate && tx.Dialect == store.Postgres {
		stmt += ` FOR UPDATE OF r`
	}
	r, cj, err := scanRequest(q.QueryRowContext(ctx, stmt, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Request{}, "", errRequestNotFound
	}
	return r, cj, err
}

// loadWithFilings reads a request with its filings.
func (s *Service) loadWithFilings(ctx context.Context, q store.Querier, id int64) (Request, error) {
	r, _, err := s.loadRequest(ctx, q, id, false)
	if err != nil {
		return Request{}, err
	}
	r.Filings, err = s.filings(ctx, q, id)
	return r, err
}

func (s *Service) filings(ctx context.Context, q store.Querier, id int64) ([]Filing, error) {
	rows, err := q.QueryContext(ctx, `SELECT f.id, f.request_id, f.authority_agency_id, a.name, f.level, f.created_at FROM share_filings f
		JOIN agencies a ON a.id = f.authority_agency_id WHERE f.request_id = $1 ORDER BY f.id`, id)
	if err != nil {
		return nil, fmt.Errorf("request %d filings: %w", id, err)
	}
	defer rows.Close()
	var out []Filing
	for rows.Next() {
		var f Filing
		if err := rows.Scan(&f.ID, &f.RequestID, &f.AuthorityAgencyID, &f.AuthorityName, &f.Level, &f.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// canSee reports whether the actor may see a request: the consumer's and
// the source's users, the authorities over either side, the authorities it
// is filed with, and the auditor.
func (s *Service) canSee(ctx context.Context, q store.Querier, a audit.Actor, r *Request, consumerJurisdiction string) bool {
	switch {
	case a.Username == "system" || a.Role == "auditor" || a.AgencyID != 0 && (a.AgencyID == r.ConsumerAgencyID || a.AgencyID == r.SourceAgencyID):
		return true
	case a.Role != "authority_reviewer":
		return false
	case ident.DivisionCovers(a.Jurisdiction, r.Jurisdiction) || ident.DivisionCovers(a.Jurisdiction, consumerJurisdiction):
		return true
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM share_filings WHERE request_id = $1 AND authority_agency_id = $2`, r.ID, a.AgencyID).Scan(&n)
	return err == nil && n > 0
}

// Request returns a request with its filings and the open case's due date,
// if the actor may see it. The read is audited. Errors: NotFound.
func (s *Service) Request(ctx context.Context, a audit.Actor, id int64) (Request, error) {
	r, cj, err := s.loadRequest(ctx, s.db.Read(), id, false)
	if err != nil {
		return Request{}, err
	}
	if !s.canSee(ctx, s.db.Read(), a, &r, cj) {
		return Request{}, errRequestNotFound
	}
	if r.Filings, err = s.filings(ctx, s.db.Read(), id); err != nil {
		return Request{}, err
	}
	return r, s.trail.Record(ctx, a, audit.Event{Action: "share.request.read", ObjectType: "share_request", ObjectID: strconv.FormatInt(id, 10)})
}

// Requests lists the requests the actor may see, newest first: by box, the
// requests of its agency (outbox), to its agency (inbox) or filed with it
// (filed). The read is audited. Errors: Invalid (an unknown box or state).
func (s *Service) Requests(ctx context.Context, a audit.Actor, f RequestFilter) ([]Request, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	switch f.Box {
	case "outbox":
		add("r.consumer_agency_id = ?", a.AgencyID)
	case "inbox":
		add("r.source_agency_id = ?", a.AgencyID)
	case "filed":
		add("EXISTS (SELECT 1 FROM share_filings f WHERE f.request_id = r.id AND f.authority_agency_id = ?)", a.AgencyID)
	case "":
		switch {
		case a.Username == "system" || a.Role == "auditor":
		case a.Role == "authority_reviewer":
			args = append(args, a.AgencyID, ident.DivisionPrefix(a.Jurisdiction)+"%")
			where = append(where, `(r.consumer_agency_id = $1 OR r.source_agency_id = $1 OR r.jurisdiction_code LIKE $2 OR c.jurisdiction_code LIKE $2
				OR EXISTS (SELECT 1 FROM share_filings f WHERE f.request_id = r.id AND f.authority_agency_id = $1))`)
		default:
			args = append(args, a.AgencyID)
			where = append(where, `(r.consumer_agency_id = $1 OR r.source_agency_id = $1)`)
		}
	default:
		return nil, apperr.Invalidf("share.request.box", "box", "box 须为 outbox、inbox 或 filed", "box must be outbox, inbox or filed")
	}
	if f.State != "" {
		if !slices.Contains(requestStates, RequestState(f.State)) {
			return nil, apperr.Invalidf("share.request.state", "state", "未知的申请状态："+f.State, "unknown request state: "+f.State)
		}
		add("r.state = ?", f.State)
	}
	if f.Overdue {
		where = append(where, "k.overdue AND NOT k.closed")
	}
	q := `SELECT ` + requestColumns + requestFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	out, err := queryAll(ctx, s.db.Read(), func(r scanner) (Request, error) {
		req, _, err := scanRequest(r)
		return req, err
	}, q+` ORDER BY r.id DESC LIMIT `+listLimit(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list share requests: %w", err)
	}
	return out, s.trail.Record(ctx, a, audit.Event{Action: "share.request.list", ObjectType: "share_request", Detail: fmt.Sprintf("box %q: %d requests", f.Box, len(out))})
}
