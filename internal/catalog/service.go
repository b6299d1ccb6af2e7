package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/org"
	"pubdata/internal/procedure"
	"pubdata/internal/rules"
	"pubdata/internal/store"
)

// Service compiles, reviews, publishes, changes and delists catalog entries.
type Service struct {
	db    *store.DB
	trail *audit.Trail
	rules *rules.Set
	orgs  *org.Service
	cases *procedure.Engine
	snaps snapCache // the search snapshot of this node (searchcache.go)
	// published are called in the transaction that publishes a version
	// (the collection layer makes or migrates the entry's dataset there).
	published []PublishHook
	// delisted are called in the transaction that delists an entry (the
	// sharing service ends the grants on it there).
	delisted []DelistHook
}

// PublishHook is told, in the publication's transaction, that a version of
// an entry was published; an error undoes the publication.
type PublishHook func(ctx context.Context, tx *store.Tx, e Entry, v Version) error

// OnPublish registers h to run whenever a version is published.
func (s *Service) OnPublish(h PublishHook) { s.published = append(s.published, h) }

// DelistHook is told, in the delisting's transaction, that an entry was
// delisted by a with reason; an error undoes the delisting.
type DelistHook func(ctx context.Context, tx *store.Tx, a audit.Actor, e Entry, reason string) error

// OnDelist registers h to run whenever an entry is delisted.
func (s *Service) OnDelist(h DelistHook) { s.delisted = append(s.delisted, h) }

// NewService returns the catalog service and registers its procedures
// with the engine: the review of a version (GD-290 §11) and the update an
// agency owes after its legal basis or duties change (GD-290 §11, HZ §12).
func NewService(db *store.DB, trail *audit.Trail, rs *rules.Set, orgs *org.Service, cases *procedure.Engine) *Service {
	s := &Service{db: db, trail: trail, rules: rs, orgs: orgs, cases: cases}
	if _, ok := cases.Kind(CatalogUpdate.Name); !ok {
		if err := cases.Register(CatalogUpdate); err != nil {
			panic(err)
		}
	}
	cases.OnTransition(procedure.CatalogReview.Name, s.onReview)
	return s
}

// CatalogUpdate is the duty to update an entry after its legal basis or
// the agency's duties change: the agency owes a new version within the
// profile's deadline; submitting one discharges it.
var CatalogUpdate = &procedure.Kind{
	Name: "catalog_update", ZH: "目录更新", EN: "Catalog update",
	Basis: "GD-290 §11, MZ §8, HZ §12", Initial: "pending", DomainOnly: true,
	States: []procedure.StateDef{
		{Name: "pending", ZH: "待更新", EN: "Update owed", Deadline: "catalog.update_after_change", Owes: procedure.Respondent},
		{Name: "updated", ZH: "已更新", EN: "Updated", Terminal: true},
	},
	Transitions: []procedure.Transition{
		{Action: "update", ZH: "已提交更新", EN: "Update submitted", From: []procedure.State{"pending"}, To: "updated", By: procedure.Respondent},
	},
}

func (s *Service) profile(jurisdiction string) (*rules.Profile, error) {
	p := s.rules.ForJurisdiction(jurisdiction)
	if p == nil {
		return nil, fmt.Errorf("catalog: no rule profile for jurisdiction %s", jurisdiction)
	}
	return p, nil
}

var errEntryNotFound = apperr.New(apperr.NotFound, "catalog.not_found", "目录条目不存在或无权查看", "no such catalog entry, or not visible to you")

// owner checks the actor is an officer of the entry's agency.
func owner(a audit.Actor, e *Entry) error {
	if a.AgencyID != e.AgencyID || a.Role != "agency_officer" {
		return apperr.New(apperr.Forbidden, "catalog.not_owner", "只有本机构的数据管理员可以编辑本机构的目录", "only the agency's data officers may edit its catalog")
	}
	return nil
}

// CanSee reports whether the actor may see the entry: published entries
// are visible to every government user (GD-290 §10: the catalog is the
// basis of sharing); drafts, reviews and delisted entries only to the
// agency and the authorities whose jurisdiction covers it.
func CanSee(a audit.Actor, e *Entry) bool {
	if a.Username == "system" || a.AgencyID == e.AgencyID {
		return true
	}
	if (a.Role == "authority_reviewer" || a.Role == "auditor") && org.Covers(a.Jurisdiction, e.Jurisdiction) {
		return true
	}
	return e.Status == StatusPublished && a.AgencyID != 0
}

