package share_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/share"
)

func TestGatewayVerify(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		srv := apptest.Server(t, f.A)
		c := gwOf(t, srv, f.HRSSApp)
		// Wanted is not shared: the consumer may only verify (GD-290 §23 para 3).
		spec := defaultSpec(f, item("姓名", keepName), item("出生日期", year), item("户籍地", inClear))
		g := issue(t, f, f.Wanted, share.KindVerify, f.HRSSApp, spec)
		if g.Kind != share.GrantVerify {
			t.Fatalf("grant kind %s", g.Kind)
		}
		path := fmt.Sprintf("/api/v1/share/data/%d/verify", g.ID)
		post := func(body any) (int, string, []byte) {
			t.Helper()
			b, _ := json.Marshal(body)
			res, out := c.do("POST", path, b)
			return res.StatusCode, res.Header.Get("X-Problem-Code"), out
		}
		p, q := f.People[0], f.People[1]
		var single share.VerifyResult
		gwAudited(t, f.A, g.ID, "share.gateway.verify", audit.OK, "社保待遇资格认证", "", func() {
			st, _, b := post(map[string]any{"key": p.ID, "claims": map[string]string{"姓名": " " + p.Name + " ", "出生日期": p.Birth}})
			if st != 200 {
				t.Fatalf("verify: %d %s", st, b)
			}
			decodeJSON(t, b, &single)
		})
		if single.Result != share.VerifyMatch || single.Fields["姓名"] != "match" || single.Fields["出生日期"] != "match" || single.Index != nil {
			t.Fatalf("verify %+v", single)
		}
		st, _, b := post(map[string]any{"key": p.ID, "claims": map[string]string{"姓名": q.Name}})
		single = share.VerifyResult{}
		decodeJSON(t, b, &single)
		if st != 200 || single.Result != share.VerifyNoMatch || single.Fields["姓名"] != "no_match" || strings.Contains(string(b), p.Name) {
			t.Fatalf("wrong name: %d %s", st, b)
		}
		// Not in Wanted (only the first 10 persons are): no record.
		st, _, b = post(map[string]any{"key": f.People[20].ID, "claims": map[string]string{"姓名": f.People[20].Name}})
		single = share.VerifyResult{}
		decodeJSON(t, b, &single)
		if st != 200 || single.Result != share.VerifyNoRecord || single.Fields != nil {
			t.Fatalf("no record: %d %s", st, b)
		}
		// Claims only on the grant's items.
		gwAudited(t, f.A, g.ID, "share.gateway.verify", audit.Denied, "社保待遇资格认证", "share.item.not_granted", func() {
			if st, code, b := post(map[string]any{"key": p.ID, "claims": map[string]string{"手机号码": p.Mobile}}); st != 403 || code != "share.item.not_granted" {
				t.Fatalf("claim on an item not granted: %d %s", st, b)
			}
		})
		if st, code, _ := post(map[string]any{"key": p.ID}); st != 400 || code != "share.verify.claims" {
			t.Fatalf("no claims: %d %s", st, code)
		}
		if st, code, _ := post(map[string]any{"key": p.ID, "claims": map[string]string{"姓名": "x"}, "extra": 1}); st != 400 || code != "request.unknown_field" {
			t.Fatalf("unknown field: %d %s", st, code)
		}

		// A batch, in order, never returning data.
		batch := []map[string]any{}
		want := []string{}
		for i, r := range f.People[:12] {
			name := r.Name
			res := "match"
			switch {
			case i >= 10:
				res = "no_record"
			case i%3 == 1:
				name, res = "欧阳某某", "no_match"
			}
			key := r.ID
			if strings.HasSuffix(key, "X") {
				key = key[:17] + "x"
			}
			batch = append(batch, map[string]any{"key": key, "claims": map[string]string{"姓名": name}})
			want = append(want, res)
		}
		var out share.VerifyBatch
		e := gwAudited(t, f.A, g.ID, "share.gateway.verify", audit.OK, "社保待遇资格认证", "", func() {
			st, _, b := post(map[string]any{"batch": batch})
			if st != 200 {
				t.Fatalf("batch: %d %s", st, b)
			}
			for _, r := range f.People[:12] {
				if strings.Contains(string(b), r.Name) || strings.Contains(string(b), r.Birth) {
					t.Fatalf("batch answer holds data: %s", b)
				}
			}
			decodeJSON(t, b, &out)
		})
		if out.Count != 12 || out.Summary["no_record"] != 2 {
			t.Fatalf("batch %+v", out)
		}
		for i, r := range out.Results {
			if *r.Index != i || r.Result != want[i] {
				t.Fatalf("result %d: %+v, want %s", i, r, want[i])
			}
		}
		if !strings.Contains(e.Detail, `"checks":12`) || !strings.Contains(e.Detail, `"found":10`) || !strings.Contains(e.Detail, `"claims":["姓名"]`) {
			t.Fatalf("detail %s", e.Detail)
		}
		// The profile's share.verify.batch_max (1000) bounds a batch.
		big := make([]map[string]any, 1001)
		for i := range big {
			big[i] = batch[0]
		}
		if st, code, _ := post(map[string]any{"batch": big}); st != 400 || code != "share.verify.batch_max" {
			t.Fatalf("batch over the maximum: %d %s", st, code)
		}
		// A bad claim in a batch names its row.
		if st, code, b := post(map[string]any{"batch": []map[string]any{batch[0], {"key": p.ID, "claims": map[string]string{}}}}); st != 400 || code != "share.verify.claims" || !strings.Contains(string(b), `"row":2`) {
			t.Fatalf("bad batch row: %d %s %s", st, code, b)
		}
		// A verification grant gives no records.
		c.refused("GET", recordPath(g, p.ID), nil, 403, "share.grant.mode")
		verifyTrail(t, f.A)
	})
}

