package web

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/httpx"
)

// registerCollect adds the collection console (数据汇聚, GD-290 ch.3): the
// datasets a user may see with their freshness and quality; a dataset with
// its schema, batches, upload form, pull sources and quality over time; a
// batch with its rejections; and the quality dashboard.
func registerCollect(rt *httpx.Router, p *portal) {
	rt.Page("GET", "/datasets", auth.PermDataRead, p.datasetsPage)
	rt.Page("GET", "/datasets/{id}", auth.PermDataRead, p.datasetPage)
	rt.PageUpload("POST", "/datasets/{id}/upload", auth.PermDataLoad, collect.MaxPush, p.datasetUpload)
	rt.Page("POST", "/sources/{id}/run", auth.PermDataLoad, p.sourceRun)
	rt.Page("POST", "/sources/{id}/enable", auth.PermDataLoad, p.sourceEnable(true))
	rt.Page("POST", "/sources/{id}/disable", auth.PermDataLoad, p.sourceEnable(false))
	rt.Page("GET", "/batches/{id}", auth.PermDataRead, p.batchPage)
	rt.Page("GET", "/batches/{id}/rejections.csv", auth.PermDataRead, p.batchRejectionsCSV)
	rt.Page("GET", "/quality", auth.PermDataRead, p.qualityPage)
	rt.Page("GET", "/base", auth.PermDataRead, p.basePage)
	rt.Page("GET", "/themes", auth.PermDataRead, p.themesPage)
	rt.Page("GET", "/themes/{id}", auth.PermDataRead, p.themePage)
	rt.Page("POST", "/themes/{id}/refresh", auth.PermDataGovern, p.themeRefresh)
	registerCollectForms(rt, p)
}

// collectTabs are the collection console's pages, for the tabs on each.
var collectTabs = []struct {
	key, href string
	perm      auth.Permission
}{
	{"col.tab.datasets", "/datasets", auth.PermDataRead},
	{"col.tab.quality", "/quality", auth.PermDataRead},
	{"col.tab.base", "/base", auth.PermDataRead},
	{"col.tab.themes", "/themes", auth.PermDataRead},
	{"col.tab.exemptions", "/collection-exemptions", auth.PermDataRead},
}

// collectPath reports whether a path is a page of the collection console,
// so that its navigation entry shows as current there.
func collectPath(path string) bool {
	for _, pre := range []string{"/datasets", "/batches/", "/quality", "/base", "/themes", "/sources/", "/collection-exemptions"} {
		if path == pre || strings.HasPrefix(path, strings.TrimSuffix(pre, "/")+"/") {
			return true
		}
	}
	return false
}

// CollectTabs lists the collection pages the user may open, marking the current one.
func (v *View) CollectTabs() []navItem {
	var out []navItem
	path, _, _ := strings.Cut(v.Path, "?")
	for _, t := range collectTabs {
		if v.User != nil && v.User.Role.Can(t.perm) {
			out = append(out, navItem{Key: t.key, Href: t.href, Active: path == t.href})
		}
	}
	return out
}

// fresh is a dataset's freshness for display.
type fresh struct {
	State string // ok, stale, never
	Since string // stale since (Asia/Shanghai)
}

func freshOf(d collect.Dataset) fresh {
	switch {
	case d.StaleSince != nil:
		return fresh{State: "stale", Since: d.StaleSince.In(calendar.Shanghai).Format("2006-01-02 15:04")}
	case d.LastLoadAt == nil:
		return fresh{State: "never"}
	}
	return fresh{State: "ok"}
}

// datasetRow is a dataset in a list, with its display labels.
type datasetRow struct {
	collect.Dataset
	Freq  string
	Fresh fresh
	Score string
}

func datasetRowOf(d collect.Dataset, lang string) datasetRow {
	return datasetRow{Dataset: d, Freq: catalog.Label(string(d.UpdateFreq), "", lang), Fresh: freshOf(d), Score: scoreText(d.QualityScore)}
}

func scoreText(s *float64) string {
	if s == nil {
		return ""
	}
	return strconv.FormatFloat(*s, 'f', 1, 64)
}

// --- the datasets ---

