package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/org"
)

// person returns the items of a natural-person dataset: the ID number as
// key (sourced by 公安 only), a name, and extra items.
func personItems(source bool, extra ...catalog.Item) []catalog.Item {
	items := []catalog.Item{
		{Name: "公民身份号码", Type: catalog.TypeChar, Length: 18, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Key: true, KeyKind: catalog.KeyResidentID, Element: "公民身份号码", Source: source, Required: true},
		{Name: "姓名", Type: catalog.TypeChar, Length: 50, Grade: "general-3", Personal: true, PersonalKind: "身份信息", Element: "姓名", Source: source, Required: true},
	}
	return append(items, extra...)
}

// reviewScenario is a catalog entry driven through review in the demo.
type reviewScenario struct {
	officer  string
	meta     catalog.Metadata
	ago      time.Duration // submitted this long ago
	reviewer string        // "" leaves it in review
	action   string        // approve or return
	reasons  string
}

func catalogScenarios() []reviewScenario {
	base := func(name, class, summary string, st catalog.ShareType, items []catalog.Item) catalog.Metadata {
		m := catalog.Metadata{Name: name, ClassCode: class, Summary: summary, DataForm: catalog.FormDatabase, Format: "RDBMS", Items: items,
			ShareType: st, ShareScope: "全省各级公共管理和服务机构", ShareModes: []catalog.ShareMode{catalog.ModeAPI, catalog.ModePlatformDB},
			OpenAttr: catalog.OpenNone, UpdateFreq: catalog.FreqDaily, CollectingAgency: "本机构", VerifyingAgency: "本机构", ProvidingAgency: "本机构",
			SourceSystem: "业务系统", Keywords: []string{"基础数据"}}
		if st == catalog.ShareConditional {
			m.ShareBasis = "《广东省公共数据管理办法》第十三条"
			m.ShareConditions = "仅限依法履职需要，按最小必要原则申请"
		}
		return m
	}
	return []reviewScenario{
		{officer: "gd.police", meta: base("人口基本信息（户籍登记信息）", "1010100100001", "全省户籍人口的身份、户籍登记信息", catalog.ShareConditional,
			personItems(true, catalog.Item{Name: "户籍地址", Type: catalog.TypeChar, Length: 200, Grade: "general-3", Personal: true, PersonalKind: "地址", Element: "户籍地址", Source: true})),
			ago: 2 * time.Hour},
		{officer: "gd.civil", meta: base("婚姻登记信息", "1010200100001", "全省婚姻登记（结婚、离婚）记录", catalog.ShareConditional,
			personItems(false, catalog.Item{Name: "婚姻登记类型", Type: catalog.TypeChar, Length: 10, Grade: "general-3", Personal: true, Element: "婚姻登记类型", Source: true},
				catalog.Item{Name: "登记日期", Type: catalog.TypeDate, Grade: "general-2"})),
			ago: 30 * 24 * time.Hour}, // overdue review
		{officer: "gd.hrss", meta: base("社会保险参保信息", "1010300100001", "企业职工基本养老保险等参保登记信息", catalog.ShareConditional,
			personItems(false, catalog.Item{Name: "参保状态", Type: catalog.TypeChar, Length: 10, Grade: "general-2", Element: "参保状态", Source: true})),
			ago: 3 * 24 * time.Hour, reviewer: "gd.reviewer", action: "return", reasons: "共享条件未写明依据条款，请补充（GD-290 §13）"},
		{officer: "hz.police", meta: base("惠州市居住证信息", "3441300100001", "惠州市居住证办理与签注信息", catalog.ShareConditional,
			personItems(false, catalog.Item{Name: "居住证号码", Type: catalog.TypeChar, Length: 30, Grade: "general-3", Personal: true, Element: "居住证号码", Source: true})),
			ago: 24 * time.Hour, reviewer: "hz.reviewer", action: "approve"},
	}
}

// catalogReviews drafts, submits and decides the demo's catalog entries.
func catalogReviews(ctx context.Context, a *app.App, full bool) error {
	now := time.Now()
	defer a.Cases.SetClock(time.Now)
	for _, s := range catalogScenarios() {
		who, err := actorOf(ctx, a, s.officer)
		if err != nil {
			return err
		}
		a.Cases.SetClock(func() time.Time { return now.Add(-s.ago) })
		e, err := a.Catalog.Create(ctx, who, s.meta)
		if err != nil {
			return fmt.Errorf("demo entry %s: %w", s.meta.Name, err)
		}
		if _, err := a.Catalog.Submit(ctx, who, e.ID); err != nil {
			return fmt.Errorf("demo entry %s: submit: %w", s.meta.Name, err)
		}
		if s.reviewer == "" {
			continue
		}
		rev, err := actorOf(ctx, a, s.reviewer)
		if err != nil {
			return err
		}
		a.Cases.SetClock(func() time.Time { return now.Add(-s.ago + time.Hour) })
		if _, err := a.Catalog.Review(ctx, rev, e.ID, s.action, s.reasons); err != nil {
			return fmt.Errorf("demo entry %s: %s: %w", s.meta.Name, s.action, err)
		}
	}
	if !full {
		return nil
	}
	return publishedCatalog(ctx, a, now)
}

// The published catalog: entries generated from the vocabulary below for
// every demo agency, province and cities, with the base databases of
// GD-290 §18–20 sourced from their legal source departments (一数一源: only
// the legal source marks an item Source, so the element register fills
// with the right departments and no conflict arises).

// tpl is a kind of dataset an agency of a sector keeps.
type tpl struct {
	name      string // without the city prefix
	class     string // 13-digit classification code for base (1) and theme (2) entries; "" for a department entry (3)
	summary   string // {a} is the area: 全省 or the city
	items     []string
	keywords  []string
	form      catalog.DataForm
	format    string
	freq      catalog.UpdateFreq
	system    string
	basis     string // the legal basis of the duty (GD-290 §18–20 for base data)
	notShared string // the law a not-shared listing cites (GD-290 §13)
	level     byte   // p province, c every city, m Meizhou only
}

// Shorthand items: name|type+length|grade|options, grade c core, i
// important, 4..1 general-4..general-1; options p:kind personal, key:kind,
// el:element, src (the legal source), req (required), fmt:format (the
// identifier format values must follow).
const (
	itID   = "公民身份号码|C18|3|p:身份信息|key:resident_id|el:公民身份号码|req"
	itName = "姓名|C50|3|p:身份信息|el:姓名|req"
	itUSCC = "统一社会信用代码|C18|1|key:credit_code|el:统一社会信用代码|req"
	itDate = "登记日期|D|2"
)

const (
	basisIDCard     = "《中华人民共和国居民身份证法》；《中华人民共和国户口登记条例》"
	condPersonal    = "仅限依法履行职责需要，按最小必要原则申请，用于身份核验、资格认定等经审定的应用场景；不得用于约定以外用途"
	condEnterprise  = "仅限依法履行监管和服务职责需要，按最小必要原则申请"
	shareBasisProv  = "《中华人民共和国个人信息保护法》第十三条、第三十四条；《广东省公共数据管理办法》第十三条"
	shareBasisOrg   = "《广东省公共数据管理办法》第十二条、第十三条"
	openConditional = "利用主体经实名认证并签订数据开放利用协议后，通过省公共数据开放平台以接口方式获取，限用于协议约定的场景"
)

