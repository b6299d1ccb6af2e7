// Package demo loads a realistic Guangdong into a fresh node: the province
// and the cities of Jiangmen, Meizhou and Huizhou with their authorities,
// agencies of the kinds the measures name, an account for every role, cases
// in every state (one overdue, with its supervision notice), and synthetic
// people and enterprises whose ID numbers (GB 11643) and credit codes
// (GB 32100) pass their checksums, loaded into the catalog's datasets with
// a load history (collect.go), and the sharing exchange's requests, grants
// and weeks of gateway calls (share.go).
package demo

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/ident"
	"pubdata/internal/org"
)

// Password is every demo account's password.
const Password = "Pubdata#2026"

// Account is a demo login.
type Account struct {
	Username    string
	Role        auth.Role
	Description string
}

// Cities of the demo with their rule profiles' measures.
var Cities = []struct{ Code, Short string }{
	{"440700", "jm"}, // 江门 (JM)
	{"441400", "mz"}, // 梅州 (MZ)
	{"441300", "hz"}, // 惠州 (HZ)
}

// provincial agencies: name, sector, GB 32100 department and category.
var provincial = []struct {
	name, sector string
	dept, cat    byte
	public       bool
}{
	{"广东省公安厅", "公安", '1', '1', false},
	{"广东省民政厅", "民政", '1', '1', false},
	{"广东省人力资源和社会保障厅", "人力资源社会保障", '1', '1', false},
	{"广东省卫生健康委员会", "卫生健康", '1', '1', false},
	{"广东省教育厅", "教育", '1', '1', false},
	{"广东省市场监督管理局", "市场监督管理", '1', '1', false},
	{"广东省自然资源厅", "自然资源", '1', '1', false},
	{"国家税务总局广东省税务局", "税务", '1', '1', false},
	{"广东省住房和城乡建设厅", "住房城乡建设", '1', '1', false},
	{"广东省残疾人联合会", "残联", '1', '3', false},
	{"广东省农业农村厅", "农业农村", '1', '1', false},
	{"广东省气象局", "气象", '1', '1', false},
	{"广东省林业局", "林业", '1', '1', false},
	{"广东省水利厅", "水利", '1', '1', false},
	{"广东省交通集团有限公司", "交通运输", '9', '1', true},
}

// city agencies, named after the city.
var municipal = []struct {
	suffix, sector string
	dept, cat      byte
	public         bool
}{
	{"公安局", "公安", '1', '1', false},
	{"民政局", "民政", '1', '1', false},
	{"人力资源和社会保障局", "人力资源社会保障", '1', '1', false},
	{"卫生健康局", "卫生健康", '1', '1', false},
	{"市场监督管理局", "市场监督管理", '1', '1', false},
	{"住房公积金管理中心", "住房公积金", '1', '2', false},
	{"自然资源局", "自然资源", '1', '1', false},
	{"供水有限公司", "供水", '9', '1', true},
}

// Load fills a fresh node with the demo: the whole catalog and the
// collection demo at full size. It is not idempotent: run it once on an
// empty database (pubdata demo starts from a fresh one).
func Load(ctx context.Context, a *app.App) ([]Account, error) {
	return LoadWith(ctx, a, Options{Catalog: true, Data: true})
}

// Options choose how much of the demo to load.
type Options struct {
	// Catalog loads the whole published catalog (157 entries); without it
	// only the entries of the review scenarios are made. Tests that do not
	// look at the catalog load the smaller demo, which is several times faster.
	Catalog bool
	// Data loads synthetic rows into the published catalog's datasets (see
	// collect.go): the base databases, a load history, quality snapshots, a
	// stale dataset and a rejected batch. It implies Catalog.
	Data bool
	// Persons and Enterprises size the population of the collection demo;
	// 0 means DefaultPersons and DefaultEnterprises. Tests load fewer.
	Persons, Enterprises int
}

// LoadWith is Load with options.
func LoadWith(ctx context.Context, a *app.App, opt Options) ([]Account, error) {
	res, err := LoadAll(ctx, a, opt)
	return res.Accounts, err
}

