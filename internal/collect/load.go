package collect

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/store"
)

// errRejected rolls back a load whose input had bad rows.
var errRejected = errors.New("collect: batch rejected")

// Load loads one batch into the dataset, all or nothing, and records it.
// Who may call: an officer of the dataset's agency (or the system for pull
// and return flow). A batch with any bad row loads nothing and comes back
// with State rejected and its rejections, err nil; err is for refusals
// (who may load, the legal source of a base database) and failures.
//
// The whole batch is one transaction, streamed: rows are read, validated
// and written as they come, so memory does not grow with the input, and a
// process killed half-way leaves the dataset as it was.
func (s *Service) Load(ctx context.Context, a audit.Actor, datasetID int64, in LoadInput) (Batch, error) {
	if in.Reader == nil {
		return Batch{}, fmt.Errorf("collect: load dataset %d: no input", datasetID)
	}
	defer in.Reader.Close()
	ds, err := s.ownDataset(ctx, a, datasetID)
	if err != nil {
		return Batch{}, err
	}
	if in.Mode == "" {
		in.Mode = ModeIncremental
	}
	if in.Mode != ModeFull && in.Mode != ModeIncremental {
		return Batch{}, apperr.Invalidf("collect.mode", "mode", "加载方式必须是 full（全量）或 incremental（增量）", "mode must be full or incremental")
	}
	if len(in.ClientBatchID) > 200 {
		return Batch{}, apperr.Invalidf("collect.client_batch_id", "client_batch_id", "批次号不超过200个字符", "the client batch ID is at most 200 characters")
	}
	start := s.now()
	b := Batch{DatasetID: ds.ID, ClientBatchID: in.ClientBatchID, Channel: in.Channel, Mode: in.Mode, Format: in.Format, Encoding: in.Encoding,
		FileName: in.FileName, AgencyID: ds.AgencyID, UserID: a.UserID, SourceID: in.SourceID, ExpectedRows: in.ExpectedRows, StartedAt: start}
	if in.ClientBatchID != "" {
		prev, ok, err := s.loadedBatch(ctx, ds.ID, in.ClientBatchID)
		if err != nil {
			return prev, err
		}
		if ok {
			return prev, s.trail.Record(ctx, a, audit.Event{Action: "collect.batch.replay", ObjectType: "dataset", ObjectID: strconv.FormatInt(ds.ID, 10),
				Detail: fmt.Sprintf("client batch %q is batch %d; nothing loaded again", in.ClientBatchID, prev.ID)})
		}
	}
	if err := s.checkLegalSource(ctx, &ds); err != nil {
		b.State = BatchFailed
		b.Errors = []Rejection{rejectionOf(err)}
		b.ErrorCount = 1
		if rerr := s.recordBatch(ctx, a, &b); rerr != nil {
			return b, rerr
		}
		return b, err
	}
	f := newFeed(&ds, in)
	err = s.db.WriteAt(ctx, start, func(tx *store.Tx) error {
		b.State = "loading"
		if err := insertBatch(ctx, tx, &b); err != nil {
			return err
		}
		var w writer
		if tx.Dialect == store.Postgres {
			w = &pgWriter{tx: tx, ds: &ds, batch: b.ID, agency: ds.AgencyID, full: in.Mode == ModeFull}
		} else {
			w = &sqliteWriter{tx: tx, ds: &ds, batch: b.ID, agency: ds.AgencyID, full: in.Mode == ModeFull}
		}
		st, err := w.write(ctx, f)
		if err != nil {
			return err
		}
		b.RowsRead = f.read
		if in.Mode == ModeFull && f.read == 0 {
			// An empty full batch (a header alone, a source table truncated
			// for its nightly reload) would mark every row deleted.
			f.reject(Rejection{Code: "collect.full.empty", ZH: "全量加载不能为空：空的全量批次会把数据集的全部数据标记为删除", EN: "a full load cannot be empty: it would mark every row of the dataset deleted"})
		}
		if f.errCount > 0 {
			return errRejected
		}
		b.RowsInserted, b.RowsUpdated, b.RowsDeleted = st.inserted, st.updated, st.deleted
		b.State = BatchLoaded
		b.FinishedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE dataset_batches SET state = $1, rows_read = $2, rows_inserted = $3, rows_updated = $4, rows_deleted = $5, finished_at = $6 WHERE id = $7`,
			string(b.State), b.RowsRead, b.RowsInserted, b.RowsUpdated, b.RowsDeleted, tx.Dialect.Time(b.FinishedAt), b.ID); err != nil {
			return fmt.Errorf("finish batch %d: %w", b.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE datasets SET row_count = $1, last_batch_id = $2, last_load_at = $3, stale_since = NULL, updated_at = $3 WHERE id = $4`,
			st.live, b.ID, tx.Dialect.Time(tx.Now), ds.ID); err != nil {
			return err
		}
		ds.RowCount, ds.LastBatchID, ds.LastLoadAt, ds.StaleSince = st.live, b.ID, timePtr(tx.Now), nil
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "collect.batch.load", ObjectType: "dataset", ObjectID: strconv.FormatInt(ds.ID, 10),
			Detail: fmt.Sprintf("batch %d %s %s: %d read, %d inserted, %d updated, %d deleted", b.ID, b.Channel, b.Mode, b.RowsRead, b.RowsInserted, b.RowsUpdated, b.RowsDeleted)})
	})
	var ae *apperr.Error
	switch {
	case err == nil:
		s.afterLoad(ctx, &ds, &b)
		return b, nil
	case errors.Is(err, errRejected):
		b.State = BatchRejected
		b.Errors, b.ErrorCount = f.rej, f.errCount
		return b, s.recordBatch(ctx, a, &b)
	case errors.As(err, &ae) || isRowError(err):
		// The input itself is unreadable (no header, not a spreadsheet…):
		// a rejected batch naming why.
		b.State = BatchRejected
		b.RowsRead = f.read
		b.Errors = append(f.rej, rejectionOf(err))
		b.ErrorCount = f.errCount + 1
		return b, s.recordBatch(ctx, a, &b)
	case in.ClientBatchID != "" && store.IsUniqueViolation(err):
		// The same push landed concurrently: answer with it.
		prev, ok, perr := s.loadedBatch(ctx, ds.ID, in.ClientBatchID)
		if perr == nil && ok {
			return prev, nil
		}
		return b, err
	default:
		if ctx.Err() != nil {
			return b, fmt.Errorf("load dataset %d: %w", ds.ID, ctx.Err())
		}
		b.State = BatchFailed
		b.Errors = []Rejection{{Code: "collect.load.failed", ZH: "加载失败，数据集未改变", EN: "the load failed; the dataset is unchanged"}}
		b.ErrorCount = 1
		if rerr := s.recordBatch(ctx, a, &b); rerr != nil {
			s.log.Error("record failed batch", "dataset", ds.ID, "err", rerr)
		}
		return b, fmt.Errorf("load dataset %d: %w", ds.ID, err)
	}
}

