package collect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/ident"
	"pubdata/internal/store"
)

// Channel exemptions (HZ §18 因特殊情况无法通过上述方式进行数据汇聚的，应报市
// 公共数据主管部门备案): an agency that cannot feed an entry's data through the
// interface, front-end push or upload channels files why, and how it will
// provide the data instead, with the authority of its jurisdiction.

// exemptionRule is the rule value whose basis an exemption cites.
const exemptionRule = "collect.aggregation_exception.filing_required"

// Limits of an exemption's texts, in characters.
const (
	maxExemptionReason      = 2000
	maxExemptionAlternative = 2000
)

// Exemption is a filed channel exemption.
type Exemption struct {
	ID            int64     `json:"id"`
	AgencyID      int64     `json:"agency_id"`
	AgencyName    string    `json:"agency_name"`
	EntryID       int64     `json:"entry_id"`
	ResourceCode  string    `json:"resource_code"`
	EntryName     string    `json:"entry_name"`
	AuthorityID   int64     `json:"authority_agency_id"`
	AuthorityName string    `json:"authority_agency_name"`
	Jurisdiction  string    `json:"jurisdiction_code"`
	Reason        string    `json:"reason"`
	Alternative   string    `json:"alternative,omitempty"`
	Basis         string    `json:"basis"`
	FiledBy       int64     `json:"filed_by,omitempty"`
	FiledAt       time.Time `json:"filed_at"`
}

// ExemptionFilter selects exemptions.
type ExemptionFilter struct {
	AgencyID     int64
	EntryID      int64
	Jurisdiction string // this jurisdiction and those below it
	Limit        int
}

var errExemptionForbidden = apperr.New(apperr.Forbidden, "collect.exemption.forbidden",
	"只有目录条目所属机构的数据管理员可以报备汇聚方式例外", "only a data officer of the entry's agency may file a channel exemption")

