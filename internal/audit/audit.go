// Package audit keeps the append-only trail of every state change and every
// read of data (GD-290 §45–46, GD-OPEN §18). Each entry is chained to the one
// before it with SM3 (GB/T 32905) — keyed as HMAC-SM3 when the node has an
// audit key — so that any edit, deletion or insertion of a row is detected by
// Verify (and `pubdata audit verify`).
package audit

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"pubdata/internal/store"
)

// Outcomes of an audited action.
const (
	OK     = "ok"     // done or read
	Denied = "denied" // refused by authorization or a rule
	Failed = "failed" // attempted and failed (e.g. a wrong password)
)

// Actor is who acts: a user, a system task, or an anonymous caller. Every
// write in pubdata takes one.
type Actor struct {
	UserID       int64
	Username     string // "system" for scheduled work, "anonymous" for callers without credentials
	Role         string
	AgencyID     int64
	Jurisdiction string
	ClientAddr   string
	RequestID    string
}

// System is the actor of scheduled work such as the overdue scan.
func System() Actor { return Actor{Username: "system", Role: "system"} }

// Entry is one line of the trail.
type Entry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	ActorID    int64     `json:"actor_id,omitempty"`
	AgencyID   int64     `json:"agency_id,omitempty"`
	Role       string    `json:"role,omitempty"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type,omitempty"`
	ObjectID   string    `json:"object_id,omitempty"`
	Purpose    string    `json:"purpose,omitempty"`
	Outcome    string    `json:"outcome"`
	ClientAddr string    `json:"client_addr,omitempty"`
	RequestID  string    `json:"request_id,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// Event is what a caller records: the actor's fields are filled from Actor.
type Event struct {
	Action     string // dotted verb, e.g. "agency.create", "audit.read"
	ObjectType string
	ObjectID   string
	Purpose    string
	Outcome    string // OK when empty
	Detail     string // short text or JSON
}

// Trail writes and verifies the audit trail of one database.
type Trail struct {
	db  *store.DB
	key []byte

	// stmts holds the chain's statements prepared on SQLite's writer, by
	// text: parsing a 64-row INSERT in every transaction cost more than
	// running it. (PostgreSQL's driver caches prepared statements itself.)
	// Written once by New, read-only after.
	stmts map[string]*sql.Stmt
}

// exec runs one of the chain's statements in tx, prepared once on SQLite.
func (t *Trail) exec(ctx context.Context, tx *store.Tx, query string, args ...any) (sql.Result, error) {
	if st := t.prepared(tx, query); st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// queryRow is exec for a query of one row.
func (t *Trail) queryRow(ctx context.Context, tx *store.Tx, query string, args ...any) *sql.Row {
	if st := t.prepared(tx, query); st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// prepared returns the statement prepared on SQLite's writer, or nil (on
// PostgreSQL, or if it was not prepared: then the plain call runs it).
func (t *Trail) prepared(tx *store.Tx, query string) *sql.Stmt {
	if tx.Dialect != store.SQLite {
		return nil
	}
	return t.stmts[query]
}

// The chain head's statements.
const (
	readHead = `SELECT seq, hash FROM audit_head WHERE id = 1`
	moveHead = `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`
)

// prepare prepares the chain's statements on SQLite's writer. It runs when
// the trail is made, outside any transaction: the writer is one
// connection, which a transaction holds.
func (t *Trail) prepare() {
	if t.db == nil || t.db.Dialect != store.SQLite {
		return
	}
	t.stmts = map[string]*sql.Stmt{}
	for _, q := range append([]string{readHead, moveHead}, insertSQL[store.SQLite]...) {
		st, err := t.db.PrepareWrite(context.Background(), q)
		if err != nil {
			continue // run as plain text
		}
		t.stmts[q] = st
	}
}

// New returns the trail of db. With a non-empty key the chain is HMAC-SM3,
// so that nobody without the key can rewrite the trail and recompute it.
func New(db *store.DB, key []byte) *Trail {
	t := &Trail{db: db, key: key}
	t.prepare()
	return t
}

// Keyed reports whether the chain is keyed.
func (t *Trail) Keyed() bool { return len(t.key) > 0 }

func (t *Trail) newHash() hash.Hash {
	if len(t.key) > 0 {
		return hmac.New(sm3.New, t.key)
	}
	return sm3.New()
}

// Append writes one entry in tx, the transaction of the change it records,
// so that the change and its entry commit together or not at all.
func (t *Trail) Append(ctx context.Context, tx *store.Tx, a Actor, ev Event) error {
	return t.appendEntries(ctx, tx, []Entry{entryOf(a, ev, tx.Now)})
}

// appendEntries chains es, in order, onto the head in tx: it reads the head
// once (locking it on PostgreSQL, which serialises writers on the chain; on
// SQLite the single writer connection does), fills in each entry's Seq,
// PrevHash and Hash, inserts them and moves the head once.
func (t *Trail) appendEntries(ctx context.Context, tx *store.Tx, es []Entry) error {
	var seq int64
	var prev string
	q := readHead
	if tx.Dialect == store.Postgres {
		q += ` FOR UPDATE` // serialises writers on the chain head
	}
	if err := t.queryRow(ctx, tx, q).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit: read head: %w", err)
	}
	for i := range es {
		e := &es[i]
		seq++
		e.Seq, e.PrevHash = seq, prev
		e.Hash = t.sum(e)
		prev = e.Hash
	}
	// Rows go in multi-row INSERTs of power-of-two sizes up to maxInsertRows,
	// so that a batch costs few statements and few distinct texts (which
	// PostgreSQL's driver caches as prepared statements).
	for rest := es; len(rest) > 0; {
		n := maxInsertRows
		for n > len(rest) {
			n /= 2
		}
		args := make([]any, 0, n*insertColumns)
		for i := range rest[:n] {
			e := &rest[i]
			args = append(args, e.Seq, tx.Dialect.Time(e.At), e.Actor, nullID(e.ActorID), nullID(e.AgencyID), e.Role, e.Action,
				e.ObjectType, e.ObjectID, e.Purpose, e.Outcome, e.ClientAddr, e.RequestID, e.Detail, e.PrevHash, e.Hash)
		}
		if _, err := t.exec(ctx, tx, insertSQL[tx.Dialect][bits.TrailingZeros(uint(n))], args...); err != nil {
			if len(es) == 1 {
				return fmt.Errorf("audit: append %s: %w", es[0].Action, err)
			}
			return fmt.Errorf("audit: append %d entries: %w", len(es), err)
		}
		rest = rest[n:]
	}
	if _, err := t.exec(ctx, tx, moveHead, seq, prev); err != nil {
		return fmt.Errorf("audit: move head: %w", err)
	}
	return nil
}

// appendAfter is appendEntries in one statement, on PostgreSQL, for a
// writer that believes it knows the head (the batcher, after its last
// commit): the head moves only if it is still (seq, prev), and the entries
// are inserted only if it moved — one autocommitted round trip instead of
// a transaction of five. ok is false when another writer moved the head
// first; then nothing was written and the caller takes the locked path.
// es must hold at most maxInsertRows entries.
func (t *Trail) appendAfter(ctx context.Context, es []Entry, seq int64, prev string) (ok bool, err error) {
	if t.db.Dialect != store.Postgres || len(es) == 0 || len(es) > maxInsertRows {
		return false, nil
	}
	oldSeq, oldHash := seq, prev
	for i := range es {
		e := &es[i]
		seq++
		e.Seq, e.PrevHash = seq, prev
		e.Hash = t.sum(e)
		prev = e.Hash
	}
	args := make([]any, 0, 4+len(es)*insertColumns)
	args = append(args, seq, prev, oldSeq, oldHash)
	for i := range es {
		e := &es[i]
		args = append(args, e.Seq, e.At, e.Actor, nullID(e.ActorID), nullID(e.AgencyID), e.Role, e.Action,
			e.ObjectType, e.ObjectID, e.Purpose, e.Outcome, e.ClientAddr, e.RequestID, e.Detail, e.PrevHash, e.Hash)
	}
	res, err := t.db.ExecWrite(ctx, appendAfterSQL(len(es)), args...)
	if err != nil {
		if store.IsUniqueViolation(err) {
			return false, nil // a sequence number was taken: the head moved
		}
		return false, fmt.Errorf("audit: append %d entries: %w", len(es), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == int64(len(es)), nil
}

// appendAfterTexts[n] is the statement of appendAfter for n entries.
var appendAfterTexts = func() []string {
	types := []string{"bigint", "timestamptz", "text", "bigint", "bigint", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text"}
	out := make([]string, maxInsertRows+1)
	for n := 1; n <= maxInsertRows; n++ {
		var b strings.Builder
		b.WriteString(`WITH head AS (UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3 AND hash = $4 RETURNING id)
		INSERT INTO audit_entries (seq, at, actor, actor_id, agency_id, role, action, object_type, object_id, purpose, outcome, client_addr, request_id, detail, prev_hash, hash)
		SELECT v.* FROM (VALUES `)
		for r := range n {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for c := range insertColumns {
				if c > 0 {
					b.WriteByte(',')
				}
				b.WriteString("$" + strconv.Itoa(4+r*insertColumns+c+1) + "::" + types[c])
			}
			b.WriteByte(')')
		}
		b.WriteString(`) AS v WHERE EXISTS (SELECT 1 FROM head)`)
		out[n] = b.String()
	}
	return out
}()

func appendAfterSQL(n int) string { return appendAfterTexts[n] }

const (
	maxInsertRows = 64 // rows of one INSERT: 64 × 16 placeholders stays far below both engines' limits
	insertColumns = 16
)

// insertSQL[d][k] inserts 1<<k entries on engine d. SQLite gets anonymous
// "?" placeholders: it resolves each "$n" by a linear search of the ones
// before, which made parsing a 64-row INSERT cost more than running it.
var insertSQL = map[store.Dialect][]string{store.SQLite: insertTexts(false), store.Postgres: insertTexts(true)}

func insertTexts(numbered bool) []string {
	var out []string
	for n := 1; n <= maxInsertRows; n *= 2 {
		var b strings.Builder
		b.WriteString(`INSERT INTO audit_entries
		(seq, at, actor, actor_id, agency_id, role, action, object_type, object_id, purpose, outcome, client_addr, request_id, detail, prev_hash, hash)
		VALUES `)
		for r := range n {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for c := range insertColumns {
				if c > 0 {
					b.WriteByte(',')
				}
				if numbered {
					b.WriteString("$" + strconv.Itoa(r*insertColumns+c+1))
				} else {
					b.WriteByte('?')
				}
			}
			b.WriteByte(')')
		}
		out = append(out, b.String())
	}
	return out
}

// Record writes one entry in a transaction of its own: reads of data,
// refusals and failed logins, which change nothing else.
func (t *Trail) Record(ctx context.Context, a Actor, ev Event) error {
	return t.db.Write(ctx, func(tx *store.Tx) error { return t.Append(ctx, tx, a, ev) })
}

func entryOf(a Actor, ev Event, now time.Time) Entry {
	actor := a.Username
	if actor == "" {
		actor = "anonymous"
	}
	out := ev.Outcome
	if out == "" {
		out = OK
	}
	return Entry{
		At: now.UTC().Truncate(time.Microsecond), Actor: actor, ActorID: a.UserID, AgencyID: a.AgencyID, Role: a.Role,
		Action: ev.Action, ObjectType: ev.ObjectType, ObjectID: ev.ObjectID, Purpose: ev.Purpose, Outcome: out,
		ClientAddr: a.ClientAddr, RequestID: a.RequestID, Detail: ev.Detail,
	}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// sum is the chain hash of e: H(prev_hash ‖ each field, length-prefixed),
// so no two different entries encode alike.
func (t *Trail) sum(e *Entry) string {
	h := t.newHash()
	var buf [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint32(buf[:4], uint32(len(s)))
		h.Write(buf[:4])
		h.Write([]byte(s))
	}
	put(e.PrevHash)
	binary.BigEndian.PutUint64(buf[:], uint64(e.Seq))
	h.Write(buf[:])
	binary.BigEndian.PutUint64(buf[:], uint64(e.At.UnixMicro()))
	h.Write(buf[:])
	for _, s := range []string{e.Actor, strconv.FormatInt(e.ActorID, 10), strconv.FormatInt(e.AgencyID, 10), e.Role, e.Action,
		e.ObjectType, e.ObjectID, e.Purpose, e.Outcome, e.ClientAddr, e.RequestID, e.Detail} {
		put(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Problem kinds found by Verify.
const (
	Altered  = "altered"
	Removed  = "removed"
	Inserted = "inserted"
)

// Report is the result of Verify.
type Report struct {
	Entries int64  `json:"entries"`           // entries checked
	OK      bool   `json:"ok"`                // the chain is intact
	Seq     int64  `json:"seq,omitempty"`     // the first entry that is wrong (or missing)
	Problem string `json:"problem,omitempty"` // Altered, Removed or Inserted
	Reason  string `json:"reason,omitempty"`  // one sentence for the operator
}

// Verify walks the whole chain from the first entry and reports the first
// entry that was altered, removed or inserted.
func (t *Trail) Verify(ctx context.Context) (Report, error) {
	var headSeq int64
	var headHash string
	if err := t.db.Read().QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return Report{}, fmt.Errorf("audit verify: read head: %w", err)
	}
	// The head and the entries are read by one statement, so they come from
	// one snapshot: on a live node an entry appended between two reads
	// would look like one added outside the trail.
	rows, err := t.db.Read().QueryContext(ctx, `SELECT h.seq, h.hash, e.seq, e.at, e.actor, COALESCE(e.actor_id, 0), COALESCE(e.agency_id, 0), e.role, e.action, e.object_type, e.object_id,
		e.purpose, e.outcome, e.client_addr, e.request_id, e.detail, e.prev_hash, e.hash FROM audit_entries e CROSS JOIN audit_head h WHERE h.id = 1 ORDER BY e.seq`)
	if err != nil {
		return Report{}, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	var rep Report
	prev := ""
	var want int64 = 1
	fail := func(seq int64, problem, reason string) (Report, error) {
		rep.Seq, rep.Problem, rep.Reason = seq, problem, reason
		return rep, nil
	}
	for rows.Next() {
		var e Entry
		err := rows.Scan(&headSeq, &headHash, &e.Seq, &e.At, &e.Actor, &e.ActorID, &e.AgencyID, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID,
			&e.Purpose, &e.Outcome, &e.ClientAddr, &e.RequestID, &e.Detail, &e.PrevHash, &e.Hash)
		if err != nil {
			return Report{}, fmt.Errorf("audit verify: %w", err)
		}
		e.At = e.At.UTC()
		rep.Entries++
		switch {
		case e.Seq > headSeq:
			return fail(e.Seq, Inserted, fmt.Sprintf("entry %d lies beyond the chain head (%d): it was added outside the trail", e.Seq, headSeq))
		case e.Seq > want:
			return fail(want, Removed, fmt.Sprintf("entry %d is missing: the chain jumps from %d to %d", want, want-1, e.Seq))
		case e.PrevHash != prev:
			if t.sum(&e) == e.Hash {
				return fail(e.Seq, Inserted, fmt.Sprintf("entry %d does not link to entry %d: it was inserted or the chain was rebuilt", e.Seq, e.Seq-1))
			}
			return fail(e.Seq, Altered, fmt.Sprintf("entry %d was altered: its link to entry %d does not match", e.Seq, e.Seq-1))
		case t.sum(&e) != e.Hash:
			return fail(e.Seq, Altered, fmt.Sprintf("entry %d was altered: its content does not match its hash", e.Seq))
		}
		prev = e.Hash
		want = e.Seq + 1
	}
	if err := rows.Err(); err != nil {
		return Report{}, fmt.Errorf("audit verify: %w", err)
	}
	if want-1 < headSeq {
		return fail(want, Removed, fmt.Sprintf("entries %d to %d are missing: the chain head is at %d", want, headSeq, headSeq))
	}
	if prev != headHash {
		return fail(headSeq, Altered, fmt.Sprintf("entry %d does not match the chain head", headSeq))
	}
	rep.OK = true
	return rep, nil
}

const columns = `seq, at, actor, COALESCE(actor_id, 0), COALESCE(agency_id, 0), role, action, object_type, object_id, purpose, outcome, client_addr, request_id, detail, prev_hash, hash`

func scan(rows interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.ActorID, &e.AgencyID, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID,
		&e.Purpose, &e.Outcome, &e.ClientAddr, &e.RequestID, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	return e, err
}

// Filter selects entries for the audit browser and export.
type Filter struct {
	Actor      string
	AgencyID   int64
	Action     string // prefix match, e.g. "agency." or "case.act"
	ObjectType string
	ObjectID   string
	Outcome    string
	From, To   time.Time // To exclusive
	BeforeSeq  int64     // paging: entries with seq < BeforeSeq
	Limit      int       // default 100, at most 10,000
}

// List returns entries newest first.
func (t *Trail) List(ctx context.Context, f Filter) ([]Entry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.AgencyID != 0 {
		add("agency_id = ?", f.AgencyID)
	}
	if f.Action != "" {
		add(`action LIKE ? ESCAPE '\'`, store.Like(f.Action)+"%")
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if f.Outcome != "" {
		add("outcome = ?", f.Outcome)
	}
	if !f.From.IsZero() {
		add("at >= ?", t.db.Time(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", t.db.Time(f.To))
	}
	if f.BeforeSeq > 0 {
		add("seq < ?", f.BeforeSeq)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 10000 {
		limit = 10000
	}
	q := `SELECT ` + columns + ` FROM audit_entries`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY seq DESC LIMIT ` + strconv.Itoa(limit)
	rows, err := t.db.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("audit list: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Last returns the newest entry, or sql.ErrNoRows.
func (t *Trail) Last(ctx context.Context) (Entry, error) {
	es, err := t.List(ctx, Filter{Limit: 1})
	if err != nil {
		return Entry{}, err
	}
	if len(es) == 0 {
		return Entry{}, sql.ErrNoRows
	}
	return es[0], nil
}

// ErrNoKey is returned by LoadKey when no key exists and none may be created.
var ErrNoKey = errors.New("audit: no key")
