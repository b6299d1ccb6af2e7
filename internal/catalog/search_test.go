package catalog_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/catalog"
)

// searchEntry is valid metadata with the text a search test needs.
func searchEntry(name, summary string, keywords ...string) catalog.Metadata {
	m := valid(name)
	m.Summary, m.Keywords = summary, keywords
	return m
}

// publish drafts, submits and approves an entry at the given time.
func publish(t *testing.T, a *app.App, officer, reviewer string, when time.Time, m catalog.Metadata) catalog.Entry {
	t.Helper()
	ctx := context.Background()
	a.Cases.SetClock(func() time.Time { return when })
	defer a.Cases.SetClock(time.Now)
	e := create(t, a, officer, m)
	if _, err := a.Catalog.Submit(ctx, actor(t, a, officer), e.ID); err != nil {
		t.Fatalf("submit %s: %v", m.Name, err)
	}
	e, err := a.Catalog.Review(ctx, actor(t, a, reviewer), e.ID, "approve", "")
	if err != nil {
		t.Fatalf("approve %s: %v", m.Name, err)
	}
	return e
}

func search(t *testing.T, a *app.App, who string, q catalog.Query) catalog.SearchResult {
	t.Helper()
	r, err := a.Catalog.Search(context.Background(), actor(t, a, who), q, "zh")
	if err != nil {
		t.Fatalf("search %+v as %s: %v", q, who, err)
	}
	return r
}

// names returns the names of a result's entries, in order.
func names(r catalog.SearchResult) []string {
	out := []string{}
	for _, e := range r.Entries {
		out = append(out, e.Name)
	}
	return out
}

func facet(r catalog.SearchResult, name, value string) (catalog.FacetCount, bool) {
	for _, f := range r.Facets[name] {
		if f.Value == value {
			return f, true
		}
	}
	return catalog.FacetCount{}, false
}

// ids returns the ids of a result's entries.
func ids(r catalog.SearchResult) []int64 {
	out := []int64{}
	for _, e := range r.Entries {
		out = append(out, e.ID)
	}
	return out
}