// Create drafts a new entry for the actor's agency with its first version.
// The resource code is assigned now: the classification code and the next
// six-digit sequence within it. Who may call: an agency data officer.
func (s *Service) Create(ctx context.Context, a audit.Actor, m Metadata) (Entry, error) {
	if a.Role != "agency_officer" || a.AgencyID == 0 {
		return Entry{}, apperr.New(apperr.Forbidden, "catalog.not_owner", "只有机构数据管理员可以编制目录", "only agency data officers compile catalogs")
	}
	ag, err := s.orgs.Agency(ctx, a.AgencyID)
	if err != nil {
		return Entry{}, err
	}
	prof, err := s.profile(ag.JurisdictionCode)
	if err != nil {
		return Entry{}, err
	}
	m.Normalize()
	if err := Validate(&m, prof, false); err != nil {
		return Entry{}, err
	}
	if m.ClassCode == "" {
		return Entry{}, apperr.Invalidf("catalog.required", "class_code", "资源分类（前段码）必填，用于生成资源代码", "the classification code is required: the resource code is made from it")
	}
	var id int64
	err = s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		var err error
		id, err = s.createTx(ctx, tx, a, ag, prof, &m)
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, id)
}

// createTx inserts a new entry and its first, draft version in tx, with
// the next resource code of its classification. m must be validated.
func (s *Service) createTx(ctx context.Context, tx *store.Tx, a audit.Actor, ag org.Agency, prof *rules.Profile, m *Metadata) (int64, error) {
	var seq int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM catalog_entries WHERE class_code = $1`, m.ClassCode).Scan(&seq); err != nil {
		return 0, err
	}
	if seq > 999999 {
		return 0, apperr.New(apperr.Conflict, "catalog.sequence_full", "该分类下的资源代码已用尽", "no resource codes left in this classification")
	}
	code := fmt.Sprintf("%s/%06d", m.ClassCode, seq)
	g, _ := GradesOf(prof)
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO catalog_entries(agency_id, jurisdiction_code, class_code, seq, resource_code, status, latest_version,
		name, summary, keywords, item_names, category, share_type, open_attr, update_freq, data_form, max_grade, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,1,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$17) RETURNING id`,
		ag.ID, ag.JurisdictionCode, m.ClassCode, seq, code, string(StatusDraft), m.Name, m.Summary, strings.Join(m.Keywords, " "), itemNames(m.Items),
		m.Category(), string(m.ShareType), string(m.OpenAttr), string(m.UpdateFreq), string(m.DataForm), g.Max(m.Items), tx.Dialect.Time(tx.Now)).Scan(&id); err != nil {
		return 0, fmt.Errorf("create entry: %w", err)
	}
	if err := s.reindex(ctx, tx, id); err != nil {
		return 0, err
	}
	if _, err := insertVersion(ctx, tx, id, 1, VersionDraft, m, a.UserID); err != nil {
		return 0, err
	}
	return id, s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.create", ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(id, 10), Detail: code + " " + m.Name})
}

func itemNames(items []Item) string {
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.Name
	}
	return strings.Join(names, " ")
}

func insertVersion(ctx context.Context, tx *store.Tx, entryID int64, version int, state VersionState, m *Metadata, by int64) (int64, error) {
	doc, err := json.Marshal(m)
	if err != nil {
		return 0, err
	}
	var id int64
	var creator any
	if by != 0 {
		creator = by
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO catalog_versions(entry_id, version, state, metadata, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6) RETURNING id`,
		entryID, version, string(state), string(doc), creator, tx.Dialect.Time(tx.Now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert version %d of entry %d: %w", version, entryID, err)
	}
	if err := writeItems(ctx, tx, id, m.Items); err != nil {
		return 0, err
	}
	return id, nil
}

func writeItems(ctx context.Context, tx *store.Tx, versionID int64, items []Item) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_items WHERE version_id = $1`, versionID); err != nil {
		return err
	}
	for i, it := range items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_items(version_id, ordinal, name, type, grade, personal, is_key, is_source, element) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			versionID, i, it.Name, string(it.Type), it.Grade, it.Personal, it.Key, it.Source, it.Element); err != nil {
			return fmt.Errorf("insert item %d: %w", i, err)
		}
	}
	return nil
}

