package share

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/store"
)

// FeedbackState is where one period's use report stands.
type FeedbackState string

// The states of a use report. Whether an open report is overdue or due
// soon follows from its due date and reminder (Feedback.Overdue, DueSoon).
const (
	FeedbackOpen      FeedbackState = "open"      // owed, not yet submitted
	FeedbackSubmitted FeedbackState = "submitted" // submitted by the consumer's officer
)

// FeedbackReport is what a consumer reports about its use of shared data
// in one period (GD-290 §46, JM §20; MZ §39: "数据应用场景、应用成效、
// 安全保障"). Which contents are required is the consumer's profile's
// share.feedback.contents: their names are these JSON names, and a name
// that is none of them is looked up in Extra.
type FeedbackReport struct {
	Scenario string            `json:"scenario"`         // 数据应用场景: where and how the data was used
	Effect   string            `json:"effect"`           // 应用成效: what it achieved
	Security string            `json:"security"`         // 安全保障: the security measures taken
	Issues   string            `json:"issues,omitempty"` // problems met, suggestions to the source agency
	Extra    map[string]string `json:"extra,omitempty"`  // further contents an overriding profile may require
}

// content returns the report's text for a content name.
func (r *FeedbackReport) content(name string) string {
	switch name {
	case "scenario":
		return r.Scenario
	case "effect":
		return r.Effect
	case "security":
		return r.Security
	case "issues":
		return r.Issues
	}
	return r.Extra[name]
}

// contentField is the JSON field that carries a content name.
func contentField(name string) string {
	switch name {
	case "scenario", "effect", "security", "issues":
		return name
	}
	return "extra." + name
}

// contentLabels name the contents in error messages.
var contentLabels = map[string][2]string{
	"scenario": {"数据应用场景", "the scenarios of use"},
	"effect":   {"应用成效", "the results"},
	"security": {"安全保障措施", "the security measures"},
	"issues":   {"问题和建议", "problems and suggestions"},
}

func contentLabel(name string) (zh, en string) {
	if l, ok := contentLabels[name]; ok {
		return l[0], l[1]
	}
	return name, name
}

// maxReportText is the longest text of one content of a report, in characters.
const maxReportText = 4000