// TestSearchChinese adds entries to the demo's catalog and checks that each
// query finds what it found before plus exactly the new entries it should.
func TestSearchChinese(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		type tc struct {
			q    catalog.Query
			want []string // the new entries it must find, and no other new one
		}
		cases := []tc{
			{catalog.Query{Text: "户籍"}, []string{"户籍登记信息", "户籍人口统计", "户籍地址变更信息"}}, // 2 characters
			{catalog.Query{Text: "户籍地"}, []string{"户籍地址变更信息"}},                    // 3 characters, no false positive from 户籍…籍地
			{catalog.Query{Text: "户籍登记"}, []string{"户籍登记信息"}},                     // 4 characters
			{catalog.Query{Text: "户籍 变更"}, []string{"户籍地址变更信息"}},                  // two words, both required
			{catalog.Query{Text: "户籍　迁移"}, []string{"户籍地址变更信息"}},                  // ideographic space
			{catalog.Query{Text: "户籍 婚姻"}, []string{}},                            // no new entry has both
			{catalog.Query{Text: "税"}, []string{"企业纳税信用评价"}},                      // one character
			{catalog.Query{Text: "所得税"}, []string{"企业纳税信用评价"}},                    // ends the text's run
			{catalog.Query{Text: "api"}, []string{"开放API接口调用日志"}},                 // ASCII, case-insensitive
			{catalog.Query{Text: "ＡＰＩ接口"}, []string{"开放API接口调用日志"}},               // full-width ASCII
			{catalog.Query{Text: "open api"}, []string{"开放API接口调用日志"}},            // keywords
			{catalog.Query{Text: "登记"}, []string{"户籍登记信息", "惠州市婚姻登记信息"}},          // two agencies
			{catalog.Query{Text: "公民身份号码 惠州"}, []string{"惠州市婚姻登记信息"}},             // item names
			{catalog.Query{Text: "犀牛角鉴定"}, []string{}},
			// Filters.
			{catalog.Query{Text: "户籍", UpdateFreq: "monthly"}, []string{"户籍地址变更信息"}},
			{catalog.Query{Jurisdiction: "441300"}, []string{"惠州市婚姻登记信息"}},
			{catalog.Query{Text: "登记", Jurisdiction: "440000"}, []string{"户籍登记信息", "惠州市婚姻登记信息"}}, // the province sees its cities'
			{catalog.Query{Text: "登记", Jurisdiction: "441300"}, []string{"惠州市婚姻登记信息"}},
			{catalog.Query{Text: "登记", Category: 1}, []string{}},
			{catalog.Query{Text: "登记", ShareType: "unconditional"}, []string{}},
			{catalog.Query{Text: "登记", OpenAttr: "not_open", DataForm: "database", Grade: "general-3"}, []string{"户籍登记信息", "惠州市婚姻登记信息"}},
		}
		for i := range cases {
			cases[i].q.PerPage = 200
		}
		before := map[int]catalog.SearchResult{}
		for i, c := range cases {
			before[i] = search(t, a, "gd.hrss", c.q)
		}
		facetsBefore := search(t, a, "gd.hrss", catalog.Query{Text: "户籍"})

		base := at("2026-03-02 10:00")
		added := map[string]catalog.Entry{}
		add := func(officer, reviewer string, m catalog.Metadata) {
			added[m.Name] = publish(t, a, officer, reviewer, base.Add(time.Duration(len(added))*time.Hour), m)
		}
		add("gd.police", "gd.reviewer", searchEntry("户籍登记信息", "全省常住人口的户籍登记记录", "人口"))
		// 户籍 and 籍地 both occur, 户籍地 does not: the bigram index alone would match 户籍地.
		add("gd.police", "gd.reviewer", searchEntry("户籍人口统计", "按原籍地汇总的人口数量", "统计"))
		m3 := searchEntry("户籍地址变更信息", "户籍地址迁移与变更记录", "地址")
		m3.UpdateFreq = catalog.FreqMonthly
		add("gd.police", "gd.reviewer", m3)
		// 税 ends a run in 个人所得税: the one-character fallback must find it there too.
		add("gd.police", "gd.reviewer", searchEntry("企业纳税信用评价", "纳税人信用等级与个人所得税", "信用"))
		add("gd.police", "gd.reviewer", searchEntry("开放API接口调用日志", "平台接口调用记录", "Open API"))
		add("hz.police", "hz.reviewer", searchEntry("惠州市婚姻登记信息", "结婚离婚登记记录", "婚姻"))

		for i, c := range cases {
			got := search(t, a, "gd.hrss", c.q)
			want := ids(before[i])
			for _, n := range c.want {
				want = append(want, added[n].ID)
			}
			if !sameIDs(ids(got), want) || got.Total != before[i].Total+len(c.want) {
				t.Errorf("%+v: %v (total %d, before %d), want the earlier matches and %v", c.q, names(got), got.Total, before[i].Total, c.want)
			}
		}

		// Relevance: a hit in the name before a hit in the keywords; by date, newest first.
		r := search(t, a, "gd.hrss", catalog.Query{Text: "人口", PerPage: 200})
		if pos := slices.Index(ids(r), added["户籍人口统计"].ID); pos < 0 || pos > slices.Index(ids(r), added["户籍登记信息"].ID) {
			t.Errorf("relevance: %v", names(r))
		}
		r = search(t, a, "gd.hrss", catalog.Query{Text: "户籍", Sort: "date", PerPage: 200})
		for i := 1; i < len(r.Entries); i++ {
			if r.Entries[i].PublishedAt.After(*r.Entries[i-1].PublishedAt) {
				t.Errorf("by date: %v", names(r))
			}
		}

		// Facets over every match, labelled.
		r = search(t, a, "gd.hrss", catalog.Query{Text: "户籍", PerPage: 1})
		if len(r.Entries) != 1 || r.Total != facetsBefore.Total+3 {
			t.Fatalf("page of one: %d entries, total %d", len(r.Entries), r.Total)
		}
		for _, c := range []struct {
			facet, value, label string
			more                int
		}{
			{"agency", itoa(added["户籍登记信息"].AgencyID), "广东省公安厅", 3},
			{"update_freq", "daily", "每日", 2},
			{"update_freq", "monthly", "每月", 1},
			{"jurisdiction", "440000", "广东省", 3},
			{"share_type", "conditional", "有条件共享", 3},
			{"open_attr", "not_open", "不予开放", 3},
			{"data_form", "database", "数据库", 3},
			{"grade", "general-3", "一般数据3级", 3},
			{"category", "3", "部门", 3},
		} {
			was, _ := facet(facetsBefore, c.facet, c.value)
			f, _ := facet(r, c.facet, c.value)
			if f.Count != was.Count+c.more || f.Label != c.label {
				t.Errorf("facet %s=%s: %+v, was %d, want %d more labelled %s", c.facet, c.value, f, was.Count, c.more, c.label)
			}
		}
		sum := 0
		for _, f := range r.Facets["share_type"] {
			sum += f.Count
		}
		if sum != r.Total {
			t.Errorf("share_type facet counts %d of %d matches", sum, r.Total)
		}
		en, err := a.Catalog.Search(context.Background(), actor(t, a, "gd.hrss"), catalog.Query{Text: "户籍"}, "en")
		if f, _ := facet(en, "update_freq", "daily"); err != nil || f.Label != "daily" {
			t.Errorf("English labels: %+v %v", en.Facets["update_freq"], err)
		}

		// Paging: the pages partition the matches in order.
		all := ids(search(t, a, "gd.hrss", catalog.Query{Text: "户籍", Sort: "date", PerPage: 200}))
		var paged []int64
		for p := 1; p <= (len(all)+1)/2; p++ {
			r := search(t, a, "gd.hrss", catalog.Query{Text: "户籍", Sort: "date", Page: p, PerPage: 2})
			if r.Total != len(all) {
				t.Fatalf("page %d: total %d", p, r.Total)
			}
			paged = append(paged, ids(r)...)
		}
		if !slices.Equal(paged, all) {
			t.Errorf("pages %v, all %v", paged, all)
		}
		if r := search(t, a, "gd.hrss", catalog.Query{Text: "户籍", Page: 1000}); len(r.Entries) != 0 || r.Total != len(all) {
			t.Errorf("a page past the end: %d entries, total %d", len(r.Entries), r.Total)
		}

		// What a list shows comes without reading versions.
		r = search(t, a, "gd.hrss", catalog.Query{Text: "全省常住人口的户籍登记记录"})
		e1 := added["户籍登记信息"]
		if len(r.Entries) != 1 {
			t.Fatalf("summary search: %v", names(r))
		}
		if got := r.Entries[0]; got.ID != e1.ID || got.ResourceCode != e1.ResourceCode || got.AgencyName != "广东省公安厅" || got.AgencyCode == "" ||
			got.Jurisdiction != "440000" || got.Status != catalog.StatusPublished || got.PublishedVersion != 1 || got.PublishedAt == nil ||
			got.Name != "户籍登记信息" || got.Summary != "全省常住人口的户籍登记记录" || !slices.Equal(got.Keywords, []string{"人口"}) || got.ClassCode != "3440100100001" ||
			got.ShareType != catalog.ShareConditional || got.OpenAttr != catalog.OpenNone || got.UpdateFreq != catalog.FreqDaily ||
			got.DataForm != catalog.FormDatabase || got.MaxGrade != "general-3" {
			t.Errorf("entry in the result: %+v", got)
		}
	})
}