func isRowError(err error) bool {
	var re *RowError
	return errors.As(err, &re)
}

// rejectionOf turns an error that stopped a load into a rejection.
func rejectionOf(err error) Rejection {
	var re *RowError
	if errors.As(err, &re) {
		return re.Rejection
	}
	if ae, ok := apperr.As(err); ok {
		return Rejection{Row: ae.Row, Field: ae.Field, Code: ae.Code, ZH: ae.ZH, EN: ae.EN}
	}
	return Rejection{Code: "collect.input", ZH: "输入无法读取：" + err.Error(), EN: "the input cannot be read: " + err.Error()}
}

// loadedBatch returns the loaded batch with the client batch ID, if any,
// marked as replayed.
func (s *Service) loadedBatch(ctx context.Context, datasetID int64, clientID string) (Batch, bool, error) {
	b, err := scanBatch(s.db.Read().QueryRowContext(ctx, `SELECT `+batchColumns+` FROM dataset_batches WHERE dataset_id = $1 AND client_batch_id = $2 AND state = 'loaded'`, datasetID, clientID))
	if errors.Is(err, sql.ErrNoRows) {
		return Batch{}, false, nil
	}
	if err != nil {
		return Batch{}, false, fmt.Errorf("batch %q of dataset %d: %w", clientID, datasetID, err)
	}
	b.Replayed = true
	return b, true, nil
}

// recordBatch records a batch that loaded nothing, with its audit entry.
func (s *Service) recordBatch(ctx context.Context, a audit.Actor, b *Batch) error {
	b.FinishedAt = s.now()
	return s.db.WriteAt(ctx, b.FinishedAt, func(tx *store.Tx) error {
		if err := insertBatch(ctx, tx, b); err != nil {
			return err
		}
		first := ""
		if len(b.Errors) > 0 {
			r := b.Errors[0]
			first = fmt.Sprintf("; first: row %d %s %s", r.Row, r.Field, r.Code)
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "collect.batch." + string(b.State), ObjectType: "dataset", ObjectID: strconv.FormatInt(b.DatasetID, 10),
			Outcome: "refused", Detail: fmt.Sprintf("batch %d %s: %d rows read, %d errors%s", b.ID, b.Channel, b.RowsRead, b.ErrorCount, first)})
	})
}

