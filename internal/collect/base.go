package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/ident"
	"pubdata/internal/org"
	"pubdata/internal/rules"
	"pubdata/internal/store"
)

// Base databases (基础数据库, GD-290 §17–20, MZ §14–17, HZ §21).
//
// The data authority integrates four base databases: natural persons
// (自然人, keyed by resident ID number), legal persons and other
// organisations (法人和非法人组织, keyed by unified social credit code),
// natural resources and spatial geography (自然资源和空间地理), and
// electronic licences (电子证照). Each base is made of attribute groups,
// and the measures name the department that is the legal source of each
// group (GD-290 §18 (一)–(十一), §19 (一)–(四), §20). A dataset bound to a
// group feeds it: after each load its rows are copied into base_records as
// one record per key, group and dataset. Only a dataset of an agency whose
// sector is a legal source of the group may be bound or loaded.
//
// The legal sources are rule values, base.source.<group>, one list of
// agency sectors per group with its article (a city profile overrides
// where its measure names other departments, e.g. MZ §15–16). The list
// ["*"] means "the issuing unit": any agency may source the certificates
// and licences it issues.

// Base is one of the four base databases.
type Base string

// The base databases of GD-290 §17.
const (
	BasePerson  Base = "person"  // 自然人
	BaseEntity  Base = "entity"  // 法人和非法人组织
	BaseGeo     Base = "geo"     // 自然资源和空间地理
	BaseLicence Base = "licence" // 电子证照
)

// AnySource is the source list entry that admits every agency: the group's
// source is the unit that issues the certificate or licence.
const AnySource = "*"

// baseKeyKind is the key a dataset needs to feed the base: a resident ID
// for persons, a credit code for entities, any key for the others.
var baseKeyKind = map[Base]catalog.KeyKind{BasePerson: catalog.KeyResidentID, BaseEntity: catalog.KeyCreditCode}

var baseNames = map[Base][2]string{
	BasePerson:  {"自然人基础数据库", "natural persons"},
	BaseEntity:  {"法人和非法人组织基础数据库", "legal persons and other organisations"},
	BaseGeo:     {"自然资源和空间地理基础数据库", "natural resources and spatial geography"},
	BaseLicence: {"电子证照基础数据库", "electronic licences"},
}

// groupDef is an attribute group as the measures define it; its sources
// come from the rule profile.
type groupDef struct {
	key    string
	base   Base
	item   string // the item of the article, e.g. "（一）"; "" for a whole article
	zh, en string
}

// baseGroupDefs are the attribute groups, in the order of the articles.
var baseGroupDefs = []groupDef{
	{"person.household", BasePerson, "（一）", "户籍登记数据", "household registration"},
	{"person.floating", BasePerson, "（二）", "流动人口居住登记、居住变更登记和居住证办理数据", "floating population residence registration and residence permits"},
	{"person.marriage", BasePerson, "（三）", "内地居民婚姻登记和收养登记数据", "marriage and adoption registration"},
	{"person.birth_death", BasePerson, "（四）", "出生和死亡登记数据", "birth and death registration"},
	{"person.health", BasePerson, "（五）", "卫生健康数据", "health data"},
	{"person.social_security", BasePerson, "（六）", "社会保障数据和最低生活保障数据", "social security and minimum living allowance"},
	{"person.education", BasePerson, "（七）", "教育数据", "education data"},
	{"person.disability", BasePerson, "（八）", "残疾人登记数据", "disability registration"},
	{"person.housing_fund", BasePerson, "（九）", "住房公积金登记数据", "housing provident fund registration"},
	{"person.guardianship", BasePerson, "（十）", "指定监护数据", "designated guardianship"},
	{"person.qualification", BasePerson, "（十一）", "有关资格证书和执业证书数据", "qualification and practising certificates"},
	{"entity.enterprise", BaseEntity, "（一）", "企业和个体工商户登记数据", "enterprise and individual business registration"},
	{"entity.nonprofit", BaseEntity, "（二）", "民办非企业单位、社会团体、基金会等非营利组织登记数据", "non-profit organisation registration"},
	{"entity.public_institution", BaseEntity, "（三）", "事业单位登记数据", "public institution registration"},
	{"entity.credit_code", BaseEntity, "（四）", "法人和非法人组织统一社会信用代码数据", "unified social credit codes"},
	{"geo.natural_resources", BaseGeo, "", "自然资源和空间地理基础数据", "natural resources and spatial geography"},
	{"licence.e_licence", BaseLicence, "", "电子证照数据", "electronic licences"},
}