// Update replaces the metadata of the entry's latest version while it is a
// draft or returned. The classification, and so the resource code, is
// fixed at creation. Who may call: an officer of the entry's agency.
func (s *Service) Update(ctx context.Context, a audit.Actor, id int64, m Metadata) (Entry, error) {
	e, err := s.visibleEntry(ctx, a, id)
	if err != nil {
		return Entry{}, err
	}
	if err := owner(a, &e); err != nil {
		return Entry{}, err
	}
	prof, err := s.profile(e.Jurisdiction)
	if err != nil {
		return Entry{}, err
	}
	m.Normalize()
	if m.ClassCode == "" {
		m.ClassCode = classOf(e.ResourceCode)
	}
	if m.ClassCode != classOf(e.ResourceCode) {
		return Entry{}, apperr.Invalidf("catalog.class_fixed", "class_code", "资源分类在创建时确定，不能修改；如需改分类，请新建条目", "the classification is fixed when the entry is created; create a new entry to change it")
	}
	if err := Validate(&m, prof, false); err != nil {
		return Entry{}, err
	}
	err = s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		v, err := latestVersion(ctx, tx, id)
		if err != nil {
			return err
		}
		if v.State != VersionDraft && v.State != VersionReturned {
			return apperr.New(apperr.Conflict, "catalog.not_editable", "该版本已提交或已发布，不能修改；如需变更请新建版本", "this version is submitted or published; start a new version to change it")
		}
		doc, _ := json.Marshal(&m)
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_versions SET metadata = $1, updated_at = $2 WHERE id = $3`, string(doc), tx.Dialect.Time(tx.Now), v.ID); err != nil {
			return err
		}
		if err := writeItems(ctx, tx, v.ID, m.Items); err != nil {
			return err
		}
		if e.PublishedVersion == 0 {
			if err := s.denormalise(ctx, tx, id, &m, prof); err != nil {
				return err
			}
			if err := s.reindex(ctx, tx, id); err != nil {
				return err
			}
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.update", ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(id, 10), Detail: fmt.Sprintf("version %d", v.Version)})
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, id)
}

func classOf(resourceCode string) string {
	c, _, _ := strings.Cut(resourceCode, "/")
	return c
}

// denormalise copies a version's searchable fields onto its entry.
func (s *Service) denormalise(ctx context.Context, tx *store.Tx, id int64, m *Metadata, prof *rules.Profile) error {
	g, _ := GradesOf(prof)
	_, err := tx.ExecContext(ctx, `UPDATE catalog_entries SET name=$1, summary=$2, keywords=$3, item_names=$4, category=$5, share_type=$6, open_attr=$7, update_freq=$8,
		data_form=$9, max_grade=$10, updated_at=$11 WHERE id=$12`,
		m.Name, m.Summary, strings.Join(m.Keywords, " "), itemNames(m.Items), m.Category(), string(m.ShareType), string(m.OpenAttr), string(m.UpdateFreq),
		string(m.DataForm), g.Max(m.Items), tx.Dialect.Time(tx.Now), id)
	return err
}

const versionColumns = `id, entry_id, version, state, COALESCE(case_id, 0), metadata, COALESCE(created_by, 0), created_at, updated_at`

func scanVersion(r interface{ Scan(...any) error }) (Version, error) {
	var v Version
	var doc string
	if err := r.Scan(&v.ID, &v.EntryID, &v.Version, &v.State, &v.CaseID, &doc, &v.CreatedBy, &v.CreatedAt, &v.UpdatedAt); err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(doc), &v.Metadata); err != nil {
		return v, fmt.Errorf("version %d: %w", v.ID, err)
	}
	return v, nil
}

func latestVersion(ctx context.Context, q store.Querier, entryID int64) (Version, error) {
	return scanVersion(q.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM catalog_versions WHERE entry_id = $1 ORDER BY version DESC LIMIT 1`, entryID))
}

