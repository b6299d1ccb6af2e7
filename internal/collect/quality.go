package collect

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/ident"
	"pubdata/internal/org"
	"pubdata/internal/procedure"
	"pubdata/internal/rules"
	"pubdata/internal/store"
)

// Quality (GD-290 §16 完整性、准确性、一致性和时效性; §17 数据治理; HZ §19–20).
//
// A dataset's quality is measured after each load and by the freshness
// watch, over its live rows, in four dimensions from 0 to 1:
//
//   - completeness: the share of required cells filled (required and key
//     items × live rows), times the share of the rows the last load's source
//     declared that arrived (when it declared any);
//   - accuracy: 1 − rejected rows / rows read over the last 10 batches that
//     read rows, times 1 − flagged rows / live rows for the reference checks
//     the row validator cannot make on one value: a birth date or sex that
//     disagrees with the row's resident ID number (GB 11643 encodes both), and
//     a division code (GB/T 2260) outside the dataset's jurisdiction;
//   - consistency: 1 − mismatches / comparisons of the same data element
//     for the same person or entity (joined on resident ID number or credit
//     code) across every other dataset of the node;
//   - timeliness: 1 while the last successful load is within the update
//     frequency's allowance (collect.freshness.hours.*), falling linearly to
//     0 at twice the allowance.
//
// The score is their weighted mean, 0–100. A score below the profile's
// collect.quality.threshold, or any cross-dataset mismatch, opens one
// rectification case (quality_rectify) against the agency while none is open.

// The weights of the score's dimensions; they add up to 1.
const (
	WeightCompleteness = 0.3
	WeightAccuracy     = 0.3
	WeightConsistency  = 0.2
	WeightTimeliness   = 0.2
)

const (
	accuracyBatches = 10 // recent batches whose rejections count against accuracy
	maxWorstPairs   = 5  // dataset pairs kept in a snapshot's details
	maxProblems     = 10 // problems kept in a snapshot's details
	historyDays     = 90 // days of an agency's history
)

// The problem and check codes of a snapshot's details.
const (
	ProblemMissing      = "collect.quality.missing"            // a required item left empty
	ProblemRowsShort    = "collect.quality.rows_short"         // fewer rows than the source declared
	ProblemRejected     = "collect.quality.rejected"           // rows rejected in recent batches
	ProblemBirthDate    = "collect.quality.birth_date_id"      // birth date disagrees with the resident ID
	ProblemSex          = "collect.quality.sex_id"             // sex disagrees with the resident ID
	ProblemDivision     = "collect.quality.division_elsewhere" // division code outside the jurisdiction
	ProblemInconsistent = "collect.quality.inconsistent"       // disagrees with another agency's dataset
	ProblemLate         = "collect.quality.late"               // not updated at the catalog frequency
)

// QualitySnapshot is one measurement of a dataset.
type QualitySnapshot struct {
	ID           int64          `json:"id"`
	DatasetID    int64          `json:"dataset_id"`
	AgencyID     int64          `json:"agency_id"`
	BatchID      int64          `json:"batch_id,omitempty"` // the load that prompted it; 0 for the watch or on demand
	MeasuredAt   time.Time      `json:"measured_at"`
	Completeness float64        `json:"completeness"`
	Accuracy     float64        `json:"accuracy"`
	Consistency  float64        `json:"consistency"`
	Timeliness   float64        `json:"timeliness"`
	Score        float64        `json:"score"` // 0–100
	Details      QualityDetails `json:"details"`
}

// QualityDetails are the figures behind a snapshot and its top problems.
// They never hold a row's values.
type QualityDetails struct {
	Weights      map[string]float64  `json:"weights"`
	Threshold    int                 `json:"threshold"`
	Completeness CompletenessFigures `json:"completeness"`
	Accuracy     AccuracyFigures     `json:"accuracy"`
	Consistency  ConsistencyFigures  `json:"consistency"`
	Timeliness   TimelinessFigures   `json:"timeliness"`
	Problems     []QualityProblem    `json:"problems,omitempty"`
	CaseID       int64               `json:"case_id,omitempty"` // the open rectification case, if any
}

// CompletenessFigures are the completeness dimension's counts.
type CompletenessFigures struct {
	LiveRows     int64       `json:"live_rows"`
	Missing      []ItemCount `json:"missing,omitempty"` // per required item, rows without a value
	Cells        int64       `json:"cells"`             // live rows × required items
	Filled       int64       `json:"filled"`
	FieldShare   float64     `json:"field_share"`
	ExpectedRows int64       `json:"expected_rows,omitempty"` // declared by the last load's source
	ReceivedRows int64       `json:"received_rows,omitempty"` // read in that load
	RowShare     *float64    `json:"row_share,omitempty"`
}

// ItemCount is a number of rows for one item.
type ItemCount struct {
	Item string `json:"item"`
	Rows int64  `json:"rows"`
}

// AccuracyFigures are the accuracy dimension's counts.
type AccuracyFigures struct {
	Batches        int          `json:"batches"`
	RowsRead       int64        `json:"rows_read"`
	RowsRejected   int64        `json:"rows_rejected"`
	BatchShare     float64      `json:"batch_share"`
	CheckedRows    int64        `json:"checked_rows"`
	FlaggedRows    int64        `json:"flagged_rows"`
	Checks         []CheckCount `json:"checks,omitempty"`
	ReferenceShare float64      `json:"reference_share"`
	// IDsElsewhere counts resident ID numbers whose address code lies
	// outside the dataset's jurisdiction. It is shown, not scored: the code
	// is where the number was first issued and stays when people move.
	IDsElsewhere int64 `json:"ids_elsewhere,omitempty"`
}

// CheckCount is how many live rows a reference check flagged.
type CheckCount struct {
	Code string `json:"code"`
	Item string `json:"item"`
	Rows int64  `json:"rows"`
}

// ConsistencyFigures are the consistency dimension's counts.
type ConsistencyFigures struct {
	Pairs      int           `json:"pairs"` // other datasets compared
	Compared   int64         `json:"compared"`
	Mismatched int64         `json:"mismatched"`
	Worst      []PairFigures `json:"worst,omitempty"`
}

