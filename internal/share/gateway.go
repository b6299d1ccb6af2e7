package share

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/ident"
	"pubdata/internal/security"
	"pubdata/internal/store"
)

// The sharing gateway's engine (GD-290 §23–24, MZ §21, HZ §24–25): the
// grant compiled once into its columns, maskers and query text; the
// per-grant rate limiter and daily quota; key parsing, typed parameters and
// the record encoder. The HTTP side (credentials, checks in order, audit,
// answers) is in api_gateway.go.

// Gateway limits. They bound one call's work, not a grant's rights, which
// come from the decision and the profile.
const (
	// grantTTL is how long a node trusts a grant it cached. Every change
	// made through this node drops the entry at once; the TTL bounds how
	// long a change made by another node on the same PostgreSQL database
	// (a suspension) takes to reach this one.
	grantTTL = 30 * time.Second

	defaultPageLimit = 100  // rows of a page when ?limit is not given
	maxPageLimit     = 1000 // the most rows of one page
	maxKeyBytes      = 1000 // the longest key of a lookup
	maxFilterBytes   = 1000 // the longest filter value
	maxPurposeRunes  = 200  // the longest X-Share-Purpose
	maxClaimRunes    = 1000 // the longest claimed value of a verification

	// quotaReseed is how often, at most, a node goes on counting a grant's
	// daily quota from its own calls alone before it reads the day's count
	// back from the audit trail. The quota is shared by every node on one
	// database through the trail: each node re-reads it when the day
	// changes and at least every quotaReseed while the grant is in use, and
	// keeps the larger of its own count and the trail's. Two nodes can
	// therefore exceed a quota by at most what they answer between two
	// re-reads (docs/operations.md: the quota is shared within ~10 s).
	quotaReseed = 10 * time.Second
)

// gateway is the gateway's per-node state: per-grant limiters and, on
// SQLite, the prepared lookup statements. Neither takes a global lock on
// the hot path (sync.Map reads of stable keys are lock-free).
type gateway struct {
	limits sync.Map // grant ID → *limiter
	stmts  sync.Map // SQL text → *sql.Stmt (SQLite only)
}

func (g *gateway) init() {}

// gcol is one granted item as the gateway serves it.
type gcol struct {
	name   string // the item's name
	column string // its physical column, c1…
	typ    catalog.ItemType
	format catalog.Format
	mask   security.Mask
	clear  bool
	masker *security.Masker
	jkey   []byte // `"name":`, encoded once
}

// keyCol is one column of the dataset's key.
type keyCol struct {
	name   string
	column string
	typ    catalog.ItemType
	format catalog.Format
}

// compiled is a grant in the form the gateway uses on every call, built
// once when the grant is cached.
type compiled struct {
	table     string
	cols      []gcol         // the granted items still in the dataset, in grant order
	index     map[string]int // item name → cols
	keys      []keyCol       // the dataset's key, in item order
	keyIndex  map[string]int // key item name → keys
	scopeCol  string         // "" when the grant has every row
	scopeLike string         // the LIKE pattern of the scope's division
	selectSQL string         // "c1, c5, …": the granted columns
	lookupSQL string         // the key lookup: granted columns and the in-scope flag
	verifyMax int            // share.verify.batch_max of the source's profile
	dialect   store.Dialect
}

