package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/ident"
	"pubdata/internal/org"
	"pubdata/internal/store"
)

// Element is a data element (数据元) of the register, with its one legal
// source department (GD-290 §14, HZ §15 一数一源一标准).
type Element struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Definition   string    `json:"definition,omitempty"`
	Type         string    `json:"type,omitempty"`
	Standard     string    `json:"standard,omitempty"`
	SourceID     int64     `json:"source_agency_id"`
	SourceName   string    `json:"source_agency_name"`
	EntryID      int64     `json:"entry_id,omitempty"`
	ResourceCode string    `json:"resource_code,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Conflict is a second claim to be the source of an element, raised for the
// authority to settle.
type Conflict struct {
	ID           int64      `json:"id"`
	ElementID    int64      `json:"element_id"`
	ElementName  string     `json:"element_name"`
	ClaimantID   int64      `json:"claimant_agency_id"`
	ClaimantName string     `json:"claimant_agency_name"`
	HolderID     int64      `json:"holder_agency_id"`
	HolderName   string     `json:"holder_agency_name"`
	EntryID      int64      `json:"entry_id"`
	Jurisdiction string     `json:"jurisdiction_code"`
	State        string     `json:"state"`
	Decision     string     `json:"decision,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	RaisedAt     time.Time  `json:"raised_at"`
	SettledAt    *time.Time `json:"settled_at,omitempty"`
}

// Filing is a not-shared listing filed with the same-level authority (GD-290 §13).
type Filing struct {
	ID           int64     `json:"id"`
	EntryID      int64     `json:"entry_id"`
	ResourceCode string    `json:"resource_code"`
	Name         string    `json:"name"`
	Version      int       `json:"version"`
	AgencyID     int64     `json:"agency_id"`
	AgencyName   string    `json:"agency_name"`
	AuthorityID  int64     `json:"authority_agency_id"`
	Basis        string    `json:"basis"`
	FiledAt      time.Time `json:"filed_at"`
}

// Elements lists the register, optionally those whose name contains q.
// Before creating a collection item an agency looks here for who already
// holds the element (HZ §16: no repeated collection).
func (s *Service) Elements(ctx context.Context, q string) ([]Element, error) {
	args := []any{}
	where := ""
	if q = strings.TrimSpace(q); q != "" {
		args = append(args, "%"+store.Like(q)+"%")
		where = ` WHERE d.name LIKE $1 ESCAPE '\'`
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT d.id, d.name, d.definition, d.type, d.standard, d.source_agency_id, a.name, COALESCE(d.entry_id, 0), COALESCE(e.resource_code, ''), d.updated_at
		FROM data_elements d JOIN agencies a ON a.id = d.source_agency_id LEFT JOIN catalog_entries e ON e.id = d.entry_id`+where+` ORDER BY d.name LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("list elements: %w", err)
	}
	defer rows.Close()
	var out []Element
	for rows.Next() {
		var el Element
		if err := rows.Scan(&el.ID, &el.Name, &el.Definition, &el.Type, &el.Standard, &el.SourceID, &el.SourceName, &el.EntryID, &el.ResourceCode, &el.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, el)
	}
	return out, rows.Err()
}