func sameIDs(got, want []int64) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSearchVisibility(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		draft := create(t, a, "gd.police", searchEntry("户籍档案草稿", "尚未提交的户籍档案"))
		pub := publish(t, a, "gd.police", "gd.reviewer", at("2026-03-02 10:00"), searchEntry("户籍档案目录", "已发布的户籍档案"))
		has := func(r catalog.SearchResult, id int64) bool {
			return slices.ContainsFunc(r.Entries, func(e catalog.Entry) bool { return e.ID == id })
		}
		for _, c := range []struct {
			who, status string
			sees        bool
		}{
			{"gd.police", "all", true},    // the owner
			{"gd.police", "draft", true},  // the owner
			{"gd.reviewer", "all", true},  // the province's authority
			{"auditor", "draft", true},    // the province's auditor
			{"hz.police", "all", false},   // another agency
			{"hz.police", "draft", false}, // another agency
			{"hz.reviewer", "all", false}, // an authority that does not cover it
			{"gd.hrss", "published", false},
		} {
			r := search(t, a, c.who, catalog.Query{Text: "户籍档案", Status: c.status})
			if has(r, draft.ID) != c.sees {
				t.Errorf("%s, status %s: sees the draft %v, want %v", c.who, c.status, has(r, draft.ID), c.sees)
			}
			if c.who == "hz.police" && c.status == "all" && (!has(r, pub.ID) || r.Total != 1) {
				t.Errorf("another agency should see the published entry only: %v", names(r))
			}
		}
		// The demo's entries in review: the owner and its authority see them, others do not.
		if r := search(t, a, "gd.civil", catalog.Query{Text: "婚姻登记", Status: "in_review"}); r.Total != 1 {
			t.Errorf("owner, in review: %v", names(r))
		}
		if r := search(t, a, "gd.police", catalog.Query{Text: "婚姻登记", Status: "in_review"}); r.Total != 0 {
			t.Errorf("another agency, in review: %v", names(r))
		}
		// Public users and anonymous callers are refused.
		for _, who := range []audit.Actor{actor(t, a, "public"), {Username: "anonymous"}} {
			if _, err := a.Catalog.Search(ctx, who, catalog.Query{Text: "户籍"}, "zh"); apperr.KindOf(err) != apperr.Forbidden {
				t.Errorf("%s: %v", who.Username, err)
			}
		}

		// Delisted entries leave the published catalog; the owner still finds them as delisted.
		if _, err := a.Catalog.Delist(ctx, actor(t, a, "gd.police"), pub.ID, "职能调整，资源不再提供"); err != nil {
			t.Fatal(err)
		}
		if r := search(t, a, "gd.hrss", catalog.Query{Text: "户籍档案"}); r.Total != 0 {
			t.Errorf("delisted still published: %v", names(r))
		}
		if r := search(t, a, "gd.police", catalog.Query{Text: "户籍档案", Status: "delisted"}); !has(r, pub.ID) || r.Total != 1 {
			t.Errorf("owner, delisted: %v", names(r))
		}
	})
}

