package collect_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"pubdata/internal/app"
	"pubdata/internal/apptest"
	"pubdata/internal/collect"
	"pubdata/internal/httpx"
)

// send makes a request with a raw body and headers as the client, and
// returns the status, the headers and the body.
func send(t *testing.T, c *apptest.Client, method, path string, body []byte, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, c.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
}

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func xlsxOf(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// problemBatch is a rejected push's problem document.
type problemBatch struct {
	httpx.Problem
	Batch *collect.Batch `json:"batch"`
}

// pushNode publishes the tests' person dataset on a demo node and returns
// the server, the dataset and the path of its batches.
func pushNode(t *testing.T, a *app.App) (*httptest.Server, collect.Dataset, string) {
	t.Helper()
	ds := publish(t, a, "gd.police", "gd.reviewer", "测试人口信息", personItems())
	return apptest.Server(t, a), ds, "/api/v1/datasets/" + strconv.FormatInt(ds.ID, 10) + "/batches"
}

func rowCount(t *testing.T, c *apptest.Client, id int64) int64 {
	t.Helper()
	var d collect.Dataset
	if st := c.Do("GET", "/api/v1/datasets/"+strconv.FormatInt(id, 10), nil, &d); st != http.StatusOK {
		t.Fatalf("read dataset: %d", st)
	}
	return d.RowCount
}

// TestPushEachFormat pushes one batch in each format the push API takes;
// each loads, and the dataset counts the rows.
func TestPushEachFormat(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		srv, ds, path := pushNode(t, a)
		officer := apptest.Login(t, srv, "gd.police")
		id := ids(14)
		cases := []struct {
			name, ct, query string
			body            []byte
			format, enc     string
			rows            int64
		}{
			{"json", "application/json", "", []byte(`[{"公民身份号码":"` + id[0] + `","姓名":"张三","性别":"男","登记次数":2},{"公民身份号码":"` + id[1] + `","姓名":"李四","出生日期":"1985-03-04"}]`), "json", "", 2},
			{"ndjson", "application/x-ndjson", "", []byte(`{"公民身份号码":"` + id[2] + `","姓名":"王五"}` + "\n" + `{"公民身份号码":"` + id[3] + `","姓名":"赵六","手机号码":"13800138000"}` + "\n"), "jsonl", "", 2},
			{"csv utf-8", "text/csv", "", []byte("公民身份号码,姓名,性别\n" + id[4] + ",孙七,女\n"), "csv", "utf-8", 1},
			{"csv gbk in charset", "text/csv; charset=GBK", "", gbk(t, "公民身份号码,姓名,性别\n"+id[5]+",周八,男\n"+id[6]+",吴九,女\n"), "csv", "gbk", 2},
			{"csv gbk in query", "text/csv", "?encoding=gbk", gbk(t, "公民身份号码,姓名\n"+id[7]+",郑十\n"), "csv", "gbk", 1},
			{"csv gbk detected", "text/csv", "", gbk(t, "公民身份号码,姓名,性别\n"+id[8]+",冯十一,男\n"+id[9]+",陈十二,女\n"), "csv", "gb18030", 2},
			{"xlsx", collect.MediaXLSX, "?mode=incremental", xlsxOf(t, [][]any{{"公民身份号码", "姓名", "登记次数"}, {id[10], "褚十三", 3}, {id[11], "卫十四", 4}}), "xlsx", "", 2},
		}
		var total int64
		for _, c := range cases {
			st, h, body := send(t, officer, "POST", path+c.query, c.body, "Content-Type", c.ct)
			if st != http.StatusCreated {
				t.Fatalf("%s: %d %s", c.name, st, body)
			}
			var b collect.Batch
			decode(t, body, &b)
			if b.State != collect.BatchLoaded || b.RowsInserted != c.rows || string(b.Format) != c.format || b.Encoding != c.enc || b.Channel != collect.ChannelPush || b.Mode != collect.ModeIncremental {
				t.Errorf("%s: batch %+v", c.name, b)
			}
			if h.Get("Location") != "/api/v1/batches/"+strconv.FormatInt(b.ID, 10) {
				t.Errorf("%s: Location %q", c.name, h.Get("Location"))
			}
			total += c.rows
		}
		if n := rowCount(t, officer, ds.ID); n != total {
			t.Fatalf("rows after the pushes: %d, want %d", n, total)
		}
		// A full load replaces the dataset; its file name is kept.
		st, _, body := send(t, officer, "POST", path+"?mode=full&expected_rows=1", []byte("公民身份号码,姓名\n"+id[12]+",蒋十五\n"),
			"Content-Type", "text/csv; charset=utf-8", "Content-Disposition", `attachment; filename="C:\\导出\\人口.csv"`)
		var b collect.Batch
		decode(t, body, &b)
		if st != http.StatusCreated || b.Mode != collect.ModeFull || b.RowsDeleted != total || b.ExpectedRows != 1 || b.FileName != "人口.csv" {
			t.Fatalf("full load: %d %+v", st, b)
		}
		if n := rowCount(t, officer, ds.ID); n != 1 {
			t.Fatalf("rows after the full load: %d", n)
		}
		// The batches are listed newest first, without their rejections.
		var list httpx.List[collect.Batch]
		if st := officer.Do("GET", path, nil, &list); st != http.StatusOK || list.Count != len(cases)+1 || list.Items[0].ID != b.ID {
			t.Fatalf("batches: %d %+v", st, list)
		}
	})
}

