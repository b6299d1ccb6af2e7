package share_test

// Regression tests for the review of the sharing service (findings 3, 5,
// 7, 8, 11, 12, 14, 16 and 17), each on SQLite and PostgreSQL.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/ident"
	"pubdata/internal/security"
	"pubdata/internal/share"
	"pubdata/internal/store"
)

// fixLookup looks a key up through the gateway as the application and
// returns the status and the problem code.
func fixLookup(t *testing.T, srv *httptest.Server, cred share.Credentials, grantID int64, key string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/share/data/%d/records/%s", srv.URL, grantID, key), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(cred.ClientID, cred.ClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("X-Problem-Code")
}

// fixGrant issues a grant of Persons-like items to the consumer's application.
func fixGrant(t *testing.T, f *fixture, ds collect.Dataset, kind share.RequestKind, consumer share.Credentials, scope share.RowScope) share.Grant {
	t.Helper()
	clear := security.Mask{Func: security.MaskClear}
	sp := share.Spec{Items: []share.GrantItem{{Name: "公民身份号码", Mask: clear}, {Name: "姓名", Mask: clear}, {Name: "户籍地", Mask: clear}},
		Purpose: "核验参保人身份", PurposeCategory: share.PurposeDuty, Scenario: "社保待遇资格认证", DutyBasis: "《社会保险法》",
		Mode: share.ModeAPI, EndDate: "2099-12-31", RowScope: scope}
	return issue(t, f, ds, kind, consumer, sp)
}

// fixTrail lists the audit entries of an action (prefix), newest first.
func fixTrail(t *testing.T, a *app.App, action string) []audit.Entry {
	t.Helper()
	es, err := a.Trail.List(context.Background(), audit.Filter{Action: action, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// codeOf is the code of an application error (the first of a list).
func codeOf(err error) string {
	var l apperr.List
	if errors.As(err, &l) && len(l) > 0 {
		return l[0].Code
	}
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}

// findErr returns the error of a code in err (a list or one error).
func findErr(err error, code string) *apperr.Error {
	var l apperr.List
	if errors.As(err, &l) {
		for _, e := range l {
			if e.Code == code {
				return e
			}
		}
		return nil
	}
	if e, ok := apperr.As(err); ok && e.Code == code {
		return e
	}
	return nil
}

// Finding 3: a disable or a rotation made on one node reaches another
// node's credential cache within grantTTL; before, node B kept accepting
// the old secret of a disabled application until it restarted.
func TestFixAppCacheAcrossNodes(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		b, err := app.Open(ctx, f.A.Cfg) // a second node on the same database
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		clock := &fakeClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
		b.Cases.SetClock(func() time.Time { return clock.now })

		old := f.HRSSApp
		if _, err := b.Share.Authenticate(ctx, old.ClientID, old.ClientSecret); err != nil {
			t.Fatalf("node B, before any change: %v", err)
		}
		hrss := actor(t, f.A, "gd.hrss")
		rotated, err := f.A.Share.RotateSecret(ctx, hrss, old.App.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.A.Share.SetAppDisabled(ctx, hrss, old.App.ID, true); err != nil {
			t.Fatal(err)
		}
		clock.now = clock.now.Add(31 * time.Second) // past grantTTL
		for name, secret := range map[string]string{"old secret": old.ClientSecret, "new secret": rotated.ClientSecret} {
			if _, err := b.Share.Authenticate(ctx, old.ClientID, secret); apperr.KindOf(err) != apperr.Unauthorized {
				t.Errorf("node B, disabled application, %s: %v, want refused", name, err)
			}
		}
		if _, err := f.A.Share.SetAppDisabled(ctx, hrss, old.App.ID, false); err != nil {
			t.Fatal(err)
		}
		clock.now = clock.now.Add(31 * time.Second)
		if _, err := b.Share.Authenticate(ctx, old.ClientID, rotated.ClientSecret); err != nil {
			t.Fatalf("node B, re-enabled application, new secret: %v", err)
		}
	})
}

// Finding 5: an error report checks the record within the grant's row
// scope and answers an out-of-scope key as a missing one; it refuses
// suspended and revoked grants; every refusal is audited with its code.
func TestFixErrorReportScopeAndGrantState(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		g := fixGrant(t, f, f.Persons, share.KindData, f.HRSSApp, share.RowScope{Item: "户籍地", Region: "441300"})
		hrss := actor(t, f.A, "gd.hrss")
		var inside, outside string
		for _, p := range f.People {
			switch {
			case p.Region == "441302" && inside == "":
				inside = p.ID
			case p.Region == "440103" && outside == "":
				outside = p.ID
			}
		}
		report := func(key string) error {
			_, err := f.A.Share.ReportError(ctx, hrss, share.ErrorInput{GrantID: g.ID, RecordKey: key, Item: "姓名", Description: "姓名有误"})
			return err
		}
		denied := func() []audit.Entry {
			var out []audit.Entry
			for _, e := range fixTrail(t, f.A, "share.error.report") {
				if e.Outcome == audit.Denied {
					out = append(out, e)
				}
			}
			return out
		}

		errOut, errMissing := report(outside), report("440103199001010000")
		eo, em := findErr(errOut, "share.error.record_key"), findErr(errMissing, "share.error.record_key")
		if eo == nil || em == nil {
			t.Fatalf("out of scope: %v; missing: %v; want share.error.record_key for both", errOut, errMissing)
		}
		if *eo != *em {
			t.Fatalf("an out-of-scope key is told apart from a missing one:\n%+v\n%+v", eo, em)
		}
		ds := denied()
		if len(ds) != 2 || !strings.Contains(ds[0].Detail, "share.error.record_key") || ds[0].ObjectID != strconv.FormatInt(g.ID, 10) {
			t.Fatalf("refused reports audited as %+v, want two denied entries with the code", ds)
		}
		if err := report(inside); err != nil {
			t.Fatalf("a key within the scope: %v", err)
		}

		if _, err := f.A.Share.Suspend(ctx, actor(t, f.A, "gd.reviewer"), g.ID, "超范围使用"); err != nil {
			t.Fatal(err)
		}
		if err := report(inside); codeOf(err) != "share.grant.suspended" || apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("through a suspended grant: %v", err)
		}
		if ds := denied(); len(ds) != 3 || !strings.Contains(ds[0].Detail, "share.grant.suspended") {
			t.Fatalf("the refusal on a suspended grant is not audited with its code: %+v", ds)
		}
		if _, err := f.A.Share.Revoke(ctx, hrss, g.ID, "不再需要"); err != nil {
			t.Fatal(err)
		}
		if err := report(inside); codeOf(err) != "share.grant.revoked" {
			t.Fatalf("through a revoked grant: %v", err)
		}
	})
}

