package collect

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/httpx"
)

// Limits of the push API.
const (
	// MaxPush is the largest body a push or upload may send, in bytes:
	// CSV, JSON and JSON Lines are streamed, so this bounds only how long
	// one batch may run, not memory.
	MaxPush = 512 << 20
	// MaxPushXLSX is the largest .xlsx workbook accepted: a workbook is a
	// zip archive that is spooled to a temporary file and read whole.
	MaxPushXLSX = 100 << 20
)

// The media types of the push API, one per format.
const (
	MediaJSON  = "application/json"
	MediaJSONL = "application/x-ndjson"
	MediaCSV   = "text/csv"
	MediaXLSX  = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Register adds the collection API under /api/v1 to the router, one
// permission per route; the service checks who exactly may (the dataset's
// agency, the authorities over its jurisdiction).
func (s *Service) Register(rt *httpx.Router) {
	h := &api{s: s}
	rt.API("GET", "/api/v1/datasets", auth.PermDataRead, h.datasets)
	rt.API("GET", "/api/v1/datasets/{id}", auth.PermDataRead, h.dataset)
	rt.API("GET", "/api/v1/datasets/{id}/batches", auth.PermDataRead, h.batches)
	rt.Upload("POST", "/api/v1/datasets/{id}/batches", auth.PermDataLoad, MaxPush, h.push)
	rt.API("GET", "/api/v1/batches/{id}", auth.PermDataRead, h.batch)
	rt.API("GET", "/api/v1/batches/{id}/rejections.csv", auth.PermDataRead, h.rejectionsCSV)

	rt.API("POST", "/api/v1/datasets/{id}/sources", auth.PermDataLoad, h.addSource)
	rt.API("GET", "/api/v1/datasets/{id}/sources", auth.PermDataLoad, h.sources)
	rt.API("POST", "/api/v1/sources/{id}/run", auth.PermDataLoad, h.runSource)
	rt.API("POST", "/api/v1/sources/{id}/enable", auth.PermDataLoad, h.enableSource(true))
	rt.API("POST", "/api/v1/sources/{id}/disable", auth.PermDataLoad, h.enableSource(false))

	rt.API("GET", "/api/v1/datasets/{id}/quality", auth.PermDataRead, h.qualityHistory)
	rt.API("GET", "/api/v1/agencies/{id}/quality", auth.PermDataRead, h.agencyQuality)
	rt.API("GET", "/api/v1/quality", auth.PermDataRead, h.qualityDashboard)

	rt.API("GET", "/api/v1/base/groups", auth.PermDataRead, h.baseGroups)
	rt.API("GET", "/api/v1/base/stats", auth.PermDataRead, h.baseStats)
	rt.API("GET", "/api/v1/base/{base}/records/{key}", auth.PermDataRead, h.baseRecord)
	rt.API("PUT", "/api/v1/datasets/{id}/base-group", auth.PermDataGovern, h.setBaseGroup)

	rt.API("POST", "/api/v1/themes", auth.PermDataGovern, h.createTheme)
	rt.API("GET", "/api/v1/themes", auth.PermDataRead, h.themes)
	rt.API("GET", "/api/v1/themes/{id}", auth.PermDataRead, h.theme)
	rt.API("POST", "/api/v1/themes/{id}/refresh", auth.PermDataGovern, h.refreshTheme)

	rt.API("POST", "/api/v1/datasets/{id}/return-flows", auth.PermDataGovern, h.addReturnFlow)
	rt.API("GET", "/api/v1/elements/holders", auth.PermDataRead, h.holders)
	rt.API("POST", "/api/v1/collection-exemptions", auth.PermDataLoad, h.fileExemption)
	rt.API("GET", "/api/v1/collection-exemptions", auth.PermDataRead, h.exemptions)
}

type api struct{ s *Service }

// DatasetFilterFromURL reads a dataset listing's filters from query
// parameters: agency, jurisdiction, q, stale, base_group, limit. The web
// console uses it too.
func DatasetFilterFromURL(v url.Values) (DatasetFilter, error) {
	f := DatasetFilter{Jurisdiction: strings.TrimSpace(v.Get("jurisdiction")), Query: strings.TrimSpace(v.Get("q")), BaseGroup: strings.TrimSpace(v.Get("base_group"))}
	if s := v.Get("agency"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return f, apperr.Invalidf("filter.agency", "agency", "agency 须为机构编号", "agency must be an agency id")
		}
		f.AgencyID = n
	}
	if f.Jurisdiction != "" && (len(f.Jurisdiction) != 6 || strings.Trim(f.Jurisdiction, "0123456789") != "") {
		return f, apperr.Invalidf("filter.jurisdiction", "jurisdiction", "行政区划代码须为6位数字（GB/T 2260）", "the jurisdiction must be a 6-digit GB/T 2260 code")
	}
	if n := utf8.RuneCountInString(f.Query); n > 100 || !utf8.ValidString(f.Query) {
		return f, apperr.Invalidf("filter.q", "q", "查询词不能超过100个字符", "the query must be valid text of at most 100 characters")
	}
	if len(f.BaseGroup) > 100 {
		return f, apperr.Invalidf("filter.base_group", "base_group", "属性组名称过长", "the base group is too long")
	}
	if s := v.Get("stale"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return f, apperr.Invalidf("filter.stale", "stale", "stale 须为 true 或 false", "stale must be true or false")
		}
		f.Stale = b
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return f, apperr.Invalidf("filter.limit", "limit", "limit 须为1到1000的整数", "limit must be a whole number from 1 to 1000")
		}
		f.Limit = n
	}
	return f, nil
}

