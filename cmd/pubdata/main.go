// Command pubdata is the public-data platform: one binary that serves the
// portal and API, loads demo data, migrates, manages accounts and tokens,
// answers working-day questions, shows rule profiles, verifies the audit
// trail and runs benchmarks. Run `pubdata help` for the subcommands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// Main is the program with its streams, so tests run it in-process.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready, if set, receives the server's base URL once it listens (tests).
	Ready chan<- string
}

// Run runs one subcommand and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		m.usage()
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = m.serve(ctx, rest, false)
	case "demo":
		err = m.serve(ctx, rest, true)
	case "migrate":
		err = m.migrate(ctx, rest)
	case "user":
		err = m.user(ctx, rest)
	case "token":
		err = m.token(ctx, rest)
	case "workdays":
		err = m.workdays(ctx, rest)
	case "rules":
		err = m.rules(rest)
	case "audit":
		return m.audit(ctx, rest)
	case "bench":
		err = m.bench(ctx, rest)
	case "import":
		err = m.importFile(ctx, rest)
	case "version":
		fmt.Fprintln(m.Stdout, "pubdata", version())
	case "help", "-h", "--help":
		m.usage()
		return 0
	default:
		fmt.Fprintf(m.Stderr, "pubdata: unknown command %q\n", cmd)
		m.usage()
		return 2
	}
	if err != nil {
		fmt.Fprintln(m.Stderr, "pubdata "+cmd+":", err)
		if _, ok := err.(usageError); ok {
			return 2
		}
		return 1
	}
	return 0
}

type usageError string

func (e usageError) Error() string { return string(e) }

func (m *Main) usage() {
	fmt.Fprint(m.Stderr, `pubdata — Guangdong public-data platform

Usage:
  pubdata serve    [--addr HOST:PORT] [--data DIR | --db postgres://...]   run the platform
  pubdata demo     [--addr HOST:PORT] [--data DIR]      run on a fresh embedded database with demo data
  pubdata migrate  [--data DIR | --db URL]              apply database migrations
  pubdata user add --username U --role ROLE [--org CODE] [--jurisdiction CODE] [--password-stdin]
  pubdata token create --user U [--ttl DURATION]        print a new API token
  pubdata workdays add DATE N [--profile P | --deadline KEY]   the date N working days after DATE
  pubdata workdays is DATE                              workday, weekend or holiday <name>
  pubdata workdays load FILE                            add a year of holidays (holiday-cn JSON)
  pubdata rules show --profile NAME [--lang en]         the effective rule profile with its bases
  pubdata import --dataset ID FILE [--mode full|incremental] [--encoding gbk] [--as USER]
                                                        load a CSV, .xlsx or JSON Lines file into a dataset
  pubdata audit verify [--data DIR | --db URL]          check the audit chain
  pubdata bench NAME [--quick]                          run a benchmark against its baseline
  pubdata version

Every command that touches the store takes --data DIR (embedded SQLite, default ./data)
or --db URL (PostgreSQL). Environment: PUBDATA_DATA, PUBDATA_DB, PUBDATA_RULES_DIR,
PUBDATA_AUDIT_KEY_FILE.
`)
}