// compile builds the gateway's form of a grant: its dataset's columns,
// one masker per item (keyed with the grant's pseudonym key), the query
// text. An item no longer in the dataset is not served.
func (s *Service) compile(ctx context.Context, g *Grant) (*compiled, error) {
	if g.DatasetID == 0 {
		return nil, errNoDataset
	}
	ds, err := s.collect.DatasetByID(ctx, g.DatasetID)
	if err != nil {
		return nil, fmt.Errorf("grant %d: dataset %d: %w", g.ID, g.DatasetID, err)
	}
	c := &compiled{table: ds.Table, index: map[string]int{}, keyIndex: map[string]int{}, dialect: s.db.Dialect}
	live := map[string]int{}
	cols := ds.Live()
	for i, col := range cols {
		live[col.Item.Name] = i
	}
	for _, it := range g.Items {
		i, ok := live[it.Name]
		if !ok {
			continue
		}
		if _, dup := c.index[it.Name]; dup {
			continue
		}
		m, err := security.NewMasker(it.Mask, g.pseudonymKey)
		if err != nil {
			return nil, fmt.Errorf("grant %d item %s: %w", g.ID, it.Name, err)
		}
		col := cols[i]
		c.index[it.Name] = len(c.cols)
		c.cols = append(c.cols, gcol{name: it.Name, column: col.Name, typ: col.Item.Type, format: col.Item.ValueFormat(), mask: it.Mask,
			clear: it.Mask.Clear(), masker: m, jkey: append(appendJSONString(nil, it.Name), ':')})
	}
	for _, k := range ds.Keys() {
		c.keyIndex[k.Item.Name] = len(c.keys)
		c.keys = append(c.keys, keyCol{name: k.Item.Name, column: k.Name, typ: k.Item.Type, format: k.Item.ValueFormat()})
	}
	if !g.RowScope.Empty() {
		i, ok := live[g.RowScope.Item]
		if !ok {
			// Fail closed: a scope that names no column would open every row.
			return nil, errScopeItem
		}
		c.scopeCol = cols[i].Name
		c.scopeLike = store.Like(ident.DivisionPrefix(g.RowScope.Region)) + "%"
	}
	names := make([]string, len(c.cols))
	for i, col := range c.cols {
		names[i] = col.column
	}
	c.selectSQL = strings.Join(names, ", ")
	if len(c.keys) > 0 {
		var b strings.Builder
		b.WriteString("SELECT ")
		if c.selectSQL != "" {
			b.WriteString(c.selectSQL + ", ")
		}
		n := len(c.keys)
		if c.scopeCol != "" {
			b.WriteString("CASE WHEN " + c.scopeCol + ` LIKE $` + strconv.Itoa(n+1) + ` ESCAPE '\' THEN 1 ELSE 0 END`)
		} else {
			b.WriteString("1")
		}
		b.WriteString(" FROM " + c.table + " WHERE NOT _deleted")
		for i, k := range c.keys {
			b.WriteString(" AND " + k.column + " = $" + strconv.Itoa(i+1))
		}
		c.lookupSQL = b.String()
	}
	if g.Kind == GrantVerify {
		p, err := s.profileOf(g.Jurisdiction)
		if err != nil {
			return nil, err
		}
		if c.verifyMax, err = p.Number("share.verify.batch_max"); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// grantFor returns the grant and its compiled form, from the cache when it
// is there and fresh. mine, when not nil, is the caller's ownership check:
// it runs on the grant row before anything is compiled, so that a caller
// who does not own the grant learns nothing of it — not even that its
// compilation fails (a dropped scope item, a missing dataset). Errors:
// errGrantNotFound, mine's, compile's, or internal ones.
func (s *Service) grantFor(ctx context.Context, id int64, mine func(*Grant) error) (*cachedGrant, *compiled, error) {
	if cg, ok := s.grants.get(id); ok && time.Since(cg.loaded) < grantTTL {
		if c, ok := cg.gw.(*compiled); ok {
			if mine != nil {
				if err := mine(&cg.Grant); err != nil {
					return nil, nil, err
				}
			}
			return cg, c, nil
		}
	}
	gen := s.grants.generation()
	g, err := s.loadGrant(ctx, s.db.Read(), id)
	if err != nil {
		return nil, nil, err
	}
	if mine != nil {
		if err := mine(&g); err != nil {
			return nil, nil, err
		}
	}
	cg := &cachedGrant{Grant: g, loaded: time.Now()}
	if g.Mode == ModeOffline || g.DatasetID == 0 {
		// Nothing online to compile: the route check refuses it.
		cg.gw = &compiled{}
	} else {
		c, err := s.compile(ctx, &g)
		if err != nil {
			return nil, nil, err
		}
		cg.gw = c
	}
	s.grants.put(cg, gen)
	return cg, cg.gw.(*compiled), nil
}

// onEntryPublished drops the cached grants of an entry's datasets when a
// new version is published: its items may have changed, and the compiled
// form names columns. It runs in the publication's transaction, after the
// collection service migrated the table (that hook was registered first).
func (s *Service) onEntryPublished(ctx context.Context, tx *store.Tx, e catalog.Entry, _ catalog.Version) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM datasets WHERE entry_id = $1`, e.ID)
	if err != nil {
		return fmt.Errorf("datasets of entry %d: %w", e.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		s.grants.invalidateDataset(id)
	}
	return rows.Err()
}

// --- rate limit and daily quota ---

// limiter is one grant's rate (a token bucket refilled at RatePerMinute a
// minute) and its count of today's units against QuotaDaily (a call is one
// unit, a verification one unit per claim). Its small mutex is the only
// lock a call takes on its grant.
type limiter struct {
	mu       sync.Mutex
	tokens   float64
	last     time.Time
	day      string    // the Shanghai date of used
	used     int64     // units charged on day: this node's, merged with the trail's
	seededAt time.Time // when used was last merged with the trail's count; zero: never
	seeding  bool      // a periodic re-read of the trail is under way
	// The trail's count of the day so far, and the last entry it read: a
	// re-read sums only the entries after it, so its cost follows the calls
	// since the last one, not the day's.
	trailUsed int64
	trailSeq  int64
}

// quotaSeed reads the units charged to a grant on a day from the trail,
// in the entries after seq: the sum and the last entry read (seq when none).
type quotaSeed func(afterSeq int64) (units, lastSeq int64, err error)

func (s *Service) limiterOf(id int64) *limiter {
	if v, ok := s.gw.limits.Load(id); ok {
		return v.(*limiter)
	}
	v, _ := s.gw.limits.LoadOrStore(id, &limiter{})
	return v.(*limiter)
}

// take takes n tokens of a bucket of rate a minute at now, all or none;
// when fewer are left it returns how long until n are. The bucket holds at
// most rate tokens, so n must not exceed rate.
func (l *limiter) take(rate, n int64, now time.Time) (bool, time.Duration) {
	if rate <= 0 || n <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	burst := float64(rate)
	perSec := burst / 60
	if l.last.IsZero() {
		l.tokens = burst
	} else if d := now.Sub(l.last); d > 0 {
		l.tokens = math.Min(burst, l.tokens+d.Seconds()*perSec)
	}
	l.last = now
	need := float64(n)
	if l.tokens >= need {
		l.tokens -= need
		return true, 0
	}
	return false, time.Duration((need - l.tokens) / perSec * float64(time.Second))
}

// charge counts n units against the quota of day at now, all or none: it
// reports false, with the units left, when they do not fit. seed gives the
// units charged on day by every node, from the audit trail. It is read
// before the first charge and when the day changes — holding the lock, so
// that no call is counted against a stale day or a restarted node's empty
// count — and again once quotaReseed has passed since the last read —
// without the lock, the grant's other calls going on with the local count
// meanwhile. The count kept is the larger of the local one and the
// trail's: the trail holds the other nodes' calls, the local count this
// node's calls whose entries are not committed yet.
func (l *limiter) charge(quota, n int64, day string, now time.Time, seed quotaSeed) (ok bool, left int64, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.seededAt.IsZero() || l.day != day:
		used, last, err := seed(0)
		if err != nil {
			return false, 0, err
		}
		l.day, l.used, l.seededAt, l.trailUsed, l.trailSeq = day, used, now, used, last
	case !l.seeding && (now.Sub(l.seededAt) >= quotaReseed || now.Sub(l.seededAt) <= -quotaReseed): // the clock went back
		l.seeding = true
		after := l.trailSeq
		l.mu.Unlock()
		more, last, err := seed(after)
		l.mu.Lock()
		l.seeding = false
		if err != nil {
			return false, 0, err
		}
		if l.day == day && l.trailSeq == after {
			l.trailUsed += more
			l.trailSeq = last
			l.used, l.seededAt = max(l.used, l.trailUsed), now
		}
	}
	if quota > 0 && l.used+n > quota {
		return false, max(quota-l.used, 0), nil
	}
	l.used += n
	return true, quota - l.used, nil
}

// quotaMark starts the audit detail of every call charged to the daily
// quota, {"quota":<units>,…}, so that the units can be read back from the
// trail.
const quotaMark = `{"quota":`

// seedQuota sums the units charged to a grant on the Shanghai date of now,
// from the audit trail: the number that follows quotaMark in the detail of
// each of its gateway entries that has one. It runs on every node at least
// every quotaReseed while the grant is in use; the entries of one grant on
// one day are found by the object index.
func (s *Service) seedQuota(ctx context.Context, grantID int64, now time.Time, afterSeq int64) (units, lastSeq int64, err error) {
	start := len(quotaMark) + 1 // SQL strings count from 1
	comma := "instr(detail, ',')"
	if s.db.Dialect == store.Postgres {
		comma = "strpos(detail, ',')"
	}
	// Units are summed from the entries that carry quotaMark; the last
	// sequence number from all of the grant's entries read, so the next
	// re-read starts after them.
	q := fmt.Sprintf(`SELECT COALESCE(SUM(CASE WHEN detail LIKE $4 THEN CAST(substr(detail, %d, %s - %d) AS BIGINT) END), 0), COALESCE(MAX(seq), $3)
		FROM audit_entries WHERE object_type = 'share_grant' AND object_id = $1 AND seq > $3 AND at >= $2 AND action LIKE 'share.gateway.%%'`, start, comma, start)
	err = s.db.Read().QueryRowContext(ctx, q, strconv.FormatInt(grantID, 10), s.db.Time(startOfDay(now)), afterSeq, quotaMark+"%").Scan(&units, &lastSeq)
	if err != nil {
		return 0, 0, fmt.Errorf("seed quota of grant %d: %w", grantID, err)
	}
	return units, lastSeq, nil
}

// startOfDay is midnight in Asia/Shanghai of t's date.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(calendar.Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Shanghai)
}

// --- keys, filters and values ---

// normalize trims a value and writes an identifier the way the dataset
// stores it: a resident ID's check character upper-case, a credit code
// upper-case (collect normalises them alike on load).
func normalize(format catalog.Format, v string) string {
	v = strings.TrimSpace(v)
	switch format {
	case catalog.FormatResidentID:
		if len(v) == 18 && v[17] == 'x' {
			v = v[:17] + "X"
		}
	case catalog.FormatCreditCode:
		v = strings.ToUpper(v)
	}
	return v
}

// splitKey splits a composite key "a,b,c" into its values; a backslash
// escapes the next character, so "\," is a comma inside a value and "\\"
// a backslash. A key of one column is taken whole, unsplit.
func splitKey(raw string, parts int) []string {
	if parts <= 1 {
		return []string{raw}
	}
	var out []string
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		switch ch := raw[i]; {
		case ch == '\\' && i+1 < len(raw):
			i++
			b.WriteByte(raw[i])
		case ch == ',':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(ch)
		}
	}
	return append(out, b.String())
}

// keyNames lists the key items, in order, for messages.
func (c *compiled) keyNames() string {
	names := make([]string, len(c.keys))
	for i, k := range c.keys {
		names[i] = k.name
	}
	return strings.Join(names, "、")
}

// keyArgs turns the key of a lookup into the query's arguments.
func (c *compiled) keyArgs(raw string) ([]any, error) {
	if len(c.keys) == 0 {
		return nil, errNoKey
	}
	if raw == "" || len(raw) > maxKeyBytes || !utf8.ValidString(raw) {
		return nil, errKeyInvalid
	}
	vals := splitKey(raw, len(c.keys))
	if len(vals) != len(c.keys) {
		list := c.keyNames()
		return nil, apperr.Invalidf("share.key.parts", "key",
			fmt.Sprintf("该数据集的主键由%d项组成（%s），请按此顺序以英文逗号分隔给出", len(c.keys), list),
			fmt.Sprintf("the dataset's key has %d parts (%s): give them in that order, separated by commas", len(c.keys), list))
	}
	args := make([]any, 0, len(vals)+1)
	for i, k := range c.keys {
		v := normalize(k.format, vals[i])
		if v == "" {
			return nil, errKeyInvalid
		}
		p, ok := c.param(k.typ, v)
		if !ok {
			return nil, errKeyInvalid
		}
		args = append(args, p)
	}
	if c.scopeCol != "" {
		args = append(args, c.scopeLike)
	}
	return args, nil
}

// param converts a text value to an argument for a column of type t, or
// reports that it is no value of that type (so that no malformed value
// reaches the database).
func (c *compiled) param(t catalog.ItemType, v string) (any, bool) {
	switch t {
	case catalog.TypeInteger:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	case catalog.TypeFloat:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case catalog.TypeNumber, catalog.TypeCurrency:
		f, err := strconv.ParseFloat(v, 64)
		return v, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case catalog.TypeDate:
		_, err := time.Parse(time.DateOnly, v)
		return v, err == nil
	case catalog.TypeDateTime:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, false
		}
		return c.dialect.Time(t), true
	case catalog.TypeLogical:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, false
		}
		if c.dialect == store.SQLite {
			if b {
				return int64(1), true
			}
			return int64(0), true
		}
		return b, true
	case catalog.TypeBinary, catalog.TypeGeneral:
		return nil, false
	}
	return v, true
}

// valueText is a dataset value as text, as the dataset's CSV would hold
// it; null is true for NULL.
func valueText(v any, t catalog.ItemType) (string, bool) {
	binary := t == catalog.TypeBinary || t == catalog.TypeGeneral
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		if binary {
			return base64.StdEncoding.EncodeToString([]byte(x)), false
		}
		if t == catalog.TypeDateTime {
			if tm, err := time.Parse("2006-01-02T15:04:05.000000Z", x); err == nil {
				return tm.Format(time.RFC3339Nano), false
			}
		}
		return x, false
	case []byte:
		if binary {
			return base64.StdEncoding.EncodeToString(x), false
		}
		return string(x), false
	case int64:
		if t == catalog.TypeLogical {
			return strconv.FormatBool(x != 0), false
		}
		return strconv.FormatInt(x, 10), false
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), false
	case bool:
		return strconv.FormatBool(x), false
	case time.Time:
		if t == catalog.TypeDate {
			return x.Format(time.DateOnly), false
		}
		return x.UTC().Format(time.RFC3339Nano), false
	}
	return fmt.Sprint(v), false
}

// masked is a value as the grant may see it: NULL stays null; the item's
// mask applies to the text.
func (col *gcol) masked(v any) (string, bool) {
	text, null := valueText(v, col.typ)
	if null {
		return "", true
	}
	if col.clear {
		return text, false
	}
	return col.masker.Apply(text)
}

// projection parses ?items=a,b: the granted items to answer, in that
// order; all of them when absent. Asking for an item the grant does not
// hold is refused (GD-290 §24: only granted items).
func (c *compiled) projection(param string) ([]int, error) {
	if strings.TrimSpace(param) == "" {
		out := make([]int, len(c.cols))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	var out []int
	seen := map[int]bool{}
	for _, name := range strings.Split(param, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		i, ok := c.index[name]
		if !ok {
			return nil, errNotGranted("items", name)
		}
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out, nil
}

// filter is one equality condition of a page.
type filter struct {
	name   string
	column string
	arg    any
	value  string // as normalised, for the audit
}

// pageQuery is a parsed page request.
type pageQuery struct {
	filters []filter
	limit   int
	after   int64
	proj    []int
}

// pageReserved are the query parameters of a page that are no filter.
var pageReserved = map[string]bool{"items": true, "limit": true, "after": true, "lang": true}

// parsePage parses a page request's query: ?<item>=value filters, limit,
// after and items. A filter may name an item granted in clear, or the
// dataset's key items when every one of them is given (the page is then a
// key lookup). One on a masked item — a key item included, when the key is
// not given whole — is refused (400 share.filter.masked, naming it), so
// that masked values cannot be inferred by repeated filtering: with a
// composite key, one key part alone would be a free equality query on it.
// One on an item the grant does not hold is refused (403).
func (c *compiled) parsePage(q map[string][]string) (pageQuery, error) {
	pq := pageQuery{limit: defaultPageLimit}
	one := func(name string) (string, error) {
		vs := q[name]
		if len(vs) > 1 {
			return "", apperr.Invalidf("share.query.repeated", clip(name, 100), "参数 "+clip(name, 100)+" 只能出现一次", "the parameter "+clip(name, 100)+" may appear only once")
		}
		return vs[0], nil
	}
	if _, ok := q["limit"]; ok {
		v, err := one("limit")
		if err != nil {
			return pq, err
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageLimit {
			return pq, apperr.Invalidf("share.page.limit", "limit", fmt.Sprintf("limit 须为 1 到 %d 之间的整数", maxPageLimit),
				fmt.Sprintf("limit must be an integer from 1 to %d", maxPageLimit))
		}
		pq.limit = n
	}
	if _, ok := q["after"]; ok {
		v, err := one("after")
		if err != nil {
			return pq, err
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return pq, apperr.Invalidf("share.page.after", "after", "after 须为上一页返回的 next 游标", "after must be the next cursor of the previous page")
		}
		pq.after = n
	}
	var items string
	if _, ok := q["items"]; ok {
		v, err := one("items")
		if err != nil {
			return pq, err
		}
		items = v
	}
	proj, err := c.projection(items)
	if err != nil {
		return pq, err
	}
	pq.proj = proj
	names := make([]string, 0, len(q))
	for name := range q {
		if !pageReserved[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names) // the query text and the audit detail do not depend on map order
	wholeKey := len(c.keys) > 0
	for _, k := range c.keys {
		if _, ok := q[k.name]; !ok || pageReserved[k.name] {
			wholeKey = false
		}
	}
	for _, name := range names {
		if name == "" {
			return pq, apperr.Invalidf("share.filter.name", "query", "筛选条件缺少信息项名称", "a filter lacks its item name")
		}
		v, err := one(name)
		if err != nil {
			return pq, err
		}
		f, err := c.filterOf(name, v, wholeKey)
		if err != nil {
			return pq, err
		}
		pq.filters = append(pq.filters, f)
	}
	return pq, nil
}

// filterOf checks one filter: on an item granted in clear, or on a key
// item when wholeKey says that every key item is given.
func (c *compiled) filterOf(name, v string, wholeKey bool) (filter, error) {
	var column string
	var typ catalog.ItemType
	var format catalog.Format
	i, granted := c.index[name]
	k, isKey := c.keyIndex[name]
	switch {
	case isKey && wholeKey:
		column, typ, format = c.keys[k].column, c.keys[k].typ, c.keys[k].format
	case granted && c.cols[i].clear:
		col := &c.cols[i]
		column, typ, format = col.column, col.typ, col.format
	case granted && isKey:
		list := c.keyNames()
		return filter{}, apperr.Invalidf("share.filter.masked", name,
			"信息项“"+name+"”以脱敏方式授权，不能单独作为筛选条件：请同时给出主键的全部组成项（"+list+"），或按明文授权的信息项筛选",
			"the item "+name+" is granted masked and cannot be filtered on alone: give every item of the key ("+list+") together, or filter on items granted in clear")
	case granted:
		return filter{}, apperr.Invalidf("share.filter.masked", name,
			"信息项“"+name+"”以脱敏方式授权，不能作为筛选条件（只能按主键或明文授权的信息项筛选）",
			"the item "+name+" is granted masked and cannot be filtered on (filter only on keys and on items granted in clear)")
	default:
		return filter{}, errNotGranted(clip(name, 100), clip(name, 100))
	}
	if len(v) > maxFilterBytes || !utf8.ValidString(v) {
		return filter{}, errFilterValue(name)
	}
	v = normalize(format, v)
	arg, ok := c.param(typ, v)
	if !ok {
		return filter{}, errFilterValue(name)
	}
	return filter{name: name, column: column, arg: arg, value: v}, nil
}

// pageSQL is the query of a page: live rows in scope after the cursor,
// matching every filter, in row order, one more than the limit (to tell
// whether there is a next page).
func (c *compiled) pageSQL(pq *pageQuery) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT _row")
	if c.selectSQL != "" {
		b.WriteString(", " + c.selectSQL)
	}
	b.WriteString(" FROM " + c.table + " WHERE NOT _deleted AND _row > $1")
	args := []any{pq.after}
	if c.scopeCol != "" {
		args = append(args, c.scopeLike)
		b.WriteString(" AND " + c.scopeCol + ` LIKE $` + strconv.Itoa(len(args)) + ` ESCAPE '\'`)
	}
	for _, f := range pq.filters {
		args = append(args, f.arg)
		b.WriteString(" AND " + f.column + " = $" + strconv.Itoa(len(args)))
	}
	b.WriteString(" ORDER BY _row LIMIT " + strconv.Itoa(pq.limit+1))
	return b.String(), args
}

// lookupRow reads the live row of a key: the granted columns' values,
// whether there is one, and whether it lies in the grant's row scope. The
// scope is a condition of the query (CASE … LIKE), not a check in Go.
func (s *Service) lookupRow(ctx context.Context, c *compiled, args []any) (vals []any, found, inScope bool, err error) {
	vals = make([]any, len(c.cols))
	ptrs := make([]any, len(c.cols)+1)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var flag int64
	ptrs[len(vals)] = &flag
	var row *sql.Row
	if st := s.stmt(ctx, c.lookupSQL); st != nil {
		row = st.QueryRowContext(ctx, args...)
	} else {
		row = s.db.Read().QueryRowContext(ctx, c.lookupSQL, args...)
	}
	switch err := row.Scan(ptrs...); {
	case err == sql.ErrNoRows:
		return nil, false, false, nil
	case err != nil:
		return nil, false, false, fmt.Errorf("gateway lookup in %s: %w", c.table, err)
	}
	return vals, true, flag == 1, nil
}

// stmt returns the lookup statement prepared on SQLite's read pool, where
// parsing costs as much as running a point lookup; nil on PostgreSQL,
// whose driver caches prepared statements itself (and re-prepares them
// when a publication retypes a column).
func (s *Service) stmt(ctx context.Context, text string) *sql.Stmt {
	if s.db.Dialect != store.SQLite {
		return nil
	}
	if v, ok := s.gw.stmts.Load(text); ok {
		return v.(*sql.Stmt)
	}
	p, ok := s.db.Read().(interface {
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	})
	if !ok {
		return nil
	}
	st, err := p.PrepareContext(ctx, text)
	if err != nil {
		return nil // the plain query reports the error
	}
	if v, loaded := s.gw.stmts.LoadOrStore(text, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	return st
}

// appendRecord appends one record object {"item": "value" | null, …} of
// the projected columns, masked.
func (c *compiled) appendRecord(dst []byte, vals []any, proj []int) []byte {
	dst = append(dst, '{')
	for n, i := range proj {
		if n > 0 {
			dst = append(dst, ',')
		}
		col := &c.cols[i]
		dst = append(dst, col.jkey...)
		if v, null := col.masked(vals[i]); null {
			dst = append(dst, "null"...)
		} else {
			dst = appendJSONString(dst, v)
		}
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, U+2028 and U+2029 escaped (as encoding/json
// does), and each byte that is not UTF-8 written as U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// callDetail is the audit detail of a gateway call: the query and what it
// returned. Quota, the units charged to the daily quota, comes first and
// Rows, always present, right after it: seedQuota reads the units as the
// text between quotaMark and the first comma.
type callDetail struct {
	Quota      int               `json:"quota,omitempty"`
	Rows       int               `json:"rows"`
	Code       string            `json:"code,omitempty"` // the refusal's code
	Key        string            `json:"key,omitempty"`
	Keys       []string          `json:"keys,omitempty"`
	Filters    map[string]string `json:"filters,omitempty"`
	After      int64             `json:"after,omitempty"`
	Limit      int               `json:"limit,omitempty"`
	Items      []string          `json:"items,omitempty"`
	Claims     []string          `json:"claims,omitempty"`
	Checks     int               `json:"checks,omitempty"`
	Found      int               `json:"found,omitempty"`
	OutOfScope int               `json:"out_of_scope,omitempty"`
	ExtractID  int64             `json:"extract_id,omitempty"`
	SM3        string            `json:"sm3,omitempty"`
	ClientID   string            `json:"client_id,omitempty"` // as given, when the credentials failed
}

func (d *callDetail) String() string {
	b, err := json.Marshal(d)
	if err != nil {
		return `{"rows":0}`
	}
	return string(b)
}

// Gateway errors (codes are stable; tests and clients match on them).
var (
	errNoDataset          = apperr.New(apperr.Conflict, "share.grant.no_dataset", "该授权没有可在线提供的数据集", "the grant has no dataset served online")
	errScopeItem          = apperr.New(apperr.Conflict, "share.grant.scope_item", "授权的行范围所依据的信息项已不在数据集中，暂停提供", "the item of the grant's row scope is no longer in the dataset; nothing is served")
	errNoKey              = apperr.New(apperr.Conflict, "share.dataset.no_key", "该数据集没有主键，不能按主键查询", "the dataset has no key to look up by")
	errKeyInvalid         = apperr.Invalidf("share.key.invalid", "key", "主键值无效", "the key is not a valid value")
	errNoRecord           = apperr.New(apperr.NotFound, "share.record.not_found", "没有该主键的记录", "no record with that key")
	errMissingCredentials = apperr.New(apperr.Unauthorized, "share.credentials", "请以 HTTP Basic 方式提供应用系统的 client_id 和 client_secret", "give the application's client_id and client_secret by HTTP Basic authentication")
	errNotYours           = apperr.New(apperr.Forbidden, "share.grant.not_yours", "该授权不属于此应用系统", "the grant does not belong to this application")
	errKeyLookupOnly      = apperr.New(apperr.Forbidden, "share.grant.key_lookup_only", "该授权只允许按主键查询：不批量导出、不提供自由查询（《梅州市公共数据管理办法》第二十一条）", "the grant allows key lookups only: no bulk export and no free query (MZ §21)")
	errRateLimited        = apperr.New(apperr.TooMany, "share.rate_limited", "调用过于频繁，超过授权的每分钟次数上限，请稍后再试", "too many calls: the grant's limit per minute is reached; retry later")
	errQuotaExhausted     = apperr.New(apperr.TooMany, "share.quota_exhausted", "今日调用次数已达授权的每日上限", "the grant's daily quota is used up")
	errAuditUnavailable   = apperr.New(apperr.Unavailable, "share.audit.unavailable", "审计记录暂不可写，未提供数据，请稍后重试", "the audit trail could not be written, so no data was given; retry later")
	errPurpose            = apperr.Invalidf("share.purpose", "X-Share-Purpose", fmt.Sprintf("X-Share-Purpose 须为不超过%d字、不含控制字符的 UTF-8 文本", maxPurposeRunes), fmt.Sprintf("X-Share-Purpose must be UTF-8 text of at most %d characters without control characters", maxPurposeRunes))
)

func errNotGranted(field, item string) error {
	return apperr.New(apperr.Forbidden, "share.item.not_granted", "授权不包含信息项“"+item+"”", "the grant does not include the item "+item).WithField(field)
}

func errFilterValue(item string) error {
	return apperr.Invalidf("share.filter.value", item, "信息项“"+item+"”的筛选值格式无效", "the filter value of "+item+" is not a valid value of its type")
}

// errWrongRoute refuses a grant whose kind or mode does not fit the route.
func errWrongRoute(zh, en string) error {
	return apperr.New(apperr.Forbidden, "share.grant.mode", zh, en)
}

// BaselineLookupHandler is the baseline of `pubdata bench gateway`: the
// same key lookup on a grant's dataset — the gateway's own query text, run
// as the gateway runs it (the statement prepared once on SQLite) so that
// the comparison measures the gateway's work and not a handicap of the
// baseline — its granted columns as JSON in clear, and nothing else: no
// credentials, grant checks, masking, quota or audit. It takes the key
// from the path value "key", as stored. It is for the benchmark only and
// must never be mounted on the node's router: it serves unmasked rows to
// anyone.
func (s *Service) BaselineLookupHandler(ctx context.Context, grantID int64) (http.Handler, error) {
	_, c, err := s.grantFor(ctx, grantID, nil)
	if err != nil {
		return nil, err
	}
	if len(c.keys) != 1 {
		return nil, errNoKey
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		args := []any{r.PathValue("key")}
		if c.scopeCol != "" {
			args = append(args, c.scopeLike)
		}
		vals, found, _, err := s.lookupRow(r.Context(), c, args)
		if err != nil || !found {
			http.Error(w, "no record", http.StatusNotFound)
			return
		}
		body := make([]byte, 0, 256)
		body = append(body, `{"grant_id":`...)
		body = strconv.AppendInt(body, grantID, 10)
		body = append(body, `,"record":{`...)
		for i := range c.cols {
			if i > 0 {
				body = append(body, ',')
			}
			body = append(body, c.cols[i].jkey...)
			if v, null := valueText(vals[i], c.cols[i].typ); null {
				body = append(body, "null"...)
			} else {
				body = appendJSONString(body, v)
			}
		}
		body = append(body, "}}\n"...)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	}), nil
}