type datasetsData struct {
	Filter collect.DatasetFilter
	Rows   []datasetRow
	Stale  int
	Failed bool
}

func (p *portal) datasetsPage(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	v := p.view(r, "col.datasets", nil)
	v.Form = r.URL.Query()
	f, err := collect.DatasetFilterFromURL(r.URL.Query())
	d := &datasetsData{Filter: f}
	v.Data = d
	if err != nil {
		errs, general, ok := fieldErrors(err, lang)
		if !ok {
			return err
		}
		v.Errors, v.Error, d.Failed = errs, general, true
		return p.render(w, http.StatusBadRequest, "collect_datasets", v)
	}
	ds, err := p.app.Collect.Datasets(r.Context(), httpx.Actor(r), f) // audited by the service
	if err != nil {
		return err
	}
	for _, x := range ds {
		row := datasetRowOf(x, lang)
		if row.Fresh.State == "stale" {
			d.Stale++
		}
		d.Rows = append(d.Rows, row)
	}
	return p.render(w, http.StatusOK, "collect_datasets", v)
}

// --- one dataset ---

// columnView is a dataset column with its display labels.
type columnView struct {
	N         int
	Name      string
	Type      string
	TypeLabel string
	Length    int
	Required  bool
	Key       bool
	KeyKind   string
	Format    string // the identifier format, allowed values or range
	Personal  bool
	Dropped   bool
}

func columnViews(cols []collect.Column, lang string) []columnView {
	out := make([]columnView, len(cols))
	for i, c := range cols {
		it := c.Item
		cv := columnView{N: i + 1, Name: it.Name, Type: string(it.Type), TypeLabel: catalog.Label(string(it.Type), "", lang), Length: it.Length,
			Required: it.Required, Key: it.Key, Personal: it.Personal, Dropped: c.Dropped}
		if it.KeyKind != "" {
			cv.KeyKind = catalog.Label(string(it.KeyKind), "", lang)
		}
		var parts []string
		if it.Format != "" {
			parts = append(parts, catalog.Label(string(it.Format), "", lang))
		}
		if len(it.Values) > 0 {
			sep := "、"
			if lang == "en" {
				sep = ", "
			}
			parts = append(parts, strings.Join(it.Values, sep))
		}
		if it.Min != "" || it.Max != "" {
			parts = append(parts, it.Min+" – "+it.Max)
		}
		cv.Format = strings.Join(parts, "; ")
		out[i] = cv
	}
	return out
}

// dimension is one quality dimension's figure.
type dimension struct{ Key, Value string }

// batchRow is a batch with its display labels.
type batchRow struct {
	collect.Batch
	StateTitle, ChannelTitle, ModeTitle string
}

func batchRowOf(b collect.Batch, lang string) batchRow {
	return batchRow{Batch: b, StateTitle: T(lang, "col.state."+string(b.State)), ChannelTitle: T(lang, "col.channel."+string(b.Channel)),
		ModeTitle: T(lang, "col.mode."+string(b.Mode))}
}

// sourceRow is a pull source with its display labels.
type sourceRow struct {
	collect.Source
	ModeTitle string
}

type datasetData struct {
	DS       datasetRow
	Columns  []columnView
	Batches  []batchRow
	Sources  []sourceRow
	CanLoad  bool
	Chart    *chart
	Latest   *collect.QualitySnapshot
	Dims     []dimension
	Problems []string
	Encoding []option
	Modes    []option
	MaxMiB   int

	// The forms (collect_forms.go).
	SourceItems []sourceItem // one column-mapping input per live item
	Drivers     []option
	Govern      *govern // an authority reviewer's forms; nil: none
}

