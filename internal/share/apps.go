package share

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/store"
)

// SecretOverlap is how long a rotated secret keeps working, so that the
// agency can redeploy its system without an outage. It is an operational
// setting of credentials, not a statutory deadline.
const SecretOverlap = 24 * time.Hour

// AppInput registers an application system.
type AppInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// appKeeper reports whether the actor keeps its agency's application
// systems: an agency's officer, or an authority's reviewer (the authority
// asks for data on behalf of enterprises, GD-290 §26).
func appKeeper(a audit.Actor) bool {
	return a.Role == "agency_officer" || a.Role == "authority_reviewer"
}

func newClientSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "pds_" + base64.RawURLEncoding.EncodeToString(b), nil
}

func newClientID() (string, error) {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "app_" + hex.EncodeToString(b), nil
}

// secretDigest is the SM3 digest kept of a client secret: a secret has 256
// random bits, so a fast hash is enough (nothing to brute-force).
func secretDigest(secret string) string {
	sum := sm3.Sum([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// RegisterApp registers an application system of the actor's agency and
// returns its credentials, shown once.
func (s *Service) RegisterApp(ctx context.Context, a audit.Actor, in AppInput) (Credentials, error) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return Credentials{}, apperr.Invalidf("share.app.name", "name", "应用系统名称必填，不超过100字", "the application's name is required, at most 100 characters")
	}
	if utf8.RuneCountInString(in.Description) > 2000 {
		return Credentials{}, apperr.Invalidf("share.app.description", "description", "说明不超过2000字", "the description is at most 2000 characters")
	}
	if a.AgencyID == 0 || !appKeeper(a) {
		return Credentials{}, s.deny(ctx, a, audit.Event{Action: "share.app.register", ObjectType: "share_app"}, apperr.ErrForbidden)
	}
	clientID, err := newClientID()
	if err != nil {
		return Credentials{}, err
	}
	secret, err := newClientSecret()
	if err != nil {
		return Credentials{}, err
	}
	app := App{AgencyID: a.AgencyID, Name: in.Name, Description: in.Description, ClientID: clientID}
	err = s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		app.CreatedAt, app.UpdatedAt = tx.Now, tx.Now
		err := tx.QueryRowContext(ctx, `INSERT INTO share_apps(agency_id, name, description, client_id, secret_hash, created_by, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id`, app.AgencyID, app.Name, app.Description, app.ClientID, secretDigest(secret), nullID(a.UserID), tx.Dialect.Time(tx.Now)).Scan(&app.ID)
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "share.app.exists", "本机构已有同名应用系统", "your agency already has an application of that name")
		}
		if err != nil {
			return fmt.Errorf("register app: %w", err)
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "share.app.register", ObjectType: "share_app", ObjectID: strconv.FormatInt(app.ID, 10), Detail: app.Name + " " + clientID})
	})
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{App: app, ClientID: clientID, ClientSecret: secret}, nil
}

// RotateSecret gives an application a new secret; the old one keeps working
// for SecretOverlap.
func (s *Service) RotateSecret(ctx context.Context, a audit.Actor, appID int64) (Credentials, error) {
	secret, err := newClientSecret()
	if err != nil {
		return Credentials{}, err
	}
	var app App
	err = s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		var cur string
		app, cur, _, err = s.loadApp(ctx, tx, `id = $1`, appID)
		if err != nil {
			return err
		}
		if app.AgencyID != a.AgencyID || !appKeeper(a) {
			return errAppNotFound
		}
		until := tx.Now.Add(SecretOverlap)
		app.PrevValidUntil, app.RotatedAt, app.UpdatedAt = &until, &tx.Now, tx.Now
		if _, err := tx.ExecContext(ctx, `UPDATE share_apps SET secret_hash = $1, prev_secret_hash = $2, prev_valid_until = $3, rotated_at = $4, updated_at = $4 WHERE id = $5`,
			secretDigest(secret), cur, tx.Dialect.Time(until), tx.Dialect.Time(tx.Now), appID); err != nil {
			return fmt.Errorf("rotate app %d: %w", appID, err)
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "share.app.rotate", ObjectType: "share_app", ObjectID: strconv.FormatInt(appID, 10)})
	})
	if apperr.Is(err, errAppNotFound) {
		return Credentials{}, s.deny(ctx, a, audit.Event{Action: "share.app.rotate", ObjectType: "share_app", ObjectID: strconv.FormatInt(appID, 10)}, err)
	}
	if err != nil {
		return Credentials{}, err
	}
	s.apps.invalidate(app.ClientID)
	return Credentials{App: app, ClientID: app.ClientID, ClientSecret: secret}, nil
}

// SetAppDisabled disables or re-enables an application: a disabled one
// authenticates nowhere.
func (s *Service) SetAppDisabled(ctx context.Context, a audit.Actor, appID int64, disabled bool) (App, error) {
	var app App
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		var err error
		app, _, _, err = s.loadApp(ctx, tx, `id = $1`, appID)
		if err != nil {
			return err
		}
		if app.AgencyID != a.AgencyID || !appKeeper(a) {
			return errAppNotFound
		}
		app.Disabled, app.UpdatedAt = disabled, tx.Now
		if _, err := tx.ExecContext(ctx, `UPDATE share_apps SET disabled = $1, updated_at = $2 WHERE id = $3`, disabled, tx.Dialect.Time(tx.Now), appID); err != nil {
			return err
		}
		return s.trail.Append(ctx, tx, a, audit.Event{Action: "share.app.disable", ObjectType: "share_app", ObjectID: strconv.FormatInt(appID, 10), Detail: strconv.FormatBool(disabled)})
	})
	if apperr.Is(err, errAppNotFound) {
		// Another agency's application, or not a keeper: audited as
		// RotateSecret's refusal is, so that attempts show in the trail.
		return App{}, s.deny(ctx, a, audit.Event{Action: "share.app.disable", ObjectType: "share_app", ObjectID: strconv.FormatInt(appID, 10), Detail: strconv.FormatBool(disabled)}, err)
	}
	if err != nil {
		return App{}, err
	}
	s.apps.invalidate(app.ClientID)
	return app, nil
}

