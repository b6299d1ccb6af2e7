package share

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/httpx"
)

// The usage report of a grant (JM §17: use outside the approved scenario
// must be detectable; HZ §25: the authority suspends use beyond the duty).
// It is built from the audit trail alone — the gateway's entries of the
// grant — so it shows what was actually done, refusals included.

// Limits of the usage report.
const (
	defaultUsageDays = 30
	maxUsageDays     = 366
)

// UsageCount counts gateway calls.
type UsageCount struct {
	Calls  int64 `json:"calls"`
	OK     int64 `json:"ok"`
	Denied int64 `json:"denied"`
	Failed int64 `json:"failed"`
	Rows   int64 `json:"rows"`   // rows returned (lookups, pages, extracts)
	Checks int64 `json:"checks"` // verifications answered
}

func (u *UsageCount) add(outcome string, d *usageDetail) {
	u.Calls++
	switch outcome {
	case audit.OK:
		u.OK++
	case audit.Denied:
		u.Denied++
	default:
		u.Failed++
	}
	u.Rows += d.Rows
	u.Checks += d.Checks
}

// UsageDay is one day's calls (Asia/Shanghai) against the daily quota.
type UsageDay struct {
	Date string `json:"date"`
	UsageCount
	Charged   int64   `json:"charged"`    // units charged to the quota: one a call, one a verification claim
	QuotaUsed float64 `json:"quota_used"` // charged / quota
}

// UsagePurpose is the calls made under one stated purpose.
type UsagePurpose struct {
	Purpose string `json:"purpose"`
	UsageCount
	// WithinScenario is false for a purpose other than the grant's
	// approved scenario (JM §17).
	WithinScenario bool `json:"within_scenario"`
}

// UsageAction is the calls of one action and outcome.
type UsageAction struct {
	Action  string `json:"action"`
	Outcome string `json:"outcome"`
	Calls   int64  `json:"calls"`
	Rows    int64  `json:"rows"`
}

// UsageReason counts the refusals of one code.
type UsageReason struct {
	Code  string `json:"code"`
	Calls int64  `json:"calls"`
}

// UsageFlag is something the authority should look at.
type UsageFlag struct {
	Code    string `json:"code"` // purpose_outside_scenario, out_of_scope, quota_exhausted, rate_limited
	Purpose string `json:"purpose,omitempty"`
	Calls   int64  `json:"calls"`
	ZH      string `json:"zh"`
	EN      string `json:"en"`
}

// Usage is the usage report of a grant over the last Days days.
type Usage struct {
	GrantID       int64          `json:"grant_id"`
	From          string         `json:"from"` // first day, YYYY-MM-DD (Asia/Shanghai)
	To            string         `json:"to"`   // last day (today)
	Days          int            `json:"days"`
	Scenario      string         `json:"scenario"`
	Purpose       string         `json:"purpose"`
	State         GrantState     `json:"state"`
	Expired       bool           `json:"expired"`
	EndDate       string         `json:"end_date"`
	QuotaDaily    int64          `json:"quota_daily"`
	RatePerMinute int64          `json:"rate_per_minute"`
	Totals        UsageCount     `json:"totals"`
	ByDay         []UsageDay     `json:"by_day"`
	ByPurpose     []UsagePurpose `json:"by_purpose"`
	ByAction      []UsageAction  `json:"by_action"`
	Denied        []UsageReason  `json:"denied"`
	Flags         []UsageFlag    `json:"flags"`
}

// usageDetail is what the report reads of a gateway entry's detail.
type usageDetail struct {
	Quota      int    `json:"quota"` // units charged to the daily quota
	Rows       int64  `json:"rows"`
	Checks     int64  `json:"checks"`
	Code       string `json:"code"`
	OutOfScope int64  `json:"out_of_scope"`
}

