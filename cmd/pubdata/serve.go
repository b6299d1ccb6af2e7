package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/demo"
	"pubdata/internal/server"
)

func version() string {
	if server.Version != "dev" {
		return server.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

func (m *Main) serve(ctx context.Context, args []string, withDemo bool) error {
	name := "serve"
	if withDemo {
		name = "demo"
	}
	fs := newFlags(name)
	addr := fs.String("addr", m.env("PUBDATA_ADDR", "127.0.0.1:8080"), "listen address")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure (when served over TLS)")
	scan := fs.Duration("overdue-scan", time.Minute, "how often the scheduler looks for overdue cases")
	sf := m.storeFlags(fs)
	if withDemo {
		sf.data = m.env("PUBDATA_DATA", filepath.Join(os.TempDir(), "pubdata-demo"))
	}
	keep := fs.Bool("keep", false, "demo: keep an existing demo database instead of starting fresh")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if withDemo {
		if sf.db != "" {
			return usageError("demo runs on a fresh embedded database: use --data, not --db")
		}
		if !*keep {
			if err := resetDemoDir(sf.data); err != nil {
				return err
			}
		}
	}
	a, err := m.open(ctx, sf)
	if err != nil {
		return err
	}
	defer a.Close()
	var loaded demo.Result
	if withDemo {
		start := time.Now()
		loaded, err = demo.LoadAll(ctx, a, demo.Options{Catalog: true, Data: true})
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		a.Log.Info("demo data loaded", "duration", time.Since(start).String())
	}
	return m.listen(ctx, a, *addr, *secure, *scan, func(url string) {
		if withDemo {
			fmt.Fprintf(m.Stdout, "pubdata demo: %s  (data in %s)\n\nDemo accounts (password for all: %s):\n", url, sf.data, demo.Password)
			for _, acc := range loaded.Accounts {
				fmt.Fprintf(m.Stdout, "  %-22s %-20s %s\n", acc.Username, acc.Role, acc.Description)
			}
			if sh := loaded.Share; sh != nil {
				// The sharing gateway takes an application's credentials, not
				// an account's: the demo's (demo data) with a key lookup and
				// a verification on its grants.
				fmt.Fprintf(m.Stdout, "\nSharing gateway (demo credential of %s · %s):\n", sh.Consumer, sh.AppName)
				for _, c := range sh.Curls(url) {
					fmt.Fprintf(m.Stdout, "  %s\n", c)
				}
			}
			fmt.Fprintln(m.Stdout)
		} else {
			fmt.Fprintf(m.Stdout, "pubdata: serving %s on %s (%s)\n", a.DB.Where, url, a.DB.Dialect)
		}
	})
}

// demoMarker marks a directory the demo created, so that the demo never
// erases a directory it did not make (say, a real node's --data).
const demoMarker = ".pubdata-demo"

func resetDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("refusing to erase %s: it was not made by pubdata demo; choose an empty or new --data directory", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("created by pubdata demo; erased on the next demo run\n"), 0o600)
}

func (m *Main) listen(ctx context.Context, a *app.App, addr string, secure bool, scan time.Duration, announce func(string)) error {
	h := server.New(a)
	h.Secure = secure
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	url := "http://" + ln.Addr().String()
	announce(url)
	if m.Ready != nil {
		m.Ready <- url
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go a.Cases.RunScheduler(sctx, scan)
	go a.Collect.RunScheduler(sctx, scan)
	go a.Share.RunScheduler(sctx, scan)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.Collect.Settle() // the work after loads already answered
	return nil
}

func (m *Main) migrate(ctx context.Context, args []string) error {
	fs := newFlags("migrate")
	sf := m.storeFlags(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := m.open(ctx, sf)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.DB.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s at schema version %d\n", a.DB.Where, v)
	return nil
}