// datasetView reads the dataset page's data; the service audits the reads
// and decides what the user may see.
func (p *portal) datasetView(r *http.Request) (*View, *datasetData, error) {
	ctx := r.Context()
	lang := httpx.Lang(r)
	actor := httpx.Actor(r)
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	ds, err := p.app.Collect.Dataset(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	u := httpx.Principal(r)
	d := &datasetData{DS: datasetRowOf(ds, lang), Columns: columnViews(ds.Columns, lang), MaxMiB: collect.MaxPush >> 20,
		CanLoad: u.Role.Can(auth.PermDataLoad) && u.AgencyID == ds.AgencyID && ds.OriginID == 0}
	bs, err := p.app.Collect.Batches(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	for _, b := range bs {
		d.Batches = append(d.Batches, batchRowOf(b, lang))
	}
	if d.CanLoad {
		ss, err := p.app.Collect.Sources(ctx, actor, id)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range ss {
			d.Sources = append(d.Sources, sourceRow{Source: s, ModeTitle: T(lang, "col.mode."+string(s.Mode))})
		}
	}
	qs, err := p.app.Collect.QualityHistory(ctx, actor, id, 60)
	if err != nil {
		return nil, nil, err
	}
	if len(qs) > 0 {
		q := qs[0]
		d.Latest = &q
		d.Dims = []dimension{{"col.q.completeness", pct(q.Completeness)}, {"col.q.accuracy", pct(q.Accuracy)},
			{"col.q.consistency", pct(q.Consistency)}, {"col.q.timeliness", pct(q.Timeliness)}}
		for _, pr := range qs[0].Details.Problems {
			d.Problems = append(d.Problems, pick(lang, pr.ZH, pr.EN))
		}
		pts := make([]chartPoint, 0, len(qs))
		for i := len(qs) - 1; i >= 0; i-- {
			pts = append(pts, chartPoint{At: qs[i].MeasuredAt, Value: qs[i].Score})
		}
		d.Chart = newChart(pts, float64(qs[0].Details.Threshold), lang)
	}
	d.Modes = []option{{Value: "incremental", Label: T(lang, "col.mode.incremental")}, {Value: "full", Label: T(lang, "col.mode.full")}}
	d.Encoding = []option{{Value: "", Label: T(lang, "col.encoding.auto")}, {Value: "utf-8", Label: "UTF-8"}, {Value: "gbk", Label: "GBK"}, {Value: "gb18030", Label: "GB18030"}}
	p.datasetForms(r, ds, d)
	return p.view(r, "col.dataset", d), d, nil
}

func (p *portal) datasetPage(w http.ResponseWriter, r *http.Request) error {
	v, _, err := p.datasetView(r)
	if err != nil {
		return err
	}
	v.Title = v.Data.(*datasetData).DS.Name
	return p.render(w, http.StatusOK, "collect_dataset", v)
}

// datasetUpload loads the uploaded file as one batch (文件上传, JM §10,
// MZ §12, HZ §18) and shows the batch, loaded or rejected. A form that
// cannot start a batch (no file, a legacy .xls, a bad choice) comes back
// with its message.
func (p *portal) datasetUpload(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := p.upload(r, id)
	if err == nil {
		ok := ""
		if b.State == collect.BatchLoaded {
			ok = "?ok=batch_loaded"
		}
		return redirect(w, r, "/batches/"+strconv.FormatInt(b.ID, 10)+ok)
	}
	errs, general, isForm := fieldErrors(err, lang)
	if !isForm || apperr.KindOf(err) == apperr.NotFound {
		return err
	}
	v, _, verr := p.datasetView(r)
	if verr != nil {
		return verr
	}
	v.Form = r.PostForm
	v.Errors = map[string]string{}
	for f, msg := range errs {
		switch f {
		case "mode", "encoding", "file":
			v.Errors[f] = msg
		default:
			general = msg
		}
	}
	if general == "" && len(v.Errors) == 0 {
		general = apperr.ErrNotFound.Message(lang)
	}
	v.Error = general
	return p.render(w, statusOf(err), "collect_dataset", v)
}

// upload opens the form's file and pushes it.
func (p *portal) upload(r *http.Request, id int64) (collect.Batch, error) {
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return collect.Batch{}, apperr.Invalidf("collect.upload.file", "file", "请选择要上传的文件（CSV、Excel .xlsx、JSON 或 JSON Lines）",
			"choose a file to upload (CSV, Excel .xlsx, JSON or JSON Lines)")
	}
	defer file.Close()
	br := bufio.NewReaderSize(file, 4096)
	head, _ := br.Peek(512)
	name := hdr.Filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	f, err := collect.DetectFormat(name, head)
	if err != nil {
		return collect.Batch{}, err
	}
	mode := r.PostFormValue("mode")
	if mode == "" {
		mode = string(collect.ModeIncremental)
	}
	b, _, err := p.app.Collect.Push(r.Context(), httpx.Actor(r), id, br, collect.PushParams{Format: f, Encoding: r.PostFormValue("encoding"),
		Mode: collect.Mode(mode), FileName: name, Channel: collect.ChannelUpload})
	return b, err
}

// sourceRun pulls a source now and shows the batch.
func (p *portal) sourceRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := p.app.Collect.RunSource(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	ok := ""
	if b.State == collect.BatchLoaded {
		ok = "?ok=batch_loaded"
	}
	return redirect(w, r, "/batches/"+strconv.FormatInt(b.ID, 10)+ok)
}

func (p *portal) sourceEnable(enabled bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		s, err := p.app.Collect.SetSourceEnabled(r.Context(), httpx.Actor(r), id, enabled)
		if err != nil {
			return err
		}
		ok := "source_disabled"
		if enabled {
			ok = "source_enabled"
		}
		return redirect(w, r, "/datasets/"+strconv.FormatInt(s.DatasetID, 10)+"?ok="+ok+"#sources")
	}
}