// PairFigures is the comparison with one other dataset.
type PairFigures struct {
	DatasetID  int64            `json:"dataset_id"`
	Name       string           `json:"name"`
	AgencyID   int64            `json:"agency_id"`
	AgencyName string           `json:"agency_name"`
	KeyKind    catalog.KeyKind  `json:"key_kind"`
	Joined     int64            `json:"joined"` // live rows with the same key
	Compared   int64            `json:"compared"`
	Mismatched int64            `json:"mismatched"`
	Items      []ItemComparison `json:"items"`
}

// ItemComparison is one data element compared across a pair.
type ItemComparison struct {
	Item       string `json:"item"`
	OtherItem  string `json:"other_item"`
	Compared   int64  `json:"compared"`
	Mismatched int64  `json:"mismatched"`
}

// TimelinessFigures are the timeliness dimension's figures.
type TimelinessFigures struct {
	UpdateFreq     catalog.UpdateFreq `json:"update_freq"`
	AllowanceHours int                `json:"allowance_hours,omitempty"` // 0: no allowance (irregular)
	Since          time.Time          `json:"since"`                     // the last successful load, or the creation
	NeverLoaded    bool               `json:"never_loaded,omitempty"`
	AgeHours       float64            `json:"age_hours"`
}

// QualityProblem is one of a snapshot's top problems.
type QualityProblem struct {
	Dimension string `json:"dimension"`
	Code      string `json:"code"`
	Rows      int64  `json:"rows,omitempty"`
	ZH        string `json:"zh"`
	EN        string `json:"en"`
}

// QualityRectify is the rectification (数据治理整改) the data authority
// asks of an agency whose dataset's quality fell below the profile's
// threshold or disagrees with another agency's data (GD-290 §16–17, HZ
// §19–20): the agency reports its measures within the deadline; the
// authority accepts them or sends the case back. Opened by the quality
// measurement, never through the generic API.
var QualityRectify = &procedure.Kind{
	Name: "quality_rectify", ZH: "数据治理整改", EN: "Data quality rectification",
	Basis: "GD-290 §16, GD-290 §17, HZ §20", Initial: "pending", DomainOnly: true,
	States: []procedure.StateDef{
		{Name: "pending", ZH: "待整改", EN: "Rectification owed", Deadline: "collect.quality.rectify", Owes: procedure.Respondent},
		{Name: "rectified", ZH: "已整改，待验收", EN: "Rectified, awaiting acceptance"},
		{Name: "accepted", ZH: "已验收", EN: "Accepted", Terminal: true},
	},
	Transitions: []procedure.Transition{
		{Action: "rectify", ZH: "提交整改情况", EN: "Report rectification", From: []procedure.State{"pending"}, To: "rectified", By: procedure.Respondent,
			Roles: []string{"agency_officer"}, Requires: []string{"measures"}},
		{Action: "accept", ZH: "验收通过", EN: "Accept", From: []procedure.State{"rectified"}, To: "accepted", By: procedure.Applicant, Roles: []string{"authority_reviewer"}},
		{Action: "reopen", ZH: "退回重新整改", EN: "Reopen", From: []procedure.State{"rectified"}, To: "pending", By: procedure.Applicant,
			Roles: []string{"authority_reviewer"}, Requires: []string{"reasons"}},
	},
	Fields: []procedure.Field{
		{Name: "measures", ZH: "整改措施", EN: "Measures taken"},
		{Name: "reasons", ZH: "退回理由", EN: "Reasons"},
	},
}

// registerKinds registers the collection layer's procedures with the engine.
func (s *Service) registerKinds() {
	if _, ok := s.cases.Kind(QualityRectify.Name); !ok {
		if err := s.cases.Register(QualityRectify); err != nil {
			panic(err)
		}
	}
}

// measureAfterLoad measures the dataset after a load, in its own transaction.
func (s *Service) measureAfterLoad(ctx context.Context, ds *Dataset, b *Batch) error {
	_, err := s.Measure(ctx, ds, b.ID)
	return err
}

// Measure measures the dataset's quality now, records the snapshot and the
// dataset's score, and opens a rectification case when the score is below
// the profile's threshold or the data disagrees with another dataset and
// no such case is open for the dataset — all in one transaction. batchID
// names the load that prompted it (0: none). ds is re-read; its
// QualityScore is updated. For the system (after a load, the watch); it
// checks no actor.
func (s *Service) Measure(ctx context.Context, ds *Dataset, batchID int64) (QualitySnapshot, error) {
	return s.measure(ctx, ds, batchID, s.now())
}

