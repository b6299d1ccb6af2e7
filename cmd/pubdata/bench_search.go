package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/auth"
	"pubdata/internal/catalog"
	"pubdata/internal/demo"
	"pubdata/internal/org"
	"pubdata/internal/store"
)

// Government-data vocabulary for the generated catalog: topics (the words
// people search for), what a dataset records about them, and item names.
var (
	benchTopics = []string{"户籍", "婚姻登记", "社会保险", "企业登记", "不动产", "医疗卫生", "学籍", "公积金", "残疾人", "农业",
		"气象", "林业", "水利", "税务", "交通", "环境", "出生医学证明", "死亡登记", "最低生活保障", "养老服务", "就业", "失业保险",
		"工伤认定", "医疗保障", "药品监管", "食品安全", "特种设备", "建设工程", "房屋租赁", "道路运输", "船舶检验", "渔业捕捞",
		"畜牧兽医", "森林防火", "河道管理", "水库运行", "台风预警", "空气质量", "排污许可", "危险废物", "营业执照", "行政许可",
		"行政处罚", "信用评价", "纳税申报", "机动车", "驾驶人", "教师资格", "招生考试", "科技项目", "知识产权", "文物保护",
		"旅游景区", "体育场馆", "退役军人", "宗教场所", "法律援助", "公证", "司法鉴定", "安全生产", "应急救援", "消防监督"}
	benchSuffixes = []string{"信息", "登记信息", "名单", "台账", "统计数据", "监测数据", "许可信息", "备案信息", "办理记录", "基本信息", "变更记录", "查询接口", "目录", "年报"}
	benchAspects  = []string{"办理情况", "审批结果", "变更历史", "统计汇总", "监测结果", "档案资料", "缴费记录", "证照信息", "核查结果", "评价等级"}
	benchUses     = []string{"政务服务一网通办", "跨部门业务协同", "事中事后监管", "社会治理", "决策分析", "信用体系建设", "应急管理"}
	benchItems    = []string{"公民身份号码", "姓名", "性别", "出生日期", "统一社会信用代码", "企业名称", "法定代表人", "登记日期", "住所地址", "联系电话",
		"证件编号", "发证机关", "有效期", "金额", "状态", "行政区划代码", "经度", "纬度", "监测时间", "数值", "备注"}
	benchFreqs  = []string{"realtime", "daily", "weekly", "monthly", "quarterly", "semiannual", "annual", "irregular"}
	benchForms  = []string{"database", "database", "database", "api", "spreadsheet", "file"}
	benchGrades = []string{"general-1", "general-2", "general-2", "general-3", "general-3", "general-4", "important"}
)

// benchQueries is the query mix: 2-, 3- and 4-character words, two-word
// queries and queries with facet filters, as the console's users type them.
func benchQueries() []catalog.Query {
	var qs []catalog.Query
	for _, w := range []string{"户籍", "税务", "气象", "林业", "水利", "交通", "环境", "农业", "学籍", "就业", "公证", "登记"} {
		qs = append(qs, catalog.Query{Text: w})
	}
	for _, w := range []string{"公积金", "残疾人", "不动产", "机动车", "驾驶人", "公证书"} {
		qs = append(qs, catalog.Query{Text: w})
	}
	for _, w := range []string{"婚姻登记", "社会保险", "企业登记", "医疗卫生", "食品安全", "行政处罚", "空气质量", "安全生产"} {
		qs = append(qs, catalog.Query{Text: w})
	}
	for _, w := range []string{"户籍 变更", "企业 信用", "社会保险 缴费", "不动产 登记", "税务 统计", "医疗 监测"} {
		qs = append(qs, catalog.Query{Text: w})
	}
	qs = append(qs,
		catalog.Query{Text: "户籍", Jurisdiction: "441300"},
		catalog.Query{Text: "社会保险", ShareType: "conditional"},
		catalog.Query{Text: "气象", UpdateFreq: "daily"},
		catalog.Query{Text: "企业登记", Category: 1, Sort: "date"},
		catalog.Query{Text: "不动产", DataForm: "database", Page: 2},
		catalog.Query{Text: "环境 监测", OpenAttr: "unconditional"},
	)
	return qs
}

