package share

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/ident"
	"pubdata/internal/procedure"
	"pubdata/internal/rules"
	"pubdata/internal/security"
	"pubdata/internal/store"
)

// Expired reports whether the grant's end date has passed on date today
// (YYYY-MM-DD, Asia/Shanghai): the end date is the last day of use.
func (g *Grant) expiredOn(today string) bool { return g.EndDate < today }

// Usable reports why the gateway must refuse the grant today, or nil.
func (g *Grant) usable(today string) error {
	switch {
	case g.State == GrantSuspended:
		return apperr.New(apperr.Forbidden, "share.grant.suspended", "授权已被暂停："+g.SuspendedReason, "the grant is suspended: "+g.SuspendedReason)
	case g.State == GrantRevoked:
		return apperr.New(apperr.Forbidden, "share.grant.revoked", "授权已终止", "the grant was revoked")
	case g.expiredOn(today):
		return apperr.New(apperr.Forbidden, "share.grant.expired", "授权已于"+g.EndDate+"到期", "the grant ended on "+g.EndDate)
	case g.StartsOn > today:
		return apperr.New(apperr.Forbidden, "share.grant.not_started", "授权自"+g.StartsOn+"起生效", "the grant starts on "+g.StartsOn)
	}
	return nil
}

// Item returns the grant's item of that name.
func (g *Grant) Item(name string) (GrantItem, bool) {
	for _, it := range g.Items {
		if it.Name == name {
			return it, true
		}
	}
	return GrantItem{}, false
}

// gradeMasked reports whether items of grade are masked by default under
// the profile (grade.mask_from: that grade and every more sensitive one).
func gradeMasked(p *rules.Profile, grade string) bool {
	levels, err := p.List("grade.levels")
	if err != nil {
		return true
	}
	from, err := p.Text("grade.mask_from")
	if err != nil {
		return true
	}
	gi, fi := slices.Index(levels, grade), slices.Index(levels, from)
	if gi < 0 || fi < 0 {
		return true // an unknown grade is treated as sensitive
	}
	return gi <= fi
}

// DefaultMask is the mask an item gets unless a decision grants it
// otherwise: by grade (grade.mask_from) and, for personal information,
// always; the function is suggested from the item's format, name and type.
func DefaultMask(p *rules.Profile, it catalog.Item) security.Mask {
	if !it.Personal && !gradeMasked(p, it.Grade) {
		return security.Mask{Func: security.MaskClear}
	}
	return security.SuggestMask(string(it.ValueFormat()), it.Name, string(it.Type))
}

// grantColumns are the columns of share_grants in scanGrant's order.
const grantColumns = `g.id, COALESCE(g.request_id, 0), g.kind, g.state, g.consumer_agency_id, c.name, g.source_agency_id, s.name, COALESCE(g.app_id, 0),
	COALESCE(g.entry_id, 0), COALESCE(g.dataset_id, 0), g.jurisdiction_code, g.profile, g.mode, g.items, g.row_scope, g.purpose, g.purpose_category, g.scenario,
	g.starts_on, g.end_date, g.quota_daily, g.rate_per_minute, g.key_lookup_only, g.pseudonym_key, g.suspended_reason, g.suspended_at, g.created_at, g.updated_at,
	COALESCE(d.name, '')`

const grantFrom = ` FROM share_grants g JOIN agencies c ON c.id = g.consumer_agency_id JOIN agencies s ON s.id = g.source_agency_id
	LEFT JOIN datasets d ON d.id = g.dataset_id`

func (s *Service) scanGrant(r interface{ Scan(...any) error }) (Grant, error) {
	var g Grant
	var items, scope, key string
	var suspended sql.NullTime
	err := r.Scan(&g.ID, &g.RequestID, &g.Kind, &g.State, &g.ConsumerAgencyID, &g.ConsumerName, &g.SourceAgencyID, &g.SourceName, &g.AppID,
		&g.EntryID, &g.DatasetID, &g.Jurisdiction, &g.Profile, &g.Mode, &items, &scope, &g.Purpose, &g.PurposeCategory, &g.Scenario,
		&g.StartsOn, &g.EndDate, &g.QuotaDaily, &g.RatePerMinute, &g.KeyLookupOnly, &key, &g.SuspendedReason, &suspended, &g.CreatedAt, &g.UpdatedAt,
		&g.EntryName)
	if err != nil {
		return g, err
	}
	if suspended.Valid {
		g.SuspendedAt = &suspended.Time
	}
	if err := json.Unmarshal([]byte(items), &g.Items); err != nil {
		return g, fmt.Errorf("grant %d items: %w", g.ID, err)
	}
	if scope != "" {
		if err := json.Unmarshal([]byte(scope), &g.RowScope); err != nil {
			return g, fmt.Errorf("grant %d row scope: %w", g.ID, err)
		}
	}
	if g.pseudonymKey, err = s.openKey(g.ID, key); err != nil {
		return g, err
	}
	g.Expired = g.expiredOn(s.today().String())
	return g, nil
}

