package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
)

// A benchmark runs our path and its baseline in one run and ends with one
// line "bench NAME: key=value ...". Later issues add their benchmarks here.
type benchmark struct {
	about string
	run   func(ctx context.Context, m *Main, quick bool, db string, args benchArgs) error
}

// benchArgs are the options some benchmarks take.
type benchArgs struct {
	rows int // ingest: rows to generate (default 1,000,000)
}

var benchmarks = map[string]benchmark{
	"audit":   {about: "audit append in the change's transaction vs a bare insert of the same rows", run: benchAudit},
	"search":  {about: "catalog search with facets at 10,000 and 100,000 entries (p50/p95)", run: benchSearch},
	"ingest":  {about: "load 1,000,000 persons through the real path vs a bare insert/COPY (rows/s, peak RSS)", run: benchIngest},
	"gateway": {about: "key lookups and verification through the sharing gateway vs a bare handler, 32 clients (rps, p50/p99)", run: benchGateway},
}

func (m *Main) bench(ctx context.Context, args []string) error {
	fs := newFlags("bench")
	quick := fs.Bool("quick", false, "a short run (CI)")
	db := fs.String("db", m.env("PUBDATA_DB", ""), "also run against this PostgreSQL URL")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	rows := fs.Int("rows", 0, "ingest, gateway: persons to load (default 1,000,000; 50,000 with --quick)")
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
		return usageError("usage: pubdata bench NAME [--quick] [--db URL] [--rows N]\n" + strings.Join(names, "\n"))
	}
	b, ok := benchmarks[pos[0]]
	if !ok {
		return usageError("unknown benchmark " + pos[0])
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return b.run(ctx, m, *quick, *db, benchArgs{rows: *rows})
}