// FileExemption files, with the authority of the agency's jurisdiction,
// that the entry's data cannot be fed through the channels, why, and the
// alternative (HZ §18). The basis is the rule
// collect.aggregation_exception.filing_required's where the agency's
// profile has it, else "HZ §18". Who may call: an agency officer of the
// entry's agency.
//
// Errors: Forbidden collect.exemption.forbidden, NotFound
// collect.exemption.entry, Invalid collect.exemption.reason and
// collect.exemption.alternative. Audited, the refusal too.
func (s *Service) FileExemption(ctx context.Context, a audit.Actor, entryID int64, reason, alternative string) (Exemption, error) {
	ev := audit.Event{Action: "collect.exemption.file", ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(entryID, 10)}
	if a.Role != "agency_officer" || a.AgencyID == 0 {
		return Exemption{}, s.denyWith(ctx, a, ev, errExemptionForbidden)
	}
	var agencyID int64
	var juris string
	err := s.db.Read().QueryRowContext(ctx, `SELECT agency_id, jurisdiction_code FROM catalog_entries WHERE id = $1`, entryID).Scan(&agencyID, &juris)
	if errors.Is(err, sql.ErrNoRows) {
		return Exemption{}, apperr.New(apperr.NotFound, "collect.exemption.entry", "目录条目不存在", "no such catalog entry").WithField("entry_id")
	}
	if err != nil {
		return Exemption{}, fmt.Errorf("entry %d: %w", entryID, err)
	}
	if agencyID != a.AgencyID {
		return Exemption{}, s.denyWith(ctx, a, ev, errExemptionForbidden)
	}
	reason, alternative = strings.TrimSpace(reason), strings.TrimSpace(alternative)
	var errs apperr.List
	if reason == "" || utf8.RuneCountInString(reason) > maxExemptionReason {
		errs = append(errs, apperr.Invalidf("collect.exemption.reason", "reason", fmt.Sprintf("请说明无法通过规定方式汇聚的特殊情况（不超过%d字）", maxExemptionReason),
			fmt.Sprintf("state the special circumstances that prevent feeding the data through the channels (at most %d characters)", maxExemptionReason)))
	}
	if utf8.RuneCountInString(alternative) > maxExemptionAlternative {
		errs = append(errs, apperr.Invalidf("collect.exemption.alternative", "alternative", fmt.Sprintf("替代方式不超过%d字", maxExemptionAlternative),
			fmt.Sprintf("the alternative is at most %d characters", maxExemptionAlternative)))
	}
	if len(errs) > 0 {
		return Exemption{}, errs
	}
	ag, err := s.orgs.Agency(ctx, agencyID)
	if err != nil {
		return Exemption{}, err
	}
	authority, err := s.orgs.Authority(ctx, ag.JurisdictionCode)
	if err != nil {
		return Exemption{}, fmt.Errorf("authority of %s: %w", ag.JurisdictionCode, err)
	}
	basis := "HZ §18"
	if p := s.profileOf(ag.JurisdictionCode); p != nil {
		if v, ok := p.Get(exemptionRule); ok && v.Basis != "" {
			basis = v.Basis
		}
	}
	var id int64
	err = s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO collection_exemptions(agency_id, entry_id, authority_agency_id, jurisdiction_code, reason, alternative, basis, filed_by, filed_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`, agencyID, entryID, authority.ID, ag.JurisdictionCode, reason, alternative, basis, nullInt(a.UserID),
			tx.Dialect.Time(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("file exemption: %w", err)
		}
		ev.ObjectType, ev.ObjectID = "collection_exemption", strconv.FormatInt(id, 10)
		ev.Detail = fmt.Sprintf("entry %d filed with %s (%s)", entryID, authority.Name, basis)
		return s.trail.Append(ctx, tx, a, ev)
	})
	if err != nil {
		return Exemption{}, err
	}
	out, err := s.exemptionsWhere(ctx, "x.id = $1", []any{id}, 1)
	if err != nil || len(out) == 0 {
		return Exemption{}, fmt.Errorf("read exemption %d: %w", id, err)
	}
	return out[0], nil
}

// Exemptions lists the filed exemptions the actor may see, newest first:
// its agency's, and for authority reviewers and auditors those filed in
// their jurisdiction and below. Users without an agency get Forbidden.
// Audited.
func (s *Service) Exemptions(ctx context.Context, a audit.Actor, f ExemptionFilter) ([]Exemption, error) {
	ev := audit.Event{Action: "collect.exemption.list", ObjectType: "collection_exemption"}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	switch {
	case a.Username == "system":
	case a.Role == "authority_reviewer" || a.Role == "auditor":
		add("x.jurisdiction_code LIKE ?", ident.DivisionPrefix(a.Jurisdiction)+"%")
	case a.AgencyID != 0 && a.Username != "" && a.Username != "anonymous":
		add("x.agency_id = ?", a.AgencyID)
	default:
		return nil, s.denyWith(ctx, a, ev, apperr.New(apperr.Forbidden, "collect.exemption.forbidden_read",
			"只有机构用户和主管部门可以查看汇聚方式例外的备案", "only agency users and the authorities may see channel exemption filings"))
	}
	if f.AgencyID != 0 {
		add("x.agency_id = ?", f.AgencyID)
	}
	if f.EntryID != 0 {
		add("x.entry_id = ?", f.EntryID)
	}
	if f.Jurisdiction != "" {
		add("x.jurisdiction_code LIKE ?", ident.DivisionPrefix(f.Jurisdiction)+"%")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	out, err := s.exemptionsWhere(ctx, strings.Join(where, " AND "), args, limit)
	if err != nil {
		return nil, err
	}
	ev.Detail = fmt.Sprintf("%d exemptions", len(out))
	return out, s.trail.Record(ctx, a, ev)
}

func (s *Service) exemptionsWhere(ctx context.Context, where string, args []any, limit int) ([]Exemption, error) {
	q := `SELECT x.id, x.agency_id, a.name, x.entry_id, e.resource_code, e.name, x.authority_agency_id, au.name, x.jurisdiction_code, x.reason, x.alternative, x.basis,
		x.filed_by, x.filed_at FROM collection_exemptions x JOIN agencies a ON a.id = x.agency_id JOIN agencies au ON au.id = x.authority_agency_id
		JOIN catalog_entries e ON e.id = x.entry_id`
	if where != "" {
		q += " WHERE " + where
	}
	rows, err := s.db.Read().QueryContext(ctx, q+" ORDER BY x.id DESC LIMIT "+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list exemptions: %w", err)
	}
	defer rows.Close()
	out := []Exemption{}
	for rows.Next() {
		var x Exemption
		var by sql.NullInt64
		if err := rows.Scan(&x.ID, &x.AgencyID, &x.AgencyName, &x.EntryID, &x.ResourceCode, &x.EntryName, &x.AuthorityID, &x.AuthorityName, &x.Jurisdiction,
			&x.Reason, &x.Alternative, &x.Basis, &by, &x.FiledAt); err != nil {
			return nil, err
		}
		x.FiledBy = by.Int64
		out = append(out, x)
	}
	return out, rows.Err()
}
