package share

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/ident"
	"pubdata/internal/procedure"
	"pubdata/internal/store"
)

// The follow-up of a grant: the consumer's periodic use reports (GD-290
// §46, JM §20, MZ §39, HZ §23) and its data-error reports (JM §19, MZ §23,
// HZ §28). Periods and deadlines are rows with due dates that the
// scheduler polls (ScanFollowUp), never timers in memory.

// RunScheduler runs ScanFollowUp every interval until ctx ends: it rolls
// use-report periods forward, reminds consumers of reports falling due,
// raises supervision notices for reports not submitted by their due date
// and for error fixes late against a deadline that runs from receipt.
func (s *Service) RunScheduler(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.ScanFollowUp(ctx, s.now()); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("sharing scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ScanFollowUp is one pass of the sharing scheduler at the instant now
// (its Shanghai date is "today"). It is idempotent: each period is created
// once, each report reminded once and noticed once, each late fix noticed
// once. Tests and the demo call it directly with a chosen time. It returns
// the errors of every pass joined; a failing row does not stop the others.
func (s *Service) ScanFollowUp(ctx context.Context, now time.Time) error {
	return errors.Join(
		s.rollFeedback(ctx, now),
		s.remindFeedback(ctx, now),
		s.noticeFeedback(ctx, now),
		s.noticeErrorFixes(ctx, now),
	)
}

// scheduleFeedbackTx creates the first use-report period of a new grant,
// in the grant's transaction: from the grant's start, as long as the
// consumer's profile says (share.feedback.period: Meizhou 6 months, MZ §39;
// else 12), capped at the grant's end date, due at the period's end.
func (s *Service) scheduleFeedbackTx(ctx context.Context, tx *store.Tx, g *Grant) error {
	c, err := s.orgs.Agency(ctx, g.ConsumerAgencyID)
	if err != nil {
		return err
	}
	_, err = s.insertPeriodTx(ctx, tx, g, c.JurisdictionCode, g.StartsOn)
	return err
}

// insertPeriodTx inserts the use-report period of g that starts on start,
// unless it exists; false when it did. The consumer's jurisdiction chooses
// the period's length.
func (s *Service) insertPeriodTx(ctx context.Context, tx *store.Tx, g *Grant, consumerJurisdiction, start string) (bool, error) {
	p, err := s.profileOf(consumerJurisdiction)
	if err != nil {
		return false, err
	}
	months, _, err := p.Period("share.feedback.period")
	if err != nil {
		return false, err
	}
	from, err := calendar.ParseDate(start)
	if err != nil {
		return false, fmt.Errorf("grant %d: period start %q: %w", g.ID, start, err)
	}
	end := addMonths(from, months).String()
	if g.EndDate < end {
		end = g.EndDate
	}
	if end < start {
		end = start // a grant that ends the day it starts still reports once
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO share_feedback(grant_id, consumer_agency_id, period_start, period_end, due_date, state, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (grant_id, period_start) DO NOTHING`,
		g.ID, g.ConsumerAgencyID, start, end, end, string(FeedbackOpen), tx.Dialect.Time(tx.Now))
	if err != nil {
		return false, fmt.Errorf("grant %d: feedback period from %s: %w", g.ID, start, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// continuesAfter reports whether the grant runs on past a period that ends
// on end: not revoked, and its end date later. A suspended grant may be
// restored, so it goes on owing reports.
func (g *Grant) continuesAfter(end string) bool {
	return g.State != GrantRevoked && end < g.EndDate
}

// addMonths adds m calendar months to d, keeping the day of month where it
// exists and taking the month's last day where it does not (08-31 + 6
// months is 02-28, not 03-03).
func addMonths(d calendar.Date, m int) calendar.Date {
	mi := int(d.Month) - 1 + m
	y := d.Year + mi/12
	mi %= 12
	if mi < 0 {
		mi += 12
		y--
	}
	month := time.Month(mi + 1)
	last := time.Date(y, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return calendar.Date{Year: y, Month: month, Day: min(d.Day, last)}
}

// rollFeedback opens the next period of every grant whose current period
// has ended and that goes on, whether or not the last report came in: a
// late report does not stop the cycle. A scheduler that was down for
// several periods catches up, one period per round.
func (s *Service) rollFeedback(ctx context.Context, now time.Time) error {
	today := calendar.DateOf(now).String()
	var errs []error
	for round := 0; round < 100; round++ {
		rows, err := s.db.Read().QueryContext(ctx, `SELECT f.grant_id, f.period_end, c.jurisdiction_code
			FROM share_feedback f JOIN share_grants g ON g.id = f.grant_id JOIN agencies c ON c.id = g.consumer_agency_id
			WHERE f.period_end <= $1 AND f.period_end < g.end_date AND g.state <> $2
			AND NOT EXISTS (SELECT 1 FROM share_feedback n WHERE n.grant_id = f.grant_id AND n.period_start = f.period_end)
			ORDER BY f.grant_id LIMIT 1000`, today, string(GrantRevoked))
		if err != nil {
			return fmt.Errorf("feedback periods: %w", err)
		}
		type due struct {
			grant              int64
			start, consumerJur string
		}
		var todo []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.grant, &d.start, &d.consumerJur); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		created := 0
		for _, d := range todo {
			err := s.db.WriteAt(ctx, now, func(tx *store.Tx) error {
				g, err := s.loadGrant(ctx, tx, d.grant)
				if err != nil {
					return err
				}
				if !g.continuesAfter(d.start) {
					return nil
				}
				ok, err := s.insertPeriodTx(ctx, tx, &g, d.consumerJur, d.start)
				if err != nil || !ok {
					return err
				}
				created++
				return s.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "share.feedback.period", ObjectType: "share_grant",
					ObjectID: strconv.FormatInt(g.ID, 10), Detail: "period from " + d.start})
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("grant %d: next feedback period: %w", d.grant, err))
			}
		}
		if created == 0 {
			break
		}
	}
	return errors.Join(errs...)
}

// remindFeedback marks the open reports whose due date is near — within
// the consumer's share.feedback.remind_days working days — as reminded.
// A reminder is no supervision: it raises nothing against anyone; the
// console shows the report as due soon.
func (s *Service) remindFeedback(ctx context.Context, now time.Time) error {
	today := calendar.DateOf(now)
	// The widest window of any profile bounds the rows read; each row is
	// then checked against its consumer's own profile.
	widest := 0
	for _, name := range s.rules.Names() {
		p, err := s.rules.Profile(name)
		if err != nil {
			return err
		}
		n, err := p.Number("share.feedback.remind_days")
		if err != nil {
			return err
		}
		widest = max(widest, n)
	}
	horizon := s.cal.AddWorkdays(today, widest).String()
	rows, err := s.db.Read().QueryContext(ctx, `SELECT f.id, f.due_date, c.jurisdiction_code FROM share_feedback f JOIN agencies c ON c.id = f.consumer_agency_id
		WHERE f.state = $1 AND f.reminded_at IS NULL AND f.due_date >= $2 AND f.due_date <= $3 ORDER BY f.due_date, f.id LIMIT 5000`,
		string(FeedbackOpen), today.String(), horizon)
	if err != nil {
		return fmt.Errorf("feedback reminders: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var dueS, jur string
		if err := rows.Scan(&id, &dueS, &jur); err != nil {
			rows.Close()
			return err
		}
		due, err := calendar.ParseDate(dueS)
		if err != nil {
			continue
		}
		p, err := s.profileOf(jur)
		if err != nil {
			continue
		}
		n, err := p.Number("share.feedback.remind_days")
		if err != nil {
			continue
		}
		if today.Compare(s.cal.AddWorkdays(due, -n)) >= 0 {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	return s.db.WriteAt(ctx, now, func(tx *store.Tx) error {
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `UPDATE share_feedback SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL AND state = $3`,
				tx.Dialect.Time(tx.Now), id, string(FeedbackOpen))
			if err != nil {
				return fmt.Errorf("remind feedback %d: %w", id, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if err := s.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "share.feedback.remind", ObjectType: "share_feedback", ObjectID: strconv.FormatInt(id, 10)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// noticeFeedback raises a supervision notice (reason feedback_overdue)
// against each consumer whose report of a period was not submitted by its
// due date, once per period, with the authority of the consumer's
// jurisdiction, citing the period's basis.
func (s *Service) noticeFeedback(ctx context.Context, now time.Time) error {
	today := calendar.DateOf(now).String()
	rows, err := s.db.Read().QueryContext(ctx, `SELECT f.id, f.grant_id, f.consumer_agency_id, c.jurisdiction_code, COALESCE(d.name, ''), f.period_start, f.period_end, f.due_date
		FROM share_feedback f JOIN share_grants g ON g.id = f.grant_id JOIN agencies c ON c.id = f.consumer_agency_id LEFT JOIN datasets d ON d.id = g.dataset_id
		WHERE f.state = $1 AND f.noticed_at IS NULL AND f.due_date < $2 ORDER BY f.due_date, f.id LIMIT 1000`, string(FeedbackOpen), today)
	if err != nil {
		return fmt.Errorf("overdue feedback: %w", err)
	}
	type late struct {
		id, grant, consumer               int64
		jur, dataset, start, end, dueDate string
	}
	var todo []late
	for rows.Next() {
		var l late
		if err := rows.Scan(&l.id, &l.grant, &l.consumer, &l.jur, &l.dataset, &l.start, &l.end, &l.dueDate); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var errs []error
	for _, l := range todo {
		err := s.db.WriteAt(ctx, now, func(tx *store.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE share_feedback SET noticed_at = $1 WHERE id = $2 AND noticed_at IS NULL AND state = $3`,
				tx.Dialect.Time(tx.Now), l.id, string(FeedbackOpen))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // submitted or noticed since the scan
			}
			p, err := s.profileOf(l.jur)
			if err != nil {
				return err
			}
			_, basis, err := p.Period("share.feedback.period")
			if err != nil {
				return err
			}
			due, err := calendar.ParseDate(l.dueDate)
			if err != nil {
				return err
			}
			missed := due.AddDays(1).Start()
			what := fmt.Sprintf("共享授权#%d", l.grant)
			if l.dataset != "" {
				what += "（" + l.dataset + "）"
			}
			n, err := s.cases.RaiseNotice(ctx, tx, procedure.NoticeInput{AgainstAgencyID: l.consumer, Jurisdiction: l.jur, ReasonCode: "feedback_overdue",
				Reason: fmt.Sprintf("%s %s至%s期间的共享数据使用情况反馈应于 %s 前提交，逾期未提交。依据：%s", what, l.start, l.end, l.dueDate, basis),
				Basis:  basis, DueKey: "share.feedback.period", MissedAt: &missed})
			if err != nil {
				return err
			}
			return s.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "share.feedback.overdue", ObjectType: "share_feedback",
				ObjectID: strconv.FormatInt(l.id, 10), Detail: fmt.Sprintf("due %s; notice %d", l.dueDate, n.ID)})
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("feedback %d: notice: %w", l.id, err))
		}
	}
	return errors.Join(errs...)
}

