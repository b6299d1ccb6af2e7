package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/demo"
	"pubdata/internal/org"
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("Correct horse 1", auth.DefaultHashParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("not a PHC argon2id hash: %s", h)
	}
	if !auth.CheckPassword("Correct horse 1", h) || auth.CheckPassword("correct horse 1", h) || auth.CheckPassword("", h) {
		t.Fatal("password check is wrong")
	}
	h2, _ := auth.HashPassword("Correct horse 1", auth.DefaultHashParams)
	if h == h2 {
		t.Fatal("no salt")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=8,t=1,p=0$AAAA$AAAA"} {
		if auth.CheckPassword("x", bad) {
			t.Fatalf("accepted %q", bad)
		}
	}
}

func FuzzCheckPassword(f *testing.F) {
	h, _ := auth.HashPassword("pw", apptest.FastHash)
	f.Add("pw", h)
	f.Add("x", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA")
	f.Fuzz(func(t *testing.T, pw, encoded string) {
		if strings.Contains(encoded, "m=") && !strings.Contains(encoded, "m=1024,") {
			return // keep fuzzing cheap: no huge memory parameters
		}
		auth.CheckPassword(pw, encoded)
	})
}

func TestLockoutAfterRepeatedFailures(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		now := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
		a.Accounts.SetClock(func() time.Time { return now })
		client := audit.Actor{ClientAddr: "10.1.2.3"}
		max := a.Accounts.Config().MaxFailures
		for i := 0; i < max; i++ {
			if _, err := a.Accounts.Login(ctx, client, "gd.police", "wrong password"); err != auth.ErrBadLogin {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		// Locked: even the right password is refused, and says so.
		if _, err := a.Accounts.Login(ctx, client, "gd.police", demo.Password); err != auth.ErrLocked {
			t.Fatalf("locked account: %v", err)
		}
		now = now.Add(a.Accounts.Config().LockFor + time.Second)
		if _, err := a.Accounts.Login(ctx, client, "gd.police", demo.Password); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		// Failed attempts are in the trail with the client address.
		es, _ := a.Trail.List(ctx, audit.Filter{Action: "session.login", Outcome: audit.Failed})
		if len(es) < max || es[0].ClientAddr != "10.1.2.3" {
			t.Fatalf("failed logins audited: %d %+v", len(es), es)
		}
		// An unknown user gets the same answer as a wrong password.
		if _, err := a.Accounts.Login(ctx, client, "nobody", "x"); err != auth.ErrBadLogin {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

func TestTokensExpireAndRevoke(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		u, _ := a.Accounts.UserByName(ctx, "auditor")
		self := (&auth.Principal{User: u}).Actor("", "")
		secret, tok, err := a.Accounts.CreateToken(ctx, self, u.ID, "test", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, tok.Prefix) {
			t.Fatal("prefix")
		}
		var stored int
		_ = a.DB.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1 OR prefix = $1`, secret).Scan(&stored)
		if stored != 0 {
			t.Fatal("the secret is stored in clear")
		}
		p, err := a.Accounts.TokenPrincipal(ctx, secret)
		if err != nil || p.Username != "auditor" || p.Via != "token" {
			t.Fatalf("token principal: %+v %v", p, err)
		}
		a.Accounts.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
		if _, err := a.Accounts.TokenPrincipal(ctx, secret); err == nil {
			t.Fatal("expired token accepted")
		}
		a.Accounts.SetClock(time.Now)
		// Someone else cannot mint or revoke the auditor's tokens.
		other, _ := a.Accounts.UserByName(ctx, "gd.police")
		oa := (&auth.Principal{User: other}).Actor("", "")
		if _, _, err := a.Accounts.CreateToken(ctx, oa, u.ID, "x", time.Hour); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("minting for another user: %v", err)
		}
		if err := a.Accounts.RevokeToken(ctx, oa, tok.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("revoking another user's token: %v", err)
		}
		if err := a.Accounts.RevokeToken(ctx, self, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Accounts.TokenPrincipal(ctx, secret); err == nil {
			t.Fatal("revoked token accepted")
		}
		if _, _, err := a.Accounts.CreateToken(ctx, self, u.ID, "x", 400*24*time.Hour); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("a token beyond the maximum lifetime: %v", err)
		}
	})
}

func TestDisablingEndsSessionsAndTokens(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		u, _ := a.Accounts.UserByName(ctx, "hz.police")
		ses, err := a.Accounts.CreateSession(ctx, u, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		secret, _, _ := a.Accounts.CreateToken(ctx, audit.System(), u.ID, "t", time.Hour)
		admin, _ := a.Accounts.UserByName(ctx, "admin")
		if err := a.Accounts.SetDisabled(ctx, (&auth.Principal{User: admin}).Actor("", ""), u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Accounts.SessionPrincipal(ctx, ses.Token); err == nil {
			t.Fatal("session of a disabled user still works")
		}
		if _, err := a.Accounts.TokenPrincipal(ctx, secret); err == nil {
			t.Fatal("token of a disabled user still works")
		}
		if _, err := a.Accounts.Login(ctx, audit.Actor{}, "hz.police", demo.Password); err == nil {
			t.Fatal("disabled user logged in")
		}
	})
}

func TestCreateUserScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		// A Huizhou administrator.
		if _, err := a.Accounts.CreateUser(ctx, audit.System(), auth.NewUser{Username: "hz.admin", Role: "admin", Jurisdiction: "441300", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		hz, _ := a.Accounts.UserByName(ctx, "hz.admin")
		ha := (&auth.Principal{User: hz}).Actor("", "")
		police, _ := a.Orgs.AgencyByCode(ctx, mustAgencyCode(t, a, "惠州市公安局"))
		gdPolice := mustAgencyCode(t, a, "广东省公安厅")
		cases := []struct {
			name string
			in   auth.NewUser
			want string // error code, "" for success
		}{
			{"officer of a Huizhou agency", auth.NewUser{Username: "hz.new", Role: "agency_officer", AgencyCode: police.CreditCode, Password: demo.Password}, ""},
			{"officer of a provincial agency", auth.NewUser{Username: "gd.new", Role: "agency_officer", AgencyCode: gdPolice, Password: demo.Password}, "auth.forbidden"},
			{"provincial reviewer", auth.NewUser{Username: "gd.rev2", Role: "authority_reviewer", Jurisdiction: "440000", Password: demo.Password}, "auth.forbidden"},
			{"public user (province only)", auth.NewUser{Username: "pub2", Role: "public_user", Password: demo.Password}, "auth.forbidden"},
			{"agency role without agency", auth.NewUser{Username: "x.new", Role: "agency_officer", Password: demo.Password}, "user.agency_required"},
			{"unknown role", auth.NewUser{Username: "x.new", Role: "root", Password: demo.Password}, "role.unknown"},
			{"weak password", auth.NewUser{Username: "x.new", Role: "data_subject", Password: "12345678"}, "password.weak"},
			{"bad username", auth.NewUser{Username: "X Y", Role: "data_subject", Password: demo.Password}, "user.username"},
			{"taken username", auth.NewUser{Username: "hz.police", Role: "agency_officer", AgencyCode: police.CreditCode, Password: demo.Password}, "user.exists"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := a.Accounts.CreateUser(ctx, ha, c.in)
				got := ""
				if l, ok := err.(apperr.List); ok {
					got = l[0].Code
				} else if e, ok := apperr.As(err); ok {
					got = e.Code
				} else if err != nil {
					t.Fatal(err)
				}
				if got != c.want {
					t.Fatalf("got %q (%v), want %q", got, err, c.want)
				}
			})
		}
	})
}

func mustAgencyCode(t *testing.T, a *app.App, name string) string {
	t.Helper()
	as, err := a.Orgs.Agencies(context.Background(), org.AgencyFilter{Query: name})
	if err != nil || len(as) != 1 {
		t.Fatalf("agency %s: %v", name, err)
	}
	return as[0].CreditCode
}

func TestRolesAndPolicy(t *testing.T) {
	for _, r := range auth.Roles {
		got, err := auth.ParseRole(string(r))
		if err != nil || got != r {
			t.Fatalf("parse %s", r)
		}
		if r.Title("zh") == string(r) || r.Title("en") == string(r) {
			t.Errorf("%s has no title", r)
		}
	}
	// Separation of duties: whoever manages accounts does not read the trail, and the reverse.
	for _, r := range auth.Roles {
		if r.Can(auth.PermUserManage) && r.Can(auth.PermAuditRead) {
			t.Errorf("%s both manages accounts and reads the audit trail", r)
		}
	}
}