func (s *Service) measure(ctx context.Context, ds *Dataset, batchID int64, now time.Time) (QualitySnapshot, error) {
	if ds == nil {
		return QualitySnapshot{}, errors.New("collect: measure: no dataset")
	}
	d, err := s.dataset(ctx, s.db.Read(), ds.ID)
	if err != nil {
		return QualitySnapshot{}, err
	}
	prof := s.rules.ForJurisdiction(d.Jurisdiction)
	if prof == nil {
		return QualitySnapshot{}, fmt.Errorf("collect: no rule profile covers jurisdiction %s", d.Jurisdiction)
	}
	threshold, err := prof.Number("collect.quality.threshold")
	if err != nil {
		return QualitySnapshot{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	q := QualitySnapshot{DatasetID: d.ID, AgencyID: d.AgencyID, BatchID: batchID, MeasuredAt: now}
	det := &q.Details
	det.Threshold = threshold
	det.Weights = map[string]float64{"completeness": WeightCompleteness, "accuracy": WeightAccuracy, "consistency": WeightConsistency, "timeliness": WeightTimeliness}

	if err := s.measureRows(ctx, &d, det); err != nil {
		return q, err
	}
	if err := s.measureBatches(ctx, &d, det); err != nil {
		return q, err
	}
	if err := s.measureConsistency(ctx, &d, det); err != nil {
		return q, err
	}
	q.Timeliness = measureTimeliness(prof, &d, now, &det.Timeliness)

	c := &det.Completeness
	q.Completeness = c.FieldShare
	if c.RowShare != nil {
		q.Completeness *= *c.RowShare
	}
	q.Accuracy = det.Accuracy.BatchShare * det.Accuracy.ReferenceShare
	q.Consistency = 1
	if det.Consistency.Compared > 0 {
		q.Consistency = 1 - float64(det.Consistency.Mismatched)/float64(det.Consistency.Compared)
	}
	q.Completeness, q.Accuracy, q.Consistency, q.Timeliness = round(q.Completeness, 4), round(q.Accuracy, 4), round(q.Consistency, 4), round(q.Timeliness, 4)
	q.Score = round(100*(WeightCompleteness*q.Completeness+WeightAccuracy*q.Accuracy+WeightConsistency*q.Consistency+WeightTimeliness*q.Timeliness), 2)
	det.Problems = problems(&d, &q)

	var applicant int64 // the authority that asks for rectification, when it is due
	if d.OriginID == 0 && (q.Score < float64(threshold) || det.Consistency.Mismatched > 0) {
		if applicant, err = s.rectifier(ctx, &d); err != nil {
			// The snapshot is still worth keeping; the next measurement retries.
			s.log.Error("quality rectification: no authority", "dataset", d.ID, "err", err)
		}
	}
	err = s.db.WriteAt(ctx, now, func(tx *store.Tx) error {
		if tx.Dialect == store.Postgres {
			// One measurement of a dataset at a time, so that two loads
			// cannot both open its rectification case.
			if _, err := tx.ExecContext(ctx, `SELECT id FROM datasets WHERE id = $1 FOR UPDATE`, d.ID); err != nil {
				return err
			}
		}
		caseID, err := openRectifyCase(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if caseID == 0 && applicant != 0 {
			c, err := s.openRectify(ctx, tx, &d, &q, applicant)
			if err != nil {
				return err
			}
			caseID = c.ID
		}
		det.CaseID = caseID
		doc, err := json.Marshal(det)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO quality_snapshots(dataset_id, agency_id, batch_id, measured_at, completeness, accuracy, consistency, timeliness, score, details)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`, d.ID, d.AgencyID, nullInt(batchID), tx.Dialect.Time(now),
			q.Completeness, q.Accuracy, q.Consistency, q.Timeliness, q.Score, string(doc)).Scan(&q.ID); err != nil {
			return fmt.Errorf("quality snapshot of dataset %d: %w", d.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE datasets SET quality_score = $1 WHERE id = $2`, q.Score, d.ID); err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "collect.quality.measure", ObjectType: "dataset", ObjectID: strconv.FormatInt(d.ID, 10),
			Detail: fmt.Sprintf("snapshot %d: score %.2f (completeness %.4f, accuracy %.4f, consistency %.4f, timeliness %.4f)", q.ID, q.Score, q.Completeness, q.Accuracy, q.Consistency, q.Timeliness)})
	})
	if err != nil {
		return QualitySnapshot{}, err
	}
	score := q.Score
	ds.QualityScore = &score
	return q, nil
}