// sealKey seals a grant's pseudonym key; without a sealer it is kept in hex
// behind a "plain:" prefix (the node was started without a secrets key).
func (s *Service) sealKey(key []byte, aad string) (string, error) {
	if s.sealer == nil {
		return "plain:" + hex.EncodeToString(key), nil
	}
	return s.sealer.Seal(key, aad)
}

func (s *Service) openKey(id int64, sealed string) ([]byte, error) {
	if h, ok := strings.CutPrefix(sealed, "plain:"); ok {
		return hex.DecodeString(h)
	}
	if s.sealer == nil {
		return nil, fmt.Errorf("grant %d: its pseudonym key is sealed and this node has no secrets key", id)
	}
	// The AAD binds the key to its grant: a sealed key copied to another
	// grant's row does not open there. Keys sealed before the binding
	// carry the constant AAD.
	key, err := s.sealer.Open(sealed, grantKeyAAD(id))
	if err == nil {
		return key, nil
	}
	if key, legacy := s.sealer.Open(sealed, legacyGrantKeyAAD); legacy == nil {
		return key, nil
	}
	return nil, fmt.Errorf("grant %d: open its pseudonym key: %w", id, err)
}

// legacyGrantKeyAAD is the AAD of pseudonym keys sealed before they were
// bound to their grant.
const legacyGrantKeyAAD = "share_grant"

// grantKeyAAD is the AAD that binds a sealed pseudonym key to its grant.
func grantKeyAAD(id int64) string { return "share_grant:" + strconv.FormatInt(id, 10) }

