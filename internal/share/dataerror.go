package share

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/ident"
	"pubdata/internal/procedure"
	"pubdata/internal/store"
)

// ErrorState is where a data error report stands; it mirrors its case
// (KindErrorCase).
type ErrorState string

// The states of a data error report.
const (
	ErrorReported ErrorState = "reported" // with the source agency, to be verified (share.error.verify)
	ErrorFixing   ErrorState = "fixing"   // verified wrong, to be fixed (share.error.fix)
	ErrorFixed    ErrorState = "fixed"    // fixed, with the resolution the consumer is told
	ErrorRejected ErrorState = "rejected" // found correct, with the reasons the consumer is told
)

// fixFromReceipt is the share.error.fix.from value under which the fix
// deadline runs from receipt of the report (HZ §28), not from verification.
const fixFromReceipt = "receipt"

// ErrorInput is a consumer's report that a record of shared data is wrong
// (JM §19, MZ §23, HZ §28): which grant it came through, the record's key,
// the item that is wrong, and what is wrong with it.
type ErrorInput struct {
	GrantID     int64  `json:"grant_id"`
	RecordKey   string `json:"record_key"` // the dataset key's value; several key items joined by "|"
	Item        string `json:"item"`       // one of the grant's items
	Description string `json:"description"`
}

// ErrorDecision is the source agency's answer to an error report: verify
// (the data is wrong; the fix deadline starts), reject (the data is right,
// with reasons) or fix (with what was done and, if the fix was a load, its
// batch).
type ErrorDecision struct {
	Action       string `json:"action"` // verify, reject, fix
	Reasons      string `json:"reasons,omitempty"`
	Resolution   string `json:"resolution,omitempty"`
	FixedBatchID int64  `json:"fixed_batch_id,omitempty"`
}

// ErrorReport is a data error report and where it stands. The consumer
// sees the state, the reasons of a rejection and the resolution of a fix;
// a fix changes the dataset itself, so every grant on it reads the
// corrected data from the next call on.
type ErrorReport struct {
	ID               int64      `json:"id"`
	GrantID          int64      `json:"grant_id,omitempty"`
	DatasetID        int64      `json:"dataset_id"`
	DatasetName      string     `json:"dataset_name"`
	ConsumerAgencyID int64      `json:"consumer_agency_id"`
	ConsumerName     string     `json:"consumer_name"`
	SourceAgencyID   int64      `json:"source_agency_id"`
	SourceName       string     `json:"source_name"`
	Jurisdiction     string     `json:"jurisdiction_code"` // the source's: its profile sets the deadlines
	Profile          string     `json:"profile"`
	RecordKey        string     `json:"record_key"`
	Item             string     `json:"item"`
	Description      string     `json:"description"`
	State            ErrorState `json:"state"`
	CaseID           int64      `json:"case_id"`
	DueDate          string     `json:"due_date,omitempty"` // the case's open step: verification, then fix
	Overdue          bool       `json:"overdue"`
	FixDueDate       string     `json:"fix_due_date,omitempty"` // when the fix falls due under the profile
	FixDueFrom       string     `json:"fix_due_from"`           // verification or receipt (share.error.fix.from)
	Reasons          string     `json:"reasons,omitempty"`      // why the data is right (rejected)
	Resolution       string     `json:"resolution,omitempty"`   // what was fixed (fixed)
	FixedBatchID     int64      `json:"fixed_batch_id,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

const errorColumns = `e.id, COALESCE(e.grant_id, 0), e.dataset_id, d.name, e.consumer_agency_id, c.name, e.source_agency_id, s.name, k.jurisdiction_code, k.profile,
	e.record_key, e.item, e.description, e.state, COALESCE(e.case_id, 0), k.due_date, k.overdue, k.fields, e.fix_due_date, e.resolution,
	COALESCE(e.fixed_batch_id, 0), e.created_at, e.updated_at`

const errorFrom = ` FROM share_errors e JOIN datasets d ON d.id = e.dataset_id JOIN agencies c ON c.id = e.consumer_agency_id
	JOIN agencies s ON s.id = e.source_agency_id JOIN cases k ON k.id = e.case_id`

func (s *Service) scanError(r interface{ Scan(...any) error }) (ErrorReport, error) {
	var e ErrorReport
	var fields string
	err := r.Scan(&e.ID, &e.GrantID, &e.DatasetID, &e.DatasetName, &e.ConsumerAgencyID, &e.ConsumerName, &e.SourceAgencyID, &e.SourceName, &e.Jurisdiction, &e.Profile,
		&e.RecordKey, &e.Item, &e.Description, &e.State, &e.CaseID, &e.DueDate, &e.Overdue, &fields, &e.FixDueDate, &e.Resolution,
		&e.FixedBatchID, &e.CreatedAt, &e.UpdatedAt)
	if err != nil {
		return e, err
	}
	var f map[string]string
	if json.Unmarshal([]byte(fields), &f) == nil {
		e.Reasons = f["reasons"]
	}
	if p, err := s.rules.Profile(e.Profile); err == nil {
		e.FixDueFrom, _ = p.Text("share.error.fix.from")
	}
	// A fix due from receipt can be late while the case's own deadline,
	// which runs from verification, is not.
	if e.State == ErrorFixing && e.FixDueDate != "" && e.FixDueDate < s.today().String() {
		e.Overdue = true
	}
	return e, nil
}

var errErrorNotFound = apperr.New(apperr.NotFound, "share.error.not_found", "数据纠错不存在或无权查看", "no such error report, or not visible to you")

func (s *Service) loadError(ctx context.Context, q store.Querier, id int64) (ErrorReport, error) {
	e, err := s.scanError(q.QueryRowContext(ctx, `SELECT `+errorColumns+errorFrom+` WHERE e.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ErrorReport{}, errErrorNotFound
	}
	return e, err
}

