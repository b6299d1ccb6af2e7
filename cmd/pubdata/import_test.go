package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/collect"
	"pubdata/internal/store/storetest"
)

// TestMain lets a test run this binary's Main in a child process (to kill
// it): PUBDATA_TEST_MAIN holds the arguments as JSON.
func TestMain(m *testing.M) {
	if args := os.Getenv("PUBDATA_TEST_MAIN"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			panic(err)
		}
		os.Exit((&Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: func(string) string { return "" }}).Run(context.Background(), argv))
	}
	os.Exit(m.Run())
}

// liveDigest is the dataset's live rows, in key order, as one string.
func liveDigest(t *testing.T, a *app.App, ds collect.Dataset) (int, string) {
	t.Helper()
	q := "SELECT c1 || '|' || c2 FROM " + ds.Table + " WHERE _deleted = 0 ORDER BY c1"
	if a.DB.Dialect == "postgres" {
		q = "SELECT c1 || '|' || c2 FROM " + ds.Table + " WHERE NOT _deleted ORDER BY c1"
	}
	rows, err := a.DB.Read().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	n := 0
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "\n")
		n++
	}
	return n, b.String()
}

func TestImportKilledMidLoadLeavesTheDatasetAsItWas(t *testing.T) {
	for _, d := range storetest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			a := apptest.Demo(t, d)
			ds, err := benchPublishPersons(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			small, big := filepath.Join(dir, "small.csv"), filepath.Join(dir, "big.csv")
			if err := writeBenchPersons(small, 500); err != nil {
				t.Fatal(err)
			}
			if err := writeBenchPersons(big, 400000); err != nil {
				t.Fatal(err)
			}
			store := []string{"--data", a.Cfg.DataDir}
			if a.Cfg.DBURL != "" {
				store = []string{"--db", a.Cfg.DBURL}
			}
			// A first load through the command, to completion.
			if code, out, errOut := runChild(t, append([]string{"import", "--dataset", strconv.FormatInt(ds.ID, 10), "--mode", "full", "--quiet", small}, store...)); code != 0 {
				t.Fatalf("first import: %d %s %s", code, out, errOut)
			}
			n0, before := liveDigest(t, a, ds)
			if n0 != 500 {
				t.Fatalf("after the first import: %d rows", n0)
			}
			var batches0 int
			if err := a.DB.Read().QueryRowContext(ctx, `SELECT count(*) FROM dataset_batches WHERE dataset_id = $1`, ds.ID).Scan(&batches0); err != nil {
				t.Fatal(err)
			}
			// A full load of 400,000 rows, killed once it has written some.
			cmd := childCommand(append([]string{"import", "--dataset", strconv.FormatInt(ds.ID, 10), "--mode", "full", big}, store...))
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			rows := waitForProgress(t, stderr, 30000, 60*time.Second)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			t.Logf("killed after %d rows", rows)
			n1, after := liveDigest(t, a, ds)
			if n1 != n0 || after != before {
				t.Fatalf("the killed load changed the dataset: %d rows before, %d after", n0, n1)
			}
			var batches1 int
			if err := a.DB.Read().QueryRowContext(ctx, `SELECT count(*) FROM dataset_batches WHERE dataset_id = $1`, ds.ID).Scan(&batches1); err != nil {
				t.Fatal(err)
			}
			if batches1 != batches0 {
				t.Fatalf("the killed load left a batch record: %d → %d", batches0, batches1)
			}
			if rep, err := a.Trail.Verify(ctx); err != nil || !rep.OK {
				t.Fatalf("audit chain after the kill: %v %+v", err, rep)
			}
			// The node goes on: the same file loads completely afterwards.
			if code, out, errOut := runChild(t, append([]string{"import", "--dataset", strconv.FormatInt(ds.ID, 10), "--mode", "full", "--quiet", small}, store...)); code != 0 {
				t.Fatalf("import after the kill: %d %s %s", code, out, errOut)
			}
		})
	}
}

func childCommand(args []string) *exec.Cmd {
	b, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PUBDATA_TEST_MAIN="+string(b))
	return cmd
}

func runChild(t *testing.T, args []string) (int, string, string) {
	t.Helper()
	cmd := childCommand(args)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

var progressRows = regexp.MustCompile(`([\d,]+) 行`)

// waitForProgress reads the progress bar until it reports at least min rows.
func waitForProgress(t *testing.T, r io.Reader, min int64, limit time.Duration) int64 {
	t.Helper()
	found := make(chan int64, 1)
	go func() {
		br := bufio.NewReader(r)
		var buf []byte
		for {
			b, err := br.ReadByte()
			if err != nil {
				close(found)
				return
			}
			buf = append(buf, b)
			if b != '\r' && b != '\n' {
				continue
			}
			if m := progressRows.FindSubmatch(buf); m != nil {
				n, _ := strconv.ParseInt(strings.ReplaceAll(string(m[1]), ",", ""), 10, 64)
				if n >= min {
					found <- n
					go io.Copy(io.Discard, br)
					return
				}
			}
			buf = buf[:0]
		}
	}()
	select {
	case n, ok := <-found:
		if !ok {
			t.Fatal("the import ended before reporting progress")
		}
		return n
	case <-time.After(limit):
		t.Fatalf("no progress to %d rows within %s", min, limit)
	}
	return 0
}