// Finding 7: an authority that holds a grant for an enterprise (GD-290
// §26) submits its use report, reports data errors and gives the grant up.
func TestFixAuthorityConsumerFollowUp(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		rv := actor(t, f.A, "gd.reviewer")
		cred, err := f.A.Share.RegisterApp(ctx, rv, share.AppInput{Name: "惠企政策兑现系统"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.A.Share.Submit(ctx, rv, share.RequestInput{Kind: share.KindData, EntryID: f.Stats.EntryID, Spec: share.Spec{
			Items: []share.GrantItem{{Name: "统计编号"}, {Name: "户籍人口数"}}, Purpose: "惠企政策兑现", PurposeCategory: share.PurposePolicy,
			Scenario: "惠企政策免申即享", DutyBasis: "GD-290 §26", Mode: share.ModeAPI, EndDate: "2099-12-31", AppID: cred.App.ID,
			RecipientKind: share.RecipientEnterprise, RecipientName: "广东某某供电有限公司", RecipientCode: ident.RandomCreditCode(rand.New(rand.NewPCG(1, 2)), "440000")}})
		if err != nil || r.GrantID == 0 {
			t.Fatalf("the authority's request for an enterprise: %+v %v", r, err)
		}
		fs := feedbackOf(t, f.A, "gd.reviewer", r.GrantID)
		if len(fs) == 0 {
			t.Fatal("no use report is owed on the authority's grant")
		}
		if _, err := f.A.Share.SubmitFeedback(ctx, rv, fs[0].ID, share.FeedbackReport{Scenario: "惠企政策免申即享", Effect: "免申兑现", Security: "专网"}); err != nil {
			t.Errorf("the authority submits its use report: %v", err)
		}
		if _, err := f.A.Share.ReportError(ctx, rv, share.ErrorInput{GrantID: r.GrantID, RecordKey: "S2026-440100", Item: "户籍人口数", Description: "人口数有误"}); err != nil {
			t.Errorf("the authority reports a data error: %v", err)
		}
		// Another authority's reviewer is not the consumer.
		if _, err := f.A.Share.Revoke(ctx, actor(t, f.A, "hz.reviewer"), r.GrantID, "x"); err == nil {
			t.Fatal("an authority that does not hold the grant revoked it")
		}
		g, err := f.A.Share.Revoke(ctx, rv, r.GrantID, "政策兑现完毕")
		if err != nil || g.State != share.GrantRevoked {
			t.Fatalf("the authority gives its grant up: %+v %v", g, err)
		}
	})
}

