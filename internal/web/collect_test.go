package web_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"pubdata/internal/ident"
)

// upload posts the console's upload form as multipart, like a browser.
func (b *browser) upload(path, token, fileName string, content []byte, fields map[string]string) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", token)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if fileName != "" {
		fw, _ := mw.CreateFormFile("file", fileName)
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	req, err := http.NewRequest("POST", b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res, string(data)
}

var (
	datasetLinkRE = regexp.MustCompile(`<a href="/datasets/(\d+)">惠州市居住证信息</a>`)
	batchLocRE    = regexp.MustCompile(`^/batches/(\d+)(\?ok=batch_loaded)?$`)
)

func residentIDs(n int) []string {
	r := rand.New(rand.NewPCG(7, 11))
	out := make([]string, n)
	for i := range out {
		out[i] = ident.RandomResidentID(r, "441302")
	}
	return out
}

// TestCollectConsoleUpload: the agency's officer finds the dataset, uploads
// a GBK CSV that loads and one with a bad ID number that is rejected with
// its row and field; the rejections download as CSV; the authority sees the
// dataset but no upload form; another agency's user does not see it.
func TestCollectConsoleUpload(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.mustLogin("hz.police")
	_, home := b.get("/")
	if !strings.Contains(home, `href="/datasets"`) {
		t.Fatal("no 数据汇聚 in the navigation")
	}
	res, page := b.get("/datasets")
	m := datasetLinkRE.FindStringSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("datasets: %d\n%s", res.StatusCode, page)
	}
	ds := "/datasets/" + m[1]
	res, page = b.get(ds)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="upload-form"`) || !strings.Contains(page, "居住证号码") || !strings.Contains(page, "尚未汇聚") {
		t.Fatalf("dataset page: %d\n%s", res.StatusCode, page)
	}
	id := residentIDs(3)
	gbk := func(s string) []byte {
		out, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// A good GBK file, declared.
	res, _ = b.upload(ds+"/upload", b.token(page), "居住证.csv", gbk("公民身份号码,姓名,居住证号码\n"+id[0]+",张三,HZ001\n"+id[1]+",李四,HZ002\n"),
		map[string]string{"mode": "full", "encoding": "gbk"})
	loc := batchLocRE.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || loc == nil || loc[2] == "" {
		t.Fatalf("good upload: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, bp := b.get(res.Header.Get("Location"))
	if !strings.Contains(bp, `data-state="loaded"`) || !strings.Contains(bp, "批次已加载") || !strings.Contains(bp, "居住证.csv") {
		t.Fatalf("loaded batch page:\n%s", bp)
	}
	// A bad ID number, encoding detected: rejected, naming row and field.
	bad := id[2][:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[2][17])+1)%11])
	res, _ = b.upload(ds+"/upload", b.token(page), "bad.csv", gbk("公民身份号码,姓名\n"+id[0]+",张三\n"+bad+",王五\n"), nil)
	loc = batchLocRE.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || loc == nil || loc[2] != "" {
		t.Fatalf("bad upload: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, bp = b.get(res.Header.Get("Location"))
	row := regexp.MustCompile(`<td data-col="row">3</td><td data-col="field">公民身份号码</td><td data-col="why">([^<]+)`).FindStringSubmatch(bp)
	if !strings.Contains(bp, `data-state="rejected"`) || row == nil || !strings.Contains(bp, "rejections.csv") {
		t.Fatalf("rejected batch page:\n%s", bp)
	}
	res, csv := b.get("/batches/" + loc[1] + "/rejections.csv")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(csv, "\ufeff行号,字段,代码,说明,Row,Field,Code,Message\r\n3,公民身份号码,collect.value.resident_id,") {
		t.Fatalf("rejections.csv: %d %q", res.StatusCode, csv)
	}
	// The dataset shows both batches and its rows.
	_, page = b.get(ds)
	if !strings.Contains(page, `<dd data-testid="row-count">2</dd>`) || strings.Count(page, "data-batch=") != 2 {
		t.Fatalf("dataset after the uploads:\n%s", page)
	}
	// A form that cannot start a batch comes back with its message.
	res, fp := b.upload(ds+"/upload", b.token(page), "", nil, nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(fp, "请选择要上传的文件") {
		t.Fatalf("no file: %d\n%s", res.StatusCode, fp)
	}
	res, fp = b.upload(ds+"/upload", b.token(page), "old.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0, 0}, nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(fp, ".xls") {
		t.Fatalf("legacy xls: %d\n%s", res.StatusCode, fp)
	}
	res, fp = b.upload(ds+"/upload", b.token(page), "a.csv", []byte("公民身份号码\n"), map[string]string{"encoding": "big5"})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(fp, "不支持的文件编码") {
		t.Fatalf("bad encoding: %d\n%s", res.StatusCode, fp)
	}
	// Without the form's token nothing is loaded.
	res, _ = b.upload(ds+"/upload", "forged", "x.csv", []byte("公民身份号码,姓名\n"+id[2]+",赵六\n"), nil)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("forged token: %d", res.StatusCode)
	}

	// HZ §16: before collecting 公民身份号码 again, the registers page names
	// the datasets that already hold it, this one among them.
	_, rp := b.get("/catalog/registers?holders=" + url.QueryEscape("公民身份号码"))
	if !strings.Contains(rp, `data-testid="holder-datasets"`) || !strings.Contains(rp, `href="`+ds+`"`) {
		t.Fatalf("registers page does not list the datasets holding the element:\n%s", rp)
	}

	// The authority sees the dataset and its batches, but has no upload form.
	rv := newBrowser(t, srv)
	rv.mustLogin("hz.reviewer")
	if res, page := rv.get(ds); res.StatusCode != http.StatusOK || strings.Contains(page, "upload-form") || strings.Contains(page, "sources-table") {
		t.Fatalf("reviewer: %d", res.StatusCode)
	}
	if res, page := rv.get("/quality"); res.StatusCode != http.StatusOK || !strings.Contains(page, "quality-dashboard") || !strings.Contains(page, "惠州市公安局") {
		t.Fatalf("reviewer's quality dashboard: %d\n%s", res.StatusCode, page)
	}
	// Another agency's user does not see it; a public user has no console.
	other := newBrowser(t, srv)
	other.mustLogin("hz.health.user")
	if res, _ := other.get(ds); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another agency's user: %d", res.StatusCode)
	}
	if res, _ := other.get("/batches/" + loc[1]); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another agency's user reads the batch: %d", res.StatusCode)
	}
	if res, page := other.get("/datasets"); res.StatusCode != http.StatusOK || strings.Contains(page, "惠州市居住证信息") {
		t.Fatalf("another agency's user lists it: %d", res.StatusCode)
	}
	pub := newBrowser(t, srv)
	pub.mustLogin("public")
	if res, _ := pub.get("/datasets"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("public user: %d", res.StatusCode)
	}
	// The agency's quality page.
	if res, page := b.get("/quality"); res.StatusCode != http.StatusOK || !strings.Contains(page, "agency-quality") {
		t.Fatalf("agency quality: %d\n%s", res.StatusCode, page)
	}
}

func TestCollectConsoleInEnglish(t *testing.T) {
	srv, _ := node(t)
	b := newBrowser(t, srv)
	b.lang = "en"
	b.mustLogin("hz.police")
	res, page := b.get("/datasets?stale=maybe")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "stale must be true or false") {
		t.Fatalf("bad filter: %d\n%s", res.StatusCode, page)
	}
	res, page = b.get("/datasets")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Never loaded") || !strings.Contains(page, "Freshness") {
		t.Fatalf("datasets in English: %d\n%s", res.StatusCode, page)
	}
}

// TestCollectPagesPerRole: every role with data.read gets the console's
// lists; the others are refused.
func TestCollectPagesPerRole(t *testing.T) {
	srv, _ := node(t)
	for _, c := range []struct {
		user   string
		status int
		want   string
	}{
		{"hz.police", http.StatusOK, "agency-quality"},
		{"hz.health.user", http.StatusOK, "agency-quality"},
		{"gd.cdo", http.StatusOK, "agency-quality"},
		{"hz.reviewer", http.StatusOK, "quality-dashboard"},
		{"auditor", http.StatusOK, "quality-dashboard"},
		{"admin", http.StatusForbidden, ""},
		{"subject", http.StatusForbidden, ""},
	} {
		b := newBrowser(t, srv)
		b.mustLogin(c.user)
		for _, p := range []string{"/datasets", "/quality", "/base", "/themes"} {
			res, page := b.get(p)
			if res.StatusCode != c.status {
				t.Errorf("%s GET %s: %d, want %d", c.user, p, res.StatusCode, c.status)
			}
			if p == "/quality" && c.want != "" && !strings.Contains(page, c.want) {
				t.Errorf("%s GET %s: no %s", c.user, p, c.want)
			}
		}
		_, home := b.get("/")
		if nav := strings.Contains(home, `<a href="/datasets"`); nav != (c.status == http.StatusOK) {
			t.Errorf("%s: 数据汇聚 in the navigation: %v", c.user, nav)
		}
	}
}
