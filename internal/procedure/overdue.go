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
	supervisor, err := e.supervisor(ctx, c.Jurisdiction, against)
	if err != nil {
		return err
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
		reason := fmt.Sprintf("%s（办件 %d）未在 %s 前办结，逾期。依据：%s", kindZH, c.ID, c.DueDate, c.DueBasis)
		var nid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO supervision_notices(case_id, against_agency_id, authority_agency_id, jurisdiction_code, reason_code, reason, basis, due_key, missed_at, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
			c.ID, against, nullID(supervisor.ID), supervisor.JurisdictionCode, "deadline_missed", reason, c.DueBasis+", GD-290 §52", c.DueKey, tx.Dialect.NullTime(c.DueAt), tx.Dialect.Time(tx.Now)).Scan(&nid); err != nil {
			return fmt.Errorf("notice: %w", err)
		}
		return e.trail.Append(ctx, tx, sys, audit.Event{Action: "notice.create", ObjectType: "supervision_notice", ObjectID: strconv.FormatInt(nid, 10),
			Detail: fmt.Sprintf("case %d against agency %d", c.ID, against)})
	})
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