func insertBatch(ctx context.Context, tx *store.Tx, b *Batch) error {
	errs := b.Errors
	if len(errs) > MaxStoredRejections {
		errs = errs[:MaxStoredRejections]
	}
	if errs == nil {
		errs = []Rejection{}
	}
	doc, _ := json.Marshal(errs)
	var user, source any
	if b.UserID != 0 {
		user = b.UserID
	}
	if b.SourceID != 0 {
		source = b.SourceID
	}
	finished := b.FinishedAt
	if finished.IsZero() {
		finished = b.StartedAt
	}
	return tx.QueryRowContext(ctx, `INSERT INTO dataset_batches(dataset_id, client_batch_id, channel, mode, state, format, encoding, file_name, agency_id, user_id, source_id,
		rows_read, expected_rows, error_count, errors, started_at, finished_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) RETURNING id`,
		b.DatasetID, b.ClientBatchID, string(b.Channel), string(b.Mode), string(b.State), string(b.Format), b.Encoding, b.FileName, b.AgencyID, user, source,
		b.RowsRead, b.ExpectedRows, b.ErrorCount, string(doc), tx.Dialect.Time(b.StartedAt), tx.Dialect.Time(finished)).Scan(&b.ID)
}

const batchColumns = `id, dataset_id, client_batch_id, channel, mode, state, format, encoding, file_name, agency_id, user_id, source_id,
	rows_read, rows_inserted, rows_updated, rows_deleted, expected_rows, error_count, errors, started_at, finished_at`

func scanBatch(r interface{ Scan(...any) error }) (Batch, error) {
	var b Batch
	var user, source sql.NullInt64
	var errs string
	err := r.Scan(&b.ID, &b.DatasetID, &b.ClientBatchID, &b.Channel, &b.Mode, &b.State, &b.Format, &b.Encoding, &b.FileName, &b.AgencyID, &user, &source,
		&b.RowsRead, &b.RowsInserted, &b.RowsUpdated, &b.RowsDeleted, &b.ExpectedRows, &b.ErrorCount, &errs, &b.StartedAt, &b.FinishedAt)
	if err != nil {
		return b, err
	}
	b.UserID, b.SourceID = user.Int64, source.Int64
	if err := json.Unmarshal([]byte(errs), &b.Errors); err != nil {
		return b, fmt.Errorf("batch %d errors: %w", b.ID, err)
	}
	return b, nil
}

// feed reads and validates the input row by row. Bad rows become
// rejections; once there is one, rows are still read and checked, so that
// the report names every bad row, but none is passed on.
type feed struct {
	r        RowReader
	ds       *Dataset
	cols     []Column
	v        *Validator
	keyNames map[string]bool
	incr     bool
	progress func(int64)

	out      []any // the typed values of the current row
	line     int   // its row number in the input
	del      bool  // it is a delete row
	read     int64
	errCount int64
	rej      []Rejection
	scratch  []Rejection
}

func newFeed(ds *Dataset, in LoadInput) *feed {
	cols := ds.Live()
	f := &feed{r: in.Reader, ds: ds, cols: cols, v: NewValidator(cols), keyNames: map[string]bool{}, incr: in.Mode == ModeIncremental,
		progress: in.Progress, out: make([]any, len(cols))}
	for _, k := range ds.Keys() {
		f.keyNames[k.Item.Name] = true
	}
	return f
}

func (f *feed) reject(r Rejection) {
	f.errCount++
	if len(f.rej) < MaxStoredRejections {
		f.rej = append(f.rej, r)
	}
}

