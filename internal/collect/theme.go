package collect

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/ident"
	"pubdata/internal/org"
	"pubdata/internal/store"
)

// Theme databases (主题数据库, GD-290 §17, MZ §14, HZ §21): a join of
// datasets on a shared resident ID or credit code, materialised in a table
// theme_<id> with the key and the chosen items of each member, rebuilt
// after each load of a member.

// Limits of a theme.
const (
	maxThemeMembers = 20
	maxThemeColumns = 200
)

// ThemeMember is one dataset of a theme and the items it contributes.
type ThemeMember struct {
	DatasetID int64    `json:"dataset_id"`
	Items     []string `json:"items"` // item names
}

// ThemeInput is what a caller submits to create a theme.
type ThemeInput struct {
	Name    string          `json:"name"`
	KeyKind catalog.KeyKind `json:"key_kind"` // resident_id or credit_code
	// Members are the datasets joined, the first one giving the rows: the
	// others are left-joined to it on the key.
	Members []ThemeMember `json:"members"`
}

// ThemeColumn maps a column of the theme table to the dataset item it holds.
type ThemeColumn struct {
	Name      string           `json:"name"` // m<member>_<n>
	DatasetID int64            `json:"dataset_id"`
	Item      string           `json:"item"`
	Column    string           `json:"column"` // physical column of the dataset table
	Type      catalog.ItemType `json:"type"`
}

// ThemeMemberDef is a member as the theme keeps it.
type ThemeMemberDef struct {
	DatasetID   int64    `json:"dataset_id"`
	DatasetName string   `json:"dataset_name"`
	KeyColumn   string   `json:"key_column"` // physical key column of the dataset table
	Items       []string `json:"items"`
	Rows        int64    `json:"rows"` // the dataset's live rows when read
}

// ThemeDefinition is the theme's stored definition.
type ThemeDefinition struct {
	KeyKind catalog.KeyKind  `json:"key_kind"`
	Members []ThemeMemberDef `json:"members"`
	Columns []ThemeColumn    `json:"columns"`
}

