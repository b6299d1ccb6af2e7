package procedure

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/ident"
	"pubdata/internal/org"
	"pubdata/internal/rules"
	"pubdata/internal/store"
)

// Case is one statutory case.
type Case struct {
	ID                 int64             `json:"id"`
	Kind               string            `json:"kind"`
	State              State             `json:"state"`
	Title              string            `json:"title"`
	Jurisdiction       string            `json:"jurisdiction_code"`
	Profile            string            `json:"profile"`
	ApplicantAgencyID  int64             `json:"applicant_agency_id"`
	RespondentAgencyID int64             `json:"respondent_agency_id"`
	ObjectType         string            `json:"object_type,omitempty"`
	ObjectID           string            `json:"object_id,omitempty"`
	Fields             map[string]string `json:"fields"`
	DueKey             string            `json:"due_key,omitempty"`
	DueBasis           string            `json:"due_basis,omitempty"`
	DueParty           Party             `json:"due_party,omitempty"`
	StartedAt          *time.Time        `json:"started_at,omitempty"`
	DueDate            string            `json:"due_date,omitempty"` // the last working day, YYYY-MM-DD (Asia/Shanghai)
	DueAt              *time.Time        `json:"due_at,omitempty"`   // the instant it becomes overdue
	Overdue            bool              `json:"overdue"`
	Closed             bool              `json:"closed"`
	CreatedAt          time.Time         `json:"created_at"`
	UpdatedAt          time.Time         `json:"updated_at"`
}

// Event is one step of a case's history.
type Event struct {
	ID            int64             `json:"id"`
	Action        string            `json:"action"`
	From          State             `json:"from_state"`
	To            State             `json:"to_state"`
	ActorUserID   int64             `json:"actor_user_id,omitempty"`
	ActorAgencyID int64             `json:"actor_agency_id,omitempty"`
	Fields        map[string]string `json:"fields,omitempty"`
	At            time.Time         `json:"at"`
}

