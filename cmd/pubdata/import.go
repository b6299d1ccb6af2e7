package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"pubdata/internal/auth"
	"pubdata/internal/collect"
)

// importFile loads a file into a dataset through the same path as an
// upload (GD-290 §15, JM §10, HZ §18 文件上传): all or nothing, with a
// progress bar on the console and the batch's report at the end.
func (m *Main) importFile(ctx context.Context, args []string) error {
	fs := newFlags("import")
	id := fs.Int64("dataset", 0, "the dataset ID")
	mode := fs.String("mode", "incremental", "full (the file is the whole dataset) or incremental")
	format := fs.String("format", "", "csv, xlsx or jsonl (default: from the file)")
	encoding := fs.String("encoding", "", "CSV encoding: utf-8, gbk or gb18030 (default: detected)")
	sheet := fs.String("sheet", "", "xlsx: the sheet (default: the first)")
	as := fs.String("as", "", "load as this officer of the dataset's agency (default: the console operator)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	sf := m.storeFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *id == 0 || len(pos) != 1 {
		return usageError("usage: pubdata import --dataset ID FILE [--mode full|incremental] [--format csv|xlsx|jsonl] [--encoding gbk] [--as USER]")
	}
	path := pos[0]
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, 512)
	nh, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	fm := collect.Format(*format)
	if fm == "" {
		if fm, err = collect.DetectFormat(filepath.Base(path), head[:nh]); err != nil {
			return describe(err)
		}
	}
	a, err := m.open(ctx, sf)
	if err != nil {
		return err
	}
	defer a.Close()
	actor := cliActor()
	if *as != "" {
		u, err := a.Accounts.UserByName(ctx, *as)
		if err != nil {
			return fmt.Errorf("--as %s: %w", *as, err)
		}
		actor = (&auth.Principal{User: u}).Actor("cli:"+os.Getenv("USER"), "")
	}
	ds, err := a.Collect.DatasetByID(ctx, *id)
	if err != nil {
		return describe(err)
	}
	counted := &countingReader{r: f}
	rd, err := collect.OpenReader(fm, counted, ds.Fields(), collect.ReadOptions{Encoding: *encoding, Sheet: *sheet})
	if err != nil {
		return describe(err)
	}
	enc := ""
	if er, ok := rd.(collect.EncodingReporter); ok {
		enc = er.Encoding()
	}
	start := time.Now()
	progress := func(rows int64) {
		if *quiet {
			return
		}
		done := counted.n.Load()
		pct := 0.0
		if st.Size() > 0 {
			pct = float64(done) / float64(st.Size()) * 100
		}
		el := time.Since(start).Seconds()
		bar := int(pct / 5)
		fmt.Fprintf(m.Stderr, "\r[%-20s] %5.1f%%  %s 行  %.0f 行/秒  ", string(repeat('#', bar)), pct, thousands(rows), float64(rows)/el)
	}
	b, err := a.Collect.Load(ctx, actor, ds.ID, collect.LoadInput{Channel: collect.ChannelUpload, Mode: collect.Mode(*mode), Reader: rd,
		Format: fm, Encoding: enc, FileName: filepath.Base(path), Progress: progress})
	if !*quiet {
		fmt.Fprintln(m.Stderr)
	}
	a.Collect.Settle()
	if err != nil {
		return describe(err)
	}
	el := time.Since(start)
	switch b.State {
	case collect.BatchLoaded:
		fmt.Fprintf(m.Stdout, "batch %d loaded into dataset %d (%s): %s rows read, %d inserted, %d updated, %d deleted in %.1fs\n",
			b.ID, ds.ID, ds.Name, thousands(b.RowsRead), b.RowsInserted, b.RowsUpdated, b.RowsDeleted, el.Seconds())
		return nil
	default:
		fmt.Fprintf(m.Stdout, "batch %d rejected: nothing was loaded; %d problems in %s rows read\n", b.ID, b.ErrorCount, thousands(b.RowsRead))
		for i, r := range b.Errors {
			if i == 20 {
				fmt.Fprintf(m.Stdout, "  … %d more (pubdata web console, or GET /api/v1/batches/%d/rejections.csv)\n", b.ErrorCount-20, b.ID)
				break
			}
			fmt.Fprintf(m.Stdout, "  row %d %s [%s]: %s / %s\n", r.Row, r.Field, r.Code, r.ZH, r.EN)
		}
		return fmt.Errorf("batch %d rejected", b.ID)
	}
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func repeat(c byte, n int) []byte {
	if n < 0 {
		n = 0
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

// thousands formats n with thousands separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
