// Package catalog is the public data resource catalog (公共数据资源目录,
// GD-290 ch.2; MZ ch.3; HZ §9–14; JM §9, §14): entries with the metadata of
// the national compilation guide and GD-290 §10, their data items, the
// rules the measures set on sharing types, open attributes and grades, the
// register of data elements with one legal source each (GD-290 §14, HZ §15),
// and the review procedure through which a version is published, changed
// and delisted.
package catalog

import (
	"slices"
	"strings"
	"time"

	"pubdata/internal/apperr"
)

// ShareType is an entry's sharing type (共享类型, GD-290 §12).
type ShareType string

// The sharing types.
const (
	ShareUnconditional ShareType = "unconditional" // 无条件共享
	ShareConditional   ShareType = "conditional"   // 有条件共享
	ShareNone          ShareType = "not_shared"    // 不予共享
)

// OpenAttr is an entry's open attribute (开放属性, GD-290 §10, HZ §13, GD-OPEN).
type OpenAttr string

// The open attributes.
const (
	OpenUnconditional OpenAttr = "unconditional" // 无条件开放
	OpenConditional   OpenAttr = "conditional"   // 有条件开放
	OpenNone          OpenAttr = "not_open"      // 不予开放
)

// UpdateFreq is how often the data is updated (更新频率).
type UpdateFreq string

// The update frequencies of the compilation guide.
const (
	FreqRealtime   UpdateFreq = "realtime"   // 实时
	FreqDaily      UpdateFreq = "daily"      // 每日
	FreqWeekly     UpdateFreq = "weekly"     // 每周
	FreqMonthly    UpdateFreq = "monthly"    // 每月
	FreqQuarterly  UpdateFreq = "quarterly"  // 每季度
	FreqSemiannual UpdateFreq = "semiannual" // 每半年
	FreqAnnual     UpdateFreq = "annual"     // 每年
	FreqIrregular  UpdateFreq = "irregular"  // 不定期
)

// DataForm is the form the data takes (数据形式).
type DataForm string

// The data forms.
const (
	FormDatabase      DataForm = "database"       // 数据库
	FormFile          DataForm = "file"           // 电子文件
	FormAPI           DataForm = "api"            // 接口
	FormSpreadsheet   DataForm = "spreadsheet"    // 电子表格
	FormImage         DataForm = "image"          // 图形图像
	FormMedia         DataForm = "media"          // 音视频
	FormNonElectronic DataForm = "non_electronic" // 非电子
)

// Structured reports whether data of this form is rows and columns, so that
// it gets a dataset (issue: collection).
func (f DataForm) Structured() bool {
	return f == FormDatabase || f == FormAPI || f == FormSpreadsheet
}

// ShareMode is how shared data is delivered (共享方式).
type ShareMode string

// The sharing modes.
const (
	ModePlatformDB ShareMode = "platform_db"   // 平台库表
	ModeFile       ShareMode = "file"          // 文件
	ModeAPI        ShareMode = "api"           // 接口
	ModeOffline    ShareMode = "offline_media" // 离线介质
)

// ItemType is a data item's type in the compilation guide's notation.
type ItemType string

// The item types: C 字符型, N 数值型, Y 货币型, D 日期型, T 日期时间型,
// L 逻辑型, M 备注型, G 通用型, B 二进制, I 整数型, F 浮点型.
const (
	TypeChar     ItemType = "C"
	TypeNumber   ItemType = "N"
	TypeCurrency ItemType = "Y"
	TypeDate     ItemType = "D"
	TypeDateTime ItemType = "T"
	TypeLogical  ItemType = "L"
	TypeMemo     ItemType = "M"
	TypeGeneral  ItemType = "G"
	TypeBinary   ItemType = "B"
	TypeInteger  ItemType = "I"
	TypeFloat    ItemType = "F"
)

// KeyKind says what an item that is a key identifies.
type KeyKind string

// The kinds of key.
const (
	KeyResidentID KeyKind = "resident_id" // 公民身份号码 (GB 11643)
	KeyCreditCode KeyKind = "credit_code" // 统一社会信用代码 (GB 32100)
	KeyOther      KeyKind = "other"       // the dataset's own key
)

// label is a value's name in zh and en.
type label struct{ zh, en string }