// Notice is a supervision notice (督查督办) raised against an agency that
// missed a deadline.
type Notice struct {
	ID                int64      `json:"id"`
	CaseID            int64      `json:"case_id,omitempty"`
	AgainstAgencyID   int64      `json:"against_agency_id"`
	AuthorityAgencyID int64      `json:"authority_agency_id"`
	Jurisdiction      string     `json:"jurisdiction_code"`
	ReasonCode        string     `json:"reason_code"`
	Reason            string     `json:"reason"`
	Basis             string     `json:"basis"`
	State             string     `json:"state"`
	DueKey            string     `json:"due_key,omitempty"`
	MissedAt          *time.Time `json:"missed_at,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
}

// Engine runs the statutory procedures.
type Engine struct {
	db    *store.DB
	trail *audit.Trail
	cal   *calendar.Calendar
	rules *rules.Set
	orgs  *org.Service
	kinds map[string]*Kind
	hooks map[string][]Hook
	log   *slog.Logger
	now   func() time.Time
}

// SetClock replaces the engine's clock (tests, demo data with history).
func (e *Engine) SetClock(now func() time.Time) { e.now = now }

// NewEngine returns an engine knowing the Builtin kinds.
func NewEngine(db *store.DB, trail *audit.Trail, cal *calendar.Calendar, rs *rules.Set, orgs *org.Service, log *slog.Logger) *Engine {
	e := &Engine{db: db, trail: trail, cal: cal, rules: rs, orgs: orgs, kinds: map[string]*Kind{}, hooks: map[string][]Hook{}, log: log, now: time.Now}
	for _, k := range Builtin {
		if err := e.Register(k); err != nil {
			panic(err)
		}
	}
	return e
}

// Register adds a kind; it must be valid and every deadline key must exist
// as a deadline in every rule profile.
func (e *Engine) Register(k *Kind) error {
	if err := k.Validate(); err != nil {
		return err
	}
	for _, s := range k.States {
		if s.Deadline == "" {
			continue
		}
		for _, name := range e.rules.Names() {
			p, err := e.rules.Profile(name)
			if err != nil {
				return err
			}
			if _, err := p.Deadline(s.Deadline); err != nil {
				return fmt.Errorf("procedure kind %s: state %s: profile %s: %w", k.Name, s.Name, name, err)
			}
		}
	}
	e.kinds[k.Name] = k
	return nil
}

// Kind returns a registered kind.
func (e *Engine) Kind(name string) (*Kind, bool) {
	k, ok := e.kinds[name]
	return k, ok
}

// Kinds returns the registered kinds by name.
func (e *Engine) Kinds() []*Kind {
	var out []*Kind
	for _, k := range e.kinds {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b *Kind) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// OpenInput opens a case.
type OpenInput struct {
	Kind               string            `json:"kind"`
	Title              string            `json:"title"`
	ApplicantAgencyID  int64             `json:"applicant_agency_id"`
	RespondentAgencyID int64             `json:"respondent_agency_id"` // 0: the authority of the applicant's jurisdiction
	ObjectType         string            `json:"object_type"`
	ObjectID           string            `json:"object_id"`
	Fields             map[string]string `json:"fields"`
	// OnBehalf lets a domain service open a case whose applicant is not the
	// actor's agency (an update the authority asks of an agency, whoever
	// records it). The API never sets it.
	OnBehalf bool `json:"-"`
}

func errKind(name string) error {
	return apperr.Invalidf("case.kind", "kind", "未知的办件类型："+name, "unknown case kind: "+name)
}

// Open opens a case in the kind's initial state, starting its deadline, in
// a transaction of its own. The actor acts for the applicant agency. Kinds
// that belong to a domain (DomainOnly) are opened by that domain's service
// with OpenTx, never directly. Errors: Invalid, Forbidden, NotFound.
func (e *Engine) Open(ctx context.Context, a audit.Actor, in OpenInput) (Case, error) {
	if k, ok := e.kinds[in.Kind]; ok && k.DomainOnly {
		return Case{}, apperr.Invalidf("case.domain_only", "kind", k.ZH+"由业务模块发起，不能直接创建", k.EN+" cases are opened by their own module, not directly")
	}
	var c Case
	err := e.db.WriteAt(ctx, e.now(), func(tx *store.Tx) error {
		var err error
		c, err = e.OpenTx(ctx, tx, a, in)
		return err
	})
	return c, err
}

// Now is the engine's clock; domain services that open or act on cases in
// their own transactions start them at this time.
func (e *Engine) Now() time.Time { return e.now() }

// OpenTx opens a case inside the caller's transaction, so that a domain
// change (a catalog version submitted, a request filed) and its case commit
// together. The deadline runs from tx.Now.
func (e *Engine) OpenTx(ctx context.Context, tx *store.Tx, a audit.Actor, in OpenInput) (Case, error) {
	k, ok := e.kinds[in.Kind]
	if !ok {
		return Case{}, errKind(in.Kind)
	}
	if in.ApplicantAgencyID == 0 {
		in.ApplicantAgencyID = a.AgencyID
	}
	if in.ApplicantAgencyID != a.AgencyID && a.Username != "system" && !in.OnBehalf {
		return Case{}, apperr.ErrForbidden
	}
	if err := checkFields(in.Fields); err != nil {
		return Case{}, err
	}
	if utf8.RuneCountInString(in.Title) > 200 {
		return Case{}, apperr.Invalidf("case.title", "title", "标题不超过200个字", "the title is at most 200 characters")
	}
	applicant, err := e.orgs.Agency(ctx, in.ApplicantAgencyID)
	if err != nil {
		return Case{}, err
	}
	var respondent org.Agency
	if in.RespondentAgencyID == 0 {
		respondent, err = e.orgs.Authority(ctx, applicant.JurisdictionCode)
	} else {
		respondent, err = e.orgs.Agency(ctx, in.RespondentAgencyID)
	}
	if err != nil {
		return Case{}, apperr.Invalidf("case.respondent", "respondent_agency_id", "答复机构不存在", "no such respondent agency")
	}
	if respondent.ID == applicant.ID {
		return Case{}, apperr.Invalidf("case.respondent", "respondent_agency_id", "申请机构与答复机构不能相同", "the applicant and the respondent must differ")
	}
	// The case belongs to the respondent's jurisdiction: its rules apply to
	// the party that owes the answer (a Huizhou source agency answers in 2 days).
	prof := e.rules.ForJurisdiction(respondent.JurisdictionCode)
	if prof == nil {
		return Case{}, fmt.Errorf("open case: no rule profile covers jurisdiction %s", respondent.JurisdictionCode)
	}
	c := Case{Kind: k.Name, State: k.Initial, Title: strings.TrimSpace(in.Title), Jurisdiction: respondent.JurisdictionCode, Profile: prof.Name,
		ApplicantAgencyID: applicant.ID, RespondentAgencyID: respondent.ID, ObjectType: in.ObjectType, ObjectID: in.ObjectID, Fields: in.Fields}
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	c.CreatedAt, c.UpdatedAt = tx.Now, tx.Now
	if err := e.startDeadline(&c, k, tx.Now); err != nil {
		return Case{}, err
	}
	fields, _ := json.Marshal(c.Fields)
	err = tx.QueryRowContext(ctx, `INSERT INTO cases(kind, state, title, jurisdiction_code, profile, applicant_agency_id, respondent_agency_id, object_type, object_id, fields,
		due_key, due_basis, due_party, started_at, due_date, due_at, created_by, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$18) RETURNING id`,
		c.Kind, string(c.State), c.Title, c.Jurisdiction, c.Profile, c.ApplicantAgencyID, c.RespondentAgencyID, c.ObjectType, c.ObjectID, string(fields),
		c.DueKey, c.DueBasis, string(c.DueParty), tx.Dialect.NullTime(c.StartedAt), c.DueDate, tx.Dialect.NullTime(c.DueAt), nullID(a.UserID), tx.Dialect.Time(tx.Now)).Scan(&c.ID)
	if err != nil {
		return Case{}, fmt.Errorf("open case: %w", err)
	}
	if err := insertEvent(ctx, tx, c.ID, "open", "", c.State, a, c.Fields); err != nil {
		return Case{}, err
	}
	if err := e.trail.Append(ctx, tx, a, audit.Event{Action: "case.open", ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10),
		Detail: fmt.Sprintf("%s %s due %s", c.Kind, c.State, c.DueDate)}); err != nil {
		return Case{}, err
	}
	return c, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func checkFields(fields map[string]string) error {
	if len(fields) > 50 {
		return apperr.Invalidf("case.fields", "fields", "字段过多", "too many fields")
	}
	for k, v := range fields {
		if k == "" || len(k) > 64 || utf8.RuneCountInString(v) > 4000 {
			return apperr.Invalidf("case.fields", "fields."+k, "字段名或字段值过长", "field name or value too long")
		}
	}
	return nil
}

// startDeadline sets the due date of c's current state, or clears it.
func (e *Engine) startDeadline(c *Case, k *Kind, now time.Time) error {
	sd, _ := k.State(c.State)
	c.DueKey, c.DueBasis, c.DueParty, c.StartedAt, c.DueDate, c.DueAt, c.Overdue = "", "", "", nil, "", nil, false
	c.Closed = sd.Terminal
	if sd.Deadline == "" {
		return nil
	}
	p, err := e.rules.Profile(c.Profile)
	if err != nil {
		return err
	}
	d, err := p.Deadline(sd.Deadline)
	if err != nil {
		return err
	}
	due, at := e.cal.Due(now, d.WorkingDays)
	started := now
	c.DueKey, c.DueBasis, c.DueParty, c.StartedAt, c.DueDate, c.DueAt = d.Key, d.Basis, sd.Owes, &started, due.String(), &at
	return nil
}

func insertEvent(ctx context.Context, tx *store.Tx, caseID int64, action string, from, to State, a audit.Actor, fields map[string]string) error {
	b, _ := json.Marshal(fields)
	_, err := tx.ExecContext(ctx, `INSERT INTO case_events(case_id, action, from_state, to_state, actor_user_id, actor_agency_id, fields, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		caseID, action, string(from), string(to), nullID(a.UserID), nullID(a.AgencyID), string(b), tx.Dialect.Time(tx.Now))
	if err != nil {
		return fmt.Errorf("case %d event %s: %w", caseID, action, err)
	}
	return nil
}

