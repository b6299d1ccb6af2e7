package collect

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/ident"
)

// The rejection codes of Validator.Check, one per rule.
const (
	CodeRequired   = "collect.value.required"    // Item.Required or Item.Key, and no value
	CodeType       = "collect.value.type"        // not a value of the item's type
	CodeDate       = "collect.value.date"        // a date (D, T) written right that does not exist, e.g. 2023-02-30
	CodeLength     = "collect.value.length"      // longer than Item.Length (characters; digits for numbers)
	CodeEnum       = "collect.value.enum"        // not one of Item.Values
	CodeRange      = "collect.value.range"       // outside Item.Min … Item.Max
	CodeResidentID = "collect.value.resident_id" // not a GB 11643 resident identity number
	CodeCreditCode = "collect.value.credit_code" // not a GB 32100 unified social credit code
	CodeMobile     = "collect.value.mobile"      // not a mainland mobile number
	CodeDivision   = "collect.value.division"    // not a GB/T 2260 division code
)

// maxDecimalDigits bounds the digits of an N or Y value without a Length,
// far above any real amount and below what the databases accept.
const maxDecimalDigits = 1000

// maxValueRunes is how much of an offending value a rejection shows.
const maxValueRunes = 40

// Validator checks rows against a dataset's live columns and converts them
// to typed values (GD-290 ch.3 quality: every loaded row is checked against
// its catalog items). It works out once, in NewValidator, what to check for
// each column, so that Check does no work a column does not need and
// allocates nothing for a valid row beyond boxing its typed values. Check
// does not change the Validator: goroutines may share one.
type Validator struct {
	cols []colCheck
	now  time.Time // for birth dates "in the future"
}

// valueKind is how a column's text becomes its typed value.
type valueKind uint8

const (
	kindText    valueKind = iota // C: trimmed string
	kindMemo                     // M: string as written
	kindDecimal                  // N, Y: canonical decimal text
	kindInt                      // I: int64
	kindFloat                    // F: float64
	kindBool                     // L: bool
	kindDate                     // D: "YYYY-MM-DD"
	kindTime                     // T: time.Time in UTC
	kindBytes                    // B, G: []byte from base64
)

// colCheck is what to check for one column, worked out from its item.
type colCheck struct {
	name     string
	kind     valueKind
	required bool
	personal bool
	format   catalog.Format
	length   int // 0 = no limit

	// Item.Values: enum holds the canonical text of each allowed value.
	enum     []string
	enumAny  []any          // enum's values boxed, so that a C value from the list costs no allocation
	enumSet  map[string]int // for longer lists: index in enum
	enumList string         // for messages, zh and en alike

	// Item.Min and Item.Max, parsed for the kind; a bound that does not
	// parse is ignored (the catalog should refuse it).
	hasMin, hasMax bool
	minN, maxN     int64     // C, M (length in characters), I
	minF, maxF     float64   // F
	minS, maxS     string    // N, Y (canonical decimal), D (YYYY-MM-DD)
	minT, maxT     time.Time // T
}

// NewValidator returns the validator of cols, in their order. An item's
// Values, Min and Max that are not values of its type are ignored (the
// catalog does not check them yet). Birth dates of resident IDs must not
// be after the day NewValidator is called: make one per batch.
func NewValidator(cols []Column) *Validator {
	v := &Validator{cols: make([]colCheck, len(cols)), now: time.Now()}
	for i, c := range cols {
		v.cols[i] = newColCheck(c.Item)
	}
	return v
}