var labels = map[string]label{
	"unconditional/share": {"无条件共享", "unconditional"}, "conditional/share": {"有条件共享", "conditional"}, "not_shared": {"不予共享", "not shared"},
	"unconditional/open": {"无条件开放", "open"}, "conditional/open": {"有条件开放", "conditional"}, "not_open": {"不予开放", "not open"},
	"realtime": {"实时", "real time"}, "daily": {"每日", "daily"}, "weekly": {"每周", "weekly"}, "monthly": {"每月", "monthly"},
	"quarterly": {"每季度", "quarterly"}, "semiannual": {"每半年", "half-yearly"}, "annual": {"每年", "yearly"}, "irregular": {"不定期", "irregular"},
	"database": {"数据库", "database"}, "file": {"电子文件", "file"}, "api": {"接口", "API"}, "spreadsheet": {"电子表格", "spreadsheet"},
	"image": {"图形图像", "image"}, "media": {"音视频", "audio/video"}, "non_electronic": {"非电子", "non-electronic"},
	"platform_db": {"平台库表", "platform table"}, "file/mode": {"文件", "file"}, "api/mode": {"接口", "API"}, "offline_media": {"离线介质", "offline media"},
	"C": {"字符型", "character"}, "N": {"数值型", "numeric"}, "Y": {"货币型", "currency"}, "D": {"日期型", "date"}, "T": {"日期时间型", "date-time"},
	"L": {"逻辑型", "logical"}, "M": {"备注型", "memo"}, "G": {"通用型", "general"}, "B": {"二进制", "binary"}, "I": {"整数型", "integer"}, "F": {"浮点型", "float"},
	"resident_id": {"公民身份号码", "resident ID number"}, "credit_code": {"统一社会信用代码", "unified social credit code"}, "other": {"其他主键", "other key"},
	"mobile": {"手机号码", "mobile number"}, "division": {"行政区划代码", "administrative division code"},
}

// Label returns the display name of an enumerated value in zh or en; ctx
// distinguishes values spelled alike ("share", "open", "mode").
func Label(value, ctx, lang string) string {
	l, ok := labels[value+"/"+ctx]
	if !ok {
		l, ok = labels[value]
	}
	if !ok {
		return value
	}
	if lang == "en" {
		return l.en
	}
	return l.zh
}

var (
	shareTypes  = []ShareType{ShareUnconditional, ShareConditional, ShareNone}
	openAttrs   = []OpenAttr{OpenUnconditional, OpenConditional, OpenNone}
	updateFreqs = []UpdateFreq{FreqRealtime, FreqDaily, FreqWeekly, FreqMonthly, FreqQuarterly, FreqSemiannual, FreqAnnual, FreqIrregular}
	dataForms   = []DataForm{FormDatabase, FormFile, FormAPI, FormSpreadsheet, FormImage, FormMedia, FormNonElectronic}
	shareModes  = []ShareMode{ModePlatformDB, ModeFile, ModeAPI, ModeOffline}
	itemTypes   = []ItemType{TypeChar, TypeNumber, TypeCurrency, TypeDate, TypeDateTime, TypeLogical, TypeMemo, TypeGeneral, TypeBinary, TypeInteger, TypeFloat}
	keyKinds    = []KeyKind{KeyResidentID, KeyCreditCode, KeyOther}
)

// ShareTypes, OpenAttrs, UpdateFreqs, DataForms, ShareModes and ItemTypes
// list the enumerations for forms and templates.
func ShareTypes() []ShareType   { return slices.Clone(shareTypes) }
func OpenAttrs() []OpenAttr     { return slices.Clone(openAttrs) }
func UpdateFreqs() []UpdateFreq { return slices.Clone(updateFreqs) }
func DataForms() []DataForm     { return slices.Clone(dataForms) }
func ShareModes() []ShareMode   { return slices.Clone(shareModes) }
func ItemTypes() []ItemType     { return slices.Clone(itemTypes) }