// issueGrantTx turns an approved (or unconditional) request into a grant,
// in the decision's transaction, and records its issue. spec is what was
// fixed: items with masks, scope, mode, scenario, end date, quota, rate.
func (s *Service) issueGrantTx(ctx context.Context, tx *store.Tx, a audit.Actor, r *Request, spec Spec) (Grant, error) {
	p, err := s.profileOf(r.Jurisdiction)
	if err != nil {
		return Grant{}, err
	}
	consumer, err := s.orgs.Agency(ctx, r.ConsumerAgencyID)
	if err != nil {
		return Grant{}, err
	}
	// MZ §21 binds the source's data: key lookups only. The consumer's own
	// profile can be stricter too.
	keyOnly, err := anySwitch(s, "share.gateway.key_lookup_only", r.Jurisdiction, consumer.JurisdictionCode)
	if err != nil {
		return Grant{}, err
	}
	if spec.QuotaDaily <= 0 {
		if spec.QuotaDaily, err = number(p, "share.gateway.quota_daily"); err != nil {
			return Grant{}, err
		}
	}
	if spec.RatePerMinute <= 0 {
		if spec.RatePerMinute, err = number(p, "share.gateway.rate_per_minute"); err != nil {
			return Grant{}, err
		}
	}
	key, err := security.PseudonymKey()
	if err != nil {
		return Grant{}, err
	}
	kind := GrantData
	if r.Kind == KindVerify {
		kind = GrantVerify
	}
	g := Grant{RequestID: r.ID, Kind: kind, State: GrantActive, ConsumerAgencyID: r.ConsumerAgencyID, SourceAgencyID: r.SourceAgencyID,
		AppID: spec.AppID, EntryID: r.EntryID, DatasetID: r.DatasetID, Jurisdiction: r.Jurisdiction, Profile: p.Name, Mode: spec.Mode,
		Items: spec.Items, RowScope: spec.RowScope, Purpose: spec.Purpose, PurposeCategory: spec.PurposeCategory, Scenario: spec.Scenario,
		StartsOn: s.today().String(), EndDate: spec.EndDate, QuotaDaily: spec.QuotaDaily, RatePerMinute: spec.RatePerMinute, KeyLookupOnly: keyOnly,
		CreatedAt: tx.Now, UpdatedAt: tx.Now, pseudonymKey: key}
	items, _ := json.Marshal(g.Items)
	scope := ""
	if !g.RowScope.Empty() {
		b, _ := json.Marshal(g.RowScope)
		scope = string(b)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO share_grants(request_id, kind, state, consumer_agency_id, source_agency_id, app_id, entry_id, dataset_id,
		jurisdiction_code, profile, mode, items, row_scope, purpose, purpose_category, scenario, starts_on, end_date, quota_daily, rate_per_minute,
		key_lookup_only, pseudonym_key, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$23) RETURNING id`,
		nullID(r.ID), string(g.Kind), string(g.State), g.ConsumerAgencyID, g.SourceAgencyID, nullID(g.AppID), nullID(g.EntryID), nullID(g.DatasetID),
		g.Jurisdiction, g.Profile, string(g.Mode), string(items), scope, g.Purpose, string(g.PurposeCategory), g.Scenario, g.StartsOn, g.EndDate,
		g.QuotaDaily, g.RatePerMinute, g.KeyLookupOnly, "", tx.Dialect.Time(tx.Now)).Scan(&g.ID)
	if err != nil {
		return Grant{}, fmt.Errorf("issue grant for request %d: %w", r.ID, err)
	}
	// The key is sealed once the grant's ID is known, bound to it, and
	// stored in the same transaction: no row is ever committed without it.
	sealed, err := s.sealKey(key, grantKeyAAD(g.ID))
	if err != nil {
		return Grant{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE share_grants SET pseudonym_key = $1 WHERE id = $2`, sealed, g.ID); err != nil {
		return Grant{}, fmt.Errorf("grant %d pseudonym key: %w", g.ID, err)
	}
	if err := s.grantEventTx(ctx, tx, a, g.ID, "issue", ""); err != nil {
		return Grant{}, err
	}
	if err := s.scheduleFeedbackTx(ctx, tx, &g); err != nil {
		return Grant{}, err
	}
	return g, s.trail.Append(ctx, tx, a, audit.Event{Action: "share.grant.issue", ObjectType: "share_grant", ObjectID: strconv.FormatInt(g.ID, 10),
		Purpose: g.Scenario, Detail: fmt.Sprintf("request %d, %d items, mode %s, until %s", r.ID, len(g.Items), g.Mode, g.EndDate)})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// anySwitch is true when the switch is on in any of the jurisdictions' profiles.
func anySwitch(s *Service, key string, jurisdictions ...string) (bool, error) {
	for _, j := range jurisdictions {
		p, err := s.profileOf(j)
		if err != nil {
			return false, err
		}
		on, err := p.Switch(key)
		if err != nil {
			return false, err
		}
		if on {
			return true, nil
		}
	}
	return false, nil
}

func number(p *rules.Profile, key string) (int64, error) {
	n, err := p.Number(key)
	return int64(n), err
}

func (s *Service) grantEventTx(ctx context.Context, tx *store.Tx, a audit.Actor, grantID int64, action, reason string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO share_grant_events(grant_id, action, reason, actor_user_id, actor_agency_id, at) VALUES ($1,$2,$3,$4,$5,$6)`,
		grantID, action, reason, nullID(a.UserID), nullID(a.AgencyID), tx.Dialect.Time(tx.Now))
	if err != nil {
		return fmt.Errorf("grant %d %s: %w", grantID, action, err)
	}
	return nil
}

// loadGrant reads a grant without checking who asks.
func (s *Service) loadGrant(ctx context.Context, q store.Querier, id int64) (Grant, error) {
	g, err := s.scanGrant(q.QueryRowContext(ctx, `SELECT `+grantColumns+grantFrom+` WHERE g.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Grant{}, errGrantNotFound
	}
	return g, err
}