// maxErrorText is the longest description, reasons or resolution, in characters.
const maxErrorText = 2000

// check trims the input and names every field at fault.
func (in *ErrorInput) check() error {
	in.RecordKey, in.Item, in.Description = strings.TrimSpace(in.RecordKey), strings.TrimSpace(in.Item), strings.TrimSpace(in.Description)
	var errs apperr.List
	if in.GrantID <= 0 {
		errs = append(errs, apperr.Invalidf("share.error.grant", "grant_id", "请指明数据所来自的共享授权", "name the grant the data came through"))
	}
	if in.RecordKey == "" || utf8.RuneCountInString(in.RecordKey) > 200 {
		errs = append(errs, apperr.Invalidf("share.error.record_key", "record_key", "请填写有误记录的主键（1至200个字符）", "give the wrong record's key (1 to 200 characters)"))
	}
	if in.Item == "" {
		errs = append(errs, apperr.Invalidf("share.error.item", "item", "请指明有误的信息项", "name the item that is wrong"))
	}
	if in.Description == "" || utf8.RuneCountInString(in.Description) > maxErrorText {
		errs = append(errs, apperr.Invalidf("share.error.description", "description", fmt.Sprintf("请说明数据错在哪里（不超过%d字）", maxErrorText),
			fmt.Sprintf("describe what is wrong (at most %d characters)", maxErrorText)))
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// ReportError records that a record of shared data is wrong (JM §19, MZ
// §23, HZ §28) and opens its case with the source agency, in one
// transaction: the source verifies within its profile's share.error.verify
// and fixes within share.error.fix (Meizhou 5 + 10 working days, from
// verification; Huizhou 10 + 10, both from receipt). Only the grant's
// consumer may report — its data officer, or the authority holding the
// grant for an enterprise (GD-290 §26) — through a grant it may use today,
// on an item of the grant and a record that exists within the grant's row
// scope: a key outside the scope gets the same answer as a key that does
// not exist, so that the report is no oracle on rows never granted
// (GD-290 §24). The report is audited, every refusal too, with its code.
// Errors: Invalid (fields, each named), NotFound (no such grant, or not
// visible), Forbidden (not the consumer, or a grant suspended, revoked or
// expired).
func (s *Service) ReportError(ctx context.Context, a audit.Actor, in ErrorInput) (ErrorReport, error) {
	ev := audit.Event{Action: "share.error.report", ObjectType: "share_grant", ObjectID: strconv.FormatInt(in.GrantID, 10)}
	if err := in.check(); err != nil {
		return ErrorReport{}, s.refused(ctx, a, ev, err)
	}
	var id int64
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		g, err := s.loadGrant(ctx, tx, in.GrantID)
		if err != nil {
			return err
		}
		if !s.seesAgencyPair(ctx, a, g.ConsumerAgencyID, g.SourceAgencyID, g.Jurisdiction) {
			return errGrantNotFound
		}
		if a.AgencyID != g.ConsumerAgencyID || !appKeeper(a) {
			return apperr.New(apperr.Forbidden, "share.error.not_consumer", "只有持有该授权的数据使用机构的数据管理员（或代企业事业单位持有授权的主管部门）可以反馈数据错误",
				"only the consumer holding the grant (its data officer, or the authority holding it for an enterprise) may report a data error")
		}
		// Only data the consumer may use today can be reported: not through
		// a suspended (HZ §25), revoked or expired grant.
		if err := g.usable(s.today().String()); err != nil {
			return err
		}
		if g.DatasetID == 0 {
			return apperr.Invalidf("share.error.grant", "grant_id", "该授权没有对应的数据集", "the grant has no dataset")
		}
		if _, ok := g.Item(in.Item); !ok {
			return apperr.Invalidf("share.error.item", "item", "信息项“"+in.Item+"”不在该授权范围内", "the item "+in.Item+" is not one of the grant's items")
		}
		ds, err := s.collect.DatasetByID(ctx, g.DatasetID)
		if err != nil {
			return err
		}
		if err := recordExists(ctx, tx, &ds, g.RowScope, in.RecordKey); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO share_errors(grant_id, dataset_id, consumer_agency_id, source_agency_id, record_key, item, description, state, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) RETURNING id`,
			g.ID, g.DatasetID, g.ConsumerAgencyID, g.SourceAgencyID, in.RecordKey, in.Item, in.Description, string(ErrorReported), tx.Dialect.Time(tx.Now)).Scan(&id)
		if err != nil {
			return fmt.Errorf("report error on grant %d: %w", g.ID, err)
		}
		// The record key stays out of the case's title: cases are listed
		// widely, and a key is often a person's ID number.
		c, err := s.cases.OpenTx(ctx, tx, a, procedure.OpenInput{Kind: KindErrorCase.Name, Title: "共享数据纠错：" + ds.Name + "（" + in.Item + "）",
			ApplicantAgencyID: g.ConsumerAgencyID, RespondentAgencyID: g.SourceAgencyID, ObjectType: "share_error", ObjectID: strconv.FormatInt(id, 10),
			Fields: map[string]string{"item": in.Item}})
		if err != nil {
			return err
		}
		fixDue, err := s.fixDueFromReceipt(c.Profile, tx.Now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE share_errors SET case_id = $1, fix_due_date = $2 WHERE id = $3`, c.ID, fixDue, id); err != nil {
			return fmt.Errorf("error report %d: %w", id, err)
		}
		ev.ObjectType, ev.ObjectID = "share_error", strconv.FormatInt(id, 10)
		ev.Detail = fmt.Sprintf("grant %d, dataset %d, item %s; case %d due %s", g.ID, g.DatasetID, in.Item, c.ID, c.DueDate)
		return s.trail.Append(ctx, tx, a, ev)
	})
	if err != nil {
		ev.ObjectType, ev.ObjectID = "share_grant", strconv.FormatInt(in.GrantID, 10)
		return ErrorReport{}, s.refused(ctx, a, ev, err)
	}
	return s.loadError(ctx, s.db.Read(), id)
}