// Item is a data item (信息项) of an entry.
type Item struct {
	Name         string   `json:"name"`                    // 信息项名称
	Type         ItemType `json:"type"`                    // C N Y D T L M G B I F
	Length       int      `json:"length,omitempty"`        // 长度 (characters or digits)
	Description  string   `json:"description,omitempty"`   // 描述
	Grade        string   `json:"grade"`                   // from the profile's grade.levels
	Personal     bool     `json:"personal"`                // personal information (个人信息)
	PersonalKind string   `json:"personal_kind,omitempty"` // of which kind, e.g. 身份信息, 联系方式, 生物识别
	Key          bool     `json:"key"`                     // a key of the data (主键)
	KeyKind      KeyKind  `json:"key_kind,omitempty"`      // resident_id, credit_code or other
	Element      string   `json:"element,omitempty"`       // the data element (数据元) it carries, by name
	Source       bool     `json:"source"`                  // the agency claims to be the element's legal source (一数一源)
	Required     bool     `json:"required"`                // must be filled in every row
	// Values, Min, Max and Format constrain the item's values; the
	// collection layer validates every loaded row against them.
	Values []string `json:"values,omitempty"` // 值域: the allowed values (an enumeration)
	Min    string   `json:"min,omitempty"`    // 最小值: for numbers, dates and lengths of text
	Max    string   `json:"max,omitempty"`    // 最大值
	Format Format   `json:"format,omitempty"` // 格式: an identifier the value must be
}

// Format is an identifier format an item's values must follow.
type Format string

// The identifier formats.
const (
	FormatResidentID Format = "resident_id" // 公民身份号码, GB 11643
	FormatCreditCode Format = "credit_code" // 统一社会信用代码, GB 32100
	FormatMobile     Format = "mobile"      // 手机号码
	FormatDivision   Format = "division"    // 行政区划代码, GB/T 2260
)

// ValueFormat is the format the item's values must follow: its declared
// Format, or the one its key kind implies.
func (it Item) ValueFormat() Format {
	if it.Format != "" {
		return it.Format
	}
	switch it.KeyKind {
	case KeyResidentID:
		return FormatResidentID
	case KeyCreditCode:
		return FormatCreditCode
	}
	return ""
}

var formats = []Format{FormatResidentID, FormatCreditCode, FormatMobile, FormatDivision}

// Formats lists the identifier formats for forms and templates.
func Formats() []Format { return slices.Clone(formats) }

// width is how many characters a value of the format has at least: an item
// declared shorter cannot hold one.
func (f Format) width() int {
	switch f {
	case FormatResidentID, FormatCreditCode:
		return 18
	case FormatMobile:
		return 11
	case FormatDivision:
		return 6
	}
	return 0
}

// Metadata is one version of an entry: everything the agency declares.
type Metadata struct {
	Name             string      `json:"name"`                        // 资源名称
	ClassCode        string      `json:"class_code"`                  // 前段码: 类 (1 基础 / 2 主题 / 3 部门), 项, 目, 细目
	Summary          string      `json:"summary"`                     // 资源摘要
	DataForm         DataForm    `json:"data_form"`                   // 数据形式
	Format           string      `json:"format,omitempty"`            // 数据格式, e.g. ORACLE, XLSX, PDF
	Items            []Item      `json:"items"`                       // 信息项
	ShareType        ShareType   `json:"share_type"`                  // 共享类型
	ShareConditions  string      `json:"share_conditions,omitempty"`  // 共享条件
	ShareBasis       string      `json:"share_basis,omitempty"`       // 共享依据: for conditional, the basis; for not shared, the law
	ShareScope       string      `json:"share_scope,omitempty"`       // 共享范围
	ShareModes       []ShareMode `json:"share_modes,omitempty"`       // 共享方式
	OpenAttr         OpenAttr    `json:"open_attr"`                   // 开放属性
	OpenConditions   string      `json:"open_conditions,omitempty"`   // 开放条件
	UpdateFreq       UpdateFreq  `json:"update_freq"`                 // 更新频率
	CollectingAgency string      `json:"collecting_agency,omitempty"` // 采集部门
	VerifyingAgency  string      `json:"verifying_agency,omitempty"`  // 核准部门
	ProvidingAgency  string      `json:"providing_agency,omitempty"`  // 提供部门
	SourceSystem     string      `json:"source_system,omitempty"`     // 来源信息系统
	RelatedCodes     []string    `json:"related_codes,omitempty"`     // 关联资源代码
	Keywords         []string    `json:"keywords,omitempty"`          // 关键字
	LegalBasis       string      `json:"legal_basis,omitempty"`       // 法律法规依据 (the duty the data serves)
}