// Theme is a theme database: its definition and counts (never its rows).
type Theme struct {
	ID           int64           `json:"id"`
	Name         string          `json:"name"`
	Jurisdiction string          `json:"jurisdiction_code"`
	AgencyID     int64           `json:"agency_id"`
	AgencyName   string          `json:"agency_name"`
	KeyKind      catalog.KeyKind `json:"key_kind"`
	Definition   ThemeDefinition `json:"definition"`
	Table        string          `json:"table"`
	RowCount     int64           `json:"row_count"`
	RefreshedAt  *time.Time      `json:"refreshed_at,omitempty"`
	LastError    string          `json:"last_error,omitempty"`
	CreatedBy    int64           `json:"created_by,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
}

var (
	errThemeNotFound  = apperr.New(apperr.NotFound, "collect.theme.not_found", "主题库不存在或无权查看", "no such theme database, or not visible to you")
	errThemeForbidden = apperr.New(apperr.Forbidden, "collect.theme.forbidden",
		"只有公共数据主管部门审核员（辖区覆盖全部数据集）或数据集所属机构的数据管理员可以建立和刷新主题库",
		"only an authority reviewer whose jurisdiction covers every dataset, or a data officer of the datasets' agency, may build and refresh a theme database")
)

const themeColumns = `t.id, t.name, t.jurisdiction_code, t.agency_id, a.name, t.key_kind, t.definition, t.table_name, t.row_count, t.refreshed_at, t.last_error, t.created_by, t.created_at`
const themeFrom = ` FROM theme_databases t JOIN agencies a ON a.id = t.agency_id`

func scanTheme(r interface{ Scan(...any) error }) (Theme, error) {
	var t Theme
	var def string
	var refreshed sql.NullTime
	var by sql.NullInt64
	if err := r.Scan(&t.ID, &t.Name, &t.Jurisdiction, &t.AgencyID, &t.AgencyName, &t.KeyKind, &def, &t.Table, &t.RowCount, &refreshed, &t.LastError, &by, &t.CreatedAt); err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(def), &t.Definition); err != nil {
		return t, fmt.Errorf("theme %d definition: %w", t.ID, err)
	}
	if refreshed.Valid {
		t.RefreshedAt = timePtr(refreshed.Time)
	}
	t.CreatedBy = by.Int64
	return t, nil
}

// themeMaker reports whether the actor may build themes at all.
func themeMaker(a audit.Actor) bool {
	return a.Role == "authority_reviewer" || a.Role == "agency_officer"
}

// CreateTheme builds a theme database over datasets joined on a resident
// ID or credit code (GD-290 §17; MZ §14 lets agencies build their sector's
// theme databases) and fills it. Who may call: an authority reviewer whose
// jurisdiction covers every member dataset (the theme is the authority's),
// or an agency officer over datasets of its own agency (the theme is the
// agency's). Each member needs a key of the kind as its only key, so that
// the join gives one row per key.
//
// Errors: Forbidden collect.theme.forbidden, NotFound (a member not
// visible), Invalid collect.theme.* naming the member or item. Audited.
func (s *Service) CreateTheme(ctx context.Context, a audit.Actor, in ThemeInput) (Theme, error) {
	ev := audit.Event{Action: "collect.theme.create", ObjectType: "theme", Detail: in.Name}
	if !themeMaker(a) {
		return Theme{}, s.denyWith(ctx, a, ev, errThemeForbidden)
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return Theme{}, apperr.Invalidf("collect.theme.name", "name", "主题库名称必填，且不超过100个字", "the theme name is required and at most 100 characters")
	}
	if in.KeyKind != catalog.KeyResidentID && in.KeyKind != catalog.KeyCreditCode {
		return Theme{}, apperr.Invalidf("collect.theme.key_kind", "key_kind", "主题库的关联主键只能是 resident_id（公民身份号码）或 credit_code（统一社会信用代码）",
			"a theme joins on resident_id or credit_code")
	}
	if len(in.Members) == 0 || len(in.Members) > maxThemeMembers {
		return Theme{}, apperr.Invalidf("collect.theme.members", "members", fmt.Sprintf("主题库须有1至%d个数据集", maxThemeMembers), fmt.Sprintf("a theme has 1 to %d datasets", maxThemeMembers))
	}
	def := ThemeDefinition{KeyKind: in.KeyKind}
	seen := map[int64]bool{}
	for k, m := range in.Members {
		field := fmt.Sprintf("members[%d]", k)
		if seen[m.DatasetID] {
			return Theme{}, apperr.Invalidf("collect.theme.repeated", field, "同一数据集只能加入一次", "a dataset can be a member once")
		}
		seen[m.DatasetID] = true
		ds, err := s.dataset(ctx, s.db.Read(), m.DatasetID)
		if err != nil {
			return Theme{}, err
		}
		if !s.canSee(ctx, a, &ds) {
			return Theme{}, s.denyWith(ctx, a, ev, errDatasetNotFound)
		}
		if a.Role == "authority_reviewer" && !org.Covers(a.Jurisdiction, ds.Jurisdiction) || a.Role == "agency_officer" && ds.AgencyID != a.AgencyID {
			return Theme{}, s.denyWith(ctx, a, ev, errThemeForbidden)
		}
		key, ok := keyOfKind(&ds, in.KeyKind)
		if !ok || len(ds.Keys()) != 1 {
			return Theme{}, apperr.Invalidf("collect.theme.key", field,
				fmt.Sprintf("数据集“%s”须以且仅以%s为主键，才能加入主题库", ds.Name, keyKindZH(in.KeyKind)),
				fmt.Sprintf("dataset %q must have the %s as its only key to join the theme", ds.Name, in.KeyKind))
		}
		md := ThemeMemberDef{DatasetID: ds.ID, DatasetName: ds.Name, KeyColumn: key.Name}
		for n, name := range m.Items {
			name = strings.TrimSpace(name)
			var col *Column
			for _, c := range ds.Live() {
				if c.Item.Name == name {
					col = &c
					break
				}
			}
			if col == nil {
				return Theme{}, apperr.Invalidf("collect.theme.item", fmt.Sprintf("%s.items[%d]", field, n),
					fmt.Sprintf("数据集“%s”没有信息项“%s”", ds.Name, name), fmt.Sprintf("dataset %q has no item %q", ds.Name, name))
			}
			if slices.Contains(md.Items, name) {
				return Theme{}, apperr.Invalidf("collect.theme.item", fmt.Sprintf("%s.items[%d]", field, n),
					fmt.Sprintf("信息项“%s”重复", name), fmt.Sprintf("item %q is repeated", name))
			}
			md.Items = append(md.Items, name)
			def.Columns = append(def.Columns, ThemeColumn{Name: fmt.Sprintf("m%d_%d", k+1, len(md.Items)), DatasetID: ds.ID, Item: name, Column: col.Name, Type: col.Item.Type})
		}
		def.Members = append(def.Members, md)
	}
	if len(def.Columns) == 0 || len(def.Columns) > maxThemeColumns {
		return Theme{}, apperr.Invalidf("collect.theme.items", "members", fmt.Sprintf("主题库须选1至%d个信息项", maxThemeColumns), fmt.Sprintf("a theme has 1 to %d items", maxThemeColumns))
	}
	juris := a.Jurisdiction
	if juris == "" {
		ag, err := s.orgs.Agency(ctx, a.AgencyID)
		if err != nil {
			return Theme{}, err
		}
		juris = ag.JurisdictionCode
	}
	doc, _ := json.Marshal(def)
	var th Theme
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		var id int64
		var by any
		if a.UserID != 0 {
			by = a.UserID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO theme_databases(name, jurisdiction_code, agency_id, key_kind, definition, table_name, created_by, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`, in.Name, juris, a.AgencyID, string(in.KeyKind), string(doc), "theme_pending", by, tx.Dialect.Time(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("create theme: %w", err)
		}
		table := "theme_" + strconv.FormatInt(id, 10)
		if _, err := tx.ExecContext(ctx, `UPDATE theme_databases SET table_name = $1 WHERE id = $2`, table, id); err != nil {
			return err
		}
		var ddl strings.Builder
		ddl.WriteString("CREATE TABLE " + table + " (record_key TEXT PRIMARY KEY")
		for _, c := range def.Columns {
			ddl.WriteString(", " + c.Name + " " + sqlType(tx.Dialect, c.Type))
		}
		ddl.WriteString(")")
		if _, err := tx.ExecContext(ctx, ddl.String()); err != nil {
			return fmt.Errorf("create table %s: %w", table, err)
		}
		th = Theme{ID: id, Name: in.Name, Jurisdiction: juris, AgencyID: a.AgencyID, KeyKind: in.KeyKind, Definition: def, Table: table, CreatedBy: a.UserID, CreatedAt: tx.Now}
		n, err := s.rebuildTheme(ctx, tx, &th)
		if err != nil {
			return err
		}
		ev.ObjectID = strconv.FormatInt(id, 10)
		ev.Detail = fmt.Sprintf("%s: %d datasets, %d columns, %d rows", in.Name, len(def.Members), len(def.Columns), n)
		return s.trail.Append(ctx, tx, a, ev)
	})
	if err != nil {
		return Theme{}, err
	}
	return s.theme(ctx, th.ID)
}

