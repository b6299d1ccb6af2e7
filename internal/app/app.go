// Package app wires pubdata's services together for the binary and for
// end-to-end tests: one App per node, built from explicit configuration.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/org"
	"pubdata/internal/procedure"
	"pubdata/internal/rules"
	"pubdata/internal/security"
	"pubdata/internal/share"
	"pubdata/internal/store"
)

// Config is the node's configuration, from flags and environment.
type Config struct {
	DataDir      string // embedded SQLite and, by default, the audit key
	DBURL        string // PostgreSQL URL; wins over DataDir for the database
	RulesDir     string // rule-profile overrides (*.json), optional
	AuditKeyFile string // audit chain key; default DataDir/audit.key
	// SecretsKeyFile seals secrets kept in the database (pull sources'
	// connection strings); default DataDir/secrets.key on SQLite. Without
	// one on PostgreSQL, database pull cannot be registered.
	SecretsKeyFile string
	Auth           auth.Config
	Logger         *slog.Logger
}

// App is one running node's services.
type App struct {
	Cfg      Config
	DB       *store.DB
	Trail    *audit.Trail
	Orgs     *org.Service
	Accounts *auth.Service
	Rules    *rules.Set
	Calendar *calendar.Calendar
	Cases    *procedure.Engine
	Catalog  *catalog.Service
	Collect  *collect.Service
	Share    *share.Service
	Log      *slog.Logger
	Started  time.Time
}

// Open opens the database (migrating it), loads the audit key, rule profiles
// and calendar, seeds the jurisdictions, and builds the services.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if cfg.Auth.MaxFailures == 0 {
		cfg.Auth = auth.DefaultConfig
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "data"
	}
	db, err := store.Open(ctx, store.Config{DataDir: cfg.DataDir, URL: cfg.DBURL})
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg Config, db *store.DB) (*App, error) {
	key, err := loadAuditKey(cfg, db.Dialect)
	if err != nil {
		return nil, err
	}
	if key == nil {
		cfg.Logger.Warn("audit chain is not keyed: set --audit-key-file (or PUBDATA_AUDIT_KEY_FILE) so that whoever can write the database cannot recompute the chain")
	}
	rs, err := rules.Load(cfg.RulesDir)
	if err != nil {
		return nil, fmt.Errorf("rule profiles: %w", err)
	}
	for _, name := range rs.Names() {
		p, _ := rs.Profile(name)
		for _, w := range p.Warnings(time.Now()) {
			cfg.Logger.Debug("rule profile", "profile", name, "warning", w)
		}
	}
	trail := audit.New(db, key)
	orgs := org.NewService(db, trail)
	if err := orgs.Seed(ctx); err != nil {
		return nil, err
	}
	cal := calendar.Embedded()
	if err := loadCalendarYears(ctx, db, cal); err != nil {
		return nil, err
	}
	a := &App{
		Cfg: cfg, DB: db, Trail: trail, Orgs: orgs, Rules: rs, Calendar: cal, Log: cfg.Logger, Started: time.Now(),
		Accounts: auth.NewService(db, trail, orgs, cfg.Auth),
		Cases:    procedure.NewEngine(db, trail, cal, rs, orgs, cfg.Logger),
	}
	a.Catalog = catalog.NewService(db, trail, rs, orgs, a.Cases)
	sealer, err := loadSealer(cfg, db.Dialect)
	if err != nil {
		return nil, err
	}
	a.Collect = collect.NewService(db, trail, rs, orgs, a.Cases, a.Catalog, cal, sealer, cfg.Logger)
	var shareSealer share.Sealer
	if sealer != nil {
		shareSealer = sealer
	}
	a.Share = share.NewService(db, trail, rs, orgs, a.Cases, a.Catalog, a.Collect, cal, shareSealer, cfg.Logger)
	return a, nil
}

// loadSealer returns the sealer of secrets kept in the database, or nil
// when no secrets key is configured (PostgreSQL without --secrets-key-file).
func loadSealer(cfg Config, d store.Dialect) (collect.Sealer, error) {
	path := cfg.SecretsKeyFile
	create := false
	if path == "" {
		if d == store.Postgres {
			return nil, nil
		}
		path = filepath.Join(cfg.DataDir, "secrets.key")
		create = true
	}
	key, err := audit.LoadKey(path, create)
	if errors.Is(err, audit.ErrNoKey) {
		return nil, fmt.Errorf("secrets key file %s does not exist", path)
	}
	if err != nil {
		return nil, err
	}
	return security.NewSealer(key)
}

// loadAuditKey returns the chain key: from AuditKeyFile, else from the data
// directory (created there for the embedded database on first run).
func loadAuditKey(cfg Config, d store.Dialect) ([]byte, error) {
	path := cfg.AuditKeyFile
	create := false
	if path == "" {
		if d == store.Postgres {
			return nil, nil
		}
		path = filepath.Join(cfg.DataDir, "audit.key")
		create = true
	}
	key, err := audit.LoadKey(path, create)
	if errors.Is(err, audit.ErrNoKey) {
		return nil, fmt.Errorf("audit key file %s does not exist", path)
	}
	return key, err
}

// Close waits for the work queued after loads and commits the gateway's
// queued audit entries, then closes the database.
func (a *App) Close() error {
	if a.Collect != nil {
		a.Collect.Settle()
	}
	if a.Share != nil {
		if err := a.Share.Close(); err != nil {
			a.Log.Error("closing the sharing gateway's audit", "error", err)
		}
	}
	return a.DB.Close()
}

// LoadCalendarYear adds or replaces a year of the working-day calendar from
// an official notice in holiday-cn JSON format, keeps it in the database so
// every node process sees it after a restart, and audits it.
func (a *App) LoadCalendarYear(ctx context.Context, actor audit.Actor, data []byte) (int, error) {
	// Validate on a scratch calendar first, so a bad file changes nothing.
	if err := calendar.Embedded().LoadYear(strings.NewReader(string(data))); err != nil {
		return 0, err
	}
	year, err := calendarYearOf(data)
	if err != nil {
		return 0, err
	}
	err = a.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_years WHERE year = $1`, year); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_years(year, data, loaded_at, loaded_by) VALUES ($1,$2,$3,$4)`, year, string(data), tx.Dialect.Time(tx.Now), actor.Username); err != nil {
			return err
		}
		return a.Trail.Append(ctx, tx, actor, audit.Event{Action: "calendar.load_year", ObjectType: "calendar_year", ObjectID: fmt.Sprint(year)})
	})
	if err != nil {
		return 0, err
	}
	return year, a.Calendar.LoadYear(strings.NewReader(string(data)))
}

func loadCalendarYears(ctx context.Context, db *store.DB, cal *calendar.Calendar) error {
	rows, err := db.Read().QueryContext(ctx, `SELECT year, data FROM calendar_years ORDER BY year`)
	if err != nil {
		return fmt.Errorf("calendar years: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var y int
		var data string
		if err := rows.Scan(&y, &data); err != nil {
			return err
		}
		if err := cal.LoadYear(strings.NewReader(data)); err != nil {
			return fmt.Errorf("calendar year %d in the database: %w", y, err)
		}
	}
	return rows.Err()
}