var sectorTemplates = map[string][]tpl{
	"公安": {
		{name: "户籍人口基本信息", class: "1010100100001", summary: "{a}户籍人口的身份、户籍登记和迁移信息（自然人基础库户籍登记属性组的数源）", level: 'p',
			items: []string{itID, itName, "性别|C2|3|p:身份信息", "出生日期|D|3|p:身份信息", "民族|C20|3|p:身份信息", "户籍地址|C200|3|p:地址|el:户籍地址",
				"户籍地行政区划代码|C6|2|fmt:division", "户籍派出所|C100|2", "迁入日期|D|3"},
			keywords: []string{"户籍", "人口", "基础数据"}, form: catalog.FormDatabase, format: "ORACLE", freq: catalog.FreqDaily, system: "广东省人口信息管理系统",
			basis: "《广东省公共数据管理办法》第十八条第（一）项；" + basisIDCard},
		{name: "流动人口居住登记信息", class: "1010400100001", summary: "{a}流动人口居住登记、居住变更登记信息", level: 'p',
			items:    []string{itID, itName, "居住登记地址|C200|3|p:地址|el:居住登记地址|src", "居住登记日期|D|2|el:居住登记日期|src", "登记机关|C100|1"},
			keywords: []string{"流动人口", "居住登记", "人口"}, freq: catalog.FreqDaily, system: "广东省流动人口服务管理信息系统",
			basis: "《广东省公共数据管理办法》第十八条第（二）项；《居住证暂行条例》"},
		{name: "户口注销信息", class: "1010500100001", summary: "{a}因死亡、出国（境）定居等原因注销户口的登记信息", level: 'p',
			items:    []string{itID, itName, "户口注销原因|C20|3|el:户口注销原因|src", "注销日期|D|3|el:户口注销日期|src"},
			keywords: []string{"户籍", "户口注销", "死亡"}, freq: catalog.FreqDaily, system: "广东省人口信息管理系统",
			basis: "《广东省公共数据管理办法》第十八条第（一）项、第（四）项；" + basisIDCard},
		{name: "机动车登记信息", summary: "{a}机动车注册、转移、变更、注销登记信息", level: 'p',
			items:    []string{"号牌号码|C15|3|el:机动车号牌号码|src|req", "号牌种类|C2|2", "车辆类型|C10|2", "所有人姓名|C100|3|p:身份信息", "所有人证件号码|C18|3|p:身份信息|key:resident_id|el:公民身份号码", "初次登记日期|D|2"},
			keywords: []string{"机动车", "车辆", "交通管理"}, freq: catalog.FreqDaily, system: "公安交通管理综合应用平台",
			basis: "《中华人民共和国道路交通安全法》第八条；《机动车登记规定》"},
		{name: "公安重点管控人员信息", summary: "{a}公安机关依法管控的重点人员信息", level: 'p',
			items:    []string{itID, itName, "管控类别|C20|c|p:特定身份", "列管单位|C100|i"},
			keywords: []string{"重点人员", "治安"}, freq: catalog.FreqRealtime, system: "公安综合信息系统",
			basis: "《中华人民共和国人民警察法》第六条", notShared: "《中华人民共和国反恐怖主义法》第四十八条；《中华人民共和国保守国家秘密法》"},
		{name: "户籍人口信息", summary: "{a}户籍人口的户籍登记、迁移信息（取自省人口基础库，数源为广东省公安厅）", level: 'c',
			items:    []string{itID, itName, "户籍地址|C200|3|p:地址|el:户籍地址", "迁入日期|D|3", "户籍派出所|C100|2"},
			keywords: []string{"户籍", "人口", "迁移"}, freq: catalog.FreqDaily, system: "人口信息管理系统", basis: basisIDCard},
		{name: "交通违法处理信息", summary: "{a}道路交通安全违法行为处理信息", level: 'c',
			items:    []string{"决定书编号|C30|3|key:other", "号牌号码|C15|3|el:机动车号牌号码", "违法行为|C200|2", "违法时间|T|2", "违法地点|C200|2", "处理结果|C100|3"},
			keywords: []string{"交通违法", "机动车"}, freq: catalog.FreqDaily, system: "公安交通管理综合应用平台", basis: "《中华人民共和国道路交通安全法》第八十七条"},
		{name: "出入境证件受理点信息", summary: "{a}出入境证件受理点名称、地址、办公时间", level: 'c',
			items:    []string{"受理点名称|C100|1|req", "地址|C200|1", "办公时间|C100|1", "咨询电话|C30|1", "经度|F|1", "纬度|F|1"},
			keywords: []string{"出入境", "办事指南", "网点"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqIrregular, system: "政务服务事项管理系统",
			basis: "《中华人民共和国政府信息公开条例》第二十条"},
		{name: "户政业务办理网点信息", summary: "{a}户政业务办理网点及可办事项", level: 'c',
			items:    []string{"网点名称|C100|1|req", "所属派出所|C100|1", "地址|C200|1", "可办事项|M|1", "办公时间|C100|1"},
			keywords: []string{"户政", "网点", "户籍"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqMonthly, system: "政务服务事项管理系统",
			basis: "《中华人民共和国政府信息公开条例》第二十条"},
	},
	"民政": {
		{name: "内地居民婚姻登记信息", class: "1010200100001", summary: "{a}内地居民结婚登记、离婚登记信息（每人最近一次登记）", level: 'p',
			items:    []string{itID, itName, "婚姻登记类型|C10|3|p:身份信息|el:婚姻登记类型", "配偶姓名|C50|3|p:身份信息", "婚姻登记日期|D|3", "婚姻登记机关|C100|2"},
			keywords: []string{"婚姻", "婚姻登记", "结婚", "离婚"}, form: catalog.FormDatabase, format: "PostgreSQL", freq: catalog.FreqDaily, system: "全国婚姻登记信息系统（广东）",
			basis: "《广东省公共数据管理办法》第十八条第（三）项；《婚姻登记条例》"},
		{name: "收养登记信息", class: "1010200200001", summary: "{a}内地居民收养登记、解除收养关系登记信息", level: 'p',
			items:    []string{"收养人公民身份号码|C18|4|p:身份信息|key:resident_id|el:公民身份号码|req", "收养人姓名|C50|4|p:身份信息", "被收养人姓名|C50|4|p:未成年人信息", "收养登记证字号|C30|4|el:收养登记证字号|src", "登记日期|D|3"},
			keywords: []string{"收养", "收养登记", "婚姻家庭"}, freq: catalog.FreqDaily, system: "全国婚姻收养登记管理信息系统（广东）",
			basis: "《广东省公共数据管理办法》第十八条第（三）项；《中华人民共和国民法典》第一千一百零五条"},
		{name: "最低生活保障对象信息", class: "1010600100001", summary: "{a}城乡最低生活保障对象及保障金发放信息", level: 'p',
			items:    []string{itID, itName, "低保证编号|C30|3|el:最低生活保障证编号|src", "保障人数|I|3", "月保障金额|Y|3|p:财产信息", "保障起始日期|D|3|el:最低生活保障起始日期|src"},
			keywords: []string{"低保", "社会救助", "最低生活保障"}, freq: catalog.FreqMonthly, system: "广东省社会救助信息管理系统",
			basis: "《广东省公共数据管理办法》第十八条第（六）项；《社会救助暂行办法》第九条"},
		{name: "指定监护信息", class: "1011000100001", summary: "{a}民政部门、乡镇人民政府和街道办事处指定监护的登记信息", level: 'p',
			items:    []string{"被监护人公民身份号码|C18|4|p:身份信息|key:resident_id|el:公民身份号码|req", "被监护人姓名|C50|4|p:未成年人信息", "监护人姓名|C50|3|p:身份信息", "指定监护类型|C20|4|el:指定监护类型|src", "指定日期|D|3"},
			keywords: []string{"监护", "未成年人保护"}, freq: catalog.FreqIrregular, system: "广东省儿童福利信息系统",
			basis: "《广东省公共数据管理办法》第十八条第（十）项；《中华人民共和国民法典》第三十一条"},
		{name: "社会组织登记信息", class: "1020200100001", summary: "{a}社会团体、民办非企业单位、基金会登记信息", level: 'p',
			items:    []string{itUSCC, "社会组织名称|C200|1|el:社会组织名称|src|req", "社会组织类型|C20|1", "业务主管单位|C100|1", "法定代表人|C50|2|p:身份信息", "成立登记日期|D|1|el:社会组织成立登记日期|src", "登记状态|C10|1"},
			keywords: []string{"社会组织", "社会团体", "基金会", "民办非企业单位"}, freq: catalog.FreqDaily, system: "广东省社会组织管理信息系统",
			basis: "《广东省公共数据管理办法》第十九条第（二）项、第（四）项；《社会团体登记管理条例》"},
		{name: "养老机构信息", summary: "{a}养老机构名称、床位数、服务内容", level: 'p',
			items:    []string{itUSCC, "机构名称|C200|1|req", "地址|C200|1", "床位数|I|1", "服务类型|C50|1", "联系电话|C30|1"},
			keywords: []string{"养老", "养老机构", "民生"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqMonthly, system: "全国养老服务信息系统（广东）",
			basis: "《养老机构管理办法》"},
		{name: "城乡低保对象信息", summary: "{a}城乡最低生活保障对象信息（数源为广东省民政厅）", level: 'c',
			items:    []string{itID, itName, "低保证编号|C30|3|el:最低生活保障证编号", "所在镇街|C100|3|p:地址", "月保障金额|Y|3|p:财产信息"},
			keywords: []string{"低保", "社会救助"}, freq: catalog.FreqMonthly, system: "社会救助信息管理系统", basis: "《社会救助暂行办法》第九条"},
		{name: "特困人员供养信息", summary: "{a}特困人员认定及供养信息", level: 'c',
			items:    []string{itID, itName, "供养方式|C10|3", "认定日期|D|3", "供养标准|Y|3|p:财产信息"},
			keywords: []string{"特困", "社会救助", "供养"}, freq: catalog.FreqMonthly, system: "社会救助信息管理系统", basis: "《社会救助暂行办法》第十四条"},
		{name: "养老服务机构信息", summary: "{a}养老服务机构、长者饭堂、社区居家养老服务站点", level: 'c',
			items:    []string{"机构名称|C200|1|req", "类型|C20|1", "地址|C200|1", "床位数|I|1", "联系电话|C30|1"},
			keywords: []string{"养老", "长者饭堂", "民生"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqQuarterly, system: "养老服务信息系统", basis: "《养老机构管理办法》"},
		{name: "殡葬服务机构名录", summary: "{a}殡仪馆、公墓等殡葬服务机构及收费标准", level: 'c',
			items:    []string{"机构名称|C200|1|req", "机构类型|C20|1", "地址|C200|1", "收费标准|M|1"},
			keywords: []string{"殡葬", "公墓", "殡仪馆"}, form: catalog.FormFile, format: "PDF", freq: catalog.FreqAnnual, system: "殡葬管理信息系统", basis: "《殡葬管理条例》"},
	},
	"人力资源社会保障": {
		{name: "社会保障卡信息", class: "1010600200001", summary: "{a}社会保障卡（含电子社保卡）发卡、挂失、补换信息", level: 'p',
			items:    []string{itID, itName, "社会保障卡卡号|C20|3|el:社会保障卡卡号|src", "发卡日期|D|2", "卡状态|C10|2"},
			keywords: []string{"社保卡", "社会保障", "电子社保卡"}, freq: catalog.FreqDaily, system: "广东省社会保障卡管理系统",
			basis: "《广东省公共数据管理办法》第十八条第（六）项；《中华人民共和国社会保险法》第五十八条"},
		{name: "职业资格证书信息", class: "1011100100001", summary: "{a}职业资格证书和职业技能等级证书核发信息", level: 'p',
			items:    []string{itID, itName, "职业资格证书编号|C30|2|el:职业资格证书编号|src", "职业名称|C100|2", "等级|C10|2", "发证日期|D|2"},
			keywords: []string{"职业资格", "技能等级", "证书"}, freq: catalog.FreqDaily, system: "广东省职业技能鉴定管理系统",
			basis: "《广东省公共数据管理办法》第十八条第（十一）项"},
		{name: "技工院校学籍信息", class: "1010700200001", summary: "{a}技工院校学生学籍注册、变动信息", level: 'p',
			items:    []string{itID, itName, "技工院校学籍号|C20|3|el:技工院校学籍号|src", "学校名称|C100|2", "专业|C100|2", "入学日期|D|2"},
			keywords: []string{"技工院校", "学籍", "教育"}, freq: catalog.FreqMonthly, system: "广东省技工院校学籍管理系统",
			basis: "《广东省公共数据管理办法》第十八条第（七）项"},
		{name: "就业登记信息", summary: "{a}劳动者就业登记与用人单位招用信息", level: 'p',
			items:    []string{itID, itName, "用人单位统一社会信用代码|C18|2|key:credit_code|el:统一社会信用代码", "用人单位名称|C200|2", "就业登记日期|D|3"},
			keywords: []string{"就业", "就业登记", "劳动用工"}, freq: catalog.FreqDaily, system: "广东省公共就业服务信息系统", basis: "《就业服务与就业管理规定》第六十二条"},
		{name: "城镇新增就业统计信息", summary: "{a}按月统计的城镇新增就业、失业人员再就业人数", level: 'c',
			items:    []string{"统计月份|C7|1|req", "区县|C50|1", "城镇新增就业人数|I|1", "失业人员再就业人数|I|1"},
			keywords: []string{"就业", "统计"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqMonthly, system: "公共就业服务信息系统", basis: "《中华人民共和国就业促进法》"},
		{name: "失业登记信息", summary: "{a}失业登记及失业保险金申领信息", level: 'c',
			items:    []string{itID, itName, "失业登记日期|D|3", "失业原因|C50|3", "失业保险金领取状态|C10|3"},
			keywords: []string{"失业", "失业保险"}, freq: catalog.FreqDaily, system: "公共就业服务信息系统", basis: "《失业保险条例》"},
		{name: "人力资源服务机构名录", summary: "{a}经营性人力资源服务机构许可和备案信息", level: 'c',
			items:    []string{itUSCC, "机构名称|C200|1|req", "许可证编号|C30|1", "服务范围|M|1", "地址|C200|1"},
			keywords: []string{"人力资源服务", "许可"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqMonthly, system: "人力资源市场信息系统", basis: "《人力资源市场暂行条例》"},
		{name: "劳动人事争议仲裁案件信息", summary: "{a}劳动人事争议仲裁立案、结案信息", level: 'c',
			items:    []string{"案号|C30|3|key:other", "申请人姓名|C50|3|p:身份信息", "被申请人名称|C200|2", "争议类型|C20|3", "结案日期|D|3"},
			keywords: []string{"劳动争议", "仲裁"}, freq: catalog.FreqWeekly, system: "劳动人事争议调解仲裁办案系统", basis: "《中华人民共和国劳动争议调解仲裁法》"},
	},
	"卫生健康": {
		{name: "出生医学证明信息", class: "1010500200001", summary: "{a}出生医学证明签发信息", level: 'p',
			items:    []string{"出生医学证明书编号|C20|3|el:出生医学证明书编号|src|req", "新生儿姓名|C50|3|p:未成年人信息", "出生日期|D|3", "母亲公民身份号码|C18|3|p:身份信息|key:resident_id|el:公民身份号码", "出生地点|C200|3", "签发机构|C100|2"},
			keywords: []string{"出生", "出生医学证明", "出生一件事"}, freq: catalog.FreqDaily, system: "广东省出生医学证明管理系统",
			basis: "《广东省公共数据管理办法》第十八条第（四）项；《中华人民共和国母婴保健法》第二十三条"},
		{name: "死亡医学证明信息", class: "1010500300001", summary: "{a}居民死亡医学证明（推断）书签发信息", level: 'p',
			items:    []string{itID, itName, "死亡医学证明书编号|C20|3|el:死亡医学证明书编号|src", "死亡日期|D|3|el:死亡日期|src", "死亡原因|C200|4|p:医疗健康"},
			keywords: []string{"死亡", "身后事"}, freq: catalog.FreqDaily, system: "广东省人口死亡信息登记管理系统",
			basis: "《广东省公共数据管理办法》第十八条第（四）项"},
		{name: "居民电子健康档案信息", class: "1010800100001", summary: "{a}居民电子健康档案的基本信息和健康摘要", level: 'p',
			items:    []string{itID, itName, "健康档案编号|C30|4|el:居民健康档案编号|src", "既往病史|M|4|p:医疗健康", "建档日期|D|3"},
			keywords: []string{"健康档案", "卫生健康"}, freq: catalog.FreqDaily, system: "广东省全民健康信息平台",
			basis: "《广东省公共数据管理办法》第十八条第（五）项；《中华人民共和国基本医疗卫生与健康促进法》第四十九条"},
		{name: "严重精神障碍患者信息", summary: "{a}严重精神障碍患者登记、随访管理信息", level: 'p',
			items:    []string{itID, itName, "疾病诊断|C100|i|p:医疗健康", "随访记录|M|i|p:医疗健康"},
			keywords: []string{"精神卫生", "随访"}, freq: catalog.FreqDaily, system: "严重精神障碍信息系统", basis: "《中华人民共和国精神卫生法》第二十四条",
			notShared: "《中华人民共和国精神卫生法》第四条：有关单位和个人应当对精神障碍患者的姓名、肖像、住址、工作单位、病历资料以及其他可能推断出其身份的信息予以保密"},
		{name: "医师执业注册信息", class: "1011100200001", summary: "{a}医师执业注册、变更信息", level: 'p',
			items:    []string{"医师姓名|C50|2|p:身份信息", "医师执业证书编码|C30|2|el:医师执业证书编码|src|req", "执业机构|C200|1", "执业类别|C20|1", "执业范围|C100|1"},
			keywords: []string{"医师", "执业注册", "资格证书"}, freq: catalog.FreqDaily, system: "国家医疗机构、医师、护士电子化注册系统（广东）",
			basis: "《广东省公共数据管理办法》第十八条第（十一）项；《中华人民共和国医师法》"},
		{name: "医疗机构执业登记信息", summary: "{a}医疗机构名称、类别、诊疗科目、地址", level: 'c',
			items:    []string{itUSCC, "机构名称|C200|1|req", "机构类别|C50|1", "诊疗科目|M|1", "地址|C200|1", "床位数|I|1"},
			keywords: []string{"医院", "医疗机构", "诊疗科目"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqMonthly, system: "医疗机构注册联网管理系统", basis: "《医疗机构管理条例》"},
		{name: "预防接种门诊信息", summary: "{a}预防接种门诊名称、地址、服务时间", level: 'c',
			items:    []string{"门诊名称|C200|1|req", "地址|C200|1", "服务时间|C100|1", "咨询电话|C30|1"},
			keywords: []string{"疫苗", "预防接种", "门诊"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqQuarterly, system: "免疫规划信息系统", basis: "《中华人民共和国疫苗管理法》"},
		{name: "家庭医生签约服务信息", summary: "{a}家庭医生签约居民、签约团队与服务包信息", level: 'c',
			items:    []string{itID, itName, "签约团队|C100|2", "服务包|C100|3", "签约日期|D|3"},
			keywords: []string{"家庭医生", "签约服务", "基层卫生"}, freq: catalog.FreqDaily, system: "基层医疗卫生信息系统", basis: "《中华人民共和国基本医疗卫生与健康促进法》第三十一条"},
		{name: "孕产妇保健信息", summary: "{a}孕产妇建册、产前检查、产后访视信息", level: 'c',
			items:    []string{itID, itName, "建册日期|D|3", "孕周|I|4|p:医疗健康", "高危因素|C200|4|p:医疗健康"},
			keywords: []string{"孕产妇", "妇幼保健"}, freq: catalog.FreqDaily, system: "妇幼健康信息系统", basis: "《中华人民共和国母婴保健法》"},
	},
	"教育": {
		{name: "中小学学籍信息", class: "1010700100001", summary: "{a}中小学生学籍注册、转学、升级、毕业信息", level: 'p',
			items:    []string{itID, itName, "全国学籍号|C19|3|el:全国学籍号|src|req", "学校名称|C100|2", "年级|C10|3", "入学日期|D|3"},
			keywords: []string{"学籍", "中小学", "教育"}, freq: catalog.FreqMonthly, system: "全国中小学生学籍信息管理系统（广东）",
			basis: "《广东省公共数据管理办法》第十八条第（七）项；《中小学生学籍管理办法》"},
		{name: "学历证书信息", class: "1010700300001", summary: "{a}高等学校、中等职业学校学历证书信息", level: 'p',
			items:    []string{itID, itName, "学历证书编号|C20|2|el:学历证书编号|src", "学校名称|C100|2", "专业|C100|2", "毕业日期|D|2"},
			keywords: []string{"学历", "毕业证书"}, freq: catalog.FreqAnnual, system: "广东省学历证书电子注册系统",
			basis: "《广东省公共数据管理办法》第十八条第（七）项"},
		{name: "教师资格证书信息", class: "1011100300001", summary: "{a}教师资格认定与证书信息", level: 'p',
			items:    []string{itID, itName, "教师资格证书编号|C20|2|el:教师资格证书编号|src", "资格种类|C50|2", "任教学科|C50|2", "认定日期|D|2"},
			keywords: []string{"教师资格", "证书"}, freq: catalog.FreqDaily, system: "中国教师资格网（广东）",
			basis: "《广东省公共数据管理办法》第十八条第（十一）项；《教师资格条例》"},
		{name: "学校基本信息", summary: "{a}各级各类学校名称、办学类型、地址", level: 'p',
			items:    []string{itUSCC, "学校名称|C200|1|req", "办学类型|C20|1", "举办者类型|C20|1", "地址|C200|1"},
			keywords: []string{"学校", "教育", "办学"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqAnnual, system: "教育事业统计系统", basis: "《中华人民共和国教育法》"},
	},
	"市场监督管理": {
		{name: "企业登记信息", class: "1020100100001", summary: "{a}企业设立、变更、注销登记信息", level: 'p',
			items:    []string{"统一社会信用代码|C18|1|key:credit_code|el:统一社会信用代码|src|req", "企业名称|C200|1|el:企业名称|src|req", "企业类型|C50|1", "法定代表人|C50|2|p:身份信息", "注册资本|Y|1", "成立日期|D|1|el:企业成立日期|src", "登记机关|C100|1", "登记状态|C10|1|el:企业登记状态|src"},
			keywords: []string{"企业", "商事登记", "营业执照", "市场主体"}, freq: catalog.FreqDaily, system: "广东省市场监管综合业务系统",
			basis: "《广东省公共数据管理办法》第十九条第（一）项、第（四）项；《中华人民共和国市场主体登记管理条例》"},
		{name: "个体工商户登记信息", class: "1020100200001", summary: "{a}个体工商户登记信息", level: 'p',
			items:    []string{itUSCC, "个体工商户名称|C200|2|el:个体工商户名称|src", "经营者姓名|C50|3|p:身份信息", "经营场所|C200|3", "经营范围|M|1", "成立日期|D|1"},
			keywords: []string{"个体工商户", "市场主体", "营业执照"}, freq: catalog.FreqDaily, system: "广东省市场监管综合业务系统",
			basis: "《广东省公共数据管理办法》第十九条第（一）项；《促进个体工商户发展条例》"},
		{name: "特种设备使用登记信息", summary: "{a}电梯、锅炉、压力容器等特种设备使用登记信息", level: 'p',
			items:    []string{"设备代码|C20|2|key:other|el:特种设备代码|src", "设备类别|C20|1", "使用单位统一社会信用代码|C18|1|key:credit_code|el:统一社会信用代码", "使用单位名称|C200|1", "安装地点|C200|2", "下次检验日期|D|1"},
			keywords: []string{"特种设备", "电梯", "安全监察"}, freq: catalog.FreqDaily, system: "特种设备安全监察信息系统", basis: "《中华人民共和国特种设备安全法》第三十三条"},
		{name: "企业开办一件事联办信息", class: "2010100100001", summary: "{a}企业开办（营业执照、印章刻制、发票申领、社保登记）一件事联办信息", level: 'p',
			items:    []string{itUSCC, "企业名称|C200|1|el:企业名称", "办结时间|T|1", "联办事项|C200|1"},
			keywords: []string{"企业开办", "一件事", "营商环境"}, freq: catalog.FreqRealtime, system: "广东省企业开办一网通办平台", basis: "《优化营商环境条例》"},
		{name: "食品经营许可信息", summary: "{a}食品经营许可证核发、变更、注销信息", level: 'c',
			items:    []string{itUSCC, "经营者名称|C200|1|req", "许可证编号|C20|1", "经营项目|M|1", "有效期至|D|1"},
			keywords: []string{"食品", "许可", "食品安全"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqDaily, system: "食品经营许可管理系统", basis: "《中华人民共和国食品安全法》第三十五条"},
		{name: "行政处罚信息", summary: "{a}市场监管领域行政处罚决定信息", level: 'c',
			items:    []string{itUSCC, "当事人名称|C200|1", "决定书文号|C50|1", "违法行为类型|C100|1", "处罚内容|M|1", "处罚日期|D|1"},
			keywords: []string{"行政处罚", "信用", "市场监管"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqDaily, system: "市场监管综合执法系统", basis: "《中华人民共和国行政处罚法》第四十八条"},
		{name: "计量器具强制检定信息", summary: "{a}强制检定计量器具登记及检定结果", level: 'c',
			items:    []string{itUSCC, "使用单位|C200|1", "器具名称|C100|1", "出厂编号|C50|2", "检定结论|C10|1", "检定日期|D|1"},
			keywords: []string{"计量", "强制检定"}, freq: catalog.FreqMonthly, system: "计量业务管理系统", basis: "《中华人民共和国计量法》第九条"},
		{name: "12315投诉举报信息", summary: "{a}消费者投诉、举报登记与处理信息", level: 'c',
			items:    []string{"登记编号|C30|3|key:other", "投诉人姓名|C50|3|p:身份信息", "联系电话|C20|3|p:联系方式", "被投诉对象|C200|2", "诉求内容|M|3", "处理结果|C200|2"},
			keywords: []string{"12315", "投诉", "消费维权"}, freq: catalog.FreqDaily, system: "全国12315平台（广东）", basis: "《中华人民共和国消费者权益保护法》第三十二条"},
	},
	"自然资源": {
		{name: "不动产登记信息", class: "1030100100001", summary: "{a}不动产首次、变更、转移、注销、抵押登记信息", level: 'p',
			items:    []string{"不动产单元号|C28|3|key:other|el:不动产单元号|src|req", "不动产权证书号|C50|3|el:不动产权证书号|src", "权利人姓名|C200|3|p:身份信息", "权利人证件号码|C18|3|p:身份信息|el:公民身份号码", "坐落|C200|3|p:地址", "面积|F|3", "用途|C20|2"},
			keywords: []string{"不动产", "房产", "不动产登记"}, freq: catalog.FreqRealtime, system: "广东省不动产登记信息管理基础平台",
			basis: "《广东省公共数据管理办法》第二十条；《不动产登记暂行条例》第二十三条"},
		{name: "国土空间规划用途分区信息", class: "1030200100001", summary: "{a}国土空间总体规划用途分区矢量数据", level: 'p',
			items:    []string{"用途分区代码|C10|1|el:国土空间用途分区代码|src|req", "用途分区名称|C50|1", "行政区划代码|C6|1", "面积|F|1", "图斑几何|G|1"},
			keywords: []string{"国土空间规划", "用途分区", "空间地理"}, form: catalog.FormFile, format: "SHP", freq: catalog.FreqAnnual, system: "国土空间基础信息平台",
			basis: "《广东省公共数据管理办法》第二十条；《中华人民共和国土地管理法》第十八条"},
		{name: "土地利用现状调查信息", class: "1030300100001", summary: "{a}国土调查土地利用现状图斑数据", level: 'p',
			items:    []string{"图斑编号|C20|2|el:国土调查图斑编号|src|req", "地类编码|C10|2", "权属性质|C10|2", "图斑面积|F|2", "图斑几何|G|2"},
			keywords: []string{"国土调查", "土地利用", "空间地理"}, form: catalog.FormFile, format: "GDB", freq: catalog.FreqAnnual, system: "国土调查数据库",
			basis: "《广东省公共数据管理办法》第二十条；《土地调查条例》"},
		{name: "采矿权登记信息", class: "1030400100001", summary: "{a}采矿许可证核发、延续、变更信息", level: 'p',
			items:    []string{"采矿许可证号|C30|1|el:采矿许可证号|src|req", "矿山名称|C200|1", "采矿权人|C200|1", "开采矿种|C50|1", "矿区面积|F|1", "有效期至|D|1"},
			keywords: []string{"矿产", "采矿权", "矿业权"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqMonthly, system: "全国矿业权统一配号系统（广东）",
			basis: "《广东省公共数据管理办法》第二十条；《中华人民共和国矿产资源法》"},
		{name: "基础测绘成果（涉密）", summary: "{a}1:2000及更大比例尺涉密基础测绘成果", level: 'p',
			items:    []string{"成果编号|C30|i|key:other", "比例尺|C10|i", "成果类型|C20|i", "成果数据|B|c"},
			keywords: []string{"测绘", "涉密", "地理信息"}, form: catalog.FormNonElectronic, format: "光盘", freq: catalog.FreqIrregular, system: "基础测绘成果管理系统",
			basis: "《中华人民共和国测绘法》第三十三条", notShared: "《中华人民共和国测绘法》第三十四条、第四十七条；《中华人民共和国保守国家秘密法》"},
		{name: "建设用地规划许可信息", summary: "{a}建设用地规划许可证核发信息", level: 'c',
			items:    []string{"许可证编号|C30|1|req", "用地单位|C200|1", "用地位置|C200|1", "用地面积|F|1", "发证日期|D|1"},
			keywords: []string{"规划许可", "建设用地"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqWeekly, system: "国土空间规划审批系统", basis: "《中华人民共和国城乡规划法》第三十七条"},
		{name: "地质灾害隐患点信息", summary: "{a}地质灾害隐患点位置、类型、威胁对象", level: 'c',
			items:    []string{"隐患点编号|C20|2|key:other", "灾害类型|C20|2", "位置|C200|2", "威胁人数|I|2", "经度|F|2", "纬度|F|2"},
			keywords: []string{"地质灾害", "防灾减灾"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqQuarterly, system: "地质灾害防治信息系统", basis: "《地质灾害防治条例》"},
		{name: "国有建设用地供应信息", summary: "{a}国有建设用地出让、划拨结果", level: 'c',
			items:    []string{"项目名称|C200|1|req", "供地方式|C20|1", "土地用途|C50|1", "面积|F|1", "成交价格|Y|1", "签订日期|D|1"},
			keywords: []string{"土地供应", "土地出让"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqMonthly, system: "土地市场动态监测与监管系统", basis: "《中华人民共和国土地管理法》"},
	},
	"税务": {
		{name: "社会保险费缴费信息", class: "1010600300001", summary: "{a}社会保险费申报、缴费信息", level: 'p',
			items:    []string{itID, itName, "缴费险种|C20|3", "缴费基数|Y|4|p:财产信息", "缴费金额|Y|4|p:财产信息|el:社会保险费缴费金额|src", "费款所属期|C7|3"},
			keywords: []string{"社保费", "社会保险", "缴费"}, freq: catalog.FreqDaily, system: "金税工程社保费管理子系统（广东）",
			basis: "《广东省公共数据管理办法》第十八条第（六）项；《中华人民共和国社会保险法》"},
		{name: "纳税信用等级信息", summary: "{a}纳税信用A级纳税人名单", level: 'p',
			items:    []string{itUSCC, "纳税人名称|C200|1|req", "纳税信用等级|C2|1|el:纳税信用等级|src", "评价年度|C4|1"},
			keywords: []string{"纳税信用", "信用", "A级纳税人"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqAnnual, system: "金税工程纳税信用管理系统", basis: "《纳税信用管理办法（试行）》"},
		{name: "欠税公告信息", summary: "{a}欠缴税款纳税人及欠税金额公告", level: 'p',
			items:    []string{itUSCC, "纳税人名称|C200|1", "欠税税种|C50|1", "欠税余额|Y|1", "公告日期|D|1"},
			keywords: []string{"欠税", "税收", "信用"}, form: catalog.FormFile, format: "PDF", freq: catalog.FreqQuarterly, system: "金税工程征管系统", basis: "《中华人民共和国税收征收管理法》第四十五条"},
		{name: "企业纳税申报信息", summary: "{a}企业增值税、企业所得税纳税申报汇总信息", level: 'p',
			items:    []string{itUSCC, "纳税人名称|C200|1", "申报税种|C50|3", "应纳税额|Y|4", "所属期|C7|3"},
			keywords: []string{"纳税申报", "税收"}, freq: catalog.FreqMonthly, system: "金税工程征管系统", basis: "《中华人民共和国税收征收管理法》第二十五条"},
	},
	"住房城乡建设": {
		{name: "建筑业企业资质信息", summary: "{a}建筑业企业资质证书核发、变更信息", level: 'p',
			items:    []string{itUSCC, "企业名称|C200|1|el:企业名称", "资质证书编号|C30|1|el:建筑业企业资质证书编号|src", "资质类别及等级|C200|1", "有效期至|D|1"},
			keywords: []string{"建筑业", "资质", "建设"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqDaily, system: "广东省住房城乡建设行政审批系统", basis: "《建筑业企业资质管理规定》"},
		{name: "商品房预售许可信息", summary: "{a}商品房预售许可证核发信息", level: 'p',
			items:    []string{"预售许可证号|C30|1|req", "项目名称|C200|1", "开发企业|C200|1", "预售面积|F|1", "发证日期|D|1"},
			keywords: []string{"商品房", "预售", "房地产"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqDaily, system: "房地产市场监管系统", basis: "《城市商品房预售管理办法》"},
		{name: "商品房网签备案信息", summary: "{a}商品房买卖合同网签备案信息", level: 'p',
			items:    []string{"合同备案号|C30|3|key:other", "买受人姓名|C200|3|p:身份信息", "买受人证件号码|C18|3|p:身份信息|el:公民身份号码", "房屋坐落|C200|3|p:地址", "成交价格|Y|3|p:财产信息", "备案日期|D|2"},
			keywords: []string{"网签", "商品房", "房地产"}, freq: catalog.FreqRealtime, system: "房地产市场监管系统", basis: "《城市房地产管理法》第四十五条"},
		{name: "物业服务企业信息", summary: "{a}物业服务企业及其在管项目信息", level: 'p',
			items:    []string{itUSCC, "企业名称|C200|1", "在管项目数|I|1", "联系电话|C30|1"},
			keywords: []string{"物业", "物业服务"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqQuarterly, system: "物业管理信息系统", basis: "《物业管理条例》"},
	},
	"残联": {
		{name: "残疾人登记信息", class: "1010900100001", summary: "{a}残疾人证核发、换发及残疾类别等级信息", level: 'p',
			items:    []string{itID, itName, "残疾人证号|C20|4|el:残疾人证号|src|req", "残疾类别|C10|4|p:医疗健康|el:残疾类别|src", "残疾等级|C10|4|p:医疗健康|el:残疾等级|src", "发证日期|D|3"},
			keywords: []string{"残疾人", "残疾人证"}, freq: catalog.FreqDaily, system: "全国残疾人人口基础数据库（广东）",
			basis: "《广东省公共数据管理办法》第十八条第（八）项；《中华人民共和国残疾人保障法》"},
		{name: "残疾人两项补贴发放信息", summary: "{a}困难残疾人生活补贴和重度残疾人护理补贴发放信息", level: 'p',
			items:    []string{itID, itName, "补贴类型|C20|3", "发放金额|Y|3|p:财产信息", "发放月份|C7|3"},
			keywords: []string{"残疾人", "补贴", "社会救助"}, freq: catalog.FreqMonthly, system: "残疾人两项补贴信息系统", basis: "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》"},
		{name: "残疾人就业服务机构名录", summary: "{a}残疾人就业服务机构名称、地址、服务内容", level: 'p',
			items:    []string{"机构名称|C200|1|req", "地址|C200|1", "服务内容|M|1", "联系电话|C30|1"},
			keywords: []string{"残疾人", "就业服务"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqAnnual, system: "残疾人就业服务系统", basis: "《残疾人就业条例》"},
	},
	"农业农村": {
		{name: "农村土地承包经营权确权登记信息", class: "1030500100001", summary: "{a}农村土地承包经营权确权登记颁证信息", level: 'p',
			items:    []string{"承包经营权证编号|C30|3|el:农村土地承包经营权证编号|src|req", "承包方代表姓名|C50|3|p:身份信息", "承包方代表证件号码|C18|3|p:身份信息|el:公民身份号码", "承包地块数|I|2", "承包面积|F|2"},
			keywords: []string{"土地承包", "确权", "农村"}, freq: catalog.FreqAnnual, system: "农村土地承包经营权信息应用平台",
			basis: "《广东省公共数据管理办法》第二十条；《中华人民共和国农村土地承包法》第二十四条"},
		{name: "渔业船舶登记信息", class: "1030600100001", summary: "{a}渔业船舶登记、检验信息", level: 'p',
			items:    []string{"渔船编码|C20|1|el:渔船编码|src|req", "船名|C50|1", "船籍港|C50|1", "主机功率|F|1", "作业类型|C20|1"},
			keywords: []string{"渔船", "渔业", "海洋"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqMonthly, system: "全国渔船动态管理系统（广东）",
			basis: "《广东省公共数据管理办法》第二十条；《中华人民共和国渔业船舶登记办法》"},
		{name: "农产品质量安全例行监测信息", summary: "{a}农产品质量安全例行监测抽检结果", level: 'p',
			items:    []string{"抽检批次|C30|1|req", "产品名称|C50|1", "抽检地区|C50|1", "检测结果|C10|1", "抽检日期|D|1"},
			keywords: []string{"农产品", "质量安全", "抽检"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqQuarterly, system: "农产品质量安全监管追溯平台", basis: "《中华人民共和国农产品质量安全法》"},
		{name: "家庭农场名录", summary: "{a}纳入名录管理的家庭农场信息", level: 'p',
			items:    []string{itUSCC, "农场名称|C200|1", "经营类型|C20|1", "经营面积|F|1", "所在地|C100|1"},
			keywords: []string{"家庭农场", "新型农业经营主体"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqQuarterly, system: "新型农业经营主体信息直报系统", basis: "《关于实施家庭农场培育计划的指导意见》"},
	},
	"气象": {
		{name: "地面气象观测数据", class: "1030700100001", summary: "{a}国家级和区域自动气象站逐小时观测数据", level: 'p',
			items:    []string{"区站号|C10|1|el:气象观测站区站号|src|req", "观测时间|T|1|req", "气温|F|1", "降水量|F|1", "风向|I|1", "风速|F|1", "相对湿度|I|1"},
			keywords: []string{"气象", "观测", "降水", "气温"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqRealtime, system: "广东省气象大数据云平台",
			basis: "《广东省公共数据管理办法》第二十条；《中华人民共和国气象法》"},
		{name: "气象灾害预警信号信息", summary: "{a}台风、暴雨、高温等气象灾害预警信号发布信息", level: 'p',
			items:    []string{"预警编号|C30|1|key:other", "预警类型|C20|1", "预警级别|C10|1", "发布区域|C200|1", "发布时间|T|1"},
			keywords: []string{"预警", "台风", "暴雨", "防灾减灾"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqRealtime, system: "广东省突发事件预警信息发布系统", basis: "《气象灾害防御条例》第三十条"},
		{name: "城镇天气预报信息", summary: "{a}各城镇未来七天天气预报", level: 'p',
			items:    []string{"城镇|C50|1|req", "预报日期|D|1", "天气现象|C20|1", "最高气温|F|1", "最低气温|F|1"},
			keywords: []string{"天气预报", "气象"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqDaily, system: "广东省气象大数据云平台", basis: "《中华人民共和国气象法》第二十二条"},
	},
	"林业": {
		{name: "森林资源管理一张图", class: "1030800100001", summary: "{a}森林资源小班矢量及林种、起源、蓄积信息", level: 'p',
			items:    []string{"小班编号|C30|2|el:森林资源小班编号|src|req", "林种|C20|2", "起源|C10|2", "面积|F|2", "蓄积量|F|2", "小班几何|G|2"},
			keywords: []string{"森林资源", "林地", "空间地理"}, form: catalog.FormFile, format: "GDB", freq: catalog.FreqAnnual, system: "林草生态综合监测系统",
			basis: "《广东省公共数据管理办法》第二十条；《中华人民共和国森林法》"},
		{name: "自然保护地信息", class: "1030800200001", summary: "{a}自然保护区、森林公园、湿地公园等自然保护地范围与分区", level: 'p',
			items:    []string{"保护地编码|C20|1|el:自然保护地编码|src|req", "保护地名称|C100|1", "保护地类型|C20|1", "级别|C10|1", "面积|F|1"},
			keywords: []string{"自然保护地", "湿地", "森林公园"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqAnnual, system: "自然保护地监管平台",
			basis: "《广东省公共数据管理办法》第二十条；《中华人民共和国湿地保护法》"},
		{name: "古树名木信息", summary: "{a}古树名木位置、树种、树龄、保护等级", level: 'p',
			items:    []string{"古树编号|C20|1|key:other", "树种|C50|1", "树龄|I|1", "保护等级|C10|1", "位置|C200|1"},
			keywords: []string{"古树名木", "林业"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqAnnual, system: "古树名木信息管理系统", basis: "《广东省森林保护管理条例》"},
		{name: "林木采伐许可信息", summary: "{a}林木采伐许可证核发信息", level: 'p',
			items:    []string{"许可证编号|C30|2|req", "申请人|C200|2", "采伐地点|C200|2", "采伐蓄积|F|2", "发证日期|D|2"},
			keywords: []string{"采伐许可", "林木"}, freq: catalog.FreqDaily, system: "林木采伐管理系统", basis: "《中华人民共和国森林法》第五十六条"},
	},
	"水利": {
		{name: "河湖基础信息", class: "1030900100001", summary: "{a}河流、湖泊名录及基础特征", level: 'p',
			items:    []string{"河湖编码|C20|1|el:河湖编码|src|req", "河湖名称|C100|1", "流域|C50|1", "长度|F|1", "流域面积|F|1"},
			keywords: []string{"河湖", "河长制", "水资源"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqAnnual, system: "广东省河湖长制信息系统",
			basis: "《广东省公共数据管理办法》第二十条；《中华人民共和国水法》"},
		{name: "取水许可信息", class: "1030900200001", summary: "{a}取水许可证核发、延续、变更信息", level: 'p',
			items:    []string{"取水许可证编号|C30|2|el:取水许可证编号|src|req", "取水权人统一社会信用代码|C18|1|key:credit_code|el:统一社会信用代码", "取水权人名称|C200|1", "年取水量|F|2", "取水地点|C200|2"},
			keywords: []string{"取水许可", "水资源"}, freq: catalog.FreqMonthly, system: "全国取水许可电子证照系统（广东）",
			basis: "《广东省公共数据管理办法》第二十条；《取水许可和水资源费征收管理条例》"},
		{name: "水雨情监测信息", summary: "{a}水文站、雨量站实时水位、流量、雨量", level: 'p',
			items:    []string{"测站编码|C20|1|req", "测站名称|C50|1", "监测时间|T|1", "水位|F|1", "流量|F|1", "雨量|F|1"},
			keywords: []string{"水雨情", "水文", "防汛"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqRealtime, system: "广东省水利综合业务平台", basis: "《中华人民共和国水文条例》"},
		{name: "水库大坝安全信息", summary: "{a}水库大坝注册登记、安全鉴定与监测信息", level: 'p',
			items:    []string{"水库编码|C20|2|key:other", "水库名称|C100|2", "坝型|C20|2", "安全鉴定结论|C20|i", "监测数据|M|i"},
			keywords: []string{"水库", "大坝安全", "防汛"}, freq: catalog.FreqDaily, system: "水库运行管理信息系统", basis: "《水库大坝安全管理条例》"},
	},
	"交通运输": {
		{name: "高速公路路况信息", summary: "{a}所辖高速公路拥堵、施工、事故路况", level: 'p',
			items:    []string{"路段编码|C20|1|req", "路段名称|C100|1", "事件类型|C20|1", "事件描述|C200|1", "发布时间|T|1"},
			keywords: []string{"高速公路", "路况", "出行"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqRealtime, system: "高速公路联网监控系统", basis: "《收费公路管理条例》"},
		{name: "高速公路收费站信息", summary: "{a}所辖高速公路收费站名称、位置、车道数", level: 'p',
			items:    []string{"收费站编码|C20|1|req", "收费站名称|C100|1", "所属路段|C100|1", "车道数|I|1", "经度|F|1", "纬度|F|1"},
			keywords: []string{"高速公路", "收费站"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqIrregular, system: "高速公路联网收费系统", basis: "《收费公路管理条例》"},
		{name: "高速公路通行流量统计信息", summary: "{a}所辖高速公路收费站逐日出入口流量统计", level: 'p',
			items:    []string{"收费站编码|C20|2|req", "统计日期|D|2", "入口流量|I|2", "出口流量|I|2", "车型|C10|2"},
			keywords: []string{"高速公路", "流量", "交通统计"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqDaily, system: "高速公路联网收费系统", basis: "《收费公路管理条例》"},
	},
	"住房公积金": {
		{name: "住房公积金缴存信息", class: "1011200100001", summary: "{a}住房公积金个人账户设立、缴存信息", level: 'c',
			items:    []string{itID, itName, "住房公积金个人账号|C20|3|el:住房公积金个人账号（{c}）|src", "缴存基数|Y|4|p:财产信息", "月缴存额|Y|4|p:财产信息", "账户状态|C10|3"},
			keywords: []string{"公积金", "住房公积金", "缴存"}, freq: catalog.FreqDaily, system: "住房公积金综合业务系统",
			basis: "《广东省公共数据管理办法》第十八条第（九）项；《住房公积金管理条例》"},
		{name: "住房公积金贷款信息", summary: "{a}住房公积金个人住房贷款发放、还款信息", level: 'c',
			items:    []string{itID, itName, "贷款合同编号|C30|4|key:other", "贷款金额|Y|4|p:财产信息", "贷款余额|Y|4|p:财产信息", "放款日期|D|3"},
			keywords: []string{"公积金", "贷款", "住房"}, freq: catalog.FreqDaily, system: "住房公积金综合业务系统", basis: "《住房公积金管理条例》第二十六条"},
		{name: "住房公积金缴存单位信息", summary: "{a}住房公积金缴存单位登记信息", level: 'c',
			items:    []string{itUSCC, "单位名称|C200|1|req", "单位账号|C20|2", "缴存人数|I|2", "开户日期|D|2"},
			keywords: []string{"公积金", "缴存单位"}, freq: catalog.FreqMonthly, system: "住房公积金综合业务系统", basis: "《住房公积金管理条例》第十四条"},
		{name: "住房公积金业务网点信息", summary: "{a}住房公积金业务网点、服务时间", level: 'c',
			items:    []string{"网点名称|C100|1|req", "地址|C200|1", "服务时间|C100|1", "咨询电话|C30|1"},
			keywords: []string{"公积金", "网点", "办事指南"}, form: catalog.FormSpreadsheet, format: "XLSX", freq: catalog.FreqIrregular, system: "住房公积金综合服务平台", basis: "《中华人民共和国政府信息公开条例》第二十条"},
	},
	"供水": {
		{name: "供水用户信息", summary: "{a}城市供水用户户号、用水地址、用水类别", level: 'c',
			items:    []string{"用户户号|C20|3|key:other", "户名|C100|3|p:身份信息", "用水地址|C200|3|p:地址", "用水类别|C10|2", "月用水量|F|3"},
			keywords: []string{"供水", "用水", "水费"}, freq: catalog.FreqMonthly, system: "供水营业收费系统", basis: "《城市供水条例》"},
		{name: "供水水质公示信息", summary: "{a}出厂水、管网水水质检测结果公示", level: 'c',
			items:    []string{"水厂名称|C100|1|req", "检测日期|D|1", "浑浊度|F|1", "余氯|F|1", "菌落总数|I|1", "检测结论|C10|1"},
			keywords: []string{"水质", "供水", "饮用水"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqMonthly, system: "供水水质监测系统", basis: "《城市供水水质管理规定》"},
		{name: "计划停水通知信息", summary: "{a}计划停水区域、时间、原因", level: 'c',
			items:    []string{"通知编号|C20|1|key:other", "停水区域|C200|1", "开始时间|T|1", "结束时间|T|1", "停水原因|C200|1"},
			keywords: []string{"停水", "供水", "通知"}, form: catalog.FormAPI, format: "JSON", freq: catalog.FreqRealtime, system: "供水调度系统", basis: "《城市供水条例》第二十二条"},
		{name: "供水管网关键设施信息", summary: "{a}供水管网、加压泵站等关键设施的位置与运行参数", level: 'm',
			items:    []string{"设施编码|C20|i|key:other", "设施类型|C20|i", "位置|C200|i", "运行参数|M|i"},
			keywords: []string{"供水管网", "关键信息基础设施"}, freq: catalog.FreqRealtime, system: "供水管网地理信息系统", basis: "《城市供水条例》",
			notShared: "《关键信息基础设施安全保护条例》第五条、第三十条；《中华人民共和国数据安全法》第二十一条"},
	},
}

// sectorCode numbers a sector for department classification codes.
var sectorCode = map[string]int{"公安": 1, "民政": 2, "人力资源社会保障": 3, "卫生健康": 4, "教育": 5, "市场监督管理": 6, "自然资源": 7, "税务": 8,
	"住房城乡建设": 9, "残联": 10, "农业农村": 11, "气象": 12, "林业": 13, "水利": 14, "交通运输": 15, "住房公积金": 16, "供水": 17}

var gradeOf = map[string]string{"c": "core", "i": "important", "4": "general-4", "3": "general-3", "2": "general-2", "1": "general-1"}

// item parses a shorthand item; {c} in the element is the city's name.
func item(spec, city string) catalog.Item {
	f := strings.Split(spec, "|")
	it := catalog.Item{Name: f[0], Type: catalog.ItemType(f[1][:1]), Grade: gradeOf[f[2]]}
	if len(f[1]) > 1 {
		it.Length, _ = strconv.Atoi(f[1][1:])
	}
	for _, o := range f[3:] {
		k, v, _ := strings.Cut(o, ":")
		switch k {
		case "p":
			it.Personal, it.PersonalKind = true, v
		case "key":
			it.Key, it.KeyKind = true, catalog.KeyKind(v)
		case "el":
			it.Element = strings.ReplaceAll(v, "{c}", city)
		case "src":
			it.Source = true
		case "req":
			it.Required = true
		case "fmt":
			it.Format = catalog.Format(v)
		}
	}
	return it
}

// gradeRank orders grades from the most sensitive (0).
var gradeRank = map[string]int{"core": 0, "important": 1, "general-4": 2, "general-3": 3, "general-2": 4, "general-1": 5}

// classify picks a sharing type and open attribute the items' grades admit
// under the profile's limits (unconditional share ≤ general-2, conditional
// share ≤ important, unconditional open ≤ general-1, conditional open ≤
// general-2), varied by r so that every combination occurs.
func classify(r *rand.Rand, items []catalog.Item) (catalog.ShareType, catalog.OpenAttr) {
	most := 5
	for _, it := range items {
		most = min(most, gradeRank[it.Grade])
	}
	switch {
	case most <= 3: // important, general-4, general-3: conditional sharing, not open
		return catalog.ShareConditional, catalog.OpenNone
	case most == 4: // general-2
		st := catalog.ShareUnconditional
		if r.IntN(3) == 0 {
			st = catalog.ShareConditional
		}
		if r.IntN(2) == 0 {
			return st, catalog.OpenConditional
		}
		return st, catalog.OpenNone
	default: // general-1
		st := catalog.ShareUnconditional
		if r.IntN(5) == 0 {
			st = catalog.ShareConditional
		}
		switch n := r.IntN(10); {
		case n < 6:
			return st, catalog.OpenUnconditional
		case n < 9:
			return st, catalog.OpenConditional
		default:
			return st, catalog.OpenNone
		}
	}
}

func modesOf(f catalog.DataForm) []catalog.ShareMode {
	switch f {
	case catalog.FormDatabase:
		return []catalog.ShareMode{catalog.ModeAPI, catalog.ModePlatformDB}
	case catalog.FormAPI:
		return []catalog.ShareMode{catalog.ModeAPI}
	case catalog.FormSpreadsheet:
		return []catalog.ShareMode{catalog.ModeFile, catalog.ModePlatformDB}
	case catalog.FormNonElectronic:
		return []catalog.ShareMode{catalog.ModeOffline}
	default:
		return []catalog.ShareMode{catalog.ModeFile}
	}
}

// plan says what happens to a generated entry besides publication.
type plan struct {
	state string        // "" published; review, draft, delist, version, basis
	ago   time.Duration // for review: submitted this long ago
	note  string        // delisting reason or basis-change note
	who   string        // the reviewer who records a basis change or delists
}

// plans names the generated entries with a story of their own.
var plans = map[string]plan{
	"教师资格证书信息":        {state: "review", ago: 26 * time.Hour},
	"江门市失业登记信息":       {state: "review", ago: 3 * time.Hour},
	"梅州市家庭医生签约服务信息":   {state: "review", ago: 50 * time.Hour},
	"惠州市孕产妇保健信息":      {state: "review", ago: 5 * time.Hour},
	"惠州市12315投诉举报信息":  {state: "draft"},
	"江门市劳动人事争议仲裁案件信息": {state: "draft"},
	"惠州市殡葬服务机构名录": {state: "delist", who: "hz.reviewer",
		note: "已与“惠州市养老服务机构信息”等合并为民政服务机构名录，原条目下架（HZ §11）"},
	"企业登记信息": {state: "version"},
	"最低生活保障对象信息": {state: "basis", who: "gd.reviewer",
		note: "《社会救助暂行办法》修订，最低生活保障对象认定条件和保障标准调整，请在15个工作日内更新目录（GD-290 §11）"},
}

type catalogGen struct {
	ctx       context.Context
	a         *app.App
	r         *rand.Rand
	now       time.Time
	officers  map[int64]audit.Actor // demo officer accounts by agency
	reviewers map[string]audit.Actor
	n         int
}

// officer is the agency's demo data officer, or the agency acting through
// the demo loader where the demo has no account for it.
func (g *catalogGen) officer(ag org.Agency) audit.Actor {
	if a, ok := g.officers[ag.ID]; ok {
		return a
	}
	return audit.Actor{Username: "demo", Role: string(auth.AgencyOfficer), AgencyID: ag.ID, Jurisdiction: ag.JurisdictionCode, ClientAddr: "127.0.0.1", RequestID: "demo"}
}

func (g *catalogGen) at(t time.Time) { g.a.Cases.SetClock(func() time.Time { return t }) }

// publishedCatalog generates the demo catalog from sectorTemplates for
// every agency of the province and the three cities.
func publishedCatalog(ctx context.Context, a *app.App, now time.Time) error {
	defer a.Cases.SetClock(time.Now)
	g := &catalogGen{ctx: ctx, a: a, r: rand.New(rand.NewPCG(290, 18)), now: now, officers: map[int64]audit.Actor{}, reviewers: map[string]audit.Actor{}}
	users, err := a.Accounts.Users(ctx, auth.UserFilter{})
	if err != nil {
		return err
	}
	for _, u := range users {
		act := (&auth.Principal{User: u}).Actor("127.0.0.1", "demo")
		switch u.Role {
		case auth.AgencyOfficer:
			g.officers[u.AgencyID] = act
		case auth.AuthorityReviewer:
			g.reviewers[u.Jurisdiction] = act
		}
	}
	notAuthority := false
	ags, err := a.Orgs.Agencies(ctx, org.AgencyFilter{Authorities: &notAuthority})
	if err != nil {
		return err
	}
	// The province first, so that the legal sources claim their elements
	// before any city entry refers to them.
	for _, province := range []bool{true, false} {
		for _, ag := range ags {
			if (ag.JurisdictionCode == org.ProvinceCode) != province {
				continue
			}
			city := ""
			if !province {
				j, err := a.Orgs.Jurisdiction(ctx, ag.JurisdictionCode)
				if err != nil {
					return err
				}
				city = j.Name
			}
			for _, t := range sectorTemplates[ag.Sector] {
				switch {
				case province && t.level != 'p', !province && t.level == 'p', t.level == 'm' && ag.JurisdictionCode != "441400":
					continue
				}
				if err := g.entry(ag, city, t); err != nil {
					return err
				}
			}
		}
	}
	return g.registers(ags)
}

// entry creates one entry from a template and drives it to its planned state.
func (g *catalogGen) entry(ag org.Agency, city string, t tpl) error {
	area, scope := "全省", "全省各级公共管理和服务机构"
	if city != "" {
		area, scope = city, city+"各级公共管理和服务机构"
	}
	m := catalog.Metadata{Name: city + t.name, Summary: strings.ReplaceAll(t.summary, "{a}", area), DataForm: t.form, Format: t.format,
		UpdateFreq: t.freq, CollectingAgency: ag.Name, VerifyingAgency: ag.Name, ProvidingAgency: ag.Name, SourceSystem: t.system,
		Keywords: t.keywords, LegalBasis: t.basis, ClassCode: t.class}
	if m.DataForm == "" {
		m.DataForm, m.Format = catalog.FormDatabase, []string{"ORACLE", "MySQL", "PostgreSQL", "达梦DM8"}[g.r.IntN(4)]
	}
	if m.ClassCode == "" {
		m.ClassCode = fmt.Sprintf("3%s%02d0001", ag.JurisdictionCode, sectorCode[ag.Sector])
	}
	if t.class != "" && t.class[0] == '1' && ag.JurisdictionCode == org.ProvinceCode {
		m.CollectingAgency = "全省各级" + strings.TrimPrefix(strings.TrimPrefix(ag.Name, "广东省"), "国家税务总局广东省") + "及其授权机构"
	}
	for _, s := range t.items {
		m.Items = append(m.Items, item(s, city))
	}
	if t.notShared != "" {
		m.ShareType, m.OpenAttr, m.ShareBasis, m.ShareModes = catalog.ShareNone, catalog.OpenNone, t.notShared, nil
	} else {
		m.ShareType, m.OpenAttr = classify(g.r, m.Items)
		m.ShareScope, m.ShareModes = scope, modesOf(m.DataForm)
		if m.ShareType == catalog.ShareConditional {
			personal := slices.ContainsFunc(m.Items, func(it catalog.Item) bool { return it.Personal })
			m.ShareBasis, m.ShareConditions = shareBasisOrg, condEnterprise
			if personal {
				m.ShareBasis, m.ShareConditions = shareBasisProv, condPersonal
			}
		}
		if m.OpenAttr == catalog.OpenConditional {
			m.OpenConditions = openConditional
		}
	}
	p := plans[m.Name]
	officer := g.officer(ag)
	reviewer := g.reviewers[ag.JurisdictionCode]
	// Published at a working hour some time in the last eighteen months.
	day := g.now.In(calendar.Shanghai).AddDate(0, 0, -(20 + g.r.IntN(520)))
	t0 := time.Date(day.Year(), day.Month(), day.Day(), 9+g.r.IntN(8), g.r.IntN(60), 0, 0, calendar.Shanghai)
	if p.state == "review" || p.state == "draft" {
		t0 = g.now.Add(-p.ago)
	}
	if p.state == "version" {
		t0 = g.now.AddDate(0, 0, -420)
	}
	g.at(t0.Add(-2 * time.Hour))
	e, err := g.a.Catalog.Create(g.ctx, officer, m)
	if err != nil {
		return fmt.Errorf("demo entry %s: %w", m.Name, err)
	}
	g.n++
	if p.state == "draft" {
		return nil
	}
	g.at(t0)
	if _, err := g.a.Catalog.Submit(g.ctx, officer, e.ID); err != nil {
		return fmt.Errorf("demo entry %s: submit: %w", m.Name, err)
	}
	if p.state == "review" {
		return nil
	}
	g.at(t0.Add(26 * time.Hour))
	if _, err := g.a.Catalog.Review(g.ctx, reviewer, e.ID, "approve", ""); err != nil {
		return fmt.Errorf("demo entry %s: approve: %w", m.Name, err)
	}
	switch p.state {
	case "version":
		// A change: version 2 adds the business scope and runs in real time.
		g.at(g.now.AddDate(0, 0, -45))
		if _, err := g.a.Catalog.NewVersion(g.ctx, officer, e.ID); err != nil {
			return fmt.Errorf("demo entry %s: new version: %w", m.Name, err)
		}
		m.UpdateFreq = catalog.FreqRealtime
		m.Items = append(m.Items, item("经营范围|M|1", city))
		m.Keywords = append(m.Keywords, "经营范围")
		if _, err := g.a.Catalog.Update(g.ctx, officer, e.ID, m); err != nil {
			return fmt.Errorf("demo entry %s: edit version 2: %w", m.Name, err)
		}
		if _, err := g.a.Catalog.Submit(g.ctx, officer, e.ID); err != nil {
			return fmt.Errorf("demo entry %s: submit version 2: %w", m.Name, err)
		}
		g.at(g.now.AddDate(0, 0, -44))
		if _, err := g.a.Catalog.Review(g.ctx, reviewer, e.ID, "approve", ""); err != nil {
			return fmt.Errorf("demo entry %s: approve version 2: %w", m.Name, err)
		}
	case "basis":
		g.at(g.now.Add(-50 * time.Hour))
		if _, err := g.a.Catalog.RecordBasisChange(g.ctx, g.reviewers[ag.JurisdictionCode], e.ID, p.note); err != nil {
			return fmt.Errorf("demo entry %s: basis change: %w", m.Name, err)
		}
	case "delist":
		g.at(g.now.AddDate(0, 0, -10))
		if _, err := g.a.Catalog.Delist(g.ctx, g.reviewers[ag.JurisdictionCode], e.ID, p.note); err != nil {
			return fmt.Errorf("demo entry %s: delist: %w", m.Name, err)
		}
	}
	return nil
}

// registers fills Jiangmen's registers (JM §9): an information system with
// its design and data-structure documents, a demand and a collection line.
func (g *catalogGen) registers(ags []org.Agency) error {
	var police, civil org.Agency
	for _, ag := range ags {
		switch ag.Name {
		case "江门市公安局":
			police = ag
		case "江门市民政局":
			civil = ag
		}
	}
	g.at(g.now.AddDate(0, 0, -30))
	pol, civ := g.officer(police), g.officer(civil)
	sys, err := g.a.Catalog.AddRegister(g.ctx, pol, catalog.RegSystem, "江门市人口信息管理系统", map[string]string{
		"description": "户籍、居住登记业务办理与人口数据管理", "builder": "江门市公安局", "launched": "2019-06", "data_volume": "约480万条", "entries": "户籍人口信息、交通违法处理信息"})
	if err != nil {
		return fmt.Errorf("demo register: %w", err)
	}
	for _, d := range []struct{ name, kind, text string }{
		{"江门市人口信息管理系统总体设计.txt", "design", "江门市人口信息管理系统总体设计\n一、建设目标\n二、系统架构\n三、数据流程\n"},
		{"江门市人口信息管理系统数据结构.txt", "data_structure", "表 T_HJRK 户籍人口：GMSFHM 公民身份号码 C18；XM 姓名 C50；HJDZ 户籍地址 C200\n"},
	} {
		if _, err := g.a.Catalog.AttachDocument(g.ctx, pol, sys.ID, d.name, d.kind, []byte(d.text)); err != nil {
			return fmt.Errorf("demo document: %w", err)
		}
	}
	if _, err := g.a.Catalog.AddRegister(g.ctx, pol, catalog.RegDemand, "婚姻登记信息", map[string]string{
		"source_agency": "广东省民政厅", "purpose": "户口登记婚姻状况核验", "basis": "《中华人民共和国户口登记条例》", "scenario": "户籍业务窗口婚姻状况核验（JM §13）", "status": "待申请"}); err != nil {
		return fmt.Errorf("demo register: %w", err)
	}
	if _, err := g.a.Catalog.AddRegister(g.ctx, civ, catalog.RegCollection, "最低生活保障证编号", map[string]string{
		"element": "最低生活保障证编号", "legal_basis": "《社会救助暂行办法》第九条", "method": "窗口受理", "frequency": "实时", "scope": "江门市城乡低保对象"}); err != nil {
		return fmt.Errorf("demo register: %w", err)
	}
	return nil
}
