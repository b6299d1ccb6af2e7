package collect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/ident"
	"pubdata/internal/org"
	"pubdata/internal/rules"
	"pubdata/internal/store"
)

// Return flow (回流, HZ §29 按照属地原则…开展公共数据回流; MZ §12 回流汇聚).
//
// A city's or county's authority takes a copy of a provincial dataset keyed
// by resident ID or credit code: a dataset of its own (origin_dataset_id =
// the origin) that holds the origin's rows whose key carries a region code
// of its jurisdiction. After each load of the origin, and on the
// scheduler's round, the rows written since the copy's cursor flow into it
// through Load (channel returnflow), deleted rows as delete rows; a full
// load of the origin makes a full load of the copy.

// switchReturnFlow is the rule that the local measures provide for return
// flow by locality.
const switchReturnFlow = "returnflow.by_locality"

var errReturnFlowForbidden = apperr.New(apperr.Forbidden, "collect.returnflow.forbidden",
	"只有市、县（区）公共数据主管部门审核员可以建立数据回流", "only an authority reviewer of a city or county may set up a return flow")

// AddReturnFlow sets up the return flow of a higher-level dataset into the
// actor's jurisdiction (HZ §29) and makes the first copy. Who may call: an
// authority reviewer of a city or county whose rule profile has
// returnflow.by_locality true. The origin is a dataset of a jurisdiction
// above the actor's (not itself a copy) with a resident ID or credit code
// key. The copy is a new dataset of the actor's authority in the actor's
// jurisdiction, with the origin's entry and columns, in a table of its own.
//
// Errors: Forbidden collect.returnflow.forbidden (role or level) and
// collect.returnflow.not_provided (the local rules do not provide for
// return flow), NotFound (no such origin above the actor), Invalid
// collect.returnflow.not_higher, collect.returnflow.copy and
// collect.returnflow.key, Conflict collect.returnflow.exists. Audited, the
// refusals too.
func (s *Service) AddReturnFlow(ctx context.Context, a audit.Actor, originDatasetID int64) (Dataset, error) {
	ev := audit.Event{Action: "collect.returnflow.add", ObjectType: "dataset", ObjectID: strconv.FormatInt(originDatasetID, 10)}
	if a.Role != "authority_reviewer" || len(a.Jurisdiction) != 6 {
		return Dataset{}, s.denyWith(ctx, a, ev, errReturnFlowForbidden)
	}
	if a.Jurisdiction == org.ProvinceCode {
		return Dataset{}, s.denyWith(ctx, a, ev, apperr.New(apperr.Forbidden, "collect.returnflow.forbidden",
			"数据回流是省级数据回到市、县（区）：省级审核员无需建立回流", "return flow brings provincial data to a city or county; a provincial reviewer has nothing to take it into"))
	}
	origin, err := s.dataset(ctx, s.db.Read(), originDatasetID)
	if err != nil {
		return Dataset{}, err
	}
	if !org.Covers(origin.Jurisdiction, a.Jurisdiction) {
		return Dataset{}, s.denyWith(ctx, a, ev, errDatasetNotFound)
	}
	if origin.Jurisdiction == a.Jurisdiction {
		return Dataset{}, s.denyWith(ctx, a, ev, apperr.Invalidf("collect.returnflow.not_higher", "origin_dataset_id",
			"回流的来源须是上级（省级或更高层级）的数据集，不能是本级数据集", "the origin of a return flow must be a dataset of a higher level, not of your own"))
	}
	if origin.OriginID != 0 {
		return Dataset{}, s.denyWith(ctx, a, ev, apperr.Invalidf("collect.returnflow.copy", "origin_dataset_id",
			"该数据集本身是回流副本，请从其来源数据集回流", "this dataset is itself a return-flow copy; take the flow from its origin"))
	}
	if _, ok := regionKey(&origin); !ok {
		return Dataset{}, s.denyWith(ctx, a, ev, apperr.Invalidf("collect.returnflow.key", "origin_dataset_id",
			fmt.Sprintf("数据集“%s”没有公民身份号码或统一社会信用代码主键，无法按属地原则确定回流的数据", origin.Name),
			fmt.Sprintf("dataset %q has no resident ID or credit code key, so the rows of a locality cannot be told apart", origin.Name)))
	}
	if err := s.returnFlowProvided(a.Jurisdiction); err != nil {
		return Dataset{}, s.denyWith(ctx, a, ev, err)
	}
	var copyID int64
	err = s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM datasets WHERE origin_dataset_id = $1 AND jurisdiction_code = $2`, origin.ID, a.Jurisdiction).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "collect.returnflow.exists", "本辖区已建立该数据集的回流", "your jurisdiction already has a return flow of this dataset")
		}
		cp := Dataset{EntryID: origin.EntryID, AgencyID: a.AgencyID, Jurisdiction: a.Jurisdiction, Name: origin.Name, SchemaVersion: origin.SchemaVersion,
			Columns: origin.Columns, UpdateFreq: origin.UpdateFreq, OriginID: origin.ID}
		if err := insertDataset(ctx, tx, &cp); err != nil {
			if store.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "collect.returnflow.exists", "本辖区已建立该数据集的回流", "your jurisdiction already has a return flow of this dataset")
			}
			return fmt.Errorf("create return-flow dataset: %w", err)
		}
		copyID = cp.ID
		ev.ObjectID = strconv.FormatInt(copyID, 10)
		ev.Detail = fmt.Sprintf("copy dataset %d (%s) in %s of origin %d (%s)", copyID, cp.Table, a.Jurisdiction, origin.ID, origin.Jurisdiction)
		return s.trail.Append(ctx, tx, a, ev)
	})
	if ae, ok := apperr.As(err); ok {
		return Dataset{}, s.denyWith(ctx, a, ev, ae)
	}
	if err != nil {
		return Dataset{}, fmt.Errorf("add return flow of dataset %d: %w", origin.ID, err)
	}
	if _, err := s.flowCopy(ctx, copyID); err != nil {
		s.log.Error("first return flow", "dataset", copyID, "origin", origin.ID, "err", err)
	}
	return s.dataset(ctx, s.db.Read(), copyID)
}

// returnFlowProvided checks that the rule profile of the jurisdiction
// provides for return flow by locality (HZ §29).
func (s *Service) returnFlowProvided(jurisdiction string) error {
	p := s.profileOf(jurisdiction)
	var v rules.Value
	ok := false
	if p != nil {
		v, ok = p.Get(switchReturnFlow)
	}
	if ok && v.Kind == rules.KindSwitch && v.Bool {
		return nil
	}
	name := jurisdiction
	if p != nil {
		name = p.TitleZH
	}
	return &apperr.Error{Kind: apperr.Forbidden, Code: "collect.returnflow.not_provided", Field: "origin_dataset_id",
		ZH: fmt.Sprintf("本地规则（%s）未规定按属地原则开展公共数据回流（规则 %s，如惠州 HZ §29），不能建立回流", name, switchReturnFlow),
		EN: fmt.Sprintf("the local rules (%s) do not provide for return flow by locality (rule %s, as HZ §29 does for Huizhou); no return flow can be set up", jurisdiction, switchReturnFlow)}
}

// regionKey is the origin's key column that carries a region code.
func regionKey(ds *Dataset) (Column, bool) {
	if c, ok := keyOfKind(ds, catalog.KeyResidentID); ok {
		return c, true
	}
	return keyOfKind(ds, catalog.KeyCreditCode)
}

// regionOf is the region code in a key value of the column.
func regionOf(c Column, v string) string {
	if c.Item.KeyKind == catalog.KeyCreditCode {
		return keyRegion(BaseEntity, v)
	}
	return keyRegion(BasePerson, v)
}

// flowBack flows the rows a load of a dataset wrote into its return-flow copies.
func (s *Service) flowBack(ctx context.Context, ds *Dataset, b *Batch) error {
	if b.State != BatchLoaded {
		return nil
	}
	ids, err := s.copiesWhere(ctx, `origin_dataset_id = $1`, ds.ID)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if _, err := s.flowCopy(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RunReturnFlows flows every copy whose origin loaded since its cursor and
// returns how many flowed; the scheduler calls it (a flow that failed after
// a load is retried here). now is the scheduler's time; the loads take the
// service's clock.
func (s *Service) RunReturnFlows(ctx context.Context, now time.Time) (int, error) {
	ids, err := s.copiesWhere(ctx, `origin_dataset_id IS NOT NULL AND origin_cursor < (SELECT coalesce(o.last_batch_id, 0) FROM datasets o WHERE o.id = datasets.origin_dataset_id)`)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, id := range ids {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		flowed, err := s.flowCopy(ctx, id)
		if err != nil {
			s.log.Warn("return flow failed", "dataset", id, "at", now, "err", err)
			errs = append(errs, err)
		}
		if flowed {
			n++
		}
	}
	return n, errors.Join(errs...)
}

func (s *Service) copiesWhere(ctx context.Context, where string, args ...any) ([]int64, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id FROM datasets WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("return-flow copies: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// flowLocks serialises the flows of one copy within a process.
var flowLocks sync.Map // flowLockKey → *sync.Mutex

type flowLockKey struct {
	s  *Service
	id int64
}

// flowCopy brings one copy up to its origin's last batch: the origin's
// rows of the copy's region written after the cursor, through Load with
// the channel returnflow, then the cursor moves to that batch. A full load
// of the origin since the cursor (or the first flow) makes a full load of
// the copy, since a full load's deletions do not mark the rows' batch. It
// reports whether a batch was taken.
func (s *Service) flowCopy(ctx context.Context, copyID int64) (bool, error) {
	mu, _ := flowLocks.LoadOrStore(flowLockKey{s, copyID}, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	cp, err := s.dataset(ctx, s.db.Read(), copyID)
	if err != nil {
		return false, err
	}
	if cp.OriginID == 0 {
		return false, fmt.Errorf("dataset %d is not a return-flow copy", copyID)
	}
	origin, err := s.dataset(ctx, s.db.Read(), cp.OriginID)
	if err != nil {
		return false, err
	}
	upto, cursor := origin.LastBatchID, cp.OriginCursor
	if upto <= cursor {
		return false, nil
	}
	if cp.SchemaVersion != origin.SchemaVersion {
		if cp, err = s.followSchema(ctx, cp, &origin); err != nil {
			return false, err
		}
	}
	mode := ModeIncremental
	if cursor == 0 {
		mode = ModeFull
	} else {
		var full int
		if err := s.db.Read().QueryRowContext(ctx, `SELECT count(*) FROM dataset_batches WHERE dataset_id = $1 AND id > $2 AND id <= $3 AND state = 'loaded' AND mode = 'full'`,
			origin.ID, cursor, upto).Scan(&full); err != nil {
			return false, err
		}
		if full > 0 {
			mode = ModeFull
		}
	}
	rd, err := s.openFlowReader(ctx, &origin, &cp, mode, cursor, upto)
	if err != nil {
		return false, err
	}
	var b Batch
	loaded := false
	if mode == ModeFull || rd.pending {
		sys := audit.System()
		sys.AgencyID, sys.Jurisdiction = cp.AgencyID, cp.Jurisdiction
		b, err = s.Load(ctx, sys, cp.ID, LoadInput{Channel: ChannelReturnFlow, Mode: mode, Reader: rd,
			FileName: fmt.Sprintf("dataset %d batches %d-%d", origin.ID, cursor+1, upto)})
		if err != nil {
			return false, fmt.Errorf("return flow into dataset %d: %w", cp.ID, err)
		}
		if b.State != BatchLoaded {
			return false, fmt.Errorf("return flow into dataset %d: batch %d %s with %d errors", cp.ID, b.ID, b.State, b.ErrorCount)
		}
		loaded = true
	} else {
		rd.Close()
	}
	err = s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE datasets SET origin_cursor = $1 WHERE id = $2`, upto, cp.ID); err != nil {
			return err
		}
		detail := fmt.Sprintf("origin %d batches %d-%d: nothing of %s", origin.ID, cursor+1, upto, cp.Jurisdiction)
		if loaded {
			detail = fmt.Sprintf("origin %d batches %d-%d: batch %d %s, %d read, %d inserted, %d updated, %d deleted",
				origin.ID, cursor+1, upto, b.ID, mode, b.RowsRead, b.RowsInserted, b.RowsUpdated, b.RowsDeleted)
		}
		return s.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "collect.returnflow.flow", ObjectType: "dataset", ObjectID: strconv.FormatInt(cp.ID, 10), Detail: detail})
	})
	if err != nil {
		return loaded, fmt.Errorf("move return-flow cursor of dataset %d: %w", cp.ID, err)
	}
	return loaded, nil
}

