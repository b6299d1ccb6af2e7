package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"pubdata/internal/audit"
	"pubdata/internal/store"
)

// benchAudit compares the audit path (chain head read, SM3/HMAC-SM3 hash,
// entry insert, head update — one transaction per entry, as a state change
// pays it) with the baseline of inserting the same row in its own
// transaction with no chain.
func benchAudit(ctx context.Context, m *Main, quick bool, pgURL string, _ benchArgs) error {
	n := 20000
	if quick {
		n = 2000
	}
	line := fmt.Sprintf("bench audit: n=%d", n)
	run := func(label string, cfg store.Config) error {
		db, err := store.Open(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.Read().ExecContext(ctx, `CREATE TABLE bench_plain (seq BIGINT PRIMARY KEY, at TEXT, actor TEXT, action TEXT, detail TEXT)`); err != nil {
			return err
		}
		defer db.Read().ExecContext(context.WithoutCancel(ctx), `DROP TABLE bench_plain`)
		start := time.Now()
		for i := 0; i < n; i++ {
			err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO bench_plain VALUES ($1,$2,$3,$4,$5)`, i, tx.Now.Format(time.RFC3339Nano), "bench", "bench.write", "row")
				return err
			})
			if err != nil {
				return err
			}
		}
		base := float64(n) / time.Since(start).Seconds()
		tr := audit.New(db, []byte("bench key, 32 bytes long........"))
		start = time.Now()
		for i := 0; i < n; i++ {
			if err := tr.Record(ctx, audit.Actor{Username: "bench"}, audit.Event{Action: "bench.write", Detail: "row"}); err != nil {
				return err
			}
		}
		ours := float64(n) / time.Since(start).Seconds()
		fmt.Fprintf(m.Stdout, "%s: audit %.0f entries/s, baseline %.0f rows/s, ratio %.2f\n", label, ours, base, ours/base)
		line += fmt.Sprintf(" %s_entries_per_s=%.0f %s_baseline_per_s=%.0f %s_ratio=%.2f", label, ours, label, base, label, ours/base)
		return nil
	}
	dir, err := os.MkdirTemp("", "pubdata-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := run("sqlite", store.Config{DataDir: dir}); err != nil {
		return err
	}
	if pgURL != "" {
		if err := run("postgres", store.Config{URL: pgURL}); err != nil {
			return err
		}
	}
	fmt.Fprintln(m.Stdout, line)
	return nil
}
