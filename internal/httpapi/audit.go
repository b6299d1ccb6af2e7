package httpapi

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/httpx"
)

// AuditFilter parses the audit browser's query: actor, action (prefix),
// object_type, object_id, outcome, from and to (YYYY-MM-DD, Asia/Shanghai,
// to inclusive), before (sequence, for paging), limit.
func AuditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Outcome: q.Get("outcome")}
	for name, v := range map[string]string{"actor": f.Actor, "action": f.Action, "object_type": f.ObjectType, "object_id": f.ObjectID} {
		if len(v) > 200 {
			return f, apperr.Invalidf("filter.too_long", name, "筛选条件过长", "the filter is too long")
		}
	}
	switch f.Outcome {
	case "", audit.OK, audit.Denied, audit.Failed:
	default:
		return f, apperr.Invalidf("filter.outcome", "outcome", "结果须为 ok、denied 或 failed", "outcome must be ok, denied or failed")
	}
	if s := q.Get("from"); s != "" {
		d, err := calendar.ParseDate(s)
		if err != nil {
			return f, withField(err, "from")
		}
		f.From = d.Start()
	}
	if s := q.Get("to"); s != "" {
		d, err := calendar.ParseDate(s)
		if err != nil {
			return f, withField(err, "to")
		}
		f.To = d.AddDays(1).Start()
	}
	for name, dst := range map[string]*int64{"before": &f.BeforeSeq} {
		if s := q.Get(name); s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v <= 0 {
				return f, apperr.Invalidf("filter.before", name, name+" 须为正整数", name+" must be a positive integer")
			}
			*dst = v
		}
	}
	if s := q.Get("limit"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 || v > 10000 {
			return f, apperr.Invalidf("filter.limit", "limit", "limit 须为 1 到 10000 的整数", "limit must be an integer from 1 to 10000")
		}
		f.Limit = v
	}
	return f, nil
}

func (h *api) listAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := AuditFilter(r)
	if err != nil {
		return err
	}
	es, err := h.app.Trail.List(r.Context(), f)
	if err != nil {
		return err
	}
	// Reading the trail is itself audited, after the read so it is not in the page.
	if err := h.app.Trail.Record(r.Context(), httpx.Actor(r), audit.Event{Action: "audit.read", ObjectType: "audit", Detail: r.URL.RawQuery}); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(es))
}

func (h *api) exportAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := AuditFilter(r)
	if err != nil {
		return err
	}
	if f.Limit == 0 {
		f.Limit = 10000
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		return apperr.Invalidf("filter.format", "format", "格式须为 csv 或 json", "format must be csv or json")
	}
	es, err := h.app.Trail.List(r.Context(), f)
	if err != nil {
		return err
	}
	if err := h.app.Trail.Record(r.Context(), httpx.Actor(r), audit.Event{Action: "audit.export", ObjectType: "audit", Detail: format + " " + strconv.Itoa(len(es)) + " entries " + r.URL.RawQuery}); err != nil {
		return err
	}
	name := "audit-" + time.Now().In(calendar.Shanghai).Format("20060102-150405")
	if format == "json" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		return httpx.WriteJSON(w, http.StatusOK, httpx.ListOf(es))
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	return WriteAuditCSV(w, es)
}

// WriteAuditCSV writes entries as CSV with a UTF-8 byte-order mark, so that
// Excel on a Chinese Windows desktop opens it with the right encoding.
func WriteAuditCSV(w io.Writer, es []audit.Entry) error {
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"seq", "at", "actor", "actor_id", "agency_id", "role", "action", "object_type", "object_id", "purpose", "outcome", "client_addr", "request_id", "detail", "hash"})
	for _, e := range es {
		_ = cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.In(calendar.Shanghai).Format(time.RFC3339), csvSafe(e.Actor), strconv.FormatInt(e.ActorID, 10),
			strconv.FormatInt(e.AgencyID, 10), e.Role, csvSafe(e.Action), csvSafe(e.ObjectType), csvSafe(e.ObjectID), csvSafe(e.Purpose), e.Outcome, e.ClientAddr, e.RequestID, csvSafe(e.Detail), e.Hash})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses spreadsheet formulas in exported text (CSV injection).
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

func (h *api) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.app.Trail.Verify(r.Context())
	if err != nil {
		return err
	}
	if err := h.app.Trail.Record(r.Context(), httpx.Actor(r), audit.Event{Action: "audit.verify", ObjectType: "audit", Detail: strconv.FormatBool(rep.OK)}); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, struct {
		audit.Report
		Keyed bool `json:"keyed"`
	}{rep, h.app.Trail.Keyed()})
}

func readAll(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, apperr.New(apperr.TooLarge, "request.too_large", "请求体过大", "the body is too large")
	}
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		return nil, apperr.Invalidf("request.malformed", "", "JSON 格式错误", "malformed JSON")
	}
	return b, nil
}