// followSchema brings a copy to the origin's published columns, as a new
// catalog version migrates the origin.
func (s *Service) followSchema(ctx context.Context, cp Dataset, origin *Dataset) (Dataset, error) {
	items := make([]catalog.Item, 0, len(origin.Columns))
	for _, c := range origin.Live() {
		items = append(items, c.Item)
	}
	e := catalog.Entry{ID: origin.EntryID, Metadata: catalog.Metadata{Name: origin.Name, Items: items, UpdateFreq: origin.UpdateFreq}}
	if err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error { return s.migrateDataset(ctx, tx, cp, e, origin.SchemaVersion) }); err != nil {
		return cp, fmt.Errorf("follow the schema of dataset %d: %w", origin.ID, err)
	}
	return s.dataset(ctx, s.db.Read(), cp.ID)
}

// flowReader is the RowReader over the origin's rows of a copy's region,
// aligned to the copy's fields.
type flowReader struct {
	rows    *sql.Rows
	juris   string
	rk      Column // the origin's key column that carries the region
	src     []int  // scanned column of each copy field, -1 none
	types   []catalog.ItemType
	keyOnly []bool // the copy field is a key (kept in delete rows)
	vals    []any
	ptrs    []any
	row     []string
	line    int
	pending bool // row holds a row not yet returned
	err     error
}

