// Package org keeps the organisations of GD-290 ch.1: jurisdictions as a tree
// of GB/T 2260 codes (Guangdong and its 21 prefecture-level cities, counties
// added as needed), one public-data authority per jurisdiction (GD-290 §5),
// and the public management and service agencies (GD-290 §2, §6–7) with their
// unified social credit codes and chief data officers (JM §28, HZ §8).
package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/ident"
	"pubdata/internal/store"
)

// Level is a jurisdiction's level.
type Level string

// The levels of jurisdiction.
const (
	Province Level = "province"
	City     Level = "city"
	County   Level = "county"
)

// Jurisdiction is an administrative area with its own data authority.
type Jurisdiction struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      Level  `json:"level"`
	ParentCode string `json:"parent_code,omitempty"`
}

// Agency is a public management and service agency (公共管理和服务机构),
// or, with IsAuthority, the jurisdiction's public-data authority
// (公共数据主管部门).
type Agency struct {
	ID               int64     `json:"id"`
	CreditCode       string    `json:"credit_code"`
	Name             string    `json:"name"`
	Sector           string    `json:"sector,omitempty"`
	JurisdictionCode string    `json:"jurisdiction_code"`
	IsAuthority      bool      `json:"is_authority"`
	PublicEnterprise bool      `json:"public_enterprise"`
	CDOName          string    `json:"chief_data_officer,omitempty"`
	CDOTitle         string    `json:"chief_data_officer_title,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Covers reports whether jurisdiction outer contains inner (or is it):
// a province covers its cities and counties, a city its counties.
func Covers(outer, inner string) bool { return ident.DivisionCovers(outer, inner) }

// Service reads and changes organisations.
type Service struct {
	db    *store.DB
	trail *audit.Trail
}

// NewService returns the organisation service.
func NewService(db *store.DB, trail *audit.Trail) *Service { return &Service{db: db, trail: trail} }

// ProvinceCode is the province this platform serves (GD-290 §3).
const ProvinceCode = "440000"

// Seed creates Guangdong, its 21 prefecture-level cities and a data
// authority for each, if they are not there yet. It is idempotent.
func (s *Service) Seed(ctx context.Context) error {
	var n int
	if err := s.db.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM jurisdictions`).Scan(&n); err != nil {
		return fmt.Errorf("org seed: %w", err)
	}
	if n > 0 {
		return nil
	}
	prov, ok := ident.LookupDivision(ProvinceCode)
	if !ok {
		return fmt.Errorf("org seed: division %s unknown", ProvinceCode)
	}
	js := []Jurisdiction{{Code: prov.Code, Name: prov.Name, Level: Province}}
	for _, c := range ident.ChildDivisions(ProvinceCode) {
		js = append(js, Jurisdiction{Code: c.Code, Name: c.Name, Level: City, ParentCode: ProvinceCode})
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		for _, j := range js {
			if err := insertJurisdiction(ctx, tx, j); err != nil {
				return err
			}
			if _, err := insertAgency(ctx, tx, authorityOf(j)); err != nil {
				return err
			}
		}
		return s.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "org.seed", ObjectType: "jurisdiction", ObjectID: ProvinceCode,
			Detail: fmt.Sprintf("%d jurisdictions with their data authorities", len(js))})
	})
}

// authorityOf names the data authority of j. The province's is 广东省政务服务
// 和数据管理局; cities follow the same pattern. Its credit code is a
// deterministic, valid GB 32100 code for an organ of state (机关, 1-1).
func authorityOf(j Jurisdiction) Agency {
	return Agency{
		CreditCode:       authorityCreditCode(j.Code),
		Name:             j.Name + "政务服务和数据管理局",
		Sector:           "政务服务数据管理",
		JurisdictionCode: j.Code,
		IsAuthority:      true,
	}
}

func authorityCreditCode(region string) string {
	body := "11" + region + "MB" + region[:6] + "0"
	body = body[:17]
	c, err := ident.CreditCodeCheck(body)
	if err != nil {
		panic(fmt.Sprintf("authority credit code for %s: %v", region, err))
	}
	return body + string(c)
}

