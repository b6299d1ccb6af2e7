package collect

// Database pull (库表汇聚): JM §10 "通过库表或者接口的方式", MZ §12 "以数据库
// 表方式实时、全量汇聚". An agency officer registers a table of the agency's
// own PostgreSQL or MySQL/MariaDB; the platform reads it, whole (full) or
// the rows changed since the last read (incremental), and loads what it read
// as one batch through Load, like any other channel.

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/store"
)

// The source database engines.
const (
	DriverPostgres = "postgres" // PostgreSQL and what speaks its protocol (openGauss, KingbaseES)
	DriverMySQL    = "mysql"    // MySQL and MariaDB
)

// SourceInput registers a source table.
type SourceInput struct {
	Driver string `json:"driver"` // "postgres" or "mysql" ("mariadb" is taken for "mysql")
	// DSN: postgres://user:password@host:5432/db?sslmode=… for PostgreSQL;
	// user:password@tcp(host:3306)/db in the MySQL driver's syntax.
	DSN   string `json:"dsn"`
	Table string `json:"table"` // table or schema.table (database.table on MySQL)
	// Columns maps item names to source columns; every key and required
	// item must be mapped. An incremental source may map OpField to a
	// column holding "delete" for rows to remove.
	Columns map[string]string `json:"columns"`
	// UpdateColumn is a timestamp or integer column that grows whenever a
	// row changes; incremental reads take the rows above the last value read.
	UpdateColumn string `json:"update_column"`
	Mode         Mode   `json:"mode"` // full, or incremental (needs UpdateColumn and a dataset with a key)
}

// Source is a registered source table. It never shows the connection
// string: only DSNRedacted, the string without its password.
type Source struct {
	ID           int64             `json:"id"`
	DatasetID    int64             `json:"dataset_id"`
	Driver       string            `json:"driver"`
	DSNRedacted  string            `json:"dsn_redacted"`
	Table        string            `json:"table"`
	Columns      map[string]string `json:"columns"`
	UpdateColumn string            `json:"update_column,omitempty"`
	Mode         Mode              `json:"mode"`
	Cursor       string            `json:"cursor,omitempty"` // the greatest update value read by a loaded batch
	Enabled      bool              `json:"enabled"`
	NextRunAt    *time.Time        `json:"next_run_at,omitempty"` // nil: not scheduled (irregular updates)
	LastRunAt    *time.Time        `json:"last_run_at,omitempty"`
	LastBatchID  int64             `json:"last_batch_id,omitempty"`
	LastError    string            `json:"last_error,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// pullInterval is how often a source is read, from its dataset's update
// frequency (更新频率). It is a schedule, not a statutory deadline: an
// irregular dataset is not scheduled and is pulled when its officer asks.
var pullInterval = map[catalog.UpdateFreq]time.Duration{
	catalog.FreqRealtime:   15 * time.Minute,
	catalog.FreqDaily:      24 * time.Hour,
	catalog.FreqWeekly:     7 * 24 * time.Hour,
	catalog.FreqMonthly:    30 * 24 * time.Hour,
	catalog.FreqQuarterly:  91 * 24 * time.Hour,
	catalog.FreqSemiannual: 182 * 24 * time.Hour,
	catalog.FreqAnnual:     365 * 24 * time.Hour,
}

// pullTimeout bounds connecting to a source and reading its description.
const pullTimeout = 5 * time.Second

// pullIdle is how long a pull waits for the source's next row (the first
// one included, which may follow a sort) before it gives up, so that a
// stalled source never holds the scheduler.
const pullIdle = 15 * time.Minute

var (
	errSourceNotFound = apperr.New(apperr.NotFound, "collect.source.not_found", "汇聚源不存在或无权查看", "no such source, or not visible to you")
	errNoSecretsKey   = apperr.New(apperr.Unavailable, "collect.source.no_secrets_key",
		"本节点未配置密钥文件（no secrets key configured），不能保存源数据库的连接信息，无法登记库表汇聚",
		"no secrets key configured: this node cannot keep a source database's credentials, so database pull cannot be registered")
	errSourceDisabled = apperr.New(apperr.Conflict, "collect.source.disabled", "该汇聚源已停用，请先启用", "the source is disabled; enable it first")
)

// AddSource registers a source table for the dataset. It checks the input,
// connects to the source (within 5 s) and checks that the table and every
// mapped column exist there, seals the connection string with the node's
// secrets key, and schedules the first pull at once (then by the dataset's
// update frequency). Who may call: an officer of the dataset's agency.
// Errors: NotFound or Forbidden; Invalid naming the field (driver, dsn,
// table, columns, columns.<item>, update_column, mode); Unavailable when
// the node has no secrets key.
func (s *Service) AddSource(ctx context.Context, a audit.Actor, datasetID int64, in SourceInput) (Source, error) {
	ds, err := s.ownDataset(ctx, a, datasetID)
	if err != nil {
		return Source{}, err
	}
	if s.sealer == nil {
		return Source{}, errNoSecretsKey
	}
	spec, err := checkSource(&ds, &in)
	if err != nil {
		return Source{}, err
	}
	rdb, err := spec.dsn.open()
	if err != nil {
		return Source{}, err
	}
	defer rdb.Close()
	cctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	if err := rdb.PingContext(cctx); err != nil {
		return Source{}, apperr.Invalidf("collect.source.connect", "dsn", "无法连接源数据库："+spec.dsn.scrub(err.Error()),
			"cannot connect to the source database: "+spec.dsn.scrub(err.Error()))
	}
	rt, err := describe(cctx, rdb, spec.driver, spec.table)
	if err != nil {
		return Source{}, spec.dsn.scrubErr(err)
	}
	if err := spec.resolve(&rt); err != nil {
		return Source{}, err
	}
	sealed, err := s.sealer.Seal([]byte(spec.dsn.raw), sourceAAD(datasetID))
	if err != nil {
		return Source{}, fmt.Errorf("collect: seal dsn: %w", err)
	}
	src := Source{DatasetID: datasetID, Driver: spec.driver, DSNRedacted: spec.dsn.redacted, Table: spec.table.String(),
		Columns: spec.columns, UpdateColumn: spec.update, Mode: spec.mode, Enabled: true}
	var keyCols []string
	for _, k := range ds.Keys() {
		keyCols = append(keyCols, spec.columns[k.Item.Name])
	}
	colDoc, _ := json.Marshal(src.Columns)
	now := s.now()
	err = s.db.WriteAt(ctx, now, func(tx *store.Tx) error {
		src.CreatedAt, src.UpdatedAt = tx.Now, tx.Now
		if _, ok := pullInterval[ds.UpdateFreq]; ok {
			src.NextRunAt = timePtr(tx.Now)
		}
		var uid any
		if a.UserID != 0 {
			uid = a.UserID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO dataset_sources(dataset_id, driver, dsn_sealed, dsn_redacted, source_table, column_map, key_columns,
			update_column, mode, enabled, next_run_at, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id`,
			datasetID, src.Driver, sealed, src.DSNRedacted, src.Table, string(colDoc), strings.Join(keyCols, ","), src.UpdateColumn, string(src.Mode), true,
			tx.Dialect.NullTime(src.NextRunAt), uid, tx.Dialect.Time(tx.Now)).Scan(&src.ID); err != nil {
			return fmt.Errorf("collect: add source: %w", err)
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "collect.source.add", ObjectType: "dataset_source", ObjectID: strconv.FormatInt(src.ID, 10),
			Detail: fmt.Sprintf("dataset %d ← %s %s table %s, %s, %d columns", datasetID, src.Driver, src.DSNRedacted, src.Table, src.Mode, len(src.Columns))})
	})
	if err != nil {
		return Source{}, err
	}
	return src, nil
}