const caseColumns = `id, kind, state, title, jurisdiction_code, profile, COALESCE(applicant_agency_id, 0), COALESCE(respondent_agency_id, 0), object_type, object_id, fields,
	due_key, due_basis, due_party, started_at, due_date, due_at, overdue, closed, created_at, updated_at`

func scanCase(r interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var fields string
	var started, dueAt sql.NullTime
	err := r.Scan(&c.ID, &c.Kind, &c.State, &c.Title, &c.Jurisdiction, &c.Profile, &c.ApplicantAgencyID, &c.RespondentAgencyID, &c.ObjectType, &c.ObjectID, &fields,
		&c.DueKey, &c.DueBasis, &c.DueParty, &started, &c.DueDate, &dueAt, &c.Overdue, &c.Closed, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return c, err
	}
	if started.Valid {
		c.StartedAt = &started.Time
	}
	if dueAt.Valid {
		c.DueAt = &dueAt.Time
	}
	c.Fields = map[string]string{}
	_ = json.Unmarshal([]byte(fields), &c.Fields)
	return c, nil
}

var errCaseNotFound = apperr.New(apperr.NotFound, "case.not_found", "办件不存在或无权查看", "no such case, or not visible to you")

// party returns the side the actor acts for in c, or "".
func party(c *Case, a audit.Actor) Party {
	switch a.AgencyID {
	case c.ApplicantAgencyID:
		return Applicant
	case c.RespondentAgencyID:
		return Respondent
	}
	return ""
}