// Category is the first level of the classification: 1 base, 2 theme, 3 department.
func (m *Metadata) Category() int {
	if m.ClassCode == "" {
		return 0
	}
	return int(m.ClassCode[0] - '0')
}

// Normalize trims text and drops empty list entries, so that what is
// stored is what is shown.
func (m *Metadata) Normalize() {
	for _, p := range []*string{&m.Name, &m.ClassCode, &m.Summary, &m.Format, &m.ShareConditions, &m.ShareBasis, &m.ShareScope,
		&m.OpenConditions, &m.CollectingAgency, &m.VerifyingAgency, &m.ProvidingAgency, &m.SourceSystem, &m.LegalBasis} {
		*p = strings.TrimSpace(*p)
	}
	m.Keywords = compact(m.Keywords)
	m.RelatedCodes = compact(m.RelatedCodes)
	for i := range m.Items {
		it := &m.Items[i]
		for _, p := range []*string{&it.Name, &it.Description, &it.Grade, &it.PersonalKind, &it.Element, &it.Min, &it.Max} {
			*p = strings.TrimSpace(*p)
		}
		it.Format = Format(strings.TrimSpace(string(it.Format)))
		it.Values = compact(it.Values)
		it.Type = ItemType(strings.ToUpper(strings.TrimSpace(string(it.Type))))
		if !it.Key {
			it.KeyKind = ""
		}
		if !it.Personal {
			it.PersonalKind = ""
		}
		if it.Source && it.Element == "" {
			it.Element = it.Name
		}
	}
}

func compact(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Status is where an entry stands.
type Status string

// The statuses of an entry.
const (
	StatusDraft     Status = "draft"     // never published; a version is being written
	StatusInReview  Status = "in_review" // never published; a version is with the authority
	StatusPublished Status = "published" // a version is published (a newer one may be in work)
	StatusDelisted  Status = "delisted"  // withdrawn from the catalog (HZ §11)
)

// VersionState is where one version stands.
type VersionState string

// The states of a version.
const (
	VersionDraft      VersionState = "draft"
	VersionSubmitted  VersionState = "submitted"
	VersionReturned   VersionState = "returned"
	VersionPublished  VersionState = "published"
	VersionSuperseded VersionState = "superseded" // a later version was published
	VersionWithdrawn  VersionState = "withdrawn"
)

// Entry is a catalog entry (目录条目) with its identity and publication state.
type Entry struct {
	ID               int64      `json:"id"`
	ResourceCode     string     `json:"resource_code"` // 前段码/后段码, e.g. 3070220200043/000089
	AgencyID         int64      `json:"agency_id"`
	AgencyName       string     `json:"agency_name"`
	AgencyCode       string     `json:"agency_code"`
	Jurisdiction     string     `json:"jurisdiction_code"`
	Status           Status     `json:"status"`
	PublishedVersion int        `json:"published_version,omitempty"`
	LatestVersion    int        `json:"latest_version"`
	PublishedAt      *time.Time `json:"published_at,omitempty"`
	DelistedAt       *time.Time `json:"delisted_at,omitempty"`
	DelistReason     string     `json:"delist_reason,omitempty"`
	UpdateDue        string     `json:"update_due,omitempty"` // the agency owes a new version by this date (GD-290 §11)
	MaxGrade         string     `json:"max_grade,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	// Metadata is the published version's, or the latest one's for an
	// entry never published.
	Metadata
}

// Version is one version of an entry.
type Version struct {
	ID        int64        `json:"id"`
	EntryID   int64        `json:"entry_id"`
	Version   int          `json:"version"`
	State     VersionState `json:"state"`
	CaseID    int64        `json:"case_id,omitempty"`
	CreatedBy int64        `json:"created_by,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	Metadata  Metadata     `json:"metadata"`
}

func parseEnum[T ~string](v string, allowed []T, code, field, zh, en string) (T, *apperr.Error) {
	for _, a := range allowed {
		if string(a) == v {
			return a, nil
		}
	}
	var names []string
	for _, a := range allowed {
		names = append(names, string(a))
	}
	return "", apperr.Invalidf(code, field, zh+"（可选："+strings.Join(names, "、")+"）", en+" (one of: "+strings.Join(names, ", ")+")")
}
