package share_test

import (
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