func nullInt(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func round(x float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(x*p) / p
}

// liveWhere is the condition that a row of the table (alias, may be "") is not deleted.
func liveWhere(d store.Dialect, alias string) string {
	if alias != "" {
		alias += "."
	}
	if d == store.Postgres {
		return "NOT " + alias + "_deleted"
	}
	return alias + "_deleted = 0"
}

// element is the data element an item carries: its Element, or its name.
func element(it catalog.Item) string {
	if e := strings.TrimSpace(it.Element); e != "" {
		return e
	}
	return strings.TrimSpace(it.Name)
}

// residentIDColumn is the key column holding the row's resident ID number, if any.
func residentIDColumn(d *Dataset) (Column, bool) {
	for _, c := range d.Keys() {
		if c.Item.ValueFormat() == catalog.FormatResidentID {
			return c, true
		}
	}
	return Column{}, false
}

// refCheck is one reference check on the live rows: a condition true for
// a flagged row.
type refCheck struct {
	code string
	item string
	cond string
}

// referenceChecks are the checks of the live rows that need more than one
// value, or the dataset's jurisdiction.
func referenceChecks(dia store.Dialect, d *Dataset) []refCheck {
	var out []refCheck
	idc, hasID := residentIDColumn(d)
	prefix := ident.DivisionPrefix(d.Jurisdiction)
	for _, c := range d.Live() {
		text := sqlType(dia, c.Item.Type) == "TEXT"
		switch {
		case hasID && c.Name != idc.Name && element(c.Item) == "出生日期" && c.Item.Type == catalog.TypeDate:
			out = append(out, refCheck{ProblemBirthDate, c.Item.Name,
				fmt.Sprintf("%s IS NOT NULL AND %s IS NOT NULL AND replace(CAST(%s AS TEXT), '-', '') <> substr(%s, 7, 8)", idc.Name, c.Name, c.Name, idc.Name)})
		case hasID && c.Name != idc.Name && element(c.Item) == "性别" && (text || c.Item.Type == catalog.TypeInteger):
			v := "CAST(" + c.Name + " AS TEXT)"
			out = append(out, refCheck{ProblemSex, c.Item.Name,
				fmt.Sprintf("%s IS NOT NULL AND ((%s IN ('男', '1') AND substr(%s, 17, 1) IN ('0', '2', '4', '6', '8')) OR (%s IN ('女', '2') AND substr(%s, 17, 1) IN ('1', '3', '5', '7', '9')))",
					idc.Name, v, idc.Name, v, idc.Name)})
		case c.Item.ValueFormat() == catalog.FormatDivision && text && isDigitString(prefix):
			out = append(out, refCheck{ProblemDivision, c.Item.Name,
				fmt.Sprintf("%s IS NOT NULL AND %s <> '' AND substr(%s, 1, %d) <> '%s'", c.Name, c.Name, c.Name, len(prefix), prefix)})
		}
	}
	return out
}

// measureRows reads the live rows once: required cells filled, reference
// checks, resident IDs issued elsewhere.
func (s *Service) measureRows(ctx context.Context, d *Dataset, det *QualityDetails) error {
	dia := s.db.Dialect
	var required []Column
	for _, c := range d.Live() {
		if c.Item.Required || c.Item.Key {
			required = append(required, c)
		}
	}
	checks := referenceChecks(dia, d)
	exprs := []string{"COUNT(*)"}
	for _, c := range required {
		cond := c.Name + " IS NULL"
		if sqlType(dia, c.Item.Type) == "TEXT" {
			cond += " OR " + c.Name + " = ''"
		}
		exprs = append(exprs, "COALESCE(SUM(CASE WHEN "+cond+" THEN 1 ELSE 0 END), 0)")
	}
	conds := make([]string, len(checks))
	for i, ch := range checks {
		exprs = append(exprs, "COALESCE(SUM(CASE WHEN "+ch.cond+" THEN 1 ELSE 0 END), 0)")
		conds[i] = "(" + ch.cond + ")"
	}
	if len(checks) > 0 {
		exprs = append(exprs, "COALESCE(SUM(CASE WHEN "+strings.Join(conds, " OR ")+" THEN 1 ELSE 0 END), 0)")
	}
	idc, hasID := residentIDColumn(d)
	prefix := ident.DivisionPrefix(d.Jurisdiction)
	elsewhere := hasID && isDigitString(prefix)
	if elsewhere {
		exprs = append(exprs, fmt.Sprintf("COALESCE(SUM(CASE WHEN substr(%s, 1, %d) <> '%s' THEN 1 ELSE 0 END), 0)", idc.Name, len(prefix), prefix))
	}
	vals := make([]int64, len(exprs))
	ptrs := make([]any, len(exprs))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := s.db.Read().QueryRowContext(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM "+d.Table+" WHERE "+liveWhere(dia, "")).Scan(ptrs...); err != nil {
		return fmt.Errorf("measure rows of dataset %d: %w", d.ID, err)
	}
	live := vals[0]
	i := 1
	c := &det.Completeness
	c.LiveRows = live
	c.Cells = live * int64(len(required))
	var missing int64
	for _, col := range required {
		if vals[i] > 0 {
			c.Missing = append(c.Missing, ItemCount{Item: col.Item.Name, Rows: vals[i]})
		}
		missing += vals[i]
		i++
	}
	c.Filled = c.Cells - missing
	c.FieldShare = 1
	if c.Cells > 0 {
		c.FieldShare = float64(c.Filled) / float64(c.Cells)
	}
	a := &det.Accuracy
	a.CheckedRows = live
	for _, ch := range checks {
		if vals[i] > 0 {
			a.Checks = append(a.Checks, CheckCount{Code: ch.code, Item: ch.item, Rows: vals[i]})
		}
		i++
	}
	if len(checks) > 0 {
		a.FlaggedRows = vals[i]
		i++
	}
	if elsewhere {
		a.IDsElsewhere = vals[i]
	}
	a.ReferenceShare = 1
	if live > 0 {
		a.ReferenceShare = 1 - float64(a.FlaggedRows)/float64(live)
	}
	return nil
}

// measureBatches reads the recent batches: rows rejected against rows read,
// and the rows the last load's source declared.
func (s *Service) measureBatches(ctx context.Context, d *Dataset, det *QualityDetails) error {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+batchColumns+` FROM dataset_batches WHERE dataset_id = $1 AND state IN ('loaded', 'rejected')
		ORDER BY id DESC LIMIT `+strconv.Itoa(accuracyBatches), d.ID)
	if err != nil {
		return fmt.Errorf("recent batches of dataset %d: %w", d.ID, err)
	}
	var recent []Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			rows.Close()
			return err
		}
		recent = append(recent, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	a := &det.Accuracy
	a.Batches = len(recent)
	var last *Batch
	for i := range recent {
		b := &recent[i]
		read, bad := batchRows(b)
		a.RowsRead += read
		a.RowsRejected += bad
		if last == nil && b.State == BatchLoaded {
			last = b
		}
	}
	a.BatchShare = 1
	if a.RowsRead > 0 {
		a.BatchShare = 1 - float64(a.RowsRejected)/float64(a.RowsRead)
	}
	if last == nil && d.LastBatchID != 0 {
		b, err := scanBatch(s.db.Read().QueryRowContext(ctx, `SELECT `+batchColumns+` FROM dataset_batches WHERE id = $1`, d.LastBatchID))
		if err != nil {
			return fmt.Errorf("last batch of dataset %d: %w", d.ID, err)
		}
		last = &b
	}
	if last != nil && last.ExpectedRows > 0 {
		c := &det.Completeness
		c.ExpectedRows, c.ReceivedRows = last.ExpectedRows, last.RowsRead
		share := min(1, float64(last.RowsRead)/float64(last.ExpectedRows))
		c.RowShare = &share
	}
	return nil
}

// batchRows returns the rows a batch read and how many of them were
// rejected: the distinct rows its rejections name (at least ErrorCount
// when they were cut short), or the whole input when it could not be read.
func batchRows(b *Batch) (read, bad int64) {
	if b.State == BatchLoaded {
		return b.RowsRead, 0
	}
	read = b.RowsRead
	seen := map[int]bool{}
	whole := false
	for _, r := range b.Errors {
		if r.Row > 0 {
			seen[r.Row] = true
		} else {
			whole = true
		}
	}
	bad = int64(len(seen))
	if int64(len(b.Errors)) < b.ErrorCount {
		bad = max(bad, min(b.ErrorCount, read))
	}
	if whole || bad == 0 {
		read = max(read, 1)
		bad = read
	}
	return read, min(bad, read)
}

