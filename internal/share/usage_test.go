package share_test

import (
	"fmt"
	"testing"

	"pubdata/internal/apptest"
	"pubdata/internal/share"
)

func TestGatewayUsage(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		c := gwOf(t, srv, f.HRSSApp)
		spec := defaultSpec(f, item("公民身份号码", keepID), item("性别", inClear), item("户籍地", inClear))
		spec.QuotaDaily = 7
		g := issue(t, f, f.Persons, share.KindData, f.HRSSApp, spec)
		base := fmt.Sprintf("/api/v1/share/data/%d/records", g.ID)
		// 3 lookups under the scenario, 1 page of 5 rows, 1 refused, 2 under another purpose.
		for _, p := range f.People[:3] {
			c.get(recordPath(g, p.ID), 200)
		}
		c.get(base+"?limit=5", 200)
		c.refused("GET", recordPath(g, f.People[0].ID)+"?items=住址", nil, 403, "share.item.not_granted")
		c.purpose = "招聘背景调查"
		c.get(recordPath(g, f.People[4].ID), 200)
		c.refused("GET", recordPath(g, "440103199001010000"), nil, 404, "share.record.not_found")
		c.purpose = ""
		c.get(recordPath(g, f.People[5].ID), 200) // the 7th charged call (a key without a record counts)
		c.refused("GET", recordPath(g, f.People[6].ID), nil, 429, "share.quota_exhausted")

		var u share.Usage
		hrss := apptest.Login(t, srv, "gd.hrss.user")
		if st := hrss.Do("GET", fmt.Sprintf("/api/v1/share/grants/%d/usage?days=7", g.ID), nil, &u); st != 200 {
			t.Fatalf("usage: %d", st)
		}
		if u.Totals.Calls != 9 || u.Totals.OK != 7 || u.Totals.Denied != 2 || u.Totals.Rows != 3+5+1+1 || len(u.ByDay) != 7 || u.Days != 7 {
			t.Fatalf("totals %+v, %d days", u.Totals, len(u.ByDay))
		}
		today := u.ByDay[6]
		if today.Date != u.To || today.Calls != 9 || today.Charged != 7 || today.QuotaUsed != 1 {
			t.Fatalf("today %+v", today)
		}
		purposes := map[string]share.UsagePurpose{}
		for _, p := range u.ByPurpose {
			purposes[p.Purpose] = p
		}
		if p := purposes["招聘背景调查"]; p.Calls != 2 || p.WithinScenario || p.Rows != 1 {
			t.Fatalf("purpose outside the scenario: %+v", p)
		}
		if p := purposes["社保待遇资格认证"]; p.Calls != 7 || !p.WithinScenario {
			t.Fatalf("purpose of the scenario: %+v", p)
		}
		flags := map[string]share.UsageFlag{}
		for _, fl := range u.Flags {
			flags[fl.Code] = fl
		}
		if fl := flags["purpose_outside_scenario"]; fl.Purpose != "招聘背景调查" || fl.Calls != 2 {
			t.Fatalf("flags %+v", u.Flags)
		}
		if flags["quota_exhausted"].Calls != 1 {
			t.Fatalf("flags %+v", u.Flags)
		}
		actions := map[string]int64{}
		for _, a := range u.ByAction {
			actions[a.Action+"/"+a.Outcome] = a.Calls
		}
		if actions["share.gateway.lookup/ok"] != 6 || actions["share.gateway.page/ok"] != 1 || actions["share.gateway.lookup/denied"] != 2 {
			t.Fatalf("by action %v", actions)
		}
		denied := map[string]int64{}
		for _, d := range u.Denied {
			denied[d.Code] = d.Calls
		}
		if denied["share.item.not_granted"] != 1 || denied["share.quota_exhausted"] != 1 {
			t.Fatalf("denied %v", denied)
		}
		// The source and the authority see it; another agency does not.
		if st := apptest.Login(t, srv, "gd.police").Do("GET", fmt.Sprintf("/api/v1/share/grants/%d/usage", g.ID), nil, &u); st != 200 || u.Days != 30 {
			t.Fatalf("source: %d", st)
		}
		if st := apptest.Login(t, srv, "gd.reviewer").Do("GET", fmt.Sprintf("/api/v1/share/grants/%d/usage", g.ID), nil, nil); st != 200 {
			t.Fatalf("authority: %d", st)
		}
		if st := apptest.Login(t, srv, "hz.health").Do("GET", fmt.Sprintf("/api/v1/share/grants/%d/usage", g.ID), nil, nil); st != 404 {
			t.Fatalf("another agency: %d", st)
		}
		if st := hrss.Do("GET", fmt.Sprintf("/api/v1/share/grants/%d/usage?days=400", g.ID), nil, nil); st != 400 {
			t.Fatalf("days=400: %d", st)
		}
		verifyTrail(t, f.A)
	})
}
