package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestCatalogFormValueConstraints: the item editor takes 值域 (one input,
// values separated by 、 or commas), 最小值, 最大值 and 格式; the entry page
// and the edit form show them again; a contradiction is shown in its cell.
func TestCatalogFormValueConstraints(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("hz.police")
	_, page := b.get("/catalog/new")
	if !strings.Contains(page, `name="items[0].values"`) || !strings.Contains(page, `<option value="mobile">手机号码</option>`) {
		t.Fatalf("the item editor lacks the value inputs:\n%s", page)
	}
	// Rows renumber after the blank items[1]: 性别 is items[1], 出生日期 items[2], 联系电话 items[3].
	f := draftForm(b.token(page), "惠州市测试人口信息", map[string]string{
		"items[0].format": "resident_id",
		"items[2].name":   "性别", "items[2].type": "C", "items[2].length": "2", "items[2].grade": "general-2", "items[2].values": " 男、女, 未知，男 ",
		"items[3].name": "出生日期", "items[3].type": "D", "items[3].grade": "general-2", "items[3].min": "1900-01-01", "items[3].max": " 2099-12-31",
		"items[4].name": "联系电话", "items[4].type": "C", "items[4].length": "11", "items[4].grade": "general-2", "items[4].format": "mobile", "items[4].min": "11",
	})
	res, body := b.do("POST", "/catalog/new", f)
	m := entryIDRE.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d\n%s", res.StatusCode, body)
	}
	id := m[1]
	_, body = b.get("/catalog/" + id)
	body = html.UnescapeString(body)
	for _, want := range []string{"值域", "取值范围", ">男、女、未知</td>", "1900-01-01 – 2099-12-31", "至少11个字", "手机号码</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("entry page lacks %q", want)
		}
	}
	_, body = b.get("/catalog/" + id + "/edit")
	for _, want := range []string{`name="items[1].values" value="男、女、未知"`, `name="items[2].min" value="1900-01-01"`, `name="items[2].max" value="2099-12-31"`,
		`name="items[3].min" value="11"`} {
		if !strings.Contains(body, want) {
			t.Errorf("edit form lacks %s", want)
		}
	}
	if !regexp.MustCompile(`<select name="items\[3\]\.format"[^>]*>.*?<option value="mobile" selected>`).MatchString(body) {
		t.Errorf("edit form does not select the format")
	}

	// Contradictions: a value longer than the item, a format against the
	// key kind; each message sits in its cell and the form keeps the input.
	_, page = b.get("/catalog/" + id + "/edit")
	f = draftForm(b.token(page), "惠州市测试人口信息", map[string]string{
		"items[0].format": "credit_code",
		"items[1].name":   "性别", "items[1].type": "C", "items[1].length": "1", "items[1].grade": "general-2", "items[1].values": "男、女、未知",
	})
	res, body = b.do("POST", "/catalog/"+id+"/edit", f)
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400\n%s", res.StatusCode, body)
	}
	cell := regexp.MustCompile(`(?s)<td class="has-err">\s*<input name="items\[1\]\.values" value="([^"]*)".*?<p class="ferr">([^<]*)</p>`).FindStringSubmatch(body)
	if cell == nil || html.UnescapeString(cell[1]) != "男、女、未知" || !strings.Contains(html.UnescapeString(cell[2]), "“未知”") {
		t.Fatalf("no message at items[1].values:\n%s", body)
	}
	cell = regexp.MustCompile(`(?s)<td class="has-err">\s*<select name="items\[0\]\.format".*?<p class="ferr">([^<]*)</p>`).FindStringSubmatch(body)
	if cell == nil || !strings.Contains(html.UnescapeString(cell[1]), "主键类别为公民身份号码") {
		t.Fatalf("no message at items[0].format:\n%s", body)
	}
}