func keyKindZH(k catalog.KeyKind) string {
	if k == catalog.KeyCreditCode {
		return "统一社会信用代码"
	}
	return "公民身份号码"
}

// rebuildTheme refills the theme table in tx: DELETE, then INSERT … SELECT
// from the first member left-joined to the others on the key, live rows
// only; it records the count and time.
func (s *Service) rebuildTheme(ctx context.Context, tx *store.Tx, th *Theme) (int64, error) {
	def := &th.Definition
	if len(def.Members) == 0 {
		return 0, fmt.Errorf("theme %d has no members", th.ID)
	}
	alias := map[int64]string{}
	for i, m := range def.Members {
		alias[m.DatasetID] = "t" + strconv.Itoa(i+1)
	}
	first := def.Members[0]
	key := "t1." + first.KeyColumn
	cols := []string{"record_key"}
	sel := []string{"CAST(" + key + " AS TEXT)"}
	for _, c := range def.Columns {
		cols = append(cols, c.Name)
		sel = append(sel, alias[c.DatasetID]+"."+c.Column)
	}
	from := "ds_" + strconv.FormatInt(first.DatasetID, 10) + " t1"
	for i, m := range def.Members[1:] {
		t := "t" + strconv.Itoa(i+2)
		from += " LEFT JOIN ds_" + strconv.FormatInt(m.DatasetID, 10) + " " + t + " ON " + t + "." + m.KeyColumn + " = " + key + " AND " + liveWhere(tx.Dialect, t)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+th.Table); err != nil {
		return 0, fmt.Errorf("empty %s: %w", th.Table, err)
	}
	n, err := execCount(ctx, tx, "INSERT INTO "+th.Table+" ("+strings.Join(cols, ", ")+") SELECT "+strings.Join(sel, ", ")+" FROM "+from+
		" WHERE "+liveWhere(tx.Dialect, "t1")+" AND "+key+" IS NOT NULL")
	if err != nil {
		return 0, fmt.Errorf("fill %s: %w", th.Table, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE theme_databases SET row_count = $1, refreshed_at = $2, last_error = '' WHERE id = $3`, n, tx.Dialect.Time(tx.Now), th.ID); err != nil {
		return 0, err
	}
	th.RowCount, th.RefreshedAt, th.LastError = n, timePtr(tx.Now), ""
	return n, nil
}

// refreshTheme rebuilds a theme in a transaction of its own, audited; a
// failure is recorded as the theme's last error.
func (s *Service) refreshTheme(ctx context.Context, a audit.Actor, th *Theme, why string) error {
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		n, err := s.rebuildTheme(ctx, tx, th)
		if err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "collect.theme.refresh", ObjectType: "theme", ObjectID: strconv.FormatInt(th.ID, 10),
			Detail: fmt.Sprintf("%s: %d rows", why, n)})
	})
	if err == nil {
		return nil
	}
	msg := clipRunes(err.Error(), 500)
	if rerr := s.db.WriteAt(context.WithoutCancel(ctx), s.now(), func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE theme_databases SET last_error = $1 WHERE id = $2`, msg, th.ID); err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "collect.theme.refresh", ObjectType: "theme", ObjectID: strconv.FormatInt(th.ID, 10),
			Outcome: audit.Failed, Detail: why + ": " + msg})
	}); rerr != nil {
		s.log.Error("record theme error", "theme", th.ID, "err", rerr)
	}
	th.LastError = msg
	return fmt.Errorf("refresh theme %d: %w", th.ID, err)
}