// TestPushIsIdempotentOverHTTP: a push repeated with the same client batch
// ID (query or Idempotency-Key) answers the first batch and loads nothing.
func TestPushIsIdempotentOverHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		srv, ds, path := pushNode(t, a)
		officer := apptest.Login(t, srv, "gd.police")
		id := ids(3)
		st, _, body := send(t, officer, "POST", path+"?client_batch_id=fep-20261123-001", []byte(`[{"公民身份号码":"`+id[0]+`","姓名":"甲"}]`), "Content-Type", "application/json")
		var first collect.Batch
		decode(t, body, &first)
		if st != http.StatusCreated || first.ClientBatchID != "fep-20261123-001" || first.Replayed {
			t.Fatalf("first push: %d %s", st, body)
		}
		for _, h := range [][]string{
			{"Content-Type", "application/json"},
			{"Content-Type", "application/json", "Idempotency-Key", "fep-20261123-001"},
		} {
			q := ""
			if len(h) == 2 {
				q = "?client_batch_id=fep-20261123-001"
			}
			st, _, body := send(t, officer, "POST", path+q, []byte(`[{"公民身份号码":"`+id[1]+`","姓名":"乙"}]`), h...)
			var again collect.Batch
			decode(t, body, &again)
			if st != http.StatusOK || again.ID != first.ID || !again.Replayed {
				t.Fatalf("repeated push %v: %d %s", h, st, body)
			}
		}
		if n := rowCount(t, officer, ds.ID); n != 1 {
			t.Fatalf("a repeated push loaded again: %d rows", n)
		}
		// The two names of the ID must agree.
		var p httpx.Problem
		st, _, body = send(t, officer, "POST", path+"?client_batch_id=a", []byte(`[]`), "Content-Type", "application/json", "Idempotency-Key", "b")
		decode(t, body, &p)
		if st != http.StatusBadRequest || p.Code != "collect.client_batch_id" {
			t.Fatalf("disagreeing IDs: %d %s", st, body)
		}
	})
}