// visible reports whether the actor may see the case: a party, or a
// government user whose jurisdiction covers the case's (the supervising
// authorities above it).
func visible(c *Case, a audit.Actor) bool {
	if a.Username == "system" || party(c, a) != "" {
		return true
	}
	return a.Role == "authority_reviewer" && org.Covers(a.Jurisdiction, c.Jurisdiction)
}

// Act takes an action on a case for the actor, in a transaction of its
// own. The actor must act for the party the transition names, in one of its
// roles, and fill its required fields. A refusal is audited. Errors:
// NotFound (no such case, or not visible), Forbidden, Invalid (missing
// fields, unknown action), Conflict (not possible in the current state), or
// whatever a domain hook returns.
func (e *Engine) Act(ctx context.Context, a audit.Actor, id int64, action string, fields map[string]string) (Case, error) {
	var c Case
	err := e.db.WriteAt(ctx, e.now(), func(tx *store.Tx) error {
		var err error
		c, err = e.ActTx(ctx, tx, a, id, action, fields)
		return err
	})
	if apperr.Is(err, errNotYourTurn) {
		// The change rolled back; the refusal is recorded on its own.
		_ = e.trail.Record(context.WithoutCancel(ctx), a, audit.Event{Action: "case." + action, ObjectType: "case", ObjectID: strconv.FormatInt(id, 10), Outcome: audit.Denied})
	}
	return c, err
}

var errNotYourTurn = apperr.New(apperr.Forbidden, "case.not_your_turn", "您所在机构或角色不能执行此操作", "your agency or role may not take this action")