func TestSearchFollowsNewVersion(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		officer := actor(t, a, "gd.police")
		e := publish(t, a, "gd.police", "gd.reviewer", at("2026-03-02 10:00"), searchEntry("暂住人口登记", "暂住人口的登记信息"))
		if _, err := a.Catalog.NewVersion(ctx, officer, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Update(ctx, officer, e.ID, searchEntry("居住证申领登记", "居住证申领与签注信息")); err != nil {
			t.Fatal(err)
		}
		// Until the new version is approved, the published one is what is found.
		if r := search(t, a, "gd.hrss", catalog.Query{Text: "暂住人口"}); r.Total != 1 {
			t.Fatalf("before approval: %v", names(r))
		}
		if _, err := a.Catalog.Submit(ctx, officer, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Review(ctx, actor(t, a, "gd.reviewer"), e.ID, "approve", ""); err != nil {
			t.Fatal(err)
		}
		if r := search(t, a, "gd.hrss", catalog.Query{Text: "暂住人口"}); r.Total != 0 {
			t.Errorf("the old name still matches: %v", names(r))
		}
		if r := search(t, a, "gd.hrss", catalog.Query{Text: "居住证申领"}); r.Total != 1 || r.Entries[0].PublishedVersion != 2 {
			t.Errorf("the new name: %v", names(r))
		}
	})
}

func TestSearchIsAudited(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		search(t, a, "gd.hrss", catalog.Query{Text: "户籍 登记", ShareType: "conditional"})
		es, err := a.Trail.List(ctx, audit.Filter{Action: "catalog.search", Actor: "gd.hrss"})
		if err != nil || len(es) != 1 {
			t.Fatalf("audit: %+v %v", es, err)
		}
		if d := es[0].Detail; !strings.Contains(d, `q="户籍 登记"`) || !strings.Contains(d, "share_type=conditional") || !strings.Contains(d, "total=") {
			t.Errorf("audit detail: %s", d)
		}
	})
}