// Conflicts lists the source conflicts the actor may see: those of the
// actor's agency (as claimant or holder) and, for authority reviewers,
// those raised in their jurisdiction.
func (s *Service) Conflicts(ctx context.Context, a audit.Actor, state string) ([]Conflict, error) {
	args := []any{a.AgencyID}
	where := `(c.claimant_agency_id = $1 OR c.holder_agency_id = $1`
	if a.Role == "authority_reviewer" {
		args = append(args, store.Like(ident.DivisionPrefix(a.Jurisdiction))+"%")
		where += ` OR c.jurisdiction_code LIKE $2 ESCAPE '\'`
	}
	where += `)`
	if state != "" {
		args = append(args, state)
		where += ` AND c.state = $` + strconv.Itoa(len(args))
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT c.id, c.element_id, d.name, c.claimant_agency_id, ca.name, c.holder_agency_id, ha.name, c.entry_id, c.jurisdiction_code,
		c.state, c.decision, c.reason, c.raised_at, c.settled_at
		FROM element_conflicts c JOIN data_elements d ON d.id = c.element_id JOIN agencies ca ON ca.id = c.claimant_agency_id JOIN agencies ha ON ha.id = c.holder_agency_id
		WHERE `+where+` ORDER BY c.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("list conflicts: %w", err)
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var c Conflict
		var settled sql.NullTime
		if err := rows.Scan(&c.ID, &c.ElementID, &c.ElementName, &c.ClaimantID, &c.ClaimantName, &c.HolderID, &c.HolderName, &c.EntryID, &c.Jurisdiction,
			&c.State, &c.Decision, &c.Reason, &c.RaisedAt, &settled); err != nil {
			return nil, err
		}
		if settled.Valid {
			c.SettledAt = &settled.Time
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Settle decides a source conflict (GD-290 §51: the authority coordinates):
// "holder" keeps the registered source, "claimant" makes the claimant the
// source of the element. A reason is required. Who may call: a reviewer of
// an authority whose jurisdiction covers the conflict.
func (s *Service) Settle(ctx context.Context, a audit.Actor, id int64, decision, reason string) (Conflict, error) {
	if a.Role != "authority_reviewer" {
		return Conflict{}, apperr.ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	var ps problems
	if decision != "holder" && decision != "claimant" {
		ps.add("catalog.settle_decision", "decision", "决定须为 holder（维持原数源）或 claimant（改由申请方为数源）", "decision must be holder (keep the source) or claimant (the claimant becomes the source)")
	}
	if reason == "" || len([]rune(reason)) > 2000 {
		ps.add("catalog.settle_reason", "reason", "须说明协调理由（不超过2000字）", "give the reason (at most 2000 characters)")
	}
	if err := ps.err(); err != nil {
		return Conflict{}, err
	}
	cs, err := s.Conflicts(ctx, a, "")
	if err != nil {
		return Conflict{}, err
	}
	var c *Conflict
	for i := range cs {
		if cs[i].ID == id {
			c = &cs[i]
		}
	}
	if c == nil || !org.Covers(a.Jurisdiction, c.Jurisdiction) {
		return Conflict{}, apperr.New(apperr.NotFound, "catalog.conflict_not_found", "冲突不存在或不在本辖区", "no such conflict in your jurisdiction")
	}
	if c.State != "open" {
		return Conflict{}, apperr.New(apperr.Conflict, "catalog.conflict_settled", "该冲突已协调", "the conflict is already settled")
	}
	err = s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE element_conflicts SET state = 'settled', decision = $1, reason = $2, settled_at = $3, settled_by = $4 WHERE id = $5`,
			decision, reason, tx.Dialect.Time(tx.Now), a.UserID, id); err != nil {
			return err
		}
		if decision == "claimant" {
			if _, err := tx.ExecContext(ctx, `UPDATE data_elements SET source_agency_id = $1, entry_id = $2, updated_at = $3 WHERE id = $4`,
				c.ClaimantID, c.EntryID, tx.Dialect.Time(tx.Now), c.ElementID); err != nil {
				return err
			}
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.settle_conflict", ObjectType: "element_conflict", ObjectID: strconv.FormatInt(id, 10), Detail: decision + ": " + reason})
	})
	if err != nil {
		return Conflict{}, err
	}
	c.State, c.Decision, c.Reason = "settled", decision, reason
	return *c, nil
}

// Filings lists the not-shared filings the actor may see: its agency's,
// and for authority reviewers those filed with their authority or below.
func (s *Service) Filings(ctx context.Context, a audit.Actor) ([]Filing, error) {
	args := []any{a.AgencyID}
	where := `(f.agency_id = $1 OR f.authority_agency_id = $1`
	if a.Role == "authority_reviewer" || a.Role == "auditor" {
		args = append(args, store.Like(ident.DivisionPrefix(a.Jurisdiction))+"%")
		where += ` OR e.jurisdiction_code LIKE $2 ESCAPE '\'`
	}
	where += `)`
	rows, err := s.db.Read().QueryContext(ctx, `SELECT f.id, f.entry_id, e.resource_code, e.name, v.version, f.agency_id, a.name, f.authority_agency_id, f.basis, f.filed_at
		FROM catalog_filings f JOIN catalog_entries e ON e.id = f.entry_id JOIN catalog_versions v ON v.id = f.version_id JOIN agencies a ON a.id = f.agency_id
		WHERE `+where+` ORDER BY f.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("list filings: %w", err)
	}
	defer rows.Close()
	var out []Filing
	for rows.Next() {
		var f Filing
		if err := rows.Scan(&f.ID, &f.EntryID, &f.ResourceCode, &f.Name, &f.Version, &f.AgencyID, &f.AgencyName, &f.AuthorityID, &f.Basis, &f.FiledAt); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