// fixDueFromReceipt is the fix's due date for a report received at
// received when the profile runs the fix deadline from receipt, else ""
// (it is set at verification).
func (s *Service) fixDueFromReceipt(profile string, received time.Time) (string, error) {
	p, err := s.rules.Profile(profile)
	if err != nil {
		return "", err
	}
	from, err := p.Text("share.error.fix.from")
	if err != nil || from != fixFromReceipt {
		return "", err
	}
	d, err := p.Deadline("share.error.fix")
	if err != nil {
		return "", err
	}
	due, _ := s.cal.Due(received, d.WorkingDays)
	return due.String(), nil
}

// recordExists checks that the dataset holds a live record with the key
// within the grant's row scope: the key item's value, or, for a dataset
// with several key items, their values joined by "|" in item order. A
// record outside the scope is answered as one that does not exist; a scope
// whose item left the dataset matches nothing (fail closed, as the gateway).
func recordExists(ctx context.Context, q store.Querier, ds *collect.Dataset, scope RowScope, key string) error {
	keys := ds.Keys()
	if len(keys) == 0 {
		return apperr.Invalidf("share.error.record_key", "record_key", "该数据集没有主键，无法定位记录", "the dataset has no key, so no record can be named")
	}
	noRecord := apperr.Invalidf("share.error.record_key", "record_key", "数据集“"+ds.Name+"”中没有该主键的记录", "the dataset "+ds.Name+" has no record with this key")
	var cond string
	if len(keys) == 1 && textual(keys[0].Item.Type) {
		cond = keys[0].Name + " = $1" // the key's own index
	} else {
		parts := make([]string, len(keys))
		for i, c := range keys {
			parts[i] = "CAST(" + c.Name + " AS TEXT)"
		}
		cond = strings.Join(parts, " || '|' || ") + " = $1"
	}
	args := []any{key}
	if !scope.Empty() {
		col := ""
		for _, c := range ds.Live() {
			if c.Item.Name == scope.Item {
				col = c.Name
			}
		}
		if col == "" {
			return noRecord
		}
		args = append(args, store.Like(ident.DivisionPrefix(scope.Region))+"%")
		cond += " AND " + col + ` LIKE $2 ESCAPE '\'`
	}
	var exists bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+ds.Table+` WHERE `+cond+` AND NOT _deleted)`, args...).Scan(&exists); err != nil {
		return fmt.Errorf("dataset %d: look up key: %w", ds.ID, err)
	}
	if !exists {
		return noRecord
	}
	return nil
}

