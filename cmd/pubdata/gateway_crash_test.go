package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/collect"
	"pubdata/internal/share"
	"pubdata/internal/store/storetest"
)

var servingURL = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)

// TestGatewayAuditSurvivesACrash drives gateway lookups at a real `pubdata
// serve` in a child process, kills it with SIGKILL in the middle of the
// load, and then checks that every call that was answered has its audit
// entry and that `pubdata audit verify` finds the chain intact: batching the
// gateway's audit (group commit) loses nothing that was answered.
func TestGatewayAuditSurvivesACrash(t *testing.T) {
	for _, d := range storetest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			a := apptest.Demo(t, d)
			ds, err := benchPublishPersons(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "persons.csv")
			if err := writeBenchPersons(file, 3000); err != nil {
				t.Fatal(err)
			}
			if code, out, errOut := runChild(t, append([]string{"import", "--dataset", strconv.FormatInt(ds.ID, 10), "--mode", "full", "--quiet", file}, storeArgs(a.Cfg.DataDir, a.Cfg.DBURL, a.Cfg.SecretsKeyFile)...)); code != 0 {
				t.Fatalf("import: %d %s %s", code, out, errOut)
			}
			police, _ := benchActor(ctx, a, "gd.police")
			hrss, _ := benchActor(ctx, a, "gd.hrss")
			creds, err := a.Share.RegisterApp(ctx, hrss, share.AppInput{Name: "崩溃测试应用"})
			if err != nil {
				t.Fatal(err)
			}
			r, err := a.Share.Submit(ctx, hrss, share.RequestInput{Kind: share.KindData, EntryID: ds.EntryID, Spec: share.Spec{
				Items: []share.GrantItem{{Name: "公民身份号码"}, {Name: "姓名"}, {Name: "手机号码"}}, Purpose: "崩溃测试", PurposeCategory: share.PurposeDuty,
				Scenario: "社保待遇资格认证", DutyBasis: "《社会保险法》第八条", Mode: share.ModeAPI, EndDate: time.Now().AddDate(0, 1, 0).Format(time.DateOnly),
				AppID: creds.App.ID, QuotaDaily: 1 << 30, RatePerMinute: 1 << 30}})
			if err != nil {
				t.Fatal(err)
			}
			if r, err = a.Share.Decide(ctx, police, r.ID, share.Decision{Action: "agree"}); err != nil {
				t.Fatal(err)
			}
			if r, err = a.Share.Decide(ctx, police, r.ID, share.Decision{Action: "fulfil"}); err != nil || r.GrantID == 0 {
				t.Fatalf("fulfil: %v (grant %d)", err, r.GrantID)
			}
			keys := benchKeys(t, a, ds)

			cmd := childCommand(append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "error"}, storeArgs(a.Cfg.DataDir, a.Cfg.DBURL, a.Cfg.SecretsKeyFile)...))
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = io.Discard
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			url := waitForURL(t, stdout, 60*time.Second)

			// 16 clients look up keys; each answered call's request ID is kept.
			basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(creds.ClientID+":"+creds.ClientSecret))
			var (
				mu       sync.Mutex
				answered []string
				wg       sync.WaitGroup
			)
			stop := make(chan struct{})
			for w := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := &http.Client{Timeout: 5 * time.Second}
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						rid := fmt.Sprintf("crash-%d-%d", w, i)
						req, _ := http.NewRequest("GET", url+"/api/v1/share/data/"+strconv.FormatInt(r.GrantID, 10)+"/records/"+keys[(w*7919+i)%len(keys)], nil)
						req.Header.Set("Authorization", basic)
						req.Header.Set("X-Request-ID", rid)
						res, err := c.Do(req)
						if err != nil {
							return // the server is gone
						}
						_, err = io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if err == nil && res.StatusCode == http.StatusOK {
							mu.Lock()
							answered = append(answered, rid)
							mu.Unlock()
						}
					}
				}()
			}
			// Kill the node once it has answered a few hundred calls, mid-load.
			deadline := time.Now().Add(60 * time.Second)
			for {
				mu.Lock()
				n := len(answered)
				mu.Unlock()
				if n >= 400 || time.Now().After(deadline) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			close(stop)
			wg.Wait()
			if len(answered) < 400 {
				t.Fatalf("only %d calls answered before the deadline", len(answered))
			}

			// Every answered call is in the trail; the chain verifies.
			logged := map[string]bool{}
			rows, err := a.DB.Read().QueryContext(ctx, `SELECT request_id FROM audit_entries WHERE action = 'share.gateway.lookup' AND object_id = $1`, strconv.FormatInt(r.GrantID, 10))
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var rid string
				if err := rows.Scan(&rid); err != nil {
					t.Fatal(err)
				}
				logged[rid] = true
			}
			rows.Close()
			missing := 0
			for _, rid := range answered {
				if !logged[rid] {
					missing++
				}
			}
			if missing > 0 {
				t.Fatalf("%d of %d answered calls have no audit entry after the crash", missing, len(answered))
			}
			t.Logf("killed after %d answered calls; %d audit entries of lookups", len(answered), len(logged))
			if code, out, errOut := runChild(t, append([]string{"audit", "verify"}, storeArgs(a.Cfg.DataDir, a.Cfg.DBURL, a.Cfg.SecretsKeyFile)...)); code != 0 {
				t.Fatalf("audit verify after the crash: %d %s %s", code, out, errOut)
			}
		})
	}
}

// storeArgs are the command-line flags that open the test node's store.
func storeArgs(dataDir, dbURL, secretsKey string) []string {
	if dbURL == "" {
		return []string{"--data", dataDir}
	}
	return []string{"--db", dbURL, "--secrets-key-file", secretsKey}
}

// benchKeys reads up to 1,000 live keys of the dataset.
func benchKeys(t *testing.T, a *app.App, ds collect.Dataset) []string {
	t.Helper()
	rows, err := a.DB.Read().QueryContext(context.Background(), `SELECT `+ds.Keys()[0].Name+` FROM `+ds.Table+` LIMIT 1000`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		t.Fatal("no keys")
	}
	return out
}

// waitForURL reads the child's standard output until it announces its address.
func waitForURL(t *testing.T, r io.Reader, limit time.Duration) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := servingURL.FindString(sc.Text()); m != "" {
				found <- m
				io.Copy(io.Discard, r)
				return
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatal("the server exited before announcing its address")
		}
		return u
	case <-time.After(limit):
		t.Fatal("the server did not start")
	}
	return ""
}
