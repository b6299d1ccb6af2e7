package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/collect"
	"pubdata/internal/ident"
	"pubdata/internal/security"
	"pubdata/internal/server"
	"pubdata/internal/share"
)

// The sharing demo (一网共享, GD-290 ch.4), made through the sharing
// service and its gateway alone, on the days it happened (the engine's
// clock, which the sharing service and its batched gateway audit follow):
//
//   - requests in every state: one with the source agency and one overdue
//     with its supervision notice; one agreed and to be fulfilled;
//     conditional ones agreed — one narrowed by the source — and fulfilled;
//     unconditional ones granted at once; one refused with its legal basis;
//     one withdrawn; a verification of not-shared data granted; a demand
//     for uncatalogued data confirmed; an offline request delivered with its
//     record; 惠州市卫生健康局 asking 广东省公安厅, filed with the Huizhou
//     and the Guangdong authorities;
//   - grants active, expired and suspended (by the provincial authority,
//     for calls outside the approved scenario), each with weeks of gateway
//     calls through the real router: lookups, pages, verifications single
//     and batch, calls under a purpose outside the scenario, keys outside a
//     row scope, an item not granted, calls refused after expiry and
//     suspension, and a rotated-out secret;
//   - use reports: one due soon (reminded), one overdue with its notice,
//     one submitted; data-error reports: one awaiting verification, one
//     fixed;
//   - application systems of the two consumers, one with a rotated secret.
//
// It keeps the consumer's demo credential (a secret is shown only at
// registration; this one is demo data) so that pubdata demo can print a
// ready-to-run curl of the gateway.

// ShareDemo is what pubdata demo prints of the sharing demo: a consumer's
// application credential and the grants and keys of two gateway calls.
type ShareDemo struct {
	Consumer     string // the consumer agency
	AppName      string // its application system
	ClientID     string
	ClientSecret string
	LookupGrant  int64  // an active data grant in API mode
	LookupKey    string // the ID number of a person in its rows
	VerifyGrant  int64  // an active verification grant of the same application
	VerifyKey    string // a key in its rows
	VerifyItem   string // the item verified
	VerifyValue  string // the value the source holds for VerifyKey
}

// Curls returns ready-to-run curl commands of the gateway served at base
// (such as http://127.0.0.1:8080): a key lookup and a verification.
func (d *ShareDemo) Curls(base string) []string {
	base = strings.TrimRight(base, "/")
	body, _ := json.Marshal(struct {
		Key    string            `json:"key"`
		Claims map[string]string `json:"claims"`
	}{d.VerifyKey, map[string]string{d.VerifyItem: d.VerifyValue}})
	return []string{
		fmt.Sprintf("curl -u %s:%s %s/api/v1/share/data/%d/records/%s", d.ClientID, d.ClientSecret, base, d.LookupGrant, d.LookupKey),
		fmt.Sprintf("curl -u %s:%s -H 'Content-Type: application/json' -d '%s' %s/api/v1/share/data/%d/verify",
			d.ClientID, d.ClientSecret, body, base, d.VerifyGrant),
	}
}

// shareDemo runs the sharing demo on a node loaded with the collection demo.
type shareDemo struct {
	ctx   context.Context
	a     *app.App
	r     *rand.Rand
	now   time.Time
	today calendar.Date
	h     http.Handler
	steps []step
	actor map[string]audit.Actor       // demo accounts by username
	sets  map[string]collect.Dataset   // published datasets (not return flows) by name
	creds map[string]share.Credentials // application credentials by consumer account
	addr  map[string]string            // the consumer systems' addresses, by account
	reqs  map[string]share.Request     // requests by story
	rows  map[string][][]string        // sample rows of datasets by story
	out   ShareDemo
}

// step is one event of the demo at its time.
type step struct {
	at   time.Time
	what string
	do   func() error
}

