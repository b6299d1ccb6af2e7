package catalog_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/demo"
	"pubdata/internal/store/storetest"
)

// TestSearchSeesOtherNodes runs two nodes on one database: each search of
// node A keeps a copy of the index in memory, and a change made through
// node B — by the service or by SQL straight into the tables — must show in
// A's next search.
func TestSearchSeesOtherNodes(t *testing.T) {
	for _, d := range storetest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			cfg := storetest.Config(t, d)
			dir := t.TempDir()
			if cfg.DataDir != "" {
				dir = cfg.DataDir
			}
			open := func() *app.App {
				ac := auth.DefaultConfig
				ac.Hash = apptest.FastHash
				a, err := app.Open(ctx, app.Config{DataDir: dir, DBURL: cfg.URL, Auth: ac, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { a.Close() })
				return a
			}
			a := open()
			if _, err := demo.LoadWith(ctx, a, demo.Options{Catalog: true}); err != nil {
				t.Fatal(err)
			}
			b := open()
			q := catalog.Query{Text: "犀牛角"}
			if r := search(t, a, "gd.hrss", q); r.Total != 0 {
				t.Fatalf("before: %d matches", r.Total)
			}

			// B publishes through its service.
			e := publish(t, b, "gd.police", "gd.reviewer", at("2026-03-02 10:00"), searchEntry("犀牛角保护名录", "濒危物种保护信息", "保护"))
			if r := search(t, a, "gd.hrss", q); !slices.Equal(names(r), []string{"犀牛角保护名录"}) {
				t.Fatalf("after B published: %v", names(r))
			}
			freq := catalog.Query{Text: "犀牛角", UpdateFreq: "annual"}
			if r := search(t, a, "gd.hrss", freq); r.Total != 0 {
				t.Fatalf("annual before the change: %v", names(r))
			}

			// B changes the entry by SQL, behind its service: the queue of
			// stale entries catches it.
			sqlWrite := func(stmt string, args ...any) {
				t.Helper()
				if _, err := b.DB.Read().ExecContext(ctx, stmt, args...); err != nil {
					t.Fatal(err)
				}
			}
			sqlWrite(`UPDATE catalog_entries SET update_freq = 'annual', name = '犀牛角与象牙保护名录' WHERE id = $1`, e.ID)
			r := search(t, a, "gd.hrss", freq)
			if !slices.Equal(names(r), []string{"犀牛角与象牙保护名录"}) {
				t.Fatalf("after the SQL change: %v", names(r))
			}
			if f, ok := facet(r, "update_freq", "annual"); !ok || f.Count != 1 {
				t.Fatalf("update_freq facet: %+v", r.Facets["update_freq"])
			}
			if r := search(t, a, "gd.hrss", catalog.Query{Text: "象牙"}); r.Total != 1 {
				t.Fatalf("new text: %d matches", r.Total)
			}

			// And a change of the index row itself.
			sqlWrite(`UPDATE catalog_search SET status = 'delisted' WHERE entry_id = $1`, e.ID)
			if r := search(t, a, "gd.hrss", q); r.Total != 0 {
				t.Fatalf("after delisting in the index: %v", names(r))
			}
			if r := search(t, a, "gd.police", catalog.Query{Text: "犀牛角", Status: "delisted"}); r.Total != 1 {
				t.Fatalf("delisted, as its agency: %d matches", r.Total)
			}
		})
	}
}