// benchSearch builds catalogs of 10,000 and 100,000 published entries (2,000
// and 20,000 with --quick) in the service's own tables and index, runs the
// query mix through Service.Search with facets and reports p50/p95.
func benchSearch(ctx context.Context, m *Main, quick bool, pgURL string, _ benchArgs) error {
	sizes, rounds := [2]int{10000, 100000}, 5
	if quick {
		sizes, rounds = [2]int{2000, 20000}, 2
	}
	line := "bench search:"
	run := func(label string, open func() (store.Config, func(), error)) error {
		var p95 [2]float64
		for i, n := range sizes {
			cfg, cleanup, err := open()
			if err != nil {
				return err
			}
			r, err := benchSearchOne(ctx, m.Stdout, cfg, n, rounds)
			cleanup()
			if err != nil {
				return fmt.Errorf("%s, %d entries: %w", label, n, err)
			}
			fmt.Fprintf(m.Stdout, "%s %d entries: load %.1fs, index %.1fs (%.0f entries/s), %d searches, p50 %.2f ms, p95 %.2f ms, max %.2f ms, mean total %d\n",
				label, n, r.load.Seconds(), r.index.Seconds(), float64(n)/r.index.Seconds(), r.searches, r.p50, r.p95, r.max, r.meanTotal)
			p95[i] = r.p95
		}
		prefix := ""
		if label != "sqlite" {
			prefix = label + "_"
		}
		line += fmt.Sprintf(" %sp95_%s_ms=%.2f %sp95_%s_ms=%.2f %sgrowth=%.2f", prefix, sizeName(sizes[0]), p95[0], prefix, sizeName(sizes[1]), p95[1], prefix, p95[1]/p95[0])
		return nil
	}
	err := run("sqlite", func() (store.Config, func(), error) {
		dir, err := os.MkdirTemp("", "pubdata-bench-search-")
		return store.Config{DataDir: dir}, func() { os.RemoveAll(dir) }, err
	})
	if err != nil {
		return err
	}
	if pgURL != "" {
		err := run("postgres", func() (store.Config, func(), error) { return pgSchema(ctx, pgURL) })
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(m.Stdout, line)
	return nil
}

// sizeName names a catalog size as the report does: 10k, 100k.
func sizeName(n int) string {
	if n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// pgSchema makes a fresh schema on the server for one run, dropped after.
func pgSchema(ctx context.Context, base string) (store.Config, func(), error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "bench_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return store.Config{}, nil, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return store.Config{}, nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		admin.Close()
		return store.Config{}, nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Config{URL: u.String()}, func() {
		admin.ExecContext(context.WithoutCancel(ctx), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	}, nil
}

type searchBenchResult struct {
	load, index   time.Duration
	searches      int
	p50, p95, max float64
	meanTotal     int
}

func benchSearchOne(ctx context.Context, out io.Writer, cfg store.Config, n, rounds int) (searchBenchResult, error) {
	var r searchBenchResult
	dataDir := cfg.DataDir
	if dataDir == "" {
		d, err := os.MkdirTemp("", "pubdata-bench-search-")
		if err != nil {
			return r, err
		}
		defer os.RemoveAll(d)
		dataDir = d
	}
	ac := auth.DefaultConfig
	ac.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1} // demo accounts only; not what is measured
	a, err := app.Open(ctx, app.Config{DataDir: dataDir, DBURL: cfg.URL, Auth: ac, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return r, err
	}
	defer a.Close()
	if _, err := demo.LoadWith(ctx, a, demo.Options{Catalog: true}); err != nil {
		return r, fmt.Errorf("demo: %w", err)
	}
	no := false
	ags, err := a.Orgs.Agencies(ctx, org.AgencyFilter{Authorities: &no})
	if err != nil {
		return r, err
	}
	start := time.Now()
	if err := benchLoadCatalog(ctx, a.DB, ags, n); err != nil {
		return r, fmt.Errorf("load: %w", err)
	}
	r.load = time.Since(start)
	start = time.Now()
	if _, err := a.Catalog.RefreshSearchIndex(ctx); err != nil {
		return r, fmt.Errorf("index: %w", err)
	}
	r.index = time.Since(start)
	if a.DB.Dialect == store.Postgres {
		if _, err := a.DB.Read().ExecContext(ctx, `ANALYZE`); err != nil {
			return r, err
		}
	}
	u, err := a.Accounts.UserByName(ctx, "gd.hrss")
	if err != nil {
		return r, err
	}
	who := (&auth.Principal{User: u}).Actor("127.0.0.1", "bench")
	qs := benchQueries()
	search := func(q catalog.Query) (int, error) {
		res, err := a.Catalog.Search(ctx, who, q, "zh")
		return res.Total, err
	}
	for _, q := range qs { // warm the caches
		if _, err := search(q); err != nil {
			return r, fmt.Errorf("search %q: %w", q.Text, err)
		}
	}
	var lat []float64
	total := 0
	for range rounds {
		for _, q := range qs {
			t0 := time.Now()
			n, err := search(q)
			if err != nil {
				return r, err
			}
			lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
			total += n
		}
	}
	slices.Sort(lat)
	r.searches = len(lat)
	r.p50, r.p95, r.max = lat[len(lat)/2], lat[(len(lat)*95+99)/100-1], lat[len(lat)-1]
	r.meanTotal = total / len(lat)
	return r, nil
}

// benchLoadCatalog inserts n published entries straight into
// catalog_entries, in batches: the migration's triggers queue them for the
// index exactly as the service's own writes do. Entries get no versions:
// Search reads only catalog_entries and its index.
func benchLoadCatalog(ctx context.Context, db *store.DB, ags []org.Agency, n int) error {
	rng := mrand.New(mrand.NewPCG(2026, uint64(n)))
	const cols = 21
	// modernc.org/sqlite binds $N parameters in time quadratic in their
	// number, so SQLite gets small multi-row statements; PostgreSQL big ones.
	batch := 500
	if db.Dialect == store.SQLite {
		batch = 20
	}
	seqs := map[string]int{}
	base := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	for done := 0; done < n; {
		k := min(50*batch, n-done)
		err := db.Write(ctx, func(tx *store.Tx) error {
			var ph []string
			var args []any
			flush := func() error {
				if len(ph) == 0 {
					return nil
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO catalog_entries(agency_id, jurisdiction_code, class_code, seq, resource_code, status, published_version, latest_version,
				name, summary, keywords, item_names, category, share_type, open_attr, update_freq, data_form, max_grade, published_at, created_at, updated_at) VALUES `+strings.Join(ph, ","), args...)
				ph, args = ph[:0], args[:0]
				return err
			}
			for i := range k {
				if i%batch == 0 {
					if err := flush(); err != nil {
						return err
					}
				}
				ag := ags[rng.IntN(len(ags))]
				cat := 1 + rng.IntN(3)
				class := fmt.Sprintf("%d%s%07d", cat, ag.JurisdictionCode, ag.ID)
				seqs[class]++
				name, summary, kw, items := benchText(rng, ag)
				pub := base.Add(time.Duration(rng.Int64N(int64(5 * 365 * 24 * time.Hour))))
				share := []string{"unconditional", "conditional", "conditional", "not_shared"}[rng.IntN(4)]
				open := []string{"unconditional", "conditional", "not_open", "not_open"}[rng.IntN(4)]
				args = append(args, ag.ID, ag.JurisdictionCode, class, seqs[class], fmt.Sprintf("%s/%06d", class, seqs[class]), "published", 1, 1,
					name, summary, kw, items, cat, share, open, benchFreqs[rng.IntN(len(benchFreqs))], benchForms[rng.IntN(len(benchForms))],
					benchGrades[rng.IntN(len(benchGrades))], tx.Dialect.Time(pub), tx.Dialect.Time(pub), tx.Dialect.Time(pub))
				p := make([]string, cols)
				for c := range cols {
					p[c] = "$" + strconv.Itoa(len(args)-cols+c+1)
				}
				ph = append(ph, "("+strings.Join(p, ",")+")")
			}
			return flush()
		})
		if err != nil {
			return err
		}
		done += k
	}
	return nil
}

// benchText makes an entry's name, summary, keywords and item names from
// the vocabulary, in the agency's name, as a compiler would write them.
func benchText(rng *mrand.Rand, ag org.Agency) (name, summary, keywords, items string) {
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	topic, other := pick(benchTopics), pick(benchTopics)
	place := "全省"
	if ag.JurisdictionCode != org.ProvinceCode {
		place = "本市"
	}
	name = topic + pick(benchSuffixes)
	if rng.IntN(3) == 0 {
		name = strings.TrimSuffix(strings.TrimSuffix(ag.Name, "局"), "厅") + name
	}
	summary = fmt.Sprintf("%s%s%s的%s，涉及%s等业务，由%s汇聚并按规定更新，用于%s。", place, topic, pick(benchSuffixes), pick(benchAspects), other, ag.Name, pick(benchUses))
	keywords = topic + " " + other
	var its []string
	for range 4 + rng.IntN(8) {
		its = append(its, pick(benchItems))
	}
	return name, summary, keywords, strings.Join(its, " ")
}
