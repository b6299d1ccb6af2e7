package demo

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"pubdata/internal/app"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/ident"
	"pubdata/internal/org"
)

// The collection demo (汇聚, GD-290 ch.3): synthetic natural persons and
// enterprises whose ID numbers (GB 11643) and credit codes (GB 32100) pass
// their checksums, loaded through the real load path (collect.Service.Load,
// one all-or-nothing batch at a time) into every dataset of the published
// catalog, at times in the past set on the service's clock:
//
//   - the province's base data: 户籍人口基本信息 (公安, person.household,
//     every resident), 内地居民婚姻登记信息 (民政, person.marriage),
//     社会保障卡信息 (人社, person.social_security) and 企业登记信息
//     (市场监管, entity.enterprise): a full load six weeks ago, then
//     increments (births, moves and deaths, marriages and divorces, new
//     cards, new and changed enterprises) until this morning, each load
//     followed by its quality snapshot; two days ago a few names in 婚姻
//     and 社保卡 were typed differently from 户籍, so the consistency check
//     finds them and a rectification case is open for each;
//   - every other structured dataset one load within its update frequency
//     (so that the freshness watch finds nothing else late), rows made from
//     the same people and enterprises so that the same data element agrees
//     across agencies; ten more bound to base groups;
//   - 梅州市交通违法处理信息, daily, last loaded five days ago: the freshness
//     watch, run at the real time at the end, finds it stale and raises a
//     supervision notice;
//   - 惠州市家庭医生签约服务信息: a GBK CSV upload rejected for a duplicate
//     key, a wrong check character and an impossible date, then the corrected
//     file; 江门市食品经营许可信息 pushed as JSON lines;
//   - a theme database 人口综合主题库 (户籍 + 婚姻 + 社保卡 on the ID number)
//     and Huizhou's return flow of 户籍人口基本信息.

// DefaultPersons and DefaultEnterprises size the collection demo that Load
// (pubdata demo) loads.
const (
	DefaultPersons     = 100_000
	DefaultEnterprises = 20_000
)

// The datasets with a story, by catalog entry name.
const (
	dsHousehold  = "户籍人口基本信息"
	dsMarriage   = "内地居民婚姻登记信息"
	dsSocialCard = "社会保障卡信息"
	dsEnterprise = "企业登记信息"
	dsStale      = "梅州市交通违法处理信息"
	dsRejected   = "惠州市家庭医生签约服务信息"
	dsPushed     = "江门市食品经营许可信息"
	themeName    = "人口综合主题库"
)

// bindings are the base-data attribute groups (GD-290 §18–20) the demo
// binds datasets to, each from a legal source department of the group.
var bindings = []struct{ dataset, group string }{
	{dsHousehold, "person.household"},
	{dsMarriage, "person.marriage"},
	{dsSocialCard, "person.social_security"},
	{dsEnterprise, "entity.enterprise"},
	{"户口注销信息", "person.birth_death"},
	{"死亡医学证明信息", "person.birth_death"},
	{"最低生活保障对象信息", "person.social_security"},
	{"社会保险费缴费信息", "person.social_security"},
	{"中小学学籍信息", "person.education"},
	{"残疾人登记信息", "person.disability"},
	{"指定监护信息", "person.guardianship"},
	{"职业资格证书信息", "person.qualification"},
	{"江门市住房公积金缴存信息", "person.housing_fund"},
	{"不动产登记信息", "geo.natural_resources"},
}

// popCities are the cities the synthetic population lives in, with weights.
var popCities = []struct {
	code   string
	weight int
}{{"440100", 25}, {"440300", 13}, {"440600", 10}, {"440700", 17}, {"441300", 20}, {"441400", 15}}

// cityInfo is what addresses, telephone numbers and number plates of a city look like.
var cityInfo = map[string]struct {
	phone, plate string
	lon, lat     float64
}{
	"440000": {"020", "粤A", 113.27, 23.13}, "440100": {"020", "粤A", 113.27, 23.13}, "440300": {"0755", "粤B", 114.06, 22.54},
	"440600": {"0757", "粤E", 113.12, 23.02}, "440700": {"0750", "粤J", 113.08, 22.58}, "441300": {"0752", "粤L", 114.42, 23.11},
	"441400": {"0753", "粤M", 116.12, 24.29},
}

var (
	streets  = []string{"人民路", "中山路", "解放路", "建设路", "东风路", "新华路", "文明路", "环城路", "滨江路", "朝阳路", "府前路", "公园路", "育才路", "光明路", "江北大道", "东江路", "侨乡路", "客都大道", "学府路", "演达大道"}
	stations = []string{"城南", "城北", "江北", "桥东", "桥西", "东兴", "西湖", "江南", "龙丰", "河南岸", "白沙", "金山"}
	brands   = []string{"华", "粤", "嘉", "盛", "兴", "宏", "达", "信", "鸿", "泰", "丰", "裕", "安", "恒", "荣", "昌", "隆", "佳", "和", "瑞", "新", "源", "汇", "通", "美", "康", "德", "富", "利", "俊"}
	trades   = []string{"科技", "贸易", "建筑工程", "食品", "物流", "电子", "农业发展", "文化传媒", "实业", "电器", "五金制品", "服装", "餐饮管理", "医药", "新能源", "家具", "印刷", "人力资源"}
	shops    = []string{"便利店", "餐饮店", "五金店", "理发店", "水果店", "茶行", "电器维修部", "服装店", "副食店", "药店"}
)

// person is a synthetic resident.
type person struct {
	id, name, sex, birth, region, address, station string
	born                                           time.Time
	moved                                          string // 迁入日期 of the last move, if they moved
	dead                                           bool
	misnamed                                       bool // a dataset has their name wrong
	spouse                                         *person
	married                                        string // the date of the last marriage registration
	divorced                                       bool
}

// entity is a synthetic enterprise or organisation.
type entity struct {
	code, name, rep, region, founded, kind, status, capital string
}

// dataDemo loads the collection demo.
type dataDemo struct {
	ctx       context.Context
	a         *app.App
	r         *rand.Rand
	now       time.Time
	nPersons  int
	persons   []*person
	byCity    map[string][]*person // by 6-digit city code
	ids       map[string]bool
	firms     []*entity
	firmsBy   map[string][]*entity // by city code
	codes     map[string]bool
	datasets  map[string]collect.Dataset // by name
	officers  map[int64]audit.Actor      // demo accounts of agency officers
	reviewers map[string]audit.Actor     // authority reviewers by jurisdiction
}

// loadData runs the collection demo on a node whose catalog is published.
func loadData(ctx context.Context, a *app.App, opt Options) error {
	d := &dataDemo{ctx: ctx, a: a, r: rand.New(rand.NewPCG(2026, 1213)), now: time.Now(), byCity: map[string][]*person{}, ids: map[string]bool{},
		firmsBy: map[string][]*entity{}, codes: map[string]bool{}, datasets: map[string]collect.Dataset{}, officers: map[int64]audit.Actor{}, reviewers: map[string]audit.Actor{}}
	d.nPersons = orDefault(opt.Persons, DefaultPersons)
	defer func() {
		a.Collect.Settle()
		a.Cases.SetClock(time.Now)
	}()
	if err := d.actors(); err != nil {
		return err
	}
	sets, err := a.Collect.Datasets(ctx, audit.System(), collect.DatasetFilter{Limit: 1000})
	if err != nil {
		return err
	}
	for _, ds := range sets {
		d.datasets[ds.Name] = ds
	}
	for _, n := range []string{dsHousehold, dsMarriage, dsSocialCard, dsEnterprise, dsStale, dsRejected, dsPushed} {
		if _, ok := d.datasets[n]; !ok {
			return fmt.Errorf("the catalog has no published dataset %s", n)
		}
	}
	d.population(d.nPersons, orDefault(opt.Enterprises, DefaultEnterprises))
	if err := d.bind(); err != nil {
		return err
	}
	if err := d.baseHistory(); err != nil {
		return err
	}
	if err := d.others(sets); err != nil {
		return err
	}
	if err := d.stories(); err != nil {
		return err
	}
	a.Collect.Settle()
	a.Cases.SetClock(time.Now)
	if _, err := a.Collect.Watch(ctx, time.Now()); err != nil {
		return fmt.Errorf("freshness watch: %w", err)
	}
	return nil
}

// orDefault returns v, or def when v is not positive.
func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func (d *dataDemo) actors() error {
	users, err := d.a.Accounts.Users(d.ctx, auth.UserFilter{})
	if err != nil {
		return err
	}
	for _, u := range users {
		act := (&auth.Principal{User: u}).Actor("127.0.0.1", "demo")
		switch u.Role {
		case auth.AgencyOfficer:
			d.officers[u.AgencyID] = act
		case auth.AuthorityReviewer:
			d.reviewers[u.Jurisdiction] = act
		}
	}
	if _, ok := d.reviewers[org.ProvinceCode]; !ok {
		return errors.New("no province reviewer")
	}
	return nil
}