// Usage reports a grant's gateway calls over the last days days (1–366,
// default 30): by day against the quota, by stated purpose against the
// approved scenario, by action and outcome, rows returned, refusals by
// reason, and flags. Who may: those who see the grant (its consumer and
// source, the authorities over either, the auditor). The read is audited.
// Errors: share.usage.days (Invalid), errGrantNotFound.
func (s *Service) Usage(ctx context.Context, a audit.Actor, id int64, days int) (Usage, error) {
	if days == 0 {
		days = defaultUsageDays
	}
	if days < 1 || days > maxUsageDays {
		return Usage{}, apperr.Invalidf("share.usage.days", "days", fmt.Sprintf("days 须为 1 到 %d 之间的整数", maxUsageDays), fmt.Sprintf("days must be an integer from 1 to %d", maxUsageDays))
	}
	ev := audit.Event{Action: "share.grant.usage", ObjectType: "share_grant", ObjectID: strconv.FormatInt(id, 10), Detail: strconv.Itoa(days) + " days"}
	g, err := s.loadGrant(ctx, s.db.Read(), id)
	if err != nil {
		return Usage{}, err
	}
	if !s.seesAgencyPair(ctx, a, g.ConsumerAgencyID, g.SourceAgencyID, g.Jurisdiction) {
		return Usage{}, s.deny(ctx, a, ev, errGrantNotFound)
	}
	today := s.today()
	first := today.AddDays(-(days - 1))
	u := Usage{GrantID: g.ID, From: first.String(), To: today.String(), Days: days, Scenario: g.Scenario, Purpose: g.Purpose, State: g.State,
		Expired: g.Expired, EndDate: g.EndDate, QuotaDaily: g.QuotaDaily, RatePerMinute: g.RatePerMinute,
		ByPurpose: []UsagePurpose{}, ByAction: []UsageAction{}, Denied: []UsageReason{}, Flags: []UsageFlag{}}
	dayIndex := map[string]int{}
	for d := first; d.String() <= today.String(); d = d.AddDays(1) {
		dayIndex[d.String()] = len(u.ByDay)
		u.ByDay = append(u.ByDay, UsageDay{Date: d.String()})
	}
	start := startOfDay(s.now()).AddDate(0, 0, -(days - 1))
	rows, err := s.db.Read().QueryContext(ctx, `SELECT at, action, purpose, outcome, detail FROM audit_entries
		WHERE object_type = 'share_grant' AND object_id = $1 AND action LIKE 'share.gateway.%' AND at >= $2 ORDER BY seq`,
		strconv.FormatInt(id, 10), s.db.Time(start))
	if err != nil {
		return Usage{}, fmt.Errorf("usage of grant %d: %w", id, err)
	}
	defer rows.Close()
	purposes := map[string]*UsagePurpose{}
	actions := map[[2]string]*UsageAction{}
	reasons := map[string]int64{}
	var outOfScope int64
	for rows.Next() {
		var at time.Time
		var action, purpose, outcome, detail string
		if err := rows.Scan(&at, &action, &purpose, &outcome, &detail); err != nil {
			return Usage{}, err
		}
		var d usageDetail
		_ = json.Unmarshal([]byte(detail), &d) // an unreadable detail counts the call, without rows
		u.Totals.add(outcome, &d)
		if i, ok := dayIndex[calendar.DateOf(at).String()]; ok {
			day := &u.ByDay[i]
			day.add(outcome, &d)
			day.Charged += int64(d.Quota)
		}
		p := purposes[purpose]
		if p == nil {
			p = &UsagePurpose{Purpose: purpose, WithinScenario: purpose == g.Scenario}
			purposes[purpose] = p
		}
		p.add(outcome, &d)
		k := [2]string{action, outcome}
		ac := actions[k]
		if ac == nil {
			ac = &UsageAction{Action: action, Outcome: outcome}
			actions[k] = ac
		}
		ac.Calls++
		ac.Rows += d.Rows
		if outcome != audit.OK && d.Code != "" {
			reasons[d.Code]++
		}
		if d.Code == "share.row.out_of_scope" {
			outOfScope++
		}
		outOfScope += d.OutOfScope
	}
	if err := rows.Err(); err != nil {
		return Usage{}, err
	}
	for i := range u.ByDay {
		if g.QuotaDaily > 0 {
			u.ByDay[i].QuotaUsed = float64(u.ByDay[i].Charged) / float64(g.QuotaDaily)
		}
	}
	// The duty to use data only in the approved scenario: GD-290 §24, and
	// JM §17 where the Jiangmen profile applies.
	basis := "GD-290 §24"
	if prof, err := s.rules.Profile(g.Profile); err == nil {
		if v, ok := prof.Get("share.use.within_scenario"); ok {
			basis = v.Basis
		}
	}
	for _, p := range purposes {
		u.ByPurpose = append(u.ByPurpose, *p)
		if !p.WithinScenario {
			u.Flags = append(u.Flags, UsageFlag{Code: "purpose_outside_scenario", Purpose: p.Purpose, Calls: p.Calls,
				ZH: fmt.Sprintf("%d次调用声明的用途“%s”不是核定的应用场景“%s”（%s）", p.Calls, p.Purpose, g.Scenario, basis),
				EN: fmt.Sprintf("%d calls stated the purpose %q, not the approved scenario %q (%s)", p.Calls, p.Purpose, g.Scenario, basis)})
		}
	}
	slices.SortFunc(u.ByPurpose, func(a, b UsagePurpose) int {
		return cmp.Or(cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.Purpose, b.Purpose))
	})
	for _, ac := range actions {
		u.ByAction = append(u.ByAction, *ac)
	}
	slices.SortFunc(u.ByAction, func(a, b UsageAction) int {
		if a.Action != b.Action {
			return cmp.Compare(a.Action, b.Action)
		}
		return cmp.Compare(a.Outcome, b.Outcome)
	})
	for code, n := range reasons {
		u.Denied = append(u.Denied, UsageReason{Code: code, Calls: n})
	}
	slices.SortFunc(u.Denied, func(a, b UsageReason) int { return cmp.Compare(a.Code, b.Code) })
	if outOfScope > 0 {
		u.Flags = append(u.Flags, UsageFlag{Code: "out_of_scope", Calls: outOfScope,
			ZH: fmt.Sprintf("%d次查询了授权行范围以外的记录", outOfScope), EN: fmt.Sprintf("%d queries asked for records outside the grant's row scope", outOfScope)})
	}
	for _, code := range []string{errQuotaExhausted.Code, errRateLimited.Code} {
		if n := reasons[code]; n > 0 {
			u.Flags = append(u.Flags, UsageFlag{Code: code[len("share."):], Calls: n,
				ZH: fmt.Sprintf("%d次调用因超过%s被拒绝", n, map[string]string{errQuotaExhausted.Code: "每日限额", errRateLimited.Code: "每分钟频次"}[code]),
				EN: fmt.Sprintf("%d calls were refused over the %s", n, map[string]string{errQuotaExhausted.Code: "daily quota", errRateLimited.Code: "rate limit"}[code])})
		}
	}
	return u, s.trail.Record(ctx, a, ev)
}

// usageHandler answers GET /api/v1/share/grants/{id}/usage?days=30.
func (s *Service) usageHandler(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	days := 0
	if v := r.URL.Query().Get("days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days == 0 {
			return apperr.Invalidf("share.usage.days", "days", fmt.Sprintf("days 须为 1 到 %d 之间的整数", maxUsageDays), fmt.Sprintf("days must be an integer from 1 to %d", maxUsageDays))
		}
	}
	u, err := s.Usage(r.Context(), httpx.Actor(r), id, days)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, u)
}