func newColCheck(it catalog.Item) colCheck {
	c := colCheck{
		name:     it.Name,
		required: it.Required || it.Key,
		personal: it.Personal,
		length:   max(it.Length, 0),
	}
	switch it.Type {
	case catalog.TypeMemo:
		c.kind = kindMemo
	case catalog.TypeNumber, catalog.TypeCurrency:
		c.kind = kindDecimal
	case catalog.TypeInteger:
		c.kind = kindInt
	case catalog.TypeFloat:
		c.kind = kindFloat
	case catalog.TypeLogical:
		c.kind = kindBool
	case catalog.TypeDate:
		c.kind = kindDate
	case catalog.TypeDateTime:
		c.kind = kindTime
	case catalog.TypeBinary, catalog.TypeGeneral:
		c.kind = kindBytes
	default:
		c.kind = kindText
	}
	switch f := it.ValueFormat(); f {
	case catalog.FormatResidentID, catalog.FormatCreditCode, catalog.FormatMobile, catalog.FormatDivision:
		if c.kind != kindBytes {
			c.format = f
		}
	}
	c.setBounds(strings.TrimSpace(it.Min), strings.TrimSpace(it.Max))
	var shown []string
	for _, s := range it.Values {
		if k, ok := c.enumKey(strings.TrimSpace(s)); ok {
			c.enum = append(c.enum, k)
			shown = append(shown, strings.TrimSpace(s))
		}
	}
	for _, k := range c.enum {
		c.enumAny = append(c.enumAny, k)
	}
	if len(c.enum) > 8 {
		c.enumSet = make(map[string]int, len(c.enum))
		for i, k := range c.enum {
			c.enumSet[k] = i
		}
	}
	if len(shown) > 20 {
		shown = append(shown[:20:20], "…")
	}
	c.enumList = strings.Join(shown, ", ")
	return c
}

// setBounds parses Item.Min and Item.Max for the column's kind.
func (c *colCheck) setBounds(lo, hi string) {
	parse := func(s string, n *int64, f *float64, str *string, t *time.Time) bool {
		if s == "" {
			return false
		}
		var err error
		switch c.kind {
		case kindText, kindMemo, kindInt:
			*n, err = strconv.ParseInt(s, 10, 64)
			return err == nil && (c.kind == kindInt || *n >= 0)
		case kindFloat:
			*f, err = strconv.ParseFloat(s, 64)
			return err == nil && floatText(s) && !math.IsInf(*f, 0)
		case kindDecimal:
			var ok bool
			*str, _, ok = parseDecimal(s)
			return ok
		case kindDate:
			*str, _ = parseDate(s)
			return *str != ""
		case kindTime:
			if *t, _ = parseDateTime(s); !t.IsZero() {
				return true
			}
			if d, _ := parseDate(s); d != "" { // a day: from its midnight
				*t, err = time.ParseInLocation(time.DateOnly, d, calendar.Shanghai)
				return err == nil
			}
		}
		return false
	}
	c.hasMin = parse(lo, &c.minN, &c.minF, &c.minS, &c.minT)
	c.hasMax = parse(hi, &c.maxN, &c.maxF, &c.maxS, &c.maxT)
}

// enumKey converts an allowed value to the form Check compares: the typed
// value's canonical text.
func (c *colCheck) enumKey(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	switch c.kind {
	case kindText, kindMemo, kindBytes:
		return s, true
	case kindDecimal:
		d, _, ok := parseDecimal(s)
		return d, ok
	case kindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		return strconv.FormatInt(n, 10), err == nil
	case kindFloat:
		f, err := strconv.ParseFloat(s, 64)
		return strconv.FormatFloat(f, 'g', -1, 64), err == nil && floatText(s) && !math.IsInf(f, 0)
	case kindBool:
		b, ok := parseBool(s)
		return strconv.FormatBool(b), ok
	case kindDate:
		d, _ := parseDate(s)
		return d, d != ""
	case kindTime:
		t, _ := parseDateTime(s)
		return t.Format(time.RFC3339Nano), !t.IsZero()
	}
	return "", false
}

// Check validates row (aligned to the validator's columns; "" = no value;
// a short row counts as empty values) and writes the typed values into out
// (len(cols)): nil for no value or a bad one; string for C (trimmed) and M
// (as written); canonical decimal text for N and Y; int64 for I; float64
// for F; bool for L; "YYYY-MM-DD" for D; time.Time in UTC for T (a time
// written without a zone is Beijing time); []byte for B and G. Surrounding white space is not part of a value, and a value of
// only white space is no value. A resident ID's check character x and a
// credit code's letters are upper-cased, a mobile number loses its +86.
// It appends one Rejection per bad field (Row left 0: the caller sets it)
// to rej and returns the extended slice.
func (v *Validator) Check(row []string, out []any, rej []Rejection) []Rejection {
	for i := range v.cols {
		c := &v.cols[i]
		s := ""
		if i < len(row) {
			s = row[i]
		}
		val, p := c.check(s, v.now)
		out[i] = val
		if p != nil {
			rej = append(rej, c.rejection(p, s))
		}
	}
	return rej
}

