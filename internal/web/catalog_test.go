package web_test

import (
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// draftForm is a drafting form with one good item and whatever the test sets.
func draftForm(token, name string, extra map[string]string) url.Values {
	f := url.Values{"csrf_token": {token}, "name": {name}, "class_code": {"3070220200"},
		"items[0].name": {"公民身份号码"}, "items[0].type": {"C"}, "items[0].length": {"18"}, "items[0].grade": {"general-3"},
		"items[0].personal": {"on"}, "items[0].key": {"on"}, "items[0].key_kind": {"resident_id"},
		// A blank row, as the form offers without JavaScript: ignored.
		"items[1].name": {""}, "items[1].type": {""}}
	for k, v := range extra {
		f.Set(k, v)
	}
	return f
}

var entryIDRE = regexp.MustCompile(`^/catalog/(\d+)\?ok=`)

// createDraft drafts an entry through the form and returns its ID.
func createDraft(t *testing.T, b *browser, name string) string {
	t.Helper()
	_, page := b.get("/catalog/new")
	res, body := b.do("POST", "/catalog/new", draftForm(b.token(page), name, nil))
	m := entryIDRE.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("create draft: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	return m[1]
}

func TestCatalogDraftWithBadFieldShowsItsMessage(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("hz.police")
	_, page := b.get("/catalog/new")
	// The second filled row (after the blank one) has a grade the profile
	// does not define; the rows are renumbered, so the error is items[1].
	f := draftForm(b.token(page), "惠州市测试户籍信息", map[string]string{
		"items[2].name": "户籍地址", "items[2].type": "C", "items[2].length": "200", "items[2].grade": "secret"})
	res, body := b.do("POST", "/catalog/new", f)
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400\n%s", res.StatusCode, body)
	}
	// The message sits in the grade cell of the second item row, in Chinese.
	cell := regexp.MustCompile(`(?s)<td class="has-err">\s*<select name="items\[1\]\.grade".*?<p class="ferr">([^<]*)</p>`).FindStringSubmatch(body)
	if cell == nil || !strings.Contains(html.UnescapeString(cell[1]), "分级取值无效") {
		t.Fatalf("no grade message at items[1].grade:\n%s", body)
	}
	// The form comes back filled.
	for _, want := range []string{`value="惠州市测试户籍信息"`, `name="items[1].name" value="户籍地址"`, `name="items[0].name" value="公民身份号码"`} {
		if !strings.Contains(body, want) {
			t.Errorf("form not refilled: no %s", want)
		}
	}
	// A length that is not a number is refused before the service sees it.
	f = draftForm(b.token(body), "惠州市测试户籍信息", map[string]string{"items[0].length": "十八"})
	b.lang = "en"
	res, body = b.do("POST", "/catalog/new", f)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "the length must be a whole number") {
		t.Fatalf("bad length: %d\n%s", res.StatusCode, body)
	}
}

func TestCatalogDraftHiddenFromAnotherAgency(t *testing.T) {
	srv, _ := node(t)
	owner := newBrowser(t, srv)
	owner.mustLogin("hz.police")
	id := createDraft(t, owner, fmt.Sprintf("惠州市测试户籍登记信息%d", rand.IntN(1e6)))
	if res, body := owner.get("/catalog/" + id); res.StatusCode != http.StatusOK || !strings.Contains(body, "提交审定") {
		t.Fatalf("owner: %d\n%s", res.StatusCode, body)
	}
	other := newBrowser(t, srv)
	other.mustLogin("gd.police")
	res, body := other.get("/catalog/" + id)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "目录条目不存在") {
		t.Fatalf("another agency: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if res, _ := other.get("/catalog/" + id + "/edit"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another agency's edit form: %d, want 404", res.StatusCode)
	}
}

func TestCatalogReviewQueueRefusedToAgencyOfficer(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("hz.police")
	res, body := b.get("/catalog/review")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("review queue for an officer: %d\n%s", res.StatusCode, body)
	}
	if _, home := b.get("/catalog"); strings.Contains(home, `href="/catalog/review"`) {
		t.Error("the officer's catalog page links to the review queue")
	}
}

// The procedure through the pages: draft → submit → return with reasons →
// edit → resubmit → approve → found by search.
func TestCatalogReviewFlow(t *testing.T) {
	srv, _ := node(t)
	name := fmt.Sprintf("惠州市测试户籍登记信息%d", rand.IntN(1e6))
	officer := newBrowser(t, srv)
	officer.mustLogin("hz.police")
	id := createDraft(t, officer, name)
	_, page := officer.get("/catalog/" + id + "/edit")
	complete := draftForm(officer.token(page), name, map[string]string{"summary": "惠州市户籍人口登记信息", "data_form": "database", "share_type": "conditional",
		"share_conditions": "用于政务服务身份核验", "share_basis": "《中华人民共和国户口登记条例》", "share_scope": "惠州市政务部门", "share_modes": "api",
		"open_attr": "not_open", "update_freq": "daily", "collecting_agency": "惠州市公安局", "verifying_agency": "惠州市公安局", "providing_agency": "惠州市公安局",
		"then": "submit"})
	res, body := officer.do("POST", "/catalog/"+id+"/edit", complete)
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "?ok=cat_submitted") {
		t.Fatalf("save and submit: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}

	reviewer := newBrowser(t, srv)
	reviewer.mustLogin("hz.reviewer")
	_, queue := reviewer.get("/catalog/review")
	if !strings.Contains(queue, `href="/catalog/`+id+`"`) || !regexp.MustCompile(`data-testid="due">\d{4}-\d{2}-\d{2}`).MatchString(queue) {
		t.Fatalf("not in the review queue with a due date:\n%s", queue)
	}
	_, page = reviewer.get("/catalog/" + id)
	tok := reviewer.token(page)
	if res, body := reviewer.do("POST", "/catalog/"+id+"/review", url.Values{"csrf_token": {tok}, "action": {"return"}}); res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("return without reasons: %d\n%s", res.StatusCode, body)
	}
	if res, body := reviewer.do("POST", "/catalog/"+id+"/review", url.Values{"csrf_token": {tok}, "action": {"return"}, "reasons": {"共享范围过宽"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("return: %d\n%s", res.StatusCode, body)
	}

	_, page = officer.get("/catalog/" + id + "/edit")
	if !strings.Contains(page, "共享范围过宽") {
		t.Fatalf("the officer does not see the reasons:\n%s", page)
	}
	complete.Set("csrf_token", officer.token(page))
	complete.Set("share_scope", "惠州市公安、民政部门")
	if res, body := officer.do("POST", "/catalog/"+id+"/edit", complete); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resubmit: %d\n%s", res.StatusCode, body)
	}
	if res, body := reviewer.do("POST", "/catalog/"+id+"/review", url.Values{"csrf_token": {tok}, "action": {"approve"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", res.StatusCode, body)
	}
	_, found := officer.get("/catalog?q=" + url.QueryEscape("户籍"))
	if !strings.Contains(found, name) {
		t.Fatalf("search for 户籍 does not find %s", name)
	}
	_, diff := officer.get("/catalog/" + id + "?diff=1..1")
	if !strings.Contains(diff, "两个版本没有差异") && !strings.Contains(diff, "只有一个版本") {
		t.Errorf("diff of a version with itself:\n%s", diff)
	}
}
