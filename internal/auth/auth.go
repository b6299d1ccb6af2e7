package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/org"
	"pubdata/internal/store"
)

// User is an account.
type User struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Role         Role       `json:"role"`
	AgencyID     int64      `json:"agency_id,omitempty"`
	Jurisdiction string     `json:"jurisdiction_code,omitempty"`
	Disabled     bool       `json:"disabled"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Principal is the authenticated caller of one request.
type Principal struct {
	User
	Via string // "session" or "token"
}

// Actor returns the audit actor for the principal (nil principal: anonymous).
func (p *Principal) Actor(clientAddr, requestID string) audit.Actor {
	if p == nil {
		return audit.Actor{Username: "anonymous", ClientAddr: clientAddr, RequestID: requestID}
	}
	return audit.Actor{UserID: p.ID, Username: p.Username, Role: string(p.Role), AgencyID: p.AgencyID,
		Jurisdiction: p.Jurisdiction, ClientAddr: clientAddr, RequestID: requestID}
}

// Config sets the account policy.
type Config struct {
	MaxFailures int           // failed logins before lockout
	LockFor     time.Duration // lockout duration
	SessionTTL  time.Duration // web session lifetime
	MaxTokenTTL time.Duration // longest API token lifetime
	Hash        HashParams
}

// DefaultConfig is the account policy unless configured otherwise.
var DefaultConfig = Config{MaxFailures: 5, LockFor: 15 * time.Minute, SessionTTL: 8 * time.Hour, MaxTokenTTL: 366 * 24 * time.Hour, Hash: DefaultHashParams}

// Service manages accounts, sessions and tokens.
type Service struct {
	db    *store.DB
	trail *audit.Trail
	org   *org.Service
	cfg   Config
	now   func() time.Time
}

// NewService returns the account service.
func NewService(db *store.DB, trail *audit.Trail, orgs *org.Service, cfg Config) *Service {
	return &Service{db: db, trail: trail, org: orgs, cfg: cfg, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Config returns the account policy.
func (s *Service) Config() Config { return s.cfg }

// NewUser is what an administrator submits to create an account.
type NewUser struct {
	Username     string `json:"username"`
	DisplayName  string `json:"display_name"`
	Role         string `json:"role"`
	AgencyCode   string `json:"agency_code,omitempty"`       // credit code; for agency roles, and for authority roles (defaults to the jurisdiction's authority)
	Jurisdiction string `json:"jurisdiction_code,omitempty"` // for authority roles
	Password     string `json:"password"`
}

var usernameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{2,63}$`)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

func validatePassword(pw string) *apperr.Error {
	if utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > 256 {
		return apperr.Invalidf("password.weak", "password", fmt.Sprintf("密码至少%d个字符", MinPasswordLen), fmt.Sprintf("the password needs at least %d characters", MinPasswordLen))
	}
	classes := 0
	for _, set := range []string{"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"} {
		if strings.ContainsAny(pw, set) {
			classes++
		}
	}
	if strings.IndexFunc(pw, func(r rune) bool {
		return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", r)
	}) >= 0 {
		classes++
	}
	if classes < 3 {
		return apperr.Invalidf("password.weak", "password", "密码须包含大写字母、小写字母、数字、符号中的至少三类", "the password needs three of: upper case, lower case, digits, symbols")
	}
	return nil
}

