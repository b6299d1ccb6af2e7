package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/auth"
	"pubdata/internal/collect"
	"pubdata/internal/demo"
	"pubdata/internal/security"
	"pubdata/internal/server"
	"pubdata/internal/share"
	"pubdata/internal/store"
)

// gatewayClients and gatewayDuration are the load: 32 keep-alive
// clients for 20 s per path.
const (
	gatewayClients  = 32
	gatewayDuration = 20 * time.Second
)

// benchGateway loads 1,000,000 persons, grants them with masking through the
// real request flow, and drives key lookups through the real gateway
// (credentials, grant check, projection, masking, quota, batched audit) and,
// in the same run, the same lookups through a bare handler (same query, JSON
// out, nothing else); then the same for verification.
func benchGateway(ctx context.Context, m *Main, quick bool, pgURL string, args benchArgs) error {
	n, dur := args.rows, gatewayDuration
	if n == 0 {
		n = 1000000
	}
	if quick {
		if args.rows == 0 {
			n = 50000
		}
		dur = 3 * time.Second
	}
	dir, err := os.MkdirTemp("", "pubdata-bench-gateway-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "persons.csv")
	if err := writeBenchPersons(file, n); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	cfg := store.Config{DataDir: filepath.Join(dir, "sqlite")}
	label := "sqlite"
	if pgURL != "" {
		c, drop, err := pgSchema(ctx, pgURL)
		if err != nil {
			return err
		}
		defer drop()
		cfg, label = c, "postgres"
	}
	w, err := setupGatewayBench(ctx, m.Stdout, cfg, filepath.Join(dir, "node"), file, n)
	if err != nil {
		return err
	}
	defer w.close()

	lookup := func(base string, auth string) func(c *http.Client, i int) error {
		return func(c *http.Client, i int) error {
			req, _ := http.NewRequest("GET", base+w.keys[i%len(w.keys)], nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			return expectOK(c, req)
		}
	}
	verify := func(url string, auth string) func(c *http.Client, i int) error {
		return func(c *http.Client, i int) error {
			k := i % len(w.keys)
			name := w.names[k]
			if i%2 == 1 {
				name += "甲" // half the claims do not match
			}
			body, _ := json.Marshal(map[string]any{"key": w.keys[k], "claims": map[string]string{"姓名": name}})
			req, _ := http.NewRequest("POST", url, strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			return expectOK(c, req)
		}
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(w.creds.ClientID+":"+w.creds.ClientSecret))
	fmt.Fprintf(m.Stdout, "%s: %d persons, %d clients, %s per path\n", label, n, gatewayClients, dur)
	ours, err := drive(ctx, dur, lookup(w.url+"/api/v1/share/data/"+strconv.FormatInt(w.grant, 10)+"/records/", basic))
	if err != nil {
		return fmt.Errorf("gateway lookups: %w", err)
	}
	base, err := drive(ctx, dur, lookup(w.bareURL+"/bare/records/", ""))
	if err != nil {
		return fmt.Errorf("bare lookups: %w", err)
	}
	vOurs, err := drive(ctx, dur, verify(w.url+"/api/v1/share/data/"+strconv.FormatInt(w.verifyGrant, 10)+"/verify", basic))
	if err != nil {
		return fmt.Errorf("gateway verification: %w", err)
	}
	vBase, err := drive(ctx, dur, verify(w.bareURL+"/bare/verify", ""))
	if err != nil {
		return fmt.Errorf("bare verification: %w", err)
	}
	entries, commits := w.a.Share.AuditStats()
	fmt.Fprintf(m.Stdout, "lookup:  gateway %s | bare %s\n", ours, base)
	fmt.Fprintf(m.Stdout, "verify:  gateway %s | bare %s\n", vOurs, vBase)
	fmt.Fprintf(m.Stdout, "audit: %d gateway entries in %d commits (%.1f per commit)\n", entries, commits, float64(entries)/max(1, float64(commits)))
	fmt.Fprintf(m.Stdout, "bench gateway: rps=%.0f baseline_rps=%.0f ratio=%.2f p50_ms=%.2f p99_ms=%.2f verify_rps=%.0f verify_ratio=%.2f\n",
		ours.rps, base.rps, ours.rps/base.rps, ours.p50, ours.p99, vOurs.rps, vOurs.rps/vBase.rps)
	return nil
}

// gatewayWorld is the benchmark's node: the app, its server, the bare
// server, the grants and the keys to look up.
type gatewayWorld struct {
	a                  *app.App
	url, bareURL       string
	grant, verifyGrant int64
	creds              share.Credentials
	keys, names        []string
	close              func()
}

func setupGatewayBench(ctx context.Context, out io.Writer, cfg store.Config, dataDir, file string, n int) (*gatewayWorld, error) {
	ac := auth.DefaultConfig
	ac.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1} // demo accounts only; not what is measured
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	a, err := app.Open(ctx, app.Config{DataDir: dataDir, DBURL: cfg.URL, Auth: ac, SecretsKeyFile: benchSecretsKey(dataDir, cfg),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	w := &gatewayWorld{a: a}
	var closers []func()
	w.close = func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
		a.Close()
	}
	fail := func(err error) (*gatewayWorld, error) {
		w.close()
		return nil, err
	}
	if _, err := demo.LoadWith(ctx, a, demo.Options{}); err != nil {
		return fail(fmt.Errorf("demo: %w", err))
	}
	ds, err := benchPublishPersons(ctx, a)
	if err != nil {
		return fail(err)
	}
	start := time.Now()
	f, err := os.Open(file)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	rd, err := collect.OpenReader(collect.FormatCSV, f, ds.Fields(), collect.ReadOptions{})
	if err != nil {
		return fail(err)
	}
	police, err := benchActor(ctx, a, "gd.police")
	if err != nil {
		return fail(err)
	}
	b, err := a.Collect.Load(ctx, police, ds.ID, collect.LoadInput{Channel: collect.ChannelUpload, Mode: collect.ModeFull, Reader: rd, Format: collect.FormatCSV, FileName: "persons.csv"})
	if err != nil {
		return fail(err)
	}
	if b.State != collect.BatchLoaded {
		return fail(fmt.Errorf("load: %s (first error %+v)", b.State, first(b.Errors)))
	}
	a.Collect.Settle()
	fmt.Fprintf(out, "loaded %d persons in %.1fs\n", n, time.Since(start).Seconds())

	hrss, err := benchActor(ctx, a, "gd.hrss")
	if err != nil {
		return fail(err)
	}
	if w.creds, err = a.Share.RegisterApp(ctx, hrss, share.AppInput{Name: "基准测试应用"}); err != nil {
		return fail(err)
	}
	// A data grant with the default masks (ID number, name, address and
	// mobile masked; the rest in clear), and a verification grant; quotas
	// and rates wide enough not to refuse the benchmark's load.
	items := func(names ...string) []share.GrantItem {
		var out []share.GrantItem
		for _, n := range names {
			out = append(out, share.GrantItem{Name: n})
		}
		return out
	}
	grant := func(kind share.RequestKind, its []share.GrantItem) (int64, error) {
		spec := share.Spec{Items: its, Purpose: "基准测试：社保待遇资格认证", PurposeCategory: share.PurposeDuty, Scenario: "社保待遇资格认证",
			DutyBasis: "《社会保险法》第八条", Mode: share.ModeAPI, EndDate: time.Now().AddDate(1, 0, 0).Format(time.DateOnly), AppID: w.creds.App.ID,
			QuotaDaily: 1 << 40, RatePerMinute: 1 << 40}
		r, err := a.Share.Submit(ctx, hrss, share.RequestInput{Kind: kind, EntryID: ds.EntryID, Spec: spec})
		if err != nil {
			return 0, fmt.Errorf("submit: %w", err)
		}
		if r, err = a.Share.Decide(ctx, police, r.ID, share.Decision{Action: "agree"}); err != nil {
			return 0, fmt.Errorf("agree: %w", err)
		}
		if r.GrantID == 0 {
			if r, err = a.Share.Decide(ctx, police, r.ID, share.Decision{Action: "fulfil"}); err != nil {
				return 0, fmt.Errorf("fulfil: %w", err)
			}
		}
		return r.GrantID, nil
	}
	if w.grant, err = grant(share.KindData, items("公民身份号码", "姓名", "性别", "出生日期", "住址", "手机号码", "行政区划代码")); err != nil {
		return fail(err)
	}
	if w.verifyGrant, err = grant(share.KindVerify, items("公民身份号码", "姓名")); err != nil {
		return fail(err)
	}
	g, _, err := a.Share.Grant(ctx, hrss, w.grant)
	if err != nil {
		return fail(err)
	}
	masked := 0
	for _, it := range g.Items {
		if !it.Mask.Clear() {
			masked++
		}
	}
	fmt.Fprintf(out, "grant %d: %d items, %d masked; verification grant %d\n", g.ID, len(g.Items), masked, w.verifyGrant)

	// Keys to look up: every 97th person, read back with their names.
	key, name := ds.Keys()[0].Name, ""
	for _, c := range ds.Live() {
		if c.Item.Name == "姓名" {
			name = c.Name
		}
	}
	rows, err := a.DB.Read().QueryContext(ctx, `SELECT `+key+`, `+name+` FROM `+ds.Table+` WHERE _row % 97 = 0 LIMIT 20000`)
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return fail(err)
		}
		w.keys, w.names = append(w.keys, k), append(w.names, v)
	}
	rows.Close()
	if len(w.keys) == 0 {
		return fail(fmt.Errorf("no keys to look up"))
	}

	serve := func(h http.Handler) (string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		closers = append(closers, func() { srv.Close() })
		return "http://" + ln.Addr().String(), nil
	}
	if w.url, err = serve(server.New(a)); err != nil {
		return fail(err)
	}
	bare, err := bareGateway(ctx, a, ds, w.grant)
	if err != nil {
		return fail(err)
	}
	if w.bareURL, err = serve(bare); err != nil {
		return fail(err)
	}
	return w, nil
}

// benchSecretsKey gives a PostgreSQL node a secrets key in its data
// directory (SQLite makes its own), so pseudonym keys are sealed as in
// production.
func benchSecretsKey(dataDir string, cfg store.Config) string {
	if cfg.URL == "" {
		return ""
	}
	path := filepath.Join(dataDir, "secrets.key")
	key, err := security.PseudonymKey()
	if err == nil {
		err = os.WriteFile(path, []byte(fmt.Sprintf("%x\n", key)), 0o600)
	}
	if err != nil {
		return ""
	}
	return path
}

// bareGateway is the baseline: the same key query on the same database,
// JSON out, nothing else — no credentials, grant, masking, quota or audit.
// Lookups use the share service's baseline handler (the gateway's own query
// and JSON writer); verification compares the claimed name the plain way.
func bareGateway(ctx context.Context, a *app.App, ds collect.Dataset, grantID int64) (http.Handler, error) {
	lookup, err := a.Share.BaselineLookupHandler(ctx, grantID)
	if err != nil {
		return nil, err
	}
	live := ds.Live()
	nameCol := slices.IndexFunc(live, func(c collect.Column) bool { return c.Item.Name == "姓名" })
	if nameCol < 0 {
		return nil, fmt.Errorf("dataset %d has no 姓名", ds.ID)
	}
	q := `SELECT ` + live[nameCol].Name + ` FROM ` + ds.Table + ` WHERE ` + ds.Keys()[0].Name + ` = $1 AND NOT _deleted`
	// Prepared once, as the gateway prepares its own (PostgreSQL's driver
	// caches statements itself).
	p, ok := a.DB.Read().(interface {
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	})
	if !ok {
		return nil, fmt.Errorf("the read pool cannot prepare statements")
	}
	stmt, err := p.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /bare/records/{key}", lookup)
	mux.HandleFunc("POST /bare/verify", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Key    string            `json:"key"`
			Claims map[string]string `json:"claims"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var name string
		res := "no_match"
		if err := stmt.QueryRowContext(r.Context(), in.Key).Scan(&name); err != nil {
			res = "no_record"
		} else if name == in.Claims["姓名"] {
			res = "match"
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"results": map[string]string{"姓名": res}})
	})
	return mux, nil
}

func expectOK(c *http.Client, req *http.Request) error {
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, res.Status)
	}
	return err
}

// loadResult is one path's throughput and latency.
type loadResult struct {
	calls    int64
	rps      float64
	p50, p99 float64 // milliseconds
}

func (r loadResult) String() string {
	return fmt.Sprintf("%.0f req/s, p50 %.2f ms, p99 %.2f ms (%d calls)", r.rps, r.p50, r.p99, r.calls)
}

// drive runs call from gatewayClients keep-alive clients for d and
// measures every call; the first error stops the run.
func drive(ctx context.Context, d time.Duration, call func(c *http.Client, i int) error) (loadResult, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	tr := &http.Transport{MaxIdleConns: gatewayClients, MaxIdleConnsPerHost: gatewayClients, MaxConnsPerHost: gatewayClients, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		lat      []time.Duration
		firstErr error
		next     atomic.Int64
	)
	start := time.Now()
	for range gatewayClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: tr}
			var mine []time.Duration
			for ctx.Err() == nil {
				i := int(next.Add(1))
				t := time.Now()
				if err := call(c, i); err != nil {
					if ctx.Err() == nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						cancel()
					}
					break
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return loadResult{}, firstErr
	}
	if len(lat) == 0 {
		return loadResult{}, fmt.Errorf("no call completed")
	}
	slices.Sort(lat)
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	return loadResult{calls: int64(len(lat)), rps: float64(len(lat)) / elapsed.Seconds(), p50: ms(0.50), p99: ms(0.99)}, nil
}