// Result is what a demo load made that pubdata demo shows.
type Result struct {
	Accounts []Account
	// Share is the sharing demo's credential and gateway calls; it is made
	// with Options.Data only (the light demo holds no sharing data: the
	// sharing tests build their own world on it).
	Share *ShareDemo
}

// LoadAll is LoadWith returning all the demo made.
func LoadAll(ctx context.Context, a *app.App, opt Options) (Result, error) {
	if opt.Data {
		opt.Catalog = true
	}
	r := rand.New(rand.NewPCG(2026, 1125))
	sys := audit.System()
	sys.Jurisdiction = org.ProvinceCode
	agencies := map[string]org.Agency{} // by name
	add := func(name, sector, juris string, dept, cat byte, public bool, cdo string) error {
		ag, err := a.Orgs.CreateAgency(ctx, sys, org.AgencyInput{
			CreditCode: ident.GenerateCreditCode(r, dept, cat, juris), Name: name, Sector: sector, JurisdictionCode: juris,
			PublicEnterprise: public, CDOName: cdo, CDOTitle: "首席数据官",
		})
		if err != nil {
			return fmt.Errorf("agency %s: %w", name, err)
		}
		agencies[name] = ag
		return nil
	}
	for _, p := range provincial {
		if err := add(p.name, p.sector, org.ProvinceCode, p.dept, p.cat, p.public, ident.RandomChineseName(r)); err != nil {
			return Result{}, err
		}
	}
	for _, c := range Cities {
		j, err := a.Orgs.Jurisdiction(ctx, c.Code)
		if err != nil {
			return Result{}, err
		}
		for _, m := range municipal {
			if err := add(j.Name+m.suffix, m.sector, c.Code, m.dept, m.cat, m.public, ident.RandomChineseName(r)); err != nil {
				return Result{}, err
			}
		}
	}
	// A county of Huizhou, added as an administrator would.
	if _, err := a.Orgs.AddJurisdiction(ctx, sys, "441322", ""); err != nil {
		return Result{}, err
	}

	var accounts []Account
	user := func(username, role, agency, juris, desc string) error {
		in := auth.NewUser{Username: username, DisplayName: ident.RandomChineseName(r), Role: role, Jurisdiction: juris, Password: Password}
		if agency != "" {
			in.AgencyCode = agencies[agency].CreditCode
		}
		if _, err := a.Accounts.CreateUser(ctx, sys, in); err != nil {
			return fmt.Errorf("user %s: %w", username, err)
		}
		accounts = append(accounts, Account{Username: username, Role: auth.Role(role), Description: desc})
		return nil
	}
	users := []struct{ username, role, agency, juris, desc string }{
		{"admin", "admin", "", org.ProvinceCode, "系统管理员（广东省）"},
		{"auditor", "auditor", "", org.ProvinceCode, "安全审计员（广东省）"},
		{"gd.reviewer", "authority_reviewer", "", org.ProvinceCode, "广东省政务服务和数据管理局 审核员"},
		{"jm.reviewer", "authority_reviewer", "", "440700", "江门市政务服务和数据管理局 审核员"},
		{"mz.reviewer", "authority_reviewer", "", "441400", "梅州市政务服务和数据管理局 审核员"},
		{"hz.reviewer", "authority_reviewer", "", "441300", "惠州市政务服务和数据管理局 审核员"},
		{"gd.police", "agency_officer", "广东省公安厅", "", "广东省公安厅 数据管理员"},
		{"gd.civil", "agency_officer", "广东省民政厅", "", "广东省民政厅 数据管理员"},
		{"gd.hrss", "agency_officer", "广东省人力资源和社会保障厅", "", "广东省人力资源和社会保障厅 数据管理员"},
		{"gd.hrss.user", "agency_user", "广东省人力资源和社会保障厅", "", "广东省人力资源和社会保障厅 数据使用人员"},
		{"gd.cdo", "chief_data_officer", "广东省公安厅", "", "广东省公安厅 首席数据官"},
		{"jm.police", "agency_officer", "江门市公安局", "", "江门市公安局 数据管理员"},
		{"mz.police", "agency_officer", "梅州市公安局", "", "梅州市公安局 数据管理员"},
		{"hz.police", "agency_officer", "惠州市公安局", "", "惠州市公安局 数据管理员"},
		{"hz.health", "agency_officer", "惠州市卫生健康局", "", "惠州市卫生健康局 数据管理员"},
		{"hz.health.user", "agency_user", "惠州市卫生健康局", "", "惠州市卫生健康局 数据使用人员"},
		{"public", "public_user", "", "", "公共数据利用主体（实名用户）"},
		{"subject", "data_subject", "", "", "数据主体（市民）"},
	}
	for _, u := range users {
		if err := user(u.username, u.role, u.agency, u.juris, u.desc); err != nil {
			return Result{}, err
		}
	}
	if err := catalogReviews(ctx, a, opt.Catalog); err != nil {
		return Result{}, err
	}
	if err := cases(ctx, a, agencies); err != nil {
		return Result{}, err
	}
	res := Result{Accounts: accounts}
	if opt.Data {
		if err := loadData(ctx, a, opt); err != nil {
			return Result{}, fmt.Errorf("demo data: %w", err)
		}
		sh, err := loadShare(ctx, a)
		if err != nil {
			return Result{}, err
		}
		res.Share = sh
	}
	if err := writePeople(a.Cfg.DataDir, r, 10000, 2000); err != nil {
		return Result{}, err
	}
	return res, nil
}