// valueProblem is why a value was rejected; messages follow the field's name.
type valueProblem struct{ code, zh, en string }

func (c *colCheck) rejection(p *valueProblem, s string) Rejection {
	r := Rejection{Field: c.name, Code: p.code,
		ZH: "信息项“" + c.name + "”" + p.zh,
		EN: "item \"" + c.name + "\": " + p.en}
	if !c.personal {
		r.Value = clipRunes(trimSpace(s), maxValueRunes)
	}
	return r
}

// trimSpace is strings.TrimSpace without its slow path for text that
// merely starts or ends with a non-ASCII character: a rune at either end
// is decoded only when its lead byte is that of a Unicode space (U+0085,
// U+00A0, U+1680, U+2000–U+205F and U+3000, the ideographic space common
// in Chinese data), never for a Chinese character.
func trimSpace(s string) string {
	for s != "" {
		c := s[0]
		if c < utf8.RuneSelf {
			if asciiSpace[c] == 0 {
				break
			}
			s = s[1:]
			continue
		}
		if !spaceLead(c) {
			break
		}
		r, n := utf8.DecodeRuneInString(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[n:]
	}
	for s != "" {
		c := s[len(s)-1]
		if c < utf8.RuneSelf {
			if asciiSpace[c] == 0 {
				break
			}
			s = s[:len(s)-1]
			continue
		}
		if !(len(s) >= 2 && spaceLead(s[len(s)-2]) || len(s) >= 3 && spaceLead(s[len(s)-3])) {
			break
		}
		r, n := utf8.DecodeLastRuneInString(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[:len(s)-n]
	}
	return s
}

// spaceLead reports whether c is the first byte of the UTF-8 encoding of
// some non-ASCII space.
func spaceLead(c byte) bool { return c == 0xC2 || c >= 0xE1 && c <= 0xE3 }

var asciiSpace = [utf8.RuneSelf]uint8{'\t': 1, '\n': 1, '\v': 1, '\f': 1, '\r': 1, ' ': 1}

// clipRunes returns s cut to n runes, with an ellipsis if it was longer.
func clipRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

func problemf(code, zh, en string) *valueProblem { return &valueProblem{code, zh, en} }

// problemRequired is the one problem of every missing value (shared, never changed).
var problemRequired = problemf(CodeRequired, "为必填项，不能为空", "is required and has no value")

// check validates one value; it returns the typed value, or a problem.
func (c *colCheck) check(raw string, now time.Time) (any, *valueProblem) {
	s := trimSpace(raw)
	if s == "" {
		if c.required {
			return nil, problemRequired
		}
		return nil, nil
	}
	if c.kind == kindMemo {
		s = raw
	}
	if c.format != "" {
		var p *valueProblem
		if s, p = c.checkFormat(s, now); p != nil {
			return nil, p
		}
	}
	switch c.kind {
	case kindText, kindMemo:
		return c.checkText(s)
	case kindDecimal:
		return c.checkDecimal(s)
	case kindInt:
		return c.checkInt(s)
	case kindFloat:
		return c.checkFloat(s)
	case kindBool:
		b, ok := parseBool(s)
		if !ok {
			return nil, problemf(CodeType, "应为逻辑值（是/否、true/false、1/0、Y/N）", "must be a logical value (true/false, 1/0, Y/N, 是/否)")
		}
		if p := c.checkEnum(strconv.FormatBool(b)); p != nil {
			return nil, p
		}
		return b, nil
	case kindDate:
		return c.checkDate(s)
	case kindTime:
		return c.checkTime(s)
	case kindBytes:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, problemf(CodeType, "应为标准Base64编码的二进制数据", "must be binary data in standard base64")
		}
		if p := c.checkEnum(s); p != nil {
			return nil, p
		}
		return b, nil
	}
	return s, nil
}

// checkFormat checks s against the column's identifier format and returns
// it normalised.
func (c *colCheck) checkFormat(s string, now time.Time) (string, *valueProblem) {
	var err error
	code := ""
	switch c.format {
	case catalog.FormatResidentID:
		if len(s) == 18 && s[17] == 'x' {
			s = s[:17] + "X"
		}
		err, code = ident.ValidateResidentIDAt(s, now), CodeResidentID
	case catalog.FormatCreditCode:
		if hasLowerASCII(s) {
			s = strings.ToUpper(s)
		}
		err, code = ident.ValidateCreditCode(s), CodeCreditCode
	case catalog.FormatMobile:
		var d string
		if d, err = ident.NormalizeMobile(s); err == nil {
			s = d
		}
		code = CodeMobile
	case catalog.FormatDivision:
		err, code = ident.ValidateDivisionCode(s), CodeDivision
	}
	if err == nil {
		return s, nil
	}
	if e, ok := apperr.As(err); ok {
		return s, problemf(code, "："+e.ZH, e.EN)
	}
	return s, problemf(code, "格式无效", "is malformed")
}

func hasLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			return true
		}
	}
	return false
}

