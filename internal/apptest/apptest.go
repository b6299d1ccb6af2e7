// Package apptest builds real pubdata nodes for tests: a fresh database on
// each engine (SQLite always, PostgreSQL when PUBDATA_TEST_POSTGRES is set),
// optionally the demo data, and an HTTP test server with the full router.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"pubdata/internal/app"
	"pubdata/internal/auth"
	"pubdata/internal/demo"
	"pubdata/internal/server"
	"pubdata/internal/store"
	"pubdata/internal/store/storetest"
)

// FastHash makes password hashing cheap in tests; production uses
// auth.DefaultHashParams.
var FastHash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}

// Open returns a fresh node on the engine.
func Open(t testing.TB, d store.Dialect) *app.App {
	t.Helper()
	cfg := storetest.Config(t, d)
	ac := auth.DefaultConfig
	ac.Hash = FastHash
	dir := t.TempDir()
	c := app.Config{DataDir: dir, DBURL: cfg.URL, Auth: ac, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if cfg.URL != "" {
		// PostgreSQL keeps no key in the data directory by default: give the
		// node a secrets key, as an operator would with --secrets-key-file.
		c.SecretsKeyFile = filepath.Join(dir, "secrets.key")
		if err := os.WriteFile(c.SecretsKeyFile, []byte("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a, err := app.Open(context.Background(), c)
	if err != nil {
		t.Fatalf("apptest: open %s: %v", d, err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// Demo returns a fresh node on the engine with the demo's organisations,
// accounts and cases, and only the catalog entries of its review scenarios.
func Demo(t testing.TB, d store.Dialect) *app.App {
	t.Helper()
	return demoWith(t, d, demo.Options{})
}

// FullDemo is Demo with the whole demo catalog, as pubdata demo loads it.
func FullDemo(t testing.TB, d store.Dialect) *app.App {
	t.Helper()
	return demoWith(t, d, demo.Options{Catalog: true})
}

func demoWith(t testing.TB, d store.Dialect, opt demo.Options) *app.App {
	t.Helper()
	a := Open(t, d)
	if _, err := demo.LoadWith(context.Background(), a, opt); err != nil {
		t.Fatalf("apptest: demo: %v", err)
	}
	return a
}

// Each runs fn on a fresh demo node of each engine.
func Each(t *testing.T, fn func(t *testing.T, a *app.App)) {
	t.Helper()
	for _, d := range storetest.Engines() {
		t.Run(string(d), func(t *testing.T) { fn(t, Demo(t, d)) })
	}
}

// Server starts the node's full router on a test server.
func Server(t testing.TB, a *app.App) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(server.New(a))
	t.Cleanup(srv.Close)
	return srv
}

// Client calls a test server's API.
type Client struct {
	T     testing.TB
	URL   string
	Token string
	Lang  string
	// NoRedirect returns redirects instead of following them.
	NoRedirect bool
}

// Login returns a client holding an API token for the demo user.
func Login(t testing.TB, srv *httptest.Server, username string) *Client {
	t.Helper()
	c := &Client{T: t, URL: srv.URL}
	var out struct{ Token string }
	if st := c.Do("POST", "/api/v1/session", map[string]string{"username": username, "password": demo.Password}, &out); st != http.StatusCreated {
		t.Fatalf("login %s: status %d", username, st)
	}
	c.Token = out.Token
	return c
}

// Do sends body (nil, []byte sent raw, or a value sent as JSON) and decodes
// the JSON answer into out (if not nil); it returns the status.
func (c *Client) Do(method, path string, body any, out any) int {
	c.T.Helper()
	st, b := c.Raw(method, path, body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.T.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return st
}

// Raw is Do returning the body bytes.
func (c *Client) Raw(method, path string, body any) (int, []byte) {
	c.T.Helper()
	res, b := c.Response(method, path, body)
	return res.StatusCode, b
}

// Response is Raw returning the whole response (its body already read).
func (c *Client) Response(method, path string, body any) (*http.Response, []byte) {
	c.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.T.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.URL+path, rd)
	if err != nil {
		c.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	hc := &http.Client{}
	if c.NoRedirect {
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	res, err := hc.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}