// TestRejectedPushLoadsNothing: a bad row answers 422 with the batch and
// each rejection's row and field, in zh-CN or English; nothing is loaded;
// the batch and its CSV report are on record.
func TestRejectedPushLoadsNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		srv, ds, path := pushNode(t, a)
		officer := apptest.Login(t, srv, "gd.police")
		id := ids(3)
		bad := id[1][:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[1][17])+1)%11])
		text := "公民身份号码,姓名,性别\n" + id[0] + ",张三,男\n" + bad + ",李四,女\n" + id[2] + ",,男\n"
		st, h, body := send(t, officer, "POST", path, gbk(t, text), "Content-Type", "text/csv; charset=gbk")
		var p problemBatch
		decode(t, body, &p)
		if st != http.StatusUnprocessableEntity || p.Code != "collect.batch.rejected" || h.Get(httpx.ProblemHeader) != "collect.batch.rejected" ||
			h.Get("Content-Type") != "application/problem+json" || p.Title != "批次被拒绝" || p.Batch == nil {
			t.Fatalf("bad rows: %d %s", st, body)
		}
		if b := p.Batch; b.State != collect.BatchRejected || b.ErrorCount != 2 || len(b.Errors) != 2 || b.Encoding != "gbk" || b.RowsInserted != 0 {
			t.Fatalf("rejected batch: %+v", b)
		}
		want := map[string]string{"3/公民身份号码": "collect.value.resident_id", "4/姓名": "collect.value.required"}
		for _, e := range p.Errors {
			if want[strconv.Itoa(e.Row)+"/"+e.Field] != e.Code || e.Detail == "" {
				t.Errorf("problem entry %+v", e)
			}
		}
		if !strings.Contains(p.Detail, "第 3 行") || !strings.Contains(p.Detail, "公民身份号码") {
			t.Errorf("detail %q names no row and field", p.Detail)
		}
		if n := rowCount(t, officer, ds.ID); n != 0 {
			t.Fatalf("a rejected batch loaded %d rows", n)
		}
		rejectedID := p.Batch.ID
		// In English.
		officer.Lang = "en"
		st, _, body = send(t, officer, "POST", path, []byte(`[{"公民身份号码":"`+bad+`","姓名":"李四"}]`), "Content-Type", "application/json")
		decode(t, body, &p)
		if st != http.StatusUnprocessableEntity || p.Title != "Batch rejected" || !strings.Contains(p.Detail, "row 1") || len(p.Errors) != 1 || p.Errors[0].Row != 1 {
			t.Fatalf("in English: %d %s", st, body)
		}
		officer.Lang = ""
		// The first rejected batch on record, with its report as CSV.
		var b collect.Batch
		bpath := "/api/v1/batches/" + strconv.FormatInt(rejectedID, 10)
		if st := officer.Do("GET", bpath, nil, &b); st != http.StatusOK || b.State != collect.BatchRejected || len(b.Errors) != 2 {
			t.Fatalf("batch: %d %+v", st, b)
		}
		st, h, body = send(t, officer, "GET", bpath+"/rejections.csv", nil)
		if st != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
			t.Fatalf("rejections.csv: %d %v", st, h)
		}
		if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("no byte order mark: %q", body[:10])
		}
		recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil || len(recs) != 3 || strings.Join(recs[0], ",") != "行号,字段,代码,说明,Row,Field,Code,Message" {
			t.Fatalf("rejections.csv: %v %q", err, recs)
		}
		if recs[1][0] != "3" || recs[1][1] != "公民身份号码" || recs[1][2] != "collect.value.resident_id" || recs[1][3] == "" || recs[1][7] == "" || recs[1][7] == recs[1][3] {
			t.Fatalf("rejection row: %q", recs[1])
		}
		// An unreadable input is a rejected batch naming why.
		st, _, body = send(t, officer, "POST", path, []byte("身份证,姓名\n1,2\n"), "Content-Type", "text/csv")
		decode(t, body, &p)
		if st != http.StatusUnprocessableEntity || p.Batch == nil || p.Batch.State != collect.BatchRejected || len(p.Batch.Errors) == 0 || !strings.HasPrefix(p.Batch.Errors[0].Code, "collect.header") {
			t.Fatalf("unknown column: %d %s", st, body)
		}
		st, _, body = send(t, officer, "POST", path, []byte("PK\x03\x04not a workbook"), "Content-Type", collect.MediaXLSX)
		decode(t, body, &p)
		if st != http.StatusUnprocessableEntity || p.Batch == nil || p.Batch.Errors[0].Code != "collect.xlsx.open" {
			t.Fatalf("damaged workbook: %d %s", st, body)
		}
	})
}