// CreateUser creates an account. Agency roles need an agency; authority
// roles a jurisdiction (the user belongs to its authority); public roles
// neither. Who may call: an administrator whose jurisdiction covers the new
// user's; the command line as the system actor.
func (s *Service) CreateUser(ctx context.Context, a audit.Actor, in NewUser) (User, error) {
	in.Username = strings.TrimSpace(in.Username)
	var errs apperr.List
	if !usernameRE.MatchString(in.Username) {
		errs = append(errs, apperr.Invalidf("user.username", "username", "用户名为3–64位小写字母、数字、点、横线或下划线，以字母开头", "the username is 3–64 lower-case letters, digits, dot, dash or underscore, starting with a letter"))
	}
	role, err := ParseRole(in.Role)
	if err != nil {
		errs = append(errs, err.(*apperr.Error))
	}
	if e := validatePassword(in.Password); e != nil {
		errs = append(errs, e)
	}
	if utf8.RuneCountInString(in.DisplayName) > 100 {
		errs = append(errs, apperr.Invalidf("user.display_name", "display_name", "姓名不超过100个字", "the display name is at most 100 characters"))
	}
	if len(errs) > 0 {
		return User{}, errs
	}
	u := User{Username: in.Username, DisplayName: strings.TrimSpace(in.DisplayName), Role: role}
	switch role.Scope() {
	case ScopeAgency:
		if in.AgencyCode == "" {
			return User{}, apperr.Invalidf("user.agency_required", "agency_code", "该角色须指定所属机构", "this role needs an agency")
		}
		ag, err := s.org.AgencyByCode(ctx, in.AgencyCode)
		if err != nil {
			return User{}, apperr.Invalidf("user.agency_unknown", "agency_code", "机构 "+in.AgencyCode+" 不存在", "no agency "+in.AgencyCode)
		}
		u.AgencyID, u.Jurisdiction = ag.ID, ag.JurisdictionCode
	case ScopeJurisdiction:
		if in.Jurisdiction == "" {
			return User{}, apperr.Invalidf("user.jurisdiction_required", "jurisdiction_code", "该角色须指定行政区划", "this role needs a jurisdiction")
		}
		auth, err := s.org.Authority(ctx, in.Jurisdiction)
		if err != nil {
			return User{}, apperr.Invalidf("user.jurisdiction_unknown", "jurisdiction_code", "行政区划 "+in.Jurisdiction+" 不存在", "no jurisdiction "+in.Jurisdiction)
		}
		u.AgencyID, u.Jurisdiction = auth.ID, auth.JurisdictionCode
	}
	if a.Username != "system" && (u.Jurisdiction == "" && a.Jurisdiction != org.ProvinceCode || u.Jurisdiction != "" && !org.Covers(a.Jurisdiction, u.Jurisdiction)) {
		return User{}, apperr.ErrForbidden
	}
	hash, err := HashPassword(in.Password, s.cfg.Hash)
	if err != nil {
		return User{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users(username, display_name, password_hash, role, agency_id, jurisdiction_code, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id`,
			u.Username, u.DisplayName, hash, string(u.Role), nullInt(u.AgencyID), nullStr(u.Jurisdiction), tx.Dialect.Time(tx.Now)).Scan(&u.ID)
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "user.exists", "用户名已存在", "the username is taken").WithField("username")
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		u.CreatedAt = tx.Now
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "user.create", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10), Detail: u.Username + " " + string(u.Role)})
	})
	return u, err
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}

const userColumns = `id, username, display_name, role, COALESCE(agency_id, 0), COALESCE(jurisdiction_code, ''), disabled, locked_until, created_at`

func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	var locked sql.NullTime
	err := r.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.AgencyID, &u.Jurisdiction, &u.Disabled, &locked, &u.CreatedAt)
	if locked.Valid {
		u.LockedUntil = &locked.Time
	}
	return u, err
}

// UserFilter selects accounts.
type UserFilter struct {
	Jurisdiction string // users of this jurisdiction and those below it (public users only for the province)
	Role         Role
}

// Users lists accounts visible under the filter, by username.
func (s *Service) Users(ctx context.Context, f UserFilter) ([]User, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		if f.Role != "" && u.Role != f.Role {
			continue
		}
		if f.Jurisdiction != "" {
			if u.Jurisdiction == "" && f.Jurisdiction != org.ProvinceCode || u.Jurisdiction != "" && !org.Covers(f.Jurisdiction, u.Jurisdiction) {
				continue
			}
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UserByName returns the account with that username.
func (s *Service) UserByName(ctx context.Context, username string) (User, error) {
	u, err := scanUser(s.db.Read().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.New(apperr.NotFound, "user.not_found", "用户不存在", "no such user")
	}
	return u, err
}

// User returns the account with that id.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.db.Read().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.New(apperr.NotFound, "user.not_found", "用户不存在", "no such user")
	}
	return u, err
}

// SetDisabled disables or enables an account; disabling ends its sessions
// and revokes its tokens. Who may call: an administrator covering the user.
func (s *Service) SetDisabled(ctx context.Context, a audit.Actor, id int64, disabled bool) error {
	u, err := s.User(ctx, id)
	if err != nil {
		return err
	}
	if u.Jurisdiction != "" && !org.Covers(a.Jurisdiction, u.Jurisdiction) || u.Jurisdiction == "" && a.Jurisdiction != org.ProvinceCode {
		return apperr.ErrForbidden
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3`, disabled, tx.Dialect.Time(tx.Now), id); err != nil {
			return err
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, tx.Dialect.Time(tx.Now), id); err != nil {
				return err
			}
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(id, 10), Detail: u.Username})
	})
}