func (c *colCheck) checkText(s string) (any, *valueProblem) {
	if !utf8.ValidString(s) {
		return nil, problemf(CodeType, "不是有效的UTF-8文本", "is not valid UTF-8 text")
	}
	// A string has at most as many characters as bytes: count them only
	// when that may matter.
	if c.hasMin || c.hasMax || c.length > 0 && len(s) > c.length {
		n := int64(utf8.RuneCountInString(s))
		if c.length > 0 && n > int64(c.length) {
			return nil, problemf(CodeLength,
				fmt.Sprintf("长度为%d个字符，超过了%d个字符", n, c.length),
				fmt.Sprintf("is %d characters long, longer than %d", n, c.length))
		}
		if c.hasMin && n < c.minN || c.hasMax && n > c.maxN {
			return nil, problemf(CodeRange,
				fmt.Sprintf("长度为%d个字符，应为%s个字符", n, c.rangeText("至")),
				fmt.Sprintf("is %d characters long, must be %s characters", n, c.rangeText("to")))
		}
	}
	if c.enum != nil {
		i := c.enumIndex(trimSpace(s)) // M is as written, the values trimmed
		if i < 0 {
			return nil, c.enumProblem()
		}
		return c.enumAny[i], nil // the same string, already boxed
	}
	return s, nil
}

// rangeText renders the column's bounds for a message: "1 至 10",
// "≥ 1", "≤ 10".
func (c *colCheck) rangeText(to string) string {
	var lo, hi string
	switch c.kind {
	case kindText, kindMemo, kindInt:
		lo, hi = strconv.FormatInt(c.minN, 10), strconv.FormatInt(c.maxN, 10)
	case kindFloat:
		lo, hi = strconv.FormatFloat(c.minF, 'g', -1, 64), strconv.FormatFloat(c.maxF, 'g', -1, 64)
	case kindTime:
		lo, hi = c.minT.In(calendar.Shanghai).Format(time.DateTime), c.maxT.In(calendar.Shanghai).Format(time.DateTime)
	default:
		lo, hi = c.minS, c.maxS
	}
	switch {
	case c.hasMin && c.hasMax:
		return lo + " " + to + " " + hi
	case c.hasMin:
		return "≥ " + lo
	}
	return "≤ " + hi
}

func (c *colCheck) outOfRange() *valueProblem {
	return problemf(CodeRange, "超出取值范围（"+c.rangeText("至")+"）", "is out of range ("+c.rangeText("to")+")")
}

// checkEnum checks key, a value's canonical text, against Item.Values.
func (c *colCheck) checkEnum(key string) *valueProblem {
	if c.enum == nil || c.enumIndex(key) >= 0 {
		return nil
	}
	return c.enumProblem()
}