// noticeErrorFixes raises a supervision notice against the source agency
// of each verified error whose fix is late against a deadline that runs
// from receipt (share.error.fix.from = receipt, HZ §28). The procedure
// engine starts a state's deadline when the state is entered, so the
// case's own fix deadline runs from verification and would fall due later
// than the profile says; this notice is raised at the date the profile
// gives. Fixes due from verification are the engine's to notice.
func (s *Service) noticeErrorFixes(ctx context.Context, now time.Time) error {
	today := calendar.DateOf(now).String()
	rows, err := s.db.Read().QueryContext(ctx, `SELECT e.id, COALESCE(e.case_id, 0), e.source_agency_id, k.jurisdiction_code, k.profile, e.fix_due_date, d.name, e.item
		FROM share_errors e JOIN cases k ON k.id = e.case_id JOIN datasets d ON d.id = e.dataset_id
		WHERE e.state = $1 AND e.noticed_at IS NULL AND e.fix_due_date <> '' AND e.fix_due_date < $2 ORDER BY e.id LIMIT 1000`, string(ErrorFixing), today)
	if err != nil {
		return fmt.Errorf("late error fixes: %w", err)
	}
	type late struct {
		id, caseID, source                   int64
		jur, profile, dueDate, dataset, item string
	}
	var todo []late
	for rows.Next() {
		var l late
		if err := rows.Scan(&l.id, &l.caseID, &l.source, &l.jur, &l.profile, &l.dueDate, &l.dataset, &l.item); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var errs []error
	for _, l := range todo {
		p, err := s.rules.Profile(l.profile)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if from, _ := p.Text("share.error.fix.from"); from != fixFromReceipt {
			continue
		}
		fix, err := p.Deadline("share.error.fix")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = s.db.WriteAt(ctx, now, func(tx *store.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE share_errors SET noticed_at = $1 WHERE id = $2 AND noticed_at IS NULL AND state = $3`,
				tx.Dialect.Time(tx.Now), l.id, string(ErrorFixing))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			due, err := calendar.ParseDate(l.dueDate)
			if err != nil {
				return err
			}
			missed := due.AddDays(1).Start()
			n, err := s.cases.RaiseNotice(ctx, tx, procedure.NoticeInput{CaseID: l.caseID, AgainstAgencyID: l.source, Jurisdiction: l.jur, ReasonCode: "error_fix_overdue",
				Reason: fmt.Sprintf("数据纠错#%d（%s，信息项“%s”）应自收到反馈之日起%d个工作日内即 %s 前完成更正，逾期未完成。依据：%s",
					l.id, l.dataset, l.item, fix.WorkingDays, l.dueDate, fix.Basis),
				Basis: fix.Basis, DueKey: fix.Key, MissedAt: &missed})
			if err != nil {
				return err
			}
			return s.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "share.error.overdue", ObjectType: "share_error",
				ObjectID: strconv.FormatInt(l.id, 10), Detail: fmt.Sprintf("fix due %s from receipt; notice %d", l.dueDate, n.ID)})
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("error report %d: notice: %w", l.id, err))
		}
	}
	return errors.Join(errs...)
}

// conds collects the conditions and arguments of a listing query.
type conds struct {
	where []string
	args  []any
}

// add appends a condition whose "?" placeholders take vs in order.
func (c *conds) add(cond string, vs ...any) {
	for _, v := range vs {
		c.args = append(c.args, v)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(c.args)), 1)
	}
	c.where = append(c.where, cond)
}

// sql is the WHERE clause, or "".
func (c *conds) sql() string {
	if len(c.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.where, " AND ")
}

// addVisible adds what seesAgencyPair allows, on the columns of the
// consumer, the source, the source's jurisdiction and the consumer's, and
// narrows to one side when role is "consumer" or "source".
func addVisible(c *conds, a audit.Actor, role, consumerCol, sourceCol, jurCol, consumerJurCol string) error {
	switch {
	case role == "consumer":
		c.add(consumerCol+" = ?", a.AgencyID)
	case role == "source":
		c.add(sourceCol+" = ?", a.AgencyID)
	case role != "":
		return apperr.Invalidf("share.filter.role", "role", "role 只能是 consumer 或 source", "role must be consumer or source")
	case a.Role == "auditor" || a.Username == "system":
	case a.Role == "authority_reviewer":
		prefix := ident.DivisionPrefix(a.Jurisdiction) + "%"
		c.add("("+consumerCol+" = ? OR "+sourceCol+" = ? OR "+jurCol+" LIKE ? OR "+consumerJurCol+" LIKE ?)", a.AgencyID, a.AgencyID, prefix, prefix)
	default:
		c.add("("+consumerCol+" = ? OR "+sourceCol+" = ?)", a.AgencyID, a.AgencyID)
	}
	return nil
}

// listLimit bounds a listing: 200 by default, at most 1000.
func listLimit(n int) string {
	if n <= 0 || n > 1000 {
		n = 200
	}
	return strconv.Itoa(n)
}
