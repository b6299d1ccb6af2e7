package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"pubdata/internal/app"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/demo"
	"pubdata/internal/ident"
	"pubdata/internal/store"
)

// benchPersonItems is the natural-person schema the ingest benchmark loads:
// the fields of the issue (ID number, name, gender, birth date, address,
// mobile, region), each validated the way the catalog declares it.
func benchPersonItems() []catalog.Item {
	return []catalog.Item{
		{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyResidentID, Required: true},
		{Name: "姓名", Type: catalog.TypeChar, Length: 50, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Required: true},
		{Name: "性别", Type: catalog.TypeChar, Length: 1, Grade: "general-2", Values: []string{"男", "女"}},
		{Name: "出生日期", Type: catalog.TypeDate, Grade: "general-2"},
		{Name: "住址", Type: catalog.TypeChar, Length: 200, Grade: "general-3", Personal: true, PersonalKind: "地址"},
		{Name: "手机号码", Type: catalog.TypeChar, Length: 11, Grade: "general-3", Personal: true, PersonalKind: "联系方式", Format: catalog.FormatMobile},
		{Name: "行政区划代码", Type: catalog.TypeChar, Length: 6, Grade: "general-1", Format: catalog.FormatDivision},
	}
}

var benchRegions = []string{"440103", "440104", "440105", "440106", "440111", "440303", "440304", "440305", "440703", "440704",
	"440705", "441302", "441303", "441322", "441402", "441403", "440604", "440605", "441900", "442000"}

var benchStreets = []string{"中山路", "解放路", "人民路", "东风路", "建设路", "环市路", "滨江路", "新港路", "天河路", "黄埔大道"}