// TestPushRefusals: who may not push is refused before anything is read,
// and bad parameters are named.
func TestPushRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		srv, ds, path := pushNode(t, a)
		row := []byte(`[{"公民身份号码":"` + ids(1)[0] + `","姓名":"甲"}]`)
		for _, c := range []struct {
			who    string
			status int
			code   string
		}{
			{"", http.StatusUnauthorized, "auth.required"},
			{"gd.hrss.user", http.StatusForbidden, "auth.forbidden"}, // an agency user holds no data.load
			{"gd.reviewer", http.StatusForbidden, "auth.forbidden"},
			{"hz.police", http.StatusNotFound, "collect.dataset.not_found"}, // another agency's officer
			{"gd.civil", http.StatusNotFound, "collect.dataset.not_found"},
		} {
			cl := &apptest.Client{T: t, URL: srv.URL}
			if c.who != "" {
				cl = apptest.Login(t, srv, c.who)
			}
			st, h, body := send(t, cl, "POST", path, row, "Content-Type", "application/json")
			if st != c.status || h.Get(httpx.ProblemHeader) != c.code {
				t.Errorf("%s: %d %s %s", c.who, st, h.Get(httpx.ProblemHeader), body)
			}
		}
		officer := apptest.Login(t, srv, "gd.police")
		if n := rowCount(t, officer, ds.ID); n != 0 {
			t.Fatalf("a refused push loaded %d rows", n)
		}
		for _, c := range []struct {
			name, query, ct string
			status          int
			code            string
		}{
			{"no content type", "", "", http.StatusUnsupportedMediaType, "collect.media_type"},
			{"xml", "", "application/xml", http.StatusUnsupportedMediaType, "collect.media_type"},
			{"bad mode", "?mode=replace", "application/json", http.StatusBadRequest, "collect.mode"},
			{"bad encoding", "?encoding=big5", "text/csv", http.StatusBadRequest, "collect.encoding.unknown"},
			{"bad charset", "", "text/csv; charset=latin1", http.StatusBadRequest, "collect.encoding.unknown"},
			{"bad expected rows", "?expected_rows=-1", "application/json", http.StatusBadRequest, "collect.expected_rows"},
			{"no dataset", "", "application/json", http.StatusNotFound, "collect.dataset.not_found"},
		} {
			p := path
			if c.name == "no dataset" {
				p = "/api/v1/datasets/999999/batches"
			}
			headers := []string{}
			if c.ct != "" {
				headers = []string{"Content-Type", c.ct}
			}
			st, h, body := send(t, officer, "POST", p+c.query, row, headers...)
			var pr httpx.Problem
			decode(t, body, &pr)
			if st != c.status || pr.Code != c.code || h.Get(httpx.ProblemHeader) != c.code || pr.Status != c.status {
				t.Errorf("%s: %d %s", c.name, st, body)
			}
		}
	})
}

// TestDatasetReads: who sees which datasets, the filters, and the batches
// of a dataset one may not see.
func TestDatasetReads(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		srv, ds, path := pushNode(t, a)
		officer := apptest.Login(t, srv, "gd.police")
		if st, _, body := send(t, officer, "POST", path, []byte(`[{"公民身份号码":"`+ids(1)[0]+`","姓名":"甲"}]`), "Content-Type", "application/json"); st != http.StatusCreated {
			t.Fatalf("push: %d %s", st, body)
		}
		one := "/api/v1/datasets/" + strconv.FormatInt(ds.ID, 10)
		has := func(c *apptest.Client, q string) bool {
			t.Helper()
			var l httpx.List[collect.Dataset]
			if st := c.Do("GET", "/api/v1/datasets"+q, nil, &l); st != http.StatusOK {
				t.Fatalf("list %s: %d", q, st)
			}
			for _, d := range l.Items {
				if d.ID == ds.ID {
					return d.RowCount == 1 && d.LastLoadAt != nil && len(d.Columns) == len(personItems())
				}
			}
			return false
		}
		reviewer, hz := apptest.Login(t, srv, "gd.reviewer"), apptest.Login(t, srv, "hz.police")
		if !has(officer, "") || !has(officer, "?q=测试人口") || has(officer, "?q=不存在的名称") || !has(reviewer, "?jurisdiction=440000") || has(officer, "?stale=true") {
			t.Fatal("the agency and its authority see the dataset, and the filters select it")
		}
		if has(hz, "") || has(apptest.Login(t, srv, "hz.reviewer"), "") {
			t.Fatal("a city's officer or reviewer sees a provincial agency's dataset")
		}
		for _, q := range []string{"?agency=x", "?jurisdiction=44", "?stale=maybe", "?limit=0", "?q=" + strings.Repeat("字", 101)} {
			var p httpx.Problem
			if st := officer.Do("GET", "/api/v1/datasets"+q, nil, &p); st != http.StatusBadRequest || !strings.HasPrefix(p.Code, "filter.") {
				t.Errorf("filter %s: %d %+v", q, st, p)
			}
		}
		for _, p := range []string{one, one + "/batches"} {
			if st := hz.Do("GET", p, nil, nil); st != http.StatusNotFound {
				t.Errorf("another agency reads %s: %d", p, st)
			}
			if st := reviewer.Do("GET", p, nil, nil); st != http.StatusOK {
				t.Errorf("the authority reads %s: %d", p, st)
			}
		}
		var bs httpx.List[collect.Batch]
		officer.Do("GET", one+"/batches", nil, &bs)
		if st := hz.Do("GET", "/api/v1/batches/"+strconv.FormatInt(bs.Items[0].ID, 10), nil, nil); st != http.StatusNotFound {
			t.Errorf("another agency reads the batch: %d", st)
		}
		if st := apptest.Login(t, srv, "public").Do("GET", "/api/v1/datasets", nil, nil); st != http.StatusForbidden {
			t.Errorf("a public user lists datasets: %d", st)
		}
	})
}