func groupDefOf(key string) (groupDef, bool) {
	for _, g := range baseGroupDefs {
		if g.key == key {
			return g, true
		}
	}
	return groupDef{}, false
}

// BaseGroup is an attribute group of a base database with its legal
// sources under one jurisdiction's rule profile.
type BaseGroup struct {
	Key    string `json:"key"` // e.g. "person.household"
	Base   Base   `json:"base"`
	BaseZH string `json:"base_zh"`
	BaseEN string `json:"base_en"`
	ZH     string `json:"zh"`
	EN     string `json:"en"`
	// KeyKind is the key a dataset needs to feed the group; "" for any key.
	KeyKind catalog.KeyKind `json:"key_kind,omitempty"`
	// Sources are the agency sectors that are the group's legal source;
	// ["*"] when any issuing unit is (AnySource is then true).
	Sources   []string `json:"sources"`
	AnySource bool     `json:"any_source,omitempty"`
	// Article is the article and item naming the sources, e.g. "GD-290 §18（一）".
	Article string `json:"article,omitempty"`
	Quote   string `json:"quote,omitempty"`
	Profile string `json:"profile,omitempty"` // the profile that set the sources
	// Bindable is false when the profile has no base.source value for the
	// group: no dataset can then be bound to it.
	Bindable bool `json:"bindable"`
}

// sourceKey is the rule key of a group's legal sources.
func sourceKey(group string) string { return "base.source." + group }

// resolveGroup fills a group's sources from the profile (nil: none).
func resolveGroup(g groupDef, p *rules.Profile) BaseGroup {
	names := baseNames[g.base]
	bg := BaseGroup{Key: g.key, Base: g.base, BaseZH: names[0], BaseEN: names[1], ZH: g.zh, EN: g.en, KeyKind: baseKeyKind[g.base], Sources: []string{}}
	if p == nil {
		return bg
	}
	v, ok := p.Get(sourceKey(g.key))
	if !ok || v.Kind != rules.KindList || len(v.List) == 0 {
		return bg
	}
	bg.Sources, bg.Bindable = v.List, true
	bg.AnySource = slices.Contains(v.List, AnySource)
	bg.Article, bg.Quote, bg.Profile = v.Basis+g.item, v.Quote, v.Profile
	return bg
}

// BaseGroups returns every attribute group with its legal sources under
// the rule profile of the jurisdiction (a 6-digit code; the province's
// profile for one no profile matches). It reads rules only and is not
// audited.
func (s *Service) BaseGroups(jurisdiction string) []BaseGroup {
	p := s.profileOf(jurisdiction)
	out := make([]BaseGroup, len(baseGroupDefs))
	for i, g := range baseGroupDefs {
		out[i] = resolveGroup(g, p)
	}
	return out
}

// profileOf is the rule profile of a jurisdiction, or the province's.
func (s *Service) profileOf(jurisdiction string) *rules.Profile {
	if p := s.rules.ForJurisdiction(jurisdiction); p != nil {
		return p
	}
	return s.rules.ForJurisdiction(org.ProvinceCode)
}

func (s *Service) baseGroup(key, jurisdiction string) (BaseGroup, error) {
	g, ok := groupDefOf(key)
	if !ok {
		return BaseGroup{}, apperr.Invalidf("collect.base.group", "group", fmt.Sprintf("没有基础数据属性组“%s”", key), fmt.Sprintf("no base data attribute group %q", key))
	}
	bg := resolveGroup(g, s.profileOf(jurisdiction))
	if !bg.Bindable {
		return bg, apperr.New(apperr.Conflict, "collect.base.source_undefined",
			fmt.Sprintf("规则配置中没有属性组“%s”（%s）的法定数源部门（%s），不能绑定数据集", bg.ZH, key, sourceKey(key)),
			fmt.Sprintf("the rule profile names no legal source for the attribute group %s (%s, rule %s); no dataset can be bound to it", bg.EN, key, sourceKey(key))).WithField("group")
	}
	return bg, nil
}