// check trims the report and validates it against the required contents;
// every missing or overlong content is named. basis is the contents'
// article, cited in the message.
func (r *FeedbackReport) check(required []string, basis string) error {
	r.Scenario, r.Effect, r.Security, r.Issues = strings.TrimSpace(r.Scenario), strings.TrimSpace(r.Effect), strings.TrimSpace(r.Security), strings.TrimSpace(r.Issues)
	var errs apperr.List
	if len(r.Extra) > 20 {
		errs = append(errs, apperr.Invalidf("share.feedback.extra", "extra", "其他内容不超过20项", "at most 20 further contents"))
	}
	extra := make(map[string]string, len(r.Extra))
	for k, v := range r.Extra {
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" || utf8.RuneCountInString(k) > 64 {
			errs = append(errs, apperr.Invalidf("share.feedback.extra", "extra", "其他内容的名称须为1至64个字符", "a further content's name must be 1 to 64 characters"))
			continue
		}
		extra[k] = v
	}
	r.Extra = extra
	if len(r.Extra) == 0 {
		r.Extra = nil
	}
	for _, name := range append([]string{"scenario", "effect", "security", "issues"}, sortedKeys(r.Extra)...) {
		if utf8.RuneCountInString(r.content(name)) > maxReportText {
			zh, en := contentLabel(name)
			errs = append(errs, apperr.Invalidf("share.feedback.too_long", contentField(name), fmt.Sprintf("%s不超过%d个字", zh, maxReportText), fmt.Sprintf("%s must be at most %d characters", en, maxReportText)))
		}
	}
	for _, name := range required {
		if r.content(name) == "" {
			zh, en := contentLabel(name)
			errs = append(errs, apperr.Invalidf("share.feedback.content_required", contentField(name),
				"使用情况反馈须包括"+zh+"（依据 "+basis+"）", "the use report must cover "+en+" ("+basis+")"))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Feedback is one period's use report owed by a grant's consumer to the
// source agency and the authority. A period runs from PeriodStart to
// PeriodEnd and its report is due on DueDate (the period's end).
type Feedback struct {
	ID                   int64           `json:"id"`
	GrantID              int64           `json:"grant_id"`
	ConsumerAgencyID     int64           `json:"consumer_agency_id"`
	ConsumerName         string          `json:"consumer_name"`
	SourceAgencyID       int64           `json:"source_agency_id"`
	SourceName           string          `json:"source_name"`
	Jurisdiction         string          `json:"jurisdiction_code"`          // the source's
	ConsumerJurisdiction string          `json:"consumer_jurisdiction_code"` // its profile sets the period and contents
	DatasetID            int64           `json:"dataset_id,omitempty"`
	DatasetName          string          `json:"dataset_name,omitempty"`
	GrantScenario        string          `json:"grant_scenario"` // the scenario the grant approved
	PeriodStart          string          `json:"period_start"`
	PeriodEnd            string          `json:"period_end"`
	DueDate              string          `json:"due_date"`
	State                FeedbackState   `json:"state"`
	Overdue              bool            `json:"overdue"`  // open past its due date
	DueSoon              bool            `json:"due_soon"` // open, reminded, not yet overdue
	Contents             []string        `json:"contents"` // what the report must cover under the consumer's profile
	Basis                string          `json:"basis"`    // the article of the period (e.g. MZ §39)
	Report               *FeedbackReport `json:"report,omitempty"`
	SubmittedAt          *time.Time      `json:"submitted_at,omitempty"`
	SubmittedBy          int64           `json:"submitted_by,omitempty"`
	RemindedAt           *time.Time      `json:"reminded_at,omitempty"`
	NoticedAt            *time.Time      `json:"noticed_at,omitempty"` // when the overdue notice was raised
	CreatedAt            time.Time       `json:"created_at"`
}

const feedbackColumns = `f.id, f.grant_id, g.consumer_agency_id, c.name, g.source_agency_id, s.name, g.jurisdiction_code, c.jurisdiction_code,
	COALESCE(g.dataset_id, 0), COALESCE(d.name, ''), g.scenario, f.period_start, f.period_end, f.due_date, f.state, f.report,
	f.submitted_at, COALESCE(f.submitted_by, 0), f.reminded_at, f.noticed_at, f.created_at`

const feedbackFrom = ` FROM share_feedback f JOIN share_grants g ON g.id = f.grant_id JOIN agencies c ON c.id = g.consumer_agency_id
	JOIN agencies s ON s.id = g.source_agency_id LEFT JOIN datasets d ON d.id = g.dataset_id`

func (s *Service) scanFeedback(r interface{ Scan(...any) error }) (Feedback, error) {
	var f Feedback
	var report string
	var submitted, reminded, noticed sql.NullTime
	err := r.Scan(&f.ID, &f.GrantID, &f.ConsumerAgencyID, &f.ConsumerName, &f.SourceAgencyID, &f.SourceName, &f.Jurisdiction, &f.ConsumerJurisdiction,
		&f.DatasetID, &f.DatasetName, &f.GrantScenario, &f.PeriodStart, &f.PeriodEnd, &f.DueDate, &f.State, &report,
		&submitted, &f.SubmittedBy, &reminded, &noticed, &f.CreatedAt)
	if err != nil {
		return f, err
	}
	f.SubmittedAt, f.RemindedAt, f.NoticedAt = timeOrNil(submitted), timeOrNil(reminded), timeOrNil(noticed)
	if report != "" {
		f.Report = &FeedbackReport{}
		if err := json.Unmarshal([]byte(report), f.Report); err != nil {
			return f, fmt.Errorf("feedback %d report: %w", f.ID, err)
		}
	}
	open := f.State == FeedbackOpen
	f.Overdue = open && f.DueDate < s.today().String()
	f.DueSoon = open && !f.Overdue && f.RemindedAt != nil
	f.Contents, f.Basis = s.feedbackRules(f.ConsumerJurisdiction)
	return f, nil
}

// feedbackRules are the required contents under a consumer's profile and
// the article of its period; empty when the profile cannot be read (the
// submission then fails loudly).
func (s *Service) feedbackRules(consumerJurisdiction string) ([]string, string) {
	p := s.rules.ForJurisdiction(consumerJurisdiction)
	if p == nil {
		return []string{}, ""
	}
	contents, _ := p.List("share.feedback.contents")
	if contents == nil {
		contents = []string{}
	}
	_, basis, _ := p.Period("share.feedback.period")
	return contents, basis
}

func timeOrNil(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

var errFeedbackNotFound = apperr.New(apperr.NotFound, "share.feedback.not_found", "使用情况反馈不存在或无权查看", "no such use report, or not visible to you")

func (s *Service) loadFeedback(ctx context.Context, q store.Querier, id int64) (Feedback, error) {
	f, err := s.scanFeedback(q.QueryRowContext(ctx, `SELECT `+feedbackColumns+feedbackFrom+` WHERE f.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Feedback{}, errFeedbackNotFound
	}
	return f, err
}

// FeedbackFilter selects use reports.
type FeedbackFilter struct {
	Role    string // "consumer", "source" or "" (every report the actor may see)
	State   string // open, submitted, overdue (open past due), due_soon (open and reminded, not yet due)
	GrantID int64
	Limit   int // at most 1000; 200 by default
}

// FeedbackFilterFromURL reads a use-report listing's filters from query
// parameters: role, state, grant, limit. The web console uses it too.
func FeedbackFilterFromURL(v url.Values) (FeedbackFilter, error) {
	f := FeedbackFilter{Role: strings.TrimSpace(v.Get("role")), State: strings.TrimSpace(v.Get("state"))}
	var err error
	if f.GrantID, err = queryID(v, "grant"); err != nil {
		return f, err
	}
	f.Limit, err = queryLimit(v)
	return f, err
}

// Feedback lists the use reports the actor may see, by due date, latest
// first: its own agency's as consumer, those on its data as source, those
// of either side's jurisdiction for authority reviewers, and all for the
// auditor. The read is audited. Errors: Invalid (an unknown role or state).
func (s *Service) Feedback(ctx context.Context, a audit.Actor, f FeedbackFilter) ([]Feedback, error) {
	var c conds
	if err := addVisible(&c, a, f.Role, "g.consumer_agency_id", "g.source_agency_id", "g.jurisdiction_code", "c.jurisdiction_code"); err != nil {
		return nil, err
	}
	today := s.today().String()
	switch f.State {
	case "":
	case string(FeedbackOpen), string(FeedbackSubmitted):
		c.add("f.state = ?", f.State)
	case "overdue":
		c.add("f.state = ? AND f.due_date < ?", string(FeedbackOpen), today)
	case "due_soon":
		c.add("f.state = ? AND f.reminded_at IS NOT NULL AND f.due_date >= ?", string(FeedbackOpen), today)
	default:
		return nil, apperr.Invalidf("share.feedback.state", "state", "未知的反馈状态："+f.State+"（open、submitted、overdue、due_soon）",
			"unknown report state: "+f.State+" (open, submitted, overdue, due_soon)")
	}
	if f.GrantID != 0 {
		c.add("f.grant_id = ?", f.GrantID)
	}
	out, err := queryAll(ctx, s.db.Read(), s.scanFeedback, `SELECT `+feedbackColumns+feedbackFrom+c.sql()+` ORDER BY f.due_date DESC, f.id DESC LIMIT `+listLimit(f.Limit), c.args...)
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	return out, s.trail.Record(ctx, a, audit.Event{Action: "share.feedback.list", ObjectType: "share_feedback", Detail: fmt.Sprintf("%d reports", len(out))})
}

// SubmitFeedback submits the use report of one period (GD-290 §46, JM §20,
// MZ §39, HZ §23). Only the grant's consumer may, once: its data officer,
// or the authority's reviewer when the authority holds the grant;
// the report must cover the contents the consumer's profile requires
// (Meizhou: scenarios, results and security measures), each missing one
// named. When the grant goes on past the period, the next period is opened
// in the same transaction. Audited, refusals too. Errors: NotFound (no
// such report, or not visible), Forbidden (not the consumer's officer),
// Conflict (already submitted), Invalid (contents).
func (s *Service) SubmitFeedback(ctx context.Context, a audit.Actor, id int64, r FeedbackReport) (Feedback, error) {
	ev := audit.Event{Action: "share.feedback.submit", ObjectType: "share_feedback", ObjectID: strconv.FormatInt(id, 10)}
	var fb Feedback
	err := s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		var err error
		if fb, err = s.loadFeedback(ctx, tx, id); err != nil {
			return err
		}
		if !s.seesAgencyPair(ctx, a, fb.ConsumerAgencyID, fb.SourceAgencyID, fb.Jurisdiction) {
			return errFeedbackNotFound
		}
		// The authority that holds a grant for an enterprise (GD-290 §26)
		// owes the report as any consumer does.
		if a.AgencyID != fb.ConsumerAgencyID || !appKeeper(a) {
			return apperr.New(apperr.Forbidden, "share.feedback.not_consumer", "只有数据使用机构的数据管理员（或代企业事业单位持有授权的主管部门）可以提交使用情况反馈",
				"only the consumer agency (its data officer, or the authority holding the grant for an enterprise) may submit its use report")
		}
		if fb.State != FeedbackOpen {
			return apperr.New(apperr.Conflict, "share.feedback.submitted", "该期使用情况反馈已提交", "this period's use report was already submitted")
		}
		p, err := s.profileOf(fb.ConsumerJurisdiction)
		if err != nil {
			return err
		}
		required, err := p.List("share.feedback.contents")
		if err != nil {
			return err
		}
		v, _ := p.Get("share.feedback.contents")
		if err := r.check(required, v.Basis); err != nil {
			return err
		}
		report, _ := json.Marshal(r)
		res, err := tx.ExecContext(ctx, `UPDATE share_feedback SET state = $1, report = $2, submitted_at = $3, submitted_by = $4 WHERE id = $5 AND state = $6`,
			string(FeedbackSubmitted), string(report), tx.Dialect.Time(tx.Now), nullID(a.UserID), id, string(FeedbackOpen))
		if err != nil {
			return fmt.Errorf("submit feedback %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "share.feedback.submitted", "该期使用情况反馈已提交", "this period's use report was already submitted")
		}
		g, err := s.loadGrant(ctx, tx, fb.GrantID)
		if err != nil {
			return err
		}
		if g.continuesAfter(fb.PeriodEnd) {
			if _, err := s.insertPeriodTx(ctx, tx, &g, fb.ConsumerJurisdiction, fb.PeriodEnd); err != nil {
				return err
			}
		}
		ev.Detail = fmt.Sprintf("grant %d, period %s to %s", fb.GrantID, fb.PeriodStart, fb.PeriodEnd)
		if err := s.trail.Append(ctx, tx, a, ev); err != nil {
			return err
		}
		fb, err = s.loadFeedback(ctx, tx, id)
		return err
	})
	if apperr.KindOf(err) == apperr.Forbidden {
		return Feedback{}, s.deny(ctx, a, ev, err)
	}
	if err != nil {
		return Feedback{}, err
	}
	return fb, nil
}

// queryID reads an optional positive ID from a query parameter.
func queryID(v url.Values, name string) (int64, error) {
	s := v.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.Invalidf("filter."+name, name, name+" 须为正整数", name+" must be a positive integer")
	}
	return n, nil
}

// queryLimit reads the optional limit parameter (1 to 1000).
func queryLimit(v url.Values) (int, error) {
	s := v.Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		return 0, apperr.Invalidf("filter.limit", "limit", "limit 须为1到1000的整数", "limit must be a whole number from 1 to 1000")
	}
	return n, nil
}
