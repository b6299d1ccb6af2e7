package catalog

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/org"
	"pubdata/internal/store"
)

// RegisterKind names one of the agency's catalog registers.
type RegisterKind string

// The registers of an agency's catalog work.
const (
	RegCollection RegisterKind = "collection" // 采集清单 (GD-290 §14, HZ §15)
	RegSystem     RegisterKind = "system"     // 信息系统清单, with design and data-structure documents (JM §9)
	RegDemand     RegisterKind = "demand"     // 需求清单 (JM §9)
)

// registerFields are the detail fields each register keeps, with their names.
var registerFields = map[RegisterKind][]struct{ key, zh, en string }{
	RegCollection: {{"element", "数据元", "data element"}, {"legal_basis", "采集依据", "legal basis"}, {"method", "采集方式", "method"},
		{"frequency", "采集频率", "frequency"}, {"scope", "采集范围", "scope"}},
	RegSystem: {{"description", "系统简介", "description"}, {"builder", "建设单位", "builder"}, {"launched", "上线时间", "launched"},
		{"data_volume", "数据量", "data volume"}, {"entries", "关联目录资源代码", "catalog entries"}},
	RegDemand: {{"source_agency", "数源部门", "source agency"}, {"purpose", "用途", "purpose"}, {"basis", "依据", "basis"},
		{"scenario", "应用场景", "scenario"}, {"status", "状态", "status"}},
}

// Register is one line of an agency's collection list, system list or demand list.
type Register struct {
	ID         int64             `json:"id"`
	Kind       RegisterKind      `json:"kind"`
	AgencyID   int64             `json:"agency_id"`
	AgencyName string            `json:"agency_name"`
	Name       string            `json:"name"`
	Detail     map[string]string `json:"detail"`
	Documents  []Document        `json:"documents,omitempty"`
	Existing   []Element         `json:"existing,omitempty"` // collection: elements already held (HZ §16)
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
}

// Document is a file attached to an information system (JM §9).
type Document struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"` // design, data_structure, other
	MediaType  string    `json:"media_type"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// MaxDocument is the largest document accepted, in bytes.
const MaxDocument = 20 << 20

// ParseRegisterKind parses a register kind.
func ParseRegisterKind(s string) (RegisterKind, error) {
	switch k := RegisterKind(s); k {
	case RegCollection, RegSystem, RegDemand:
		return k, nil
	}
	return "", apperr.Invalidf("catalog.register_kind", "kind", "清单类型须为 collection（采集清单）、system（信息系统）或 demand（需求清单）", "the register is collection, system or demand")
}

// AddRegister adds a line to one of the actor's agency's registers. For
// the collection list it first looks up the elements the platform already
// holds under that name, and returns them with the line, so the agency
// sees existing sources before it collects again (HZ §16). Who may call:
// an agency data officer.
func (s *Service) AddRegister(ctx context.Context, a audit.Actor, kind RegisterKind, name string, detail map[string]string) (Register, error) {
	if a.Role != "agency_officer" || a.AgencyID == 0 {
		return Register{}, apperr.New(apperr.Forbidden, "catalog.not_owner", "只有机构数据管理员可以维护本机构清单", "only agency data officers keep the agency's registers")
	}
	name = strings.TrimSpace(name)
	var ps problems
	if name == "" || utf8.RuneCountInString(name) > 200 {
		ps.add("catalog.register_name", "name", "名称必填，不超过200字", "the name is required, at most 200 characters")
	}
	clean := map[string]string{}
	known := map[string]bool{}
	for _, f := range registerFields[kind] {
		known[f.key] = true
	}
	for k, v := range detail {
		if !known[k] {
			ps.add("catalog.register_field", "detail."+k, "未知字段："+k, "unknown field: "+k)
			continue
		}
		if v = strings.TrimSpace(v); utf8.RuneCountInString(v) > 2000 {
			ps.add("catalog.too_long", "detail."+k, "不超过2000字", "at most 2000 characters")
		} else if v != "" {
			clean[k] = v
		}
	}
	if err := ps.err(); err != nil {
		return Register{}, err
	}
	r := Register{Kind: kind, AgencyID: a.AgencyID, Name: name, Detail: clean}
	if kind == RegCollection {
		el := clean["element"]
		if el == "" {
			el = name
		}
		existing, err := s.Elements(ctx, el)
		if err != nil {
			return Register{}, err
		}
		r.Existing = existing
	}
	doc, _ := json.Marshal(clean)
	err := s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO catalog_registers(kind, agency_id, name, detail, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6) RETURNING id`,
			string(kind), a.AgencyID, name, string(doc), nullID(a.UserID), tx.Dialect.Time(tx.Now)).Scan(&r.ID); err != nil {
			return fmt.Errorf("add register: %w", err)
		}
		r.CreatedAt, r.UpdatedAt = tx.Now, tx.Now
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.register_add", ObjectType: "catalog_register", ObjectID: strconv.FormatInt(r.ID, 10), Detail: string(kind) + " " + name})
	})
	return r, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Registers lists an agency's register of one kind. The agency itself and
