package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/ident"
	"pubdata/internal/store"
)

// AgencyInput is what an administrator submits to create or change an agency.
type AgencyInput struct {
	CreditCode       string `json:"credit_code"`
	Name             string `json:"name"`
	Sector           string `json:"sector"`
	JurisdictionCode string `json:"jurisdiction_code"`
	PublicEnterprise bool   `json:"public_enterprise"`
	CDOName          string `json:"chief_data_officer"`
	CDOTitle         string `json:"chief_data_officer_title"`
}

// Validate checks every field and returns all problems at once.
func (in *AgencyInput) Validate() error {
	in.CreditCode = strings.TrimSpace(in.CreditCode)
	in.Name = strings.TrimSpace(in.Name)
	in.Sector = strings.TrimSpace(in.Sector)
	in.CDOName = strings.TrimSpace(in.CDOName)
	in.CDOTitle = strings.TrimSpace(in.CDOTitle)
	var errs apperr.List
	if err := ident.ValidateCreditCode(in.CreditCode); err != nil {
		if e, ok := apperr.As(err); ok {
			errs = append(errs, e.WithField("credit_code"))
		}
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		errs = append(errs, apperr.Invalidf("agency.name", "name", "机构名称必填，且不超过100个字", "the agency name is required and at most 100 characters"))
	}
	for _, f := range []struct{ name, v string }{{"sector", in.Sector}, {"chief_data_officer", in.CDOName}, {"chief_data_officer_title", in.CDOTitle}} {
		if utf8.RuneCountInString(f.v) > 100 {
			errs = append(errs, apperr.Invalidf("agency.field_too_long", f.name, f.name+" 不超过100个字", f.name+" is at most 100 characters"))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

const agencyColumns = `id, credit_code, name, sector, jurisdiction_code, is_authority, public_enterprise, cdo_name, cdo_title, created_at, updated_at`

func scanAgency(r interface{ Scan(...any) error }) (Agency, error) {
	var a Agency
	err := r.Scan(&a.ID, &a.CreditCode, &a.Name, &a.Sector, &a.JurisdictionCode, &a.IsAuthority, &a.PublicEnterprise, &a.CDOName, &a.CDOTitle, &a.CreatedAt, &a.UpdatedAt)
	return a, err
}

// AgencyFilter selects agencies.
type AgencyFilter struct {
	Jurisdiction string // this jurisdiction and those below it
	Sector       string
	Query        string // part of the name or the credit code
	Authorities  *bool  // only authorities (true) or only agencies (false)
}

// Agencies lists agencies, ordered by jurisdiction and name.
func (s *Service) Agencies(ctx context.Context, f AgencyFilter) ([]Agency, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Jurisdiction != "" {
		prefix := ident.DivisionPrefix(f.Jurisdiction)
		add(`jurisdiction_code LIKE ? ESCAPE '\'`, store.Like(prefix)+"%")
	}
	if f.Sector != "" {
		add("sector = ?", f.Sector)
	}
	if f.Query != "" {
		args = append(args, "%"+store.Like(f.Query)+"%")
		n := "$" + strconv.Itoa(len(args))
		where = append(where, `(name LIKE `+n+` ESCAPE '\' OR credit_code LIKE `+n+` ESCAPE '\')`)
	}
	if f.Authorities != nil {
		add("is_authority = ?", *f.Authorities)
	}
	q := `SELECT ` + agencyColumns + ` FROM agencies`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY jurisdiction_code, is_authority DESC, name`
	rows, err := s.db.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list agencies: %w", err)
	}
	defer rows.Close()
	var out []Agency
	for rows.Next() {
		a, err := scanAgency(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Agency returns one agency by id.
func (s *Service) Agency(ctx context.Context, id int64) (Agency, error) {
	return s.agencyWhere(ctx, `id = $1`, id)
}

// AgencyByCode returns one agency by its credit code.
func (s *Service) AgencyByCode(ctx context.Context, code string) (Agency, error) {
	return s.agencyWhere(ctx, `credit_code = $1`, code)
}

// Authority returns the data authority of a jurisdiction.
func (s *Service) Authority(ctx context.Context, jurisdiction string) (Agency, error) {
	return s.agencyWhere(ctx, `jurisdiction_code = $1 AND is_authority`, jurisdiction)
}

func (s *Service) agencyWhere(ctx context.Context, cond string, arg any) (Agency, error) {
	a, err := scanAgency(s.db.Read().QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "agency.not_found", "机构不存在", "no such agency")
	}
	return a, err
}

// CreateAgency registers an agency in a jurisdiction the actor covers.
// Errors: Invalid (every bad field), NotFound (jurisdiction), Forbidden,
// Conflict (credit code or name taken).
func (s *Service) CreateAgency(ctx context.Context, a audit.Actor, in AgencyInput) (Agency, error) {
	if err := in.Validate(); err != nil {
		return Agency{}, err
	}
	j, err := s.Jurisdiction(ctx, in.JurisdictionCode)
	if err != nil {
		return Agency{}, err
	}
	if !Covers(a.Jurisdiction, j.Code) {
		return Agency{}, apperr.ErrForbidden
	}
	ag := Agency{CreditCode: in.CreditCode, Name: in.Name, Sector: in.Sector, JurisdictionCode: j.Code,
		PublicEnterprise: in.PublicEnterprise, CDOName: in.CDOName, CDOTitle: in.CDOTitle}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		id, err := insertAgency(ctx, tx, ag)
		if err != nil {
			return err
		}
		ag.ID = id
		ag.CreatedAt, ag.UpdatedAt = tx.Now, tx.Now
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "agency.create", ObjectType: "agency", ObjectID: strconv.FormatInt(id, 10), Detail: ag.Name + " " + ag.CreditCode})
	})
	return ag, err
}

// UpdateAgency changes an agency's name, sector, public-enterprise flag and
// chief data officer. The credit code and jurisdiction do not change.
func (s *Service) UpdateAgency(ctx context.Context, a audit.Actor, id int64, in AgencyInput) (Agency, error) {
	cur, err := s.Agency(ctx, id)
	if err != nil {
		return Agency{}, err
	}
	if !Covers(a.Jurisdiction, cur.JurisdictionCode) {
		return Agency{}, apperr.ErrForbidden
	}
	in.CreditCode, in.JurisdictionCode = cur.CreditCode, cur.JurisdictionCode
	if err := in.Validate(); err != nil {
		return Agency{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE agencies SET name=$1, sector=$2, public_enterprise=$3, cdo_name=$4, cdo_title=$5, updated_at=$6 WHERE id=$7`,
			in.Name, in.Sector, in.PublicEnterprise, in.CDOName, in.CDOTitle, tx.Dialect.Time(tx.Now), id)
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "agency.exists", "机构名称已存在", "an agency with this name already exists").WithField("name")
		}
		if err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "agency.update", ObjectType: "agency", ObjectID: strconv.FormatInt(id, 10), Detail: in.Name})
	})
	if err != nil {
		return Agency{}, err
	}
	return s.Agency(ctx, id)
}