// --- one batch ---

type rejectionRow struct {
	collect.Rejection
	Message string
}

type batchData struct {
	Batch      batchRow
	Dataset    collect.Dataset
	Rejections []rejectionRow
	More       int64 // rejections counted but not kept
	Uploader   string
}

func (p *portal) batchPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := httpx.Lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := p.app.Collect.Batch(ctx, httpx.Actor(r), id)
	if err != nil {
		return err
	}
	ds, err := p.app.Collect.Dataset(ctx, httpx.Actor(r), b.DatasetID)
	if err != nil {
		return err
	}
	d := &batchData{Batch: batchRowOf(b, lang), Dataset: ds}
	for _, e := range b.Errors {
		d.Rejections = append(d.Rejections, rejectionRow{Rejection: e, Message: pick(lang, e.ZH, e.EN)})
	}
	if n := b.ErrorCount - int64(len(b.Errors)); n > 0 {
		d.More = n
	}
	v := p.view(r, "col.batch", d)
	v.Title = Tf(lang, "col.batch_n", b.ID)
	return p.render(w, http.StatusOK, "collect_batch", v)
}

func (p *portal) batchRejectionsCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := p.app.Collect.Batch(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return collect.WriteRejectionsCSV(w, b)
}

// --- quality ---

type qualityRow struct {
	collect.AgencyQuality
	Score string
}

type datasetScore struct {
	collect.DatasetQuality
	Score, Completeness, Accuracy, Consistency, Timeliness string
	Fresh                                                  fresh
	Low                                                    bool
}

type qualityData struct {
	Dashboard []qualityRow // an authority's view: every agency, worst first
	Agency    *collect.AgencyQuality
	Score     string
	Datasets  []datasetScore
	Chart     *chart
	Threshold float64
}

func pct(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }

func (p *portal) qualityPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := httpx.Lang(r)
	actor := httpx.Actor(r)
	u := httpx.Principal(r)
	d := &qualityData{}
	agencyID := u.AgencyID
	if s := r.URL.Query().Get("agency"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return apperr.Invalidf("filter.agency", "agency", "agency 须为机构编号", "agency must be an agency id")
		}
		agencyID = n
	} else if u.Role == auth.AuthorityReviewer || u.Role == auth.Auditor {
		qs, err := p.app.Collect.QualityDashboard(ctx, actor)
		if err != nil {
			return err
		}
		for _, q := range qs {
			d.Dashboard = append(d.Dashboard, qualityRow{AgencyQuality: q, Score: scoreText(q.Score)})
		}
		return p.render(w, http.StatusOK, "collect_quality", p.view(r, "col.quality", d))
	}
	if agencyID == 0 {
		return apperr.ErrNotFound
	}
	aq, err := p.app.Collect.AgencyQuality(ctx, actor, agencyID)
	if err != nil {
		return err
	}
	d.Agency, d.Score = &aq, scoreText(aq.Score)
	// The passing line is the profile's threshold, as the snapshots carry it.
	for _, l := range aq.Latest {
		if l.Latest != nil {
			d.Threshold = float64(l.Latest.Details.Threshold)
			break
		}
	}
	for _, l := range aq.Latest {
		row := datasetScore{DatasetQuality: l, Fresh: freshOf(collect.Dataset{StaleSince: l.StaleSince, LastLoadAt: l.LastLoadAt})}
		if q := l.Latest; q != nil {
			row.Score = strconv.FormatFloat(q.Score, 'f', 1, 64)
			row.Completeness, row.Accuracy, row.Consistency, row.Timeliness = pct(q.Completeness), pct(q.Accuracy), pct(q.Consistency), pct(q.Timeliness)
			row.Low = q.Details.Threshold > 0 && q.Score < float64(q.Details.Threshold)
		}
		d.Datasets = append(d.Datasets, row)
	}
	if len(aq.History) > 0 {
		pts := make([]chartPoint, 0, len(aq.History))
		for _, h := range aq.History {
			t, err := time.ParseInLocation(time.DateOnly, h.Day, calendar.Shanghai)
			if err != nil {
				continue
			}
			pts = append(pts, chartPoint{At: t, Value: h.Score, Day: true})
		}
		d.Chart = newChart(pts, d.Threshold, lang)
	}
	v := p.view(r, "col.quality", d)
	v.Title = T(lang, "col.quality") + " · " + aq.AgencyName
	return p.render(w, http.StatusOK, "collect_quality", v)
}

// --- the quality chart: server-rendered SVG, no script ---

type chartPoint struct {
	At    time.Time
	Value float64 // 0–100
	Day   bool    // a day's figure: label the date only
}

// chart is a line chart of scores over time, laid out for an SVG viewBox.
type chart struct {
	W, H      int
	Left, Top int
	Right     int
	Bottom    int
	Line      string // polyline points
	Dots      []chartDot
	YTicks    []chartTick
	XTicks    []chartTick
	Threshold *chartTick
	Label     string // the chart's accessible name
}

type chartDot struct {
	X, Y  string
	Title string
}

type chartTick struct {
	X, Y   string
	Label  string
	Anchor string // text-anchor of a time label
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// newChart lays out the points (oldest first) on a 0–100 scale; threshold
// > 0 draws the profile's passing line.
func newChart(pts []chartPoint, threshold float64, lang string) *chart {
	if len(pts) == 0 {
		return nil
	}
	c := &chart{W: 760, H: 200, Left: 36, Top: 14, Right: 744, Bottom: 172, Label: T(lang, "col.chart")}
	plotW, plotH := float64(c.Right-c.Left), float64(c.Bottom-c.Top)
	y := func(v float64) float64 { return float64(c.Bottom) - min(max(v, 0), 100)/100*plotH }
	t0, t1 := pts[0].At, pts[len(pts)-1].At
	span := t1.Sub(t0)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return float64(c.Left) + plotW/2
		}
		return float64(c.Left) + float64(t.Sub(t0))/float64(span)*plotW
	}
	for _, v := range []float64{0, 25, 50, 75, 100} {
		c.YTicks = append(c.YTicks, chartTick{X: strconv.Itoa(c.Left - 6), Y: num(y(v)), Label: strconv.Itoa(int(v))})
	}
	if threshold > 0 {
		c.Threshold = &chartTick{Y: num(y(threshold)), Label: Tf(lang, "col.chart.threshold", int(threshold))}
	}
	format := "01-02 15:04"
	if pts[0].Day || span > 72*time.Hour {
		format = "2006-01-02"
	}
	var line []string
	for _, pt := range pts {
		px, py := num(x(pt.At)), num(y(pt.Value))
		line = append(line, px+","+py)
		when := pt.At.In(calendar.Shanghai).Format("2006-01-02 15:04")
		if pt.Day {
			when = pt.At.In(calendar.Shanghai).Format(time.DateOnly)
		}
		c.Dots = append(c.Dots, chartDot{X: px, Y: py, Title: fmt.Sprintf("%s: %.1f", when, pt.Value)})
	}
	c.Line = strings.Join(line, " ")
	// Four time labels evenly along the axis (one when all points share a time).
	n := 3
	if span <= 0 {
		n = 0
	}
	for k := 0; k <= n; k++ {
		at := t0
		if n > 0 {
			at = t0.Add(span * time.Duration(k) / time.Duration(n))
		}
		anchor := "middle"
		switch {
		case n == 0:
		case k == 0:
			anchor = "start"
		case k == n:
			anchor = "end"
		}
		c.XTicks = append(c.XTicks, chartTick{X: num(x(at)), Y: strconv.Itoa(c.Bottom + 18), Label: at.In(calendar.Shanghai).Format(format), Anchor: anchor})
	}
	return c
}