// textual reports whether items of the type are stored as text.
func textual(t catalog.ItemType) bool { return t == catalog.TypeChar || t == catalog.TypeMemo }

// DecideError is the source agency's answer to an error report, through
// its case in one transaction: verify (the fix deadline starts), reject
// (reasons required) or fix (a resolution required; a batch, if given,
// must be a load of the report's dataset made after the report). Only a
// data officer of the source agency may. The consumer then sees the state
// and the reasons or resolution. Audited, refusals too. Errors: NotFound,
// Forbidden, Invalid (action, fields, batch), Conflict (not possible in
// the report's state).
func (s *Service) DecideError(ctx context.Context, a audit.Actor, id int64, d ErrorDecision) (ErrorReport, error) {
	ev := audit.Event{Action: "share.error.decide", ObjectType: "share_error", ObjectID: strconv.FormatInt(id, 10), Detail: d.Action}
	var fields map[string]string
	switch d.Action {
	case "verify":
	case "reject":
		fields = map[string]string{"reasons": strings.TrimSpace(d.Reasons)}
	case "fix":
		fields = map[string]string{"resolution": strings.TrimSpace(d.Resolution)}
		if d.FixedBatchID < 0 {
			return ErrorReport{}, apperr.Invalidf("share.error.batch", "fixed_batch_id", "批次编号须为正整数", "the batch ID must be a positive integer")
		}
		if d.FixedBatchID > 0 {
			fields["fixed_batch_id"] = strconv.FormatInt(d.FixedBatchID, 10)
		}
	default:
		return ErrorReport{}, apperr.Invalidf("share.error.action", "action", "处理方式只能是 verify（核实有误）、reject（核实无误）或 fix（完成更正）",
			"the action must be verify, reject or fix")
	}
	for f, v := range fields {
		if utf8.RuneCountInString(v) > maxErrorText {
			return ErrorReport{}, apperr.Invalidf("share.error.too_long", f, fmt.Sprintf("不超过%d字", maxErrorText), fmt.Sprintf("at most %d characters", maxErrorText))
		}
	}
	var e ErrorReport
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		var err error
		if e, err = s.loadError(ctx, tx, id); err != nil {
			return err
		}
		if !s.seesAgencyPair(ctx, a, e.ConsumerAgencyID, e.SourceAgencyID, e.Jurisdiction) {
			return errErrorNotFound
		}
		if a.AgencyID != e.SourceAgencyID || a.Role != "agency_officer" {
			return apperr.New(apperr.Forbidden, "share.error.not_source", "只有数源部门的数据管理员可以核实和更正数据错误",
				"only a data officer of the source agency may verify and fix a reported error")
		}
		if _, err := s.cases.ActTx(ctx, tx, a, e.CaseID, d.Action, fields); err != nil {
			return err
		}
		e, err = s.loadError(ctx, tx, id)
		return err
	})
	if apperr.KindOf(err) == apperr.Forbidden {
		return ErrorReport{}, s.deny(ctx, a, ev, err)
	}
	if err != nil {
		return ErrorReport{}, err
	}
	return e, nil
}