func TestQueryValidate(t *testing.T) {
	for _, c := range []struct {
		q     catalog.Query
		field string
	}{
		{catalog.Query{Text: strings.Repeat("户", 101)}, "q"},
		{catalog.Query{Text: "，。！"}, "q"},
		{catalog.Query{Text: "a b c d e f g h i j k"}, "q"},
		{catalog.Query{AgencyID: -1}, "agency"},
		{catalog.Query{Jurisdiction: "4413"}, "jurisdiction"},
		{catalog.Query{Jurisdiction: "44130x"}, "jurisdiction"},
		{catalog.Query{Category: 4}, "category"},
		{catalog.Query{ShareType: "open"}, "share_type"},
		{catalog.Query{OpenAttr: "unconditional/open"}, "open_attr"},
		{catalog.Query{UpdateFreq: "hourly"}, "update_freq"},
		{catalog.Query{DataForm: "paper"}, "data_form"},
		{catalog.Query{Grade: "绝密"}, "grade"},
		{catalog.Query{Status: "deleted"}, "status"},
		{catalog.Query{Sort: "name"}, "sort"},
		{catalog.Query{Page: -1}, "page"},
		{catalog.Query{Page: 10001}, "page"},
		{catalog.Query{PerPage: 201}, "per_page"},
		{catalog.Query{PerPage: -5}, "per_page"},
	} {
		err := c.q.Validate()
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid || e.Field != c.field || e.ZH == "" || e.EN == "" {
			t.Errorf("%+v: %v, want an invalid %s", c.q, err, c.field)
		}
	}
	q := catalog.Query{Text: " 户籍 "}
	if err := q.Validate(); err != nil || q.Status != "published" || q.Sort != "relevance" || q.Page != 1 || q.PerPage != 20 || q.Text != "户籍" {
		t.Errorf("defaults: %+v %v", q, err)
	}
	q = catalog.Query{}
	if err := q.Validate(); err != nil || q.Sort != "date" {
		t.Errorf("defaults without text: %+v %v", q, err)
	}
	// A grade the profile does not define is refused by Search, which knows the profile.
	apptest.Each(t, func(t *testing.T, a *app.App) {
		_, err := a.Catalog.Search(context.Background(), actor(t, a, "gd.hrss"), catalog.Query{Grade: "general-9"}, "zh")
		if e, ok := apperr.As(err); !ok || e.Field != "grade" {
			t.Errorf("unknown grade: %v", err)
		}
	})
}

func FuzzBigrams(f *testing.F) {
	for _, s := range []string{"户籍登记信息", "户籍 变更", "开放API接口", "ＡＰＩ　接口", "税", "GB/T 2260-2007", "\xff户\xfe籍", "İstanbul ǅ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := catalog.Bigrams(s)
		set := map[string]bool{}
		for _, tok := range toks {
			n := utf8.RuneCountInString(tok)
			if !utf8.ValidString(tok) || n < 1 || n > 2 {
				t.Fatalf("%q: token %q is not one or two characters", s, tok)
			}
			for _, r := range tok {
				if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
					t.Fatalf("%q: token %q holds a separator", s, tok)
				}
			}
			// Tokens are folded already: tokenising one gives it back.
			if again := catalog.Bigrams(tok); !slices.Equal(again, []string{tok}) {
				t.Fatalf("%q: token %q tokenises to %q", s, tok, again)
			}
			set[tok] = true
		}
		// Whatever part of s a user types, each of its pairs is a token of
		// s, so the index can find s by it.
		rs := []rune(s)
		for i := 0; i < len(rs); i++ {
			for j := i + 1; j <= len(rs) && j <= i+6; j++ {
				for _, tok := range catalog.Bigrams(string(rs[i:j])) {
					if utf8.RuneCountInString(tok) == 2 && !set[tok] {
						t.Fatalf("%q: the pair %q of %q is not among %q", s, tok, string(rs[i:j]), toks)
					}
				}
			}
		}
	})
}