// seesAgencyPair reports whether the actor may see an object between a
// consumer and a source agency: a party's users, the authorities over
// either side, and the auditor.
func (s *Service) seesAgencyPair(ctx context.Context, a audit.Actor, consumerID, sourceID int64, jurisdiction string) bool {
	if a.Username == "system" || a.Role == "auditor" || a.AgencyID == consumerID || a.AgencyID == sourceID {
		return true
	}
	if a.Role != "authority_reviewer" {
		return false
	}
	if ident.DivisionCovers(a.Jurisdiction, jurisdiction) {
		return true
	}
	c, err := s.orgs.Agency(ctx, consumerID)
	return err == nil && ident.DivisionCovers(a.Jurisdiction, c.JurisdictionCode)
}

// Grant returns a grant with its decisions, if the actor may see it. The read is audited.
func (s *Service) Grant(ctx context.Context, a audit.Actor, id int64) (Grant, []GrantEvent, error) {
	g, err := s.loadGrant(ctx, s.db.Read(), id)
	if err != nil {
		return Grant{}, nil, err
	}
	if !s.seesAgencyPair(ctx, a, g.ConsumerAgencyID, g.SourceAgencyID, g.Jurisdiction) {
		return Grant{}, nil, errGrantNotFound
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT id, grant_id, action, reason, COALESCE(actor_user_id, 0), COALESCE(actor_agency_id, 0), at FROM share_grant_events WHERE grant_id = $1 ORDER BY id`, id)
	if err != nil {
		return Grant{}, nil, err
	}
	defer rows.Close()
	var evs []GrantEvent
	for rows.Next() {
		var ev GrantEvent
		if err := rows.Scan(&ev.ID, &ev.GrantID, &ev.Action, &ev.Reason, &ev.ActorUserID, &ev.ActorAgencyID, &ev.At); err != nil {
			return Grant{}, nil, err
		}
		evs = append(evs, ev)
	}
	if err := rows.Err(); err != nil {
		return Grant{}, nil, err
	}
	return g, evs, s.trail.Record(ctx, a, audit.Event{Action: "share.grant.read", ObjectType: "share_grant", ObjectID: strconv.FormatInt(id, 10)})
}

// GrantFilter selects grants.
type GrantFilter struct {
	Role      string // "consumer", "source" or "" (every grant the actor may see)
	State     string // active, suspended, revoked, expired
	DatasetID int64
	Limit     int
}

// Grants lists the grants the actor may see, newest first. The read is audited.
func (s *Service) Grants(ctx context.Context, a audit.Actor, f GrantFilter) ([]Grant, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	switch {
	case f.Role == "consumer":
		add("g.consumer_agency_id = ?", a.AgencyID)
	case f.Role == "source":
		add("g.source_agency_id = ?", a.AgencyID)
	case a.Role == "auditor" || a.Username == "system":
	case a.Role == "authority_reviewer":
		prefix := ident.DivisionPrefix(a.Jurisdiction) + "%"
		args = append(args, a.AgencyID, prefix)
		where = append(where, `(g.consumer_agency_id = $1 OR g.source_agency_id = $1 OR g.jurisdiction_code LIKE $2 OR c.jurisdiction_code LIKE $2)`)
	default:
		args = append(args, a.AgencyID)
		where = append(where, `(g.consumer_agency_id = $1 OR g.source_agency_id = $1)`)
	}
	today := s.today().String()
	switch f.State {
	case "":
	case "expired":
		add("g.end_date < ?", today)
	case string(GrantActive):
		add("g.state = 'active' AND g.end_date >= ?", today)
	case string(GrantSuspended), string(GrantRevoked):
		add("g.state = ?", f.State)
	default:
		return nil, apperr.Invalidf("share.grant.state", "state", "未知的授权状态："+f.State, "unknown grant state: "+f.State)
	}
	if f.DatasetID != 0 {
		add("g.dataset_id = ?", f.DatasetID)
	}
	q := `SELECT ` + grantColumns + grantFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	out, err := queryAll(ctx, s.db.Read(), s.scanGrant, q+` ORDER BY g.id DESC LIMIT `+listLimit(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	return out, s.trail.Record(ctx, a, audit.Event{Action: "share.grant.list", ObjectType: "share_grant", Detail: fmt.Sprintf("%d grants", len(out))})
}

// Suspend stops a grant at once (HZ §25, GD-290 §52: use beyond the duty,
// data passed to a third party). Only an authority over the source's or the
// consumer's jurisdiction may; the reason is what the consumer is told.
func (s *Service) Suspend(ctx context.Context, a audit.Actor, id int64, reason string) (Grant, error) {
	return s.changeGrant(ctx, a, id, "suspend", reason)
}

// Restore lifts a suspension; it needs a decision (the reason recorded).
func (s *Service) Restore(ctx context.Context, a audit.Actor, id int64, decision string) (Grant, error) {
	return s.changeGrant(ctx, a, id, "restore", decision)
}

// Revoke ends a grant before its date: the consumer gives it up, or the
// source agency ends it because its entry was withdrawn.
func (s *Service) Revoke(ctx context.Context, a audit.Actor, id int64, reason string) (Grant, error) {
	return s.changeGrant(ctx, a, id, "revoke", reason)
}

func (s *Service) changeGrant(ctx context.Context, a audit.Actor, id int64, action, reason string) (Grant, error) {
	reason = strings.TrimSpace(reason)
	ev := audit.Event{Action: "share.grant." + action, ObjectType: "share_grant", ObjectID: strconv.FormatInt(id, 10), Detail: reason}
	if reason == "" || utf8.RuneCountInString(reason) > 2000 {
		zh := map[string]string{"suspend": "暂停须说明理由（将告知用数单位）", "restore": "恢复须填写决定", "revoke": "终止须说明理由"}[action]
		return Grant{}, apperr.Invalidf("share.grant.reason", "reason", zh+"，不超过2000字", action+" needs a reason of at most 2000 characters")
	}
	var g Grant
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		var err error
		if g, err = s.loadGrant(ctx, tx, id); err != nil {
			return err
		}
		if !s.seesAgencyPair(ctx, a, g.ConsumerAgencyID, g.SourceAgencyID, g.Jurisdiction) {
			return errGrantNotFound
		}
		if err := s.mayChangeGrant(ctx, tx, a, &g, action); err != nil {
			return err
		}
		var to GrantState
		switch action {
		case "suspend":
			if g.State != GrantActive {
				return apperr.New(apperr.Conflict, "share.grant.state", "只能暂停有效的授权", "only an active grant can be suspended")
			}
			to = GrantSuspended
			g.SuspendedReason, g.SuspendedAt = reason, &tx.Now
		case "restore":
			if g.State != GrantSuspended {
				return apperr.New(apperr.Conflict, "share.grant.state", "只能恢复已暂停的授权", "only a suspended grant can be restored")
			}
			to = GrantActive
			g.SuspendedReason, g.SuspendedAt = "", nil
		case "revoke":
			if g.State == GrantRevoked {
				return apperr.New(apperr.Conflict, "share.grant.state", "授权已终止", "the grant is already revoked")
			}
			to = GrantRevoked
		}
		g.State, g.UpdatedAt = to, tx.Now
		var by any
		if action == "suspend" {
			by = a.AgencyID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE share_grants SET state = $1, suspended_reason = $2, suspended_at = $3, suspended_by = $4, updated_at = $5 WHERE id = $6`,
			string(g.State), g.SuspendedReason, tx.Dialect.NullTime(g.SuspendedAt), by, tx.Dialect.Time(tx.Now), id); err != nil {
			return fmt.Errorf("grant %d %s: %w", id, action, err)
		}
		if err := s.grantEventTx(ctx, tx, a, id, action, reason); err != nil {
			return err
		}
		if err := s.trail.Append(ctx, tx, a, ev); err != nil {
			return err
		}
		if action == "suspend" {
			return s.noticeSuspensionTx(ctx, tx, &g, reason)
		}
		return nil
	})
	if apperr.KindOf(err) == apperr.Forbidden {
		return Grant{}, s.deny(ctx, a, ev, err)
	}
	if err != nil {
		return Grant{}, err
	}
	s.grants.invalidate(id) // the gateway refuses from the next call on
	return g, nil
}