func insertJurisdiction(ctx context.Context, tx *store.Tx, j Jurisdiction) error {
	var parent any
	if j.ParentCode != "" {
		parent = j.ParentCode
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO jurisdictions(code, name, level, parent_code, created_at) VALUES ($1,$2,$3,$4,$5)`,
		j.Code, j.Name, string(j.Level), parent, tx.Dialect.Time(tx.Now))
	if store.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "jurisdiction.exists", "行政区划 "+j.Code+" 已存在", "jurisdiction "+j.Code+" already exists").WithField("code")
	}
	return err
}

func insertAgency(ctx context.Context, tx *store.Tx, a Agency) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO agencies(credit_code, name, sector, jurisdiction_code, is_authority, public_enterprise, cdo_name, cdo_title, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) RETURNING id`,
		a.CreditCode, a.Name, a.Sector, a.JurisdictionCode, a.IsAuthority, a.PublicEnterprise, a.CDOName, a.CDOTitle, tx.Dialect.Time(tx.Now)).Scan(&id)
	if store.IsUniqueViolation(err) {
		if a.IsAuthority {
			return 0, apperr.New(apperr.Conflict, "agency.authority_exists", "该行政区划已有公共数据主管部门", "this jurisdiction already has a data authority")
		}
		return 0, apperr.New(apperr.Conflict, "agency.exists", "统一社会信用代码或机构名称已存在", "an agency with this credit code or name already exists").WithField("credit_code")
	}
	if err != nil {
		return 0, fmt.Errorf("insert agency %s: %w", a.Name, err)
	}
	return id, nil
}

// Jurisdictions returns every jurisdiction, ordered by code.
func (s *Service) Jurisdictions(ctx context.Context) ([]Jurisdiction, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT code, name, level, COALESCE(parent_code, '') FROM jurisdictions ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list jurisdictions: %w", err)
	}
	defer rows.Close()
	var out []Jurisdiction
	for rows.Next() {
		var j Jurisdiction
		if err := rows.Scan(&j.Code, &j.Name, &j.Level, &j.ParentCode); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Jurisdiction returns one jurisdiction.
func (s *Service) Jurisdiction(ctx context.Context, code string) (Jurisdiction, error) {
	var j Jurisdiction
	err := s.db.Read().QueryRowContext(ctx, `SELECT code, name, level, COALESCE(parent_code, '') FROM jurisdictions WHERE code = $1`, code).
		Scan(&j.Code, &j.Name, &j.Level, &j.ParentCode)
	if errors.Is(err, sql.ErrNoRows) {
		return j, apperr.New(apperr.NotFound, "jurisdiction.not_found", "行政区划 "+code+" 不存在", "no jurisdiction "+code).WithField("jurisdiction_code")
	}
	return j, err
}

// AddJurisdiction adds a county-level jurisdiction under a city, with its
// data authority. The code must be a known GB/T 2260 county code of that
// city; the name defaults to the official one. Who may call: an
// administrator whose jurisdiction covers the city.
func (s *Service) AddJurisdiction(ctx context.Context, a audit.Actor, code, name string) (Jurisdiction, error) {
	if err := ident.ValidateDivisionCode(code); err != nil {
		return Jurisdiction{}, withField(err, "code")
	}
	d, _ := ident.LookupDivision(code)
	if d.Level != ident.County {
		return Jurisdiction{}, apperr.Invalidf("jurisdiction.level", "code", "只能新增县级行政区划（"+code+" 不是县级代码）", "only county-level jurisdictions can be added ("+code+" is not a county code)")
	}
	parent, err := s.Jurisdiction(ctx, d.Parent)
	if err != nil {
		return Jurisdiction{}, apperr.Invalidf("jurisdiction.parent", "code", "上级行政区划 "+d.Parent+" 不在本平台", "the parent jurisdiction "+d.Parent+" is not on this platform")
	}
	if !Covers(a.Jurisdiction, parent.Code) {
		return Jurisdiction{}, apperr.ErrForbidden
	}
	if name = strings.TrimSpace(name); name == "" {
		name = d.Name
	}
	j := Jurisdiction{Code: code, Name: name, Level: County, ParentCode: parent.Code}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := insertJurisdiction(ctx, tx, j); err != nil {
			return err
		}
		auth := authorityOf(j)
		auth.Name = parent.Name + j.Name + "政务服务和数据管理局"
		if _, err := insertAgency(ctx, tx, auth); err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "jurisdiction.create", ObjectType: "jurisdiction", ObjectID: code, Detail: name})
	})
	return j, err
}

func withField(err error, field string) error {
	if e, ok := apperr.As(err); ok {
		return e.WithField(field)
	}
	return err
}