// isLegalSource reports whether an agency of the sector is a legal source of the group.
func (g *BaseGroup) isLegalSource(sector string) bool {
	if g.AnySource {
		return true
	}
	sector = strings.TrimSpace(sector)
	return sector != "" && slices.Contains(g.Sources, sector)
}

// errNotLegalSource is the refusal of a dataset whose agency is not a legal
// source of its group (GD-290 §14: one item, one legal source).
func errNotLegalSource(g *BaseGroup, ds *Dataset, ag org.Agency) *apperr.Error {
	sector := ag.Sector
	if sector == "" {
		sector = "未登记"
	}
	sectorEN := ag.Sector
	if sectorEN == "" {
		sectorEN = "none registered"
	}
	return &apperr.Error{Kind: apperr.Forbidden, Code: "collect.base.not_legal_source", Field: "base_group",
		ZH: fmt.Sprintf("%s（行业：%s）不是基础数据属性组“%s”（%s）的法定数源部门；依%s，法定数源部门为：%s。数据集“%s”不能汇入该属性组",
			ag.Name, sector, g.ZH, g.Key, g.Article, strings.Join(g.Sources, "、"), ds.Name),
		EN: fmt.Sprintf("%s (sector: %s) is not a legal source of the base data attribute group %s (%s); under %s its legal sources are: %s. Dataset %q cannot feed the group",
			ag.Name, sectorEN, g.EN, g.Key, g.Article, strings.Join(g.Sources, ", "), ds.Name)}
}

// errBaseForbidden refuses who may not manage the base databases.
var errBaseForbidden = apperr.New(apperr.Forbidden, "collect.base.forbidden",
	"只有辖区覆盖该数据集的公共数据主管部门审核员可以将其绑定到基础数据库", "only an authority reviewer whose jurisdiction covers the dataset may bind it to a base database")

// denyWith records the refusal in the audit trail and returns it.
func (s *Service) denyWith(ctx context.Context, a audit.Actor, ev audit.Event, err error) error {
	ev.Outcome = audit.Denied
	if ae, ok := apperr.As(err); ok {
		if ev.Detail != "" {
			ev.Detail += "; "
		}
		ev.Detail += ae.Code
	}
	if rerr := s.trail.Record(context.WithoutCancel(ctx), a, ev); rerr != nil {
		s.log.Error("audit refusal", "action", ev.Action, "err", rerr)
	}
	return err
}

// checkBinding checks that the dataset may feed the group: a key of the
// base's kind and an agency that is a legal source under the profile of
// the dataset's jurisdiction.
func (s *Service) checkBinding(ctx context.Context, ds *Dataset, group string) (BaseGroup, error) {
	g, err := s.baseGroup(group, ds.Jurisdiction)
	if err != nil {
		return g, err
	}
	if _, err := baseKeyColumns(ds, g.Base); err != nil {
		return g, err
	}
	ag, err := s.orgs.Agency(ctx, ds.AgencyID)
	if err != nil {
		return g, fmt.Errorf("agency of dataset %d: %w", ds.ID, err)
	}
	if !g.isLegalSource(ag.Sector) {
		return g, errNotLegalSource(&g, ds, ag)
	}
	return g, nil
}

// baseKeyColumns are the columns whose values make a dataset's record key
// in the base: the key of the base's kind for persons and entities, the
// whole key for the others.
func baseKeyColumns(ds *Dataset, base Base) ([]Column, error) {
	if kind, ok := baseKeyKind[base]; ok {
		if c, ok := keyOfKind(ds, kind); ok {
			return []Column{c}, nil
		}
		label := map[catalog.KeyKind][2]string{catalog.KeyResidentID: {"公民身份号码", "resident ID number"}, catalog.KeyCreditCode: {"统一社会信用代码", "unified social credit code"}}[kind]
		return nil, apperr.Invalidf("collect.base.key", "base_group",
			fmt.Sprintf("数据集“%s”没有以%s为主键的信息项，不能汇入%s", ds.Name, label[0], baseNames[base][0]),
			fmt.Sprintf("dataset %q has no key item holding a %s, so it cannot feed the base of %s", ds.Name, label[1], baseNames[base][1]))
	}
	keys := ds.Keys()
	if len(keys) == 0 {
		return nil, apperr.Invalidf("collect.base.key", "base_group",
			fmt.Sprintf("数据集“%s”没有主键，不能汇入%s", ds.Name, baseNames[base][0]),
			fmt.Sprintf("dataset %q has no key, so it cannot feed the base of %s", ds.Name, baseNames[base][1]))
	}
	return keys, nil
}