// TestGatewayVerifyCharged: verification is no cheap oracle. Each claim of
// a batch counts as one call against the quota and the rate, recorded in
// the audit detail so that a restarted node counts it back; a batch that
// does not fit what is left is refused without answering any claim; a
// batch may not try one item of one key twice.
func TestGatewayVerifyCharged(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		srv := apptest.Server(t, f.A)
		c := gwOf(t, srv, f.HRSSApp)
		spec := defaultSpec(f, item("姓名", keepName), item("手机号码", keepID))
		spec.QuotaDaily = 10
		g := issue(t, f, f.Wanted, share.KindVerify, f.HRSSApp, spec)
		path := fmt.Sprintf("/api/v1/share/data/%d/verify", g.ID)
		post := func(body any) (int, string, []byte) {
			t.Helper()
			b, _ := json.Marshal(body)
			res, out := c.do("POST", path, b)
			return res.StatusCode, res.Header.Get("X-Problem-Code"), out
		}
		claims := func(people []person, item string) []map[string]any {
			var out []map[string]any
			for _, p := range people {
				out = append(out, map[string]any{"key": p.ID, "claims": map[string]string{item: map[string]string{"姓名": p.Name, "手机号码": p.Mobile}[item]}})
			}
			return out
		}
		const scenario = "社保待遇资格认证"

		// Guessing one item of one key in a batch: refused, naming the rows,
		// however the key is spelt.
		p := f.People[0]
		guesses := []map[string]any{
			{"key": p.ID, "claims": map[string]string{"手机号码": p.Mobile[:8] + "000"}},
			{"key": p.ID, "claims": map[string]string{"姓名": p.Name}},
			{"key": " " + p.ID + " ", "claims": map[string]string{"手机号码": p.Mobile[:8] + "001"}},
			{"key": p.ID, "claims": map[string]string{"手机号码": p.Mobile[:8] + "002", "姓名": "张三"}},
		}
		gwAudited(t, f.A, g.ID, "share.gateway.verify", audit.Denied, scenario, "share.verify.repeated", func() {
			st, code, b := post(map[string]any{"batch": guesses})
			var pr struct {
				Errors []struct {
					Field string `json:"field"`
					Row   int    `json:"row"`
				} `json:"errors"`
			}
			decodeJSON(t, b, &pr)
			if st != 400 || code != "share.verify.repeated" || len(pr.Errors) != 3 || strings.Contains(string(b), "match") {
				t.Fatalf("repeated claims: %d %s %s", st, code, b)
			}
			want := []string{"3 batch[2].claims.手机号码", "4 batch[3].claims.姓名", "4 batch[3].claims.手机号码"}
			for i, e := range pr.Errors {
				if got := fmt.Sprintf("%d %s", e.Row, e.Field); got != want[i] {
					t.Errorf("error %d names %s, want %s", i, got, want[i])
				}
			}
		})

		// A batch of 4 is charged 4 units.
		e := gwAudited(t, f.A, g.ID, "share.gateway.verify", audit.OK, scenario, "", func() {
			if st, _, b := post(map[string]any{"batch": claims(f.People[:4], "姓名")}); st != 200 {
				t.Fatalf("batch of 4: %d %s", st, b)
			}
		})
		if !strings.HasPrefix(e.Detail, `{"quota":4,`) || !strings.Contains(e.Detail, `"checks":4`) {
			t.Fatalf("detail %s", e.Detail)
		}
		// 6 units are left: a batch of 7 is refused, answering nothing.
		gwAudited(t, f.A, g.ID, "share.gateway.verify", audit.Denied, scenario, "share.quota_exhausted", func() {
			st, code, b := post(map[string]any{"batch": claims(f.People[:7], "手机号码")})
			if st != 429 || code != "share.quota_exhausted" || strings.Contains(string(b), "results") {
				t.Fatalf("batch over the quota left: %d %s %s", st, code, b)
			}
		})
		// After a restart the 4 units are counted back from the trail: a
		// batch of 6 fits, one more claim does not.
		f.A.Share.ForgetLimitsForTest()
		if st, _, b := post(map[string]any{"batch": claims(f.People[:6], "手机号码")}); st != 200 {
			t.Fatalf("batch of 6: %d %s", st, b)
		}
		f.A.Share.ForgetLimitsForTest()
		if st, code, b := post(map[string]any{"key": p.ID, "claims": map[string]string{"姓名": p.Name}}); st != 429 || code != "share.quota_exhausted" {
			t.Fatalf("over the quota: %d %s", st, b)
		}
		u, err := f.A.Share.Usage(ctx, actor(t, f.A, "gd.hrss"), g.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if u.ByDay[0].Charged != 10 || u.Totals.Checks != 10 {
			t.Fatalf("usage: charged %d, checks %d, want 10 and 10", u.ByDay[0].Charged, u.Totals.Checks)
		}

		// The rate: each claim takes a token.
		spec = defaultSpec(f, item("姓名", keepName))
		spec.RatePerMinute = 10
		r := issue(t, f, f.Wanted, share.KindVerify, f.HRSSApp, spec)
		path = fmt.Sprintf("/api/v1/share/data/%d/verify", r.ID)
		more := append(claims(f.People[:10], "姓名"), map[string]any{"key": f.People[10].ID, "claims": map[string]string{"姓名": "x"}})
		if st, code, b := post(map[string]any{"batch": more}); st != 400 || code != "share.verify.batch_rate" {
			t.Fatalf("a batch over the rate: %d %s %s", st, code, b)
		}
		// That call took its token: 9 are left, for a batch of 9.
		if st, code, b := post(map[string]any{"batch": claims(f.People[:9], "姓名")}); st != 200 {
			t.Fatalf("batch of 9: %d %s %s", st, code, b)
		}
		if st, code, b := post(map[string]any{"batch": claims(f.People[:2], "姓名")}); st != 429 || code != "share.rate_limited" {
			t.Fatalf("the bucket is empty: %d %s %s", st, code, b)
		}
		u, err = f.A.Share.Usage(ctx, actor(t, f.A, "gd.hrss"), r.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if u.ByDay[0].Charged != 9 {
			t.Fatalf("refused batches were charged: %d units", u.ByDay[0].Charged)
		}
		verifyTrail(t, f.A)
	})
}