// measureConsistency compares the dataset with every other dataset of the
// node keyed by the same kind of identifier (resident ID number, credit
// code) that carries a data element it carries: one join per pair, each
// counting the joined live rows whose values differ where both are filled.
func (s *Service) measureConsistency(ctx context.Context, d *Dataset, det *QualityDetails) error {
	dia := s.db.Dialect
	cons := &det.Consistency
	var pairs []PairFigures
	for _, kind := range []catalog.KeyKind{catalog.KeyResidentID, catalog.KeyCreditCode} {
		mine, ok := keyOfKind(d, kind)
		if !ok {
			continue
		}
		others, err := s.keyedDatasets(ctx, d, kind)
		if err != nil {
			return err
		}
		for _, o := range others {
			theirs, ok := keyOfKind(&o, kind)
			if !ok {
				continue
			}
			byElem := map[string]Column{}
			for _, c := range o.Live() {
				if c.Name == theirs.Name || c.Item.Key {
					continue
				}
				if _, dup := byElem[element(c.Item)]; !dup {
					byElem[element(c.Item)] = c
				}
			}
			type match struct{ a, b Column }
			var ms []match
			for _, c := range d.Live() {
				if c.Item.Key {
					continue
				}
				if oc, ok := byElem[element(c.Item)]; ok {
					ms = append(ms, match{c, oc})
				}
			}
			if len(ms) == 0 {
				continue
			}
			exprs := []string{"COUNT(*)"}
			for _, m := range ms {
				both := "a." + m.a.Name + " IS NOT NULL AND b." + m.b.Name + " IS NOT NULL"
				differ := "a." + m.a.Name + " <> b." + m.b.Name
				if sqlType(dia, m.a.Item.Type) != sqlType(dia, m.b.Item.Type) {
					differ = "CAST(a." + m.a.Name + " AS TEXT) <> CAST(b." + m.b.Name + " AS TEXT)"
				}
				exprs = append(exprs, "COALESCE(SUM(CASE WHEN "+both+" THEN 1 ELSE 0 END), 0)", "COALESCE(SUM(CASE WHEN "+both+" AND "+differ+" THEN 1 ELSE 0 END), 0)")
			}
			vals := make([]int64, len(exprs))
			ptrs := make([]any, len(exprs))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + d.Table + " a JOIN " + o.Table + " b ON b." + theirs.Name + " = a." + mine.Name +
				" WHERE " + liveWhere(dia, "a") + " AND " + liveWhere(dia, "b")
			if err := s.db.Read().QueryRowContext(ctx, q).Scan(ptrs...); err != nil {
				return fmt.Errorf("compare dataset %d with %d: %w", d.ID, o.ID, err)
			}
			p := PairFigures{DatasetID: o.ID, Name: o.Name, AgencyID: o.AgencyID, AgencyName: o.AgencyName, KeyKind: kind, Joined: vals[0]}
			for i, m := range ms {
				ic := ItemComparison{Item: m.a.Item.Name, OtherItem: m.b.Item.Name, Compared: vals[1+2*i], Mismatched: vals[2+2*i]}
				p.Compared += ic.Compared
				p.Mismatched += ic.Mismatched
				p.Items = append(p.Items, ic)
			}
			cons.Pairs++
			cons.Compared += p.Compared
			cons.Mismatched += p.Mismatched
			if p.Mismatched > 0 {
				pairs = append(pairs, p)
			}
		}
	}
	slices.SortFunc(pairs, func(x, y PairFigures) int {
		if c := cmp.Compare(y.Mismatched, x.Mismatched); c != 0 {
			return c
		}
		return cmp.Compare(x.DatasetID, y.DatasetID)
	})
	if len(pairs) > maxWorstPairs {
		pairs = pairs[:maxWorstPairs]
	}
	cons.Worst = pairs
	return nil
}

// keyOfKind returns the dataset's live key column of the identifier kind.
func keyOfKind(d *Dataset, kind catalog.KeyKind) (Column, bool) {
	for _, c := range d.Keys() {
		if c.Item.KeyKind == kind {
			return c, true
		}
	}
	return Column{}, false
}