// noticeSuspensionTx tells the consumer why its grant was suspended: a
// supervision notice against it, which its users and its authority see.
func (s *Service) noticeSuspensionTx(ctx context.Context, tx *store.Tx, g *Grant, reason string) error {
	return s.noticeGrantTx(ctx, tx, g, "grant_suspended", fmt.Sprintf("共享授权#%d已被暂停：%s", g.ID, reason), "share.misuse.immediate_suspension")
}

// noticeGrantTx raises a supervision notice about a grant against its
// consumer, with the basis of the profile value basisKey (of the grant's
// jurisdiction).
func (s *Service) noticeGrantTx(ctx context.Context, tx *store.Tx, g *Grant, code, reason, basisKey string) error {
	p, err := s.profileOf(g.Jurisdiction)
	if err != nil {
		return err
	}
	v, ok := p.Get(basisKey)
	if !ok {
		return fmt.Errorf("profile %s has no %s", p.Name, basisKey)
	}
	c, err := s.orgs.Agency(ctx, g.ConsumerAgencyID)
	if err != nil {
		return err
	}
	_, err = s.cases.RaiseNotice(ctx, tx, procedure.NoticeInput{AgainstAgencyID: g.ConsumerAgencyID, Jurisdiction: c.JurisdictionCode,
		ReasonCode: code, Reason: reason, Basis: v.Basis})
	return err
}