// Submit sends the entry's latest version to the same-level authority for
// review (GD-290 §10–11): it must pass every rule, its source claims must
// not collide with another agency's (GD-290 §14, HZ §15), and a not-shared
// listing is filed with the authority (GD-290 §13). The review case starts
// its deadline from the jurisdiction's profile. A resubmission after a
// return continues the same case. Who may call: an officer of the agency.
func (s *Service) Submit(ctx context.Context, a audit.Actor, id int64) (Entry, error) {
	e, err := s.visibleEntry(ctx, a, id)
	if err != nil {
		return Entry{}, err
	}
	if err := owner(a, &e); err != nil {
		return Entry{}, err
	}
	if e.Status == StatusDelisted {
		return Entry{}, apperr.New(apperr.Conflict, "catalog.delisted", "条目已下架", "the entry is delisted")
	}
	prof, err := s.profile(e.Jurisdiction)
	if err != nil {
		return Entry{}, err
	}
	v, err := latestVersion(ctx, s.db.Read(), id)
	if err != nil {
		return Entry{}, err
	}
	if v.State != VersionDraft && v.State != VersionReturned {
		return Entry{}, apperr.New(apperr.Conflict, "catalog.not_submittable", "该版本已提交或已发布", "this version is already submitted or published")
	}
	if err := Validate(&v.Metadata, prof, true); err != nil {
		return Entry{}, err
	}
	if conflicts, err := s.sourceConflicts(ctx, e, v.Metadata); err != nil {
		return Entry{}, err
	} else if len(conflicts) > 0 {
		return Entry{}, conflicts
	}
	auth, err := s.orgs.Authority(ctx, e.Jurisdiction)
	if err != nil {
		return Entry{}, err
	}
	err = s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		var c procedure.Case
		var err error
		if v.CaseID != 0 {
			c, err = s.cases.ActTx(ctx, tx, a, v.CaseID, "resubmit", nil)
		} else {
			c, err = s.cases.OpenTx(ctx, tx, a, procedure.OpenInput{Kind: procedure.CatalogReview.Name, Title: v.Metadata.Name + "（第" + strconv.Itoa(v.Version) + "版）",
				RespondentAgencyID: auth.ID, ObjectType: "catalog_version", ObjectID: strconv.FormatInt(v.ID, 10)})
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_versions SET state = $1, case_id = $2, updated_at = $3 WHERE id = $4`, string(VersionSubmitted), c.ID, tx.Dialect.Time(tx.Now), v.ID); err != nil {
			return err
		}
		if e.Status == StatusDraft {
			if _, err := tx.ExecContext(ctx, `UPDATE catalog_entries SET status = $1, updated_at = $2 WHERE id = $3`, string(StatusInReview), tx.Dialect.Time(tx.Now), id); err != nil {
				return err
			}
			if err := s.reindex(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := s.registerElements(ctx, tx, e, v.Metadata); err != nil {
			return err
		}
		if v.Metadata.ShareType == ShareNone {
			if filing, _ := prof.Switch("catalog.not_shared.filing_required"); filing {
				if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_filings(entry_id, version_id, agency_id, authority_agency_id, basis, filed_at) VALUES ($1,$2,$3,$4,$5,$6)
					ON CONFLICT (version_id) DO NOTHING`, id, v.ID, e.AgencyID, auth.ID, v.Metadata.ShareBasis, tx.Dialect.Time(tx.Now)); err != nil {
					return fmt.Errorf("file not-shared listing: %w", err)
				}
				if err := s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.file_not_shared", ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(id, 10), Detail: v.Metadata.ShareBasis}); err != nil {
					return err
				}
			}
		}
		// Submitting a version discharges an update the agency owed.
		var owed int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM cases WHERE kind = $1 AND object_type = 'catalog_entry' AND object_id = $2 AND NOT closed ORDER BY id LIMIT 1`,
			CatalogUpdate.Name, strconv.FormatInt(id, 10)).Scan(&owed)
		if err == nil {
			if _, err := s.cases.ActTx(ctx, tx, a, owed, "update", map[string]string{"version": strconv.Itoa(v.Version)}); err != nil {
				return err
			}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.submit", ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(id, 10),
			Detail: fmt.Sprintf("version %d, case %d due %s", v.Version, c.ID, c.DueDate)})
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, id)
}

// sourceConflicts checks the version's source claims against the register:
// an element already sourced by another agency is refused, and the
// conflict is raised (in its own transaction, as the submission fails) for
// the authority to settle.
func (s *Service) sourceConflicts(ctx context.Context, e Entry, m Metadata) (apperr.List, error) {
	var out apperr.List
	for i, it := range m.Items {
		if !it.Source {
			continue
		}
		var elemID, holder int64
		var holderName string
		err := s.db.Read().QueryRowContext(ctx, `SELECT d.id, d.source_agency_id, a.name FROM data_elements d JOIN agencies a ON a.id = d.source_agency_id WHERE d.name = $1`, it.Element).
			Scan(&elemID, &holder, &holderName)
		if errors.Is(err, sql.ErrNoRows) || err == nil && holder == e.AgencyID {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := s.raiseConflict(ctx, e, elemID, holder); err != nil {
			return nil, err
		}
		out = append(out, &apperr.Error{Kind: apperr.Conflict, Code: "catalog.source_conflict", Field: fmt.Sprintf("items[%d].source", i),
			ZH: fmt.Sprintf("数据元“%s”的法定数源部门已登记为%s（一数一源，GD-290 §14、HZ §15）；已提交主管部门协调", it.Element, holderName),
			EN: fmt.Sprintf("the data element %q already has a legal source department, %s (one item, one source: GD-290 §14, HZ §15); the conflict is raised with the authority", it.Element, holderName)})
	}
	return out, nil
}

func (s *Service) raiseConflict(ctx context.Context, e Entry, elemID, holder int64) error {
	return s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM element_conflicts WHERE element_id = $1 AND claimant_agency_id = $2 AND state = 'open'`, elemID, e.AgencyID).Scan(&n); err != nil || n > 0 {
			return err
		}
		var cid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO element_conflicts(element_id, claimant_agency_id, holder_agency_id, entry_id, jurisdiction_code, raised_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`,
			elemID, e.AgencyID, holder, e.ID, e.Jurisdiction, tx.Dialect.Time(tx.Now)).Scan(&cid); err != nil {
			return fmt.Errorf("raise source conflict: %w", err)
		}
		return s.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "catalog.source_conflict", ObjectType: "element_conflict", ObjectID: strconv.FormatInt(cid, 10),
			Detail: fmt.Sprintf("element %d claimed by agency %d, held by %d", elemID, e.AgencyID, holder)})
	})
}

// registerElements records the agency as the source of the elements it
// claims that nobody has claimed yet.
func (s *Service) registerElements(ctx context.Context, tx *store.Tx, e Entry, m Metadata) error {
	for _, it := range m.Items {
		if !it.Source {
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM data_elements WHERE name = $1`, it.Element).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO data_elements(name, definition, type, source_agency_id, entry_id, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6)`,
			it.Element, it.Description, string(it.Type), e.AgencyID, e.ID, tx.Dialect.Time(tx.Now)); err != nil {
			return fmt.Errorf("register element %s: %w", it.Element, err)
		}
	}
	return nil
}

// onReview applies the authority's decision on a version: approval
// publishes it in the jurisdiction's catalog (GD-290 §10) and supersedes the
// version before it; a return sends it back to the agency with reasons.
func (s *Service) onReview(ctx context.Context, tx *store.Tx, a audit.Actor, c *procedure.Case, action string, from procedure.State) error {
	if c.ObjectType != "catalog_version" {
		return nil
	}
	vid, err := strconv.ParseInt(c.ObjectID, 10, 64)
	if err != nil {
		return fmt.Errorf("catalog review case %d: object %q", c.ID, c.ObjectID)
	}
	v, err := scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM catalog_versions WHERE id = $1`, vid))
	if err != nil {
		return fmt.Errorf("catalog review case %d: %w", c.ID, err)
	}
	var state VersionState
	switch action {
	case "approve":
		state = VersionPublished
	case "return":
		state = VersionReturned
	case "withdraw":
		state = VersionWithdrawn
	case "resubmit":
		return nil // Submit sets the version's state
	default:
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE catalog_versions SET state = $1, updated_at = $2 WHERE id = $3`, string(state), tx.Dialect.Time(tx.Now), vid); err != nil {
		return err
	}
	switch state {
	case VersionPublished:
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_versions SET state = $1, updated_at = $2 WHERE entry_id = $3 AND state = $4 AND id <> $5`,
			string(VersionSuperseded), tx.Dialect.Time(tx.Now), v.EntryID, string(VersionPublished), vid); err != nil {
			return err
		}
		var juris string
		if err := tx.QueryRowContext(ctx, `SELECT jurisdiction_code FROM catalog_entries WHERE id = $1`, v.EntryID).Scan(&juris); err != nil {
			return err
		}
		prof, err := s.profile(juris)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_entries SET status = $1, published_version = $2, published_at = $3 WHERE id = $4`,
			string(StatusPublished), v.Version, tx.Dialect.Time(tx.Now), v.EntryID); err != nil {
			return err
		}
		if err := s.denormalise(ctx, tx, v.EntryID, &v.Metadata, prof); err != nil {
			return err
		}
		if len(s.published) > 0 {
			e, err := scanEntry(tx.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM catalog_entries e JOIN agencies a ON a.id = e.agency_id WHERE e.id = $1`, v.EntryID))
			if err != nil {
				return fmt.Errorf("published entry %d: %w", v.EntryID, err)
			}
			e.Metadata = v.Metadata
			e.PublishedVersion = v.Version
			for _, h := range s.published {
				if err := h(ctx, tx, e, v); err != nil {
					return err
				}
			}
		}
	case VersionWithdrawn:
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_entries SET status = $1, updated_at = $2 WHERE id = $3 AND published_version = 0`, string(StatusDraft), tx.Dialect.Time(tx.Now), v.EntryID); err != nil {
			return err
		}
		// A withdrawn version becomes a draft again, to be edited and resubmitted.
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_versions SET state = $1, case_id = NULL WHERE id = $2`, string(VersionDraft), vid); err != nil {
			return err
		}
	}
	if err := s.reindex(ctx, tx, v.EntryID); err != nil {
		return err
	}
	return s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog." + action, ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(v.EntryID, 10),
		Detail: fmt.Sprintf("version %d %s", v.Version, state)})
}