func (c *colCheck) enumProblem() *valueProblem {
	return problemf(CodeEnum, "的值不在值域内（可选："+c.enumList+"）", "is not one of the allowed values ("+c.enumList+")")
}

// enumIndex returns the index of key in enum, or -1.
func (c *colCheck) enumIndex(key string) int {
	if c.enumSet != nil {
		if i, ok := c.enumSet[key]; ok {
			return i
		}
		return -1
	}
	for i, e := range c.enum {
		if e == key {
			return i
		}
	}
	return -1
}

func (c *colCheck) checkDecimal(s string) (any, *valueProblem) {
	d, digits, ok := parseDecimal(s)
	if !ok {
		return nil, problemf(CodeType, "应为数值（如 -12.50，不含千分位和科学计数法）", "must be a number (like -12.50, without thousands separators or exponent)")
	}
	if c.length > 0 && digits > c.length {
		return nil, problemf(CodeLength,
			fmt.Sprintf("有%d位有效数字，超过了%d位", digits, c.length),
			fmt.Sprintf("has %d significant digits, more than %d", digits, c.length))
	}
	if digits > maxDecimalDigits {
		return nil, problemf(CodeLength,
			fmt.Sprintf("有%d位有效数字，超过了%d位", digits, maxDecimalDigits),
			fmt.Sprintf("has %d significant digits, more than %d", digits, maxDecimalDigits))
	}
	if c.hasMin && compareDecimal(d, c.minS) < 0 || c.hasMax && compareDecimal(d, c.maxS) > 0 {
		return nil, c.outOfRange()
	}
	if p := c.checkEnum(d); p != nil {
		return nil, p
	}
	return d, nil
}

func (c *colCheck) checkInt(s string) (any, *valueProblem) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return nil, problemf(CodeRange, "超出整数范围", "is out of the range of integers")
		}
		return nil, problemf(CodeType, "应为整数", "must be an integer")
	}
	if c.length > 0 {
		if digits := intDigits(n); digits > c.length {
			return nil, problemf(CodeLength,
				fmt.Sprintf("有%d位数字，超过了%d位", digits, c.length),
				fmt.Sprintf("has %d digits, more than %d", digits, c.length))
		}
	}
	if c.hasMin && n < c.minN || c.hasMax && n > c.maxN {
		return nil, c.outOfRange()
	}
	if c.enum != nil {
		if p := c.checkEnum(strconv.FormatInt(n, 10)); p != nil {
			return nil, p
		}
	}
	return n, nil
}

// intDigits returns the number of decimal digits of n (1 for 0).
func intDigits(n int64) int {
	d := 1
	for n >= 10 || n <= -10 {
		n /= 10
		d++
	}
	return d
}

func (c *colCheck) checkFloat(s string) (any, *valueProblem) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !floatText(s) {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && floatText(s) {
			return nil, problemf(CodeRange, "超出浮点数范围", "is out of the range of floating-point numbers")
		}
		return nil, problemf(CodeType, "应为数值（如 3.14 或 1.5e-3）", "must be a number (like 3.14 or 1.5e-3)")
	}
	if c.hasMin && f < c.minF || c.hasMax && f > c.maxF {
		return nil, c.outOfRange()
	}
	if c.enum != nil {
		if p := c.checkEnum(strconv.FormatFloat(f, 'g', -1, 64)); p != nil {
			return nil, p
		}
	}
	return f, nil
}

// floatText reports whether s is written as a decimal number, with an
// optional exponent: strconv.ParseFloat also takes Inf, NaN, hex and
// underscores, which are not data.
func floatText(s string) bool {
	digits := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' || c == '+' || c == '-' || c == 'e' || c == 'E':
		default:
			return false
		}
	}
	return digits
}