// openFlowReader queries the origin's rows for a flow and reads up to the
// first row of the copy's region.
func (s *Service) openFlowReader(ctx context.Context, origin, cp *Dataset, mode Mode, cursor, upto int64) (*flowReader, error) {
	rk, ok := regionKey(origin)
	if !ok {
		return nil, fmt.Errorf("dataset %d has no region key", origin.ID)
	}
	byName := map[string]Column{}
	for _, c := range origin.Live() {
		byName[c.Item.Name] = c
	}
	live := cp.Live()
	r := &flowReader{juris: cp.Jurisdiction, src: make([]int, len(live)), types: make([]catalog.ItemType, len(live)), keyOnly: make([]bool, len(live)),
		row: make([]string, len(live)+1)}
	cols := []string{rk.Name, "_deleted"}
	for i, c := range live {
		r.types[i], r.keyOnly[i] = c.Item.Type, c.Item.Key
		oc, ok := byName[c.Item.Name]
		if !ok {
			r.src[i] = -1
			continue
		}
		r.src[i] = len(cols)
		cols = append(cols, oc.Name)
	}
	where := "_batch > " + strconv.FormatInt(cursor, 10) + " AND _batch <= " + strconv.FormatInt(upto, 10)
	if mode == ModeFull {
		where = liveWhere(s.db.Dialect, "")
	}
	rows, err := s.db.Read().QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+origin.Table+" WHERE "+where+" ORDER BY _row")
	if err != nil {
		return nil, fmt.Errorf("read dataset %d for return flow: %w", origin.ID, err)
	}
	r.rows, r.rk = rows, rk
	r.vals = make([]any, len(cols))
	r.ptrs = make([]any, len(cols))
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	r.advance()
	if r.err != nil {
		rows.Close()
		return nil, r.err
	}
	return r, nil
}