// Review takes the authority's decision on the entry's version under
// review: "approve", or "return" with reasons. Who may call: a reviewer of
// the entry's same-level authority.
func (s *Service) Review(ctx context.Context, a audit.Actor, id int64, action, reasons string) (Entry, error) {
	if _, err := s.visibleEntry(ctx, a, id); err != nil {
		return Entry{}, err
	}
	v, err := latestVersion(ctx, s.db.Read(), id)
	if err != nil {
		return Entry{}, err
	}
	if v.State != VersionSubmitted || v.CaseID == 0 {
		return Entry{}, apperr.New(apperr.Conflict, "catalog.not_in_review", "该条目没有待审定的版本", "the entry has no version under review")
	}
	var fields map[string]string
	if reasons != "" {
		fields = map[string]string{"reasons": reasons}
	}
	if _, err := s.cases.Act(ctx, a, v.CaseID, action, fields); err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, id)
}

// NewVersion starts a change of a published entry: a draft copy of the
// published version, to be edited and reviewed again (GD-290 §11). The
// published version stays in force and readable until the new one is
// approved. Who may call: an officer of the agency.
func (s *Service) NewVersion(ctx context.Context, a audit.Actor, id int64) (Entry, error) {
	e, err := s.visibleEntry(ctx, a, id)
	if err != nil {
		return Entry{}, err
	}
	if err := owner(a, &e); err != nil {
		return Entry{}, err
	}
	if e.Status != StatusPublished {
		return Entry{}, apperr.New(apperr.Conflict, "catalog.not_published", "只有已发布的条目可以变更；草稿请直接修改", "only a published entry is changed by a new version; edit a draft directly")
	}
	err = s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		v, err := latestVersion(ctx, tx, id)
		if err != nil {
			return err
		}
		if v.State != VersionPublished {
			return apperr.New(apperr.Conflict, "catalog.version_open", "已有一个未发布的新版本", "a new version is already in work")
		}
		if _, err := insertVersion(ctx, tx, id, v.Version+1, VersionDraft, &v.Metadata, a.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_entries SET latest_version = $1, updated_at = $2 WHERE id = $3`, v.Version+1, tx.Dialect.Time(tx.Now), id); err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.new_version", ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(id, 10), Detail: fmt.Sprintf("version %d", v.Version+1)})
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, id)
}

// Delist withdraws an entry from the catalog with its reason (HZ §11). Who
// may call: an officer of the agency, or a reviewer of an authority whose
// jurisdiction covers it.
func (s *Service) Delist(ctx context.Context, a audit.Actor, id int64, reason string) (Entry, error) {
	e, err := s.visibleEntry(ctx, a, id)
	if err != nil {
		return Entry{}, err
	}
	if owner(a, &e) != nil && !(a.Role == "authority_reviewer" && org.Covers(a.Jurisdiction, e.Jurisdiction)) {
		return Entry{}, apperr.New(apperr.Forbidden, "catalog.not_owner", "只有本机构数据管理员或主管部门可以下架条目", "only the agency's officers or the authority may delist an entry")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 1000 {
		return Entry{}, apperr.Invalidf("catalog.delist_reason", "reason", "下架须说明理由（不超过1000字）", "delisting needs a reason (at most 1000 characters)")
	}
	if e.Status == StatusDelisted {
		return Entry{}, apperr.New(apperr.Conflict, "catalog.delisted", "条目已下架", "the entry is already delisted")
	}
	err = s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_entries SET status = $1, delisted_at = $2, delist_reason = $3, updated_at = $2 WHERE id = $4`,
			string(StatusDelisted), tx.Dialect.Time(tx.Now), reason, id); err != nil {
			return err
		}
		if err := s.reindex(ctx, tx, id); err != nil {
			return err
		}
		if err := s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.delist", ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(id, 10), Detail: reason}); err != nil {
			return err
		}
		e.Status = StatusDelisted
		for _, h := range s.delisted {
			if err := h(ctx, tx, a, e, reason); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, id)
}