func (c *colCheck) checkDate(s string) (any, *valueProblem) {
	d, bad := parseDate(s)
	switch {
	case bad:
		return nil, problemf(CodeDate, "不是存在的日期", "is not a date that exists")
	case d == "":
		return nil, problemf(CodeType, "应为日期（如 2006-01-02、2006/1/2、20060102 或 2006年1月2日）",
			"must be a date (like 2006-01-02, 2006/1/2, 20060102 or 2006年1月2日)")
	}
	if c.hasMin && d < c.minS || c.hasMax && d > c.maxS {
		return nil, c.outOfRange()
	}
	if p := c.checkEnum(d); p != nil {
		return nil, p
	}
	return d, nil
}

func (c *colCheck) checkTime(s string) (any, *valueProblem) {
	t, bad := parseDateTime(s)
	switch {
	case bad:
		return nil, problemf(CodeDate, "不是存在的日期时间", "is not a date and time that exists")
	case t.IsZero():
		return nil, problemf(CodeType, "应为日期时间（如 2006-01-02 15:04:05，无时区的按北京时间；或 RFC 3339）",
			"must be a date and time (like 2006-01-02 15:04:05, Beijing time when no zone is given, or RFC 3339)")
	}
	if c.hasMin && t.Before(c.minT) || c.hasMax && t.After(c.maxT) {
		return nil, c.outOfRange()
	}
	if c.enum != nil {
		if p := c.checkEnum(t.Format(time.RFC3339Nano)); p != nil {
			return nil, p
		}
	}
	return t, nil
}