// SetBaseGroup binds the dataset to a base data attribute group, or
// unbinds it (group ""), and rebuilds the dataset's part of the base in
// the same transaction. Who may call: an authority reviewer whose
// jurisdiction covers the dataset's. The dataset needs a key of the base's
// kind (resident ID for persons, credit code for entities) and its agency's
// sector must be a legal source of the group under the rule profile of the
// dataset's jurisdiction (GD-290 §18–20, MZ §15–17).
//
// Errors: NotFound (no such dataset, or not visible), Forbidden
// collect.base.forbidden and collect.base.not_legal_source, Invalid
// collect.base.group, collect.base.key and collect.base.copy, Conflict
// collect.base.source_undefined (the profile names no source). Binding,
// unbinding and refusals are audited.
func (s *Service) SetBaseGroup(ctx context.Context, a audit.Actor, datasetID int64, group string) (Dataset, error) {
	group = strings.TrimSpace(group)
	ev := audit.Event{Action: "collect.base.bind", ObjectType: "dataset", ObjectID: strconv.FormatInt(datasetID, 10), Detail: "group " + group}
	if group == "" {
		ev.Action, ev.Detail = "collect.base.unbind", ""
	}
	ds, err := s.dataset(ctx, s.db.Read(), datasetID)
	if err != nil {
		return Dataset{}, err
	}
	if !s.canSee(ctx, a, &ds) {
		return Dataset{}, s.denyWith(ctx, a, ev, errDatasetNotFound)
	}
	if a.Role != "authority_reviewer" || !org.Covers(a.Jurisdiction, ds.Jurisdiction) {
		return Dataset{}, s.denyWith(ctx, a, ev, errBaseForbidden)
	}
	if ds.OriginID != 0 {
		return Dataset{}, s.denyWith(ctx, a, ev, apperr.Invalidf("collect.base.copy", "base_group",
			"回流数据集是上级数据的副本，不能作为基础数据的数源", "a return-flow dataset is a copy of a higher level's data and cannot be a source of base data"))
	}
	var g BaseGroup
	if group != "" {
		if g, err = s.checkBinding(ctx, &ds, group); err != nil {
			if apperr.KindOf(err) == apperr.Internal {
				return Dataset{}, err
			}
			return Dataset{}, s.denyWith(ctx, a, ev, err)
		}
	}
	err = s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE datasets SET base_group = $1, updated_at = $2 WHERE id = $3`, group, tx.Dialect.Time(tx.Now), ds.ID); err != nil {
			return err
		}
		removed, err := execCount(ctx, tx, `DELETE FROM base_records WHERE dataset_id = $1`, ds.ID)
		if err != nil {
			return err
		}
		var added int64
		if group != "" {
			ds.BaseGroup = group
			if added, err = upsertBase(ctx, tx, &ds, g.Base, 0); err != nil {
				return err
			}
		}
		if group == "" {
			ev.Detail = fmt.Sprintf("from group %s: %d base records removed", ds.BaseGroup, removed)
		} else {
			ev.Detail = fmt.Sprintf("group %s (%s, %s): %d base records removed, %d written", group, g.Article, strings.Join(g.Sources, "/"), removed, added)
		}
		return s.trail.Append(ctx, tx, a, ev)
	})
	if err != nil {
		return Dataset{}, fmt.Errorf("bind dataset %d to %q: %w", ds.ID, group, err)
	}
	return s.dataset(ctx, s.db.Read(), ds.ID)
}

// checkLegalSource refuses a load into a dataset bound to an attribute
// group whose agency is not (or no longer) a legal source of it, e.g.
// after the agency's sector changed or the profile changed. Load calls it
// before loading; the refusal has code collect.base.not_legal_source (or
// collect.base.source_undefined, collect.base.key).
func (s *Service) checkLegalSource(ctx context.Context, ds *Dataset) error {
	if ds.BaseGroup == "" {
		return nil
	}
	_, err := s.checkBinding(ctx, ds, ds.BaseGroup)
	return err
}

// execCount runs a statement and returns the rows it changed.
func execCount(ctx context.Context, tx *store.Tx, q string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// recordKeySQL is the SQL expression of a row's record key: the key
// column's text, or the key columns' texts joined by "|".
func recordKeySQL(cols []Column, alias string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "CAST(" + alias + "." + c.Name + " AS TEXT)"
	}
	return strings.Join(parts, " || '|' || ")
}

// keyNotNullSQL is the condition that every key column has a value.
func keyNotNullSQL(cols []Column, alias string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = alias + "." + c.Name + " IS NOT NULL"
	}
	return strings.Join(parts, " AND ")
}

// attributesSQL is the SQL expression of a row's attributes as a JSON
// object text: each live item's value by item name (binary items left out).
func attributesSQL(d store.Dialect, ds *Dataset, alias string) string {
	var pairs []string
	for _, c := range ds.Live() {
		if c.Item.Type == catalog.TypeBinary || c.Item.Type == catalog.TypeGeneral {
			continue
		}
		v := alias + "." + c.Name
		if d == store.SQLite && c.Item.Type == catalog.TypeLogical {
			v = "CASE WHEN " + v + " IS NULL THEN NULL WHEN " + v + " <> 0 THEN json('true') ELSE json('false') END"
		}
		pairs = append(pairs, sqlString(c.Item.Name)+", "+v)
	}
	if len(pairs) == 0 {
		return "'{}'"
	}
	// PostgreSQL functions take at most 100 arguments; SQLite's json_object
	// takes up to 1000 here, but keep both to chunks of 40 pairs.
	const per = 40
	var chunks []string
	for i := 0; i < len(pairs); i += per {
		chunk := strings.Join(pairs[i:min(i+per, len(pairs))], ", ")
		if d == store.Postgres {
			chunks = append(chunks, "jsonb_build_object("+chunk+")")
		} else {
			chunks = append(chunks, "json_object("+chunk+")")
		}
	}
	if d == store.Postgres {
		return "CAST((" + strings.Join(chunks, " || ") + ") AS TEXT)"
	}
	if len(chunks) == 1 {
		return chunks[0]
	}
	// Splice the objects' members: each chunk is a non-empty "{…}".
	inner := make([]string, len(chunks))
	for i, c := range chunks {
		inner[i] = "substr(" + c + ", 2, length(" + c + ") - 2)"
	}
	return "'{' || " + strings.Join(inner, " || ',' || ") + " || '}'"
}

// upsertBase writes the dataset's live rows into base_records, those of
// batch only when batch is not 0, in one INSERT … SELECT; a record whose
// attributes did not change keeps its time. It returns the records written.
func upsertBase(ctx context.Context, tx *store.Tx, ds *Dataset, base Base, batch int64) (int64, error) {
	keys, err := baseKeyColumns(ds, base)
	if err != nil {
		return 0, err
	}
	ts := "$1"
	if tx.Dialect == store.Postgres {
		ts = "CAST($1 AS TIMESTAMPTZ)"
	}
	where := liveWhere(tx.Dialect, "t") + " AND " + keyNotNullSQL(keys, "t")
	if batch != 0 {
		where += " AND t._batch = " + strconv.FormatInt(batch, 10)
	}
	q := `INSERT INTO base_records(base, record_key, group_key, dataset_id, agency_id, attributes, updated_at)
		SELECT ` + sqlString(string(base)) + `, ` + recordKeySQL(keys, "t") + `, ` + sqlString(ds.BaseGroup) + `, ` + strconv.FormatInt(ds.ID, 10) + `, t._agency, ` +
		attributesSQL(tx.Dialect, ds, "t") + `, ` + ts + ` FROM ` + ds.Table + ` t WHERE ` + where + `
		ON CONFLICT (base, record_key, group_key, dataset_id) DO UPDATE SET agency_id = excluded.agency_id, attributes = excluded.attributes, updated_at = excluded.updated_at
		WHERE base_records.attributes <> excluded.attributes OR base_records.agency_id <> excluded.agency_id`
	n, err := execCount(ctx, tx, q, tx.Dialect.Time(tx.Now))
	if err != nil {
		return 0, fmt.Errorf("base records of dataset %d: %w", ds.ID, err)
	}
	return n, nil
}

// refreshBase brings the base records of a bound dataset up to a batch
// that loaded, in one transaction audited as one entry: the rows the batch
// wrote are upserted, and the records of rows it deleted removed. A full
// load's batch wrote every live row, so the dataset's records are rebuilt.
// It reads the binding afresh, as it may have changed since the load.
func (s *Service) refreshBase(ctx context.Context, loaded *Dataset, b *Batch) error {
	if b.State != BatchLoaded {
		return nil
	}
	cur, err := s.dataset(ctx, s.db.Read(), loaded.ID)
	if err != nil {
		return err
	}
	ds := &cur
	if ds.BaseGroup == "" {
		return nil
	}
	g, ok := groupDefOf(ds.BaseGroup)
	if !ok {
		return fmt.Errorf("dataset %d: unknown base group %q", ds.ID, ds.BaseGroup)
	}
	keys, err := baseKeyColumns(ds, g.base)
	if err != nil {
		return err
	}
	return s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		var removed int64
		if b.Mode == ModeFull {
			removed, err = execCount(ctx, tx, `DELETE FROM base_records WHERE dataset_id = $1`, ds.ID)
		} else {
			dead := "NOT (" + liveWhere(tx.Dialect, "t") + ")"
			removed, err = execCount(ctx, tx, `DELETE FROM base_records WHERE dataset_id = $1 AND group_key = $2 AND record_key IN (SELECT `+
				recordKeySQL(keys, "t")+` FROM `+ds.Table+` t WHERE t._batch = $3 AND `+dead+` AND `+keyNotNullSQL(keys, "t")+`)`, ds.ID, ds.BaseGroup, b.ID)
		}
		if err != nil {
			return fmt.Errorf("remove base records of dataset %d: %w", ds.ID, err)
		}
		// After a full batch the base is rebuilt from every live row, not
		// only those the batch wrote: a later batch may have rewritten some.
		only := b.ID
		if b.Mode == ModeFull {
			only = 0
		}
		written, err := upsertBase(ctx, tx, ds, g.base, only)
		if err != nil {
			return err
		}
		if b.Mode == ModeFull && removed > written {
			removed -= written
		} else if b.Mode == ModeFull {
			removed = 0
		}
		return s.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "collect.base.refresh", ObjectType: "dataset", ObjectID: strconv.FormatInt(ds.ID, 10),
			Detail: fmt.Sprintf("batch %d %s into %s: %d records written, %d removed", b.ID, b.Mode, ds.BaseGroup, written, removed)})
	})
}

// BaseRecordPart is what one dataset holds on a key in one attribute group.
type BaseRecordPart struct {
	Group        string          `json:"group"`
	GroupZH      string          `json:"group_zh"`
	GroupEN      string          `json:"group_en"`
	DatasetID    int64           `json:"dataset_id"`
	DatasetName  string          `json:"dataset_name"`
	ResourceCode string          `json:"resource_code"`
	Jurisdiction string          `json:"jurisdiction_code"`
	AgencyID     int64           `json:"agency_id"`
	AgencyName   string          `json:"agency_name"`
	Attributes   json.RawMessage `json:"attributes"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// BaseRecord is the merged record of one key in a base database: what
// every attribute group holds on it, each part with its source dataset and
// agency, in the order of the articles.
type BaseRecord struct {
	Base      Base             `json:"base"`
	Key       string           `json:"key"`
	Parts     []BaseRecordPart `json:"parts"`
	UpdatedAt time.Time        `json:"updated_at"` // the latest part's
}

// keyRegion is the region code a key carries: a resident ID's first six
// digits, a credit code's characters 3–8; "" for other keys.
func keyRegion(base Base, key string) string {
	switch base {
	case BasePerson:
		if len(key) >= 6 && isDigitString(key[:6]) {
			return key[:6]
		}
	case BaseEntity:
		if len(key) >= 8 && isDigitString(key[2:8]) {
			return key[2:8]
		}
	}
	return ""
}

// baseReader reports whether the actor may read base records: authority
// reviewers and auditors.
func baseReader(a audit.Actor) bool {
	return a.Role == "authority_reviewer" || a.Role == "auditor"
}

// BaseRecord returns the merged record of a key in a base database
// (GD-290 §17). Who may call: authority reviewers and auditors. Base data
// is provincial: the province's see every key; a city's or county's see
// the keys of their region by the region code the key carries (a resident
// ID's first six digits, a credit code's characters 3–8), and, for the
// geo and licence bases whose keys carry none, the parts fed by datasets
// of their jurisdiction. The read is audited with the key; a refusal too.
//
// Errors: Forbidden collect.base.forbidden_read (role, or a key outside
// the actor's region), Invalid collect.base.base and collect.base.record_key,
// NotFound collect.base.record_not_found.
func (s *Service) BaseRecord(ctx context.Context, a audit.Actor, base, key string) (BaseRecord, error) {
	key = strings.TrimSpace(key)
	ev := audit.Event{Action: "collect.base.read", ObjectType: "base_record", ObjectID: base + ":" + key}
	b := Base(base)
	if _, ok := baseNames[b]; !ok {
		return BaseRecord{}, apperr.Invalidf("collect.base.base", "base", "基础数据库只能是 person、entity、geo 或 licence", "the base must be person, entity, geo or licence")
	}
	if key == "" || len(key) > 200 {
		return BaseRecord{}, apperr.Invalidf("collect.base.record_key", "key", "请给出1至200个字符的主键", "give a key of 1 to 200 characters")
	}
	if !baseReader(a) {
		return BaseRecord{}, s.denyWith(ctx, a, ev, apperr.New(apperr.Forbidden, "collect.base.forbidden_read",
			"只有公共数据主管部门审核员和审计员可以查阅基础数据库", "only authority reviewers and auditors may read the base databases"))
	}
	province := a.Jurisdiction == org.ProvinceCode
	region := keyRegion(b, key)
	if !province && region != "" && !ident.DivisionCovers(a.Jurisdiction, region) {
		return BaseRecord{}, s.denyWith(ctx, a, ev, apperr.New(apperr.Forbidden, "collect.base.forbidden_read",
			fmt.Sprintf("该主键的行政区划代码 %s 不在您的辖区 %s 内；基础数据由省级统一管理，市县只能查阅本辖区的记录", region, a.Jurisdiction),
			fmt.Sprintf("the key's region code %s is outside your jurisdiction %s; base data is provincial, and cities and counties read only the records of their region", region, a.Jurisdiction)))
	}
	if !province && region == "" && baseKeyKind[b] != "" {
		return BaseRecord{}, s.denyWith(ctx, a, ev, apperr.New(apperr.Forbidden, "collect.base.forbidden_read",
			"该主键不含行政区划代码，只有省级可以查阅", "the key carries no region code; only the province may read it"))
	}
	q := `SELECT r.group_key, r.dataset_id, d.name, e.resource_code, d.jurisdiction_code, r.agency_id, a.name, r.attributes, r.updated_at
		FROM base_records r JOIN datasets d ON d.id = r.dataset_id JOIN catalog_entries e ON e.id = d.entry_id JOIN agencies a ON a.id = r.agency_id
		WHERE r.base = $1 AND r.record_key = $2`
	args := []any{base, key}
	if !province && region == "" {
		q += ` AND d.jurisdiction_code LIKE $3`
		args = append(args, ident.DivisionPrefix(a.Jurisdiction)+"%")
	}
	rows, err := s.db.Read().QueryContext(ctx, q+` ORDER BY r.group_key, r.dataset_id`, args...)
	if err != nil {
		return BaseRecord{}, fmt.Errorf("base record %s %s: %w", base, key, err)
	}
	defer rows.Close()
	rec := BaseRecord{Base: b, Key: key, Parts: []BaseRecordPart{}}
	for rows.Next() {
		var p BaseRecordPart
		var attrs string
		if err := rows.Scan(&p.Group, &p.DatasetID, &p.DatasetName, &p.ResourceCode, &p.Jurisdiction, &p.AgencyID, &p.AgencyName, &attrs, &p.UpdatedAt); err != nil {
			return BaseRecord{}, err
		}
		p.Attributes = json.RawMessage(attrs)
		if g, ok := groupDefOf(p.Group); ok {
			p.GroupZH, p.GroupEN = g.zh, g.en
		}
		if p.UpdatedAt.After(rec.UpdatedAt) {
			rec.UpdatedAt = p.UpdatedAt
		}
		rec.Parts = append(rec.Parts, p)
	}
	if err := rows.Err(); err != nil {
		return BaseRecord{}, err
	}
	order := map[string]int{}
	for i, g := range baseGroupDefs {
		order[g.key] = i
	}
	slices.SortStableFunc(rec.Parts, func(x, y BaseRecordPart) int { return order[x.Group] - order[y.Group] })
	ev.Detail = fmt.Sprintf("%d parts", len(rec.Parts))
	if err := s.trail.Record(ctx, a, ev); err != nil {
		return BaseRecord{}, err
	}
	if len(rec.Parts) == 0 {
		return BaseRecord{}, apperr.New(apperr.NotFound, "collect.base.record_not_found", "基础数据库中没有该主键的记录", "the base database has no record with this key")
	}
	return rec, nil
}

// BaseGroupStats is the state of one attribute group of a base database.
type BaseGroupStats struct {
	BaseGroup
	Records    int64      `json:"records"`  // distinct keys
	Datasets   int        `json:"datasets"` // datasets bound to the group
	Agencies   []string   `json:"agencies"` // their agencies, by name
	LastUpdate *time.Time `json:"last_update,omitempty"`
}

// BaseStats returns, per base and attribute group (with its legal sources
// under the actor's profile), the records, the bound datasets, their
// agencies and the last update, over the datasets of the actor's
// jurisdiction (the whole node for the province). Who may call: authority
// reviewers and auditors; others get Forbidden. Audited.
func (s *Service) BaseStats(ctx context.Context, a audit.Actor) ([]BaseGroupStats, error) {
	ev := audit.Event{Action: "collect.base.stats", ObjectType: "base"}
	if !baseReader(a) {
		return nil, s.denyWith(ctx, a, ev, apperr.New(apperr.Forbidden, "collect.base.forbidden_read",
			"只有公共数据主管部门审核员和审计员可以查阅基础数据库", "only authority reviewers and auditors may read the base databases"))
	}
	prefix := ident.DivisionPrefix(a.Jurisdiction) + "%"
	groups := s.BaseGroups(a.Jurisdiction)
	out := make([]BaseGroupStats, len(groups))
	at := map[string]*BaseGroupStats{}
	for i, g := range groups {
		out[i] = BaseGroupStats{BaseGroup: g, Agencies: []string{}}
		at[g.Key] = &out[i]
	}
	rd := s.db.Read()
	rows, err := rd.QueryContext(ctx, `SELECT r.group_key, count(DISTINCT r.record_key), max(r.updated_at) FROM base_records r JOIN datasets d ON d.id = r.dataset_id
		WHERE d.jurisdiction_code LIKE $1 GROUP BY r.group_key`, prefix)
	if err != nil {
		return nil, fmt.Errorf("base stats: %w", err)
	}
	for rows.Next() {
		var g string
		var n int64
		var last any
		if err := rows.Scan(&g, &n, &last); err != nil {
			rows.Close()
			return nil, err
		}
		if st := at[g]; st != nil {
			st.Records, st.LastUpdate = n, timeOfDB(last)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = rd.QueryContext(ctx, `SELECT d.base_group, a.name FROM datasets d JOIN agencies a ON a.id = d.agency_id
		WHERE d.base_group <> '' AND d.jurisdiction_code LIKE $1 ORDER BY d.id`, prefix)
	if err != nil {
		return nil, fmt.Errorf("base stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g, agency string
		if err := rows.Scan(&g, &agency); err != nil {
			return nil, err
		}
		if st := at[g]; st != nil {
			st.Datasets++
			if !slices.Contains(st.Agencies, agency) {
				st.Agencies = append(st.Agencies, agency)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.trail.Record(ctx, a, ev)
}

// timeOfDB reads a time an aggregate returned: a time.Time on PostgreSQL,
// the stored text on SQLite (which loses the column's type in max()).
func timeOfDB(v any) *time.Time {
	switch x := v.(type) {
	case time.Time:
		return &x
	case string:
		for _, layout := range []string{"2006-01-02T15:04:05.000000Z", time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00"} {
			if t, err := time.Parse(layout, x); err == nil {
				return &t
			}
		}
	case []byte:
		return timeOfDB(string(x))
	}
	return nil
}