// republish publishes a new version of the entry of ds with its metadata
// changed by change, as its officer and the reviewer.
func republish(t *testing.T, a *app.App, officer, reviewer string, ds collect.Dataset, change func(m *catalog.Metadata)) {
	t.Helper()
	ctx := context.Background()
	o := actor(t, a, officer)
	if _, err := a.Catalog.NewVersion(ctx, o, ds.EntryID); err != nil {
		t.Fatalf("new version: %v", err)
	}
	_, vs, err := a.Catalog.Get(ctx, o, ds.EntryID)
	if err != nil {
		t.Fatal(err)
	}
	latest := vs[0]
	for _, v := range vs {
		if v.Version > latest.Version {
			latest = v
		}
	}
	m := latest.Metadata
	change(&m)
	if _, err := a.Catalog.Update(ctx, o, ds.EntryID, m); err != nil {
		t.Fatalf("update: %v", err)
	}
	if _, err := a.Catalog.Submit(ctx, o, ds.EntryID); err != nil {
		t.Fatalf("submit: %v", err)
	}
	if _, err := a.Catalog.Review(ctx, actor(t, a, reviewer), ds.EntryID, "approve", ""); err != nil {
		t.Fatalf("approve: %v", err)
	}
}

// grantState reads a grant's state and its last event as the consumer sees them.
func grantState(t *testing.T, a *app.App, username string, id int64) (share.GrantState, share.GrantEvent) {
	t.Helper()
	g, evs, err := a.Share.Grant(context.Background(), actor(t, a, username), id)
	if err != nil {
		t.Fatal(err)
	}
	return g.State, evs[len(evs)-1]
}