// loadShare runs the sharing demo; the clock is restored to time.Now.
func loadShare(ctx context.Context, a *app.App) (*ShareDemo, error) {
	defer a.Cases.SetClock(time.Now)
	now := time.Now()
	// The node's own router serves the demo's gateway calls; a copy of the
	// node whose logger keeps only warnings and errors keeps the demo's
	// hundreds of calls out of the request log (the audit trail has them).
	quiet := *a
	quiet.Log = slog.New(warnOnly{a.Log.Handler()})
	d := &shareDemo{ctx: ctx, a: a, r: rand.New(rand.NewPCG(2026, 2304)), now: now, today: calendar.DateOf(now), h: server.New(&quiet),
		actor: map[string]audit.Actor{}, sets: map[string]collect.Dataset{}, creds: map[string]share.Credentials{},
		addr: map[string]string{"gd.hrss": "10.44.3.21:52110", "hz.health": "10.44.13.8:41022"},
		reqs: map[string]share.Request{}, rows: map[string][][]string{}}
	for _, u := range []string{"gd.hrss", "gd.police", "gd.civil", "gd.reviewer", "hz.health", "hz.police"} {
		act, err := actorOf(ctx, a, u)
		if err != nil {
			return nil, err
		}
		d.actor[u] = act
	}
	sets, err := a.Collect.Datasets(ctx, audit.System(), collect.DatasetFilter{Limit: 1000})
	if err != nil {
		return nil, err
	}
	for _, ds := range sets {
		if ds.OriginID == 0 {
			d.sets[ds.Name] = ds
		}
	}
	if err := d.samples(); err != nil {
		return nil, err
	}
	d.plan()
	slices.SortStableFunc(d.steps, func(x, y step) int { return x.at.Compare(y.at) })
	for _, s := range d.steps {
		a.Cases.SetClock(func() time.Time { return s.at })
		if err := s.do(); err != nil {
			return nil, fmt.Errorf("sharing demo: %s (%s): %w", s.what, s.at.In(calendar.Shanghai).Format("2006-01-02 15:04"), err)
		}
	}
	// Today: requests past their reply deadline are overdue and noticed;
	// use reports falling due are reminded, those past due noticed.
	a.Cases.SetClock(time.Now)
	if _, err := a.Cases.MarkOverdue(ctx, time.Now()); err != nil {
		return nil, err
	}
	if err := a.Share.ScanFollowUp(ctx, time.Now()); err != nil {
		return nil, err
	}
	return &d.out, nil
}

// warnOnly passes on warnings and errors only.
type warnOnly struct{ slog.Handler }

func (w warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}

func (w warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{w.Handler.WithAttrs(as)} }
func (w warnOnly) WithGroup(name string) slog.Handler    { return warnOnly{w.Handler.WithGroup(name)} }

// wd is the nth working day before today (today for 0).
func (d *shareDemo) wd(n int) calendar.Date {
	if n == 0 {
		return d.today
	}
	return d.a.Calendar.AddWorkdays(d.today, -n)
}

// at is hh:mm on the nth working day before today; today's hours are
// squeezed into the part of the day that has passed.
func (d *shareDemo) at(n, hh, mm int) time.Time {
	day := d.wd(n).Start()
	if n == 0 {
		frac := float64(hh*60+mm) / (24 * 60)
		return day.Add(time.Duration(frac * float64(d.now.Add(-time.Minute).Sub(day))))
	}
	return day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
}

func (d *shareDemo) add(at time.Time, what string, do func() error) {
	d.steps = append(d.steps, step{at: at, what: what, do: do})
}

// dataset returns a published dataset by name.
func (d *shareDemo) dataset(name string) (collect.Dataset, error) {
	ds, ok := d.sets[name]
	if !ok {
		return ds, fmt.Errorf("the demo has no published dataset %s", name)
	}
	return ds, nil
}