// the authorities covering it may read it.
func (s *Service) Registers(ctx context.Context, a audit.Actor, agencyID int64, kind RegisterKind) ([]Register, error) {
	ag, err := s.orgs.Agency(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	if a.AgencyID != agencyID && !(a.Role == "authority_reviewer" && org.Covers(a.Jurisdiction, ag.JurisdictionCode)) {
		return nil, apperr.ErrForbidden
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, name, detail, created_at, updated_at FROM catalog_registers WHERE agency_id = $1 AND kind = $2 ORDER BY id`, agencyID, string(kind))
	if err != nil {
		return nil, fmt.Errorf("list registers: %w", err)
	}
	defer rows.Close()
	var out []Register
	for rows.Next() {
		r := Register{Kind: kind, AgencyID: agencyID, AgencyName: ag.Name}
		var detail string
		if err := rows.Scan(&r.ID, &r.Name, &detail, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(detail), &r.Detail)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if kind == RegSystem {
		for i := range out {
			if out[i].Documents, err = s.documents(ctx, out[i].ID); err != nil {
				return nil, err
			}
		}
	}
	return out, s.trail.Record(ctx, a, audit.Event{Action: "catalog.register_read", ObjectType: "agency", ObjectID: strconv.FormatInt(agencyID, 10), Detail: string(kind)})
}

func (s *Service) documents(ctx context.Context, registerID int64) ([]Document, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, name, kind, media_type, size, sha256, uploaded_at FROM catalog_documents WHERE register_id = $1 ORDER BY id`, registerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		var d Document
		if err := rows.Scan(&d.ID, &d.Name, &d.Kind, &d.MediaType, &d.Size, &d.SHA256, &d.UploadedAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// AttachDocument stores a design or data-structure document of one of the
// actor's agency's information systems (JM §9). Who may call: an officer
// of the agency.
func (s *Service) AttachDocument(ctx context.Context, a audit.Actor, registerID int64, name, kind string, content []byte) (Document, error) {
	var agencyID int64
	var rk string
	err := s.db.Read().QueryRowContext(ctx, `SELECT agency_id, kind FROM catalog_registers WHERE id = $1`, registerID).Scan(&agencyID, &rk)
	if errors.Is(err, sql.ErrNoRows) || err == nil && agencyID != a.AgencyID {
		return Document{}, apperr.New(apperr.NotFound, "catalog.register_not_found", "清单条目不存在", "no such register line")
	}
	if err != nil {
		return Document{}, err
	}
	if a.Role != "agency_officer" {
		return Document{}, apperr.ErrForbidden
	}
	var ps problems
	if RegisterKind(rk) != RegSystem {
		ps.add("catalog.document_target", "register_id", "只有信息系统可以附设计文档", "documents attach to information systems only")
	}
	if kind != "design" && kind != "data_structure" && kind != "other" {
		ps.add("catalog.document_kind", "kind", "文档类型须为 design、data_structure 或 other", "the document kind is design, data_structure or other")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 || strings.ContainsAny(name, "/\\\x00") {
		ps.add("catalog.document_name", "name", "文件名无效", "invalid file name")
	}
	if len(content) == 0 || len(content) > MaxDocument {
		ps.add("catalog.document_size", "file", fmt.Sprintf("文件须非空且不超过%dMB", MaxDocument>>20), fmt.Sprintf("the file must be non-empty and at most %d MB", MaxDocument>>20))
	}
	if err := ps.err(); err != nil {
		return Document{}, err
	}
	sum := sha256.Sum256(content)
	d := Document{Name: name, Kind: kind, MediaType: http.DetectContentType(content), Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
	err = s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO catalog_documents(register_id, name, kind, media_type, size, sha256, content, uploaded_by, uploaded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
			registerID, d.Name, d.Kind, d.MediaType, d.Size, d.SHA256, content, nullID(a.UserID), tx.Dialect.Time(tx.Now)).Scan(&d.ID); err != nil {
			return fmt.Errorf("store document: %w", err)
		}
		d.UploadedAt = tx.Now
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.document_add", ObjectType: "catalog_document", ObjectID: strconv.FormatInt(d.ID, 10), Detail: d.Name + " " + d.SHA256})
	})
	return d, err
}

// DocumentContent returns a document and its bytes, if the actor may read
// the agency's registers. The read is audited.
func (s *Service) DocumentContent(ctx context.Context, a audit.Actor, id int64) (Document, []byte, error) {
	var d Document
	var agencyID int64
	var content []byte
	err := s.db.Read().QueryRowContext(ctx, `SELECT d.id, d.name, d.kind, d.media_type, d.size, d.sha256, d.uploaded_at, r.agency_id, d.content
		FROM catalog_documents d JOIN catalog_registers r ON r.id = d.register_id WHERE d.id = $1`, id).
		Scan(&d.ID, &d.Name, &d.Kind, &d.MediaType, &d.Size, &d.SHA256, &d.UploadedAt, &agencyID, &content)
	notFound := apperr.New(apperr.NotFound, "catalog.document_not_found", "文档不存在或无权查看", "no such document, or not visible to you")
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, nil, notFound
	}
	if err != nil {
		return Document{}, nil, err
	}
	ag, err := s.orgs.Agency(ctx, agencyID)
	if err != nil {
		return Document{}, nil, err
	}
	if a.AgencyID != agencyID && !(a.Role == "authority_reviewer" && org.Covers(a.Jurisdiction, ag.JurisdictionCode)) {
		return Document{}, nil, notFound
	}
	return d, content, s.trail.Record(ctx, a, audit.Event{Action: "catalog.document_read", ObjectType: "catalog_document", ObjectID: strconv.FormatInt(id, 10)})
}
