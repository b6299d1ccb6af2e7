package procedure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/audit"
	"pubdata/internal/ident"
	"pubdata/internal/org"
	"pubdata/internal/store"
)

// MarkOverdue marks every open case whose deadline passed by now as overdue
// and, where the case's profile says so, records a supervision notice against
// the party that owed the answer, with the supervising authority: the
// authority of the case's jurisdiction, or the one above it when the late
// party is that authority itself. It returns how many cases it marked.
// It is idempotent: a case is marked, and noticed, once per deadline.
func (e *Engine) MarkOverdue(ctx context.Context, now time.Time) (int, error) {
	rows, err := e.db.Read().QueryContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE NOT overdue AND NOT closed AND due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT 1000`, e.db.Time(now))
	if err != nil {
		return 0, fmt.Errorf("overdue scan: %w", err)
	}
	var due []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, c)
	}
	rows.Close()
	n := 0
	for _, c := range due {
		if err := e.markOne(ctx, c, now); err != nil {
			return n, fmt.Errorf("overdue case %d: %w", c.ID, err)
		}
		n++
	}
	return n, nil
}

func (e *Engine) markOne(ctx context.Context, c Case, now time.Time) error {
	against := c.RespondentAgencyID
	if c.DueParty == Applicant {
		against = c.ApplicantAgencyID
	}
	notify := true
	if p, err := e.rules.Profile(c.Profile); err == nil {
		if v, err := p.Switch("case.supervision.overdue_notice"); err == nil {
			notify = v
		}
	}
	return e.db.WriteAt(ctx, now, func(tx *store.Tx) error {
		// Guard against a transition that happened since the scan.
		res, err := tx.ExecContext(ctx, `UPDATE cases SET overdue = $1, updated_at = $2 WHERE id = $3 AND NOT overdue AND NOT closed AND due_key = $4 AND state = $5`,
			true, tx.Dialect.Time(tx.Now), c.ID, c.DueKey, string(c.State))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		sys := audit.System()
		if err := insertEvent(ctx, tx, c.ID, "overdue", c.State, c.State, sys, map[string]string{"due_key": c.DueKey, "due_date": c.DueDate}); err != nil {
			return err
		}
		if err := e.trail.Append(ctx, tx, sys, audit.Event{Action: "case.overdue", ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10),
			Detail: fmt.Sprintf("%s due %s (%s)", c.DueKey, c.DueDate, c.DueBasis)}); err != nil {
			return err
		}
		if !notify {
			return nil
		}
		k, _ := e.Kind(c.Kind)
		kindZH := c.Kind
		if k != nil {
			kindZH = k.ZH
		}
		_, err = e.RaiseNotice(ctx, tx, NoticeInput{CaseID: c.ID, AgainstAgencyID: against, Jurisdiction: c.Jurisdiction, ReasonCode: "deadline_missed",
			Reason: fmt.Sprintf("%s（办件 %d）未在 %s 前办结，逾期。依据：%s", kindZH, c.ID, c.DueDate, c.DueBasis),
			Basis:  c.DueBasis + ", GD-290 §52", DueKey: c.DueKey, MissedAt: c.DueAt})
		return err
	})
}

// NoticeInput is a supervision notice to raise.
type NoticeInput struct {
	CaseID          int64      // the case whose deadline was missed; 0 for a duty that is no case (a stale dataset)
	AgainstAgencyID int64      // the agency that is late
	Jurisdiction    string     // where the duty lies: its authority supervises (its parent's when the late agency is that authority)
	ReasonCode      string     // stable code, e.g. "deadline_missed", "dataset_stale"
	Reason          string     // in Chinese, naming what was missed and when
	Basis           string     // the articles, e.g. "GD-290 §16"
	DueKey          string     // the rule-profile key of the missed duty, if any
	MissedAt        *time.Time // when the duty fell due
}

// RaiseNotice records a supervision notice (督查督办) against an agency in
// the caller's transaction, with the supervising authority, and audits it
// as the system. Both the late agency and the authority then see it in
// Notices. It is the one place notices are written: the overdue scan uses
// it for missed case deadlines, domain services for duties that are not
// cases (GD-290 §16: a dataset not updated at its catalog frequency).
// Callers keep it to one notice per episode. Errors: a missing field, no
// authority for the jurisdiction, or the database's.
func (e *Engine) RaiseNotice(ctx context.Context, tx *store.Tx, in NoticeInput) (Notice, error) {
	if in.AgainstAgencyID == 0 || in.Jurisdiction == "" || in.ReasonCode == "" || in.Reason == "" || in.Basis == "" {
		return Notice{}, fmt.Errorf("raise notice: against agency, jurisdiction, reason code, reason and basis are required")
	}
	supervisor, err := e.supervisor(ctx, in.Jurisdiction, in.AgainstAgencyID)
	if err != nil {
		return Notice{}, fmt.Errorf("raise notice: supervisor of %s: %w", in.Jurisdiction, err)
	}
	n := Notice{CaseID: in.CaseID, AgainstAgencyID: in.AgainstAgencyID, AuthorityAgencyID: supervisor.ID, Jurisdiction: supervisor.JurisdictionCode,
		ReasonCode: in.ReasonCode, Reason: in.Reason, Basis: in.Basis, State: "open", DueKey: in.DueKey, MissedAt: in.MissedAt, CreatedAt: tx.Now}
	if err := tx.QueryRowContext(ctx, `INSERT INTO supervision_notices(case_id, against_agency_id, authority_agency_id, jurisdiction_code, reason_code, reason, basis, due_key, missed_at, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
		nullID(n.CaseID), n.AgainstAgencyID, nullID(n.AuthorityAgencyID), n.Jurisdiction, n.ReasonCode, n.Reason, n.Basis, n.DueKey, tx.Dialect.NullTime(n.MissedAt), tx.Dialect.Time(tx.Now)).Scan(&n.ID); err != nil {
		return Notice{}, fmt.Errorf("notice: %w", err)
	}
	detail := fmt.Sprintf("%s against agency %d", n.ReasonCode, n.AgainstAgencyID)
	if n.CaseID != 0 {
		detail = fmt.Sprintf("case %d against agency %d", n.CaseID, n.AgainstAgencyID)
	}
	if err := e.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "notice.create", ObjectType: "supervision_notice", ObjectID: strconv.FormatInt(n.ID, 10), Detail: detail}); err != nil {
		return Notice{}, err
	}
	return n, nil
}