// ErrBadLogin is returned for a wrong username or password; it does not say which.
var ErrBadLogin = apperr.New(apperr.Unauthorized, "auth.bad_login", "用户名或密码错误", "wrong username or password")

// ErrLocked is returned while an account is locked after repeated failures.
var ErrLocked = apperr.New(apperr.TooMany, "auth.locked", "登录失败次数过多，账号已暂时锁定，请稍后再试", "too many failed logins: the account is locked for a while")

// Login checks a username and password. After cfg.MaxFailures consecutive
// failures the account is locked for cfg.LockFor; every attempt is audited.
func (s *Service) Login(ctx context.Context, client audit.Actor, username, password string) (User, error) {
	now := s.now()
	var hash string
	var failures int
	u, err := scanUser(s.db.Read().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
	if err == nil {
		err = s.db.Read().QueryRowContext(ctx, `SELECT password_hash, failed_logins FROM users WHERE id = $1`, u.ID).Scan(&hash, &failures)
	}
	if errors.Is(err, sql.ErrNoRows) {
		CheckPassword(password, dummyHash)
		client.Username = "anonymous"
		_ = s.trail.Record(ctx, client, audit.Event{Action: "session.login", ObjectType: "user", ObjectID: truncate(username, 64), Outcome: audit.Failed, Detail: "unknown user"})
		return User{}, ErrBadLogin
	}
	if err != nil {
		return User{}, fmt.Errorf("login: %w", err)
	}
	actor := (&Principal{User: u}).Actor(client.ClientAddr, client.RequestID)
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		_ = s.trail.Record(ctx, actor, audit.Event{Action: "session.login", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10), Outcome: audit.Denied, Detail: "locked"})
		return User{}, ErrLocked
	}
	ok := CheckPassword(password, hash)
	if !ok || u.Disabled {
		err := s.db.WriteAt(ctx, now, func(tx *store.Tx) error {
			failures++
			var locked any
			detail := "wrong password"
			if u.Disabled {
				detail = "account disabled"
			}
			if failures >= s.cfg.MaxFailures {
				locked = tx.Dialect.Time(now.Add(s.cfg.LockFor))
				failures = 0
				detail += "; locked"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3`, failures, locked, u.ID); err != nil {
				return err
			}
			return s.trail.Append(ctx, tx, actor, audit.Event{Action: "session.login", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10), Outcome: audit.Failed, Detail: detail})
		})
		if err != nil {
			return User{}, err
		}
		return User{}, ErrBadLogin
	}
	err = s.db.WriteAt(ctx, now, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, u.ID); err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, actor, audit.Event{Action: "session.login", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)})
	})
	u.LockedUntil = nil
	return u, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func newSecret(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// secretHash is how sessions and tokens are stored: a 256-bit random secret
// needs no slow hash, only one that cannot be reversed.
func secretHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Session is a web session.
type Session struct {
	Token     string // the cookie value; only the hash is stored
	CSRF      string
	ExpiresAt time.Time
}

// CreateSession starts a web session for u.
func (s *Service) CreateSession(ctx context.Context, u User, clientAddr string) (Session, error) {
	ses := Session{Token: newSecret("s_"), CSRF: newSecret(""), ExpiresAt: s.now().Add(s.cfg.SessionTTL)}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions(id_hash, user_id, csrf_token, client_addr, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6)`,
			secretHash(ses.Token), u.ID, ses.CSRF, clientAddr, tx.Dialect.Time(s.now()), tx.Dialect.Time(ses.ExpiresAt))
		return err
	})
	return ses, err
}

// SessionPrincipal returns the user of a live session and its CSRF token.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (*Principal, string, error) {
	if token == "" || len(token) > 100 {
		return nil, "", apperr.ErrUnauthorized
	}
	var uid int64
	var csrf string
	var exp time.Time
	err := s.db.Read().QueryRowContext(ctx, `SELECT user_id, csrf_token, expires_at FROM sessions WHERE id_hash = $1`, secretHash(token)).Scan(&uid, &csrf, &exp)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !s.now().Before(exp) {
		return nil, "", apperr.ErrUnauthorized
	}
	if err != nil {
		return nil, "", err
	}
	u, err := s.User(ctx, uid)
	if err != nil || u.Disabled {
		return nil, "", apperr.ErrUnauthorized
	}
	return &Principal{User: u, Via: "session"}, csrf, nil
}