// Finding 8: delisting an entry, or republishing it as not shared, ends its
// data grants in force in that transaction, with an event, an audit entry
// and a notice to the consumer; the gateway refuses them from the next
// call on. Verification grants stay, and a republication that keeps the
// entry shared leaves the grants alone.
func TestFixWithdrawnEntryEndsGrants(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		srv := apptest.Server(t, f.A)
		p := f.People[0]

		t.Run("republished, still conditional", func(t *testing.T) {
			g := fixGrant(t, f, f.HZPersons, share.KindData, f.HealthApp, share.RowScope{})
			republish(t, f.A, "hz.police", "hz.reviewer", f.HZPersons, func(m *catalog.Metadata) { m.Summary += "（修订）" })
			if st, _ := grantState(t, f.A, "hz.health", g.ID); st != share.GrantActive {
				t.Fatalf("a conditional → conditional republication changed the grant: %s", st)
			}
			if st, code := fixLookup(t, srv, f.HealthApp, g.ID, p.ID); st != 200 {
				t.Fatalf("lookup after a republication that keeps sharing: %d %s", st, code)
			}
		})

		t.Run("delisted", func(t *testing.T) {
			g := fixGrant(t, f, f.Persons, share.KindData, f.HRSSApp, share.RowScope{})
			sus := fixGrant(t, f, f.Persons, share.KindData, f.HRSSApp, share.RowScope{})
			ver := fixGrant(t, f, f.Persons, share.KindVerify, f.HRSSApp, share.RowScope{})
			if _, err := f.A.Share.Suspend(ctx, actor(t, f.A, "gd.reviewer"), sus.ID, "超范围使用"); err != nil {
				t.Fatal(err)
			}
			if st, code := fixLookup(t, srv, f.HRSSApp, g.ID, p.ID); st != 200 {
				t.Fatalf("lookup before delisting: %d %s", st, code) // the grant is now cached
			}
			notices := len(noticesAgainst(t, f.A, "gd.hrss", "grant_revoked"))
			if _, err := f.A.Catalog.Delist(ctx, actor(t, f.A, "gd.police"), f.Persons.EntryID, "数据已迁移至新系统"); err != nil {
				t.Fatal(err)
			}
			for _, id := range []int64{g.ID, sus.ID} {
				st, ev := grantState(t, f.A, "gd.hrss", id)
				if st != share.GrantRevoked || ev.Action != "revoke" || !strings.Contains(ev.Reason, "数据已迁移至新系统") {
					t.Fatalf("grant %d after delisting: %s, last event %+v", id, st, ev)
				}
			}
			if st, _ := grantState(t, f.A, "gd.hrss", ver.ID); st != share.GrantActive {
				t.Fatalf("the verification grant was ended too: %s", st)
			}
			if st, code := fixLookup(t, srv, f.HRSSApp, g.ID, p.ID); st != http.StatusForbidden || code != "share.grant.revoked" {
				t.Fatalf("lookup after delisting: %d %s, want 403 share.grant.revoked", st, code)
			}
			if n := len(noticesAgainst(t, f.A, "gd.hrss", "grant_revoked")); n != notices+2 {
				t.Fatalf("%d revocation notices to the consumer, want %d", n, notices+2)
			}
			var audited []string
			for _, e := range fixTrail(t, f.A, "share.grant.revoke") {
				audited = append(audited, e.ObjectID)
			}
			if !slices.Contains(audited, strconv.FormatInt(g.ID, 10)) || !slices.Contains(audited, strconv.FormatInt(sus.ID, 10)) {
				t.Fatalf("revocations audited for grants %v", audited)
			}
		})

		t.Run("republished as not shared", func(t *testing.T) {
			g := fixGrant(t, f, f.HZPersons, share.KindData, f.HealthApp, share.RowScope{})
			if st, code := fixLookup(t, srv, f.HealthApp, g.ID, p.ID); st != 200 {
				t.Fatalf("lookup before: %d %s", st, code)
			}
			republish(t, f.A, "hz.police", "hz.reviewer", f.HZPersons, func(m *catalog.Metadata) {
				m.ShareType, m.ShareConditions = catalog.ShareNone, ""
				m.ShareBasis = "《中华人民共和国个人信息保护法》第十三条"
			})
			st, ev := grantState(t, f.A, "hz.health", g.ID)
			if st != share.GrantRevoked || ev.Action != "revoke" || !strings.Contains(ev.Reason, "不予共享") {
				t.Fatalf("after the not-shared republication: %s, last event %+v", st, ev)
			}
			if st, code := fixLookup(t, srv, f.HealthApp, g.ID, p.ID); st != http.StatusForbidden || code != "share.grant.revoked" {
				t.Fatalf("lookup after: %d %s, want 403 share.grant.revoked", st, code)
			}
			if len(noticesAgainst(t, f.A, "hz.health", "grant_revoked")) == 0 {
				t.Fatal("no notice to the consumer")
			}
		})
	})
}

// Finding 11: a refused disable or enable of another agency's application
// is audited as denied.
func TestFixAppDisableRefusalAudited(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		for _, disabled := range []bool{true, false} {
			_, err := f.A.Share.SetAppDisabled(t.Context(), actor(t, f.A, "hz.health"), f.HRSSApp.App.ID, disabled)
			if apperr.KindOf(err) != apperr.NotFound {
				t.Fatalf("another agency's application: %v", err)
			}
		}
		var n int
		for _, e := range fixTrail(t, f.A, "share.app.disable") {
			if e.Outcome == audit.Denied && e.ObjectID == strconv.FormatInt(f.HRSSApp.App.ID, 10) && e.Actor == "hz.health" {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d denied share.app.disable entries, want 2", n)
		}
	})
}