func (h *api) datasets(w http.ResponseWriter, r *http.Request) error {
	f, err := DatasetFilterFromURL(r.URL.Query())
	if err != nil {
		return err
	}
	ds, err := h.s.Datasets(r.Context(), httpx.Actor(r), f)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(ds))
}

func (h *api) dataset(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.s.Dataset(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, d)
}

func (h *api) batches(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	bs, err := h.s.Batches(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	// A list shows counts; the rejections are on the batch itself.
	for i := range bs {
		bs[i].Errors = nil
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(bs))
}

func (h *api) batch(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.s.Batch(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	if b.Errors == nil {
		b.Errors = []Rejection{}
	}
	return httpx.WriteJSON(w, http.StatusOK, b)
}

// rejectionsCSV sends a batch's rejections as a CSV file Excel opens.
func (h *api) rejectionsCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.s.Batch(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return WriteRejectionsCSV(w, b)
}

// WriteRejectionsCSV writes the batch's rejections as an attachment: UTF-8
// with a byte order mark (so that Excel reads it as UTF-8), the columns
// 行号, 字段, 代码, 说明, then the same in English. A cell that a
// spreadsheet would take for a formula is prefixed with an apostrophe.
func WriteRejectionsCSV(w http.ResponseWriter, b Batch) error {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="batch-%d-rejections.csv"`, b.ID))
	h.Set("Cache-Control", "no-store")
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write([]string{"行号", "字段", "代码", "说明", "Row", "Field", "Code", "Message"}); err != nil {
		return err
	}
	for _, e := range b.Errors {
		row := ""
		if e.Row > 0 {
			row = strconv.Itoa(e.Row)
		}
		f, c := safeCell(e.Field), safeCell(e.Code)
		if err := cw.Write([]string{row, f, c, safeCell(e.ZH), row, f, c, safeCell(e.EN)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCell keeps a spreadsheet from evaluating a cell as a formula (CSV
// injection): the rejections quote header names and values from the input.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// pushFormat maps a body's media type to an input format and the encoding
// its charset parameter declares.
func pushFormat(contentType string) (Format, string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if contentType == "" || err != nil {
		return "", "", errMediaType
	}
	switch mt {
	case MediaJSON:
		return FormatJSON, "", nil
	case MediaJSONL, "application/jsonl", "application/x-jsonlines", "application/jsonlines":
		return FormatJSONL, "", nil
	case MediaCSV:
		return FormatCSV, params["charset"], nil
	case MediaXLSX:
		return FormatXLSX, "", nil
	}
	return "", "", errMediaType
}

var errMediaType = apperr.Invalidf("collect.media_type", "Content-Type",
	"请求体的类型（Content-Type）须为 application/json、application/x-ndjson、text/csv 或 .xlsx（"+MediaXLSX+"）",
	"the body's Content-Type must be application/json, application/x-ndjson, text/csv or .xlsx ("+MediaXLSX+")")

// normEncoding names a declared CSV encoding as OpenReader does; "" is
// "detect".
func normEncoding(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "utf-8", "utf8":
		return EncodingUTF8, nil
	case "gbk", "cp936", "gb2312", "x-gbk":
		return EncodingGBK, nil
	case "gb18030":
		return EncodingGB18030, nil
	}
	return "", apperr.Invalidf("collect.encoding.unknown", "encoding",
		fmt.Sprintf("不支持的文件编码%q（可选：utf-8、gbk、gb18030，或留空自动识别）", s),
		fmt.Sprintf("unsupported encoding %q (one of: utf-8, gbk, gb18030, or empty to detect)", s))
}

// PushParams are the parameters of one push or upload besides its body.
type PushParams struct {
	Format        Format
	Encoding      string // declared encoding of a CSV body; "" detects it
	Mode          Mode
	ClientBatchID string
	ExpectedRows  int64
	FileName      string
	Channel       Channel
}

// pushParams reads the parameters of a push from its headers and query.
func pushParams(r *http.Request) (PushParams, error) {
	q := r.URL.Query()
	p := PushParams{Channel: ChannelPush, Mode: Mode(q.Get("mode"))}
	f, charset, err := pushFormat(r.Header.Get("Content-Type"))
	if err != nil {
		return p, err
	}
	p.Format = f
	enc := q.Get("encoding")
	if enc == "" {
		enc = charset
	}
	if p.Encoding, err = normEncoding(enc); err != nil {
		return p, err
	}
	p.ClientBatchID = strings.TrimSpace(q.Get("client_batch_id"))
	if k := strings.TrimSpace(r.Header.Get("Idempotency-Key")); k != "" {
		if p.ClientBatchID != "" && p.ClientBatchID != k {
			return p, apperr.Invalidf("collect.client_batch_id", "client_batch_id", "client_batch_id 与 Idempotency-Key 不一致",
				"client_batch_id and the Idempotency-Key header differ")
		}
		p.ClientBatchID = k
	}
	if s := q.Get("expected_rows"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return p, apperr.Invalidf("collect.expected_rows", "expected_rows", "expected_rows 须为非负整数", "expected_rows must be a whole number, 0 or more")
		}
		p.ExpectedRows = n
	}
	if cd := r.Header.Get("Content-Disposition"); cd != "" {
		if _, ps, err := mime.ParseMediaType(cd); err == nil {
			p.FileName = cleanFileName(ps["filename"])
		}
	}
	return p, nil
}

// cleanFileName keeps the base name of an uploaded file, at most 200 characters.
func cleanFileName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}

// push loads the body as one batch (HZ §18 接口对接、前置机推送).
func (h *api) push(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := pushParams(r)
	if err != nil {
		if errors.Is(err, errMediaType) {
			return writeProblemStatus(w, r, err, http.StatusUnsupportedMediaType, nil)
		}
		return err
	}
	b, tooLarge, err := h.s.Push(r.Context(), httpx.Actor(r), id, r.Body, p)
	if err != nil {
		return err
	}
	return WriteBatchAnswer(w, r, b, tooLarge)
}

// Push loads body into the dataset as one batch for the actor:
// it checks that the caller may feed the dataset before reading the body,
// opens the body as p says (spooling an .xlsx to a temporary file), and
// loads it. An input that cannot be opened (no header, an unknown column, a
// damaged workbook) is a rejected batch naming why, like a bad row.
// tooLarge reports that the body went over its size limit (the batch is
// then rejected). Errors are refusals (403, 404), bad parameters (400) and
// failures. The web console's upload uses it too.
func (s *Service) Push(ctx context.Context, actor audit.Actor, datasetID int64, body io.Reader, p PushParams) (b Batch, tooLarge bool, err error) {
	ds, err := s.ownDataset(ctx, actor, datasetID)
	if err != nil {
		return Batch{}, false, err
	}
	lb := &limitedBody{r: body}
	var src io.Reader = lb
	if p.Format == FormatXLSX {
		f, err := spool(lb, MaxPushXLSX)
		if f != nil {
			defer func() {
				f.Close()
				os.Remove(f.Name())
			}()
		}
		if err != nil {
			return Batch{}, lb.tooLarge, err
		}
		src = f
	}
	rd, err := OpenReader(p.Format, src, ds.Fields(), ReadOptions{Encoding: p.Encoding})
	if err != nil {
		if _, ok := apperr.As(err); !ok {
			return Batch{}, false, fmt.Errorf("open push body: %w", err)
		}
		if ae, _ := apperr.As(err); ae.Code == "collect.encoding.unknown" || ae.Code == "collect.format.unknown" {
			return Batch{}, false, err
		}
		rd = &failedReader{err: err}
	}
	enc := p.Encoding
	if er, ok := rd.(EncodingReporter); ok && er.Encoding() != "" {
		enc = er.Encoding()
	}
	b, err = s.Load(ctx, actor, datasetID, LoadInput{Channel: p.Channel, Mode: p.Mode, ClientBatchID: p.ClientBatchID, Reader: rd,
		Format: p.Format, Encoding: enc, FileName: p.FileName, ExpectedRows: p.ExpectedRows})
	return b, lb.tooLarge, err
}

// WriteBatchAnswer answers a push: 201 with the batch when it loaded, 200
// with the original batch (replayed) when its client batch ID had already
// loaded, and a problem document (422 collect.batch.rejected, or 413 when
// the body was too large) with the batch and its rejections in the
// extension member "batch" when it was rejected.
func WriteBatchAnswer(w http.ResponseWriter, r *http.Request, b Batch, tooLarge bool) error {
	switch {
	case b.Replayed:
		return httpx.WriteJSON(w, http.StatusOK, b)
	case b.State == BatchLoaded:
		w.Header().Set("Location", "/api/v1/batches/"+strconv.FormatInt(b.ID, 10))
		return httpx.WriteJSON(w, http.StatusCreated, b)
	}
	if b.Errors == nil {
		b.Errors = []Rejection{}
	}
	if tooLarge {
		return writeProblemStatus(w, r, apperr.New(apperr.TooLarge, "request.too_large",
			fmt.Sprintf("请求体超过上限（表格文件%d MiB，其他格式%d MiB），未加载任何数据", MaxPushXLSX>>20, MaxPush>>20),
			fmt.Sprintf("the body exceeds the limit (%d MiB for a workbook, %d MiB otherwise); nothing was loaded", MaxPushXLSX>>20, MaxPush>>20)),
			http.StatusRequestEntityTooLarge, &b)
	}
	return writeProblemStatus(w, r, rejectedError(b), http.StatusUnprocessableEntity, &b)
}

// rejectedError describes a rejected batch as an application error: the
// count of its rejections and the first.
func rejectedError(b Batch) *apperr.Error {
	zh := fmt.Sprintf("批次 %d 被拒绝：发现 %d 处错误，未加载任何数据", b.ID, b.ErrorCount)
	en := fmt.Sprintf("batch %d was rejected: %d errors found; nothing was loaded", b.ID, b.ErrorCount)
	if len(b.Errors) > 0 {
		e := b.Errors[0]
		switch {
		case e.Row > 0 && e.Field != "":
			zh += fmt.Sprintf("。首个错误：第 %d 行“%s”：%s", e.Row, e.Field, e.ZH)
			en += fmt.Sprintf(". First: row %d, %s: %s", e.Row, e.Field, e.EN)
		case e.Row > 0:
			zh += fmt.Sprintf("。首个错误：第 %d 行：%s", e.Row, e.ZH)
			en += fmt.Sprintf(". First: row %d: %s", e.Row, e.EN)
		case e.Field != "":
			zh += fmt.Sprintf("。首个错误：“%s”：%s", e.Field, e.ZH)
			en += fmt.Sprintf(". First: %s: %s", e.Field, e.EN)
		default:
			zh += "。首个错误：" + e.ZH
			en += ". First: " + e.EN
		}
	}
	return apperr.Invalidf("collect.batch.rejected", "", zh, en)
}

// problemWithBatch is a problem document with the batch as an extension member.
type problemWithBatch struct {
	httpx.Problem
	Batch *Batch `json:"batch,omitempty"`
}

// writeProblemStatus writes err as a problem document with the given
// status (which the error kinds do not name: 415, 422), and the batch.
func writeProblemStatus(w http.ResponseWriter, r *http.Request, err error, status int, b *Batch) error {
	lang := httpx.Lang(r)
	p := httpx.ProblemOf(err, lang, r.URL.Path, httpx.RequestID(r))
	if b != nil {
		// One entry per rejection, each naming its row and field.
		p.Errors = make([]httpx.ProblemEntry, 0, len(b.Errors))
		for _, e := range b.Errors {
			msg := e.ZH
			if lang == "en" {
				msg = e.EN
			}
			p.Errors = append(p.Errors, httpx.ProblemEntry{Code: e.Code, Field: e.Field, Row: e.Row, Detail: msg})
		}
	}
	p.Status = status
	if t, ok := statusTitles[status]; ok {
		p.Title = t[0]
		if lang == "en" {
			p.Title = t[1]
		}
	}
	h := w.Header()
	h.Set(httpx.ProblemHeader, p.Code)
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(problemWithBatch{Problem: p, Batch: b})
}

var statusTitles = map[int][2]string{
	http.StatusUnsupportedMediaType:  {"不支持的媒体类型", "Unsupported media type"},
	http.StatusUnprocessableEntity:   {"批次被拒绝", "Batch rejected"},
	http.StatusRequestEntityTooLarge: {"请求体过大", "Payload too large"},
}

// limitedBody turns the router's body limit into an application error
// that the readers pass on, and remembers that it was hit.
type limitedBody struct {
	r        io.Reader
	tooLarge bool
}

func (l *limitedBody) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && errors.As(err, &mbe) {
		l.tooLarge = true
		return n, errTooLarge
	}
	return n, err
}

var errTooLarge = apperr.New(apperr.TooLarge, "request.too_large", "请求体过大，未加载任何数据", "the body is too large; nothing was loaded")

// spool copies r to a temporary file of at most max bytes and returns it
// positioned at its start; the caller closes and removes it.
func spool(r io.Reader, max int64) (*os.File, error) {
	f, err := os.CreateTemp("", "pubdata-push-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return f, err
		}
		return f, fmt.Errorf("spool upload: %w", err)
	}
	if n > max {
		if lb, ok := r.(*limitedBody); ok {
			lb.tooLarge = true
		}
		return f, errTooLarge
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return f, err
	}
	return f, nil
}

// failedReader stands for an input that could not be opened: its first
// row is the error, so that the load records a rejected batch naming it.
type failedReader struct{ err error }

func (f *failedReader) Next() ([]string, error) { return nil, f.err }
func (f *failedReader) Line() int               { return 0 }
func (f *failedReader) Close() error            { return nil }

// --- pull sources (库表, JM §10, MZ §12) ---

func (h *api) addSource(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in SourceInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	src, err := h.s.AddSource(r.Context(), httpx.Actor(r), id, in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, src)
}

func (h *api) sources(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ss, err := h.s.Sources(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(ss))
}

// runSource pulls now and answers like a push: 201 loaded, 422 rejected.
func (h *api) runSource(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.s.RunSource(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return WriteBatchAnswer(w, r, b, false)
}

func (h *api) enableSource(enabled bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		src, err := h.s.SetSourceEnabled(r.Context(), httpx.Actor(r), id, enabled)
		if err != nil {
			return err
		}
		return httpx.WriteJSON(w, http.StatusOK, src)
	}
}

// --- quality (GD-290 §16–17, HZ §20) ---

func (h *api) qualityHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	limit := 0
	if s := r.URL.Query().Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 1000 {
			return apperr.Invalidf("filter.limit", "limit", "limit 须为1到1000的整数", "limit must be a whole number from 1 to 1000")
		}
	}
	qs, err := h.s.QualityHistory(r.Context(), httpx.Actor(r), id, limit)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(qs))
}

func (h *api) agencyQuality(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	q, err := h.s.AgencyQuality(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, q)
}

func (h *api) qualityDashboard(w http.ResponseWriter, r *http.Request) error {
	qs, err := h.s.QualityDashboard(r.Context(), httpx.Actor(r))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(qs))
}

// --- base databases (GD-290 §17–20) ---

// baseGroups lists the attribute groups with their legal sources under the
// rule profile of ?jurisdiction= (default: the caller's).
func (h *api) baseGroups(w http.ResponseWriter, r *http.Request) error {
	j := strings.TrimSpace(r.URL.Query().Get("jurisdiction"))
	if j == "" {
		j = httpx.Actor(r).Jurisdiction
	}
	if j != "" && (len(j) != 6 || strings.Trim(j, "0123456789") != "") {
		return apperr.Invalidf("filter.jurisdiction", "jurisdiction", "行政区划代码须为6位数字（GB/T 2260）", "the jurisdiction must be a 6-digit GB/T 2260 code")
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(h.s.BaseGroups(j)))
}

func (h *api) baseStats(w http.ResponseWriter, r *http.Request) error {
	st, err := h.s.BaseStats(r.Context(), httpx.Actor(r))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(st))
}

func (h *api) baseRecord(w http.ResponseWriter, r *http.Request) error {
	rec, err := h.s.BaseRecord(r.Context(), httpx.Actor(r), r.PathValue("base"), r.PathValue("key"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, rec)
}

type baseGroupBody struct {
	Group string `json:"group"` // "" unbinds
}

func (h *api) setBaseGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in baseGroupBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := h.s.SetBaseGroup(r.Context(), httpx.Actor(r), id, in.Group)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, d)
}

// --- theme databases (GD-290 §17, MZ §14) ---

func (h *api) createTheme(w http.ResponseWriter, r *http.Request) error {
	var in ThemeInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	th, err := h.s.CreateTheme(r.Context(), httpx.Actor(r), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, th)
}

func (h *api) themes(w http.ResponseWriter, r *http.Request) error {
	ts, err := h.s.Themes(r.Context(), httpx.Actor(r))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(ts))
}

func (h *api) theme(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	th, err := h.s.Theme(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, th)
}

func (h *api) refreshTheme(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	th, err := h.s.RefreshTheme(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, th)
}

// --- return flow (HZ §29), holders (HZ §16), exemptions (HZ §18) ---

// addReturnFlow sets up the return flow of dataset {id} into the caller's
// jurisdiction; the answer is the new local copy.
func (h *api) addReturnFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.s.AddReturnFlow(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, d)
}

func (h *api) holders(w http.ResponseWriter, r *http.Request) error {
	hs, err := h.s.Holders(r.Context(), httpx.Actor(r), r.URL.Query().Get("element"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(hs))
}

type exemptionBody struct {
	EntryID     int64  `json:"entry_id"`
	Reason      string `json:"reason"`
	Alternative string `json:"alternative"`
}

func (h *api) fileExemption(w http.ResponseWriter, r *http.Request) error {
	var in exemptionBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.EntryID <= 0 {
		return apperr.Invalidf("collect.exemption.entry", "entry_id", "entry_id 须为目录条目编号", "entry_id must be a catalog entry id")
	}
	x, err := h.s.FileExemption(r.Context(), httpx.Actor(r), in.EntryID, in.Reason, in.Alternative)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, x)
}

func (h *api) exemptions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var f ExemptionFilter
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"agency", &f.AgencyID}, {"entry", &f.EntryID}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				return apperr.Invalidf("filter."+p.name, p.name, p.name+" 须为正整数编号", p.name+" must be a positive id")
			}
			*p.dst = n
		}
	}
	df, err := DatasetFilterFromURL(url.Values{"jurisdiction": {q.Get("jurisdiction")}, "limit": {q.Get("limit")}})
	if err != nil {
		return err
	}
	f.Jurisdiction, f.Limit = df.Jurisdiction, df.Limit
	xs, err := h.s.Exemptions(r.Context(), httpx.Actor(r), f)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(xs))
}