// next reads to the next good row; false at the end of the input.
func (f *feed) next(ctx context.Context) (bool, error) {
	for {
		row, err := f.r.Next()
		if err == io.EOF {
			return false, nil
		}
		var re *RowError
		if errors.As(err, &re) {
			f.read++
			f.reject(re.Rejection)
			continue
		}
		if err != nil {
			return false, err
		}
		f.read++
		if f.progress != nil && f.read%10000 == 0 {
			f.progress(f.read)
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		f.line = f.r.Line()
		f.del = false
		if len(row) != len(f.cols)+1 {
			return false, fmt.Errorf("collect: reader gave %d fields, want %d", len(row), len(f.cols)+1)
		}
		switch op := strings.ToLower(strings.TrimSpace(row[len(f.cols)])); op {
		case "", "upsert", "u", "i", "insert", "update":
		case "delete", "d":
			switch {
			case !f.incr:
				f.reject(Rejection{Row: f.line, Field: OpField, Code: "collect.op.full", ZH: "全量加载不能包含删除行", EN: "a full load cannot contain delete rows"})
				continue
			case len(f.keyNames) == 0:
				f.reject(Rejection{Row: f.line, Field: OpField, Code: "collect.op.no_key", ZH: "数据集没有主键，不能按行删除", EN: "the dataset has no key, so rows cannot be deleted one by one"})
				continue
			}
			f.del = true
		default:
			f.reject(Rejection{Row: f.line, Field: OpField, Code: "collect.op", ZH: "_op 只能是 upsert 或 delete", EN: "_op must be upsert or delete", Value: clipRunes(op, 40)})
			continue
		}
		f.scratch = f.v.Check(row[:len(f.cols)], f.out, f.scratch[:0])
		bad := false
		for _, r := range f.scratch {
			if f.del && !f.keyNames[r.Field] {
				continue // a delete row needs only its key
			}
			r.Row = f.line
			f.reject(r)
			bad = true
		}
		if bad || f.errCount > 0 {
			continue
		}
		return true, nil
	}
}

type loadStats struct{ inserted, updated, deleted, live int64 }

// writer writes a feed's rows into a dataset table within the load's transaction.
type writer interface {
	write(ctx context.Context, f *feed) (loadStats, error)
}

// keyNames returns the physical names of the key columns.
func keyColumns(ds *Dataset) []string {
	var out []string
	for _, k := range ds.Keys() {
		out = append(out, k.Name)
	}
	return out
}

func liveColumns(ds *Dataset) []string {
	live := ds.Live()
	out := make([]string, len(live))
	for i, c := range live {
		out[i] = c.Name
	}
	return out
}

// duplicate is the rejection of a row whose key an earlier row of the batch has.
func duplicate(ds *Dataset, row, first int) Rejection {
	keys := itemList(ds.Keys())
	return Rejection{Row: row, Field: keys, Code: "collect.key.duplicate",
		ZH: fmt.Sprintf("主键（%s）与本批次第 %d 行重复", keys, first), EN: fmt.Sprintf("the key (%s) repeats row %d of this batch", keys, first)}
}

// sqliteWriter writes with prepared multi-row upserts. A row whose key an
// earlier row of the same batch wrote is skipped by the upsert's WHERE and
// found by the shortfall of changed rows.
type sqliteWriter struct {
	tx     *store.Tx
	ds     *Dataset
	batch  int64
	agency int64
	full   bool
}

func (w *sqliteWriter) write(ctx context.Context, f *feed) (loadStats, error) {
	var st loadStats
	tx, ds := w.tx, w.ds
	cols := liveColumns(ds)
	keys := keyColumns(ds)
	var before int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+ds.Table).Scan(&before); err != nil {
		return st, err
	}
	now := tx.Dialect.Time(tx.Now).(string)
	per := len(cols) + 1
	chunk := 30000 / per
	if chunk > 200 {
		chunk = 200
	}
	if chunk < 1 {
		chunk = 1
	}
	rowSQL := "(" + strings.Repeat("?,", len(cols)) + strconv.FormatInt(w.batch, 10) + ",?," + strconv.FormatInt(w.agency, 10) + ",'" + now + "','" + now + "',0)"
	head := "INSERT INTO " + ds.Table + " (" + strings.Join(cols, ", ") + ", _batch, _batch_row, _agency, _loaded_at, _updated_at, _deleted) VALUES "
	var tail string
	if len(keys) > 0 {
		sets := make([]string, 0, len(cols)+5)
		for _, c := range cols {
			sets = append(sets, c+" = excluded."+c)
		}
		sets = append(sets, "_batch = excluded._batch", "_batch_row = excluded._batch_row", "_agency = excluded._agency", "_updated_at = excluded._updated_at", "_deleted = 0")
		tail = " ON CONFLICT (" + strings.Join(keys, ", ") + ") DO UPDATE SET " + strings.Join(sets, ", ") + " WHERE " + ds.Table + "._batch <> excluded._batch"
	}
	values := func(n int) string { return strings.TrimSuffix(strings.Repeat(rowSQL+",", n), ",") }
	stmtFor := func(n int) string { return head + values(n) + tail }
	full, err := tx.PrepareContext(ctx, stmtFor(chunk))
	if err != nil {
		return st, fmt.Errorf("prepare insert into %s: %w", ds.Table, err)
	}
	defer full.Close()
	// Into a table that was empty, only a key repeated within the batch can
	// conflict: a plain insert is faster, and a chunk that fails on its key
	// is redone as an upsert, which names the rows.
	var plain *sql.Stmt
	if before == 0 && tail != "" {
		if plain, err = tx.PrepareContext(ctx, head+values(chunk)); err != nil {
			return st, err
		}
		defer plain.Close()
	}
	keyIdx := make([]int, len(keys))
	for i, k := range ds.Keys() {
		for j, c := range ds.Live() {
			if c.Name == k.Name {
				keyIdx[i] = j
			}
		}
	}
	where := make([]string, len(keys))
	for i, k := range keys {
		where[i] = k + " = ?"
	}
	var lookup, del, seen *sql.Stmt
	if len(keys) > 0 {
		if lookup, err = tx.PrepareContext(ctx, "SELECT _batch_row FROM "+ds.Table+" WHERE "+strings.Join(where, " AND ")); err != nil {
			return st, err
		}
		defer lookup.Close()
		if del, err = tx.PrepareContext(ctx, "UPDATE "+ds.Table+" SET _deleted = 1, _batch = "+strconv.FormatInt(w.batch, 10)+", _batch_row = ?, _updated_at = '"+now+"' WHERE "+strings.Join(where, " AND ")+" AND _deleted = 0"); err != nil {
			return st, err
		}
		defer del.Close()
		if seen, err = tx.PrepareContext(ctx, "SELECT _batch_row FROM "+ds.Table+" WHERE "+strings.Join(where, " AND ")+" AND _batch = "+strconv.FormatInt(w.batch, 10)); err != nil {
			return st, err
		}
		defer seen.Close()
	}
	args := make([]any, 0, chunk*per)
	lines := make([]int, 0, chunk)
	// The keys of the batch's delete rows (rare), so that a key both
	// deleted and written in one batch is named even when nothing was there.
	delKeys := map[string]int{}
	keyOf := func() string {
		k := make([]any, len(keyIdx))
		for j, ki := range keyIdx {
			k[j] = f.out[ki]
		}
		return fmt.Sprint(k...)
	}
	var written int64
	flush := func() error {
		if len(lines) == 0 {
			return nil
		}
		var res sql.Result
		var err error
		if len(lines) == chunk && plain != nil {
			res, err = plain.ExecContext(ctx, args...)
			if store.IsUniqueViolation(err) {
				res, err = full.ExecContext(ctx, args...)
			}
		} else if len(lines) == chunk {
			res, err = full.ExecContext(ctx, args...)
		} else {
			res, err = tx.ExecContext(ctx, stmtFor(len(lines)), args...)
		}
		if err != nil {
			return fmt.Errorf("insert into %s: %w", ds.Table, err)
		}
		n, _ := res.RowsAffected()
		written += n
		if n < int64(len(lines)) && len(keys) > 0 {
			// Some rows repeated a key of this batch: name them.
			for i, line := range lines {
				kargs := make([]any, len(keyIdx))
				for j, ki := range keyIdx {
					kargs[j] = args[i*per+ki]
				}
				var first int
				if err := lookup.QueryRowContext(ctx, kargs...).Scan(&first); err != nil {
					return err
				}
				if first != line {
					f.reject(duplicate(ds, line, first))
				}
			}
		}
		args, lines = args[:0], lines[:0]
		return nil
	}
	for {
		ok, err := f.next(ctx)
		if err != nil {
			return st, err
		}
		if !ok {
			break
		}
		if len(delKeys) > 0 || f.del {
			k := keyOf()
			if first, ok := delKeys[k]; ok {
				f.reject(duplicate(ds, f.line, first))
				continue
			}
			if f.del {
				delKeys[k] = f.line
			}
		}
		if f.del {
			kargs := []any{f.line}
			for _, ki := range keyIdx {
				kargs = append(kargs, sqliteValue(tx, f.cols[ki].Item.Type, f.out[ki]))
			}
			if err := flush(); err != nil {
				return st, err
			}
			// A key this batch already wrote or deleted is a repeated key.
			var first int
			switch err := seen.QueryRowContext(ctx, kargs[1:]...).Scan(&first); {
			case err == nil:
				f.reject(duplicate(ds, f.line, first))
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return st, err
			}
			res, err := del.ExecContext(ctx, kargs...)
			if err != nil {
				return st, err
			}
			n, _ := res.RowsAffected()
			st.deleted += n
			continue
		}
		for i, v := range f.out {
			args = append(args, sqliteValue(tx, f.cols[i].Item.Type, v))
		}
		args = append(args, f.line)
		lines = append(lines, f.line)
		if len(lines) == chunk {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	if err := flush(); err != nil {
		return st, err
	}
	if f.errCount > 0 {
		return st, nil
	}
	if w.full {
		res, err := tx.ExecContext(ctx, "UPDATE "+ds.Table+" SET _deleted = 1, _updated_at = $1 WHERE _batch <> $2 AND _deleted = 0", now, w.batch)
		if err != nil {
			return st, err
		}
		n, _ := res.RowsAffected()
		st.deleted += n
	}
	var after int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*), coalesce(sum(CASE WHEN _deleted = 0 THEN 1 ELSE 0 END), 0) FROM "+ds.Table).Scan(&after, &st.live); err != nil {
		return st, err
	}
	st.inserted = after - before
	st.updated = written - st.inserted
	return st, nil
}