// supervisor returns the authority that supervises the late agency in the
// case's jurisdiction: that jurisdiction's authority, or its parent's when
// the late agency is the authority itself.
func (e *Engine) supervisor(ctx context.Context, jurisdiction string, late int64) (org.Agency, error) {
	auth, err := e.orgs.Authority(ctx, jurisdiction)
	if err != nil {
		return org.Agency{}, err
	}
	if auth.ID != late {
		return auth, nil
	}
	j, err := e.orgs.Jurisdiction(ctx, jurisdiction)
	if err != nil {
		return org.Agency{}, err
	}
	if j.ParentCode == "" {
		return auth, nil // the province's own authority answers to the provincial government
	}
	return e.orgs.Authority(ctx, j.ParentCode)
}

// NoticeFilter selects supervision notices.
type NoticeFilter struct {
	State string
	Limit int
}

// Notices lists the notices the actor may see: those against the actor's
// agency (a chief data officer oversees the agency's, JM §28, HZ §8), and
// for authority reviewers those in their jurisdiction.
func (e *Engine) Notices(ctx context.Context, a audit.Actor, f NoticeFilter) ([]Notice, error) {
	args := []any{a.AgencyID}
	where := []string{`(against_agency_id = $1 OR authority_agency_id = $1`}
	if a.Role == "authority_reviewer" {
		args = append(args, ident.DivisionPrefix(a.Jurisdiction)+"%")
		where[0] += ` OR jurisdiction_code LIKE $2`
	}
	where[0] += `)`
	if f.State != "" {
		args = append(args, f.State)
		where = append(where, "state = $"+strconv.Itoa(len(args)))
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := e.db.Read().QueryContext(ctx, `SELECT id, COALESCE(case_id, 0), against_agency_id, COALESCE(authority_agency_id, 0), jurisdiction_code, reason_code, reason, basis, state, due_key, missed_at, created_at
		FROM supervision_notices WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		var n Notice
		var missed sql.NullTime
		if err := rows.Scan(&n.ID, &n.CaseID, &n.AgainstAgencyID, &n.AuthorityAgencyID, &n.Jurisdiction, &n.ReasonCode, &n.Reason, &n.Basis, &n.State, &n.DueKey, &missed, &n.CreatedAt); err != nil {
			return nil, err
		}
		if missed.Valid {
			n.MissedAt = &missed.Time
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// RunScheduler polls for overdue cases every interval until ctx ends.
func (e *Engine) RunScheduler(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := e.MarkOverdue(ctx, time.Now()); err != nil && !errors.Is(err, context.Canceled) {
			e.log.Error("overdue scan", "err", err)
		} else if n > 0 {
			e.log.Info("overdue cases marked", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