// officer is the dataset agency's demo officer, or the agency acting
// through the demo loader where the demo has no account for it.
func (d *dataDemo) officer(ds *collect.Dataset) audit.Actor {
	if a, ok := d.officers[ds.AgencyID]; ok {
		return a
	}
	return audit.Actor{Username: "demo", Role: string(auth.AgencyOfficer), AgencyID: ds.AgencyID, Jurisdiction: ds.Jurisdiction, ClientAddr: "127.0.0.1", RequestID: "demo"}
}

// reviewer is the authority reviewer of the dataset's jurisdiction, or the province's.
func (d *dataDemo) reviewer(jurisdiction string) audit.Actor {
	if a, ok := d.reviewers[jurisdiction]; ok {
		return a
	}
	return d.reviewers[org.ProvinceCode]
}

// at sets the clock of the procedure engine, which the collection service
// reads, once the work after the loads so far (quality, base and theme
// databases, return flow), which runs in the background at the clock's
// time, is done. Rows for the next load are made meanwhile.
func (d *dataDemo) at(t time.Time) {
	d.a.Collect.Settle()
	d.a.Cases.SetClock(func() time.Time { return t })
}

// night returns 02:00 (Asia/Shanghai) plus a few minutes, days days before now.
func (d *dataDemo) night(days int, minutes int) time.Time {
	t := d.now.In(calendar.Shanghai).AddDate(0, 0, -days)
	return time.Date(t.Year(), t.Month(), t.Day(), 2, minutes, 0, 0, calendar.Shanghai)
}

// ---- population ----