// onErrorCase keeps an error report in step with its case, in the
// transition's transaction, whoever acts (DecideError or the generic case
// API): the state; at verification the fix's due date (unless it runs from
// receipt and was fixed at the report); at a fix the resolution and the
// batch, which must be a load of the report's dataset after the report.
func (s *Service) onErrorCase(ctx context.Context, tx *store.Tx, a audit.Actor, c *procedure.Case, action string, from procedure.State) error {
	if c.ObjectType != "share_error" {
		return fmt.Errorf("case %d: object %s is not an error report", c.ID, c.ObjectType)
	}
	id, err := strconv.ParseInt(c.ObjectID, 10, 64)
	if err != nil {
		return fmt.Errorf("case %d: error report %q: %w", c.ID, c.ObjectID, err)
	}
	var datasetID int64
	var fixDue, resolution string
	var created time.Time
	var batch sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT dataset_id, fix_due_date, resolution, fixed_batch_id, created_at FROM share_errors WHERE id = $1`, id).
		Scan(&datasetID, &fixDue, &resolution, &batch, &created); err != nil {
		return fmt.Errorf("case %d: error report %d: %w", c.ID, id, err)
	}
	switch action {
	case "verify":
		p, err := s.rules.Profile(c.Profile)
		if err != nil {
			return err
		}
		if f, _ := p.Text("share.error.fix.from"); f != fixFromReceipt || fixDue == "" {
			fixDue = c.DueDate
		}
	case "fix":
		resolution = c.Fields["resolution"]
		if v := strings.TrimSpace(c.Fields["fixed_batch_id"]); v != "" {
			b, err := strconv.ParseInt(v, 10, 64)
			if err != nil || b <= 0 {
				return apperr.Invalidf("share.error.batch", "fixed_batch_id", "批次编号须为正整数", "the batch ID must be a positive integer")
			}
			if err := checkFixBatch(ctx, tx, b, datasetID, created); err != nil {
				return err
			}
			batch = sql.NullInt64{Int64: b, Valid: true}
		}
	}
	var batchArg any
	if batch.Valid {
		batchArg = batch.Int64
	}
	if _, err := tx.ExecContext(ctx, `UPDATE share_errors SET state = $1, resolution = $2, fixed_batch_id = $3, fix_due_date = $4, updated_at = $5 WHERE id = $6`,
		string(c.State), resolution, batchArg, fixDue, tx.Dialect.Time(tx.Now), id); err != nil {
		return fmt.Errorf("error report %d: %w", id, err)
	}
	return s.trail.Append(ctx, tx, a, audit.Event{Action: "share.error." + action, ObjectType: "share_error", ObjectID: strconv.FormatInt(id, 10),
		Detail: fmt.Sprintf("case %d %s -> %s", c.ID, from, c.State)})
}

// checkFixBatch checks that a batch is a completed load of the dataset
// begun no earlier than the report.
func checkFixBatch(ctx context.Context, tx *store.Tx, batchID, datasetID int64, reported time.Time) error {
	var ds int64
	var state string
	var started time.Time
	err := tx.QueryRowContext(ctx, `SELECT dataset_id, state, started_at FROM dataset_batches WHERE id = $1`, batchID).Scan(&ds, &state, &started)
	if errors.Is(err, sql.ErrNoRows) || err == nil && ds != datasetID {
		return apperr.Invalidf("share.error.batch", "fixed_batch_id", "该批次不是本数据集的加载批次", "the batch is not a load of this dataset")
	}
	if err != nil {
		return fmt.Errorf("batch %d: %w", batchID, err)
	}
	if state != "loaded" {
		return apperr.Invalidf("share.error.batch", "fixed_batch_id", "该批次未成功加载", "the batch was not loaded")
	}
	if started.Before(reported) {
		return apperr.Invalidf("share.error.batch", "fixed_batch_id", "该批次早于纠错反馈，不能作为更正", "the batch predates the report, so it cannot be its fix")
	}
	return nil
}

// ErrorFilter selects error reports.
type ErrorFilter struct {
	Role      string // "consumer", "source" or "" (every report the actor may see)
	State     string // reported, fixing, fixed, rejected, open (reported or fixing), overdue
	GrantID   int64
	DatasetID int64
	Limit     int // at most 1000; 200 by default
}

// ErrorFilterFromURL reads an error-report listing's filters from query
// parameters: role, state, grant, dataset, limit. The web console uses it too.
func ErrorFilterFromURL(v url.Values) (ErrorFilter, error) {
	f := ErrorFilter{Role: strings.TrimSpace(v.Get("role")), State: strings.TrimSpace(v.Get("state"))}
	var err error
	if f.GrantID, err = queryID(v, "grant"); err != nil {
		return f, err
	}
	if f.DatasetID, err = queryID(v, "dataset"); err != nil {
		return f, err
	}
	f.Limit, err = queryLimit(v)
	return f, err
}

// Errors lists the error reports the actor may see, newest first, with
// the same visibility as grants: the consumer's and the source's users,
// the authorities over either side, the auditor. The read is audited.
// Errors: Invalid (an unknown role or state).
func (s *Service) Errors(ctx context.Context, a audit.Actor, f ErrorFilter) ([]ErrorReport, error) {
	var c conds
	if err := addVisible(&c, a, f.Role, "e.consumer_agency_id", "e.source_agency_id", "d.jurisdiction_code", "c.jurisdiction_code"); err != nil {
		return nil, err
	}
	switch ErrorState(f.State) {
	case "":
	case ErrorReported, ErrorFixing, ErrorFixed, ErrorRejected:
		c.add("e.state = ?", f.State)
	case "open":
		c.add("e.state IN (?, ?)", string(ErrorReported), string(ErrorFixing))
	case "overdue":
		c.add("e.state IN (?, ?) AND (k.overdue OR (e.state = ? AND e.fix_due_date <> '' AND e.fix_due_date < ?))",
			string(ErrorReported), string(ErrorFixing), string(ErrorFixing), s.today().String())
	default:
		return nil, apperr.Invalidf("share.error.state", "state", "未知的纠错状态："+f.State+"（reported、fixing、fixed、rejected、open、overdue）",
			"unknown report state: "+f.State+" (reported, fixing, fixed, rejected, open, overdue)")
	}
	if f.GrantID != 0 {
		c.add("e.grant_id = ?", f.GrantID)
	}
	if f.DatasetID != 0 {
		c.add("e.dataset_id = ?", f.DatasetID)
	}
	out, err := queryAll(ctx, s.db.Read(), s.scanError, `SELECT `+errorColumns+errorFrom+c.sql()+` ORDER BY e.id DESC LIMIT `+listLimit(f.Limit), c.args...)
	if err != nil {
		return nil, fmt.Errorf("list error reports: %w", err)
	}
	return out, s.trail.Record(ctx, a, audit.Event{Action: "share.error.list", ObjectType: "share_error", Detail: fmt.Sprintf("%d reports", len(out))})
}

// Error returns one error report, if the actor may see it (as Errors).
// The read is audited. Errors: NotFound.
func (s *Service) Error(ctx context.Context, a audit.Actor, id int64) (ErrorReport, error) {
	e, err := s.loadError(ctx, s.db.Read(), id)
	if err != nil {
		return ErrorReport{}, err
	}
	if !s.seesAgencyPair(ctx, a, e.ConsumerAgencyID, e.SourceAgencyID, e.Jurisdiction) {
		return ErrorReport{}, errErrorNotFound
	}
	return e, s.trail.Record(ctx, a, audit.Event{Action: "share.error.read", ObjectType: "share_error", ObjectID: strconv.FormatInt(id, 10)})
}