// ActTx is Act inside the caller's transaction; the kind's hooks run in it.
func (e *Engine) ActTx(ctx context.Context, tx *store.Tx, a audit.Actor, id int64, action string, fields map[string]string) (Case, error) {
	if err := checkFields(fields); err != nil {
		return Case{}, err
	}
	q := `SELECT ` + caseColumns + ` FROM cases WHERE id = $1`
	if tx.Dialect == store.Postgres {
		q += ` FOR UPDATE`
	}
	c, err := scanCase(tx.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, errCaseNotFound
	}
	if err != nil {
		return Case{}, err
	}
	if !visible(&c, a) {
		return Case{}, errCaseNotFound
	}
	k, ok := e.kinds[c.Kind]
	if !ok {
		return Case{}, fmt.Errorf("case %d: kind %s not registered", id, c.Kind)
	}
	t, ok := k.Transition(action)
	if !ok {
		return Case{}, apperr.Invalidf("case.action", "action", "该办件没有此操作："+action, "no such action for this case: "+action)
	}
	if !slices.Contains(t.From, c.State) {
		return Case{}, apperr.New(apperr.Conflict, "case.state", fmt.Sprintf("办件当前状态为“%s”，不能%s", stateZH(k, c.State), t.ZH),
			fmt.Sprintf("the case is %s; %s is not possible now", c.State, t.Action))
	}
	if a.Username != "system" && (party(&c, a) != t.By || len(t.Roles) > 0 && !slices.Contains(t.Roles, a.Role)) {
		return Case{}, errNotYourTurn
	}
	var missing apperr.List
	for _, f := range t.Requires {
		if strings.TrimSpace(fields[f]) == "" {
			zh, en := fieldName(k, f)
			missing = append(missing, apperr.Invalidf("case.field_required", f, t.ZH+"须填写"+zh, t.Action+" requires "+en))
		}
	}
	if len(missing) > 0 {
		return Case{}, missing
	}
	from := c.State
	c.State = t.To
	for f, v := range fields {
		c.Fields[f] = v
	}
	c.UpdatedAt = tx.Now
	if err := e.startDeadline(&c, k, tx.Now); err != nil {
		return Case{}, err
	}
	b, _ := json.Marshal(c.Fields)
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET state=$1, fields=$2, due_key=$3, due_basis=$4, due_party=$5, started_at=$6, due_date=$7, due_at=$8, overdue=$9, closed=$10, updated_at=$11 WHERE id=$12`,
		string(c.State), string(b), c.DueKey, c.DueBasis, string(c.DueParty), tx.Dialect.NullTime(c.StartedAt), c.DueDate, tx.Dialect.NullTime(c.DueAt), c.Overdue, c.Closed, tx.Dialect.Time(tx.Now), c.ID); err != nil {
		return Case{}, fmt.Errorf("case %d %s: %w", id, action, err)
	}
	if err := insertEvent(ctx, tx, c.ID, action, from, c.State, a, fields); err != nil {
		return Case{}, err
	}
	if err := e.trail.Append(ctx, tx, a, audit.Event{Action: "case." + action, ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10),
		Detail: fmt.Sprintf("%s %s -> %s", c.Kind, from, c.State)}); err != nil {
		return Case{}, err
	}
	for _, h := range e.hooks[c.Kind] {
		if err := h(ctx, tx, a, &c, action, from); err != nil {
			return Case{}, err
		}
	}
	return c, nil
}

// Hook is a domain's reaction to a transition, run in the transition's
// transaction: a catalog publishes the version its review approved. An
// error undoes the transition.
type Hook func(ctx context.Context, tx *store.Tx, a audit.Actor, c *Case, action string, from State) error

// OnTransition registers a hook for every transition of a kind.
func (e *Engine) OnTransition(kind string, h Hook) {
	e.hooks[kind] = append(e.hooks[kind], h)
}

func stateZH(k *Kind, s State) string {
	if d, ok := k.State(s); ok {
		return d.ZH
	}
	return string(s)
}

func fieldName(k *Kind, f string) (string, string) {
	for _, x := range k.Fields {
		if x.Name == f {
			return x.ZH, x.EN
		}
	}
	return f, f
}

// Case returns a case and its history, if the actor may see it. The read is audited.
func (e *Engine) Case(ctx context.Context, a audit.Actor, id int64) (Case, []Event, error) {
	c, err := scanCase(e.db.Read().QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !visible(&c, a) {
		return Case{}, nil, errCaseNotFound
	}
	if err != nil {
		return Case{}, nil, err
	}
	rows, err := e.db.Read().QueryContext(ctx, `SELECT id, action, from_state, to_state, COALESCE(actor_user_id, 0), COALESCE(actor_agency_id, 0), fields, at FROM case_events WHERE case_id = $1 ORDER BY id`, id)
	if err != nil {
		return Case{}, nil, err
	}
	defer rows.Close()
	var evs []Event
	for rows.Next() {
		var ev Event
		var f string
		if err := rows.Scan(&ev.ID, &ev.Action, &ev.From, &ev.To, &ev.ActorUserID, &ev.ActorAgencyID, &f, &ev.At); err != nil {
			return Case{}, nil, err
		}
		_ = json.Unmarshal([]byte(f), &ev.Fields)
		evs = append(evs, ev)
	}
	if err := rows.Err(); err != nil {
		return Case{}, nil, err
	}
	if err := e.trail.Record(ctx, a, audit.Event{Action: "case.read", ObjectType: "case", ObjectID: strconv.FormatInt(id, 10)}); err != nil {
		return Case{}, nil, err
	}
	return c, evs, nil
}

// CaseFilter selects cases.
type CaseFilter struct {
	Kind    string
	State   string
	Open    bool // only cases not closed
	Overdue bool // only overdue cases
	Limit   int
}

// Cases lists the cases the actor may see, newest first: those of the
// actor's agency, and for authority reviewers every case in their jurisdiction.
func (e *Engine) Cases(ctx context.Context, a audit.Actor, f CaseFilter) ([]Case, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if a.Role == "authority_reviewer" {
		args = append(args, a.AgencyID, ident.DivisionPrefix(a.Jurisdiction)+"%")
		where = append(where, `(applicant_agency_id = $1 OR respondent_agency_id = $1 OR jurisdiction_code LIKE $2)`)
	} else {
		args = append(args, a.AgencyID)
		where = append(where, `(applicant_agency_id = $1 OR respondent_agency_id = $1)`)
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.State != "" {
		add("state = ?", f.State)
	}
	if f.Open {
		where = append(where, "NOT closed")
	}
	if f.Overdue {
		where = append(where, "overdue")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := e.db.Read().QueryContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