// Sources lists the dataset's source tables. Who may call: an officer of
// the dataset's agency.
func (s *Service) Sources(ctx context.Context, a audit.Actor, datasetID int64) ([]Source, error) {
	if _, err := s.ownDataset(ctx, a, datasetID); err != nil {
		return nil, err
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+sourceColumns+` FROM dataset_sources WHERE dataset_id = $1 ORDER BY id`, datasetID)
	if err != nil {
		return nil, fmt.Errorf("collect: list sources: %w", err)
	}
	defer rows.Close()
	out := []Source{}
	for rows.Next() {
		r, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.Source)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.trail.Record(ctx, a, audit.Event{Action: "collect.source.list", ObjectType: "dataset", ObjectID: strconv.FormatInt(datasetID, 10),
		Detail: fmt.Sprintf("%d sources", len(out))})
}

// SetSourceEnabled pauses or resumes a source. A resumed source is due at
// once if its dataset is scheduled. Who may call: an officer of the
// dataset's agency.
func (s *Service) SetSourceEnabled(ctx context.Context, a audit.Actor, sourceID int64, enabled bool) (Source, error) {
	r, ds, err := s.ownSource(ctx, a, sourceID)
	if err != nil {
		return Source{}, err
	}
	src := r.Source
	if src.Enabled == enabled {
		return src, nil
	}
	err = s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		src.Enabled, src.UpdatedAt = enabled, tx.Now
		if enabled {
			src.NextRunAt = nil
			if _, ok := pullInterval[ds.UpdateFreq]; ok {
				src.NextRunAt = timePtr(tx.Now)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE dataset_sources SET enabled = $1, next_run_at = $2, updated_at = $3 WHERE id = $4`,
			enabled, tx.Dialect.NullTime(src.NextRunAt), tx.Dialect.Time(tx.Now), src.ID); err != nil {
			return fmt.Errorf("collect: set source %d enabled: %w", src.ID, err)
		}
		action := "collect.source.disable"
		if enabled {
			action = "collect.source.enable"
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: action, ObjectType: "dataset_source", ObjectID: strconv.FormatInt(src.ID, 10),
			Detail: fmt.Sprintf("dataset %d", src.DatasetID)})
	})
	if err != nil {
		return Source{}, err
	}
	return src, nil
}

// RunSource pulls the source now: it reads the table (an incremental
// source only the rows whose update column is above the cursor), streaming
// the rows into one batch through Load. A loaded batch moves the cursor to
// the greatest update value read; a rejected or failed one leaves it, and
// its reason is kept in LastError. Either way the run is recorded and
// audited and the next run scheduled. A rejected batch is returned with a
// nil error, as Load returns it. Who may call: an officer of the dataset's
// agency, or the system (RunDueSources). Errors: NotFound, Forbidden,
// Conflict for a disabled source, Unavailable when the source cannot be
// reached or read.
func (s *Service) RunSource(ctx context.Context, a audit.Actor, sourceID int64) (Batch, error) {
	return s.runSource(ctx, a, sourceID, s.now())
}

// RunDueSources is the scheduler's pass: it runs, as the system acting for
// each dataset's agency, every enabled source whose next run is due at now,
// logging failures. It returns how many sources it ran. A source is claimed
// before it runs, so that two passes never run it twice.
func (s *Service) RunDueSources(ctx context.Context, now time.Time) (int, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT s.id, d.agency_id, d.jurisdiction_code, d.update_freq FROM dataset_sources s JOIN datasets d ON d.id = s.dataset_id
		WHERE s.enabled = $1 AND s.next_run_at IS NOT NULL AND s.next_run_at <= $2 ORDER BY s.next_run_at, s.id`, true, s.db.Time(now))
	if err != nil {
		return 0, fmt.Errorf("collect: due sources: %w", err)
	}
	type due struct {
		id, agency int64
		juris      string
		freq       catalog.UpdateFreq
	}
	var dues []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.agency, &d.juris, &d.freq); err != nil {
			rows.Close()
			return 0, err
		}
		dues = append(dues, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	ran := 0
	for _, d := range dues {
		if ctx.Err() != nil {
			return ran, ctx.Err()
		}
		// Claim: push next_run_at past now; the run sets the real next time.
		lease := now.Add(time.Hour)
		if iv, ok := pullInterval[d.freq]; ok && iv < time.Hour {
			lease = now.Add(iv)
		}
		var claimed int64
		err := s.db.WriteAt(ctx, now, func(tx *store.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE dataset_sources SET next_run_at = $1 WHERE id = $2 AND enabled = $3 AND next_run_at <= $4`,
				tx.Dialect.Time(lease), d.id, true, tx.Dialect.Time(now))
			if err != nil {
				return err
			}
			claimed, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return ran, fmt.Errorf("collect: claim source %d: %w", d.id, err)
		}
		if claimed == 0 {
			continue
		}
		a := audit.System()
		a.AgencyID, a.Jurisdiction = d.agency, d.juris
		b, err := s.runSource(ctx, a, d.id, now)
		ran++
		switch {
		case err != nil:
			s.log.Warn("database pull failed", "source", d.id, "err", err)
		case b.State != BatchLoaded:
			s.log.Warn("database pull rejected", "source", d.id, "batch", b.ID, "errors", b.ErrorCount)
		}
	}
	return ran, nil
}

func (s *Service) runSource(ctx context.Context, a audit.Actor, sourceID int64, now time.Time) (Batch, error) {
	r, ds, err := s.ownSource(ctx, a, sourceID)
	if err != nil {
		return Batch{}, err
	}
	if !r.Enabled {
		return Batch{}, errSourceDisabled
	}
	batch, cursor, runErr := s.pull(ctx, a, &ds, &r)
	// Record the run even when the caller has gone away.
	rctx := context.WithoutCancel(ctx)
	loaded := runErr == nil && batch.State == BatchLoaded
	lastErr := ""
	switch {
	case runErr != nil:
		lastErr = runErr.Error()
		if e, ok := apperr.As(runErr); ok && e.EN != "" {
			lastErr = e.EN
		}
	case !loaded:
		lastErr = fmt.Sprintf("batch %d %s: %d rows rejected", batch.ID, batch.State, batch.ErrorCount)
	}
	if !loaded || cursor == "" {
		cursor = r.Cursor
	}
	var next *time.Time
	if iv, ok := pullInterval[ds.UpdateFreq]; ok {
		next = timePtr(now.Add(iv))
	}
	err = s.db.WriteAt(rctx, now, func(tx *store.Tx) error {
		var lastBatch any
		if batch.ID != 0 {
			lastBatch = batch.ID
		}
		// The cursor moves only from where this run started: a concurrent
		// run that moved it first wins.
		if _, err := tx.ExecContext(rctx, `UPDATE dataset_sources SET cursor = CASE WHEN cursor = $1 THEN $2 ELSE cursor END,
			last_run_at = $3, next_run_at = $4, last_batch_id = COALESCE($5, last_batch_id), last_error = $6, updated_at = $3 WHERE id = $7`,
			r.Cursor, cursor, tx.Dialect.Time(tx.Now), tx.Dialect.NullTime(next), lastBatch, lastErr, r.ID); err != nil {
			return fmt.Errorf("collect: record run of source %d: %w", r.ID, err)
		}
		ev := audit.Event{Action: "collect.source.run", ObjectType: "dataset_source", ObjectID: strconv.FormatInt(r.ID, 10)}
		if loaded {
			ev.Detail = fmt.Sprintf("dataset %d batch %d loaded: %d rows read; cursor %s", ds.ID, batch.ID, batch.RowsRead, cursor)
		} else {
			ev.Outcome = audit.Failed
			ev.Detail = fmt.Sprintf("dataset %d: %s", ds.ID, lastErr)
		}
		return s.trail.Append(rctx, tx, a, ev)
	})
	if err != nil {
		return batch, err
	}
	return batch, runErr
}

// pull reads the source into one batch. It returns the batch, the cursor
// the batch would move to ("" when no row carried an update value) and
// the error that stopped it.
func (s *Service) pull(ctx context.Context, a audit.Actor, ds *Dataset, r *sourceRow) (Batch, string, error) {
	if s.sealer == nil {
		return Batch{}, "", errNoSecretsKey
	}
	plain, err := s.sealer.Open(r.sealed, sourceAAD(r.DatasetID))
	if err != nil {
		return Batch{}, "", apperr.New(apperr.Unavailable, "collect.source.unseal", "无法解密源数据库的连接信息：本节点的密钥文件与登记时不同",
			"cannot open the source's connection string: the node's secrets key is not the one it was sealed with")
	}
	dsn, aerr := parseDSN(r.Driver, string(plain))
	if aerr != nil {
		return Batch{}, "", aerr
	}
	ref, ok := parseTableRef(r.Table)
	if !ok {
		return Batch{}, "", apperr.Invalidf("collect.source.identifier", "table", "源表名不是合法的标识符", "the source table is not a plain identifier")
	}
	rdb, err := dsn.open()
	if err != nil {
		return Batch{}, "", err
	}
	defer rdb.Close()
	unavailable := func(zh, en string, err error) error {
		msg := dsn.scrub(err.Error())
		return apperr.New(apperr.Unavailable, "collect.source.unavailable", zh+"："+msg, en+": "+msg)
	}
	cctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	if err := rdb.PingContext(cctx); err != nil {
		return Batch{}, "", unavailable("无法连接源数据库", "cannot connect to the source database", err)
	}
	rt, err := describe(cctx, rdb, r.Driver, ref)
	if err != nil {
		return Batch{}, "", dsn.scrubErr(err)
	}
	plan, err := planPull(ds, r, &rt)
	if err != nil {
		return Batch{}, "", err
	}
	q, args, err := plan.query(r)
	if err != nil {
		return Batch{}, "", err
	}
	// A source that sends nothing for pullIdle is given up on.
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stalled atomic.Bool
	idle := time.AfterFunc(pullIdle, func() { stalled.Store(true); cancel() })
	defer idle.Stop()
	// A read-only transaction: the platform never writes to an agency's
	// database, and the rows come from one snapshot.
	tx, err := rdb.BeginTx(rctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Batch{}, "", unavailable("无法读取源数据库", "cannot read the source database", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(rctx, q, args...)
	if err != nil {
		if stalled.Load() {
			err = fmt.Errorf("no answer for %s", pullIdle)
		}
		return Batch{}, "", unavailable("无法读取源表", "cannot read the source table", err)
	}
	rr := newPullReader(rows, plan, dsn.scrub)
	rr.idle, rr.stalled = idle, &stalled
	defer rr.Close()
	batch, err := s.Load(rctx, a, ds.ID, LoadInput{Channel: ChannelPull, Mode: r.Mode, Reader: rr, SourceID: r.ID})
	if err != nil {
		return batch, "", dsn.scrubErr(err)
	}
	return batch, rr.cursor(), nil
}

func sourceAAD(datasetID int64) string { return "dataset_source:" + strconv.FormatInt(datasetID, 10) }

// sourceRow is a stored source with its sealed connection string.
type sourceRow struct {
	Source
	sealed string
}

const sourceColumns = `id, dataset_id, driver, dsn_sealed, dsn_redacted, source_table, column_map, update_column, mode, cursor, enabled,
	next_run_at, last_run_at, last_batch_id, last_error, created_at, updated_at`

func scanSource(r interface{ Scan(...any) error }) (sourceRow, error) {
	var s sourceRow
	var cols string
	var next, last sql.NullTime
	var lastBatch sql.NullInt64
	if err := r.Scan(&s.ID, &s.DatasetID, &s.Driver, &s.sealed, &s.DSNRedacted, &s.Table, &cols, &s.UpdateColumn, &s.Mode, &s.Cursor, &s.Enabled,
		&next, &last, &lastBatch, &s.LastError, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(cols), &s.Columns); err != nil {
		return s, fmt.Errorf("source %d columns: %w", s.ID, err)
	}
	if next.Valid {
		s.NextRunAt = timePtr(next.Time.UTC())
	}
	if last.Valid {
		s.LastRunAt = timePtr(last.Time.UTC())
	}
	s.CreatedAt, s.UpdatedAt, s.LastBatchID = s.CreatedAt.UTC(), s.UpdatedAt.UTC(), lastBatch.Int64
	return s, nil
}

// ownSource loads a source and its dataset, checking the actor may feed it.
func (s *Service) ownSource(ctx context.Context, a audit.Actor, id int64) (sourceRow, Dataset, error) {
	r, err := scanSource(s.db.Read().QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM dataset_sources WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, Dataset{}, errSourceNotFound
	}
	if err != nil {
		return r, Dataset{}, fmt.Errorf("collect: source %d: %w", id, err)
	}
	ds, err := s.ownDataset(ctx, a, r.DatasetID)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return r, Dataset{}, errSourceNotFound
		}
		return r, Dataset{}, err
	}
	return r, ds, nil
}

// Identifiers. Only plain identifiers reach SQL, and always quoted.

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

func validIdent(s string) bool { return identRE.MatchString(s) }

// tableRef is a source table, its schema optional.
type tableRef struct{ schema, name string }

func parseTableRef(s string) (tableRef, bool) {
	schema, name, ok := strings.Cut(s, ".")
	if !ok {
		schema, name = "", s
	}
	if (ok && !validIdent(schema)) || !validIdent(name) {
		return tableRef{}, false
	}
	return tableRef{schema, name}, true
}

func (t tableRef) String() string {
	if t.schema == "" {
		return t.name
	}
	return t.schema + "." + t.name
}

// quoteIdent quotes an identifier already checked by validIdent.
func quoteIdent(driver, id string) string {
	if driver == DriverMySQL {
		return "`" + id + "`"
	}
	return `"` + id + `"`
}

// Connection strings.

// sourceDSN is a parsed connection string.
type sourceDSN struct {
	driver   string
	raw      string
	redacted string // without the password
	password string
	pg       *pgx.ConnConfig // PostgreSQL: the configuration to open
	my       *mysql.Config   // MySQL: the configuration to open
}

// pgAllowedKeys are the parameters a PostgreSQL connection string may set.
// Any other is refused before pgx reads anything: passfile, service,
// servicefile, sslkey, sslcert and sslrootcert would make the platform read
// files of its own host on an agency's behalf.
var pgAllowedKeys = []string{"host", "port", "user", "password", "dbname", "sslmode", "sslnegotiation", "connect_timeout",
	"application_name", "search_path", "target_session_attrs"}

// parseDSN checks a connection string for the driver and prepares it for
// pulling: PostgreSQL with a connect timeout; MySQL with times parsed in
// UTC, the session in UTC, and LOAD DATA LOCAL and multiple statements off.
func parseDSN(driver, dsn string) (sourceDSN, *apperr.Error) {
	bad := func(zh, en string) (sourceDSN, *apperr.Error) {
		return sourceDSN{}, apperr.Invalidf("collect.source.dsn", "dsn", zh, en)
	}
	d := sourceDSN{driver: driver, raw: dsn}
	switch driver {
	case DriverPostgres:
		u, err := url.Parse(dsn)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return bad("PostgreSQL 连接串应为 postgres://用户名:密码@主机:端口/数据库 形式", "a PostgreSQL connection string is postgres://user:password@host:port/database")
		}
		q := u.Query()
		d.password = q.Get("password")
		if pw, ok := u.User.Password(); ok {
			d.password = pw
		}
		red := *u
		if u.User != nil {
			red.User = url.User(u.User.Username())
		}
		rq := u.Query()
		rq.Del("password")
		rq.Del("sslpassword")
		red.RawQuery = rq.Encode()
		d.redacted = red.String()
		if q.Get("connect_timeout") == "" {
			q.Set("connect_timeout", strconv.Itoa(int(pullTimeout/time.Second)))
		}
		if q.Get("application_name") == "" {
			q.Set("application_name", "pubdata-pull")
		}
		u.RawQuery = q.Encode()
		cfg, err := pgx.ParseConfigWithOptions(u.String(), pgx.ParseConfigOptions{ParseConfigOptions: pgconn.ParseConfigOptions{ConnStringAllowedKeys: pgAllowedKeys}})
		if err != nil {
			return bad("PostgreSQL 连接串有误（只可使用参数 "+strings.Join(pgAllowedKeys, ", ")+"）："+d.scrub(err.Error()),
				"the PostgreSQL connection string is wrong (it may only set "+strings.Join(pgAllowedKeys, ", ")+"): "+d.scrub(err.Error()))
		}
		// Only the password the agency gave: never one pgx would find in
		// the platform's PGPASSWORD or password file.
		cfg.Password = d.password
		d.pg = cfg
	case DriverMySQL:
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil || strings.Contains(dsn, "://") {
			return bad("MySQL 连接串应为 用户名:密码@tcp(主机:3306)/数据库 形式", "a MySQL connection string is user:password@tcp(host:3306)/database")
		}
		d.password = cfg.Passwd
		red := cfg.Clone()
		red.Passwd = ""
		d.redacted = red.FormatDSN()
		cfg.ParseTime, cfg.Loc = true, time.UTC
		cfg.AllowAllFiles, cfg.MultiStatements = false, false
		if cfg.Timeout == 0 {
			cfg.Timeout = pullTimeout
		}
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["time_zone"] = "'+00:00'"
		d.my = cfg
	default:
		return sourceDSN{}, apperr.Invalidf("collect.source.driver", "driver", "数据库类型应为 postgres 或 mysql", "the driver is postgres or mysql")
	}
	return d, nil
}

// open returns a handle on the source database, one connection at most.
func (d *sourceDSN) open() (*sql.DB, error) {
	var db *sql.DB
	if d.driver == DriverMySQL {
		c, err := mysql.NewConnector(d.my)
		if err != nil {
			return nil, apperr.Invalidf("collect.source.dsn", "dsn", "MySQL 连接串有误："+d.scrub(err.Error()), "the MySQL connection string is wrong: "+d.scrub(err.Error()))
		}
		db = sql.OpenDB(c)
	} else {
		db = stdlib.OpenDB(*d.pg)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	return db, nil
}

// scrub removes the connection string and its password from a message
// that is shown or stored.
func (d *sourceDSN) scrub(msg string) string {
	if d.raw != "" {
		msg = strings.ReplaceAll(msg, d.raw, d.redacted)
	}
	if len(d.password) >= 3 {
		msg = strings.ReplaceAll(msg, d.password, "******")
	}
	return msg
}

// scrubErr scrubs an error: an *apperr.Error keeps its kind, code and field.
func (d *sourceDSN) scrubErr(err error) error {
	if e, ok := apperr.As(err); ok {
		c := *e
		c.ZH, c.EN = d.scrub(c.ZH), d.scrub(c.EN)
		if c.Err != nil {
			c.Err = errors.New(d.scrub(c.Err.Error()))
		}
		return &c
	}
	if len(d.password) >= 3 && strings.Contains(err.Error(), d.password) || d.raw != "" && strings.Contains(err.Error(), d.raw) {
		return errors.New(d.scrub(err.Error()))
	}
	return err
}

// Registration.

// sourceSpec is a checked SourceInput.
type sourceSpec struct {
	driver  string
	dsn     sourceDSN
	table   tableRef
	columns map[string]string // item → source column, resolved to the source's spelling by resolve
	update  string
	mode    Mode
}

// checkSource checks the input against the dataset, collecting every
// problem it finds before it connects anywhere.
func checkSource(ds *Dataset, in *SourceInput) (*sourceSpec, error) {
	var errs apperr.List
	add := func(code, field, zh, en string) { errs = append(errs, apperr.Invalidf(code, field, zh, en)) }
	sp := &sourceSpec{driver: strings.ToLower(strings.TrimSpace(in.Driver)), mode: in.Mode, update: strings.TrimSpace(in.UpdateColumn)}
	switch sp.driver {
	case "postgresql":
		sp.driver = DriverPostgres
	case "mariadb":
		sp.driver = DriverMySQL
	}
	if sp.driver != DriverPostgres && sp.driver != DriverMySQL {
		add("collect.source.driver", "driver", "数据库类型应为 postgres 或 mysql（含 MariaDB）", "the driver is postgres or mysql (MySQL or MariaDB)")
	} else if strings.TrimSpace(in.DSN) == "" {
		add("collect.source.required", "dsn", "请填写源数据库连接串", "the connection string is required")
	} else if d, err := parseDSN(sp.driver, strings.TrimSpace(in.DSN)); err != nil {
		errs = append(errs, err)
	} else {
		sp.dsn = d
	}
	if t, ok := parseTableRef(strings.TrimSpace(in.Table)); !ok {
		add("collect.source.identifier", "table", "源表名应为字母、数字、下划线组成的标识符，可带模式名前缀（如 public.persons）",
			"the table is a plain identifier of letters, digits and underscores, optionally schema-qualified (e.g. public.persons)")
	} else {
		sp.table = t
	}
	switch sp.mode {
	case ModeFull, ModeIncremental:
	default:
		add("collect.source.mode", "mode", "汇聚方式应为 full（全量）或 incremental（增量）", "the mode is full or incremental")
	}
	if sp.update != "" && !validIdent(sp.update) {
		add("collect.source.identifier", "update_column", "更新时间列应为字母、数字、下划线组成的标识符", "the update column is a plain identifier of letters, digits and underscores")
	}
	if sp.mode == ModeIncremental {
		if sp.update == "" {
			add("collect.source.update_required", "update_column", "增量汇聚须指定更新时间列（单调递增的时间戳或整数列）",
				"an incremental source needs an update column (a monotonically increasing timestamp or integer column)")
		}
		if len(ds.Keys()) == 0 {
			add("collect.source.no_key", "mode", "数据集没有主键信息项，只能全量汇聚", "the dataset has no key item, so it can only be pulled in full")
		}
	}
	live := map[string]bool{}
	for _, c := range ds.Live() {
		live[c.Item.Name] = true
	}
	sp.columns = map[string]string{}
	if len(in.Columns) == 0 {
		add("collect.source.required", "columns", "请填写信息项与源表列的对应关系", "map the items to the source table's columns")
	}
	names := make([]string, 0, len(in.Columns))
	for item := range in.Columns {
		names = append(names, item)
	}
	slices.Sort(names)
	for _, item := range names {
		col := strings.TrimSpace(in.Columns[item])
		field := "columns." + item
		switch {
		case item == OpField && sp.mode != ModeIncremental:
			add("collect.source.op_full", field, "只有增量汇聚可以映射删除标记 "+OpField, "only an incremental source may map the delete marker "+OpField)
		case item != OpField && !live[item]:
			add("collect.source.item_unknown", field, fmt.Sprintf("数据集没有信息项“%s”", item), fmt.Sprintf("the dataset has no item %q", item))
		case !validIdent(col):
			add("collect.source.identifier", field, fmt.Sprintf("“%s”对应的列名应为字母、数字、下划线组成的标识符", item),
				fmt.Sprintf("the column for %q is a plain identifier of letters, digits and underscores", item))
		default:
			sp.columns[item] = col
		}
	}
	if len(in.Columns) > 0 {
		for _, c := range ds.Live() {
			if (c.Item.Key || c.Item.Required) && in.Columns[c.Item.Name] == "" {
				what, whatEN := "必填", "required"
				if c.Item.Key {
					what, whatEN = "主键", "a key"
				}
				add("collect.source.unmapped", "columns."+c.Item.Name, fmt.Sprintf("信息项“%s”是%s项，须对应源表的一列", c.Item.Name, what),
					fmt.Sprintf("%q is %s item and must be mapped to a column", c.Item.Name, whatEN))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return sp, nil
}

// resolve checks the mapped columns and the update column against the
// source table as found, and takes the source's spelling of each name.
func (sp *sourceSpec) resolve(rt *remoteTable) error {
	var errs apperr.List
	sp.table = rt.ref(sp.table)
	items := make([]string, 0, len(sp.columns))
	for item := range sp.columns {
		items = append(items, item)
	}
	slices.Sort(items)
	for _, item := range items {
		col, ok := rt.column(sp.columns[item])
		if !ok {
			errs = append(errs, apperr.Invalidf("collect.source.column_missing", "columns."+item, fmt.Sprintf("源表 %s 没有列 %s", sp.table, sp.columns[item]),
				fmt.Sprintf("the source table %s has no column %s", sp.table, sp.columns[item])))
			continue
		}
		sp.columns[item] = col
	}
	if sp.update != "" {
		col, ok := rt.column(sp.update)
		switch {
		case !ok:
			errs = append(errs, apperr.Invalidf("collect.source.column_missing", "update_column", fmt.Sprintf("源表 %s 没有列 %s", sp.table, sp.update),
				fmt.Sprintf("the source table %s has no column %s", sp.table, sp.update)))
		case cursorKindOf(sp.driver, rt.types[col]) == cursorNone:
			errs = append(errs, apperr.Invalidf("collect.source.update_type", "update_column",
				fmt.Sprintf("更新时间列 %s 的类型为 %s，应为时间戳（timestamp/datetime）或整数", col, rt.types[col]),
				fmt.Sprintf("the update column %s is of type %s; it must be a timestamp (timestamp/datetime) or an integer", col, rt.types[col])))
		default:
			sp.update = col
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// The source table as the source database describes it.

type remoteTable struct {
	schema, name string
	types        map[string]string // column → data_type, lower case
}

// ref is the table as the user named it, in the source's spelling.
func (rt *remoteTable) ref(asked tableRef) tableRef {
	if asked.schema == "" {
		return tableRef{name: rt.name}
	}
	return tableRef{schema: rt.schema, name: rt.name}
}

// column finds a column by its exact name or, failing that, by the only
// name that differs from it in case alone.
func (rt *remoteTable) column(name string) (string, bool) {
	if _, ok := rt.types[name]; ok {
		return name, true
	}
	found := ""
	for c := range rt.types {
		if strings.EqualFold(c, name) {
			if found != "" {
				return "", false
			}
			found = c
		}
	}
	return found, found != ""
}

// describe reads the table's columns and their types from
// information_schema. A table named without a schema is looked up in the
// connection's current schema (PostgreSQL) or database (MySQL).
func describe(ctx context.Context, db *sql.DB, driver string, t tableRef) (remoteTable, error) {
	var q string
	if driver == DriverMySQL {
		q = `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
			WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) AND lower(table_name) = lower(?)`
	} else {
		q = `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
			WHERE lower(table_schema) = lower(COALESCE(NULLIF($1, ''), current_schema())) AND lower(table_name) = lower($2)`
	}
	rows, err := db.QueryContext(ctx, q, t.schema, t.name)
	if err != nil {
		return remoteTable{}, apperr.New(apperr.Unavailable, "collect.source.unavailable", "无法读取源数据库的表结构："+err.Error(),
			"cannot read the source database's description of its tables: "+err.Error())
	}
	defer rows.Close()
	tables := map[tableRef]*remoteTable{}
	for rows.Next() {
		var schema, name, col, typ string
		if err := rows.Scan(&schema, &name, &col, &typ); err != nil {
			return remoteTable{}, err
		}
		// Only plain identifiers are ever quoted into SQL: a name that
		// merely folds to the one asked for (e.g. with a Kelvin sign) is not it.
		if !validIdent(schema) || !validIdent(name) || !validIdent(col) {
			continue
		}
		k := tableRef{schema, name}
		if tables[k] == nil {
			tables[k] = &remoteTable{schema: schema, name: name, types: map[string]string{}}
		}
		tables[k].types[col] = strings.ToLower(typ)
	}
	if err := rows.Err(); err != nil {
		return remoteTable{}, err
	}
	for k, rt := range tables {
		if k.name == t.name && (t.schema == "" || k.schema == t.schema) {
			return *rt, nil
		}
	}
	if len(tables) == 1 {
		for _, rt := range tables {
			return *rt, nil
		}
	}
	if len(tables) > 1 {
		return remoteTable{}, apperr.Invalidf("collect.source.table_ambiguous", "table", fmt.Sprintf("源数据库中有多个仅大小写不同的表 %s，请写出确切的表名", t),
			fmt.Sprintf("the source database has several tables named %s in different cases; give the exact name", t))
	}
	return remoteTable{}, apperr.Invalidf("collect.source.table_missing", "table", fmt.Sprintf("源数据库中没有表 %s，或连接所用的账号无权读取它", t),
		fmt.Sprintf("the source database has no table %s, or the account cannot read it", t))
}

// Cursors. The cursor is kept as text and passed back to the source as a
// value of the update column's type, as found at each run.

type cursorKind int

const (
	cursorNone  cursorKind = iota
	cursorInt              // an integer column
	cursorNaive            // a timestamp without time zone (PostgreSQL timestamp, MySQL datetime)
	cursorZoned            // a point in time (PostgreSQL timestamptz, MySQL timestamp)
)

func cursorKindOf(driver, dataType string) cursorKind {
	switch dataType {
	case "smallint", "integer", "bigint", "int", "tinyint", "mediumint":
		return cursorInt
	case "timestamp without time zone", "datetime":
		return cursorNaive
	case "timestamp with time zone":
		return cursorZoned
	case "timestamp":
		if driver == DriverMySQL {
			return cursorZoned
		}
		return cursorNaive
	}
	return cursorNone
}

// naiveLayout keeps the wall-clock reading of a timestamp without time zone.
const naiveLayout = "2006-01-02T15:04:05.999999999"

func (k cursorKind) format(v any) (string, error) {
	switch k {
	case cursorInt:
		n, ok := toInt64(v)
		if !ok {
			return "", fmt.Errorf("update value %v (%T) is not an integer", v, v)
		}
		return strconv.FormatInt(n, 10), nil
	case cursorNaive, cursorZoned:
		t, ok := v.(time.Time)
		if !ok {
			return "", fmt.Errorf("update value %v (%T) is not a time", v, v)
		}
		if k == cursorNaive {
			return t.Format(naiveLayout), nil
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	}
	return "", errors.New("no update column")
}

// parse turns a stored cursor into a parameter of the column's type.
func (k cursorKind) parse(c string) (any, error) {
	switch k {
	case cursorInt:
		return strconv.ParseInt(c, 10, 64)
	case cursorNaive:
		return time.ParseInLocation(naiveLayout, c, time.UTC)
	case cursorZoned:
		return time.Parse(time.RFC3339Nano, c)
	}
	return nil, errors.New("no update column")
}

// less compares two update values of the kind.
func (k cursorKind) less(a, b any) bool {
	if k == cursorInt {
		x, _ := toInt64(a)
		y, _ := toInt64(b)
		return x < y
	}
	x, _ := a.(time.Time)
	y, _ := b.(time.Time)
	return x.Before(y)
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case uint64:
		if x > 1<<63-1 {
			return 0, false
		}
		return int64(x), true
	case []byte:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// The pull itself.

// pullCol is one selected column.
type pullCol struct {
	name  string
	field int // position in the dataset's Fields(); -1 for the update column alone
	typ   catalog.ItemType
	naive bool // a time without zone: read as Beijing time
}

// pullPlan is what one run selects and how it aligns it.
type pullPlan struct {
	driver string
	table  tableRef
	cols   []pullCol
	nf     int // len(Fields())
	upd    int // index in cols of the update column; -1 without one
	kind   cursorKind
}

// planPull checks the source against the table as found now (a column may
// have gone, or changed type, since registration) and plans the select.
func planPull(ds *Dataset, r *sourceRow, rt *remoteTable) (*pullPlan, error) {
	p := &pullPlan{driver: r.Driver, table: tableRef{schema: rt.schema, name: rt.name}, upd: -1}
	fields := ds.Fields()
	p.nf = len(fields)
	types := map[string]catalog.ItemType{}
	for _, c := range ds.Live() {
		types[c.Item.Name] = c.Item.Type
	}
	var errs apperr.List
	for i, f := range fields {
		name, ok := r.Columns[f]
		if !ok {
			continue
		}
		col, ok := rt.column(name)
		if !ok {
			errs = append(errs, apperr.Invalidf("collect.source.column_missing", "columns."+f, fmt.Sprintf("源表 %s 已没有列 %s", r.Table, name),
				fmt.Sprintf("the source table %s no longer has column %s", r.Table, name)))
			continue
		}
		p.cols = append(p.cols, pullCol{name: col, field: i, typ: types[f], naive: naiveTime(rt.types[col])})
	}
	if r.UpdateColumn != "" {
		col, ok := rt.column(r.UpdateColumn)
		if ok {
			p.kind = cursorKindOf(r.Driver, rt.types[col])
		}
		if !ok || p.kind == cursorNone {
			errs = append(errs, apperr.Invalidf("collect.source.update_type", "update_column", fmt.Sprintf("源表 %s 的更新时间列 %s 已不存在或不再是时间戳、整数类型", r.Table, r.UpdateColumn),
				fmt.Sprintf("the update column %s of %s is gone or no longer a timestamp or integer", r.UpdateColumn, r.Table)))
		} else {
			p.upd = len(p.cols)
			p.cols = append(p.cols, pullCol{name: col, field: -1})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

func naiveTime(dataType string) bool {
	switch dataType {
	case "timestamp without time zone", "datetime", "date", "timestamp":
		// MySQL's timestamp is read in the session's UTC, so it is a point
		// in time; PostgreSQL reports its zoned type by its long name.
		return dataType != "timestamp"
	}
	return false
}

// query is the select of one run: every mapped column and the update
// column, quoted; an incremental run with a cursor takes only the rows
// above it, in update order.
func (p *pullPlan) query(r *sourceRow) (string, []any, error) {
	names := make([]string, len(p.cols))
	for i, c := range p.cols {
		names[i] = quoteIdent(p.driver, c.name)
	}
	from := quoteIdent(p.driver, p.table.schema) + "." + quoteIdent(p.driver, p.table.name)
	q := "SELECT " + strings.Join(names, ", ") + " FROM " + from
	var args []any
	if r.Mode == ModeIncremental && p.upd >= 0 {
		upd := quoteIdent(p.driver, p.cols[p.upd].name)
		if r.Cursor != "" {
			v, err := p.kind.parse(r.Cursor)
			if err != nil {
				return "", nil, apperr.Invalidf("collect.source.cursor", "update_column", fmt.Sprintf("游标 %s 与更新时间列 %s 的类型不符，请重新登记汇聚源", r.Cursor, r.UpdateColumn),
					fmt.Sprintf("the cursor %s does not fit the type of the update column %s; register the source again", r.Cursor, r.UpdateColumn))
			}
			ph := "$1"
			if p.driver == DriverMySQL {
				ph = "?"
			}
			q += " WHERE " + upd + " > " + ph
			args = append(args, v)
		}
		q += " ORDER BY " + upd
	}
	return q, args, nil
}

// pullReader streams a source's rows as a RowReader: each value in the
// string form the validator expects, aligned to the dataset's Fields().
type pullReader struct {
	rows    *sql.Rows
	plan    *pullPlan
	scrub   func(string) string
	vals    []any
	ptrs    []any
	row     []string
	line    int
	max     any          // the greatest update value read; nil before any
	idle    *time.Timer  // gives up on a stalled source; reset by every row
	stalled *atomic.Bool // set when it did
}

func newPullReader(rows *sql.Rows, p *pullPlan, scrub func(string) string) *pullReader {
	r := &pullReader{rows: rows, plan: p, scrub: scrub, vals: make([]any, len(p.cols)), ptrs: make([]any, len(p.cols)), row: make([]string, p.nf)}
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	return r
}

// Next returns the next source row; io.EOF after the last.
func (r *pullReader) Next() ([]string, error) {
	if !r.rows.Next() {
		r.stopIdle()
		if r.stalled != nil && r.stalled.Load() {
			return nil, fmt.Errorf("reading the source table: no row for %s", pullIdle)
		}
		if err := r.rows.Err(); err != nil {
			return nil, errors.New("reading the source table: " + r.scrub(err.Error()))
		}
		return nil, io.EOF
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.stopIdle()
		return nil, errors.New("reading the source table: " + r.scrub(err.Error()))
	}
	if r.idle != nil {
		r.idle.Reset(pullIdle)
	}
	r.line++
	clear(r.row)
	for i, c := range r.plan.cols {
		v := r.vals[i]
		if i == r.plan.upd {
			if v == nil {
				continue
			}
			if _, err := r.plan.kind.format(v); err != nil {
				return nil, fmt.Errorf("row %d: %w", r.line, err)
			}
			if r.max == nil || r.plan.kind.less(r.max, v) {
				r.max = v
			}
			continue
		}
		r.row[c.field] = pullValue(v, c.typ, c.naive)
	}
	return r.row, nil
}

func (r *pullReader) stopIdle() {
	if r.idle != nil {
		r.idle.Stop()
	}
}

// Line is the number of source rows read so far.
func (r *pullReader) Line() int { return r.line }

// Close closes the result set.
func (r *pullReader) Close() error { return r.rows.Close() }

// cursor is the greatest update value read, as text; "" when none.
func (r *pullReader) cursor() string {
	if r.max == nil {
		return ""
	}
	c, _ := r.plan.kind.format(r.max)
	return c
}

// pullValue is a source value as the validator reads it: NULL is "";
// numbers in Go's shortest form; booleans true/false; bytes as text, or
// base64 for binary (B) and general (G) items; a time in RFC 3339 UTC, or
// its date for a date (D) item. A time without zone is a Beijing time, the
// time agencies in Guangdong keep.
func pullValue(v any, typ catalog.ItemType, naive bool) string {
	binary := typ == catalog.TypeBinary || typ == catalog.TypeGeneral
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		if binary {
			return base64.StdEncoding.EncodeToString(x)
		}
		return string(x)
	case string:
		if binary {
			return base64.StdEncoding.EncodeToString([]byte(x))
		}
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if naive {
			x = time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), calendar.Shanghai)
		}
		if typ == catalog.TypeDate {
			return x.In(calendar.Shanghai).Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}