// RecordBasisChange records that the legal basis or duties behind a
// published entry changed; the agency then owes an updated version within
// the profile's deadline (GD-290 §11: 15 working days), and a missed
// deadline becomes a supervision notice. Who may call: a reviewer of the
// covering authority, or an officer of the agency.
func (s *Service) RecordBasisChange(ctx context.Context, a audit.Actor, id int64, note string) (procedure.Case, error) {
	e, err := s.visibleEntry(ctx, a, id)
	if err != nil {
		return procedure.Case{}, err
	}
	if owner(a, &e) != nil && !(a.Role == "authority_reviewer" && org.Covers(a.Jurisdiction, e.Jurisdiction)) {
		return procedure.Case{}, apperr.ErrForbidden
	}
	note = strings.TrimSpace(note)
	if note == "" || len([]rune(note)) > 2000 {
		return procedure.Case{}, apperr.Invalidf("catalog.basis_change_note", "note", "须说明变化的法律依据或职能（不超过2000字）", "say what changed in the legal basis or duties (at most 2000 characters)")
	}
	if e.Status != StatusPublished {
		return procedure.Case{}, apperr.New(apperr.Conflict, "catalog.not_published", "只有已发布的条目需要更新", "only a published entry needs updating")
	}
	auth, err := s.orgs.Authority(ctx, e.Jurisdiction)
	if err != nil {
		return procedure.Case{}, err
	}
	var c procedure.Case
	err = s.db.WriteAt(ctx, s.cases.Now(), func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE kind = $1 AND object_type = 'catalog_entry' AND object_id = $2 AND NOT closed`, CatalogUpdate.Name, strconv.FormatInt(id, 10)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "catalog.update_pending", "该条目已有待完成的更新", "an update of this entry is already owed")
		}
		// The authority asks and the agency owes the update, whoever notes the change.
		var err error
		c, err = s.cases.OpenTx(ctx, tx, a, procedure.OpenInput{Kind: CatalogUpdate.Name, Title: e.Name + "：法律依据或职能变化后更新目录",
			ApplicantAgencyID: auth.ID, RespondentAgencyID: e.AgencyID, ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(id, 10),
			Fields: map[string]string{"note": note}, OnBehalf: true})
		if err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "catalog.basis_change", ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(id, 10), Detail: note})
	})
	return c, err
}

// visibleEntry loads an entry the actor may see; one it may not see does
// not exist for it.
func (s *Service) visibleEntry(ctx context.Context, a audit.Actor, id int64) (Entry, error) {
	e, err := s.entry(ctx, id)
	if err != nil {
		return Entry{}, err
	}
	if !CanSee(a, &e) {
		return Entry{}, errEntryNotFound
	}
	return e, nil
}

// Get returns an entry with every version, if the actor may see it; the read is audited.
func (s *Service) Get(ctx context.Context, a audit.Actor, id int64) (Entry, []Version, error) {
	e, err := s.visibleEntry(ctx, a, id)
	if err != nil {
		return Entry{}, nil, err
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+versionColumns+` FROM catalog_versions WHERE entry_id = $1 ORDER BY version DESC`, id)
	if err != nil {
		return Entry{}, nil, err
	}
	defer rows.Close()
	var vs []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return Entry{}, nil, err
		}
		// Others see only what was published; the agency and its authority see all.
		if a.AgencyID != e.AgencyID && !(a.Role == "authority_reviewer" || a.Role == "auditor") && v.State != VersionPublished && v.State != VersionSuperseded {
			continue
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return Entry{}, nil, err
	}
	if err := s.trail.Record(ctx, a, audit.Event{Action: "catalog.read", ObjectType: "catalog_entry", ObjectID: strconv.FormatInt(id, 10)}); err != nil {
		return Entry{}, nil, err
	}
	return e, vs, nil
}

const entryColumns = `e.id, e.resource_code, e.agency_id, a.name, a.credit_code, e.jurisdiction_code, e.status, e.published_version, e.latest_version,
	e.published_at, e.delisted_at, e.delist_reason, e.max_grade, e.created_at, e.updated_at`

func scanEntry(r interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var pub, del sql.NullTime
	err := r.Scan(&e.ID, &e.ResourceCode, &e.AgencyID, &e.AgencyName, &e.AgencyCode, &e.Jurisdiction, &e.Status, &e.PublishedVersion, &e.LatestVersion,
		&pub, &del, &e.DelistReason, &e.MaxGrade, &e.CreatedAt, &e.UpdatedAt)
	if pub.Valid {
		e.PublishedAt = &pub.Time
	}
	if del.Valid {
		e.DelistedAt = &del.Time
	}
	return e, err
}

// entry loads an entry with the metadata it shows: the published version's,
// or the latest one's before publication.
func (s *Service) entry(ctx context.Context, id int64) (Entry, error) {
	e, err := scanEntry(s.db.Read().QueryRowContext(ctx, `SELECT `+entryColumns+` FROM catalog_entries e JOIN agencies a ON a.id = e.agency_id WHERE e.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, errEntryNotFound
	}
	if err != nil {
		return Entry{}, err
	}
	show := e.PublishedVersion
	if show == 0 {
		show = e.LatestVersion
	}
	v, err := scanVersion(s.db.Read().QueryRowContext(ctx, `SELECT `+versionColumns+` FROM catalog_versions WHERE entry_id = $1 AND version = $2`, id, show))
	if err != nil {
		return Entry{}, fmt.Errorf("entry %d version %d: %w", id, show, err)
	}
	e.Metadata = v.Metadata
	var due sql.NullString
	if err := s.db.Read().QueryRowContext(ctx, `SELECT MIN(due_date) FROM cases WHERE kind = $1 AND object_type = 'catalog_entry' AND object_id = $2 AND NOT closed`,
		CatalogUpdate.Name, strconv.FormatInt(id, 10)).Scan(&due); err == nil && due.Valid {
		e.UpdateDue = due.String
	}
	return e, nil
}

// EntriesOfVersions maps version IDs (as a review case names its object)
// to the IDs of their entries, for lists that start from cases.
func (s *Service) EntriesOfVersions(ctx context.Context, versionIDs []string) (map[string]int64, error) {
	out := map[string]int64{}
	var args []any
	for _, v := range versionIDs {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			args = append(args, id)
		}
	}
	for len(args) > 0 {
		n := min(len(args), 500)
		marks := make([]string, n)
		for i := range marks {
			marks[i] = "$" + strconv.Itoa(i+1)
		}
		rows, err := s.db.Read().QueryContext(ctx, `SELECT id, entry_id FROM catalog_versions WHERE id IN (`+strings.Join(marks, ",")+`)`, args[:n]...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var vid, eid int64
			if err := rows.Scan(&vid, &eid); err != nil {
				rows.Close()
				return nil, err
			}
			out[strconv.FormatInt(vid, 10)] = eid
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		args = args[n:]
	}
	return out, nil
}