// Finding 12: a suspension is lifted only by the suspending authority or
// one whose jurisdiction covers it.
func TestFixRestoreNeedsSuspendersLevel(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		gd, hz := actor(t, f.A, "gd.reviewer"), actor(t, f.A, "hz.reviewer")

		g := fixGrant(t, f, f.HZPersons, share.KindData, f.HealthApp, share.RowScope{})
		if _, err := f.A.Share.Suspend(ctx, gd, g.ID, "省级督查发现超范围使用"); err != nil {
			t.Fatal(err)
		}
		_, err := f.A.Share.Restore(ctx, hz, g.ID, "整改完成")
		if codeOf(err) != "share.grant.restore_jurisdiction" || apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("the city lifts the province's suspension: %v", err)
		}
		if es := fixTrail(t, f.A, "share.grant.restore"); len(es) == 0 || es[0].Outcome != audit.Denied {
			t.Fatalf("the refused restoration is not audited: %+v", es)
		}
		if g, err := f.A.Share.Restore(ctx, gd, g.ID, "整改完成"); err != nil || g.State != share.GrantActive {
			t.Fatalf("the province lifts its own suspension: %+v %v", g, err)
		}

		// The city's own suspension: the city and the province may lift it.
		for _, who := range []audit.Actor{hz, gd} {
			if _, err := f.A.Share.Suspend(ctx, hz, g.ID, "市级发现超范围使用"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.A.Share.Restore(ctx, who, g.ID, "整改完成"); err != nil {
				t.Fatalf("%s lifts the city's suspension: %v", who.Username, err)
			}
		}
	})
}