const appColumns = `id, agency_id, name, description, client_id, secret_hash, prev_secret_hash, prev_valid_until, rotated_at, disabled, created_at, updated_at`

func scanApp(r interface{ Scan(...any) error }) (App, string, string, error) {
	var app App
	var cur, prev string
	var until, rotated sql.NullTime
	err := r.Scan(&app.ID, &app.AgencyID, &app.Name, &app.Description, &app.ClientID, &cur, &prev, &until, &rotated, &app.Disabled, &app.CreatedAt, &app.UpdatedAt)
	if until.Valid {
		app.PrevValidUntil = &until.Time
	}
	if rotated.Valid {
		app.RotatedAt = &rotated.Time
	}
	return app, cur, prev, err
}

func (s *Service) loadApp(ctx context.Context, q store.Querier, cond string, arg any) (App, string, string, error) {
	app, cur, prev, err := scanApp(q.QueryRowContext(ctx, `SELECT `+appColumns+` FROM share_apps WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return App{}, "", "", errAppNotFound
	}
	return app, cur, prev, err
}

// Apps lists the application systems of the actor's agency.
func (s *Service) Apps(ctx context.Context, a audit.Actor) ([]App, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+appColumns+` FROM share_apps WHERE agency_id = $1 ORDER BY id`, a.AgencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []App
	for rows.Next() {
		app, _, _, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, app)
	}
	return out, rows.Err()
}

// App returns one application system of the actor's agency.
func (s *Service) App(ctx context.Context, a audit.Actor, id int64) (App, error) {
	app, _, _, err := s.loadApp(ctx, s.db.Read(), `id = $1`, id)
	if err != nil {
		return App{}, err
	}
	if app.AgencyID != a.AgencyID && a.Role != "auditor" {
		return App{}, errAppNotFound
	}
	return app, nil
}

var errBadCredentials = apperr.New(apperr.Unauthorized, "share.credentials", "应用系统凭据无效", "invalid application credentials")

// Authenticate resolves a client ID and secret to its application, from a
// cache that every change made through this node clears at once. A change
// made by another node on the same database (a rotation, a disable)
// reaches this one within grantTTL, as a grant's suspension does: cached
// entries older than that are read again. Errors: Unauthorized.
func (s *Service) Authenticate(ctx context.Context, clientID, secret string) (App, error) {
	if clientID == "" || secret == "" || len(clientID) > 64 || len(secret) > 128 {
		return App{}, errBadCredentials
	}
	now := s.now()
	e, ok := s.apps.get(clientID, now)
	if !ok {
		gen := s.apps.generation()
		app, cur, prev, err := s.loadApp(ctx, s.db.Read(), `client_id = $1`, clientID)
		if apperr.Is(err, errAppNotFound) {
			return App{}, errBadCredentials
		}
		if err != nil {
			return App{}, err
		}
		e = &cachedApp{App: app, cur: cur, prev: prev, loaded: now}
		s.apps.put(e, gen)
	}
	if e.Disabled {
		return App{}, errBadCredentials
	}
	d := secretDigest(secret)
	if subtle.ConstantTimeCompare([]byte(d), []byte(e.cur)) == 1 {
		return e.App, nil
	}
	if e.prev != "" && e.PrevValidUntil != nil && s.now().Before(*e.PrevValidUntil) && subtle.ConstantTimeCompare([]byte(d), []byte(e.prev)) == 1 {
		return e.App, nil
	}
	return App{}, errBadCredentials
}

type cachedApp struct {
	App
	cur, prev string
	loaded    time.Time // by the service's clock
}

// appCache keeps applications by client ID for the gateway. Like the grant
// cache, an entry is trusted for grantTTL (changes made on other nodes),
// and a generation counter keeps a row read before an invalidation from
// being cached after it.
type appCache struct {
	mu  sync.RWMutex
	m   map[string]*cachedApp
	gen uint64 // counts invalidations
}

func (c *appCache) init() { c.m = map[string]*cachedApp{} }

// get returns the entry of clientID if it was loaded less than grantTTL
// before now.
func (c *appCache) get(clientID string, now time.Time) (*cachedApp, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[clientID]
	if !ok {
		return nil, false
	}
	// A clock set back (tests) counts as stale too.
	if age := now.Sub(e.loaded); age < 0 || age >= grantTTL {
		return nil, false
	}
	return e, true
}

// generation is the number of invalidations so far; a caller reads it
// before loading an application and passes it to put.
func (c *appCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put caches e unless an invalidation happened since gen was read: an
// application read just before its disable or rotation committed must not
// be cached as it was.
func (c *appCache) put(e *cachedApp, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.m[e.ClientID] = e
	}
}

func (c *appCache) invalidate(clientID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, clientID)
}