// --- base databases (GD-290 §17–20) ---

type baseRow struct {
	collect.BaseGroupStats
	Base, Group, Sources, KeyKind, LastUpdate string
}

type baseData struct {
	Rows  []baseRow
	Stats bool // the figures are shown (authorities and auditors)
}

// basePage shows each attribute group of the base databases with its legal
// sources under the user's rule profile, and for authorities and auditors
// its records, datasets and agencies.
func (p *portal) basePage(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	u := httpx.Principal(r)
	d := &baseData{}
	var stats []collect.BaseGroupStats
	if u.Role == auth.AuthorityReviewer || u.Role == auth.Auditor {
		st, err := p.app.Collect.BaseStats(r.Context(), httpx.Actor(r)) // audited by the service
		if err != nil {
			return err
		}
		stats, d.Stats = st, true
	} else {
		for _, g := range p.app.Collect.BaseGroups(httpx.Actor(r).Jurisdiction) {
			stats = append(stats, collect.BaseGroupStats{BaseGroup: g})
		}
	}
	sep := "、"
	if lang == "en" {
		sep = ", "
	}
	for _, g := range stats {
		row := baseRow{BaseGroupStats: g, Base: pick(lang, g.BaseZH, g.BaseEN), Group: pick(lang, g.ZH, g.EN), Sources: strings.Join(g.Sources, sep)}
		if g.AnySource {
			row.Sources = T(lang, "col.base.any_source")
		}
		if g.KeyKind != "" {
			row.KeyKind = catalog.Label(string(g.KeyKind), "", lang)
		}
		if g.LastUpdate != nil {
			row.LastUpdate = g.LastUpdate.In(calendar.Shanghai).Format("2006-01-02 15:04")
		}
		d.Rows = append(d.Rows, row)
	}
	return p.render(w, http.StatusOK, "collect_base", p.view(r, "col.base", d))
}

// --- theme databases (GD-290 §17, MZ §14) ---

type themeRow struct {
	collect.Theme
	KeyKind string
}

func (p *portal) themesPage(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	ts, err := p.app.Collect.Themes(r.Context(), httpx.Actor(r)) // audited by the service
	if err != nil && apperr.KindOf(err) != apperr.Forbidden {
		return err
	}
	var rows []themeRow
	for _, t := range ts {
		rows = append(rows, themeRow{Theme: t, KeyKind: catalog.Label(string(t.KeyKind), "", lang)})
	}
	return p.render(w, http.StatusOK, "collect_themes", p.view(r, "col.themes", rows))
}

type themeData struct {
	themeRow
	CanRefresh bool
}

func (p *portal) themePage(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := p.app.Collect.Theme(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	u := httpx.Principal(r)
	d := &themeData{themeRow: themeRow{Theme: t, KeyKind: catalog.Label(string(t.KeyKind), "", lang)},
		CanRefresh: u.Role == auth.AuthorityReviewer || u.Role == auth.AgencyOfficer && u.AgencyID == t.AgencyID}
	v := p.view(r, "col.themes", d)
	v.Title = t.Name
	return p.render(w, http.StatusOK, "collect_theme", v)
}

func (p *portal) themeRefresh(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := p.app.Collect.RefreshTheme(r.Context(), httpx.Actor(r), id); err != nil {
		return err
	}
	return redirect(w, r, "/themes/"+strconv.FormatInt(id, 10)+"?ok=theme_refreshed")
}