// refreshThemes rebuilds the themes that include the dataset after a load.
func (s *Service) refreshThemes(ctx context.Context, ds *Dataset, b *Batch) error {
	themes, err := s.themesWhere(ctx, "", nil)
	if err != nil {
		return err
	}
	var errs []error
	for i := range themes {
		th := &themes[i]
		if !slices.ContainsFunc(th.Definition.Members, func(m ThemeMemberDef) bool { return m.DatasetID == ds.ID }) {
			continue
		}
		if err := s.refreshTheme(ctx, audit.System(), th, fmt.Sprintf("after batch %d of dataset %d", b.ID, ds.ID)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) themesWhere(ctx context.Context, where string, args []any) ([]Theme, error) {
	q := `SELECT ` + themeColumns + themeFrom
	if where != "" {
		q += " WHERE " + where
	}
	rows, err := s.db.Read().QueryContext(ctx, q+" ORDER BY t.id", args...)
	if err != nil {
		return nil, fmt.Errorf("list themes: %w", err)
	}
	defer rows.Close()
	var out []Theme
	for rows.Next() {
		th, err := scanTheme(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, th)
	}
	return out, rows.Err()
}

func (s *Service) theme(ctx context.Context, id int64) (Theme, error) {
	th, err := scanTheme(s.db.Read().QueryRowContext(ctx, `SELECT `+themeColumns+themeFrom+` WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Theme{}, errThemeNotFound
	}
	if err != nil {
		return Theme{}, fmt.Errorf("theme %d: %w", id, err)
	}
	for i := range th.Definition.Members {
		m := &th.Definition.Members[i]
		if err := s.db.Read().QueryRowContext(ctx, `SELECT row_count FROM datasets WHERE id = $1`, m.DatasetID).Scan(&m.Rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Theme{}, err
		}
	}
	return th, nil
}

// canSeeTheme: its agency's users, and the authorities and auditors whose
// jurisdiction covers it (as for a dataset).
func (s *Service) canSeeTheme(ctx context.Context, a audit.Actor, th *Theme) bool {
	return s.canSee(ctx, a, &Dataset{AgencyID: th.AgencyID, Jurisdiction: th.Jurisdiction})
}

// Themes lists the theme databases the actor may see: its agency's, and
// for authority reviewers and auditors those of their jurisdiction and
// below. Users without an agency or jurisdiction get Forbidden. Audited.
func (s *Service) Themes(ctx context.Context, a audit.Actor) ([]Theme, error) {
	ev := audit.Event{Action: "collect.theme.list", ObjectType: "theme"}
	var where string
	var args []any
	switch {
	case a.Username == "system":
	case a.Role == "authority_reviewer" || a.Role == "auditor":
		where, args = "(t.jurisdiction_code LIKE $1 OR t.agency_id = $2)", []any{ident.DivisionPrefix(a.Jurisdiction) + "%", a.AgencyID}
	case a.AgencyID != 0:
		where, args = "t.agency_id = $1", []any{a.AgencyID}
	default:
		return nil, s.denyWith(ctx, a, ev, errThemeForbidden)
	}
	out, err := s.themesWhere(ctx, where, args)
	if err != nil {
		return nil, err
	}
	out = slices.DeleteFunc(out, func(th Theme) bool { return !s.canSeeTheme(ctx, a, &th) })
	ev.Detail = fmt.Sprintf("%d themes", len(out))
	return out, s.trail.Record(ctx, a, ev)
}

// Theme returns a theme database's definition and counts (the rows of
// each member dataset, the theme's rows), never its rows, for an actor who
// may see it; NotFound otherwise. Audited.
func (s *Service) Theme(ctx context.Context, a audit.Actor, id int64) (Theme, error) {
	th, err := s.theme(ctx, id)
	if err != nil {
		return Theme{}, err
	}
	if !s.canSeeTheme(ctx, a, &th) {
		return Theme{}, errThemeNotFound
	}
	return th, s.trail.Record(ctx, a, audit.Event{Action: "collect.theme.read", ObjectType: "theme", ObjectID: strconv.FormatInt(id, 10)})
}

// RefreshTheme rebuilds a theme database now. Who may call: an authority
// reviewer whose jurisdiction covers it, or an officer of its agency.
// Errors: NotFound, Forbidden collect.theme.forbidden, or the failure of
// the rebuild (also kept as the theme's last error). Audited.
func (s *Service) RefreshTheme(ctx context.Context, a audit.Actor, id int64) (Theme, error) {
	th, err := s.theme(ctx, id)
	if err != nil {
		return Theme{}, err
	}
	ev := audit.Event{Action: "collect.theme.refresh", ObjectType: "theme", ObjectID: strconv.FormatInt(id, 10)}
	if !s.canSeeTheme(ctx, a, &th) {
		return Theme{}, errThemeNotFound
	}
	if !(a.Role == "authority_reviewer" && org.Covers(a.Jurisdiction, th.Jurisdiction) || a.Role == "agency_officer" && a.AgencyID == th.AgencyID) {
		return Theme{}, s.denyWith(ctx, a, ev, errThemeForbidden)
	}
	if err := s.refreshTheme(ctx, a, &th, "on request"); err != nil {
		return th, err
	}
	return s.theme(ctx, id)
}
