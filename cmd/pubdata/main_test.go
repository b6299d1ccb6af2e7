package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"pubdata/internal/app"
	"pubdata/internal/audit"
)

// run runs the program in-process with the given stdin and arguments.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code = m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestWorkdays(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"workdays", "add", "2025-09-30", "5"}, "2025-10-14\n"},
		{[]string{"workdays", "add", "2025-09-27", "1"}, "2025-09-28\n"}, // Sunday 28th is an adjusted working day
		{[]string{"workdays", "add", "2026-02-13", "0"}, "2026-02-13\n"},
		{[]string{"workdays", "is", "2025-10-03"}, "holiday 国庆节、中秋节\n"},
		{[]string{"workdays", "is", "2025-10-11"}, "workday\n"},
		{[]string{"workdays", "is", "2025-10-12"}, "weekend\n"},
		{[]string{"workdays", "add", "2026-03-02", "--profile", "huizhou", "--deadline", "share.conditional.reply"}, "2026-03-04\n"},
		{[]string{"workdays", "add", "2026-03-02", "--profile", "guangdong", "--deadline", "share.conditional.reply"}, "2026-03-09\n"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errs := run(t, "", append(c.args, "--data", t.TempDir())...)
			if code != 0 || out != c.want {
				t.Fatalf("exit %d, out %q, err %q; want %q", code, out, errs, c.want)
			}
		})
	}
	for _, bad := range [][]string{{"workdays", "add", "2025-13-01", "5"}, {"workdays", "add", "2025-09-30", "x"}, {"workdays", "is"}, {"workdays", "add", "2025-09-30", "1", "--deadline", "no.such"}} {
		if code, _, _ := run(t, "", bad...); code == 0 {
			t.Errorf("%v succeeded", bad)
		}
	}
}

func TestRulesShow(t *testing.T) {
	code, out, _ := run(t, "", "rules", "show", "--profile", "huizhou")
	if code != 0 || !strings.Contains(out, "share.conditional.reply") || !strings.Contains(out, "HZ §24") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if code, _, _ := run(t, "", "rules", "show", "--profile", "nowhere"); code == 0 {
		t.Fatal("unknown profile accepted")
	}
}

// TestAuditVerifyDetectsHandEdits changes the audit trail by hand, as an
// intruder with database access would, and expects verify to fail and name
// the entry.
func TestAuditVerifyDetectsHandEdits(t *testing.T) {
	tampers := []struct {
		name, sql, want string
	}{
		{"alter", `UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2`, "entry 2 (altered)"},
		{"delete", `DELETE FROM audit_entries WHERE seq = 3`, "entry 3 (removed)"},
		{"insert", `INSERT INTO audit_entries (seq, at, actor, role, action, outcome, prev_hash, hash) SELECT seq + 1, at, 'mallory', '', 'user.create', 'ok', hash, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`, "(inserted)"},
	}
	for _, tc := range tampers {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if code, _, errs := run(t, "Str0ng#Passw0rd\n", "user", "add", "--username", "ops", "--role", "auditor", "--jurisdiction", "440000", "--password-stdin", "--data", dir); code != 0 {
				t.Fatalf("user add: %s", errs)
			}
			code, tok, errs := run(t, "", "token", "create", "--user", "ops", "--ttl", "1h", "--data", dir)
			if code != 0 || !strings.HasPrefix(tok, "pd_") || strings.Count(tok, "\n") != 1 {
				t.Fatalf("token create printed %q (%s)", tok, errs)
			}
			code, out, _ := run(t, "", "audit", "verify", "--data", dir)
			if code != 0 || !strings.Contains(out, "intact") {
				t.Fatalf("fresh trail: exit %d %s", code, out)
			}
			db, err := sql.Open("sqlite", dir+"/pubdata.db")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			code, out, _ = run(t, "", "audit", "verify", "--data", dir)
			if code == 0 || !strings.Contains(out, tc.want) {
				t.Fatalf("after %s: exit %d, %q (want %q)", tc.name, code, out, tc.want)
			}
		})
	}
}

func TestUserAddRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"user", "add", "--username", "x", "--role", "auditor", "--password-stdin", "--data", dir},  // bad username and no jurisdiction
		{"user", "add", "--username", "ops", "--role", "wizard", "--password-stdin", "--data", dir}, // unknown role
	} {
		if code, _, _ := run(t, "Str0ng#Passw0rd\n", args...); code == 0 {
			t.Errorf("%v succeeded", args)
		}
	}
	// Without --password-stdin a password is generated, shown once, and works.
	code, out, errs := run(t, "", "user", "add", "--username", "ops", "--role", "auditor", "--jurisdiction", "440000", "--data", dir)
	pw, ok := strings.CutPrefix(strings.Split(out, "\n")[0], "generated password (shown once): ")
	if code != 0 || !ok || len(pw) != 16 {
		t.Fatalf("generated password: exit %d %q %s", code, out, errs)
	}
	a, err := app.Open(context.Background(), app.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Accounts.Login(context.Background(), audit.Actor{}, "ops", pw); err != nil {
		t.Fatalf("the generated password does not log in: %v", err)
	}
}

// TestServeEndToEnd boots the real server on a random port with a fresh
// data directory and checks it answers.
func TestServeEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }, Ready: ready}
	dir := t.TempDir()
	go func() { done <- m.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}) }()
	var url string
	select {
	case url = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/api/openapi.json"} {
		res, err := http.Get(url + path)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, err, res)
		}
		res.Body.Close()
	}
	res, err := http.Get(url + "/api/v1/agencies")
	if err != nil || res.StatusCode != 401 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("anonymous API call: %v %v", err, res)
	}
	res.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}

// TestDemoNeverErasesARealDataDirectory: pubdata demo starts from a fresh
// database, but refuses to wipe a directory it did not create.
func TestDemoNeverErasesARealDataDirectory(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := run(t, "Str0ng#Passw0rd\n", "user", "add", "--username", "ops", "--role", "auditor", "--jurisdiction", "440000", "--password-stdin", "--data", dir); code != 0 {
		t.Fatal(errs)
	}
	code, _, errs := run(t, "", "demo", "--addr", "127.0.0.1:0", "--data", dir)
	if code == 0 || !strings.Contains(errs, "refusing to erase") {
		t.Fatalf("demo on a real data directory: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(dir + "/pubdata.db"); err != nil {
		t.Fatal("the real database is gone")
	}
}