func actorOf(ctx context.Context, a *app.App, username string) (audit.Actor, error) {
	u, err := a.Accounts.UserByName(ctx, username)
	if err != nil {
		return audit.Actor{}, err
	}
	return (&auth.Principal{User: u}).Actor("127.0.0.1", "demo"), nil
}

// cases runs the overdue scan over the cases the demo opened (the catalog
// reviews, one of them late), so that late cases raise their supervision
// notices. Conditional share requests are cases the sharing service opens
// for a request (share_conditional is DomainOnly); the sharing demo makes
// them through real requests.
func cases(ctx context.Context, a *app.App, _ map[string]org.Agency) error {
	_, err := a.Cases.MarkOverdue(ctx, time.Now())
	return err
}

// writePeople writes synthetic natural persons and enterprises, with valid
// check characters, to DATA/demo/ for the collection demo to load.
func writePeople(dir string, r *rand.Rand, persons, enterprises int) error {
	out := filepath.Join(dir, "demo")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	regions := []string{}
	for _, c := range Cities {
		for _, d := range ident.ChildDivisions(c.Code) {
			regions = append(regions, d.Code)
		}
	}
	f, err := os.Create(filepath.Join(out, "persons.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"身份证号", "姓名", "性别", "出生日期", "户籍地区划", "手机号"})
	for i := 0; i < persons; i++ {
		region := regions[r.IntN(len(regions))]
		id := ident.RandomResidentID(r, region)
		p, _ := ident.ParseResidentID(id)
		sex := "男"
		if p.Sex == "female" {
			sex = "女"
		}
		_ = w.Write([]string{id, ident.RandomChineseName(r), sex, p.Birth.Format("2006-01-02"), region, ident.RandomMobile(r)})
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		return err
	}
	f, err = os.Create(filepath.Join(out, "enterprises.csv"))
	if err != nil {
		return err
	}
	w = csv.NewWriter(f)
	_ = w.Write([]string{"统一社会信用代码", "名称", "法定代表人", "登记机关区划", "成立日期"})
	words := []string{"华南", "岭南", "粤海", "珠江", "东江", "侨乡", "客都", "南粤", "鹏程", "嘉应"}
	trades := []string{"科技", "贸易", "建筑工程", "食品", "物流", "电子", "农业发展", "文化传媒"}
	for i := 0; i < enterprises; i++ {
		region := regions[r.IntN(len(regions))]
		d, _ := ident.LookupDivision(region)
		name := d.Name + words[r.IntN(len(words))] + trades[r.IntN(len(trades))] + "有限公司" + strconv.Itoa(i)
		founded := time.Date(1995+r.IntN(30), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		_ = w.Write([]string{ident.GenerateCreditCode(r, '9', '1', region), name, ident.RandomChineseName(r), region, founded.Format("2006-01-02")})
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}
