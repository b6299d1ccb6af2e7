package web_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"pubdata/internal/apptest"
	"pubdata/internal/store/storetest"
)

// fullNode starts a node with the whole demo catalog and its datasets.
func fullNode(t *testing.T) *httptest.Server {
	t.Helper()
	return apptest.Server(t, apptest.FullDemo(t, "sqlite"))
}

// datasetPath finds a dataset by name on the datasets page of the browser's user.
func (b *browser) datasetPath(name string) string {
	b.t.Helper()
	_, page := b.get("/datasets?q=" + url.QueryEscape(name))
	m := regexp.MustCompile(`<a href="(/datasets/\d+)">` + regexp.QuoteMeta(name) + `</a>`).FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no dataset %s on the datasets page:\n%s", name, page)
	}
	return m[1]
}

// sourceForm is a filled source form of the 惠州市居住证信息 dataset.
func sourceForm(token, dsn, table string) url.Values {
	return url.Values{"csrf_token": {token}, "driver": {"postgres"}, "dsn": {dsn}, "table": {table}, "mode": {"incremental"}, "update_column": {"changed"},
		"columns.公民身份号码": {"sfzh"}, "columns.姓名": {"xm"}, "columns.居住证号码": {"jzz"}}
}

// TestSourceFormRefusesABadTable: a table that is not a plain identifier
// comes back next to its field, without the connection string, and nothing
// is registered.
func TestSourceFormRefusesABadTable(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("hz.police")
	ds := b.datasetPath("惠州市居住证信息")
	_, page := b.get(ds)
	for _, want := range []string{`data-testid="source-form"`, `type="password" name="dsn" value=""`, `name="columns.公民身份号码"`, `name="columns.居住证号码"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("dataset page has no %s:\n%s", want, page)
		}
	}
	res, fp := b.do("POST", ds+"/sources", sourceForm(b.token(page), "postgres://reader:Sekr1t-pw@127.0.0.1:5432/src", "people; DROP TABLE x"))
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad table: %d\n%s", res.StatusCode, fp)
	}
	field := regexp.MustCompile(`(?s)<div class="field has-err"><label for="s-table">.*?<p class="ferr">([^<]+)</p>`).FindStringSubmatch(fp)
	if field == nil || !strings.Contains(field[1], "源表名应为字母、数字、下划线组成的标识符") {
		t.Fatalf("no field error at the table:\n%s", fp)
	}
	if strings.Contains(fp, "Sekr1t-pw") || strings.Contains(fp, "127.0.0.1:5432/src") {
		t.Fatal("the connection string is echoed back")
	}
	if !strings.Contains(fp, `value="people; DROP TABLE x"`) || !strings.Contains(fp, `name="columns.姓名" value="xm"`) {
		t.Fatalf("the form is not re-filled:\n%s", fp)
	}
	if _, page := b.get(ds); strings.Contains(page, `data-testid="sources-table"`) {
		t.Fatal("a source was registered")
	}
	// In English, the message is in English.
	b.lang = "en"
	_, fp = b.do("POST", ds+"/sources", sourceForm(b.token(page), "postgres://reader:pw@127.0.0.1:5432/src", "bad-name"))
	if !strings.Contains(fp, "the table is a plain identifier") {
		t.Fatalf("English field error:\n%s", fp)
	}
}

// TestSourceFormRegistersPostgres registers a real PostgreSQL table; the
// sources table lists it without its password, and it can be disabled.
func TestSourceFormRegistersPostgres(t *testing.T) {
	base := storetest.PostgresURL()
	if base == "" {
		t.Skip("PUBDATA_TEST_POSTGRES not set: no PostgreSQL source database to register")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		t.Skipf("PostgreSQL at PUBDATA_TEST_POSTGRES unreachable: %v", err)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	sfx := hex.EncodeToString(rnd[:])
	schema, role, pw := "webpull_"+sfx, "webpull_reader_"+sfx, "Pw-"+sfx+"-secret"
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`)
		_, _ = admin.Exec(`DROP ROLE IF EXISTS ` + role)
		admin.Close()
	})
	for _, q := range []string{`CREATE SCHEMA ` + schema, `CREATE TABLE ` + schema + `.permits (sfzh VARCHAR(18), xm TEXT, jzz VARCHAR(20), changed TIMESTAMPTZ)`,
		`CREATE ROLE ` + role + ` LOGIN PASSWORD '` + pw + `'`, `GRANT USAGE ON SCHEMA ` + schema + ` TO ` + role, `GRANT SELECT ON ` + schema + `.permits TO ` + role} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, pw)

	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("hz.police")
	ds := b.datasetPath("惠州市居住证信息")
	_, page := b.get(ds)
	res, fp := b.do("POST", ds+"/sources", sourceForm(b.token(page), u.String(), schema+".permits"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != ds+"?ok=source_added#sources" {
		t.Fatalf("register: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), fp)
	}
	_, page = b.get(res.Header.Get("Location"))
	if !strings.Contains(page, "库表汇聚已登记") || !strings.Contains(page, `data-testid="sources-table"`) || !strings.Contains(page, "<code>"+schema+".permits</code>") {
		t.Fatalf("the source is not listed:\n%s", page)
	}
	if strings.Contains(page, pw) {
		t.Fatal("the dataset page shows the source's password")
	}
	m := regexp.MustCompile(`action="/sources/(\d+)/disable"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no disable button:\n%s", page)
	}
	res, _ = b.do("POST", "/sources/"+m[1]+"/disable", url.Values{"csrf_token": {b.token(page)}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "ok=source_disabled") {
		t.Fatalf("disable: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, page = b.get(ds)
	if !strings.Contains(page, `action="/sources/`+m[1]+`/enable"`) {
		t.Fatalf("no enable button after disabling:\n%s", page)
	}
}

var entryOptionRE = regexp.MustCompile(`<option value="(\d+)">3441300100001/\d+ 惠州市居住证信息</option>`)

// TestExemptionForm: the officer files a channel exemption; the Huizhou
// authority sees it, another agency does not and may not file for the entry.
func TestExemptionForm(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("hz.police")
	_, ds := b.get("/datasets")
	if !strings.Contains(ds, `href="/collection-exemptions"`) {
		t.Fatal("the datasets page does not link the exemptions")
	}
	res, page := b.get("/collection-exemptions")
	m := entryOptionRE.FindStringSubmatch(page)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="exemption-form"`) || m == nil {
		t.Fatalf("exemptions page: %d\n%s", res.StatusCode, page)
	}
	// No reason: the message sits at the reason, the alternative stays.
	res, fp := b.do("POST", "/collection-exemptions", url.Values{"csrf_token": {b.token(page)}, "entry_id": {m[1]}, "reason": {" "}, "alternative": {"每月报送光盘"}})
	if res.StatusCode != http.StatusBadRequest || !regexp.MustCompile(`(?s)<label for="x-reason">.*?<p class="ferr">请说明无法通过规定方式汇聚的特殊情况`).MatchString(fp) ||
		!strings.Contains(fp, ">每月报送光盘</textarea>") {
		t.Fatalf("no reason: %d\n%s", res.StatusCode, fp)
	}
	reason := "源系统为涉密网络，无法联网汇聚"
	res, _ = b.do("POST", "/collection-exemptions", url.Values{"csrf_token": {b.token(page)}, "entry_id": {m[1]}, "reason": {reason}, "alternative": {"每月报送光盘"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/collection-exemptions?ok=exemption_filed" {
		t.Fatalf("file: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, page := b.get(res.Header.Get("Location")); !strings.Contains(page, "已报备案") || !strings.Contains(page, reason) || !strings.Contains(page, "惠州市政务服务和数据管理局") {
		t.Fatalf("the filing is not listed:\n%s", page)
	}

	rv := newBrowser(t, srv)
	rv.mustLogin("hz.reviewer")
	if res, page := rv.get("/collection-exemptions"); res.StatusCode != http.StatusOK || !strings.Contains(page, reason) || strings.Contains(page, "exemption-form") {
		t.Fatalf("the authority: %d\n%s", res.StatusCode, page)
	}
	other := newBrowser(t, srv)
	other.mustLogin("hz.health")
	res, page = other.get("/collection-exemptions")
	if res.StatusCode != http.StatusOK || strings.Contains(page, reason) || entryOptionRE.MatchString(page) {
		t.Fatalf("another agency's officer: %d\n%s", res.StatusCode, page)
	}
	if res, _ := other.do("POST", "/collection-exemptions", url.Values{"csrf_token": {other.token(page)}, "entry_id": {m[1]}, "reason": {"冒名报备"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("another agency's officer files for the entry: %d", res.StatusCode)
	}
	user := newBrowser(t, srv)
	user.mustLogin("hz.health.user")
	res, page = user.get("/collection-exemptions")
	if res.StatusCode != http.StatusOK || strings.Contains(page, "exemption-form") {
		t.Fatalf("agency user: %d", res.StatusCode)
	}
	if res, _ := user.do("POST", "/collection-exemptions", url.Values{"csrf_token": {user.token(page)}, "entry_id": {m[1]}, "reason": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("agency user files: %d", res.StatusCode)
	}
	if _, page := b.get("/collection-exemptions"); strings.Count(page, "data-exemption=") != 1 {
		t.Fatalf("refused filings were stored:\n%s", page)
	}
}

// TestBaseGroupFormShowsTheLegalSource: binding the civil affairs
// department's marriage dataset to household registration is refused at
// the field, naming the legal source and the article; the binding to the
// marriage group made before stays.
func TestBaseGroupFormShowsTheLegalSource(t *testing.T) {
	srv := fullNode(t)
	for _, c := range []struct{ lang, want string }{
		{"", "不是基础数据属性组“户籍登记数据”（person.household）的法定数源部门；依GD-290 §18（一）"},
		{"en", "is not a legal source of the base data attribute group household registration (person.household); under GD-290 §18（一）"},
	} {
		b := newBrowser(t, srv)
		b.lang = c.lang
		b.mustLogin("gd.reviewer")
		ds := b.datasetPath("内地居民婚姻登记信息")
		_, page := b.get(ds)
		if !strings.Contains(page, `data-testid="base-group-form"`) || strings.Contains(page, "return-flow-form") {
			t.Fatalf("reviewer's dataset page:\n%s", page)
		}
		// The legal source binds.
		res, _ := b.do("POST", ds+"/base-group", url.Values{"csrf_token": {b.token(page)}, "base_group": {"person.marriage"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != ds+"?ok=base_bound#govern" {
			t.Fatalf("bind the marriage group: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if _, page = b.get(ds); !strings.Contains(page, `<option value="person.marriage" selected>`) || !strings.Contains(page, "<code>person.marriage</code>") {
			t.Fatalf("after binding:\n%s", page)
		}
		res, fp := b.do("POST", ds+"/base-group", url.Values{"csrf_token": {b.token(page)}, "base_group": {"person.household"}})
		ferr := regexp.MustCompile(`<p class="ferr" data-testid="base-group-error">([^<]+)</p>`).FindStringSubmatch(fp)
		if res.StatusCode != http.StatusForbidden || ferr == nil || !strings.Contains(ferr[1], c.want) {
			t.Fatalf("refusal %q: %d\n%s", c.lang, res.StatusCode, fp)
		}
		if !strings.Contains(fp, `<option value="person.household" selected>`) {
			t.Fatal("the refused choice is not kept")
		}
		if _, page := b.get(ds); !strings.Contains(page, `<option value="person.marriage" selected>`) {
			t.Fatal("the binding changed")
		}
	}
}

// TestReturnFlowForm: a city reviewer sets up the return flow of a
// provincial dataset; a second time is refused with its message.
func TestReturnFlowForm(t *testing.T) {
	srv := fullNode(t)
	gd := newBrowser(t, srv)
	gd.mustLogin("gd.reviewer")
	origin := gd.datasetPath("内地居民婚姻登记信息")
	b := newBrowser(t, srv)
	b.mustLogin("hz.reviewer")
	// The city reviewer finds the button on the provincial entry's page.
	_, list := gd.get(origin)
	entry := regexp.MustCompile(`href="(/catalog/\d+)"`).FindStringSubmatch(list)
	if entry == nil {
		t.Fatalf("no catalog link on the dataset page:\n%s", list)
	}
	if _, ep := b.get(entry[1]); !strings.Contains(ep, `data-testid="entry-return-flow"`) || !strings.Contains(ep, `action="`+origin+`/return-flow"`) {
		t.Fatalf("no return-flow button on the entry page for the city reviewer:\n%s", ep)
	}
	if _, ep := gd.get(entry[1]); strings.Contains(ep, `data-testid="entry-return-flow"`) {
		t.Fatal("the province's own reviewer is offered a return flow")
	}
	_, page := b.get("/datasets")
	res, fp := b.do("POST", origin+"/return-flow", url.Values{"csrf_token": {b.token(page)}})
	loc := regexp.MustCompile(`^/datasets/(\d+)\?ok=return_flow_added$`).FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || loc == nil {
		t.Fatalf("return flow: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), fp)
	}
	if _, page := b.get(res.Header.Get("Location")); !strings.Contains(page, "数据回流已建立") || !strings.Contains(page, `href="`+origin+`"`) {
		t.Fatalf("the copy:\n%s", page)
	}
	if res, _ := b.do("POST", origin+"/return-flow", url.Values{"csrf_token": {b.token(page)}}); res.StatusCode == http.StatusSeeOther {
		t.Fatal("a second return flow of the same dataset was set up")
	}
	// Not for an agency officer.
	o := newBrowser(t, srv)
	o.mustLogin("hz.police")
	_, page = o.get("/datasets")
	if res, _ := o.do("POST", origin+"/return-flow", url.Values{"csrf_token": {o.token(page)}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("officer: %d", res.StatusCode)
	}
}

// TestCollectFormsRefused: an agency user and another agency's officer get
// none of the forms and are refused on POST; nothing changes.
func TestCollectFormsRefused(t *testing.T) {
	srv := fullNode(t)
	owner := newBrowser(t, srv)
	owner.mustLogin("hz.health")
	ds := owner.datasetPath("惠州市家庭医生签约服务信息")
	if _, page := owner.get(ds); !strings.Contains(page, "source-form") || strings.Contains(page, "base-group-form") {
		t.Fatalf("the owner's dataset page:\n%s", page)
	}
	post := func(b *browser, page string) map[string]int {
		out := map[string]int{}
		for path, f := range map[string]url.Values{
			ds + "/sources":     sourceForm(b.token(page), "postgres://u:pw@127.0.0.1:5432/x", "t"),
			ds + "/base-group":  {"base_group": {"person.health"}},
			ds + "/return-flow": {},
		} {
			f.Set("csrf_token", b.token(page))
			res, _ := b.do("POST", path, f)
			out[path] = res.StatusCode
		}
		return out
	}
	user := newBrowser(t, srv)
	user.mustLogin("hz.health.user")
	_, page := user.get(ds)
	for _, form := range []string{"source-form", "base-group-form", "return-flow-form", "upload-form"} {
		if strings.Contains(page, form) {
			t.Errorf("agency user sees %s", form)
		}
	}
	for path, st := range post(user, page) {
		if st != http.StatusForbidden {
			t.Errorf("agency user POST %s: %d, want 403", path, st)
		}
	}
	other := newBrowser(t, srv)
	other.mustLogin("hz.police")
	if res, _ := other.get(ds); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another agency's officer opens the dataset: %d", res.StatusCode)
	}
	_, page = other.get("/datasets")
	for path, st := range post(other, page) {
		if st != http.StatusForbidden && st != http.StatusNotFound {
			t.Errorf("another agency's officer POST %s: %d, want a refusal", path, st)
		}
	}
	if _, page := owner.get(ds); strings.Contains(page, "sources-table") {
		t.Fatal("a refused source was registered")
	}
}
