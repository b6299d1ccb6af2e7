package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// A benchmark runs our path and its baseline in one run and ends with one
// line "bench NAME: key=value ...". Later issues add their benchmarks here.
type benchmark struct {
	about string
	run   func(ctx context.Context, m *Main, quick bool, db string) error
}

var benchmarks = map[string]benchmark{
	"audit":  {about: "audit append in the change's transaction vs a bare insert of the same rows", run: benchAudit},
	"search": {about: "catalog search with facets at 10,000 and 100,000 entries (p50/p95)", run: benchSearch},
}

func (m *Main) bench(ctx context.Context, args []string) error {
	fs := newFlags("bench")
	quick := fs.Bool("quick", false, "a short run (CI)")
	db := fs.String("db", m.env("PUBDATA_DB", ""), "also run against this PostgreSQL URL")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		var names []string
		for n, b := range benchmarks {
			names = append(names, fmt.Sprintf("  %-10s %s", n, b.about))
		}
		sort.Strings(names)
		return usageError("usage: pubdata bench NAME [--quick] [--db URL]\n" + strings.Join(names, "\n"))
	}
	b, ok := benchmarks[pos[0]]
	if !ok {
		return usageError("unknown benchmark " + pos[0])
	}
	return b.run(ctx, m, *quick, *db)
}