// Finding 14: a sealed pseudonym key is bound to its grant: copied to
// another grant's row it does not open; keys sealed before the binding
// (constant AAD) still open.
func TestFixPseudonymKeyBoundToGrant(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		g1 := fixGrant(t, f, f.Persons, share.KindData, f.HRSSApp, share.RowScope{})
		g2 := fixGrant(t, f, f.Persons, share.KindData, f.HRSSApp, share.RowScope{})
		var k1, k2 string
		q := `SELECT pseudonym_key FROM share_grants WHERE id = $1`
		if err := f.A.DB.Read().QueryRowContext(ctx, q, g1.ID).Scan(&k1); err != nil {
			t.Fatal(err)
		}
		if err := f.A.DB.Read().QueryRowContext(ctx, q, g2.ID).Scan(&k2); err != nil {
			t.Fatal(err)
		}
		if k1 == "" || strings.HasPrefix(k1, "plain:") {
			t.Fatalf("the test node keeps keys unsealed (%q): nothing to check", k1)
		}
		set := func(id int64, sealed string) {
			t.Helper()
			if err := f.A.DB.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE share_grants SET pseudonym_key = $1 WHERE id = $2`, sealed, id)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.A.Share.PseudonymKeyForTest(ctx, g2.ID); err != nil {
			t.Fatalf("a grant's own key: %v", err)
		}
		set(g2.ID, k1)
		if _, err := f.A.Share.PseudonymKeyForTest(ctx, g2.ID); err == nil {
			t.Fatal("grant 1's sealed key opened as grant 2's")
		}
		key, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
		legacy, err := f.A.Share.SealLegacyKeyForTest(key)
		if err != nil {
			t.Fatal(err)
		}
		set(g2.ID, legacy)
		if got, err := f.A.Share.PseudonymKeyForTest(ctx, g2.ID); err != nil || hex.EncodeToString(got) != hex.EncodeToString(key) {
			t.Fatalf("a key sealed before the binding: %x %v", got, err)
		}
		set(g2.ID, k2)
	})
}

// mzApp registers an application of mz.police.
func mzApp(t *testing.T, f *fixture) share.Credentials {
	t.Helper()
	c, err := f.A.Share.RegisterApp(t.Context(), actor(t, f.A, "mz.police"), share.AppInput{Name: "梅州户籍业务系统"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Finding 16: under a key-lookup-only profile (MZ §21), of the source or
// of the consumer, table and file requests are refused at submission.
func TestFixKeyLookupOnlyRefusesExtractModes(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		mzCred := mzApp(t, f)
		mzDs, _ := meizhouPersons(t, f)
		req := func(entryID, appID int64, mode share.Mode) share.RequestInput {
			return share.RequestInput{Kind: share.KindData, EntryID: entryID, Spec: share.Spec{Items: []share.GrantItem{{Name: "公民身份号码"}, {Name: "姓名"}},
				Purpose: "核验办事人身份", PurposeCategory: share.PurposeDuty, Scenario: "户籍业务办理", DutyBasis: "《居民身份证法》", Mode: mode,
				EndDate: "2099-12-31", AppID: appID}}
		}
		for _, c := range []struct {
			name, who string
			in        share.RequestInput
		}{
			{"Meizhou consumer, table", "mz.police", req(f.Persons.EntryID, mzCred.App.ID, share.ModeTable)},
			{"Meizhou consumer, file", "mz.police", req(f.Persons.EntryID, mzCred.App.ID, share.ModeFile)},
			{"Meizhou source, file", "gd.hrss", req(mzDs.EntryID, f.HRSSApp.App.ID, share.ModeFile)},
		} {
			_, err := f.A.Share.Submit(ctx, actor(t, f.A, c.who), c.in)
			e := findErr(err, "share.mode.key_lookup_only")
			if e == nil || e.Field != "spec.mode" || !strings.Contains(e.ZH, "MZ §21") || !strings.Contains(e.EN, "MZ §21") {
				t.Errorf("%s: %v, want share.mode.key_lookup_only on spec.mode citing MZ §21", c.name, err)
			}
		}
		if r, err := f.A.Share.Submit(ctx, actor(t, f.A, "mz.police"), req(f.Persons.EntryID, mzCred.App.ID, share.ModeAPI)); err != nil || r.ID == 0 {
			t.Fatalf("a Meizhou API request: %v", err)
		}
		if r, err := f.A.Share.Submit(ctx, actor(t, f.A, "gd.hrss"), req(f.Persons.EntryID, f.HRSSApp.App.ID, share.ModeTable)); err != nil || r.ID == 0 {
			t.Fatalf("a table request where neither profile forbids it: %v", err)
		}
	})
}

// Finding 17: under MZ §24 an enterprise's same-level competent department
// files its request; the authority's route stays, and elsewhere only the
// authority may.
func TestFixCompetentDepartmentRoute(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		mzCred := mzApp(t, f)
		rnd := rand.New(rand.NewPCG(7, 11))
		req := func(appID int64, code string) share.RequestInput {
			return share.RequestInput{Kind: share.KindData, EntryID: f.Stats.EntryID, Spec: share.Spec{Items: []share.GrantItem{{Name: "统计编号"}, {Name: "户籍人口数"}},
				Purpose: "落实惠企政策", PurposeCategory: share.PurposePolicy, Scenario: "惠企政策兑现", DutyBasis: "MZ §24", Mode: share.ModeAPI,
				EndDate: "2099-12-31", AppID: appID, RecipientKind: share.RecipientEnterprise, RecipientName: "梅州某某实业有限公司", RecipientCode: code}}
		}
		r, err := f.A.Share.Submit(ctx, actor(t, f.A, "mz.police"), req(mzCred.App.ID, ident.RandomCreditCode(rnd, "441400")))
		if err != nil || r.GrantID == 0 {
			t.Fatalf("the same-level competent department's request: %+v %v", r, err)
		}
		_, err = f.A.Share.Submit(ctx, actor(t, f.A, "mz.police"), req(mzCred.App.ID, ident.RandomCreditCode(rnd, "441402")))
		if e := findErr(err, "share.enterprise.same_level"); e == nil || e.Field != "spec.recipient_code" {
			t.Fatalf("a department of another level: %v", err)
		}
		_, err = f.A.Share.Submit(ctx, actor(t, f.A, "gd.hrss"), req(f.HRSSApp.App.ID, ident.RandomCreditCode(rnd, "440000")))
		if codeOf(err) != "share.enterprise.via_authority" {
			t.Fatalf("a department where MZ §24 does not apply: %v", err)
		}
		rv := actor(t, f.A, "mz.reviewer")
		rvCred, err := f.A.Share.RegisterApp(ctx, rv, share.AppInput{Name: "梅州惠企平台"})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := f.A.Share.Submit(ctx, rv, req(rvCred.App.ID, ident.RandomCreditCode(rnd, "441400"))); err != nil || r.GrantID == 0 {
			t.Fatalf("the authority's route in Meizhou: %+v %v", r, err)
		}
	})
}