// sqliteValue converts a typed value for a SQLite column.
func sqliteValue(tx *store.Tx, t catalog.ItemType, v any) any {
	switch x := v.(type) {
	case time.Time:
		return tx.Dialect.Time(x)
	case bool:
		if x {
			return 1
		}
		return 0
	}
	return v
}

// pgWriter streams the rows with COPY into a temporary staging table, then
// moves them into the dataset table with one INSERT … SELECT (an upsert by
// key when the table already has rows). A repeated key within the batch
// makes that statement fail; the staging table then names the rows.
type pgWriter struct {
	tx     *store.Tx
	ds     *Dataset
	batch  int64
	agency int64
	full   bool
}

// copySource adapts a feed to pgx's CopyFromSource.
// Without meta, each row ends with its row number and delete flag (the
// staging table); with meta, with the row metadata columns, the row number
// in second place (the dataset table).
type copySource struct {
	ctx         context.Context
	f           *feed
	vals        []any
	meta        []any
	skipDeletes bool
	deletes     []skippedDelete // delete rows skipped on the way into an empty table
	err         error
}

// skippedDelete is a delete row of a load into an empty table: nothing to
// delete, but its key must not repeat another row's.
type skippedDelete struct {
	line int
	key  []any
}

// keyValues returns the current row's key values.
func keyValues(f *feed) []any {
	var out []any
	for i, c := range f.cols {
		if c.Item.Key {
			out = append(out, f.out[i])
		}
	}
	return out
}