// keyedDatasets returns the node's other datasets with rows and a key of
// the kind, leaving out return-flow copies and the dataset's own origin.
func (s *Service) keyedDatasets(ctx context.Context, d *Dataset, kind catalog.KeyKind) ([]Dataset, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+datasetColumns+datasetFrom+` WHERE d.id <> $1 AND d.id <> $2 AND d.origin_dataset_id IS NULL AND d.row_count > 0
		AND d.columns LIKE $3 ORDER BY d.id`, d.ID, d.OriginID, `%"key_kind":"`+string(kind)+`"%`)
	if err != nil {
		return nil, fmt.Errorf("datasets keyed by %s: %w", kind, err)
	}
	defer rows.Close()
	var out []Dataset
	for rows.Next() {
		o, err := scanDataset(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// problems lists the snapshot's top problems, those of the dimension that
// cost the most points first.
func problems(d *Dataset, q *QualitySnapshot) []QualityProblem {
	det := &q.Details
	loss := map[string]float64{
		"completeness": WeightCompleteness * (1 - q.Completeness),
		"accuracy":     WeightAccuracy * (1 - q.Accuracy),
		"consistency":  WeightConsistency * (1 - q.Consistency),
		"timeliness":   WeightTimeliness * (1 - q.Timeliness),
	}
	var out []QualityProblem
	add := func(dim, code string, rows int64, zh, en string) {
		out = append(out, QualityProblem{Dimension: dim, Code: code, Rows: rows, ZH: zh, EN: en})
	}
	c := &det.Completeness
	for _, m := range c.Missing {
		add("completeness", ProblemMissing, m.Rows, fmt.Sprintf("必填信息项“%s”有 %d 行未填写", m.Item, m.Rows), fmt.Sprintf("required item %s is empty in %d rows", m.Item, m.Rows))
	}
	if c.RowShare != nil && *c.RowShare < 1 {
		add("completeness", ProblemRowsShort, c.ExpectedRows-c.ReceivedRows, fmt.Sprintf("最近一次加载声明 %d 行，实收 %d 行", c.ExpectedRows, c.ReceivedRows),
			fmt.Sprintf("the last load declared %d rows and delivered %d", c.ExpectedRows, c.ReceivedRows))
	}
	a := &det.Accuracy
	if a.RowsRejected > 0 {
		add("accuracy", ProblemRejected, a.RowsRejected, fmt.Sprintf("最近 %d 个批次读取 %d 行，其中 %d 行未通过校验", a.Batches, a.RowsRead, a.RowsRejected),
			fmt.Sprintf("%d of the %d rows read in the last %d batches were rejected", a.RowsRejected, a.RowsRead, a.Batches))
	}
	for _, ch := range a.Checks {
		var zh, en string
		switch ch.Code {
		case ProblemBirthDate:
			zh, en = fmt.Sprintf("%d 行的“%s”与公民身份号码中的出生日期不符", ch.Rows, ch.Item), fmt.Sprintf("%s disagrees with the resident ID's birth date in %d rows", ch.Item, ch.Rows)
		case ProblemSex:
			zh, en = fmt.Sprintf("%d 行的“%s”与公民身份号码中的性别不符", ch.Rows, ch.Item), fmt.Sprintf("%s disagrees with the resident ID's sex in %d rows", ch.Item, ch.Rows)
		case ProblemDivision:
			zh, en = fmt.Sprintf("%d 行的“%s”不在本数据集所属行政区划（%s）内", ch.Rows, ch.Item, d.Jurisdiction),
				fmt.Sprintf("%s lies outside the dataset's jurisdiction %s in %d rows", ch.Item, d.Jurisdiction, ch.Rows)
		}
		add("accuracy", ch.Code, ch.Rows, zh, en)
	}
	for _, p := range det.Consistency.Worst {
		var names []string
		for _, it := range p.Items {
			if it.Mismatched > 0 {
				names = append(names, it.Item)
			}
		}
		add("consistency", ProblemInconsistent, p.Mismatched,
			fmt.Sprintf("与%s“%s”的同一主体数据有 %d 处不一致（%s）", p.AgencyName, p.Name, p.Mismatched, strings.Join(names, "、")),
			fmt.Sprintf("%d values (%s) disagree with %s's dataset %s for the same person or entity", p.Mismatched, strings.Join(names, ", "), p.AgencyName, p.Name))
	}
	t := &det.Timeliness
	if t.AllowanceHours > 0 && t.AgeHours > float64(t.AllowanceHours) {
		zhFreq := catalog.Label(string(t.UpdateFreq), "", "zh")
		add("timeliness", ProblemLate, 0, fmt.Sprintf("距最近一次成功加载已 %.0f 小时，超过更新频率“%s”允许的 %d 小时", t.AgeHours, zhFreq, t.AllowanceHours),
			fmt.Sprintf("%.0f hours since the last successful load, beyond the %d hours a %s dataset is allowed", t.AgeHours, t.AllowanceHours, t.UpdateFreq))
	}
	slices.SortStableFunc(out, func(x, y QualityProblem) int {
		if c := cmp.Compare(loss[y.Dimension], loss[x.Dimension]); c != 0 {
			return c
		}
		return cmp.Compare(y.Rows, x.Rows)
	})
	if len(out) > maxProblems {
		out = out[:maxProblems]
	}
	return out
}

// openRectifyCase returns the open rectification case of the dataset, or 0.
func openRectifyCase(ctx context.Context, tx *store.Tx, datasetID int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM cases WHERE kind = $1 AND object_type = 'dataset' AND object_id = $2 AND NOT closed ORDER BY id DESC LIMIT 1`,
		QualityRectify.Name, strconv.FormatInt(datasetID, 10)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// rectifier returns the authority that asks for a dataset's rectification:
// the authority of its jurisdiction, or the one above when the dataset is
// that authority's own; 0 for the provincial authority's own datasets,
// which have no authority above them on the platform (their score stays on
// the dashboard).
func (s *Service) rectifier(ctx context.Context, d *Dataset) (int64, error) {
	auth, err := s.orgs.Authority(ctx, d.Jurisdiction)
	if err != nil {
		return 0, fmt.Errorf("authority of %s: %w", d.Jurisdiction, err)
	}
	if auth.ID != d.AgencyID {
		return auth.ID, nil
	}
	j, err := s.orgs.Jurisdiction(ctx, d.Jurisdiction)
	if err != nil || j.ParentCode == "" {
		return 0, err
	}
	if auth, err = s.orgs.Authority(ctx, j.ParentCode); err != nil {
		return 0, fmt.Errorf("authority of %s: %w", j.ParentCode, err)
	}
	return auth.ID, nil
}

// openRectify opens the rectification case of a dataset: the applicant
// authority asks, the dataset's agency owes the rectification.
func (s *Service) openRectify(ctx context.Context, tx *store.Tx, d *Dataset, q *QualitySnapshot, applicant int64) (procedure.Case, error) {
	var why []string
	for i, p := range q.Details.Problems {
		if i == 3 {
			break
		}
		why = append(why, p.ZH)
	}
	name := []rune(d.Name)
	if len(name) > 150 {
		name = append(name[:150], '…')
	}
	fields := map[string]string{
		"dataset":   strconv.FormatInt(d.ID, 10),
		"score":     strconv.FormatFloat(q.Score, 'f', 2, 64),
		"threshold": strconv.Itoa(q.Details.Threshold),
		"problems":  clipRunes(strings.Join(why, "；"), 3000),
	}
	if d.ResourceCode != "" {
		fields["resource_code"] = d.ResourceCode
	}
	return s.cases.OpenTx(ctx, tx, audit.System(), procedure.OpenInput{Kind: QualityRectify.Name, Title: "数据集“" + string(name) + "”数据治理整改",
		ApplicantAgencyID: applicant, RespondentAgencyID: d.AgencyID, ObjectType: "dataset", ObjectID: strconv.FormatInt(d.ID, 10), Fields: fields, OnBehalf: true})
}

// measureTimeliness fills the timeliness figures and returns the dimension:
// 1 within the allowance of the dataset's update frequency, falling
// linearly to 0 at twice the allowance; 1 when the frequency has none.
func measureTimeliness(prof *rules.Profile, d *Dataset, now time.Time, t *TimelinessFigures) float64 {
	t.UpdateFreq = d.UpdateFreq
	t.Since, t.NeverLoaded = d.CreatedAt, d.LastLoadAt == nil
	if d.LastLoadAt != nil {
		t.Since = *d.LastLoadAt
	}
	age := max(now.Sub(t.Since), 0)
	t.AgeHours = round(age.Hours(), 2)
	al, ok := allowanceOf(prof, d.UpdateFreq)
	if !ok {
		return 1
	}
	t.AllowanceHours = al.hours
	return timeliness(age, al.duration())
}

// timeliness is 1 up to the allowance, 0 from twice it, linear between.
func timeliness(age, allowance time.Duration) float64 {
	switch {
	case allowance <= 0 || age <= allowance:
		return 1
	case age >= 2*allowance:
		return 0
	}
	return 1 - float64(age-allowance)/float64(allowance)
}

var (
	errQualityForbidden = apperr.New(apperr.Forbidden, "collect.quality.forbidden", "无权查看该机构的数据质量", "you may not see this agency's data quality")
	errDashboard        = apperr.New(apperr.Forbidden, "collect.quality.dashboard", "只有公共数据主管部门审核员和审计员可以查看数据质量总览", "only authority reviewers and auditors see the quality dashboard")
)

const snapshotColumns = `id, dataset_id, agency_id, batch_id, measured_at, completeness, accuracy, consistency, timeliness, score, details`

func scanSnapshot(r interface{ Scan(...any) error }) (QualitySnapshot, error) {
	var q QualitySnapshot
	var batch sql.NullInt64
	var details string
	if err := r.Scan(&q.ID, &q.DatasetID, &q.AgencyID, &batch, &q.MeasuredAt, &q.Completeness, &q.Accuracy, &q.Consistency, &q.Timeliness, &q.Score, &details); err != nil {
		return q, err
	}
	q.BatchID = batch.Int64
	if err := json.Unmarshal([]byte(details), &q.Details); err != nil {
		return q, fmt.Errorf("quality snapshot %d details: %w", q.ID, err)
	}
	return q, nil
}

// QualityHistory returns the dataset's latest snapshots, newest first (at
// most limit, 30 when 0, 1000 at most). Who may call: those who may see the
// dataset (its agency, the authorities and auditors covering it); others
// get NotFound. The read, or its refusal, is audited.
func (s *Service) QualityHistory(ctx context.Context, a audit.Actor, datasetID int64, limit int) ([]QualitySnapshot, error) {
	ev := audit.Event{Action: "collect.quality.history", ObjectType: "dataset", ObjectID: strconv.FormatInt(datasetID, 10)}
	d, err := s.dataset(ctx, s.db.Read(), datasetID)
	if err == nil && !s.canSee(ctx, a, &d) {
		err = errDatasetNotFound
	}
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			ev.Outcome = audit.Denied
			_ = s.trail.Record(context.WithoutCancel(ctx), a, ev)
		}
		return nil, err
	}
	if limit <= 0 {
		limit = 30
	}
	limit = min(limit, 1000)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+snapshotColumns+` FROM quality_snapshots WHERE dataset_id = $1 ORDER BY measured_at DESC, id DESC LIMIT `+strconv.Itoa(limit), datasetID)
	if err != nil {
		return nil, fmt.Errorf("quality history of dataset %d: %w", datasetID, err)
	}
	defer rows.Close()
	var out []QualitySnapshot
	for rows.Next() {
		q, err := scanSnapshot(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ev.Detail = fmt.Sprintf("%d snapshots", len(out))
	return out, s.trail.Record(ctx, a, ev)
}

// AgencyQuality is an agency's data quality: the mean of its datasets'
// latest scores, with (for one agency) each dataset's latest snapshot and
// the agency's score day by day.
type AgencyQuality struct {
	AgencyID     int64            `json:"agency_id"`
	AgencyName   string           `json:"agency_name"`
	Jurisdiction string           `json:"jurisdiction_code"`
	Score        *float64         `json:"score,omitempty"` // nil until one of its datasets is measured
	Datasets     int              `json:"datasets"`        // its own datasets (not return-flow copies)
	Measured     int              `json:"measured"`        // of which measured
	Stale        int              `json:"stale"`           // of which not updated at their frequency
	OpenTasks    int              `json:"open_tasks"`      // open rectification cases
	Latest       []DatasetQuality `json:"latest,omitempty"`
	History      []DayQuality     `json:"history,omitempty"`
}

// DatasetQuality is a dataset with its latest snapshot.
type DatasetQuality struct {
	DatasetID    int64              `json:"dataset_id"`
	Name         string             `json:"name"`
	ResourceCode string             `json:"resource_code"`
	UpdateFreq   catalog.UpdateFreq `json:"update_freq"`
	LastLoadAt   *time.Time         `json:"last_load_at,omitempty"`
	StaleSince   *time.Time         `json:"stale_since,omitempty"`
	Latest       *QualitySnapshot   `json:"latest,omitempty"`
}

// DayQuality is an agency's score on one day (Asia/Shanghai): the mean over
// its datasets measured that day of each one's mean score that day.
type DayQuality struct {
	Day      string  `json:"day"` // YYYY-MM-DD
	Score    float64 `json:"score"`
	Datasets int     `json:"datasets"`
}

// canSeeAgency reports whether the actor may see the agency's quality: its
// own users, and the authorities and auditors covering its jurisdiction.
func (s *Service) canSeeAgency(ctx context.Context, a audit.Actor, ag org.Agency) bool {
	return s.canSee(ctx, a, &Dataset{AgencyID: ag.ID, Jurisdiction: ag.JurisdictionCode})
}

// AgencyQuality returns the agency's quality: its score (the mean of its
// datasets' latest scores), each dataset's latest snapshot, and its score
// by day over the last 90 days. Who may call: the agency's users, and the
// authority reviewers and auditors whose jurisdiction covers it; others get
// Forbidden. The read, or its refusal, is audited.
func (s *Service) AgencyQuality(ctx context.Context, a audit.Actor, agencyID int64) (AgencyQuality, error) {
	ev := audit.Event{Action: "collect.quality.agency", ObjectType: "agency", ObjectID: strconv.FormatInt(agencyID, 10)}
	ag, err := s.orgs.Agency(ctx, agencyID)
	if err == nil && !s.canSeeAgency(ctx, a, ag) {
		err = errQualityForbidden
	}
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Forbidden || k == apperr.NotFound {
			ev.Outcome = audit.Denied
			_ = s.trail.Record(context.WithoutCancel(ctx), a, ev)
		}
		return AgencyQuality{}, err
	}
	out := AgencyQuality{AgencyID: ag.ID, AgencyName: ag.Name, Jurisdiction: ag.JurisdictionCode}
	rd := s.db.Read()
	latest := map[int64]*QualitySnapshot{}
	rows, err := rd.QueryContext(ctx, `SELECT `+snapshotColumns+` FROM quality_snapshots WHERE id IN (SELECT MAX(id) FROM quality_snapshots WHERE agency_id = $1 GROUP BY dataset_id)`, agencyID)
	if err != nil {
		return out, fmt.Errorf("latest snapshots of agency %d: %w", agencyID, err)
	}
	for rows.Next() {
		q, err := scanSnapshot(rows)
		if err != nil {
			rows.Close()
			return out, err
		}
		latest[q.DatasetID] = &q
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	rows, err = rd.QueryContext(ctx, `SELECT `+datasetColumns+datasetFrom+` WHERE d.agency_id = $1 AND d.origin_dataset_id IS NULL ORDER BY d.id`, agencyID)
	if err != nil {
		return out, fmt.Errorf("datasets of agency %d: %w", agencyID, err)
	}
	var sum float64
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			rows.Close()
			return out, err
		}
		out.Datasets++
		if d.StaleSince != nil {
			out.Stale++
		}
		if d.QualityScore != nil {
			out.Measured++
			sum += *d.QualityScore
		}
		out.Latest = append(out.Latest, DatasetQuality{DatasetID: d.ID, Name: d.Name, ResourceCode: d.ResourceCode, UpdateFreq: d.UpdateFreq,
			LastLoadAt: d.LastLoadAt, StaleSince: d.StaleSince, Latest: latest[d.ID]})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	if out.Measured > 0 {
		v := round(sum/float64(out.Measured), 2)
		out.Score = &v
	}
	// Worst first, unmeasured last.
	slices.SortStableFunc(out.Latest, func(x, y DatasetQuality) int { return compareScores(snapScore(x.Latest), snapScore(y.Latest)) })
	if err := rd.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE kind = $1 AND respondent_agency_id = $2 AND NOT closed`, QualityRectify.Name, agencyID).Scan(&out.OpenTasks); err != nil {
		return out, err
	}
	if out.History, err = s.history(ctx, agencyID); err != nil {
		return out, err
	}
	ev.Detail = fmt.Sprintf("%d datasets, %d measured", out.Datasets, out.Measured)
	return out, s.trail.Record(ctx, a, ev)
}

func snapScore(q *QualitySnapshot) *float64 {
	if q == nil {
		return nil
	}
	return &q.Score
}

// compareScores orders scores worst first, missing ones last.
func compareScores(x, y *float64) int {
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return 1
	case y == nil:
		return -1
	}
	return cmp.Compare(*x, *y)
}