// writeBenchPersons writes n person rows with valid, unique ID numbers (the
// sequence number and birth date walk through i, so no two collide).
func writeBenchPersons(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := mrand.New(mrand.NewPCG(2026, 4))
	w.WriteString("公民身份号码,姓名,性别,出生日期,住址,手机号码,行政区划代码\n")
	base := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	const days = 365 * 60
	var id [18]byte
	for i := 0; i < n; i++ {
		region := benchRegions[(i/1000/days)%len(benchRegions)]
		birth := base.AddDate(0, 0, (i/1000)%days)
		copy(id[:6], region)
		copy(id[6:14], birth.Format("20060102"))
		seq := i % 1000
		id[14], id[15], id[16] = byte('0'+seq/100), byte('0'+seq/10%10), byte('0'+seq%10)
		c, err := ident.ResidentIDCheck(string(id[:17]))
		if err != nil {
			f.Close()
			return err
		}
		id[17] = c
		gender := "女"
		if seq%2 == 1 {
			gender = "男"
		}
		fmt.Fprintf(w, "%s,%s,%s,%s,广东省%s%d号,%s,%s\n", id[:], ident.RandomChineseName(r), gender, birth.Format(time.DateOnly),
			benchStreets[i%len(benchStreets)], i%999+1, ident.RandomMobile(r), region)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// benchIngest loads a generated file of natural persons through the real
// path (decode, validate, upsert into the dataset table, batch record,
// audit) and, in the same run, the same rows through a bare baseline (a
// plain batched prepared insert on SQLite, COPY on PostgreSQL; no
// validation), and prints rows/s, the ratio and the process's peak RSS.
func benchIngest(ctx context.Context, m *Main, quick bool, pgURL string, args benchArgs) error {
	n := args.rows
	if n == 0 {
		n = 1000000
		if quick {
			n = 50000
		}
	}
	dir, err := os.MkdirTemp("", "pubdata-bench-ingest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "persons.csv")
	start := time.Now()
	if err := writeBenchPersons(file, n); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	st, _ := os.Stat(file)
	fmt.Fprintf(m.Stdout, "generated %d rows (%.0f MB) in %.1fs\n", n, float64(st.Size())/1e6, time.Since(start).Seconds())
	// The last line has the keys the issue names, in its order; the
	// baselines are on the line before it.
	line, baselines := "bench ingest:", fmt.Sprintf("baseline rows=%d", n)
	run := func(label string, cfg store.Config) error {
		ours, base, err := benchIngestOne(ctx, m.Stdout, cfg, filepath.Join(dir, label), file, n)
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		fmt.Fprintf(m.Stdout, "%s: pubdata %.0f rows/s, baseline %.0f rows/s, ratio %.2f\n", label, ours, base, ours/base)
		line += fmt.Sprintf(" %s_rows_per_s=%.0f %s_ratio=%.2f", label, ours, label, ours/base)
		baselines += fmt.Sprintf(" %s_baseline_rows_per_s=%.0f", label, base)
		return nil
	}
	if err := run("sqlite", store.Config{DataDir: filepath.Join(dir, "sqlite")}); err != nil {
		return err
	}
	if pgURL != "" {
		cfg, drop, err := pgSchema(ctx, pgURL)
		if err != nil {
			return err
		}
		defer drop()
		if err := run("postgres", cfg); err != nil {
			return err
		}
	}
	line += fmt.Sprintf(" peak_rss_mb=%.0f", peakRSSMB())
	fmt.Fprintln(m.Stdout, baselines)
	fmt.Fprintln(m.Stdout, line)
	return nil
}

func benchIngestOne(ctx context.Context, out io.Writer, cfg store.Config, dataDir, file string, n int) (ours, base float64, err error) {
	ac := auth.DefaultConfig
	ac.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1} // demo accounts only; not what is measured
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return 0, 0, err
	}
	a, err := app.Open(ctx, app.Config{DataDir: dataDir, DBURL: cfg.URL, Auth: ac, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return 0, 0, err
	}
	defer a.Close()
	if _, err := demo.LoadWith(ctx, a, demo.Options{}); err != nil {
		return 0, 0, fmt.Errorf("demo: %w", err)
	}
	ds, err := benchPublishPersons(ctx, a)
	if err != nil {
		return 0, 0, err
	}
	// Our path.
	f, err := os.Open(file)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	rd, err := collect.OpenReader(collect.FormatCSV, f, ds.Fields(), collect.ReadOptions{})
	if err != nil {
		return 0, 0, err
	}
	officer, err := benchActor(ctx, a, "gd.police")
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	b, err := a.Collect.Load(ctx, officer, ds.ID, collect.LoadInput{Channel: collect.ChannelUpload, Mode: collect.ModeFull, Reader: rd, Format: collect.FormatCSV, FileName: "persons.csv"})
	if err != nil {
		return 0, 0, err
	}
	if b.State != collect.BatchLoaded || b.RowsInserted != int64(n) {
		return 0, 0, fmt.Errorf("load: %s, %d inserted of %d (first error %+v)", b.State, b.RowsInserted, n, first(b.Errors))
	}
	ours = float64(n) / time.Since(start).Seconds()
	settle := time.Now()
	a.Collect.Settle()
	fmt.Fprintf(out, "%s: loaded %d rows; quality measured after the load in %.1fs (in the background, not in rows/s)\n", a.DB.Dialect, n, time.Since(settle).Seconds())
	// Baseline.
	start = time.Now()
	if err := benchBaseline(ctx, a.DB, file); err != nil {
		return 0, 0, fmt.Errorf("baseline: %w", err)
	}
	base = float64(n) / time.Since(start).Seconds()
	return ours, base, nil
}

func first(rs []collect.Rejection) collect.Rejection {
	if len(rs) == 0 {
		return collect.Rejection{}
	}
	return rs[0]
}

func benchActor(ctx context.Context, a *app.App, username string) (audit.Actor, error) {
	u, err := a.Accounts.UserByName(ctx, username)
	if err != nil {
		return audit.Actor{}, err
	}
	return (&auth.Principal{User: u}).Actor("127.0.0.1", "bench"), nil
}

// benchPublishPersons publishes the person entry of the province's police
// (create, submit, approve), which makes its dataset.
func benchPublishPersons(ctx context.Context, a *app.App) (collect.Dataset, error) {
	officer, err := benchActor(ctx, a, "gd.police")
	if err != nil {
		return collect.Dataset{}, err
	}
	reviewer, err := benchActor(ctx, a, "gd.reviewer")
	if err != nil {
		return collect.Dataset{}, err
	}
	e, err := a.Catalog.Create(ctx, officer, catalog.Metadata{
		Name: "基准测试人口信息", ClassCode: "3440000100001", Summary: "导入基准测试用的自然人数据", DataForm: catalog.FormDatabase, Format: "RDBMS",
		Items: benchPersonItems(), ShareType: catalog.ShareConditional, ShareBasis: "《广东省公共数据管理办法》第十三条", ShareConditions: "仅限依法履职需要",
		ShareScope: "全省", ShareModes: []catalog.ShareMode{catalog.ModeAPI}, OpenAttr: catalog.OpenNone, UpdateFreq: catalog.FreqDaily,
		CollectingAgency: "广东省公安厅", VerifyingAgency: "广东省公安厅", ProvidingAgency: "广东省公安厅", Keywords: []string{"基准"},
	})
	if err != nil {
		return collect.Dataset{}, err
	}
	if _, err := a.Catalog.Submit(ctx, officer, e.ID); err != nil {
		return collect.Dataset{}, err
	}
	if _, err := a.Catalog.Review(ctx, reviewer, e.ID, "approve", ""); err != nil {
		return collect.Dataset{}, err
	}
	return a.Collect.DatasetOfEntry(ctx, e.ID)
}

// benchBaseline inserts the file's rows into a plain table with a primary
// key on the ID number: multi-row prepared inserts in one transaction on
// SQLite, COPY on PostgreSQL. No validation, no metadata, no audit.
func benchBaseline(ctx context.Context, db *store.DB, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		return err
	}
	const cols = 7
	return db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE bench_plain (id TEXT PRIMARY KEY, name TEXT, gender TEXT, birth TEXT, address TEXT, mobile TEXT, region TEXT)`); err != nil {
			return err
		}
		if tx.Dialect == store.Postgres {
			_, err := tx.CopyFrom(ctx, []string{"bench_plain"}, []string{"id", "name", "gender", "birth", "address", "mobile", "region"}, &csvCopySource{r: r, vals: make([]any, cols)})
			return err
		}
		const chunk = 200
		stmtFor := func(k int) string {
			return "INSERT INTO bench_plain VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?),", k), ",")
		}
		stmt, err := tx.PrepareContext(ctx, stmtFor(chunk))
		if err != nil {
			return err
		}
		defer stmt.Close()
		args := make([]any, 0, chunk*cols)
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			for _, v := range rec {
				args = append(args, strings.Clone(v))
			}
			if len(args) == chunk*cols {
				if _, err := stmt.ExecContext(ctx, args...); err != nil {
					return err
				}
				args = args[:0]
			}
		}
		if len(args) > 0 {
			_, err := tx.ExecContext(ctx, stmtFor(len(args)/cols), args...)
			return err
		}
		return nil
	})
}

// csvCopySource feeds CSV records to COPY.
type csvCopySource struct {
	r    *csv.Reader
	vals []any
	err  error
}

func (c *csvCopySource) Next() bool {
	rec, err := c.r.Read()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			c.err = err
		}
		return false
	}
	for i, v := range rec {
		c.vals[i] = strings.Clone(v)
	}
	return true
}
func (c *csvCopySource) Values() ([]any, error) { return c.vals, nil }
func (c *csvCopySource) Err() error             { return c.err }

var _ pgx.CopyFromSource = (*csvCopySource)(nil)

// peakRSSMB is the process's peak resident set (VmHWM), in MB.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