// checkSkippedDeletes names the delete rows whose key another row of the
// batch has (a delete row or a copied one).
func (w *pgWriter) checkSkippedDeletes(ctx context.Context, f *feed, dels []skippedDelete) error {
	if len(dels) == 0 {
		return nil
	}
	keys := keyColumns(w.ds)
	where := make([]string, len(keys))
	for i, k := range keys {
		where[i] = k + " = $" + strconv.Itoa(i+1)
	}
	seen := map[string]int{}
	for _, d := range dels {
		k := fmt.Sprint(d.key...)
		if first, ok := seen[k]; ok {
			f.reject(duplicate(w.ds, d.line, first))
			continue
		}
		seen[k] = d.line
		var first int
		err := w.tx.QueryRowContext(ctx, "SELECT min(_batch_row) FROM "+w.ds.Table+" WHERE "+strings.Join(where, " AND ")+" HAVING count(*) > 0", d.key...).Scan(&first)
		switch {
		case err == nil:
			f.reject(duplicate(w.ds, max(d.line, first), min(d.line, first)))
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	return nil
}

func (c *copySource) Next() bool {
	for {
		ok, err := c.f.next(c.ctx)
		if err != nil {
			c.err = err
			return false
		}
		if !ok {
			return false
		}
		if !(c.skipDeletes && c.f.del) {
			break
		}
		c.deletes = append(c.deletes, skippedDelete{line: c.f.line, key: keyValues(c.f)})
	}
	n := len(c.f.out)
	for i, v := range c.f.out {
		c.vals[i] = pgValue(c.f.cols[i].Item.Type, v)
	}
	if c.meta != nil {
		copy(c.vals[n:], c.meta)
		c.vals[n+1] = int32(c.f.line)
		return true
	}
	c.vals[n] = int32(c.f.line)
	c.vals[n+1] = c.f.del
	return true
}

func (c *copySource) Values() ([]any, error) { return c.vals, nil }
func (c *copySource) Err() error             { return c.err }

// pgValue converts a typed value for COPY's binary format.
func pgValue(t catalog.ItemType, v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	switch t {
	case catalog.TypeNumber, catalog.TypeCurrency:
		var n pgtype.Numeric
		if err := n.Scan(s); err == nil {
			return n
		}
	case catalog.TypeDate:
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return d
		}
	}
	return v
}

func (w *pgWriter) write(ctx context.Context, f *feed) (loadStats, error) {
	var st loadStats
	tx, ds := w.tx, w.ds
	cols := liveColumns(ds)
	keys := keyColumns(ds)
	var nonEmpty bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+ds.Table+")").Scan(&nonEmpty); err != nil {
		return st, err
	}
	if !nonEmpty {
		return w.writeEmpty(ctx, f, cols, keys)
	}
	stg := "stg_" + strconv.FormatInt(w.batch, 10)
	var ddl strings.Builder
	ddl.WriteString("CREATE TEMP TABLE " + stg + " (")
	for _, c := range f.cols {
		ddl.WriteString(c.Name + " " + sqlType(store.Postgres, c.Item.Type) + ", ")
	}
	ddl.WriteString("_batch_row INTEGER NOT NULL, _del BOOLEAN NOT NULL) ON COMMIT DROP")
	if _, err := tx.ExecContext(ctx, ddl.String()); err != nil {
		return st, fmt.Errorf("staging table: %w", err)
	}
	src := &copySource{ctx: ctx, f: f, vals: make([]any, len(cols)+2)}
	if _, err := tx.CopyFrom(ctx, []string{stg}, append(append([]string{}, cols...), "_batch_row", "_del"), src); err != nil {
		if src.err != nil {
			return st, src.err
		}
		return st, fmt.Errorf("copy into %s: %w", stg, err)
	}
	if f.errCount > 0 {
		return st, nil
	}
	if len(keys) > 0 {
		var dels bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+stg+" WHERE _del)").Scan(&dels); err != nil {
			return st, err
		}
		if dels {
			// A key deleted and written, or deleted twice, in one batch is a
			// repeated key, as on SQLite.
			if err := w.duplicatesIn(ctx, f, stg, keys, true); err != nil || f.errCount > 0 {
				return st, err
			}
		}
	}
	colList := strings.Join(cols, ", ")
	insert := "INSERT INTO " + ds.Table + " (" + colList + ", _batch, _batch_row, _agency, _loaded_at, _updated_at, _deleted) SELECT " + colList +
		", $1, _batch_row, $2, $3, $3, FALSE FROM " + stg + " WHERE NOT _del"
	if _, err := tx.ExecContext(ctx, "SAVEPOINT move"); err != nil {
		return st, err
	}
	var err error
	if len(keys) > 0 {
		sets := make([]string, 0, len(cols)+5)
		for _, c := range cols {
			sets = append(sets, c+" = EXCLUDED."+c)
		}
		sets = append(sets, "_batch = EXCLUDED._batch", "_batch_row = EXCLUDED._batch_row", "_agency = EXCLUDED._agency", "_updated_at = EXCLUDED._updated_at", "_deleted = FALSE")
		err = tx.QueryRowContext(ctx, "WITH up AS ("+insert+" ON CONFLICT ("+strings.Join(keys, ", ")+") DO UPDATE SET "+strings.Join(sets, ", ")+
			" RETURNING (xmax = 0) AS ins) SELECT count(*) FILTER (WHERE ins), count(*) FROM up", w.batch, w.agency, tx.Now).Scan(&st.inserted, &st.updated)
		st.updated -= st.inserted
	} else {
		var res sql.Result
		res, err = tx.ExecContext(ctx, insert, w.batch, w.agency, tx.Now)
		if err == nil {
			st.inserted, _ = res.RowsAffected()
		}
	}
	if err != nil {
		var pe *pgconn.PgError
		if len(keys) == 0 || !errors.As(err, &pe) || (pe.Code != "23505" && pe.Code != "21000") {
			return st, fmt.Errorf("move batch into %s: %w", ds.Table, err)
		}
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT move"); err != nil {
			return st, err
		}
		if err := w.duplicatesIn(ctx, f, stg, keys, false); err != nil {
			return st, err
		}
		if f.errCount == 0 {
			return st, fmt.Errorf("collect: move into %s failed on a key, but no repeated key was found", ds.Table)
		}
		return st, nil
	}
	if len(keys) > 0 {
		on := make([]string, len(keys))
		for i, k := range keys {
			on[i] = "t." + k + " = s." + k
		}
		res, err := tx.ExecContext(ctx, "UPDATE "+ds.Table+" t SET _deleted = TRUE, _batch = $1, _batch_row = s._batch_row, _updated_at = $2 FROM "+stg+
			" s WHERE s._del AND "+strings.Join(on, " AND ")+" AND NOT t._deleted", w.batch, tx.Now)
		if err != nil {
			return st, err
		}
		n, _ := res.RowsAffected()
		st.deleted += n
	}
	if w.full {
		res, err := tx.ExecContext(ctx, "UPDATE "+ds.Table+" SET _deleted = TRUE, _updated_at = $1 WHERE _batch <> $2 AND NOT _deleted", tx.Now, w.batch)
		if err != nil {
			return st, err
		}
		n, _ := res.RowsAffected()
		st.deleted += n
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+ds.Table+" WHERE NOT _deleted").Scan(&st.live); err != nil {
		return st, err
	}
	return st, nil
}

