package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"

	"pubdata/internal/app"
)

// storeFlags are the flags of every command that opens the store.
type storeFlags struct {
	data, db, rulesDir, auditKey string
	secretsKey                   string
	logLevel                     string
}

func (m *Main) storeFlags(fs *flag.FlagSet) *storeFlags {
	sf := &storeFlags{}
	fs.StringVar(&sf.data, "data", m.env("PUBDATA_DATA", "data"), "data directory of the embedded SQLite database")
	fs.StringVar(&sf.db, "db", m.env("PUBDATA_DB", ""), "PostgreSQL URL (postgres://...); overrides --data for the database")
	fs.StringVar(&sf.rulesDir, "rules-dir", m.env("PUBDATA_RULES_DIR", ""), "directory of rule-profile override files (*.json)")
	fs.StringVar(&sf.auditKey, "audit-key-file", m.env("PUBDATA_AUDIT_KEY_FILE", ""), "file holding the audit chain key (hex); default DATA/audit.key for SQLite")
	fs.StringVar(&sf.secretsKey, "secrets-key-file", m.env("PUBDATA_SECRETS_KEY_FILE", ""), "file holding the key that seals secrets kept in the database (hex); default DATA/secrets.key for SQLite")
	fs.StringVar(&sf.logLevel, "log-level", m.env("PUBDATA_LOG_LEVEL", "info"), "log level: debug, info, warn, error")
	return sf
}

func (m *Main) env(key, def string) string {
	if m.Getenv != nil {
		if v := m.Getenv(key); v != "" {
			return v
		}
	}
	return def
}

func (sf *storeFlags) logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(sf.logLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl}))
}

func (sf *storeFlags) config(logw io.Writer) app.Config {
	return app.Config{DataDir: sf.data, DBURL: sf.db, RulesDir: sf.rulesDir, AuditKeyFile: sf.auditKey, SecretsKeyFile: sf.secretsKey, Logger: sf.logger(logw)}
}

func (m *Main) open(ctx context.Context, sf *storeFlags) (*app.App, error) {
	return app.Open(ctx, sf.config(m.Stderr))
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	return fs
}

// parse parses flags wherever they stand among positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError(err.Error())
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