// advance reads to the next row of the region into r.row. The region key
// is the first column scanned, the deleted flag the second.
func (r *flowReader) advance() {
	r.pending = false
	for r.rows.Next() {
		if err := r.rows.Scan(r.ptrs...); err != nil {
			r.err = fmt.Errorf("read origin row: %w", err)
			return
		}
		key := pullValue(r.vals[0], r.rk.Item.Type, false)
		if reg := regionOf(r.rk, key); reg == "" || !ident.DivisionCovers(r.juris, reg) {
			continue
		}
		del := deletedValue(r.vals[1])
		for i, j := range r.src {
			r.row[i] = ""
			if j >= 0 && (!del || r.keyOnly[i]) {
				r.row[i] = pullValue(r.vals[j], r.types[i], false)
			}
		}
		r.row[len(r.src)] = ""
		if del {
			r.row[len(r.src)] = "delete"
		}
		r.pending = true
		return
	}
	r.err = r.rows.Err()
}

func deletedValue(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	}
	return false
}

// Next returns the next row of the region; io.EOF after the last.
func (r *flowReader) Next() ([]string, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.pending {
		return nil, io.EOF
	}
	r.line++
	out := append([]string(nil), r.row...)
	r.advance()
	return out, nil
}

// Line is the number of rows returned so far.
func (r *flowReader) Line() int { return r.line }

// Close closes the query.
func (r *flowReader) Close() error { return r.rows.Close() }
