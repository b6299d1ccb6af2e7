// Package store opens pubdata's database — embedded SQLite by default,
// PostgreSQL in production — applies the embedded migrations, and gives the
// domain packages transactions behind one small dialect seam.
//
// SQL is written once, with PostgreSQL-style $1 placeholders, which
// modernc.org/sqlite also accepts. What differs between the engines (DDL,
// time values, upserts) sits behind Dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the database engine.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Config says which database to open: URL (postgres://…) wins over DataDir.
type Config struct {
	DataDir string // directory of the embedded SQLite database (created if missing)
	URL     string // PostgreSQL connection URL
}

// DB is the platform's database. Writes go through one writer (a single
// connection on SQLite, so writers never fight over the lock); reads use a pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	// Where is a human description of the database for logs and errors.
	Where string
}

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction. It carries the time fixed at its start, so that
// every row and audit entry of one change has the same time.
type Tx struct {
	*sql.Tx
	Dialect Dialect
	Now     time.Time
	conn    *sql.Conn // the connection the transaction runs on, for CopyFrom
}

// Open opens the database and applies pending migrations.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	db, err := OpenNoMigrate(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenNoMigrate opens the database without migrating it.
func OpenNoMigrate(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.URL != "" {
		return openPostgres(ctx, cfg.URL)
	}
	dir := cfg.DataDir
	if dir == "" {
		dir = "data"
	}
	return openSQLite(ctx, dir)
}

func openSQLite(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	path := filepath.Join(dir, "pubdata.db")
	// busy_timeout covers the reader pool; the writer is a single connection.
	// _txlock=immediate takes the write lock at BEGIN so a transaction never
	// fails half-way on a lock upgrade.
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return &DB{Dialect: SQLite, write: w, read: r, Where: path}, nil
}

func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("store: --db must be a postgres:// URL")
	}
	q := u.Query()
	// Generic plans fell back to sequential scans for parameterised LIKE.
	if q.Get("plan_cache_mode") == "" {
		q.Set("plan_cache_mode", "force_custom_plan")
	}
	if q.Get("timezone") == "" {
		q.Set("timezone", "UTC")
	}
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect postgres %s: %w", redact(u), err)
	}
	return &DB{Dialect: Postgres, write: db, read: db, Where: redact(u)}, nil
}

func redact(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	c.RawQuery = ""
	return c.String()
}

// Close closes the database.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Read returns the pool for reads that need no transaction.
func (db *DB) Read() Querier { return db.read }

// Ping checks the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// PrepareWrite prepares a statement on the writer. On SQLite, whose writer
// is one connection, a transaction's StmtContext then reuses it instead of
// parsing the text again: for statements run in every transaction of a hot
// path (the audit chain's).
func (db *DB) PrepareWrite(ctx context.Context, query string) (*sql.Stmt, error) {
	return db.write.PrepareContext(ctx, query)
}

// ExecWrite runs one statement on the writer outside any transaction: a
// single statement commits on its own, atomically, in one round trip.
func (db *DB) ExecWrite(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, query, args...)
}

// Write runs fn in a write transaction, committing if fn returns nil and
// rolling back otherwise. The change and its audit entry share this
// transaction, so either both land or neither does.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return db.WriteAt(ctx, time.Now(), fn)
}

// WriteAt is Write with the transaction's time fixed at now (tests, scheduler).
func (db *DB) WriteAt(ctx context.Context, now time.Time, fn func(tx *Tx) error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: connect: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{Tx: sqlTx, Dialect: db.Dialect, Now: now.UTC().Truncate(time.Microsecond), conn: conn}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// CopyFrom bulk-loads rows into table with PostgreSQL's COPY, inside the
// transaction (the fast path of large loads). It is for PostgreSQL only;
// table and columns must be trusted identifiers.
func (tx *Tx) CopyFrom(ctx context.Context, table []string, columns []string, src pgx.CopyFromSource) (int64, error) {
	if tx.Dialect != Postgres {
		return 0, fmt.Errorf("store: COPY is PostgreSQL only")
	}
	var n int64
	err := tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: COPY needs the pgx driver, not %T", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier(table), columns, src)
		return err
	})
	return n, err
}

// Time converts t for storage: a fixed-width UTC text on SQLite (so that
// text order is time order), a timestamptz on PostgreSQL.
func (d Dialect) Time(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	if d == SQLite {
		return t.Format(sqliteTime)
	}
	return t
}

// NullTime converts an optional time for storage.
func (d Dialect) NullTime(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return d.Time(*t)
}

const sqliteTime = "2006-01-02T15:04:05.000000Z"

// Time is Dialect.Time for the database's engine.
func (db *DB) Time(t time.Time) any { return db.Dialect.Time(t) }

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key violation.
func IsForeignKeyViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// Like escapes s for use inside a LIKE pattern with ESCAPE '\'.
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