// sample reads the values of items of up to n live rows of a dataset, in
// load order; with prefix, only rows whose first item starts with it.
func (d *shareDemo) sample(name string, n int, prefix string, items ...string) ([][]string, error) {
	ds, err := d.dataset(name)
	if err != nil {
		return nil, err
	}
	cols := make([]string, len(items))
	for i, it := range items {
		for _, c := range ds.Live() {
			if c.Item.Name == it {
				cols[i] = "COALESCE(CAST(" + c.Name + " AS TEXT), '')"
			}
		}
		if cols[i] == "" {
			return nil, fmt.Errorf("dataset %s has no item %s", name, it)
		}
	}
	q := `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + ds.Table + ` WHERE NOT _deleted`
	var args []any
	if prefix != "" {
		q += ` AND ` + cols[0] + ` LIKE $1`
		args = append(args, prefix+"%")
	}
	rows, err := d.a.DB.Read().QueryContext(d.ctx, q+` ORDER BY _row LIMIT `+strconv.Itoa(n), args...)
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w", name, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := make([]string, len(items))
		ptrs := make([]any, len(items))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dataset %s has no rows to sample", name)
	}
	return out, nil
}

// samples reads the keys the demo's consumers look up.
func (d *shareDemo) samples() error {
	for _, s := range []struct {
		story, dataset, prefix string // prefix: of the first item's value
		items                  []string
	}{
		{"persons", dsHousehold, "", []string{"公民身份号码", "姓名", "户籍地行政区划代码"}},
		{"huizhou", dsHousehold, "4413", []string{"户籍地行政区划代码", "公民身份号码"}}, // the cross-city grant's row scope
		{"marriage", dsMarriage, "", []string{"公民身份号码"}},
		{"firms", dsEnterprise, "", []string{"统一社会信用代码"}},
		{"hz.persons", "惠州市户籍人口信息", "", []string{"公民身份号码"}},
		{"orgs", "社会组织登记信息", "", []string{"统一社会信用代码"}},
		{"wanted", "公安重点管控人员信息", "", []string{"公民身份号码", "姓名"}},
	} {
		rows, err := d.sample(s.dataset, 60, s.prefix, s.items...)
		if err != nil {
			return err
		}
		d.rows[s.story] = rows
	}
	for _, p := range d.rows["persons"] {
		if !strings.HasPrefix(p[2], "4413") {
			d.rows["elsewhere"] = append(d.rows["elsewhere"], p)
		}
	}
	if len(d.rows["elsewhere"]) == 0 {
		return fmt.Errorf("the demo has no residents outside Huizhou")
	}
	return nil
}

// pick returns a random sample row of a story.
func (d *shareDemo) pick(story string) []string {
	rows := d.rows[story]
	return rows[d.r.IntN(len(rows))]
}

// spec is a request's spec for the demo.
func spec(items []string, purpose, scenario, duty string, mode share.Mode, end calendar.Date) share.Spec {
	sp := share.Spec{Purpose: purpose, PurposeCategory: share.PurposeDuty, Scenario: scenario, DutyBasis: duty, Mode: mode, EndDate: end.String()}
	for _, it := range items {
		sp.Items = append(sp.Items, share.GrantItem{Name: it})
	}
	return sp
}

// submit files a request of a data set's entry as the consumer and keeps it as story.
func (d *shareDemo) submit(story, consumer string, kind share.RequestKind, dataset string, sp share.Spec) func() error {
	return func() error {
		ds, err := d.dataset(dataset)
		if err != nil {
			return err
		}
		if sp.Mode != share.ModeOffline && kind != share.KindOffline {
			sp.AppID = d.creds[consumer].App.ID
		}
		r, err := d.a.Share.Submit(d.ctx, d.actor[consumer], share.RequestInput{Kind: kind, EntryID: ds.EntryID, Spec: sp})
		d.reqs[story] = r
		return err
	}
}

// decide answers a story's request as the source's officer.
func (d *shareDemo) decide(story, officer string, dec share.Decision) func() error {
	return func() error {
		r, err := d.a.Share.Decide(d.ctx, d.actor[officer], d.reqs[story].ID, dec)
		d.reqs[story] = r
		return err
	}
}

// grant is the grant of a story's request.
func (d *shareDemo) grant(story string) int64 { return d.reqs[story].GrantID }

// call is one gateway call of a consumer's application system.
type call struct {
	consumer string
	method   string
	path     string
	purpose  string // X-Share-Purpose; "" states the grant's scenario
	body     any
	secret   string // "" uses the application's current secret
	want     int    // the status the demo expects
}

// gateway makes a call through the node's router, as the consumer's system
// would over HTTP, and checks its status.
func (d *shareDemo) gateway(c call) error {
	var body *bytes.Reader
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	} else {
		body = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(d.ctx, c.method, "http://pubdata.demo"+c.path, body)
	if err != nil {
		return err
	}
	req.RemoteAddr = d.addr[c.consumer]
	cred := d.creds[c.consumer]
	secret := c.secret
	if secret == "" {
		secret = cred.ClientSecret
	}
	req.SetBasicAuth(cred.ClientID, secret)
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.purpose != "" {
		req.Header.Set("X-Share-Purpose", c.purpose)
	}
	rec := httptest.NewRecorder()
	d.h.ServeHTTP(rec, req)
	if rec.Code != c.want {
		return fmt.Errorf("gateway %s %s: status %d, want %d: %s", c.method, c.path, rec.Code, c.want, rec.Body.String())
	}
	return nil
}

// calls schedules n(day) gateway calls on every working day from the
// fromth working day before today to the toth, at working hours; mk
// builds each call when it is made. A grant's calls start the working day
// after it is issued, so that no call precedes its grant.
func (d *shareDemo) calls(what string, from, to int, n func(day int) int, mk func(day int) call) {
	for day := from; day >= to; day-- {
		k := n(day)
		for i := 0; i < k; i++ {
			hh, mm := 9+d.r.IntN(9), d.r.IntN(60)
			if hh == 12 {
				hh = 14 // lunch
			}
			day := day
			d.add(d.at(day, hh, mm), what, func() error { return d.gateway(mk(day)) })
		}
	}
}

func recordPath(grant int64, key string) string {
	return fmt.Sprintf("/api/v1/share/data/%d/records/%s", grant, key)
}

// plan lays out the demo's events; loadShare runs them in time order.
func (d *shareDemo) plan() {
	hrss, health := "gd.hrss", "hz.health"
	year := func(n int) calendar.Date { return calendar.DateOf(d.now.AddDate(n, 0, 0)) }

	// --- The applications ---
	// 社会组织登记信息 has been shared with 人社厅 for over a year: its first
	// period's use report was submitted before it fell due.
	old := calendar.DateOf(d.now.AddDate(-1, 0, -30))
	d.add(old.AddDays(-7).Start().Add(10*time.Hour), "register the HRSS application", func() error {
		c, err := d.a.Share.RegisterApp(d.ctx, d.actor[hrss], share.AppInput{Name: "广东省社会保险经办信息系统", Description: "社会保险参保登记、待遇资格认证和基金稽核"})
		d.creds[hrss] = c
		return err
	})
	d.add(d.at(45, 10, 20), "register the Huizhou health application", func() error {
		c, err := d.a.Share.RegisterApp(d.ctx, d.actor[health], share.AppInput{Name: "惠州市全民健康信息平台", Description: "出生医学证明签发、家庭医生签约服务"})
		d.creds[health] = c
		return err
	})
	var oldHealthSecret string
	d.add(d.at(3, 9, 5), "rotate the Huizhou health application's secret", func() error {
		oldHealthSecret = d.creds[health].ClientSecret
		c, err := d.a.Share.RotateSecret(d.ctx, d.actor[health], d.creds[health].App.ID)
		d.creds[health] = c
		return err
	})

	// --- Unconditional data, granted at once, with a report submitted ---
	d.add(old.Start().Add(10*time.Hour), "request 社会组织登记信息", d.submit("orgs", hrss, share.KindData, "社会组织登记信息",
		spec([]string{"统一社会信用代码", "社会组织名称", "登记状态"}, "核对参保社会组织的登记状态", "社会组织参保登记信息核验",
			"《中华人民共和国社会保险法》第五十七条", share.ModeAPI, old.AddDays(730))))
	due := calendar.DateOf(old.Start().AddDate(1, 0, 0))
	d.add(due.AddDays(-3).Start().Add(15*time.Hour), "submit the use report of 社会组织登记信息", func() error {
		fbs, err := d.a.Share.Feedback(d.ctx, d.actor[hrss], share.FeedbackFilter{GrantID: d.grant("orgs"), State: "open"})
		if err != nil {
			return err
		}
		if len(fbs) != 1 {
			return fmt.Errorf("grant %d owes %d use reports, want 1", d.grant("orgs"), len(fbs))
		}
		_, err = d.a.Share.SubmitFeedback(d.ctx, d.actor[hrss], fbs[0].ID, share.FeedbackReport{
			Scenario: "社会组织参保登记时核对登记状态，全年核验约1.2万次",
			Effect:   "发现已注销社会组织仍在参保37家，已办理注销参保登记",
			Security: "接口调用经政务外网专线，经办人员按岗位授权查询，调用日志留存三年",
		})
		return err
	})
	d.calls("look up a social organisation", 25, 0, func(int) int { return d.r.IntN(2) }, func(int) call {
		return call{consumer: hrss, method: "GET", path: recordPath(d.grant("orgs"), d.pick("orgs")[0]), want: http.StatusOK}
	})

	// 企业登记信息 for a special audit that ends in four working days: its
	// use report falls due then (reminded).
	auditEnd := d.a.Calendar.AddWorkdays(d.today, 4)
	d.add(d.at(15, 9, 40), "request 企业登记信息", d.submit("firms", hrss, share.KindData, dsEnterprise,
		spec([]string{"统一社会信用代码", "企业名称", "企业类型", "成立日期", "登记状态"}, "核对参保单位的登记状态", "参保单位登记状态专项稽核",
			"《中华人民共和国社会保险法》第五十七条、第七十九条", share.ModeAPI, auditEnd)))
	d.calls("look up an enterprise", 14, 0, func(int) int { return 1 + d.r.IntN(2) }, func(int) call {
		return call{consumer: hrss, method: "GET", path: recordPath(d.grant("firms"), d.pick("firms")[0]), want: http.StatusOK}
	})

	// --- Conditional data, expired: 婚姻登记 for a survivor-benefit review ---
	endMarriage := d.wd(11)
	d.add(d.at(50, 10, 5), "request 内地居民婚姻登记信息", d.submit("marriage", hrss, share.KindData, dsMarriage,
		spec([]string{"公民身份号码", "姓名", "婚姻登记类型", "婚姻登记日期"}, "核定遗属待遇领取人员与参保人的配偶关系", "企业职工遗属待遇资格核定",
			"《中华人民共和国社会保险法》第十七条", share.ModeAPI, endMarriage)))
	d.add(d.at(49, 15, 30), "agree to 内地居民婚姻登记信息", d.decide("marriage", "gd.civil", share.Decision{Action: "agree"}))
	d.add(d.at(48, 11, 0), "fulfil 内地居民婚姻登记信息", d.decide("marriage", "gd.civil", share.Decision{Action: "fulfil"}))
	d.calls("look up a marriage", 47, 11, func(int) int { return 1 + d.r.IntN(3) }, func(int) call {
		return call{consumer: hrss, method: "GET", path: recordPath(d.grant("marriage"), d.pick("marriage")[0]), want: http.StatusOK}
	})
	d.calls("look up a marriage after the end date", 10, 3, func(day int) int { return map[int]int{10: 2, 3: 1}[day] }, func(int) call {
		return call{consumer: hrss, method: "GET", path: recordPath(d.grant("marriage"), d.pick("marriage")[0]), want: http.StatusForbidden}
	})

	// --- Conditional data, narrowed by the source: the demo's curl ---
	d.add(d.at(30, 10, 0), "request 户籍人口基本信息 for HRSS", d.submit("household", hrss, share.KindData, dsHousehold,
		spec([]string{"公民身份号码", "姓名", "性别", "出生日期", "户籍地址", "户籍地行政区划代码", "迁入日期"}, "核验社会保险待遇领取人员的身份和户籍状态",
			"社会保险待遇资格认证", "《中华人民共和国社会保险法》第八条；《广东省公共数据管理办法》第二十三条", share.ModeAPI, year(2))))
	d.add(d.at(28, 16, 10), "agree to 户籍人口基本信息, narrowed", d.decide("household", "gd.police", share.Decision{Action: "agree", Approval: &share.Spec{
		// Least privilege (GD-290 §24): no address, no move-in date; the
		// name masked, the birth date to its month; one year, not two.
		Items: []share.GrantItem{
			{Name: "公民身份号码", Mask: security.Mask{Func: security.MaskClear}},
			{Name: "姓名", Mask: security.Mask{Func: security.MaskKeep, N: 1}},
			{Name: "性别", Mask: security.Mask{Func: security.MaskClear}},
			{Name: "出生日期", Mask: security.Mask{Func: security.MaskDate, Level: "month"}},
			{Name: "户籍地行政区划代码", Mask: security.Mask{Func: security.MaskClear}},
		},
		Scenario: "社会保险待遇资格认证（仅限核验待遇领取人员身份，不得用于其他用途）",
		EndDate:  year(1).String(),
	}}))
	d.add(d.at(27, 10, 30), "fulfil 户籍人口基本信息", d.decide("household", "gd.police", share.Decision{Action: "fulfil"}))
	d.calls("look up a person", 26, 0, func(int) int { return 2 + d.r.IntN(3) }, func(int) call {
		return call{consumer: hrss, method: "GET", path: recordPath(d.grant("household"), d.pick("persons")[0]), want: http.StatusOK}
	})
	d.calls("page through persons", 25, 1, func(day int) int { return b2i(day%6 == 0) }, func(int) call {
		return call{consumer: hrss, method: "GET", path: fmt.Sprintf("/api/v1/share/data/%d/records?limit=20", d.grant("household")), want: http.StatusOK}
	})
	d.calls("look up a person under another purpose", 19, 7, func(day int) int { return b2i(day == 19 || day == 7) }, func(int) call {
		return call{consumer: hrss, method: "GET", path: recordPath(d.grant("household"), d.pick("persons")[0]), purpose: "商业养老保险产品推荐", want: http.StatusOK}
	})
	d.calls("ask for an item not granted", 21, 21, func(int) int { return 1 }, func(int) call {
		return call{consumer: hrss, method: "GET", path: recordPath(d.grant("household"), d.pick("persons")[0]) + "?items=" + "%E6%88%B7%E7%B1%8D%E5%9C%B0%E5%9D%80", // 户籍地址
			want: http.StatusForbidden}
	})
	d.calls("look up a person without a record", 16, 4, func(day int) int { return b2i(day%6 == 4) }, func(int) call {
		return call{consumer: hrss, method: "GET", path: recordPath(d.grant("household"), d.stranger()), want: http.StatusNotFound}
	})
	// A data error awaiting verification, and one fixed.
	var fixed int64
	d.add(d.at(20, 11, 15), "report a wrong birth date", func() error {
		e, err := d.a.Share.ReportError(d.ctx, d.actor[hrss], share.ErrorInput{GrantID: d.grant("household"), RecordKey: d.pick("persons")[0], Item: "出生日期",
			Description: "待遇资格认证时发现该人员出生日期与居民身份证号码第7至14位记载不一致"})
		fixed = e.ID
		return err
	})
	d.add(d.at(18, 10, 0), "verify the wrong birth date", func() error {
		_, err := d.a.Share.DecideError(d.ctx, d.actor["gd.police"], fixed, share.ErrorDecision{Action: "verify"})
		return err
	})
	d.add(d.at(14, 16, 40), "fix the wrong birth date", func() error {
		_, err := d.a.Share.DecideError(d.ctx, d.actor["gd.police"], fixed, share.ErrorDecision{Action: "fix",
			Resolution: "经核实系历史数据迁移错误，已按户籍档案更正出生日期，随当日增量数据更新"})
		return err
	})
	d.add(d.at(2, 14, 25), "report a wrong name", func() error {
		_, err := d.a.Share.ReportError(d.ctx, d.actor[hrss], share.ErrorInput{GrantID: d.grant("household"), RecordKey: d.pick("persons")[0], Item: "姓名",
			Description: "该人员姓名中的生僻字在共享数据中与社会保障卡登记的姓名不一致，请核实"})
		return err
	})

	// --- Verification of not-shared data (GD-290 §23 para 3) ---
	d.add(d.at(26, 9, 50), "ask to verify 公安重点管控人员信息", d.submit("verify", hrss, share.KindVerify, "公安重点管控人员信息",
		spec([]string{"公民身份号码", "姓名"}, "比对待遇领取人员身份，只取比对结果", "社会保险基金反欺诈核查",
			"《社会保险基金监督举报工作管理办法》；《广东省公共数据管理办法》第二十三条第三款", share.ModeAPI, year(1))))
	d.add(d.at(24, 15, 0), "agree to the verification", d.decide("verify", "gd.police", share.Decision{Action: "agree"}))
	d.calls("verify one person", 23, 0, func(day int) int { return b2i(day%2 == 0) }, func(int) call {
		p := d.pick("wanted")
		name := p[1]
		if d.r.IntN(4) == 0 {
			name = ident.RandomChineseName(d.r) // a claim that does not match
		}
		return call{consumer: hrss, method: "POST", path: fmt.Sprintf("/api/v1/share/data/%d/verify", d.grant("verify")),
			body: map[string]any{"key": p[0], "claims": map[string]string{"姓名": name}}, want: http.StatusOK}
	})
	d.calls("verify a batch", 21, 3, func(day int) int { return b2i(day%9 == 3) }, func(int) call {
		var batch []map[string]any
		seen := map[string]bool{} // a batch may not claim one key twice
		for tries := 0; len(batch) < 5 && tries < 100; tries++ {
			p := d.pick("wanted")
			if seen[p[0]] {
				continue
			}
			seen[p[0]] = true
			batch = append(batch, map[string]any{"key": p[0], "claims": map[string]string{"姓名": p[1]}})
		}
		batch = append(batch, map[string]any{"key": d.stranger(), "claims": map[string]string{"姓名": ident.RandomChineseName(d.r)}})
		return call{consumer: hrss, method: "POST", path: fmt.Sprintf("/api/v1/share/data/%d/verify", d.grant("verify")),
			body: map[string]any{"batch": batch}, want: http.StatusOK}
	})

	// --- Cross-city: 惠州市卫生健康局 asks 广东省公安厅 (GD-290 §25, HZ §26) ---
	d.add(d.at(25, 10, 45), "request 户籍人口基本信息 for Huizhou health", d.submit("crosscity", health, share.KindData, dsHousehold, func() share.Spec {
		sp := spec([]string{"公民身份号码", "姓名", "出生日期", "户籍地行政区划代码"}, "核验新生儿父母的身份，办理出生医学证明", "出生医学证明签发身份核验",
			"《中华人民共和国母婴保健法》第二十三条；《广东省公共数据管理办法》第二十三条", share.ModeAPI, year(1))
		sp.RowScope = share.RowScope{Item: "户籍地行政区划代码", Region: "441300"}
		return sp
	}()))
	d.add(d.at(23, 11, 20), "agree to Huizhou health's request", d.decide("crosscity", "gd.police", share.Decision{Action: "agree"}))
	d.add(d.at(22, 9, 30), "fulfil Huizhou health's request", d.decide("crosscity", "gd.police", share.Decision{Action: "fulfil"}))
	d.calls("look up a Huizhou resident", 21, 0, func(int) int { return 1 + d.r.IntN(3) }, func(int) call {
		return call{consumer: health, method: "GET", path: recordPath(d.grant("crosscity"), d.pick("huizhou")[1]), want: http.StatusOK}
	})
	d.calls("look up a resident of another city", 20, 2, func(day int) int { return b2i(day%5 == 0) }, func(int) call {
		return call{consumer: health, method: "GET", path: recordPath(d.grant("crosscity"), d.pick("elsewhere")[0]), want: http.StatusNotFound}
	}) // answered like a key without a record, audited as out of scope
	d.calls("call with the secret rotated out", 1, 1, func(int) int { return 1 }, func(int) call {
		return call{consumer: health, method: "GET", path: recordPath(d.grant("crosscity"), d.pick("huizhou")[1]), secret: oldHealthSecret, want: http.StatusUnauthorized}
	})

	// --- Suspended: Huizhou data used outside its scenario (HZ §25) ---
	d.add(d.at(24, 14, 10), "request 惠州市户籍人口信息", d.submit("suspended", health, share.KindData, "惠州市户籍人口信息",
		spec([]string{"公民身份号码", "姓名", "户籍地址", "迁入日期"}, "核验家庭医生签约居民的户籍", "家庭医生签约服务居民身份核验",
			"《中华人民共和国基本医疗卫生与健康促进法》第三十一条", share.ModeAPI, year(1))))
	d.add(d.at(23, 10, 0), "agree to 惠州市户籍人口信息", d.decide("suspended", "hz.police", share.Decision{Action: "agree"}))
	d.add(d.at(22, 15, 45), "fulfil 惠州市户籍人口信息", d.decide("suspended", "hz.police", share.Decision{Action: "fulfil"}))
	d.calls("look up a Huizhou household", 21, 5, func(int) int { return 1 + d.r.IntN(2) }, func(int) call {
		return call{consumer: health, method: "GET", path: recordPath(d.grant("suspended"), d.pick("hz.persons")[0]), want: http.StatusOK}
	})
	d.calls("look up a Huizhou household for marketing", 12, 5, func(day int) int { return b2i(day%2 == 0) * 2 }, func(int) call {
		return call{consumer: health, method: "GET", path: recordPath(d.grant("suspended"), d.pick("hz.persons")[0]), purpose: "健康体检套餐营销回访", want: http.StatusOK}
	})
	d.add(d.at(4, 9, 15), "suspend 惠州市户籍人口信息", func() error {
		_, err := d.a.Share.Suspend(d.ctx, d.actor["gd.reviewer"], d.grant("suspended"),
			"使用情况报告显示多次以“健康体检套餐营销回访”为目的调用，超出核定的“家庭医生签约服务居民身份核验”场景（HZ §25、GD-290 §24），暂停授权，整改后申请恢复")
		return err
	})
	d.calls("look up a Huizhou household while suspended", 3, 0, func(int) int { return 1 }, func(int) call {
		return call{consumer: health, method: "GET", path: recordPath(d.grant("suspended"), d.pick("hz.persons")[0]), want: http.StatusForbidden}
	})

	// --- Offline: storage media, delivered with its record (JM §15, GD-290 §23 para 4) ---
	d.add(d.at(20, 10, 10), "request 社会保障卡信息 offline", d.submit("offline", "gd.civil", share.KindOffline, "社会保障卡信息", func() share.Spec {
		sp := spec([]string{"公民身份号码", "姓名", "社会保障卡卡号", "卡状态"}, "向困难群众发放临时救助金前核对社会保障卡账户", "社会救助资金社会保障卡发放",
			"《社会救助暂行办法》第九条；《广东省公共数据管理办法》第二十三条第四款", share.ModeOffline, d.today.AddDays(183))
		sp.OfflineMethod = "storage_media"
		return sp
	}()))
	d.add(d.at(18, 16, 0), "agree to the offline request", d.decide("offline", hrss, share.Decision{Action: "agree"}))
	d.add(d.at(17, 10, 30), "fulfil the offline request", d.decide("offline", hrss, share.Decision{Action: "fulfil"}))
	d.add(d.at(16, 15, 20), "record the offline delivery", func() error {
		r, err := d.a.Share.RecordDelivery(d.ctx, d.actor[hrss], d.reqs["offline"].ID, share.OfflineRecord{DeliveredOn: d.wd(16).String(),
			Carrier: "国密加密移动硬盘 YP-0173（专人送达）", Receiver: "省民政厅社会救助处 " + ident.RandomChineseName(d.r), Rows: d.sets["社会保障卡信息"].RowCount,
			Note: "介质使用后由接收方登记销毁"})
		d.reqs["offline"] = r
		return err
	})

	// --- Requests still open, refused or withdrawn ---
	d.add(d.at(12, 9, 20), "request 收养登记信息", d.submit("refused", hrss, share.KindData, "收养登记信息",
		spec([]string{"收养人公民身份号码", "收养人姓名", "被收养人姓名"}, "核定参保职工被收养子女的医疗保险待遇", "职工子女医疗保险待遇核定",
			"《中华人民共和国社会保险法》第二十三条", share.ModeAPI, year(1))))
	d.add(d.at(10, 17, 5), "refuse 收养登记信息", d.decide("refused", "gd.civil", share.Decision{Action: "refuse",
		LegalBasis: "《中华人民共和国民法典》第一千一百一十条：收养人、送养人要求保守收养秘密的，其他人应当尊重其意愿，不得泄露；待遇核定可凭户口簿记载的亲属关系办理"}))
	d.add(d.at(9, 11, 0), "request 机动车登记信息", d.submit("withdrawn", health, share.KindData, "机动车登记信息",
		spec([]string{"号牌号码", "所有人姓名", "所有人证件号码"}, "核验院前急救车辆的登记信息", "院前急救车辆管理", "《院前医疗急救管理办法》第十七条",
			share.ModeAPI, year(1))))
	d.add(d.at(8, 9, 40), "withdraw 机动车登记信息", func() error {
		r, err := d.a.Share.Withdraw(d.ctx, d.actor[health], d.reqs["withdrawn"].ID)
		d.reqs["withdrawn"] = r
		return err
	})
	// With the source past its reply deadline: overdue, noticed at the end.
	d.add(d.at(8, 15, 10), "request 最低生活保障对象信息", d.submit("overdue", hrss, share.KindData, "最低生活保障对象信息",
		spec([]string{"公民身份号码", "姓名", "保障起始日期"}, "核定低保对象城乡居民养老保险费代缴资格", "困难群体城乡居民养老保险费代缴",
			"《国务院关于建立统一的城乡居民基本养老保险制度的意见》", share.ModeAPI, year(1))))
	d.add(d.at(6, 10, 25), "demand uncatalogued data", func() error {
		sp := spec(nil, "出生医学证明签发后核验新生儿户口登记情况", "出生一件事联办", "《广东省公共数据管理办法》第二十二条", share.ModeAPI, year(1))
		sp.AppID = d.creds[health].App.ID
		r, err := d.a.Share.Submit(d.ctx, d.actor[health], share.RequestInput{Kind: share.KindUncatalogued, SourceAgencyID: d.actor["hz.police"].AgencyID,
			Demand: "惠州市新生儿出生登记（户口登记）信息：新生儿姓名、出生日期、出生医学证明编号、监护人公民身份号码、登记日期", Spec: sp})
		d.reqs["uncatalogued"] = r
		return err
	})
	d.add(d.at(4, 16, 30), "confirm the uncatalogued demand", d.decide("uncatalogued", "hz.police", share.Decision{Action: "confirm"}))
	d.add(d.at(2, 10, 50), "request 户口注销信息", d.submit("agreed", hrss, share.KindData, "户口注销信息",
		spec([]string{"公民身份号码", "姓名", "户口注销原因", "注销日期"}, "及时停发死亡人员的养老保险待遇", "养老保险待遇领取人员死亡停发核查",
			"《中华人民共和国社会保险法》第十六条", share.ModeAPI, year(1))))
	d.add(d.at(1, 14, 0), "agree to 户口注销信息", d.decide("agreed", "gd.police", share.Decision{Action: "agree"}))
	d.add(d.at(0, 9, 30), "request 惠州市居住证信息", d.submit("requested", health, share.KindData, "惠州市居住证信息",
		spec([]string{"公民身份号码", "姓名", "居住证号码"}, "核验居住证持有人享受基本公共卫生服务的资格", "居住证持有人基本公共卫生服务",
			"《居住证暂行条例》第十二条", share.ModeAPI, year(1))))

	// What pubdata demo prints.
	d.add(d.now.Add(-time.Second), "keep the demo credential", func() error {
		p, v := d.pick("persons"), d.pick("wanted")
		d.out = ShareDemo{Consumer: "广东省人力资源和社会保障厅", AppName: d.creds[hrss].App.Name, ClientID: d.creds[hrss].ClientID, ClientSecret: d.creds[hrss].ClientSecret,
			LookupGrant: d.grant("household"), LookupKey: p[0], VerifyGrant: d.grant("verify"), VerifyKey: v[0], VerifyItem: "姓名", VerifyValue: v[1]}
		return nil
	})
}

// stranger returns a valid ID number of no one in the demo's population.
func (d *shareDemo) stranger() string {
	// Born in 1900: the population is younger.
	return ident.GenerateResidentID(d.r, "440103", time.Date(1900, 1, 1+d.r.IntN(28), 0, 0, 0, 0, time.UTC), d.r.IntN(2) == 0)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