// history returns the agency's score by day (Asia/Shanghai) over the last
// historyDays days.
func (s *Service) history(ctx context.Context, agencyID int64) ([]DayQuality, error) {
	day := `date(measured_at, '+8 hours')` // Asia/Shanghai has kept UTC+8 since 1991
	if s.db.Dialect == store.Postgres {
		day = `to_char(measured_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`
	}
	since := s.now().AddDate(0, 0, -historyDays)
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+day+` AS day, dataset_id, AVG(score) FROM quality_snapshots WHERE agency_id = $1 AND measured_at >= $2
		GROUP BY 1, 2 ORDER BY 1, 2`, agencyID, s.db.Time(since))
	if err != nil {
		return nil, fmt.Errorf("quality history of agency %d: %w", agencyID, err)
	}
	defer rows.Close()
	var out []DayQuality
	for rows.Next() {
		var d string
		var id int64
		var score float64
		if err := rows.Scan(&d, &id, &score); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].Day != d {
			out = append(out, DayQuality{Day: d})
		}
		last := &out[len(out)-1]
		last.Score += score
		last.Datasets++
	}
	for i := range out {
		out[i].Score = round(out[i].Score/float64(out[i].Datasets), 2)
	}
	return out, rows.Err()
}

// QualityDashboard returns the quality of every agency in the
// jurisdictions the actor's covers, worst first (agencies with nothing
// measured last). Who may call: authority reviewers and auditors; others
// get Forbidden. The read, or its refusal, is audited.
func (s *Service) QualityDashboard(ctx context.Context, a audit.Actor) ([]AgencyQuality, error) {
	ev := audit.Event{Action: "collect.quality.dashboard", ObjectType: "jurisdiction", ObjectID: a.Jurisdiction}
	if a.Username != "system" && ((a.Role != "authority_reviewer" && a.Role != "auditor") || a.Jurisdiction == "") {
		ev.Outcome = audit.Denied
		_ = s.trail.Record(context.WithoutCancel(ctx), a, ev)
		return nil, errDashboard
	}
	ags, err := s.orgs.Agencies(ctx, org.AgencyFilter{Jurisdiction: a.Jurisdiction})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*AgencyQuality{}
	out := make([]AgencyQuality, len(ags))
	for i, ag := range ags {
		out[i] = AgencyQuality{AgencyID: ag.ID, AgencyName: ag.Name, Jurisdiction: ag.JurisdictionCode}
		byID[ag.ID] = &out[i]
	}
	rd := s.db.Read()
	where, args := "", []any{}
	if a.Jurisdiction != "" {
		where, args = ` AND jurisdiction_code LIKE $1`, append(args, ident.DivisionPrefix(a.Jurisdiction)+"%")
	}
	rows, err := rd.QueryContext(ctx, `SELECT agency_id, COUNT(*), COUNT(quality_score), COALESCE(AVG(quality_score), 0), COALESCE(SUM(CASE WHEN stale_since IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM datasets WHERE origin_dataset_id IS NULL`+where+` GROUP BY agency_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("quality dashboard: %w", err)
	}
	for rows.Next() {
		var id int64
		var n, measured, stale int
		var avg float64
		if err := rows.Scan(&id, &n, &measured, &avg, &stale); err != nil {
			rows.Close()
			return nil, err
		}
		if q, ok := byID[id]; ok {
			q.Datasets, q.Measured, q.Stale = n, measured, stale
			if measured > 0 {
				v := round(avg, 2)
				q.Score = &v
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = rd.QueryContext(ctx, `SELECT respondent_agency_id, COUNT(*) FROM cases WHERE kind = $1 AND NOT closed GROUP BY respondent_agency_id`, QualityRectify.Name)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		if q, ok := byID[id]; ok {
			q.OpenTasks = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(x, y AgencyQuality) int { return compareScores(x.Score, y.Score) })
	ev.Detail = fmt.Sprintf("%d agencies", len(out))
	return out, s.trail.Record(ctx, a, ev)
}

// shanghaiTime renders a time for people, in Asia/Shanghai.
func shanghaiTime(t time.Time) string { return t.In(calendar.Shanghai).Format("2006-01-02 15:04") }