// writeEmpty loads into a dataset table that holds no row yet, the way
// bulk loads are done: COPY straight into the table without its key index,
// then build the index; if that fails, the batch repeated a key and the
// table names the rows. Delete rows have nothing to delete and are skipped.
func (w *pgWriter) writeEmpty(ctx context.Context, f *feed, cols, keys []string) (loadStats, error) {
	var st loadStats
	tx, ds := w.tx, w.ds
	if len(keys) > 0 {
		if _, err := tx.ExecContext(ctx, "DROP INDEX IF EXISTS "+ds.Table+"_key"); err != nil {
			return st, err
		}
	}
	n := len(cols)
	src := &copySource{ctx: ctx, f: f, vals: make([]any, n+6), skipDeletes: true,
		meta: []any{w.batch, nil, w.agency, tx.Now, tx.Now, false}}
	copied, err := tx.CopyFrom(ctx, []string{ds.Table}, append(append([]string{}, cols...), "_batch", "_batch_row", "_agency", "_loaded_at", "_updated_at", "_deleted"), src)
	if err != nil {
		if src.err != nil {
			return st, src.err
		}
		return st, fmt.Errorf("copy into %s: %w", ds.Table, err)
	}
	if f.errCount > 0 {
		return st, nil
	}
	if err := w.checkSkippedDeletes(ctx, f, src.deletes); err != nil || f.errCount > 0 {
		return st, err
	}
	if len(keys) > 0 {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT key_index"); err != nil {
			return st, err
		}
		if err := createKeyIndex(ctx, tx, ds); err != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT key_index"); err != nil {
				return st, err
			}
			if err := w.duplicatesIn(ctx, f, ds.Table, keys, false); err != nil {
				return st, err
			}
			if f.errCount == 0 {
				return st, fmt.Errorf("collect: the key index of %s failed, but no repeated key was found", ds.Table)
			}
			return st, nil
		}
	}
	st.inserted, st.live = copied, copied
	return st, nil
}

// duplicates names the rows of the staging table whose key an earlier row has.
func (w *pgWriter) duplicatesIn(ctx context.Context, f *feed, table string, keys []string, withDeletes bool) error {
	part := strings.Join(keys, ", ")
	cond := ""
	if strings.HasPrefix(table, "stg_") && !withDeletes {
		cond = " WHERE NOT _del"
	}
	rows, err := w.tx.QueryContext(ctx, "SELECT r, first FROM (SELECT _batch_row AS r, min(_batch_row) OVER (PARTITION BY "+part+") AS first FROM "+table+
		cond+") x WHERE r <> first ORDER BY r LIMIT "+strconv.Itoa(MaxStoredRejections))
	if err != nil {
		return fmt.Errorf("find repeated keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r, first int
		if err := rows.Scan(&r, &first); err != nil {
			return err
		}
		f.reject(duplicate(w.ds, r, first))
	}
	return rows.Err()
}