func (d *dataDemo) population(persons, firms int) {
	total := 0
	for _, c := range popCities {
		total += c.weight
	}
	counties := map[string][]ident.Division{}
	for _, c := range popCities {
		counties[c.code] = ident.ChildDivisions(c.code)
	}
	pickCounty := func() string {
		n := d.r.IntN(total)
		for _, c := range popCities {
			if n < c.weight {
				cs := counties[c.code]
				return cs[d.r.IntN(len(cs))].Code
			}
			n -= c.weight
		}
		panic("unreachable")
	}
	d.persons = make([]*person, 0, persons+persons/20)
	for len(d.persons) < persons {
		id := ident.RandomResidentID(d.r, pickCounty())
		if d.ids[id] {
			continue
		}
		d.addPerson(id)
	}
	for len(d.firms) < firms {
		region := pickCounty()
		code := ident.GenerateCreditCode(d.r, '9', '1', region)
		if d.codes[code] {
			continue
		}
		d.codes[code] = true
		e := &entity{code: code, region: region, rep: ident.RandomChineseName(d.r), status: "存续"}
		city := cityOf(region)
		e.name = strings.TrimSuffix(city.Name, "市") + brands[d.r.IntN(len(brands))] + brands[d.r.IntN(len(brands))] + trades[d.r.IntN(len(trades))] + "有限公司"
		e.kind = []string{"有限责任公司（自然人投资或控股）", "有限责任公司（自然人独资）", "股份有限公司（非上市）", "有限责任公司（法人独资）", "个人独资企业"}[d.r.IntN(5)]
		e.founded = time.Date(1995+d.r.IntN(30), time.Month(1+d.r.IntN(12)), 1+d.r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		e.capital = strconv.Itoa((1+d.r.IntN(500))*10000) + ".00"
		d.firms = append(d.firms, e)
		d.firmsBy[city.Code] = append(d.firmsBy[city.Code], e)
	}
}

// addPerson adds a resident with the ID number.
func (d *dataDemo) addPerson(id string) *person {
	p, _ := ident.ParseResidentID(id)
	pe := &person{id: id, name: ident.RandomChineseName(d.r), sex: "男", birth: p.Birth.Format(time.DateOnly), born: p.Birth, region: id[:6]}
	if p.Sex == "female" {
		pe.sex = "女"
	}
	pe.address = d.address(pe.region, d.r)
	county, _ := ident.LookupDivision(pe.region)
	pe.station = county.Name + stations[d.r.IntN(len(stations))] + "派出所"
	d.ids[id] = true
	d.persons = append(d.persons, pe)
	c := pe.region[:4] + "00"
	d.byCity[c] = append(d.byCity[c], pe)
	return pe
}

// newborn adds a resident born shortly before t.
func (d *dataDemo) newborn(t time.Time) *person {
	for {
		c := popCities[d.r.IntN(len(popCities))].code
		cs := ident.ChildDivisions(c)
		birth := t.In(calendar.Shanghai).AddDate(0, 0, -(8 + d.r.IntN(40)))
		id := ident.GenerateResidentID(d.r, cs[d.r.IntN(len(cs))].Code, time.Date(birth.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC), d.r.IntN(2) == 0)
		if !d.ids[id] {
			p := d.addPerson(id)
			p.moved = birth.AddDate(0, 0, 3+d.r.IntN(5)).Format(time.DateOnly) // registered at birth
			return p
		}
	}
}

func cityOf(region string) ident.Division {
	c, _ := ident.LookupDivision(region[:4] + "00")
	return c
}

// address is a street address in the county (or city) region.
func (d *dataDemo) address(region string, r *rand.Rand) string {
	county, _ := ident.LookupDivision(region)
	city := cityOf(region)
	s := "广东省" + city.Name
	if county.Code != city.Code {
		s += county.Name
	}
	s += streets[r.IntN(len(streets))] + strconv.Itoa(1+r.IntN(300)) + "号"
	if r.IntN(2) == 0 {
		s += strconv.Itoa(1+r.IntN(30)) + "栋" + strconv.Itoa(101+r.IntN(30)*100+r.IntN(8)) + "房"
	}
	return s
}

// age is the person's age in whole years at t.
func (p *person) age(t time.Time) int {
	y := t.Year() - p.born.Year()
	if t.YearDay() < p.born.YearDay() {
		y--
	}
	return y
}

// pick returns up to n distinct living persons of the pool for whom ok holds.
func (d *dataDemo) pick(pool []*person, n int, ok func(*person) bool, taken map[string]bool) []*person {
	var out []*person
	for tries := 0; len(out) < n && tries < 30*n+100; tries++ {
		p := pool[d.r.IntN(len(pool))]
		if p.dead || taken[p.id] || (ok != nil && !ok(p)) {
			continue
		}
		taken[p.id] = true
		out = append(out, p)
	}
	return out
}

// ---- rows ----

// rowReader is a collect.RowReader over rows made in memory, each aligned
// to the dataset's Fields().
type rowReader struct {
	rows [][]string
	i    int
}

func (r *rowReader) Next() ([]string, error) {
	if r.i >= len(r.rows) {
		return nil, io.EOF
	}
	r.i++
	return r.rows[r.i-1], nil
}

func (r *rowReader) Line() int    { return r.i }
func (r *rowReader) Close() error { return nil }

// table makes rows for one dataset from its catalog items. A row is about
// a subject — a person, an enterprise or another organisation — whose
// identifier and name fill the matching items; every other value is drawn
// from a generator seeded by the subject and the item's data element, so
// that the same element of the same subject agrees in every dataset.
type table struct {
	d        *dataDemo
	ds       collect.Dataset
	cols     []catalog.Item
	city     string // the jurisdiction's city, "" for the province
	subject  byte   // 'p' person, 'e' enterprise (the shared population), 'o' another organisation, 0 none
	keyed    bool   // the subject's identifier is a key: one row per subject
	idCol    int    // the subject's identifier, or -1
	nameCol  int    // the subject's name, or -1
	refCode  int    // an enterprise the row refers to (用人单位…), or -1
	refName  int
	orgKind  string
	ages     [2]int // subjects' ages
	women    bool   // subjects are women
	seq      int    // rows made
	serialAt string // the serial prefix of this dataset
}

func (d *dataDemo) table(ds collect.Dataset) *table {
	t := &table{d: d, ds: ds, idCol: -1, nameCol: -1, refCode: -1, refName: -1, ages: [2]int{18, 90}}
	for _, c := range ds.Live() {
		t.cols = append(t.cols, c.Item)
	}
	if ds.Jurisdiction != org.ProvinceCode {
		t.city = ds.Jurisdiction[:4] + "00"
	}
	t.serialAt = strconv.FormatUint(hash(ds.Name)%90+10, 10)
	isID := func(it catalog.Item) bool {
		return it.ValueFormat() == catalog.FormatResidentID || it.Element == "公民身份号码"
	}
	isCode := func(it catalog.Item) bool { return it.ValueFormat() == catalog.FormatCreditCode }
	for _, want := range []func(catalog.Item) bool{
		func(it catalog.Item) bool { return it.Key && isID(it) }, isID,
		func(it catalog.Item) bool { return it.Key && isCode(it) }, isCode,
	} {
		for i, it := range t.cols {
			if t.idCol < 0 && want(it) {
				t.idCol, t.keyed = i, it.Key
			}
		}
	}
	if t.idCol < 0 {
		return t
	}
	id := t.cols[t.idCol].Name
	if isID(t.cols[t.idCol]) {
		t.subject = 'p'
		prefix := strings.TrimSuffix(strings.TrimSuffix(id, "公民身份号码"), "证件号码")
		t.nameCol = t.index(prefix + "姓名")
		for i, it := range t.cols {
			if isCode(it) && t.refCode < 0 {
				t.refCode = i
				t.refName = t.index(strings.TrimSuffix(it.Name, "统一社会信用代码") + "名称")
			}
		}
		switch {
		case strings.Contains(ds.Name, "中小学学籍"):
			t.ages = [2]int{10, 17}
		case strings.Contains(ds.Name, "技工院校"):
			t.ages = [2]int{16, 21}
		case strings.Contains(ds.Name, "出生医学证明"), strings.Contains(ds.Name, "孕产妇"):
			t.ages, t.women = [2]int{20, 42}, true
		}
		return t
	}
	t.subject = 'e'
	for _, k := range []struct{ word, kind string }{{"社会组织", "social"}, {"养老", "care"}, {"学校", "school"}, {"医疗机构", "hospital"}, {"家庭农场", "farm"}, {"个体工商户", "shop"}} {
		if strings.Contains(ds.Name, k.word) {
			t.subject, t.orgKind = 'o', k.kind
		}
	}
	prefix := strings.TrimSuffix(id, "统一社会信用代码")
	t.nameCol = t.index(prefix + "名称")
	if t.nameCol < 0 && prefix == "" {
		for i, it := range t.cols {
			stem, ok := strings.CutSuffix(it.Name, "名称")
			if t.nameCol < 0 && (ok && slices.Contains([]string{"企业", "经营者", "纳税人", "单位", "机构", "当事人", "学校", "社会组织", "个体工商户", "农场"}, stem) || it.Name == "使用单位") {
				t.nameCol = i
			}
		}
	}
	return t
}

func (t *table) index(name string) int {
	for i, it := range t.cols {
		if it.Name == name {
			return i
		}
	}
	return -1
}

// people returns n living persons fit to be the table's subjects, not in taken.
func (t *table) people(n int, taken map[string]bool) []*person {
	pool := t.d.persons
	if t.city != "" {
		pool = t.d.byCity[t.city]
	}
	n = min(n, len(pool)*3/4)
	return t.d.pick(pool, n, func(p *person) bool {
		a := p.age(t.d.now)
		return a >= t.ages[0] && a <= t.ages[1] && (!t.women || p.sex == "女") && !p.misnamed
	}, taken)
}

// entities returns n enterprises (or new organisations) of the table's area, not in taken.
func (t *table) entities(n int, taken map[string]bool) []*entity {
	var out []*entity
	if t.subject == 'o' {
		for len(out) < n {
			e := t.d.organisation(t.orgKind, t.city)
			if !taken[e.code] {
				taken[e.code] = true
				out = append(out, e)
			}
		}
		return out
	}
	pool := t.d.firms
	if t.city != "" {
		pool = t.d.firmsBy[t.city]
	}
	n = min(n, len(pool)/3)
	for tries := 0; len(out) < n && tries < 30*n; tries++ {
		e := pool[t.d.r.IntN(len(pool))]
		if !taken[e.code] {
			taken[e.code] = true
			out = append(out, e)
		}
	}
	return out
}

// organisation makes an organisation of a kind that is not in the
// enterprise register: a social organisation, a care home, a school…
func (d *dataDemo) organisation(kind, city string) *entity {
	if city == "" {
		city = popCities[d.r.IntN(len(popCities))].code
	}
	cs := ident.ChildDivisions(city)
	region := cs[d.r.IntN(len(cs))].Code
	county, _ := ident.LookupDivision(region)
	word := brands[d.r.IntN(len(brands))] + brands[d.r.IntN(len(brands))]
	dept, cat, name := byte('5'), byte('2'), ""
	switch kind {
	case "social":
		dept, cat = '5', '1'
		name = strings.TrimSuffix(cityOf(region).Name, "市") + []string{"市软件行业协会", "市餐饮协会", "市青年志愿者协会", "市慈善会", "市物流商会", "市摄影家协会"}[d.r.IntN(6)]
		if d.r.IntN(2) == 0 {
			name = county.Name + word + []string{"社会工作服务中心", "文化促进会", "慈善基金会"}[d.r.IntN(3)]
		}
	case "care":
		name = county.Name + word + []string{"养老院", "颐养院", "长者服务中心", "护养院"}[d.r.IntN(4)]
	case "school":
		dept, cat = '1', '2'
		name = county.Name + []string{"第一中学", "实验小学", "第二中学", "职业技术学校", "中心小学", "外国语学校"}[d.r.IntN(6)]
	case "hospital":
		dept, cat = '1', '2'
		name = county.Name + []string{"人民医院", "中医院", "妇幼保健院", "社区卫生服务中心", "卫生院"}[d.r.IntN(5)]
	case "farm":
		dept, cat = '9', '2'
		name = county.Name + word + "家庭农场"
	case "shop":
		dept, cat = '9', '2'
		name = county.Name + word + shops[d.r.IntN(len(shops))]
	}
	return &entity{code: ident.GenerateCreditCode(d.r, dept, cat, region), name: name, region: region, rep: ident.RandomChineseName(d.r),
		founded: time.Date(1990+d.r.IntN(34), time.Month(1+d.r.IntN(12)), 1+d.r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly), status: "正常"}
}

// hash is FNV-1a of the strings.
func hash(s ...string) uint64 {
	h := fnv.New64a()
	for _, x := range s {
		_, _ = h.Write([]byte(x))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

// row makes one row about a person or an entity (or neither).
func (t *table) row(p *person, e *entity) []string {
	t.seq++
	out := make([]string, len(t.cols)+1)
	var ref *entity
	if t.refCode >= 0 {
		pool := t.d.firms
		if t.city != "" {
			pool = t.d.firmsBy[t.city]
		}
		ref = pool[t.d.r.IntN(len(pool))]
	}
	subject := ""
	switch {
	case p != nil:
		subject = p.id
	case e != nil:
		subject = e.code
	}
	for i, it := range t.cols {
		r := t.d.r
		if subject != "" {
			r = rand.New(rand.NewPCG(hash(subject), hash(element(it))))
		}
		v := ""
		switch {
		case i == t.idCol && p != nil:
			v = p.id
		case i == t.idCol && e != nil:
			v = e.code
		case i == t.nameCol && p != nil:
			v = p.name
		case i == t.nameCol && e != nil:
			v = e.name
		case i == t.refCode:
			v = ref.code
		case i == t.refName:
			v = ref.name
		default:
			v = t.value(it, r, p, e)
		}
		if it.Length > 0 && utf8.RuneCountInString(v) > it.Length && it.Type == catalog.TypeChar {
			v = string([]rune(v)[:it.Length])
		}
		out[i] = v
	}
	return out
}

// element is the data element an item carries: its Element, or its name.
func element(it catalog.Item) string {
	if it.Element != "" {
		return it.Element
	}
	return it.Name
}

// region is a county for the row: the subject's where it lies in the
// table's area, else one of the area.
func (t *table) region(r *rand.Rand, p *person, e *entity) string {
	switch {
	case p != nil && (t.city == "" || p.region[:4]+"00" == t.city):
		return p.region
	case e != nil && (t.city == "" || e.region[:4]+"00" == t.city):
		return e.region
	}
	city := t.city
	if city == "" {
		city = popCities[r.IntN(len(popCities))].code
	}
	cs := ident.ChildDivisions(city)
	return cs[r.IntN(len(cs))].Code
}

// value makes a value of an item no subject fills.
func (t *table) value(it catalog.Item, r *rand.Rand, p *person, e *entity) string {
	name := it.Name
	switch it.ValueFormat() {
	case catalog.FormatResidentID:
		pool := t.d.persons
		return pool[r.IntN(len(pool))].id
	case catalog.FormatCreditCode:
		return t.d.firms[r.IntN(len(t.d.firms))].code
	case catalog.FormatMobile:
		return ident.RandomMobile(r)
	case catalog.FormatDivision:
		return t.region(r, p, e)
	}
	if p != nil {
		switch element(it) {
		case "性别":
			return p.sex
		case "出生日期":
			if t.women {
				// The newborn's, in a dataset keyed by the mother's ID
				// number: the quality check would compare it with the
				// mother's birth date, so the demo leaves it empty.
				return ""
			}
			return p.birth
		case "户籍地址":
			return p.address
		case "户籍派出所":
			return p.station
		case "迁入日期":
			if p.moved != "" {
				return p.moved
			}
		}
	}
	if e != nil {
		switch name {
		case "法定代表人":
			return e.rep
		case "成立日期", "成立登记日期":
			return e.founded
		case "企业类型":
			if e.kind != "" {
				return e.kind
			}
		case "登记状态":
			return e.status
		case "注册资本":
			return e.capital
		case "登记机关":
			return cityOf(e.region).Name + "市场监督管理局"
		}
	}
	switch it.Type {
	case catalog.TypeDate:
		return t.date(name, r, p, e).Format(time.DateOnly)
	case catalog.TypeDateTime:
		return t.recent(r, 30).Format(time.DateTime)
	case catalog.TypeInteger:
		return strconv.Itoa(intValue(name, r))
	case catalog.TypeFloat:
		return strconv.FormatFloat(t.floatValue(name, r), 'f', 2, 64)
	case catalog.TypeNumber, catalog.TypeCurrency:
		return strconv.FormatFloat(moneyValue(name, r), 'f', 2, 64)
	case catalog.TypeLogical:
		return []string{"是", "否"}[r.IntN(2)]
	case catalog.TypeBinary, catalog.TypeGeneral:
		c := cityInfo[cityCode(t.region(r, p, e))]
		x, y := c.lon+r.Float64()*0.2, c.lat+r.Float64()*0.2
		return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "POLYGON((%.4f %.4f,%.4f %.4f,%.4f %.4f,%.4f %.4f))", x, y, x+0.01, y, x+0.01, y+0.01, x, y))
	case catalog.TypeMemo:
		if vs, ok := memoValues[name]; ok {
			return vs[r.IntN(len(vs))]
		}
		return name + "：详见业务系统记录"
	}
	return t.text(it, r, p, e)
}

func cityCode(region string) string { return region[:4] + "00" }

// date makes a date: of the subject's adult life (or childhood) before the
// demo's history, in the coming years for an expiry, in the last weeks for
// observations.
func (t *table) date(name string, r *rand.Rand, p *person, e *entity) time.Time {
	end := t.d.now.AddDate(0, 0, -45)
	switch {
	case strings.Contains(name, "有效期") || strings.Contains(name, "下次"):
		return t.d.now.AddDate(0, 1+r.IntN(36), r.IntN(28))
	case strings.Contains(name, "预报"):
		return t.d.now.AddDate(0, 0, r.IntN(7))
	case strings.Contains(name, "统计") || strings.Contains(name, "检测") || strings.Contains(name, "抽检"):
		return t.recent(r, 60)
	}
	start := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)
	switch {
	case p != nil:
		// From the person's sixteenth birthday or 2000, whichever is later
		// (sixth birthday for children, birth for infants): the same in
		// every dataset.
		start = maxTime(p.born.AddDate(16, 0, 0), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
		if !start.Before(end) {
			start = p.born.AddDate(6, 0, 0)
		}
		if !start.Before(end) {
			start = p.born
		}
	case e != nil:
		if f, err := time.Parse(time.DateOnly, e.founded); err == nil {
			start = f
		}
	}
	if !start.Before(end) {
		start = end.AddDate(0, 0, -30)
	}
	return start.Add(time.Duration(r.Int64N(int64(end.Sub(start)))))
}

// recent is a time in the days before the demo's now.
func (t *table) recent(r *rand.Rand, days int) time.Time {
	return t.d.now.Add(-time.Duration(r.Int64N(int64(days) * int64(24*time.Hour)))).In(calendar.Shanghai).Truncate(time.Minute)
}

func intValue(name string, r *rand.Rand) int {
	ranges := []struct {
		word   string
		lo, hi int
	}{{"床位", 20, 800}, {"保障人数", 1, 5}, {"缴存人数", 5, 500}, {"新增就业", 500, 5000}, {"再就业", 100, 1500}, {"威胁人数", 5, 300}, {"流量", 1000, 80000},
		{"车道", 4, 24}, {"孕周", 8, 40}, {"树龄", 100, 800}, {"菌落", 0, 30}, {"风向", 0, 359}, {"湿度", 40, 100}, {"项目数", 1, 60}, {"地块", 1, 12}}
	for _, x := range ranges {
		if strings.Contains(name, x.word) {
			return x.lo + r.IntN(x.hi-x.lo+1)
		}
	}
	return 1 + r.IntN(100)
}

func (t *table) floatValue(name string, r *rand.Rand) float64 {
	c := cityInfo[org.ProvinceCode]
	if t.city != "" {
		c = cityInfo[t.city]
	}
	ranges := []struct {
		word   string
		lo, hi float64
	}{{"最高气温", 22, 35}, {"最低气温", 8, 21}, {"气温", 5, 35}, {"降水", 0, 80}, {"雨量", 0, 80}, {"水位", 1, 30}, {"流量", 1, 5000}, {"浑浊", 0.1, 0.9}, {"余氯", 0.3, 0.8}, {"功率", 50, 500},
		{"蓄积", 10, 5000}, {"长度", 5, 300}, {"风速", 0, 15}, {"用水量", 5, 40}, {"取水量", 1000, 1e6}, {"面积", 20, 5000}}
	switch {
	case strings.Contains(name, "经度"):
		return c.lon - 0.3 + r.Float64()*0.6
	case strings.Contains(name, "纬度"):
		return c.lat - 0.3 + r.Float64()*0.6
	}
	for _, x := range ranges {
		if strings.Contains(name, x.word) {
			return x.lo + r.Float64()*(x.hi-x.lo)
		}
	}
	return 1 + r.Float64()*999
}

func moneyValue(name string, r *rand.Rand) float64 {
	ranges := []struct {
		word   string
		lo, hi float64
	}{{"保障金额", 800, 1200}, {"供养标准", 1200, 1800}, {"发放金额", 100, 300}, {"基数", 4000, 30000}, {"缴存额", 400, 6000}, {"贷款金额", 2e5, 1e6},
		{"贷款余额", 5e4, 8e5}, {"成交价格", 5e5, 5e6}, {"应纳税额", 1000, 5e5}, {"欠税", 1000, 2e5}, {"缴费金额", 500, 5000}}
	for _, x := range ranges {
		if strings.Contains(name, x.word) {
			return x.lo + r.Float64()*(x.hi-x.lo)
		}
	}
	return 100 + r.Float64()*9900
}

// textValues are the values of categorical and descriptive items, by item name.
var textValues = map[string][]string{
	"民族":        {"汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "壮族", "瑶族", "畲族", "回族"},
	"婚姻登记类型":    {"结婚登记"},
	"户口注销原因":    {"死亡", "出国（境）定居", "参军入伍", "重复户口"},
	"号牌种类":      {"02", "01", "52"},
	"车辆类型":      {"小型轿车", "小型普通客车", "轻型货车", "重型货车", "中型客车"},
	"车型":        {"一型客车", "二型客车", "一型货车", "三型货车"},
	"管控类别":      {"一类", "二类", "三类"},
	"社会组织类型":    {"社会团体", "民办非企业单位", "基金会"},
	"登记状态":      {"存续", "正常"},
	"服务类型":      {"全托", "日间照料", "居家养老"},
	"类型":        {"养老院", "长者饭堂", "居家养老服务站"},
	"机构类型":      {"殡仪馆", "公墓"},
	"供养方式":      {"集中供养", "分散供养"},
	"卡状态":       {"正常", "正常", "正常", "正常", "挂失", "正常"},
	"等级":        {"五级", "四级", "三级", "二级", "一级"},
	"失业原因":      {"合同期满", "单位裁员", "个人辞职", "单位关闭"},
	"失业保险金领取状态": {"领取中", "已停发", "未申领"},
	"争议类型":      {"劳动报酬", "解除劳动合同", "社会保险", "工伤待遇"},
	"机构类别":      {"综合医院", "中医医院", "社区卫生服务中心", "卫生院", "诊所"},
	"执业类别":      {"临床", "中医", "口腔", "公共卫生"},
	"执业范围":      {"内科专业", "外科专业", "妇产科专业", "儿科专业", "全科医学专业"},
	"服务包":       {"基础包", "老年人健康包", "慢病管理包", "母婴健康包"},
	"签约团队":      {"全科医生团队一组", "全科医生团队二组", "家庭医生工作室"},
	"年级":        {"七年级", "八年级", "九年级", "高一", "高二", "高三", "五年级", "六年级"},
	"专业":        {"数控技术应用", "电子商务", "汽车维修", "烹饪", "计算机网络应用", "护理"},
	"资格种类":      {"小学教师资格", "初级中学教师资格", "高级中学教师资格"},
	"任教学科":      {"语文", "数学", "英语", "物理", "化学", "体育"},
	"办学类型":      {"小学", "初级中学", "完全中学", "中等职业学校"},
	"举办者类型":     {"地方教育部门", "民办"},
	"企业类型":      {"有限责任公司", "股份有限公司", "个人独资企业"},
	"设备类别":      {"电梯", "锅炉", "压力容器", "起重机械"},
	"检定结论":      {"合格", "合格", "合格", "不合格"},
	"检测结论":      {"合格"},
	"检测结果":      {"合格", "合格", "合格", "不合格"},
	"违法行为类型":    {"无照经营", "虚假宣传", "销售不合格产品", "价格违法"},
	"用途":        {"住宅", "商业", "办公", "工业"},
	"权属性质":      {"国有", "集体"},
	"地类编码":      {"0101", "0201", "0301", "0702", "1001"},
	"开采矿种":      {"建筑用花岗岩", "稀土", "高岭土", "石灰岩"},
	"成果类型":      {"数字线划图", "数字正射影像", "数字高程模型"},
	"比例尺":       {"1:2000", "1:1000", "1:500"},
	"灾害类型":      {"崩塌", "滑坡", "泥石流", "地面塌陷"},
	"供地方式":      {"挂牌出让", "拍卖出让", "划拨", "协议出让"},
	"土地用途":      {"住宅用地", "工业用地", "商服用地", "公共管理与公共服务用地"},
	"缴费险种":      {"企业职工基本养老保险", "失业保险", "工伤保险", "城乡居民基本医疗保险"},
	"申报税种":      {"增值税", "企业所得税", "个人所得税"},
	"纳税信用等级":    {"A"},
	"资质类别及等级":   {"建筑工程施工总承包二级", "市政公用工程施工总承包三级", "建筑装修装饰工程专业承包二级"},
	"残疾类别":      {"视力", "听力", "言语", "肢体", "智力", "精神"},
	"残疾等级":      {"一级", "二级", "三级", "四级"},
	"补贴类型":      {"困难残疾人生活补贴", "重度残疾人护理补贴"},
	"作业类型":      {"拖网", "刺网", "围网", "钓具"},
	"船籍港":       {"湛江", "汕尾", "阳江", "台山", "惠州"},
	"预警类型":      {"暴雨", "台风", "高温", "雷雨大风", "寒冷"},
	"预警级别":      {"蓝色", "黄色", "橙色", "红色"},
	"天气现象":      {"晴", "多云", "阴", "小雨", "雷阵雨"},
	"林种":        {"防护林", "用材林", "经济林", "特用林"},
	"起源":        {"天然", "人工"},
	"保护地类型":     {"自然保护区", "森林公园", "湿地公园", "地质公园"},
	"级别":        {"国家级", "省级", "市级", "县级"},
	"保护等级":      {"一级", "二级", "三级"},
	"树种":        {"榕树", "樟树", "木棉", "龙眼", "荔枝", "秋枫"},
	"坝型":        {"土坝", "重力坝", "拱坝"},
	"安全鉴定结论":    {"一类坝", "二类坝", "三类坝"},
	"流域":        {"珠江", "东江", "西江", "北江", "韩江", "潭江"},
	"事件类型":      {"施工", "交通事故", "拥堵", "恶劣天气"},
	"用水类别":      {"居民生活", "非居民", "特种行业"},
	"处理结果":      {"已罚款记分", "已警告", "已处理完毕"},
	"违法行为":      {"机动车违反规定停放", "超速行驶", "不按导向车道行驶", "闯红灯"},
	"疾病诊断":      {"精神分裂症", "双相情感障碍", "偏执性精神病"},
	"死亡原因":      {"循环系统疾病", "恶性肿瘤", "呼吸系统疾病", "损伤和中毒"},
	"高危因素":      {"高龄", "妊娠期高血压", "妊娠期糖尿病", "瘢痕子宫"},
	"指定监护类型":    {"民政部门指定", "居民委员会指定", "村民委员会指定"},
	"职业名称":      {"电工", "焊工", "育婴员", "中式烹调师", "保育师", "养老护理员"},
	"停水原因":      {"管道维修", "管网改造", "阀门更换", "水厂设备检修"},
	"联办事项":      {"营业执照、印章刻制、发票申领、社保登记"},
	"办公时间":      {"周一至周五 8:30-12:00，14:30-17:30", "周一至周六 9:00-17:00"},
	"服务时间":      {"周一至周五 9:00-17:00", "工作日 8:30-17:30"},
	"设施类型":      {"加压泵站", "主干管网", "水厂"},
	"事件描述":      {"施工占用应急车道，请减速慢行", "车辆故障占用行车道", "车流量大，通行缓慢", "路面积水，注意安全"},
	"所属路段":      {"沈海高速", "广河高速", "济广高速", "长深高速", "汕昆高速", "江肇高速", "梅龙高速"},
	"经营类型":      {"种植业", "养殖业", "种养结合"},
	"账户状态":      {"正常", "正常", "正常", "封存"},
	"统计月份":      nil, "费款所属期": nil, "所属期": nil, "发放月份": nil, "评价年度": nil,
}

var memoValues = map[string][]string{
	"经营范围": {"一般项目：技术服务、技术开发、技术咨询；软件开发；信息系统集成服务。", "一般项目：食品销售（仅销售预包装食品）；日用百货销售。", "许可项目：建设工程施工。一般项目：园林绿化工程施工。"},
	"经营项目": {"预包装食品销售（含冷藏冷冻食品）", "热食类食品制售", "散装食品销售"},
	"可办事项": {"户口迁移、出生登记、居民身份证申领", "户口迁移、身份证换领"},
	"诊疗科目": {"内科；外科；妇产科；儿科；医学检验科", "全科医疗科；中医科；预防保健科"},
	"服务范围": {"职业中介、人力资源供求信息收集和发布、人力资源外包", "人员招聘、职业指导"},
	"服务内容": {"职业技能培训、就业推荐、辅助性就业", "职业康复、就业岗位开发"},
	"收费标准": {"按照《广东省殡葬服务收费管理办法》执行"},
	"处罚内容": {"责令改正，罚款人民币五千元", "没收违法所得，罚款人民币二万元", "警告"},
	"诉求内容": {"商品质量问题，要求退货", "预付卡消费纠纷，要求退款", "虚假宣传，要求赔偿"},
	"既往病史": {"无", "高血压", "糖尿病", "高血压；高脂血症"},
	"随访记录": {"病情稳定，按时服药", "病情好转"},
	"运行参数": {"出水压力0.35MPa", "出水压力0.28MPa"},
	"监测数据": {"坝体位移正常，渗流量正常"},
}

// text makes a value of a character item.
func (t *table) text(it catalog.Item, r *rand.Rand, p *person, e *entity) string {
	name := it.Name
	if vs, ok := textValues[name]; ok {
		if len(vs) > 0 {
			return vs[r.IntN(len(vs))]
		}
		day := t.d.now.AddDate(0, -1-r.IntN(12), 0)
		if it.Length == 4 {
			return strconv.Itoa(day.Year() - 1)
		}
		return day.Format("2006-01")
	}
	region := t.region(r, p, e)
	county, _ := ident.LookupDivision(region)
	city := cityOf(region)
	info := cityInfo[city.Code]
	word := brands[r.IntN(len(brands))] + brands[r.IntN(len(brands))]
	switch {
	case name == "号牌号码":
		return info.plate + string("ABCDEFGHJKLMNPQRSTUVWXYZ"[r.IntN(24)]) + fmt.Sprintf("%04d", r.IntN(10000))
	case strings.HasSuffix(name, "姓名") || name == "户名" || name == "申请人" || name == "法定代表人" || name == "采矿权人":
		return ident.RandomChineseName(r)
	case strings.HasSuffix(name, "地址") || strings.Contains(name, "坐落") || strings.HasSuffix(name, "地点") || name == "位置" || name == "用地位置" ||
		name == "经营场所" || name == "所在地":
		return t.d.address(region, r)
	case strings.HasSuffix(name, "区域"):
		return county.Name + streets[r.IntN(len(streets))] + "沿线"
	case strings.Contains(name, "电话"):
		return info.phone + "-" + strconv.Itoa(2000_0000+r.IntN(8000_0000))
	case name == "区县" || name == "城镇" || name == "抽检地区" || name == "所在镇街":
		return county.Name
	case strings.HasSuffix(name, "派出所"):
		return county.Name + stations[r.IntN(len(stations))] + "派出所"
	case name == "婚姻登记机关":
		return county.Name + "民政局婚姻登记处"
	case name == "被投诉对象" || name == "被申请人名称" || name == "开发企业" || name == "用地单位" || name == "使用单位":
		return t.d.firms[r.IntN(len(t.d.firms))].name
	case name == "执业机构" || name == "签发机构":
		return county.Name + []string{"人民医院", "中医院", "妇幼保健院"}[r.IntN(3)]
	case strings.HasSuffix(name, "机关") || strings.HasSuffix(name, "单位") || strings.HasSuffix(name, "机构") || strings.HasSuffix(name, "部门"):
		return t.ds.AgencyName
	case strings.HasSuffix(name, "名称") || name == "船名":
		return t.thing(name, county.Name, word, r)
	}
	return t.serial(it, r, p, e)
}

// thing names a place or object for an item ending in 名称. Like every
// value, it depends on the item's name only, not on the dataset: the
// consistency check compares items of the same name across datasets.
func (t *table) thing(name, county, word string, r *rand.Rand) string {
	suffix := map[string]string{"网点名称": "便民服务中心", "受理点名称": "出入境办证大厅", "门诊名称": "社区卫生服务中心预防接种门诊", "水厂名称": "水厂",
		"测站名称": "水文站", "收费站名称": "收费站", "路段名称": "高速公路段", "河湖名称": "河", "保护地名称": "森林公园", "水库名称": "水库",
		"矿山名称": "采石场", "项目名称": "花园项目", "产品名称": "菜心", "器具名称": "电子计价秤", "职业名称": "电工", "船名": "号",
		"用途分区名称": "城镇发展区", "机构名称": "服务中心", "学校名称": "中学", "单位名称": "有限公司"}[name]
	if suffix == "" {
		suffix = strings.TrimSuffix(name, "名称")
	}
	switch name {
	case "船名":
		return "粤" + word + "渔" + strconv.Itoa(10000+r.IntN(90000)) + suffix
	case "产品名称", "器具名称", "职业名称", "用途分区名称":
		return suffix
	}
	return county + word + suffix
}

// serial makes an identifier: a key's is unique in the dataset, one that
// belongs to the row's subject is the same in every dataset.
func (t *table) serial(it catalog.Item, r *rand.Rand, p *person, e *entity) string {
	n := it.Length
	if n <= 0 || n > 18 {
		n = 18
	}
	if p != nil {
		switch it.Name {
		case "全国学籍号":
			return "G" + p.id
		case "残疾人证号":
			return p.id + "4" + strconv.Itoa(1+r.IntN(4))
		}
	}
	var digits string
	if it.Key || (p == nil && e == nil) {
		digits = fmt.Sprintf("%s%04d%08d", t.serialAt, t.d.now.Year()-r.IntN(3), t.seq)
	} else {
		digits = fmt.Sprintf("%018d", r.Uint64()%1_000_000_000_000_000_000)
	}
	if len(digits) > n {
		digits = digits[len(digits)-n:]
	}
	return digits
}

// ---- loads ----

// load loads rows into the dataset at t.
func (d *dataDemo) load(ds collect.Dataset, t time.Time, mode collect.Mode, rows [][]string) (collect.Batch, error) {
	d.at(t)
	b, err := d.a.Collect.Load(d.ctx, d.officer(&ds), ds.ID, collect.LoadInput{Channel: collect.ChannelDemo, Mode: mode, Reader: &rowReader{rows: rows}, ExpectedRows: int64(len(rows))})
	if err != nil {
		return b, fmt.Errorf("load %s: %w", ds.Name, err)
	}
	if b.State != collect.BatchLoaded {
		first := collect.Rejection{}
		if len(b.Errors) > 0 {
			first = b.Errors[0]
		}
		return b, fmt.Errorf("load %s: batch %s, %d errors, first: row %d %s %s", ds.Name, b.State, b.ErrorCount, first.Row, first.Field, first.EN)
	}
	return b, nil
}

// loadFile loads a file through the decoders, as an upload or a push would.
func (d *dataDemo) loadFile(ds collect.Dataset, t time.Time, in collect.LoadInput, data []byte) (collect.Batch, error) {
	d.at(t)
	rd, err := collect.OpenReader(in.Format, bytes.NewReader(data), ds.Fields(), collect.ReadOptions{})
	if err != nil {
		return collect.Batch{}, fmt.Errorf("open %s: %w", in.FileName, err)
	}
	if er, ok := rd.(collect.EncodingReporter); ok {
		in.Encoding = er.Encoding()
	}
	in.Reader = rd
	b, err := d.a.Collect.Load(d.ctx, d.officer(&ds), ds.ID, in)
	if err != nil {
		return b, fmt.Errorf("load %s into %s: %w", in.FileName, ds.Name, err)
	}
	return b, nil
}

// bind binds the datasets to their base groups, before their first load.
func (d *dataDemo) bind() error {
	for _, b := range bindings {
		ds, ok := d.datasets[b.dataset]
		if !ok {
			return fmt.Errorf("no dataset %s to bind to %s", b.dataset, b.group)
		}
		d.at(notBefore(d.night(45, 0), ds).Add(-time.Hour))
		if _, err := d.a.Collect.SetBaseGroup(d.ctx, d.reviewer(ds.Jurisdiction), ds.ID, b.group); err != nil {
			return fmt.Errorf("bind %s to %s: %w", b.dataset, b.group, err)
		}
	}
	return nil
}

// notBefore keeps a load after its dataset was made.
func notBefore(t time.Time, ds collect.Dataset) time.Time {
	if earliest := ds.CreatedAt.Add(2 * time.Hour); t.Before(earliest) {
		return earliest
	}
	return t
}

// history is the load history of the four base datasets of the province.
type history struct {
	d                  *dataDemo
	hh, mr, sc, en     *table
	inMarriage, inCard map[string]bool
	step               int       // 0 is the first, full load
	at                 time.Time // the load's time
	days               int       // since the step before
	misname            bool      // the step whose names disagree with 户籍
}

// historySteps are the days before now of the base datasets' loads: a
// full load six weeks ago, then increments two weeks and two days ago, the
// last (0) this morning. Each load is measured, so each step costs time.
var historySteps = []int{42, 14, 2, 0}

// perDay is n a day for a population of DefaultPersons, scaled, over the step's days.
func (h *history) perDay(n int) int {
	return max(1, n*h.days*h.d.nPersons/DefaultPersons)
}

// baseHistory loads the four base datasets of the province. A dataset's
// quality is measured after each load against the datasets loaded so far,
// and measuring 户籍 against the others at every step would cost the most,
// so 户籍, the legal source of the names, goes through its history first;
// 婚姻 and 社保卡, which the consistency check compares with it and with
// each other, go through theirs together, step by step, so that each is
// compared with the other as it was then; 企业 comes last. Huizhou's
// return flow of 户籍 is set up before its last load, the theme database
// at the end.
func (d *dataDemo) baseHistory() error {
	h := &history{d: d, hh: d.table(d.datasets[dsHousehold]), mr: d.table(d.datasets[dsMarriage]), sc: d.table(d.datasets[dsSocialCard]),
		en: d.table(d.datasets[dsEnterprise]), inMarriage: map[string]bool{}, inCard: map[string]bool{}}
	type feed struct {
		t    *table
		rows func() [][]string
	}
	for j, group := range [][]feed{{{h.hh, h.household}}, {{h.mr, h.marriage}, {h.sc, h.cards}}, {{h.en, h.enterprises}}} {
		for i, days := range historySteps {
			h.step, h.days, h.misname = i, 1, days == 2
			if i > 0 {
				h.days = historySteps[i-1] - days
			}
			for k, f := range group {
				minutes := 10*j + 5*k
				h.at = d.night(days, minutes)
				if days == 0 {
					h.at = d.now.Add(time.Duration(minutes-100) * time.Minute).Truncate(time.Minute)
				}
				if f.t == h.hh && days == 0 {
					if err := d.returnFlow(h.at.Add(-time.Hour)); err != nil {
						return err
					}
				}
				mode := collect.ModeIncremental
				if i == 0 {
					mode = collect.ModeFull
				}
				if _, err := d.load(f.t.ds, notBefore(h.at, f.t.ds), mode, f.rows()); err != nil {
					return err
				}
			}
		}
	}
	return d.theme(d.now.Add(-30 * time.Minute).Truncate(time.Minute))
}

// household: everyone at first, sorted by ID number as a registry exports
// them; then births, moves within the city and deaths.
func (h *history) household() [][]string {
	d, t := h.d, h.hh
	var rows [][]string
	if h.step == 0 {
		ps := slices.Clone(d.persons)
		slices.SortFunc(ps, func(a, b *person) int { return strings.Compare(a.id, b.id) })
		for _, p := range ps {
			rows = append(rows, t.row(p, nil))
		}
		return rows
	}
	batch := map[string]bool{}
	for range h.perDay(10) {
		p := d.newborn(h.at)
		batch[p.id] = true
		rows = append(rows, t.row(p, nil))
	}
	for _, p := range d.pick(d.persons, h.perDay(6), nil, batch) {
		cs := ident.ChildDivisions(cityCode(p.region))
		p.region = cs[d.r.IntN(len(cs))].Code
		county, _ := ident.LookupDivision(p.region)
		p.address = d.address(p.region, d.r)
		p.station = county.Name + stations[d.r.IntN(len(stations))] + "派出所"
		p.moved = h.at.In(calendar.Shanghai).AddDate(0, 0, -1-d.r.IntN(5)).Format(time.DateOnly)
		rows = append(rows, t.row(p, nil))
	}
	for _, p := range d.pick(d.persons, h.perDay(2), func(p *person) bool { return p.age(d.now) > 60 }, batch) {
		p.dead = true
		row := make([]string, len(t.cols)+1)
		row[t.idCol], row[len(row)-1] = p.id, "delete"
		rows = append(rows, row)
	}
	return rows
}

// marriage: one in five at first (a couple each), then new marriages and
// divorces; two days ago a few names typed differently from 户籍.
func (h *history) marriage() [][]string {
	d, t := h.d, h.mr
	pairs := h.perDay(4)
	if h.step == 0 {
		pairs = d.nPersons / 10
	}
	batch := map[string]bool{}
	rows := d.marry(t, pairs, h.at, h.inMarriage, batch)
	if h.step > 0 {
		rows = append(rows, d.divorce(t, h.perDay(1), h.at, batch)...)
	}
	if h.misname {
		for _, p := range d.pickIn(h.inMarriage, 6, batch) {
			rows = append(rows, misnamed(t, d.marriageRow(t, p, "结婚登记"), p))
		}
	}
	return rows
}

// cards: a third at first, then new cards and changes of state; two days
// ago a few names typed differently from 户籍.
func (h *history) cards() [][]string {
	d, t := h.d, h.sc
	n := h.perDay(8)
	if h.step == 0 {
		n = d.nPersons / 3
	}
	ps := t.people(n, h.inCard)
	slices.SortFunc(ps, func(a, b *person) int { return strings.Compare(a.id, b.id) })
	var rows [][]string
	batch := map[string]bool{}
	for _, p := range ps {
		batch[p.id] = true
		rows = append(rows, t.row(p, nil))
	}
	if h.step > 0 {
		state := t.index("卡状态")
		for _, p := range d.pickIn(h.inCard, h.perDay(2), batch) {
			row := t.row(p, nil)
			row[state] = []string{"挂失", "正常", "注销"}[d.r.IntN(3)]
			rows = append(rows, row)
		}
	}
	if h.misname {
		for _, p := range d.pickIn(h.inCard, 5, batch) {
			rows = append(rows, misnamed(t, t.row(p, nil), p))
		}
	}
	return rows
}

// enterprises: the register at first, then new and changed enterprises.
func (h *history) enterprises() [][]string {
	d, t := h.d, h.en
	var rows [][]string
	if h.step == 0 {
		fs := slices.Clone(d.firms)
		slices.SortFunc(fs, func(a, b *entity) int { return strings.Compare(a.code, b.code) })
		for _, e := range fs {
			rows = append(rows, t.row(nil, e))
		}
		return rows
	}
	batch := map[string]bool{}
	for range max(1, h.days*len(d.firms)/2000) {
		e := d.newFirm(h.at)
		batch[e.code] = true
		rows = append(rows, t.row(nil, e))
	}
	for range max(1, h.days*len(d.firms)/5000) {
		e := d.firms[d.r.IntN(len(d.firms))]
		if batch[e.code] {
			continue
		}
		batch[e.code] = true
		switch d.r.IntN(3) {
		case 0:
			e.status = "注销"
		case 1:
			e.capital = strconv.Itoa((1+d.r.IntN(900))*10000) + ".00"
		default:
			e.rep = ident.RandomChineseName(d.r)
		}
		rows = append(rows, t.row(nil, e))
	}
	return rows
}

// newFirm registers a new enterprise on the day of t.
func (d *dataDemo) newFirm(t time.Time) *entity {
	for {
		c := popCities[d.r.IntN(len(popCities))].code
		cs := ident.ChildDivisions(c)
		region := cs[d.r.IntN(len(cs))].Code
		code := ident.GenerateCreditCode(d.r, '9', '1', region)
		if d.codes[code] {
			continue
		}
		d.codes[code] = true
		e := &entity{code: code, region: region, rep: ident.RandomChineseName(d.r), status: "存续", kind: "有限责任公司（自然人投资或控股）",
			founded: t.In(calendar.Shanghai).AddDate(0, 0, -1-d.r.IntN(5)).Format(time.DateOnly), capital: strconv.Itoa((1+d.r.IntN(100))*10000) + ".00"}
		e.name = strings.TrimSuffix(cityOf(region).Name, "市") + brands[d.r.IntN(len(brands))] + brands[d.r.IntN(len(brands))] + trades[d.r.IntN(len(trades))] + "有限公司"
		d.firms = append(d.firms, e)
		d.firmsBy[c] = append(d.firmsBy[c], e)
		return e
	}
}

// pickIn returns up to n living persons among the IDs of a dataset and
// not yet in the batch, and adds them to the batch.
func (d *dataDemo) pickIn(ids map[string]bool, n int, batch map[string]bool) []*person {
	return d.pick(d.persons, n, func(p *person) bool { return ids[p.id] && !p.misnamed }, batch)
}

// misnamed is the person's row with the name an operator typed with the
// last character wrong.
func misnamed(t *table, row []string, p *person) []string {
	p.misnamed = true
	name := []rune(p.name)
	alt := slices.DeleteFunc([]rune("玮炜伟苇纬"), func(r rune) bool { return r == name[len(name)-1] })
	name[len(name)-1] = alt[t.d.r.IntN(len(alt))]
	row[t.nameCol] = string(name)
	return row
}

// marry registers n new couples around t (long ago for the first load).
func (d *dataDemo) marry(t *table, n int, at time.Time, in, batch map[string]bool) [][]string {
	free := func(sex string) func(*person) bool {
		return func(p *person) bool { return p.sex == sex && p.age(d.now) >= 22 && p.spouse == nil && !p.divorced }
	}
	men := d.pick(d.persons, n, free("男"), batch)
	women := d.pick(d.persons, n, free("女"), batch)
	first := len(in) == 0
	var rows [][]string
	for i := range min(len(men), len(women)) {
		m, w := men[i], women[i]
		m.spouse, w.spouse = w, m
		day := at.In(calendar.Shanghai).AddDate(0, 0, -1-d.r.IntN(6))
		if first {
			start := maxTime(m.born.AddDate(22, 0, 0), w.born.AddDate(20, 0, 0))
			end := d.now.AddDate(0, 0, -60)
			if start.Before(end) {
				day = start.Add(time.Duration(d.r.Int64N(int64(end.Sub(start)))))
			}
		}
		m.married, w.married = day.Format(time.DateOnly), day.Format(time.DateOnly)
		for _, p := range []*person{m, w} {
			in[p.id] = true
			rows = append(rows, d.marriageRow(t, p, "结婚登记"))
		}
	}
	return rows
}

// divorce registers n divorces of couples in the dataset.
func (d *dataDemo) divorce(t *table, n int, at time.Time, batch map[string]bool) [][]string {
	var rows [][]string
	for _, m := range d.pick(d.persons, n, func(p *person) bool {
		return p.sex == "男" && p.spouse != nil && !p.divorced && !p.spouse.dead && !batch[p.spouse.id]
	}, batch) {
		w := m.spouse
		batch[w.id] = true
		day := at.In(calendar.Shanghai).AddDate(0, 0, -1-d.r.IntN(6)).Format(time.DateOnly)
		m.divorced, w.divorced = true, true
		m.married, w.married = day, day
		rows = append(rows, d.marriageRow(t, m, "离婚登记"), d.marriageRow(t, w, "离婚登记"))
	}
	return rows
}

func (d *dataDemo) marriageRow(t *table, p *person, kind string) []string {
	row := t.row(p, nil)
	row[t.index("婚姻登记类型")] = kind
	row[t.index("配偶姓名")] = p.spouse.name
	row[t.index("婚姻登记日期")] = p.married
	return row
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// theme builds the population theme database at t.
func (d *dataDemo) theme(t time.Time) error {
	d.at(t)
	hh, mr, sc := d.datasets[dsHousehold], d.datasets[dsMarriage], d.datasets[dsSocialCard]
	_, err := d.a.Collect.CreateTheme(d.ctx, d.reviewer(org.ProvinceCode), collect.ThemeInput{Name: themeName, KeyKind: catalog.KeyResidentID, Members: []collect.ThemeMember{
		{DatasetID: hh.ID, Items: []string{"姓名", "性别", "出生日期", "户籍地址", "户籍地行政区划代码"}},
		{DatasetID: mr.ID, Items: []string{"婚姻登记类型", "配偶姓名", "婚姻登记日期"}},
		{DatasetID: sc.ID, Items: []string{"社会保障卡卡号", "卡状态"}},
	}})
	if err != nil {
		return fmt.Errorf("theme %s: %w", themeName, err)
	}
	return nil
}

// returnFlow sets up Huizhou's return flow of the household data at t.
func (d *dataDemo) returnFlow(t time.Time) error {
	d.at(t)
	_, err := d.a.Collect.AddReturnFlow(d.ctx, d.reviewer("441300"), d.datasets[dsHousehold].ID)
	if err != nil {
		return fmt.Errorf("return flow of %s to 惠州: %w", dsHousehold, err)
	}
	return nil
}

// ---- the other datasets ----

// lastLoad is how many hours before now a dataset of the frequency was
// last loaded: well within the frequency's allowance
// (collect.freshness.hours.*), so that only the stale story is stale.
var lastLoad = map[catalog.UpdateFreq]int{
	catalog.FreqRealtime: 2, catalog.FreqDaily: 14, catalog.FreqWeekly: 3 * 24, catalog.FreqMonthly: 12 * 24,
	catalog.FreqQuarterly: 40 * 24, catalog.FreqSemiannual: 90 * 24, catalog.FreqAnnual: 100 * 24, catalog.FreqIrregular: 20 * 24,
}

// others loads every other dataset of the catalog once, within its update
// frequency.
func (d *dataDemo) others(sets []collect.Dataset) error {
	special := map[string]bool{dsHousehold: true, dsMarriage: true, dsSocialCard: true, dsEnterprise: true, dsStale: true, dsRejected: true, dsPushed: true}
	for _, ds := range sets {
		if special[ds.Name] || ds.OriginID != 0 {
			continue
		}
		hours, ok := lastLoad[ds.UpdateFreq]
		if !ok {
			hours = lastLoad[catalog.FreqIrregular]
		}
		at := notBefore(d.now.Add(-time.Duration(hours)*time.Hour-time.Duration(d.r.IntN(90))*time.Minute), ds)
		t := d.table(ds)
		if _, err := d.load(ds, at, collect.ModeFull, t.rows(t.size(), map[string]bool{})); err != nil {
			return err
		}
	}
	return nil
}

// size is how many rows a dataset gets: at full size 1,500 for a
// province's dataset about persons, 600 for a city's, 800 and 300 about
// enterprises and organisations, 150 of other things (40 for yearly and
// irregular data); fewer for a smaller population.
func (t *table) size() int {
	n := 150
	switch {
	case t.subject == 'p' && t.city == "":
		n = 1500
	case t.subject == 'p':
		n = 600
	case t.subject != 0 && t.city == "":
		n = 800
	case t.subject != 0:
		n = 300
	case t.ds.UpdateFreq == catalog.FreqIrregular || t.ds.UpdateFreq == catalog.FreqAnnual:
		n = 40
	}
	return max(20, n*t.d.nPersons/DefaultPersons)
}

// rows makes n rows of subjects not in taken (a keyed table's), adding them to taken.
func (t *table) rows(n int, taken map[string]bool) [][]string {
	var rows [][]string
	switch t.subject {
	case 'p':
		if t.keyed {
			for _, p := range t.people(n, taken) {
				rows = append(rows, t.row(p, nil))
			}
			break
		}
		for _, p := range t.people(n, map[string]bool{}) {
			rows = append(rows, t.row(p, nil))
		}
	case 'e', 'o':
		for _, e := range t.entities(n, taken) {
			rows = append(rows, t.row(nil, e))
		}
	default:
		for range n {
			rows = append(rows, t.row(nil, nil))
		}
	}
	return rows
}

// loadTwice loads a dataset in full at t1 and an increment of new rows at
// t2; it returns the subjects now in the dataset.
func (d *dataDemo) loadTwice(ds collect.Dataset, t1, t2 time.Time) (map[string]bool, error) {
	t := d.table(ds)
	taken := map[string]bool{}
	n := t.size()
	if _, err := d.load(ds, t1, collect.ModeFull, t.rows(n, taken)); err != nil {
		return nil, err
	}
	if _, err := d.load(ds, t2, collect.ModeIncremental, t.rows(max(1, n/20), taken)); err != nil {
		return nil, err
	}
	return taken, nil
}

// ---- stories ----

// stories: the stale dataset, the rejected upload and the push.
func (d *dataDemo) stories() error {
	// 梅州市交通违法处理信息 stopped after a load five days ago.
	stale := d.datasets[dsStale]
	if _, err := d.loadTwice(stale, notBefore(d.now.Add(-12*24*time.Hour), stale), d.night(5, 15)); err != nil {
		return err
	}

	// 惠州市家庭医生签约服务信息: an officer uploads the week's sign-ups
	// exported from a spreadsheet in GBK; three rows are bad, so nothing
	// loads and the report names them; the corrected file loads.
	ds := d.datasets[dsRejected]
	t := d.table(ds)
	taken, err := d.loadTwice(ds, notBefore(d.now.Add(-9*24*time.Hour), ds), d.now.Add(-29*time.Hour))
	if err != nil {
		return err
	}
	rows := t.rows(120, taken)
	if len(rows) < 100 {
		return fmt.Errorf("%s: only %d persons to sign up", ds.Name, len(rows))
	}
	good, err := csvFile(t, rows)
	if err != nil {
		return err
	}
	bad := slices.Clone(rows)
	for i := range bad {
		bad[i] = slices.Clone(bad[i])
	}
	id, date := t.idCol, t.index("签约日期")
	bad[14][id] = bad[3][id] // row 16 of the file repeats row 5's person
	bad[47][id] = wrongCheck(bad[47][id])
	bad[89][date] = strconv.Itoa(d.now.Year()) + "-02-30"
	when := d.now.Add(-5 * time.Hour).Truncate(time.Minute)
	name := "家庭医生签约_" + when.In(calendar.Shanghai).Format("20060102") + ".csv"
	badFile, err := csvFile(t, bad)
	if err != nil {
		return err
	}
	b, err := d.loadFile(ds, when, collect.LoadInput{Channel: collect.ChannelUpload, Mode: collect.ModeIncremental, Format: collect.FormatCSV, FileName: name}, badFile)
	if err != nil {
		return err
	}
	if b.State != collect.BatchRejected {
		return fmt.Errorf("%s: the bad upload was %s, want rejected", ds.Name, b.State)
	}
	b, err = d.loadFile(ds, when.Add(40*time.Minute), collect.LoadInput{Channel: collect.ChannelUpload, Mode: collect.ModeIncremental, Format: collect.FormatCSV,
		FileName: strings.TrimSuffix(name, ".csv") + "_更正.csv"}, good)
	if err != nil {
		return err
	}
	if b.State != collect.BatchLoaded {
		return fmt.Errorf("%s: the corrected upload was %s", ds.Name, b.State)
	}

	// 江门市食品经营许可信息: the licensing system pushes the day's licences as JSON lines.
	ds = d.datasets[dsPushed]
	t = d.table(ds)
	if taken, err = d.loadTwice(ds, notBefore(d.now.Add(-9*24*time.Hour), ds), d.now.Add(-30*time.Hour)); err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, row := range t.rows(40, taken) {
		obj := map[string]string{}
		for i, it := range t.cols {
			obj[it.Name] = row[i]
		}
		line, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		buf.Write(append(line, '\n'))
	}
	when = d.now.Add(-3 * time.Hour).Truncate(time.Minute)
	b, err = d.loadFile(ds, when, collect.LoadInput{Channel: collect.ChannelPush, Mode: collect.ModeIncremental, Format: collect.FormatJSONL,
		ClientBatchID: "SPJY-" + when.In(calendar.Shanghai).Format("20060102") + "-001"}, buf.Bytes())
	if err != nil {
		return err
	}
	if b.State != collect.BatchLoaded {
		return fmt.Errorf("%s: the push was %s", ds.Name, b.State)
	}
	return nil
}

// wrongCheck returns the ID number with another check character.
func wrongCheck(id string) string {
	c := id[17]
	switch {
	case c == 'X':
		c = '0'
	case c == '9':
		c = 'X'
	default:
		c++
	}
	return id[:17] + string(c)
}

// csvFile writes rows as a GBK CSV file with a header of item names.
func csvFile(t *table, rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	enc := transform.NewWriter(&buf, simplifiedchinese.GBK.NewEncoder())
	w := csv.NewWriter(enc)
	header := make([]string, len(t.cols))
	for i, it := range t.cols {
		header[i] = it.Name
	}
	_ = w.Write(header)
	for _, row := range rows {
		_ = w.Write(row[:len(t.cols)])
	}
	w.Flush()
	if err := errors.Join(w.Error(), enc.Close()); err != nil {
		return nil, fmt.Errorf("%s as GBK: %w", t.ds.Name, err)
	}
	return buf.Bytes(), nil
}
