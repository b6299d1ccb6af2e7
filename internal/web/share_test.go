package web_test

import (
	"html"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/ident"
	"pubdata/internal/share"
	"pubdata/internal/store/storetest"
)

// eachShareNode runs fn on a fresh demo node of each engine (SQLite, and
// PostgreSQL when PUBDATA_TEST_POSTGRES is set), with its test server.
func eachShareNode(t *testing.T, fn func(t *testing.T, srv *httptest.Server, a *app.App)) {
	t.Helper()
	for _, d := range storetest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			a := apptest.Demo(t, d)
			fn(t, apptest.Server(t, a), a)
		})
	}
}

var secretRE = regexp.MustCompile(`data-testid="client-secret">(pds_[A-Za-z0-9_-]+)<`)

// TestShareAppsSecretShownOnce: an officer registers an application system;
// the answer shows its client ID and secret once, the list afterwards only
// the client ID; a missing name comes back at its field in Chinese; a
// rotation shows a new secret once; another agency's officer cannot rotate
// or disable it, and the agency's data user cannot rotate it.
func TestShareAppsSecretShownOnce(t *testing.T) {
	eachShareNode(t, func(t *testing.T, srv *httptest.Server, a *app.App) {
		b := newBrowser(t, srv)
		b.mustLogin("gd.hrss")
		res, page := b.get("/share/apps")
		if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="app-form"`) || !strings.Contains(page, "本机构尚未登记应用系统") {
			t.Fatalf("apps page: %d\n%s", res.StatusCode, page)
		}
		// The name is required: the message names the field, in Chinese.
		res, fp := b.do("POST", "/share/apps", url.Values{"csrf_token": {b.token(page)}, "name": {"  "}, "description": {"核验参保人身份"}})
		field := regexp.MustCompile(`(?s)<div class="field has-err">\s*<label for="f-name">应用系统名称.*?<p class="ferr" id="e-name">([^<]+)</p>`).FindStringSubmatch(fp)
		if res.StatusCode != http.StatusBadRequest || field == nil || !strings.Contains(field[1], "应用系统名称必填") {
			t.Fatalf("empty name: %d\n%s", res.StatusCode, fp)
		}
		if !strings.Contains(fp, ">核验参保人身份</textarea>") {
			t.Fatal("the description is not kept")
		}
		// Registered: the secret is on this answer only.
		res, fp = b.do("POST", "/share/apps", url.Values{"csrf_token": {b.token(page)}, "name": {"社保待遇资格认证系统"}, "description": {"核验参保人身份"}})
		m := secretRE.FindStringSubmatch(fp)
		if res.StatusCode != http.StatusOK || m == nil || !strings.Contains(fp, "只显示这一次") || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("register: %d\n%s", res.StatusCode, fp)
		}
		secret := m[1]
		apps, err := a.Share.Apps(t.Context(), actorOf(t, a, "gd.hrss"))
		if err != nil || len(apps) != 1 {
			t.Fatalf("apps: %v %v", apps, err)
		}
		if _, err := a.Share.Authenticate(t.Context(), apps[0].ClientID, secret); err != nil {
			t.Fatalf("the secret shown does not authenticate: %v", err)
		}
		_, page = b.get("/share/apps")
		if strings.Contains(page, secret) || !strings.Contains(page, apps[0].ClientID) || strings.Contains(page, `data-testid="client-secret"`) {
			t.Fatal("the list shows the secret again, or not the client ID")
		}
		id := regexp.MustCompile(`data-app="(\d+)"`).FindStringSubmatch(page)[1]
		// Rotation: a new secret, once; the old one keeps working for the overlap.
		res, fp = b.do("POST", "/share/apps/"+id+"/rotate", url.Values{"csrf_token": {b.token(page)}})
		m = secretRE.FindStringSubmatch(fp)
		if res.StatusCode != http.StatusOK || m == nil || m[1] == secret || !strings.Contains(fp, "新密钥只显示这一次") {
			t.Fatalf("rotate: %d\n%s", res.StatusCode, fp)
		}
		// Another agency's officer cannot touch it; a reviewer cannot register.
		o := newBrowser(t, srv)
		o.mustLogin("hz.health")
		_, op := o.get("/share/apps")
		if strings.Contains(op, apps[0].ClientID) {
			t.Fatal("another agency lists the application")
		}
		for _, act := range []string{"rotate", "disable"} {
			if res, _ := o.do("POST", "/share/apps/"+id+"/"+act, url.Values{"csrf_token": {o.token(op)}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("another agency's officer %s: %d", act, res.StatusCode)
			}
		}
		// An agency's data user reads the list but keeps no application.
		us := newBrowser(t, srv)
		us.mustLogin("gd.hrss.user")
		_, up := us.get("/share/apps")
		if strings.Contains(up, `data-testid="app-form"`) || strings.Contains(up, `data-testid="rotate"`) || !strings.Contains(up, apps[0].ClientID) {
			t.Error("an agency user is offered the application forms, or does not see the agency's application")
		}
		if res, _ := us.do("POST", "/share/apps/"+id+"/rotate", url.Values{"csrf_token": {us.token(up)}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("an agency user rotates the secret: %d", res.StatusCode)
		}
		// Disable and enable.
		if res, _ := b.do("POST", "/share/apps/"+id+"/disable", url.Values{"csrf_token": {b.token(page)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", res.StatusCode)
		}
		if _, page = b.get("/share/apps?ok=app_disabled"); !strings.Contains(page, "应用系统已停用") || !strings.Contains(page, `data-testid="enable-app"`) {
			t.Fatalf("after disabling:\n%s", page)
		}
	})
}

// actorOf is the audit actor of a demo account, for reading through the service.
func actorOf(t testing.TB, a *app.App, username string) audit.Actor {
	t.Helper()
	u, err := a.Accounts.UserByName(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	return (&auth.Principal{User: u}).Actor("127.0.0.1", "test")
}

// shareWorld is a node with entries to ask for: gd.police publishes a
// conditional person entry (with two rows loaded) and an unconditional
// statistics entry.
type shareWorld struct {
	srv                 *httptest.Server
	a                   *app.App
	persons, stats      int64 // catalog entry IDs
	personsDS           collect.Dataset
	ids                 []string // the persons' ID numbers
	hrss, police, revGD *browser
}

func personItems() []catalog.Item {
	return []catalog.Item{
		{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyResidentID, Required: true},
		{Name: "姓名", Type: catalog.TypeChar, Length: 50, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Required: true},
		{Name: "手机号码", Type: catalog.TypeChar, Length: 11, Grade: "general-3", Personal: true, PersonalKind: "联系方式", Format: catalog.FormatMobile},
		{Name: "户籍地", Type: catalog.TypeChar, Length: 6, Grade: "general-1", Format: catalog.FormatDivision},
	}
}

// publish creates, submits and approves an entry and returns it.
func publish(t *testing.T, a *app.App, officer, reviewer, name string, st catalog.ShareType, items []catalog.Item) catalog.Entry {
	t.Helper()
	ctx := t.Context()
	m := catalog.Metadata{Name: name, ClassCode: "3440000100001", Summary: name + "（控制台测试）", DataForm: catalog.FormDatabase, Format: "RDBMS", Items: items,
		ShareType: st, ShareScope: "全省", ShareModes: []catalog.ShareMode{catalog.ModeAPI, catalog.ModePlatformDB},
		OpenAttr: catalog.OpenNone, UpdateFreq: catalog.FreqDaily, CollectingAgency: "本机构", VerifyingAgency: "本机构", ProvidingAgency: "本机构",
		Keywords: []string{"控制台测试"}}
	switch st {
	case catalog.ShareConditional:
		m.ShareBasis, m.ShareConditions = "《广东省公共数据管理办法》第十三条", "仅限依法履职需要"
	case catalog.ShareNone:
		m.ShareBasis = "《中华人民共和国个人信息保护法》第十三条"
	}
	e, err := a.Catalog.Create(ctx, actorOf(t, a, officer), m)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if _, err := a.Catalog.Submit(ctx, actorOf(t, a, officer), e.ID); err != nil {
		t.Fatalf("submit %s: %v", name, err)
	}
	if e, err = a.Catalog.Review(ctx, actorOf(t, a, reviewer), e.ID, "approve", ""); err != nil {
		t.Fatalf("approve %s: %v", name, err)
	}
	return e
}

func newShareWorld(t *testing.T, srv *httptest.Server, a *app.App) *shareWorld {
	t.Helper()
	w := &shareWorld{srv: srv, a: a}
	w.persons = publish(t, a, "gd.police", "gd.reviewer", "人口基本信息（控制台测试）", catalog.ShareConditional, personItems()).ID
	w.stats = publish(t, a, "gd.police", "gd.reviewer", "户籍人口统计（控制台测试）", catalog.ShareUnconditional, []catalog.Item{
		{Name: "统计编号", Type: catalog.TypeChar, Length: 20, Grade: "general-1", Key: true, KeyKind: catalog.KeyOther, Required: true},
		{Name: "户籍人口数", Type: catalog.TypeInteger, Grade: "general-1"},
	}).ID
	ds, err := a.Collect.DatasetOfEntry(t.Context(), w.persons)
	if err != nil {
		t.Fatal(err)
	}
	w.personsDS = ds
	rnd := rand.New(rand.NewPCG(3, 9))
	csv := "公民身份号码,姓名,手机号码,户籍地\n"
	for i := 0; i < 2; i++ {
		id := ident.RandomResidentID(rnd, "440103")
		w.ids = append(w.ids, id)
		csv += id + "," + ident.RandomChineseName(rnd) + "," + ident.RandomMobile(rnd) + ",440103\n"
	}
	rd, err := collect.OpenReader(collect.FormatCSV, strings.NewReader(csv), ds.Fields(), collect.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.Collect.Load(t.Context(), actorOf(t, a, "gd.police"), ds.ID, collect.LoadInput{Channel: collect.ChannelUpload, Mode: collect.ModeFull, Reader: rd, Format: collect.FormatCSV, FileName: "t.csv"})
	if err != nil || b.State != collect.BatchLoaded {
		t.Fatalf("load: %v %+v", err, b)
	}
	a.Collect.Settle()
	w.hrss, w.police, w.revGD = newBrowser(t, srv), newBrowser(t, srv), newBrowser(t, srv)
	w.hrss.mustLogin("gd.hrss")
	w.police.mustLogin("gd.police")
	w.revGD.mustLogin("gd.reviewer")
	return w
}

// registerApp registers an application system through the console and
// returns its ID, client ID and secret.
func (b *browser) registerApp(name string) (id, clientID, secret string) {
	b.t.Helper()
	_, page := b.get("/share/apps")
	res, fp := b.do("POST", "/share/apps", url.Values{"csrf_token": {b.token(page)}, "name": {name}})
	m := secretRE.FindStringSubmatch(fp)
	c := regexp.MustCompile(`data-testid="new-client-id">([^<]+)<`).FindStringSubmatch(fp)
	if res.StatusCode != http.StatusOK || m == nil || c == nil {
		b.t.Fatalf("register app: %d\n%s", res.StatusCode, fp)
	}
	_, page = b.get("/share/apps")
	row := regexp.MustCompile(`data-app="(\d+)">\s*<td>` + regexp.QuoteMeta(name)).FindStringSubmatch(page)
	if row == nil {
		b.t.Fatalf("no app %s listed:\n%s", name, page)
	}
	return row[1], c[1], m[1]
}

var (
	requestLocRE = regexp.MustCompile(`^/share/requests/(\d+)\?ok=(\w+)$`)
	grantLinkRE  = regexp.MustCompile(`href="/share/grants/(\d+)" data-testid="grant-link"`)
	keyLeftRE    = regexp.MustCompile(`\b(share|ok|case|cat|col)\.[a-z_]+(\.[a-z_]+)*`)
	tagRE        = regexp.MustCompile(`(?s)<[^>]*>`)
)

// noMissingKeys fails when a page shows a message key instead of its text.
func noMissingKeys(t *testing.T, where, page string) {
	t.Helper()
	if m := keyLeftRE.FindString(tagRE.ReplaceAllString(page, " ")); m != "" {
		t.Errorf("%s shows the untranslated key %q", where, m)
	}
}

// fieldError returns the inline message of a form field, found by the
// field's id, or "".
func fieldError(page, id string) string {
	m := regexp.MustCompile(`<p class="ferr" id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]+)</p>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// requestForm is a filled request form for the persons entry.
func (w *shareWorld) requestForm(token, appID string, items ...string) url.Values {
	return url.Values{"csrf_token": {token}, "kind": {"data"}, "entry_id": {strconv.FormatInt(w.persons, 10)}, "items": items,
		"purpose_category": {"duty"}, "purpose": {"核验参保人身份"}, "scenario": {"社保待遇资格认证"}, "duty_basis": {"《社会保险法》第八条"},
		"mode": {"api"}, "end_date": {time.Now().AddDate(1, 0, 0).Format(time.DateOnly)}, "app_id": {appID}}
}

// TestShareConsoleRequestToSuspension walks a conditional request through
// the console: gd.hrss registers an application and asks for the entry from
// its published items; a form without purpose category or items comes back
// naming the fields in Chinese; the consumer and another agency's officer
// cannot answer it; gd.police's refusal without a legal basis is refused;
// gd.police agrees with narrowing and fulfils; gd.hrss sees the grant with
// its masks, the gateway example (client ID, never the secret) and, after
// a gateway call, the usage chart; gd.reviewer suspends it with a reason the
// consumer sees, and the gateway refuses; hz.reviewer, of another
// jurisdiction, cannot.
func TestShareConsoleRequestToSuspension(t *testing.T) {
	eachShareNode(t, func(t *testing.T, srv *httptest.Server, a *app.App) {
		w := newShareWorld(t, srv, a)
		appID, clientID, secret := w.hrss.registerApp("社保待遇资格认证系统")

		// The catalog entry links to the request form.
		entry := "/catalog/" + strconv.FormatInt(w.persons, 10)
		if _, page := w.hrss.get(entry); !strings.Contains(page, `href="/share/requests/new?entry=`+strconv.FormatInt(w.persons, 10)+`&amp;kind=data" data-testid="ask-share"`) {
			t.Fatalf("no 申请共享 on the entry page:\n%s", page)
		}
		if _, page := w.police.get(entry); strings.Contains(page, `data-testid="ask-share"`) {
			t.Error("the source agency is offered to ask for its own entry")
		}
		newPath := "/share/requests/new?entry=" + strconv.FormatInt(w.persons, 10)
		res, page := w.hrss.get(newPath)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request form: %d\n%s", res.StatusCode, page)
		}
		for _, want := range []string{`name="items" value="公民身份号码"`, `name="items" value="户籍地"`, "将脱敏为：保留前3位后4位", "将脱敏为：保留前1位",
			`<option value="户籍地">户籍地</option>`, `<option value="` + appID + `">社保待遇资格认证系统`, `<option value="api">接口</option>`, "有条件共享"} {
			if !strings.Contains(page, want) {
				t.Errorf("request form has no %s", want)
			}
		}
		if strings.Contains(page, `data-testid="recipient-fields"`) {
			t.Error("an agency officer is offered the recipient fields of GD-290 §26")
		}
		noMissingKeys(t, "request form", page)

		// No items and no purpose category: both named, in Chinese, nothing filed.
		bad := w.requestForm(w.hrss.token(page), appID)
		bad.Del("purpose_category")
		res, fp := w.hrss.do("POST", "/share/requests", bad)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(fieldError(fp, "e-items"), "须列明所需信息项") ||
			!strings.Contains(fieldError(fp, "e-purpose_category"), "用途类别须为") {
			t.Fatalf("bad request form: %d\n%s", res.StatusCode, fp)
		}
		if !strings.Contains(fp, ">社保待遇资格认证</textarea>") {
			t.Error("the form is not re-filled")
		}
		if rs, _ := a.Share.Requests(t.Context(), actorOf(t, a, "gd.hrss"), share.RequestFilter{Box: "outbox"}); len(rs) != 0 {
			t.Fatalf("a request was filed: %+v", rs)
		}

		// Filed: to the source agency, under the profile's reply deadline.
		res, _ = w.hrss.do("POST", "/share/requests", w.requestForm(w.hrss.token(page), appID, "公民身份号码", "姓名", "手机号码", "户籍地"))
		loc := requestLocRE.FindStringSubmatch(res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || loc == nil || loc[2] != "request_submitted" {
			t.Fatalf("submit: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		reqPath := "/share/requests/" + loc[1]
		_, page = w.hrss.get(reqPath + "?ok=request_submitted")
		if !strings.Contains(page, `data-state="requested"`) || !strings.Contains(page, `data-testid="withdraw-form"`) || strings.Contains(page, `data-testid="agree-form"`) {
			t.Fatalf("the consumer's request page:\n%s", page)
		}
		noMissingKeys(t, "request page", page)
		if _, page := w.hrss.get("/share?box=outbox"); !strings.Contains(page, `data-request="`+loc[1]+`"`) {
			t.Error("the request is not in the consumer's outbox")
		}
		_, inbox := w.police.get("/share?box=inbox")
		row := regexp.MustCompile(`(?s)data-request="` + loc[1] + `".*?<td data-testid="due">(.*?)</td>`).FindStringSubmatch(inbox)
		if row == nil || !regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).MatchString(row[1]) {
			t.Fatalf("the source's inbox has no due date for the request:\n%s", inbox)
		}
		noMissingKeys(t, "inbox", inbox)

		// Neither the consumer nor another agency's officer may answer.
		_, page = w.hrss.get(reqPath)
		agree := url.Values{"csrf_token": {w.hrss.token(page)}, "action": {"agree"}, "items": {"公民身份号码"}}
		if res, _ := w.hrss.do("POST", reqPath+"/decide", agree); res.StatusCode != http.StatusForbidden {
			t.Errorf("the consumer answers its own request: %d", res.StatusCode)
		}
		civil := newBrowser(t, srv)
		civil.mustLogin("gd.civil")
		_, cp := civil.get("/share")
		agree.Set("csrf_token", civil.token(cp))
		if res, _ := civil.do("POST", reqPath+"/decide", agree); res.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's officer answers: %d", res.StatusCode)
		}
		if res, _ := civil.get(reqPath); res.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's officer reads the request: %d", res.StatusCode)
		}

		// A refusal without its legal basis is refused, at the field.
		_, page = w.police.get(reqPath)
		if !strings.Contains(page, `data-testid="agree-form"`) || !strings.Contains(page, `data-testid="refuse-form"`) || strings.Contains(page, `data-testid="withdraw-form"`) {
			t.Fatalf("the source's request page:\n%s", page)
		}
		res, fp = w.police.do("POST", reqPath+"/decide", url.Values{"csrf_token": {w.police.token(page)}, "action": {"refuse"}, "legal_basis": {" "}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(fieldError(fp, "e-refuse-legal_basis"), "拒绝共享须提供法律、法规、规章依据") {
			t.Fatalf("refusal without basis: %d\n%s", res.StatusCode, fp)
		}

		// Agreed with narrowing: no mobile number, the name pseudonymised, a shorter end date.
		end := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
		res, fp = w.police.do("POST", reqPath+"/decide", url.Values{"csrf_token": {w.police.token(page)}, "action": {"agree"},
			"items": {"公民身份号码", "姓名", "户籍地"}, "mask.公民身份号码": {"keep(3,4)"}, "mask.姓名": {"pseudonym"}, "mask.户籍地": {"clear"},
			"end_date": {end}, "scenario": {"社保待遇资格认证"}, "row_scope.item": {""}, "row_scope.region": {""}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "?ok=request_agree") {
			t.Fatalf("agree: %d\n%s", res.StatusCode, fp)
		}
		_, page = w.police.get(reqPath)
		if !strings.Contains(page, `data-state="agreed"`) || !strings.Contains(page, `data-testid="fulfil-form"`) {
			t.Fatalf("after agreeing:\n%s", page)
		}
		if res, _ := w.police.do("POST", reqPath+"/decide", url.Values{"csrf_token": {w.police.token(page)}, "action": {"fulfil"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("fulfil: %d", res.StatusCode)
		}
		_, page = w.hrss.get(reqPath)
		g := grantLinkRE.FindStringSubmatch(page)
		if !strings.Contains(page, `data-state="granted"`) || g == nil || !strings.Contains(page, `data-testid="request-approval"`) {
			t.Fatalf("granted request:\n%s", page)
		}
		grantPath := "/share/grants/" + g[1]

		// The consumer's grant: items and masks as approved, the gateway
		// example with the client ID and not the secret, no usage yet.
		if _, page := w.hrss.get("/share/grants"); !regexp.MustCompile(`(?s)data-grant="` + g[1] + `".*?<td>人口基本信息（控制台测试）</td>`).MatchString(page) {
			t.Errorf("the grant is not in the consumer's active grants with its entry:\n%s", page)
		}
		_, page = w.hrss.get(grantPath)
		items := regexp.MustCompile(`(?s)data-testid="grant-items">.*?</table>`).FindString(page)
		if !strings.Contains(items, "假名化（HMAC-SM3）") || !strings.Contains(items, "保留前3位后4位") || strings.Contains(items, "手机号码") {
			t.Errorf("grant items:\n%s", items)
		}
		if !strings.Contains(page, "<h1>授权 #"+g[1]+" · 人口基本信息（控制台测试）</h1>") {
			t.Error("the grant page does not name its catalog entry")
		}
		if !strings.Contains(page, `data-testid="grant-end">`+end+`<`) {
			t.Error("the grant does not end on the approved date")
		}
		curl := regexp.MustCompile(`(?s)data-testid="curl">(.*?)</pre>`).FindStringSubmatch(page)
		if curl == nil || !strings.Contains(curl[1], clientID) || !strings.Contains(curl[1], "/api/v1/share/data/"+g[1]+"/records/") || strings.Contains(page, secret) {
			t.Fatalf("gateway example:\n%s", page)
		}
		if !strings.Contains(page, `data-testid="usage-none"`) || strings.Contains(page, `data-testid="suspend-form"`) {
			t.Fatalf("grant page before any call:\n%s", page)
		}
		noMissingKeys(t, "grant page", page)

		// A gateway call, then the usage chart shows it.
		call := func() int {
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/share/data/"+g[1]+"/records/"+w.ids[0], nil)
			req.SetBasicAuth(clientID, secret)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if st := call(); st != http.StatusOK {
			t.Fatalf("gateway call: %d", st)
		}
		_, page = w.hrss.get(grantPath)
		if !strings.Contains(page, `data-testid="usage-chart"`) || !regexp.MustCompile(`<rect [^>]*data-n="1"`).MatchString(page) {
			t.Fatalf("no usage chart after a call:\n%s", page)
		}

		// The authority suspends: the reason is required, then shown to the consumer.
		_, page = w.revGD.get(grantPath)
		if !strings.Contains(page, `data-testid="suspend-form"`) {
			t.Fatalf("the reviewer has no suspend form:\n%s", page)
		}
		res, fp = w.revGD.do("POST", grantPath+"/suspend", url.Values{"csrf_token": {w.revGD.token(page)}, "reason": {""}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(fp, "暂停须说明理由") {
			t.Fatalf("suspend without a reason: %d\n%s", res.StatusCode, fp)
		}
		hz := newBrowser(t, srv)
		hz.mustLogin("hz.reviewer")
		_, hp := hz.get("/share")
		if res, _ := hz.do("POST", grantPath+"/suspend", url.Values{"csrf_token": {hz.token(hp)}, "reason": {"越权"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("another jurisdiction's reviewer suspends: %d", res.StatusCode)
		}
		reason := "核查发现向第三方提供数据（HZ §25）"
		if res, _ := w.revGD.do("POST", grantPath+"/suspend", url.Values{"csrf_token": {w.revGD.token(page)}, "reason": {reason}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("suspend: %d", res.StatusCode)
		}
		_, page = w.hrss.get(grantPath)
		if !strings.Contains(page, `data-testid="suspended-reason">`+reason+`<`) || !strings.Contains(page, `data-event="suspend"`) {
			t.Fatalf("the consumer does not see the suspension:\n%s", page)
		}
		if st := call(); st != http.StatusForbidden {
			t.Errorf("the gateway answers a suspended grant: %d", st)
		}
		if _, page := w.hrss.get("/share/grants?side=consumer&state=suspended"); !strings.Contains(page, `data-grant="`+g[1]+`"`) {
			t.Error("the grant is not under the suspended tab")
		}
		// The reviewer's view of all requests includes it.
		if _, page := w.revGD.get("/share?box=all"); !strings.Contains(page, `data-request="`+loc[1]+`"`) {
			t.Error("the authority's view lacks the request")
		}
	})
}

// grantFor files a request for the persons entry as gd.hrss and has
// gd.police agree and fulfil it through the console; it returns the grant's ID.
func (w *shareWorld) grantFor(t *testing.T, appID string) string {
	t.Helper()
	_, page := w.hrss.get("/share/requests/new?entry=" + strconv.FormatInt(w.persons, 10))
	res, _ := w.hrss.do("POST", "/share/requests", w.requestForm(w.hrss.token(page), appID, "公民身份号码", "姓名", "户籍地"))
	loc := requestLocRE.FindStringSubmatch(res.Header.Get("Location"))
	if loc == nil {
		t.Fatalf("submit: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	reqPath := "/share/requests/" + loc[1]
	_, page = w.police.get(reqPath)
	for _, f := range []url.Values{{"action": {"agree"}, "items": {"公民身份号码", "姓名", "户籍地"}}, {"action": {"fulfil"}}} {
		f.Set("csrf_token", w.police.token(page))
		if res, body := w.police.do("POST", reqPath+"/decide", f); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", f.Get("action"), res.StatusCode, body)
		}
	}
	_, page = w.hrss.get(reqPath)
	g := grantLinkRE.FindStringSubmatch(page)
	if g == nil {
		t.Fatalf("no grant:\n%s", page)
	}
	return g[1]
}

// TestSharePagesPerRole: every role with share.read gets the console's
// pages; the others are refused, and 共享交换 is in the navigation of the
// first only. Reviewers see the recipient fields of GD-290 §26 on the form.
func TestSharePagesPerRole(t *testing.T) {
	eachShareNode(t, func(t *testing.T, srv *httptest.Server, a *app.App) {
		w := newShareWorld(t, srv, a)
		appID, _, _ := w.hrss.registerApp("社保系统")
		grant := w.grantFor(t, appID)
		for _, c := range []struct {
			user   string
			status int
			grant  int // status of the grant page
		}{
			{"gd.hrss", http.StatusOK, http.StatusOK},
			{"gd.hrss.user", http.StatusOK, http.StatusOK},
			{"gd.police", http.StatusOK, http.StatusOK},
			{"gd.reviewer", http.StatusOK, http.StatusOK},
			{"gd.cdo", http.StatusOK, http.StatusOK}, // the source agency's chief data officer
			{"auditor", http.StatusOK, http.StatusOK},
			{"hz.health", http.StatusOK, http.StatusNotFound},
			{"admin", http.StatusForbidden, http.StatusForbidden},
			{"subject", http.StatusForbidden, http.StatusForbidden},
			{"public", http.StatusForbidden, http.StatusForbidden},
		} {
			b := newBrowser(t, srv)
			b.mustLogin(c.user)
			for _, p := range []string{"/share", "/share/grants", "/share/apps", "/share/feedback", "/share/errors"} {
				res, page := b.get(p)
				if res.StatusCode != c.status {
					t.Errorf("%s GET %s: %d, want %d", c.user, p, res.StatusCode, c.status)
				}
				if res.StatusCode == http.StatusOK {
					noMissingKeys(t, c.user+" "+p, page)
				}
			}
			if res, _ := b.get("/share/grants/" + grant); res.StatusCode != c.grant {
				t.Errorf("%s GET the grant: %d, want %d", c.user, res.StatusCode, c.grant)
			}
			_, home := b.get("/")
			if nav := strings.Contains(home, `<a href="/share"`); nav != (c.status == http.StatusOK) {
				t.Errorf("%s: 共享交换 in the navigation: %v", c.user, nav)
			}
			if c.status == http.StatusOK && strings.Contains(home, "共享交换<em class=\"tag\">") {
				t.Errorf("%s: 共享交换 is still shown as coming", c.user)
			}
		}
		// The authority's request form has the recipient fields; an agency user has no form at all.
		_, page := w.revGD.get("/share/requests/new?entry=" + strconv.FormatInt(w.persons, 10))
		if !strings.Contains(page, `data-testid="recipient-fields"`) || !strings.Contains(page, `<option value="enterprise">企业</option>`) {
			t.Errorf("the reviewer's request form has no recipient fields:\n%s", page)
		}
		u := newBrowser(t, srv)
		u.mustLogin("gd.hrss.user")
		if res, _ := u.get("/share/requests/new?entry=" + strconv.FormatInt(w.persons, 10)); res.StatusCode != http.StatusForbidden {
			t.Errorf("an agency user opens the request form: %d", res.StatusCode)
		}
	})
}

// TestShareUnconditionalAndCrossLevel: unconditional data is granted on
// submission; a city agency's request for provincial data is filed with the
// authorities, which see it among their filings; the uncatalogued demand
// form names its fields; the console is in English on request.
func TestShareUnconditionalAndCrossLevel(t *testing.T) {
	eachShareNode(t, func(t *testing.T, srv *httptest.Server, a *app.App) {
		w := newShareWorld(t, srv, a)
		appID, _, _ := w.hrss.registerApp("统计分析系统")
		_, page := w.hrss.get("/share/requests/new?entry=" + strconv.FormatInt(w.stats, 10))
		if !strings.Contains(page, "明文共享") {
			t.Errorf("non-personal items are not shown as shared in clear:\n%s", page)
		}
		f := w.requestForm(w.hrss.token(page), appID, "统计编号", "户籍人口数")
		f.Set("entry_id", strconv.FormatInt(w.stats, 10))
		res, _ := w.hrss.do("POST", "/share/requests", f)
		loc := requestLocRE.FindStringSubmatch(res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || loc == nil || loc[2] != "request_granted" {
			t.Fatalf("unconditional: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if _, page := w.hrss.get("/share/requests/" + loc[1] + "?ok=request_granted"); !strings.Contains(page, "无条件共享数据已授权") || grantLinkRE.FindString(page) == "" {
			t.Errorf("unconditional request page:\n%s", page)
		}

		// Huizhou's health commission asks for provincial data: filed.
		hz := newBrowser(t, srv)
		hz.mustLogin("hz.health")
		hzApp, _, _ := hz.registerApp("惠州健康档案系统")
		_, page = hz.get("/share/requests/new?entry=" + strconv.FormatInt(w.persons, 10))
		res, body := hz.do("POST", "/share/requests", w.requestForm(hz.token(page), hzApp, "公民身份号码", "姓名"))
		loc = requestLocRE.FindStringSubmatch(res.Header.Get("Location"))
		if loc == nil {
			t.Fatalf("cross-level request: %d\n%s", res.StatusCode, body)
		}
		_, page = hz.get("/share/requests/" + loc[1])
		filings := regexp.MustCompile(`(?s)data-testid="filings">.*?</section>`).FindString(page)
		if !strings.Contains(filings, "同级主管部门") || !strings.Contains(filings, "上一级主管部门") {
			t.Fatalf("no filings on the cross-level request:\n%s", page)
		}
		rv := newBrowser(t, srv)
		rv.mustLogin("hz.reviewer")
		if _, page := rv.get("/share?box=filed"); !strings.Contains(page, `data-request="`+loc[1]+`"`) {
			t.Errorf("the same-level authority's filings lack the request:\n%s", page)
		}
		if res, _ := rv.get("/share/requests/" + loc[1]); res.StatusCode != http.StatusOK {
			t.Errorf("the filed authority cannot read the request: %d", res.StatusCode)
		}

		// The uncatalogued demand form: no source, no demand.
		_, page = w.hrss.get("/share/requests/new")
		if !strings.Contains(page, `name="source_agency_id"`) || !strings.Contains(page, `name="demand"`) {
			t.Fatalf("demand form:\n%s", page)
		}
		res, fp := w.hrss.do("POST", "/share/requests", url.Values{"csrf_token": {w.hrss.token(page)}, "kind": {"uncatalogued"}, "purpose_category": {"duty"},
			"purpose": {"p"}, "scenario": {"s"}, "duty_basis": {"d"}, "mode": {"api"}, "app_id": {appID}, "end_date": {time.Now().AddDate(1, 0, 0).Format(time.DateOnly)}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(fieldError(fp, "e-source_agency_id"), "须指定持有数据的数源部门") || !strings.Contains(fieldError(fp, "e-demand"), "须说明所需数据") {
			t.Fatalf("demand without source and demand: %d\n%s", res.StatusCode, fp)
		}

		// In English.
		w.hrss.lang = "en"
		_, page = w.hrss.get("/share/requests/new?entry=" + strconv.FormatInt(w.persons, 10))
		bad := w.requestForm(w.hrss.token(page), appID)
		bad.Del("purpose_category")
		_, fp = w.hrss.do("POST", "/share/requests", bad)
		if !strings.Contains(fieldError(fp, "e-items"), "list the items needed") || !strings.Contains(fp, "will be masked as: keep first 3 and last 4") {
			t.Fatalf("English form:\n%s", fp)
		}
		noMissingKeys(t, "English form", fp)
	})
}

// TestShareFollowUpForms: the consumer's use report names a missing content
// of its profile at the field; a data error is reported from a grant, the
// source verifies and fixes it (a resolution required) and the consumer
// sees the resolution; the consumer cannot answer its own report.
func TestShareFollowUpForms(t *testing.T) {
	eachShareNode(t, func(t *testing.T, srv *httptest.Server, a *app.App) {
		w := newShareWorld(t, srv, a)
		appID, _, _ := w.hrss.registerApp("社保系统")
		grant := w.grantFor(t, appID)

		// Use feedback: the open period of the grant, its form, a missing content.
		_, page := w.hrss.get("/share/feedback")
		m := regexp.MustCompile(`href="/share/feedback\?report=(\d+)#report" data-testid="fill-feedback"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no open use report:\n%s", page)
		}
		_, page = w.hrss.get("/share/feedback?report=" + m[1])
		if !strings.Contains(page, `data-testid="feedback-form"`) || !strings.Contains(page, `for="fb-effect">应用成效 <span class="req"`) {
			t.Fatalf("feedback form:\n%s", page)
		}
		res, fp := w.hrss.do("POST", "/share/feedback/"+m[1], url.Values{"csrf_token": {w.hrss.token(page)}, "scenario": {"社保资格认证"}, "effect": {""}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(fieldError(fp, "e-fb-effect"), "使用情况反馈须包括应用成效") {
			t.Fatalf("feedback without effect: %d\n%s", res.StatusCode, fp)
		}
		res, _ = w.hrss.do("POST", "/share/feedback/"+m[1], url.Values{"csrf_token": {w.hrss.token(page)}, "scenario": {"社保资格认证"}, "effect": {"减少群众提交证明材料"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("feedback: %d", res.StatusCode)
		}
		if _, page := w.police.get("/share/feedback?side=source&state=submitted"); !strings.Contains(page, "减少群众提交证明材料") {
			t.Errorf("the source does not see the submitted report:\n%s", page)
		}

		// A data error from the grant.
		_, page = w.hrss.get("/share/grants/" + grant)
		if !strings.Contains(page, `href="/share/errors/new?grant=`+grant+`"`) {
			t.Fatalf("no error report link on the grant:\n%s", page)
		}
		_, page = w.hrss.get("/share/errors/new?grant=" + grant)
		res, fp = w.hrss.do("POST", "/share/errors", url.Values{"csrf_token": {w.hrss.token(page)}, "grant_id": {grant}, "record_key": {w.ids[0]}, "item": {""}, "description": {"姓名有误"}})
		if res.StatusCode != http.StatusBadRequest || fieldError(fp, "e-item") == "" {
			t.Fatalf("error report without item: %d\n%s", res.StatusCode, fp)
		}
		res, fp = w.hrss.do("POST", "/share/errors", url.Values{"csrf_token": {w.hrss.token(page)}, "grant_id": {grant}, "record_key": {w.ids[0]}, "item": {"姓名"}, "description": {"姓名有误，应为张三"}})
		loc := regexp.MustCompile(`^/share/errors/(\d+)\?ok=error_reported$`).FindStringSubmatch(res.Header.Get("Location"))
		if loc == nil {
			t.Fatalf("error report: %d\n%s", res.StatusCode, fp)
		}
		errPath := "/share/errors/" + loc[1]
		_, page = w.hrss.get(errPath)
		if !strings.Contains(page, `data-state="reported"`) || !strings.Contains(page, `data-testid="error-due"`) || strings.Contains(page, `data-testid="verify-form"`) {
			t.Fatalf("the consumer's error page:\n%s", page)
		}
		if res, _ := w.hrss.do("POST", errPath+"/decide", url.Values{"csrf_token": {w.hrss.token(page)}, "action": {"verify"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("the consumer verifies its own report: %d", res.StatusCode)
		}
		_, page = w.police.get(errPath)
		if res, _ := w.police.do("POST", errPath+"/decide", url.Values{"csrf_token": {w.police.token(page)}, "action": {"verify"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("verify: %d", res.StatusCode)
		}
		_, page = w.police.get(errPath)
		res, fp = w.police.do("POST", errPath+"/decide", url.Values{"csrf_token": {w.police.token(page)}, "action": {"fix"}, "resolution": {""}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(fp, "has-err") {
			t.Fatalf("fix without resolution: %d\n%s", res.StatusCode, fp)
		}
		if res, _ := w.police.do("POST", errPath+"/decide", url.Values{"csrf_token": {w.police.token(page)}, "action": {"fix"}, "resolution": {"已更正姓名"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("fix: %d", res.StatusCode)
		}
		if _, page := w.hrss.get(errPath); !strings.Contains(page, `data-state="fixed"`) || !strings.Contains(page, "已更正姓名") {
			t.Errorf("the consumer does not see the fix:\n%s", page)
		}
	})
}

// TestShareOtherKinds: verification of not-shared data, an offline request
// with its delivery record, a withdrawal, and an uncatalogued demand that
// the source confirms and links to a published entry.
func TestShareOtherKinds(t *testing.T) {
	eachShareNode(t, func(t *testing.T, srv *httptest.Server, a *app.App) {
		w := newShareWorld(t, srv, a)
		appID, _, _ := w.hrss.registerApp("核验系统")
		wanted := publish(t, a, "gd.police", "gd.reviewer", "重点人员信息（控制台测试）", catalog.ShareNone, personItems())
		submit := func(b *browser, f url.Values) string {
			t.Helper()
			res, body := b.do("POST", "/share/requests", f)
			loc := requestLocRE.FindStringSubmatch(res.Header.Get("Location"))
			if loc == nil {
				t.Fatalf("submit %s: %d\n%s", f.Get("kind"), res.StatusCode, body)
			}
			return "/share/requests/" + loc[1]
		}
		decide := func(path string, f url.Values) {
			t.Helper()
			_, page := w.police.get(path)
			f.Set("csrf_token", w.police.token(page))
			if res, body := w.police.do("POST", path+"/decide", f); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %d\n%s", f.Get("action"), res.StatusCode, body)
			}
		}

		// Not-shared data: verification only.
		if _, page := w.hrss.get("/catalog/" + strconv.FormatInt(wanted.ID, 10)); !strings.Contains(page, "kind=verify\" data-testid=\"ask-share\">申请核实比对") {
			t.Errorf("the not-shared entry does not offer verification:\n%s", page)
		}
		_, page := w.hrss.get("/share/requests/new?entry=" + strconv.FormatInt(wanted.ID, 10) + "&kind=data")
		if !strings.Contains(page, `name="kind" value="verify"`) || strings.Contains(page, "kind=data") || strings.Contains(page, `name="mode"`) {
			t.Fatalf("verification form:\n%s", page)
		}
		f := w.requestForm(w.hrss.token(page), appID, "公民身份号码", "姓名")
		f.Set("kind", "verify")
		f.Set("entry_id", strconv.FormatInt(wanted.ID, 10))
		vr := submit(w.hrss, f)
		decide(vr, url.Values{"action": {"agree"}, "items": {"公民身份号码", "姓名"}})
		_, page = w.hrss.get(vr)
		g := grantLinkRE.FindStringSubmatch(page)
		if g == nil || !strings.Contains(page, `data-state="granted"`) {
			t.Fatalf("verification granted:\n%s", page)
		}
		if _, page := w.hrss.get("/share/grants/" + g[1]); !strings.Contains(page, "/api/v1/share/data/"+g[1]+"/verify") || !strings.Contains(page, "核实比对") {
			t.Errorf("verification grant page:\n%s", page)
		}

		// Offline: the unconditional entry is granted at once; the source records the delivery.
		_, page = w.hrss.get("/share/requests/new?entry=" + strconv.FormatInt(w.stats, 10) + "&kind=offline")
		if !strings.Contains(page, `name="offline_method"`) || strings.Contains(page, `name="app_id"`) {
			t.Fatalf("offline form:\n%s", page)
		}
		f = w.requestForm(w.hrss.token(page), "", "统计编号", "户籍人口数")
		f.Set("kind", "offline")
		f.Set("entry_id", strconv.FormatInt(w.stats, 10))
		f.Set("offline_method", "storage_media")
		or := submit(w.hrss, f)
		_, page = w.police.get(or)
		if !strings.Contains(page, `data-testid="delivery-form"`) {
			t.Fatalf("no delivery form for the source:\n%s", page)
		}
		today := time.Now().Format(time.DateOnly)
		res, fp := w.police.do("POST", or+"/delivery", url.Values{"csrf_token": {w.police.token(page)}, "method": {"storage_media"}, "delivered_on": {today}, "carrier": {"U盘 GD-0001"}})
		if res.StatusCode != http.StatusBadRequest || !regexp.MustCompile(`(?s)for="f-d-receiver">.*?<p class="ferr">须填写接收人`).MatchString(fp) {
			t.Fatalf("delivery without receiver: %d\n%s", res.StatusCode, fp)
		}
		if res, body := w.police.do("POST", or+"/delivery", url.Values{"csrf_token": {w.police.token(page)}, "method": {"storage_media"}, "delivered_on": {today},
			"carrier": {"U盘 GD-0001"}, "receiver": {"王科长"}, "rows": {"2"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("delivery: %d\n%s", res.StatusCode, body)
		}
		if _, page := w.hrss.get(or); !strings.Contains(page, `data-state="delivered"`) || !strings.Contains(page, "王科长") {
			t.Errorf("the consumer does not see the delivery:\n%s", page)
		}

		// A withdrawal while the source has not answered.
		_, page = w.hrss.get("/share/requests/new?entry=" + strconv.FormatInt(w.persons, 10))
		f = w.requestForm(w.hrss.token(page), appID, "公民身份号码")
		f.Set("scenario", "另一个业务场景")
		wr := submit(w.hrss, f)
		_, page = w.hrss.get(wr)
		if res, _ := w.hrss.do("POST", wr+"/withdraw", url.Values{"csrf_token": {w.hrss.token(page)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", res.StatusCode)
		}
		if _, page := w.police.get(wr); !strings.Contains(page, `data-state="withdrawn"`) || strings.Contains(page, `data-testid="agree-form"`) {
			t.Errorf("withdrawn request:\n%s", page)
		}

		// An uncatalogued demand: confirmed, then linked to a published entry.
		police, _ := a.Orgs.Agency(t.Context(), w.personsDS.AgencyID)
		_, page = w.hrss.get("/share/requests/new")
		ur := submit(w.hrss, url.Values{"csrf_token": {w.hrss.token(page)}, "kind": {"uncatalogued"}, "source_agency_id": {strconv.FormatInt(police.ID, 10)},
			"demand": {"出入境证件办理记录"}, "purpose_category": {"duty"}, "purpose": {"核验出国定居人员"}, "scenario": {"养老金停发核查"}, "duty_basis": {"《社会保险法》"},
			"mode": {"api"}, "app_id": {appID}, "end_date": {time.Now().AddDate(1, 0, 0).Format(time.DateOnly)}})
		if _, page := w.police.get("/share?box=inbox"); !strings.Contains(page, "出入境证件办理记录") {
			t.Errorf("the demand is not in the source's inbox:\n%s", page)
		}
		decide(ur, url.Values{"action": {"confirm"}})
		_, page = w.police.get(ur)
		if !strings.Contains(page, `data-testid="catalogue-form"`) || !strings.Contains(page, " 户籍人口统计（控制台测试）</option>") {
			t.Fatalf("catalogue form:\n%s", page)
		}
		decide(ur, url.Values{"action": {"catalogue"}, "entry_id": {strconv.FormatInt(w.stats, 10)}})
		if _, page := w.hrss.get(ur); !strings.Contains(page, `data-state="catalogued"`) {
			t.Errorf("catalogued demand:\n%s", page)
		}
	})
}

// TestShareOverdueMarked: a conditional request left unanswered past the
// reply deadline is marked overdue in the source's inbox and counted in the
// authority's view, whose overdue filter lists it.
func TestShareOverdueMarked(t *testing.T) {
	for _, d := range storetest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			a := apptest.Demo(t, d)
			ctx := t.Context()
			e := publish(t, a, "gd.police", "gd.reviewer", "人口基本信息（逾期测试）", catalog.ShareConditional, personItems())
			hrss := actorOf(t, a, "gd.hrss")
			creds, err := a.Share.RegisterApp(ctx, hrss, share.AppInput{Name: "社保系统"})
			if err != nil {
				t.Fatal(err)
			}
			// Filed a month ago: the clock is set back before the server starts.
			a.Cases.SetClock(func() time.Time { return time.Now().AddDate(0, -1, 0) })
			r, err := a.Share.Submit(ctx, hrss, share.RequestInput{Kind: share.KindData, EntryID: e.ID, Spec: share.Spec{
				Items: []share.GrantItem{{Name: "公民身份号码"}}, PurposeCategory: share.PurposeDuty, Purpose: "核验", Scenario: "资格认证", DutyBasis: "《社会保险法》",
				Mode: share.ModeAPI, EndDate: time.Now().AddDate(1, 0, 0).Format(time.DateOnly), AppID: creds.App.ID}})
			a.Cases.SetClock(time.Now)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Cases.MarkOverdue(ctx, time.Now()); err != nil {
				t.Fatal(err)
			}
			srv := apptest.Server(t, a)
			id := strconv.FormatInt(r.ID, 10)
			police := newBrowser(t, srv)
			police.mustLogin("gd.police")
			_, page := police.get("/share?box=inbox")
			if !regexp.MustCompile(`<tr class="row-overdue" data-request="`+id+`">`).MatchString(page) || !strings.Contains(page, `data-testid="overdue"`) {
				t.Fatalf("the inbox does not mark the request overdue:\n%s", page)
			}
			rv := newBrowser(t, srv)
			rv.mustLogin("gd.reviewer")
			if _, page := rv.get("/share?box=all"); !strings.Contains(page, `data-testid="late-count">逾期 1 件<`) {
				t.Errorf("the authority's view does not count the overdue request:\n%s", page)
			}
			if _, page := rv.get("/share?box=all&overdue=true"); !strings.Contains(page, `data-request="`+id+`"`) {
				t.Errorf("the overdue filter does not list the request:\n%s", page)
			}
		})
	}
}
