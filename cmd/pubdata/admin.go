package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"time"

	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/rules"
)

// cliActor is the actor of command-line administration: the operator at
// the node's console, recorded as the system with the OS user as address.
func cliActor() audit.Actor {
	a := audit.System()
	a.Role = "cli"
	a.ClientAddr = "cli:" + os.Getenv("USER")
	return a
}

func (m *Main) user(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError("usage: pubdata user add --username U --role ROLE [--org CODE] [--jurisdiction CODE] [--name NAME] [--password-stdin]")
	}
	fs := newFlags("user add")
	username := fs.String("username", "", "login name")
	role := fs.String("role", "", "role: "+roleNames())
	orgCode := fs.String("org", "", "agency credit code (agency roles)")
	juris := fs.String("jurisdiction", "", "jurisdiction code (authority, auditor and admin roles)")
	name := fs.String("name", "", "display name")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input")
	sf := m.storeFlags(fs)
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *username == "" || *role == "" {
		return usageError("--username and --role are required")
	}
	var pw string
	if *stdin {
		line, err := bufio.NewReader(m.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		// No password on the command line (it would show in the process
		// list): generate one and show it once.
		pw = generatePassword()
		fmt.Fprintf(m.Stdout, "generated password (shown once): %s\n", pw)
	}
	a, err := m.open(ctx, sf)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.CreateUser(ctx, cliActor(), auth.NewUser{Username: *username, DisplayName: *name, Role: *role, AgencyCode: *orgCode, Jurisdiction: *juris, Password: pw})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(m.Stdout, "user %s (%s) created with id %d\n", u.Username, u.Role, u.ID)
	return nil
}

// generatePassword returns 16 random characters from all four classes.
func generatePassword() string {
	const sets = "ABCDEFGHJKLMNPQRSTUVWXYZ" + "abcdefghijkmnpqrstuvwxyz" + "23456789" + "#%+=@"
	b := make([]byte, 16)
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = sets[int(buf[i])%len(sets)]
	}
	// One of each class, at fixed places, so every password passes the policy.
	b[0], b[5], b[10], b[15] = 'K', 'm', '7', '#'
	return string(b)
}

func roleNames() string {
	var s []string
	for _, r := range auth.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func (m *Main) token(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError("usage: pubdata token create --user U [--ttl DURATION] [--name NAME]")
	}
	fs := newFlags("token create")
	user := fs.String("user", "", "username")
	ttl := fs.Duration("ttl", 30*24*time.Hour, "lifetime, e.g. 720h")
	name := fs.String("name", "cli", "a label for the token")
	sf := m.storeFlags(fs)
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *user == "" {
		return usageError("--user is required")
	}
	a, err := m.open(ctx, sf)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.UserByName(ctx, *user)
	if err != nil {
		return describe(err)
	}
	secret, _, err := a.Accounts.CreateToken(ctx, cliActor(), u.ID, *name, *ttl)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(m.Stdout, secret)
	return nil
}

func (m *Main) rules(args []string) error {
	if len(args) == 0 || args[0] != "show" {
		return usageError("usage: pubdata rules show --profile NAME [--lang zh|en] [--rules-dir DIR]")
	}
	fs := newFlags("rules show")
	profile := fs.String("profile", "guangdong", "profile name")
	lang := fs.String("lang", "zh", "zh or en")
	dir := fs.String("rules-dir", m.env("PUBDATA_RULES_DIR", ""), "directory of override files")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	set, err := rules.Load(*dir)
	if err != nil {
		return describe(err)
	}
	p, err := set.Profile(*profile)
	if err != nil {
		return fmt.Errorf("%w (profiles: %s)", describe(err), strings.Join(set.Names(), ", "))
	}
	return rules.Format(m.Stdout, p, *lang)
}