// parseBool reads a logical value: true/false, 1/0, Y/N, 是/否
// (letters in any case).
func parseBool(s string) (bool, bool) {
	switch s {
	case "1", "Y", "y", "是":
		return true, true
	case "0", "N", "n", "否":
		return false, true
	}
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseDecimal reads [+-]digits[.digits] (digits on at least one side of
// the point) and returns its canonical text — no plus sign, no leading
// zeros, no trailing zeros of the fraction, no point without a fraction,
// no negative zero — and its significant digits. The canonical text is s
// itself when s is canonical.
func parseDecimal(s string) (string, int, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	is := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intPart := s[is:i]
	frac := ""
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = s[fs:i]
	}
	if i != len(s) || intPart == "" && frac == "" {
		return "", 0, false
	}
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	digits := len(intPart) + len(frac)
	if intPart == "" {
		intPart = "0"
	}
	if digits == 0 {
		neg = false
	}
	n := len(intPart) + len(frac)
	if neg {
		n++
	}
	if frac != "" {
		n++
	}
	// s is canonical if it has the canonical length and no '+'
	// (the parts above are then exactly s's).
	if n == len(s) && s[0] != '+' && (s[0] != '.' && !(neg && s[1] == '.')) {
		return s, digits, true
	}
	var b strings.Builder
	b.Grow(n)
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(intPart)
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String(), digits, true
}

// compareDecimal compares two canonical decimals.
func compareDecimal(a, b string) int {
	an, bn := strings.HasPrefix(a, "-"), strings.HasPrefix(b, "-")
	switch {
	case an && !bn:
		return -1
	case !an && bn:
		return 1
	case an:
		return compareAbs(b[1:], a[1:])
	}
	return compareAbs(a, b)
}

// compareAbs compares two canonical decimals without sign: the longer
// integer part is the larger; then the digits decide, fraction included,
// as canonical fractions have no trailing zeros.
func compareAbs(a, b string) int {
	ai, af, _ := strings.Cut(a, ".")
	bi, bf, _ := strings.Cut(b, ".")
	if len(ai) != len(bi) {
		if len(ai) < len(bi) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(ai, bi); c != 0 {
		return c
	}
	return strings.Compare(af, bf)
}

// parseDate reads a date in one of the forms 2006-01-02, 2006/01/02 (month
// and day of one or two digits, either separator), 20060102 and
// 2006年1月2日. It returns "YYYY-MM-DD", or "" and whether s is in one of
// the forms but names a date that does not exist (bad). The text is s
// itself when s is already a valid YYYY-MM-DD.
func parseDate(s string) (d string, bad bool) {
	var y, m, dd int
	switch {
	case len(s) == 8 && isDigitString(s):
		y, m, dd = digitsVal(s[:4]), digitsVal(s[4:6]), digitsVal(s[6:])
	case len(s) >= 8 && isDigitString(s[:4]):
		var ms, ds string
		var ok bool
		switch rest := s[4:]; {
		case rest[0] == '-' || rest[0] == '/':
			ms, ds, ok = strings.Cut(rest[1:], rest[:1])
		case strings.HasPrefix(rest, "年") && strings.HasSuffix(rest, "日"):
			ms, ds, ok = strings.Cut(rest[len("年"):len(rest)-len("日")], "月")
		}
		if !ok || len(ms) > 2 || len(ds) > 2 || !isDigitString(ms) || !isDigitString(ds) {
			return "", false
		}
		y, m, dd = digitsVal(s[:4]), digitsVal(ms), digitsVal(ds)
	default:
		return "", false
	}
	if y < 1 || m < 1 || m > 12 || dd < 1 || dd > ident.DaysIn(y, m) {
		return "", true
	}
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		return s, false
	}
	var b [10]byte
	putDigits(b[:4], y)
	b[4] = '-'
	putDigits(b[5:7], m)
	b[7] = '-'
	putDigits(b[8:], dd)
	return string(b[:]), false
}

// dateTimeLayouts are the layouts of parseDateTime without a zone, by the
// date separator ('-' or '/'), the date-time separator ('T' or ' ') and
// whether the seconds are written. time.Parse takes fractional seconds
// after the seconds without being told.
var dateTimeLayouts = map[[3]byte]string{
	{'-', 'T', 1}: "2006-01-02T15:04:05", {'-', 'T', 0}: "2006-01-02T15:04",
	{'-', ' ', 1}: "2006-01-02 15:04:05", {'-', ' ', 0}: "2006-01-02 15:04",
	{'/', 'T', 1}: "2006/01/02T15:04:05", {'/', 'T', 0}: "2006/01/02T15:04",
	{'/', ' ', 1}: "2006/01/02 15:04:05", {'/', ' ', 0}: "2006/01/02 15:04",
}

// parseDateTime reads a date and time: RFC 3339 (also with a space for
// the T), or without a zone as Beijing time 2006-01-02 15:04:05,
// 2006/01/02 15:04:05, 2006-01-02T15:04:05 (fractional seconds allowed),
// and the same without seconds (spreadsheets write 2006-01-02 15:04). It
// returns the instant in UTC, or the zero time and whether s is in one of
// the forms but names a date or time that does not exist (bad).
func parseDateTime(s string) (time.Time, bool) {
	if len(s) < 16 || (s[4] != '-' && s[4] != '/') || s[7] != s[4] || (s[10] != ' ' && s[10] != 'T') ||
		!isDigitString(s[:4]) || !isDigitString(s[5:7]) || !isDigitString(s[8:10]) || s[13] != ':' {
		return time.Time{}, false
	}
	y, m, d := digitsVal(s[:4]), digitsVal(s[5:7]), digitsVal(s[8:10])
	if y < 1 || m < 1 || m > 12 || d < 1 || d > ident.DaysIn(y, m) {
		return time.Time{}, true
	}
	var t time.Time
	var err error
	if tail := s[min(len(s), 19):]; strings.HasSuffix(tail, "Z") || strings.ContainsAny(tail, "+-") {
		layout := time.RFC3339
		if s[10] == ' ' {
			layout = "2006-01-02 15:04:05Z07:00"
		}
		t, err = time.Parse(layout, s)
	} else {
		secs := byte(0)
		if len(s) > 16 {
			secs = 1
		}
		t, err = time.ParseInLocation(dateTimeLayouts[[3]byte{s[4], s[10], secs}], s, calendar.Shanghai)
	}
	if err != nil {
		if pe, ok := err.(*time.ParseError); ok && strings.Contains(pe.Message, "out of range") {
			return time.Time{}, true
		}
		return time.Time{}, false
	}
	return t.UTC(), false
}

func isDigitString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// digitsVal converts ASCII digits known to be valid.
func digitsVal(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// putDigits writes n as zero-padded digits filling b.
func putDigits(b []byte, n int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}
