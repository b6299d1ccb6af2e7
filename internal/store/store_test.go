package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"pubdata/internal/store"
	"pubdata/internal/store/storetest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	for _, d := range storetest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			cfg := storetest.Config(t, d)
			ctx := context.Background()
			db, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			v1, err := db.Version(ctx)
			if err != nil || v1 < 1 {
				t.Fatalf("version = %d, %v", v1, err)
			}
			db.Close()
			db, err = store.Open(ctx, cfg)
			if err != nil {
				t.Fatalf("second open: %v", err)
			}
			defer db.Close()
			v2, _ := db.Version(ctx)
			if v1 != v2 {
				t.Fatalf("version changed %d -> %d", v1, v2)
			}
			ms, _ := d.Migrations()
			if ms[len(ms)-1].Version != v2 {
				t.Fatalf("not at latest: %d", v2)
			}
		})
	}
}

func TestWriteRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO jurisdictions(code, name, level, created_at) VALUES ($1, $2, $3, $4)`,
				"990000", "测试省", "province", tx.Dialect.Time(tx.Now)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		var n int
		if err := db.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM jurisdictions WHERE code = $1`, "990000").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("rolled-back row is visible")
		}
	})
}

func TestTimeRoundTripAndOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := time.Date(2025, 10, 1, 8, 0, 0, 500_000_000, time.UTC)
		times := []time.Time{base.Add(time.Microsecond), base, base.Add(-time.Hour), base.Add(100 * time.Millisecond)}
		err := db.Write(ctx, func(tx *store.Tx) error {
			for i, tm := range times {
				if _, err := tx.ExecContext(ctx, `INSERT INTO jurisdictions(code, name, level, created_at) VALUES ($1, $2, 'province', $3)`,
					"9"+string(rune('0'+i))+"0000", "x", tx.Dialect.Time(tm)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Read().QueryContext(ctx, `SELECT created_at FROM jurisdictions ORDER BY created_at`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []time.Time
		for rows.Next() {
			var tm time.Time
			if err := rows.Scan(&tm); err != nil {
				t.Fatal(err)
			}
			got = append(got, tm)
		}
		want := []time.Time{base.Add(-time.Hour), base, base.Add(time.Microsecond), base.Add(100 * time.Millisecond)}
		if len(got) != len(want) {
			t.Fatalf("got %d rows", len(got))
		}
		for i := range want {
			if !got[i].Equal(want[i]) {
				t.Errorf("row %d: got %v want %v", i, got[i], want[i])
			}
		}
	})
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ins := func() error {
			return db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO jurisdictions(code, name, level, created_at) VALUES ('980000', 'x', 'province', $1)`, tx.Dialect.Time(tx.Now))
				return err
			})
		}
		if err := ins(); err != nil {
			t.Fatal(err)
		}
		if err := ins(); !store.IsUniqueViolation(err) {
			t.Fatalf("second insert: %v, want unique violation", err)
		}
	})
}