// mayChangeGrant: suspension and restoration are the authority's (HZ §25),
// and a suspension is lifted only by the suspending authority or one above
// it; revocation is the consumer's (its officers, or the authority that
// holds the grant for an enterprise, GD-290 §26) or the source's.
func (s *Service) mayChangeGrant(ctx context.Context, q store.Querier, a audit.Actor, g *Grant, action string) error {
	if action == "revoke" {
		if a.AgencyID == g.ConsumerAgencyID && appKeeper(a) || a.AgencyID == g.SourceAgencyID && a.Role == "agency_officer" {
			return nil
		}
		return apperr.ErrForbidden
	}
	if a.Role != "authority_reviewer" {
		return apperr.ErrForbidden
	}
	covers := ident.DivisionCovers(a.Jurisdiction, g.Jurisdiction)
	if !covers {
		c, err := s.orgs.Agency(ctx, g.ConsumerAgencyID)
		covers = err == nil && ident.DivisionCovers(a.Jurisdiction, c.JurisdictionCode)
	}
	if !covers {
		return apperr.ErrForbidden
	}
	if action == "restore" {
		return s.mayRestore(ctx, q, a, g)
	}
	return nil
}

// mayRestore: restoring needs a decision of the authority that suspended
// the grant or of one whose jurisdiction covers it (HZ §25): a city
// authority does not lift the province's suspension of its own consumer.
func (s *Service) mayRestore(ctx context.Context, q store.Querier, a audit.Actor, g *Grant) error {
	var by int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(suspended_by, 0) FROM share_grants WHERE id = $1`, g.ID).Scan(&by); err != nil {
		return fmt.Errorf("grant %d suspended by: %w", g.ID, err)
	}
	if by == 0 {
		return nil // not suspended, or by no agency: the state check answers
	}
	sus, err := s.orgs.Agency(ctx, by)
	if err != nil {
		return err
	}
	if !ident.DivisionCovers(a.Jurisdiction, sus.JurisdictionCode) {
		return apperr.New(apperr.Forbidden, "share.grant.restore_jurisdiction", "该授权由"+sus.Name+"暂停，只有其本级或上级公共数据主管部门可以恢复",
			"the grant was suspended by "+sus.Name+"; only that authority or one above it may restore it")
	}
	return nil
}

// revokeEntryGrantsTx ends, in the caller's transaction, the data grants
// in force (active or suspended) on an entry whose data may no longer be
// shared: the entry was delisted (HZ §11) or republished as not shared
// (GD-290 §12, §24). Each gets a "revoke" event with the reason, an audit
// entry and a supervision notice to its consumer, as a suspension does.
// Verification grants stay: not-shared data may still be verified
// (GD-290 §23 para 3). The gateway stops serving them at once on this
// node (see grantCache.revoking) and within grantTTL on the others.
func (s *Service) revokeEntryGrantsTx(ctx context.Context, tx *store.Tx, a audit.Actor, entryID int64, reason string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, consumer_agency_id, jurisdiction_code FROM share_grants
		WHERE entry_id = $1 AND kind = $2 AND state IN ($3, $4) ORDER BY id`, entryID, string(GrantData), string(GrantActive), string(GrantSuspended))
	if err != nil {
		return fmt.Errorf("grants of entry %d: %w", entryID, err)
	}
	var gs []Grant
	for rows.Next() {
		var g Grant
		if err := rows.Scan(&g.ID, &g.ConsumerAgencyID, &g.Jurisdiction); err != nil {
			rows.Close()
			return err
		}
		gs = append(gs, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range gs {
		g := &gs[i]
		s.grants.revoking(g.ID)
		if _, err := tx.ExecContext(ctx, `UPDATE share_grants SET state = $1, updated_at = $2 WHERE id = $3`, string(GrantRevoked), tx.Dialect.Time(tx.Now), g.ID); err != nil {
			return fmt.Errorf("grant %d revoke: %w", g.ID, err)
		}
		if err := s.grantEventTx(ctx, tx, a, g.ID, "revoke", reason); err != nil {
			return err
		}
		if err := s.trail.Append(ctx, tx, a, audit.Event{Action: "share.grant.revoke", ObjectType: "share_grant", ObjectID: strconv.FormatInt(g.ID, 10), Detail: reason}); err != nil {
			return err
		}
		if err := s.noticeGrantTx(ctx, tx, g, "grant_revoked", fmt.Sprintf("共享授权#%d已终止：%s", g.ID, reason), "share.grant.least_privilege"); err != nil {
			return err
		}
	}
	return nil
}

// onEntryDelisted revokes the entry's data grants in the delisting's
// transaction: withdrawn data is no longer shared (HZ §11).
func (s *Service) onEntryDelisted(ctx context.Context, tx *store.Tx, a audit.Actor, e catalog.Entry, reason string) error {
	return s.revokeEntryGrantsTx(ctx, tx, a, e.ID, fmt.Sprintf("目录条目“%s”已下架：%s", e.Name, reason))
}

// onEntryReclassified revokes the entry's data grants when the version
// published makes it not shared (GD-290 §12–13); a version that keeps the
// entry shared leaves its grants alone (their items follow the gateway's
// compilation).
func (s *Service) onEntryReclassified(ctx context.Context, tx *store.Tx, e catalog.Entry, v catalog.Version) error {
	if v.Metadata.ShareType != catalog.ShareNone {
		return nil
	}
	return s.revokeEntryGrantsTx(ctx, tx, audit.System(), e.ID, fmt.Sprintf("目录条目“%s”第%d版改为不予共享", e.Name, v.Version))
}

// grantCache keeps the grants the gateway uses, so a call reads no grant
// row; every change to a grant invalidates its entry before it returns.
type grantCache struct {
	mu  sync.RWMutex
	m   map[int64]*cachedGrant
	gen uint64 // counts invalidations: a grant read before one is not cached after it
	// ending holds grants being revoked by a transaction that has not
	// committed yet (a catalog hook, which cannot act after the commit):
	// until a load sees one revoked, it is not cached, so that a load that
	// read the row before the commit does not cache it as in force. An
	// entry lapses after grantTTL, should the transaction have rolled back.
	ending map[int64]time.Time
}

// cachedGrant is a grant as the gateway uses it, with what it derives once.
type cachedGrant struct {
	Grant
	loaded time.Time
	// gw is the gateway's compiled form (columns, maskers, query text),
	// built by the gateway on first use.
	gw any
}

func (c *grantCache) init() { c.m, c.ending = map[int64]*cachedGrant{}, map[int64]time.Time{} }

func (c *grantCache) get(id int64) (*cachedGrant, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g, ok := c.m[id]
	return g, ok
}

// generation is the number of invalidations so far; a caller reads it
// before loading a grant and passes it to put.
func (c *grantCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put caches g unless an invalidation happened since gen was read: a grant
// loaded just before its suspension committed must not be cached as active.
func (c *grantCache) put(g *cachedGrant, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if at, ok := c.ending[g.ID]; ok {
		if g.State != GrantRevoked && time.Since(at) < grantTTL {
			return // read before the revocation committed
		}
		delete(c.ending, g.ID)
	}
	if c.gen == gen {
		c.m[g.ID] = g
	}
}

// revoking drops a grant that a transaction not yet committed revokes, and
// keeps it out of the cache until it is read revoked (see ending).
func (c *grantCache) revoking(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, id)
	now := time.Now()
	for k, at := range c.ending {
		if now.Sub(at) >= grantTTL {
			delete(c.ending, k) // lapsed: never read again since
		}
	}
	c.ending[id] = now
}

func (c *grantCache) invalidate(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, id)
}

// invalidateDataset drops every cached grant on a dataset (its schema changed).
func (c *grantCache) invalidateDataset(datasetID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for id, g := range c.m {
		if g.DatasetID == datasetID {
			delete(c.m, id)
		}
	}
}