// DeleteSession ends a session (logout).
func (s *Service) DeleteSession(ctx context.Context, a audit.Actor, token string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, secretHash(token)); err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "session.logout", ObjectType: "user", ObjectID: strconv.FormatInt(a.UserID, 10)})
	})
}

// APIToken describes an API token; the secret itself is shown once, at creation.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// CreateToken issues an API token for user uid, valid for ttl (capped by
// cfg.MaxTokenTTL). It returns the secret, which is not stored. Who may
// call: the user for themselves; the command line as the system actor.
func (s *Service) CreateToken(ctx context.Context, a audit.Actor, uid int64, name string, ttl time.Duration) (string, APIToken, error) {
	if ttl <= 0 || ttl > s.cfg.MaxTokenTTL {
		return "", APIToken{}, apperr.Invalidf("token.ttl", "ttl", fmt.Sprintf("有效期须大于0且不超过%d天", int(s.cfg.MaxTokenTTL.Hours()/24)), fmt.Sprintf("the lifetime must be positive and at most %d days", int(s.cfg.MaxTokenTTL.Hours()/24)))
	}
	if a.Username != "system" && a.UserID != uid {
		return "", APIToken{}, apperr.ErrForbidden
	}
	u, err := s.User(ctx, uid)
	if err != nil {
		return "", APIToken{}, err
	}
	if u.Disabled {
		return "", APIToken{}, apperr.New(apperr.Conflict, "user.disabled", "账号已停用", "the account is disabled")
	}
	secret := newSecret("pd_")
	t := APIToken{UserID: uid, Name: truncate(strings.TrimSpace(name), 100), Prefix: secret[:10]}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		t.CreatedAt, t.ExpiresAt = tx.Now, tx.Now.Add(ttl)
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens(user_id, name, token_hash, prefix, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`,
			uid, t.Name, secretHash(secret), t.Prefix, tx.Dialect.Time(t.CreatedAt), tx.Dialect.Time(t.ExpiresAt)).Scan(&t.ID); err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "token.create", ObjectType: "api_token", ObjectID: strconv.FormatInt(t.ID, 10), Detail: u.Username + " " + t.Prefix})
	})
	return secret, t, err
}

// TokenPrincipal returns the user of a live API token.
func (s *Service) TokenPrincipal(ctx context.Context, secret string) (*Principal, error) {
	if !strings.HasPrefix(secret, "pd_") || len(secret) > 100 {
		return nil, apperr.ErrUnauthorized
	}
	var id, uid int64
	var exp time.Time
	var revoked sql.NullTime
	err := s.db.Read().QueryRowContext(ctx, `SELECT id, user_id, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1`, secretHash(secret)).Scan(&id, &uid, &exp, &revoked)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (revoked.Valid || !s.now().Before(exp)) {
		return nil, apperr.ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	u, err := s.User(ctx, uid)
	if err != nil || u.Disabled {
		return nil, apperr.ErrUnauthorized
	}
	return &Principal{User: u, Via: "token"}, nil
}

// Tokens lists a user's tokens, newest first.
func (s *Service) Tokens(ctx context.Context, uid int64) ([]APIToken, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, user_id, name, prefix, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`, uid)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var rev, used sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &t.ExpiresAt, &rev, &used); err != nil {
			return nil, err
		}
		if rev.Valid {
			t.RevokedAt = &rev.Time
		}
		if used.Valid {
			t.LastUsedAt = &used.Time
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token. Who may call: its owner, or an administrator
// covering the owner's jurisdiction.
func (s *Service) RevokeToken(ctx context.Context, a audit.Actor, id int64) error {
	var uid int64
	err := s.db.Read().QueryRowContext(ctx, `SELECT user_id FROM api_tokens WHERE id = $1`, id).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "token.not_found", "令牌不存在", "no such token")
	}
	if err != nil {
		return err
	}
	if uid != a.UserID {
		owner, err := s.User(ctx, uid)
		if err != nil {
			return err
		}
		if a.Role != string(Admin) || owner.Jurisdiction != "" && !org.Covers(a.Jurisdiction, owner.Jurisdiction) {
			return apperr.New(apperr.NotFound, "token.not_found", "令牌不存在", "no such token")
		}
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, tx.Dialect.Time(tx.Now), id); err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "token.revoke", ObjectType: "api_token", ObjectID: strconv.FormatInt(id, 10)})
	})
}