// TestCollectRoutesOverHTTP walks the other collection routes once: pull
// sources, quality, base databases, holders and exemptions answer, and
// refuse, as documented.
func TestCollectRoutesOverHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		srv, ds, path := pushNode(t, a)
		officer := apptest.Login(t, srv, "gd.police")
		reviewer := apptest.Login(t, srv, "gd.reviewer")
		hz := apptest.Login(t, srv, "hz.police")
		if st, _, body := send(t, officer, "POST", path, []byte(`[{"公民身份号码":"`+ids(1)[0]+`","姓名":"甲"}]`), "Content-Type", "application/json"); st != http.StatusCreated {
			t.Fatalf("push: %d %s", st, body)
		}
		a.Collect.Settle() // quality is measured after the load
		one := "/api/v1/datasets/" + strconv.FormatInt(ds.ID, 10)

		// Pull sources: only the agency's officers; a bad source names its field.
		var srcs httpx.List[collect.Source]
		if st := officer.Do("GET", one+"/sources", nil, &srcs); st != http.StatusOK || srcs.Count != 0 {
			t.Errorf("sources: %d %+v", st, srcs)
		}
		if st := hz.Do("GET", one+"/sources", nil, nil); st != http.StatusNotFound {
			t.Errorf("another agency's sources: %d", st)
		}
		var p httpx.Problem
		st := officer.Do("POST", one+"/sources", map[string]any{"driver": "oracle", "dsn": "x", "table": "t", "columns": map[string]string{}, "mode": "full"}, &p)
		if !(st == http.StatusBadRequest && len(p.Errors) > 0 || st == http.StatusServiceUnavailable && p.Code == "collect.source.no_secrets_key") {
			t.Errorf("bad source: %d %+v", st, p)
		}
		if st := officer.Do("POST", one+"/sources", map[string]any{"driver": "postgres", "bogus": 1}, &p); st != http.StatusBadRequest || p.Code != "request.unknown_field" {
			t.Errorf("unknown field: %d %+v", st, p)
		}
		for _, op := range []string{"run", "enable", "disable"} {
			if st := officer.Do("POST", "/api/v1/sources/999999/"+op, nil, &p); st != http.StatusNotFound || p.Code != "collect.source.not_found" {
				t.Errorf("%s a missing source: %d %+v", op, st, p)
			}
		}

		// Quality: the dataset's history, the agency's, the authority's dashboard.
		var qs httpx.List[collect.QualitySnapshot]
		if st := officer.Do("GET", one+"/quality", nil, &qs); st != http.StatusOK || qs.Count == 0 || qs.Items[0].DatasetID != ds.ID {
			t.Errorf("quality history: %d %+v", st, qs)
		}
		if st := officer.Do("GET", one+"/quality?limit=0", nil, &p); st != http.StatusBadRequest || p.Code != "filter.limit" {
			t.Errorf("bad limit: %d %+v", st, p)
		}
		if st := hz.Do("GET", one+"/quality", nil, nil); st != http.StatusNotFound {
			t.Errorf("another agency's quality history: %d", st)
		}
		var aq collect.AgencyQuality
		agency := "/api/v1/agencies/" + strconv.FormatInt(ds.AgencyID, 10) + "/quality"
		if st := officer.Do("GET", agency, nil, &aq); st != http.StatusOK || aq.AgencyID != ds.AgencyID || aq.Datasets == 0 {
			t.Errorf("agency quality: %d %+v", st, aq)
		}
		if st := hz.Do("GET", agency, nil, nil); st != http.StatusForbidden {
			t.Errorf("another agency's quality: %d", st)
		}
		var dash httpx.List[collect.AgencyQuality]
		if st := reviewer.Do("GET", "/api/v1/quality", nil, &dash); st != http.StatusOK || dash.Count == 0 {
			t.Errorf("dashboard: %d %+v", st, dash)
		}
		if st := officer.Do("GET", "/api/v1/quality", nil, &p); st != http.StatusForbidden || p.Code != "collect.quality.dashboard" {
			t.Errorf("an officer's dashboard: %d %+v", st, p)
		}

		// Base databases: the groups for anyone with data.read; the figures
		// and records for authorities; binding needs data.govern.
		var groups httpx.List[collect.BaseGroup]
		if st := officer.Do("GET", "/api/v1/base/groups", nil, &groups); st != http.StatusOK || groups.Count == 0 {
			t.Errorf("base groups: %d %+v", st, groups)
		}
		if st := officer.Do("GET", "/api/v1/base/groups?jurisdiction=44", nil, nil); st != http.StatusBadRequest {
			t.Errorf("base groups, bad jurisdiction: %d", st)
		}
		if st := reviewer.Do("GET", "/api/v1/base/stats", nil, nil); st != http.StatusOK {
			t.Errorf("base stats: %d", st)
		}
		if st := officer.Do("GET", "/api/v1/base/stats", nil, nil); st != http.StatusForbidden {
			t.Errorf("base stats as an officer: %d", st)
		}
		if st := reviewer.Do("GET", "/api/v1/base/nowhere/records/1", nil, &p); st != http.StatusBadRequest || p.Code != "collect.base.base" {
			t.Errorf("unknown base: %d %+v", st, p)
		}
		if st := officer.Do("PUT", one+"/base-group", map[string]string{"group": "person.household"}, &p); st != http.StatusForbidden {
			t.Errorf("an officer binds a base group: %d %+v", st, p)
		}
		if st := apptest.Login(t, srv, "gd.hrss.user").Do("PUT", one+"/base-group", map[string]string{"group": ""}, &p); st != http.StatusForbidden || p.Code != "auth.forbidden" {
			t.Errorf("an agency user binds a base group: %d %+v", st, p)
		}

		// Who holds an element; exemptions filed and listed.
		var hs httpx.List[collect.Holder]
		if st := officer.Do("GET", "/api/v1/elements/holders?element=公民身份号码", nil, &hs); st != http.StatusOK || hs.Count == 0 {
			t.Errorf("holders: %d %+v", st, hs)
		}
		if st := officer.Do("GET", "/api/v1/elements/holders", nil, &p); st != http.StatusBadRequest {
			t.Errorf("holders without element: %d %+v", st, p)
		}
		var x collect.Exemption
		if st := officer.Do("POST", "/api/v1/collection-exemptions", map[string]any{"entry_id": ds.EntryID, "reason": "业务系统为涉密网络，无法接入平台", "alternative": "按月离线报送"}, &x); st != http.StatusCreated || x.EntryID != ds.EntryID {
			t.Errorf("file an exemption: %d %+v", st, x)
		}
		if st := officer.Do("POST", "/api/v1/collection-exemptions", map[string]any{"entry_id": ds.EntryID}, &p); st != http.StatusBadRequest {
			t.Errorf("an exemption without reason: %d %+v", st, p)
		}
		var xs httpx.List[collect.Exemption]
		if st := reviewer.Do("GET", "/api/v1/collection-exemptions?entry="+strconv.FormatInt(ds.EntryID, 10), nil, &xs); st != http.StatusOK || xs.Count != 1 {
			t.Errorf("exemptions: %d %+v", st, xs)
		}
		if st := reviewer.Do("GET", "/api/v1/collection-exemptions?agency=x", nil, nil); st != http.StatusBadRequest {
			t.Errorf("exemptions, bad filter: %d", st)
		}

		// Themes: an officer builds one over its own dataset; others do not see it.
		var th collect.Theme
		if st := officer.Do("POST", "/api/v1/themes", map[string]any{"name": "测试人口主题库", "key_kind": "resident_id",
			"members": []map[string]any{{"dataset_id": ds.ID, "items": []string{"姓名"}}}}, &th); st != http.StatusCreated || th.ID == 0 {
			t.Fatalf("create theme: %d %+v", st, th)
		}
		tp := "/api/v1/themes/" + strconv.FormatInt(th.ID, 10)
		if st := officer.Do("GET", tp, nil, &th); st != http.StatusOK || th.RowCount != 1 {
			t.Errorf("theme: %d %+v", st, th)
		}
		if st := officer.Do("POST", tp+"/refresh", nil, nil); st != http.StatusOK {
			t.Errorf("refresh theme: %d", st)
		}
		if st := hz.Do("GET", tp, nil, nil); st != http.StatusNotFound {
			t.Errorf("another agency reads the theme: %d", st)
		}
		var ts httpx.List[collect.Theme]
		if st := reviewer.Do("GET", "/api/v1/themes", nil, &ts); st != http.StatusOK || ts.Count != 1 {
			t.Errorf("themes: %d %+v", st, ts)
		}

		// Return flow: only an authority of a city, and not for an officer.
		if st := officer.Do("POST", one+"/return-flows", nil, nil); st != http.StatusForbidden {
			t.Errorf("an officer sets up a return flow: %d", st)
		}
	})
}
