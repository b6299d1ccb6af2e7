package collect

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"pubdata/internal/catalog"
	"pubdata/internal/ident"
)

// validIDs returns generated identifiers for the tests: a resident ID, one
// whose check character is X, and a credit code, each with a copy whose
// check character is wrong.
func validIDs(t testing.TB) (id, idX, idBad, credit, creditBad string) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(7, 11))
	birth := time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
	id = ident.GenerateResidentID(rnd, "440703", birth, true)
	for idX == "" {
		if s := ident.GenerateResidentID(rnd, "440105", birth, false); s[17] == 'X' {
			idX = s
		}
	}
	idBad = id[:17] + flipCheck(id[17], "0123456789X")
	credit = ident.GenerateCreditCode(rnd, '9', '1', "440700")
	creditBad = credit[:17] + flipCheck(credit[17], "0123456789ABCDEFGHJKLMNPQRTUWXY")
	for _, s := range []string{id, idX, credit} {
		if err := errorsOf(ident.ValidateResidentID(s), ident.ValidateCreditCode(s)); err == 2 {
			t.Fatalf("generated %q is not valid", s)
		}
	}
	return
}

// errorsOf counts the non-nil errors.
func errorsOf(errs ...error) int {
	n := 0
	for _, e := range errs {
		if e != nil {
			n++
		}
	}
	return n
}

// flipCheck returns another character of set than c.
func flipCheck(c byte, set string) string {
	i := strings.IndexByte(set, c)
	return set[(i+1)%len(set) : (i+1)%len(set)+1]
}

// checkOne validates one value against one item.
func checkOne(it catalog.Item, in string) (any, []Rejection) {
	v := NewValidator([]Column{{Name: "c1", Item: it}})
	out := make([]any, 1)
	return out[0], v.Check([]string{in}, out, nil)
}

func shanghai(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, time.FixedZone("CST", 8*3600)).UTC()
}

func TestValidatorRules(t *testing.T) {
	id, idX, idBad, credit, creditBad := validIDs(t)
	item := func(typ catalog.ItemType, mods ...func(*catalog.Item)) catalog.Item {
		it := catalog.Item{Name: "字段", Type: typ}
		for _, m := range mods {
			m(&it)
		}
		return it
	}
	required := func(it *catalog.Item) { it.Required = true }
	key := func(it *catalog.Item) { it.Key = true }
	length := func(n int) func(*catalog.Item) { return func(it *catalog.Item) { it.Length = n } }
	bounds := func(lo, hi string) func(*catalog.Item) { return func(it *catalog.Item) { it.Min, it.Max = lo, hi } }
	values := func(vs ...string) func(*catalog.Item) { return func(it *catalog.Item) { it.Values = vs } }
	format := func(f catalog.Format) func(*catalog.Item) { return func(it *catalog.Item) { it.Format = f } }
	keyKind := func(k catalog.KeyKind) func(*catalog.Item) {
		return func(it *catalog.Item) { it.Key, it.KeyKind = true, k }
	}
	tests := []struct {
		name string
		item catalog.Item
		in   string
		want any    // the typed value when valid
		code string // the rejection's code when not
	}{
		// required
		{"empty optional is nil", item("C"), "", nil, ""},
		{"blank optional is nil", item("N"), "  \t", nil, ""},
		{"required empty", item("C", required), "", nil, CodeRequired},
		{"required blank", item("M", required), " \r\n", nil, CodeRequired},
		{"key is required", item("I", key), "", nil, CodeRequired},
		{"required present", item("C", required), "x", "x", ""},

		// C and M
		{"C trimmed", item("C"), "  张三 ", "张三", ""},
		{"M as written", item("M"), "  第一行\n第二行 ", "  第一行\n第二行 ", ""},
		{"C length in characters ok", item("C", length(2)), "张三", "张三", ""},
		{"C length exceeded", item("C", length(2)), "张三丰", nil, CodeLength},
		{"M length exceeded", item("M", length(3)), "abcd", nil, CodeLength},
		{"C min length", item("C", bounds("2", "4")), "张", nil, CodeRange},
		{"C max length", item("C", bounds("2", "4")), "欧阳王五六", nil, CodeRange},
		{"C within length range", item("C", bounds("2", "4")), "欧阳王五", "欧阳王五", ""},
		{"C enum ok", item("C", values("男", "女")), " 女", "女", ""},
		{"C enum refused", item("C", values("男", "女")), "未知", nil, CodeEnum},
		{"C long enum ok", item("C", values("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")), "j", "j", ""},
		{"C long enum refused", item("C", values("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")), "k", nil, CodeEnum},
		{"C invalid UTF-8", item("C"), "a\xFFb", nil, CodeType},

		// N and Y
		{"N canonical kept", item("N"), "-12.5", "-12.5", ""},
		{"N canonicalised", item("N"), "+0012.5000", "12.5", ""},
		{"N negative zero", item("N"), "-0.00", "0", ""},
		{"N point only fraction", item("N"), ".5", "0.5", ""},
		{"N trailing point", item("Y"), "7.", "7", ""},
		{"Y cents", item("Y"), "1999.90", "1999.9", ""},
		{"N thousands separator", item("N"), "1,000", nil, CodeType},
		{"N exponent", item("N"), "1e5", nil, CodeType},
		{"N letters", item("Y"), "¥12", nil, CodeType},
		{"N lone sign", item("N"), "-", nil, CodeType},
		{"N digits ok", item("N", length(5)), "123.45", "123.45", ""},
		{"N too many digits", item("N", length(4)), "123.45", nil, CodeLength},
		{"N leading zeros do not count", item("N", length(2)), "0001.2", "1.2", ""},
		{"N below min", item("N", bounds("0", "100.5")), "-1", nil, CodeRange},
		{"N above max", item("N", bounds("0", "100.5")), "100.51", nil, CodeRange},
		{"N at max", item("N", bounds("0", "100.5")), "100.50", "100.5", ""},
		{"N negative range", item("N", bounds("-10", "-1.5")), "-1.25", nil, CodeRange},
		{"N in negative range", item("N", bounds("-10", "-1.5")), "-9.99", "-9.99", ""},
		{"N enum canonical", item("N", values("1", "2.0")), "2", "2", ""},
		{"N enum refused", item("N", values("1", "2.0")), "3", nil, CodeEnum},

		// I
		{"I", item("I"), "42", int64(42), ""},
		{"I plus", item("I"), "+7", int64(7), ""},
		{"I negative", item("I"), "-9223372036854775808", int64(-9223372036854775808), ""},
		{"I fraction", item("I"), "1.0", nil, CodeType},
		{"I underscore", item("I"), "1_000", nil, CodeType},
		{"I overflow", item("I"), "9223372036854775808", nil, CodeRange},
		{"I digits", item("I", length(3)), "-123", int64(-123), ""},
		{"I too many digits", item("I", length(3)), "1234", nil, CodeLength},
		{"I below min", item("I", bounds("1", "10")), "0", nil, CodeRange},
		{"I above max", item("I", bounds("1", "10")), "11", nil, CodeRange},
		{"I enum by value", item("I", values("1", "2")), "02", int64(2), ""},
		{"I enum refused", item("I", values("1", "2")), "3", nil, CodeEnum},

		// F
		{"F", item("F"), "3.14", 3.14, ""},
		{"F exponent", item("F"), "1.5e-3", 0.0015, ""},
		{"F NaN", item("F"), "NaN", nil, CodeType},
		{"F Inf", item("F"), "-Inf", nil, CodeType},
		{"F hex", item("F"), "0x1p-2", nil, CodeType},
		{"F overflow", item("F"), "1e999", nil, CodeRange},
		{"F below min", item("F", bounds("0", "1")), "-0.1", nil, CodeRange},
		{"F within", item("F", bounds("0", "1")), "0.5", 0.5, ""},

		// L
		{"L true", item("L"), "TRUE", true, ""},
		{"L false", item("L"), "false", false, ""},
		{"L 1", item("L"), "1", true, ""},
		{"L 0", item("L"), "0", false, ""},
		{"L 是", item("L"), "是", true, ""},
		{"L 否", item("L"), "否", false, ""},
		{"L Y", item("L"), "y", true, ""},
		{"L N", item("L"), "N", false, ""},
		{"L yes", item("L"), "yes", nil, CodeType},
		{"L enum", item("L", values("true")), "否", nil, CodeEnum},

		// D
		{"D ISO kept", item("D"), "2006-01-02", "2006-01-02", ""},
		{"D slashes", item("D"), "2006/01/02", "2006-01-02", ""},
		{"D short slashes", item("D"), "2006/1/2", "2006-01-02", ""},
		{"D compact", item("D"), "20060102", "2006-01-02", ""},
		{"D Chinese", item("D"), "2006年1月2日", "2006-01-02", ""},
		{"D leap day", item("D"), "2024-02-29", "2024-02-29", ""},
		{"D Feb 30", item("D"), "2023-02-30", nil, CodeDate},
		{"D compact Feb 30", item("D"), "20230230", nil, CodeDate},
		{"D not a leap year", item("D"), "2023/2/29", nil, CodeDate},
		{"D 1900 not a leap year", item("D"), "1900-02-29", nil, CodeDate},
		{"D month 13", item("D"), "2023年13月1日", nil, CodeDate},
		{"D year zero", item("D"), "00000101", nil, CodeDate},
		{"D dots", item("D"), "2006.01.02", nil, CodeType},
		{"D two-digit year", item("D"), "06-01-02", nil, CodeType},
		{"D mixed separators", item("D"), "2006-01/02", nil, CodeType},
		{"D three-digit month", item("D"), "2006-001-02", nil, CodeType},
		{"D with time", item("D"), "2006-01-02 00:00:00", nil, CodeType},
		{"D before min", item("D", bounds("2000-01-01", "2020/12/31")), "1999-12-31", nil, CodeRange},
		{"D after max", item("D", bounds("2000-01-01", "2020/12/31")), "20210101", nil, CodeRange},
		{"D within", item("D", bounds("2000-01-01", "2020/12/31")), "2020年12月31日", "2020-12-31", ""},
		{"D enum", item("D", values("2024/1/1")), "2024-01-01", "2024-01-01", ""},

		// T
		{"T space", item("T"), "2024-03-01 08:00:00", shanghai(2024, 3, 1, 8, 0, 0), ""},
		{"T slashes", item("T"), "2024/03/01 08:00:00", shanghai(2024, 3, 1, 8, 0, 0), ""},
		{"T with T", item("T"), "2024-03-01T08:00:00", shanghai(2024, 3, 1, 8, 0, 0), ""},
		{"T without seconds", item("T"), "2024-03-01 08:00", shanghai(2024, 3, 1, 8, 0, 0), ""},
		{"T fraction", item("T"), "2024-03-01 08:00:00.5", shanghai(2024, 3, 1, 8, 0, 0).Add(500 * time.Millisecond), ""},
		{"T RFC 3339 UTC", item("T"), "2024-03-01T00:00:00Z", shanghai(2024, 3, 1, 8, 0, 0), ""},
		{"T RFC 3339 offset", item("T"), "2024-03-01T09:00:00+09:00", shanghai(2024, 3, 1, 8, 0, 0), ""},
		{"T offset with space", item("T"), "2024-03-01 01:00:00+01:00", shanghai(2024, 3, 1, 8, 0, 0), ""},
		{"T Feb 30", item("T"), "2024-02-30 00:00:00", nil, CodeDate},
		{"T hour 25", item("T"), "2024-03-01 25:00:00", nil, CodeDate},
		{"T date only", item("T"), "2024-03-01", nil, CodeType},
		{"T garbage", item("T"), "2024-03-01 8点", nil, CodeType},
		{"T before min", item("T", bounds("2024-01-01", "")), "2023-12-31 23:59:59", nil, CodeRange},
		{"T at min", item("T", bounds("2024-01-01", "")), "2024-01-01 00:00:00", shanghai(2024, 1, 1, 0, 0, 0), ""},
		{"T after max", item("T", bounds("", "2024-01-01T00:00:00Z")), "2024-01-01 08:00:01", nil, CodeRange},

		// B and G
		{"B", item("B"), "aGVsbG8=", []byte("hello"), ""},
		{"G", item("G"), "AAE=", []byte{0, 1}, ""},
		{"B not base64", item("B"), "***", nil, CodeType},
		{"B URL alphabet", item("B"), "-_8=", nil, CodeType},

		// formats
		{"resident ID", item("C", format(catalog.FormatResidentID)), id, id, ""},
		{"resident ID by key kind", item("C", keyKind(catalog.KeyResidentID)), " " + id + " ", id, ""},
		{"resident ID lower-case x", item("C", keyKind(catalog.KeyResidentID)), strings.ToLower(idX), idX, ""},
		{"resident ID check", item("C", format(catalog.FormatResidentID)), idBad, nil, CodeResidentID},
		{"resident ID birth date", item("C", format(catalog.FormatResidentID)), id[:6] + "19900230" + id[14:], nil, CodeResidentID},
		{"resident ID short", item("C", format(catalog.FormatResidentID)), id[:17], nil, CodeResidentID},
		{"credit code", item("C", format(catalog.FormatCreditCode)), credit, credit, ""},
		{"credit code by key kind", item("C", keyKind(catalog.KeyCreditCode)), strings.ToLower(credit), credit, ""},
		{"credit code check", item("C", keyKind(catalog.KeyCreditCode)), creditBad, nil, CodeCreditCode},
		{"mobile", item("C", format(catalog.FormatMobile)), "13800138000", "13800138000", ""},
		{"mobile +86", item("C", format(catalog.FormatMobile)), "+8613800138000", "13800138000", ""},
		{"mobile bad", item("C", format(catalog.FormatMobile)), "12345678901", nil, CodeMobile},
		{"mobile hyphens", item("C", format(catalog.FormatMobile)), "138-0013-8000", nil, CodeMobile},
		{"division", item("C", format(catalog.FormatDivision)), "440703", "440703", ""},
		{"division unknown", item("C", format(catalog.FormatDivision)), "449999", nil, CodeDivision},
		{"division short", item("C", format(catalog.FormatDivision)), "4407", nil, CodeDivision},
		{"division as integer", item("I", format(catalog.FormatDivision)), "440703", int64(440703), ""},
		{"format then length", item("C", format(catalog.FormatMobile), length(11)), "+8613800138000", "13800138000", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rej := checkOne(tt.item, tt.in)
			if tt.code == "" {
				if len(rej) != 0 {
					t.Fatalf("Check(%q) rejected: %+v", tt.in, rej)
				}
				if fmt.Sprintf("%T %v", got, got) != fmt.Sprintf("%T %v", tt.want, tt.want) {
					t.Errorf("Check(%q) = %T %v, want %T %v", tt.in, got, got, tt.want, tt.want)
				}
				if want, ok := tt.want.(time.Time); ok && (!want.Equal(got.(time.Time)) || got.(time.Time).Location() != time.UTC) {
					t.Errorf("Check(%q) = %v, want %v in UTC", tt.in, got, want)
				}
				return
			}
			if len(rej) != 1 {
				t.Fatalf("Check(%q) = %v with rejections %+v, want one %s", tt.in, got, rej, tt.code)
			}
			r := rej[0]
			if r.Code != tt.code || r.Field != "字段" || r.Row != 0 || got != nil {
				t.Errorf("Check(%q) = %v, %+v; want nil and code %s for 字段", tt.in, got, r, tt.code)
			}
			if !strings.Contains(r.ZH, "字段") || !strings.Contains(r.EN, "字段") || r.ZH == r.EN {
				t.Errorf("messages do not name the field in zh and en: %q / %q", r.ZH, r.EN)
			}
			if want := strings.TrimSpace(tt.in); tt.code != CodeRequired && r.Value != want && len([]rune(want)) <= maxValueRunes {
				t.Errorf("Value = %q, want %q", r.Value, want)
			}
		})
	}
}

func TestValidatorMessages(t *testing.T) {
	id, _, idBad, _, _ := validIDs(t)
	personal := catalog.Item{Name: "公民身份号码", Type: "C", Personal: true, Key: true, KeyKind: catalog.KeyResidentID}
	_, rej := checkOne(personal, idBad)
	if len(rej) != 1 || rej[0].Value != "" {
		t.Fatalf("a personal item's value is echoed: %+v", rej)
	}
	if r := rej[0]; !strings.Contains(r.ZH, "第18位") || !strings.Contains(r.EN, "position 18") || strings.Contains(r.ZH, idBad) {
		t.Errorf("messages = %q / %q", r.ZH, r.EN)
	}
	_, rej = checkOne(personal, id[:6]+"19900230"+id[14:])
	if r := rej[0]; !strings.Contains(r.ZH, "第7–14位的出生日期") || !strings.Contains(r.EN, "birth date") {
		t.Errorf("messages = %q / %q", r.ZH, r.EN)
	}

	long := strings.Repeat("长", 50)
	_, rej = checkOne(catalog.Item{Name: "说明", Type: "C", Values: []string{"a"}}, long)
	if got := rej[0].Value; got != strings.Repeat("长", 40)+"…" {
		t.Errorf("Value = %q, want 40 runes and an ellipsis", got)
	}
	if r := rej[0]; !strings.Contains(r.ZH, "可选：a") || !strings.Contains(r.EN, "(a)") {
		t.Errorf("enum messages do not list the values: %q / %q", r.ZH, r.EN)
	}
	_, rej = checkOne(catalog.Item{Name: "金额", Type: "N", Min: "0", Max: "10"}, "11")
	if r := rej[0]; !strings.Contains(r.ZH, "0 至 10") || !strings.Contains(r.EN, "0 to 10") {
		t.Errorf("range messages = %q / %q", r.ZH, r.EN)
	}
}

func TestValidatorBadBoundsAreIgnored(t *testing.T) {
	for _, it := range []catalog.Item{
		{Name: "a", Type: "I", Min: "x", Max: "1.5", Values: []string{"y"}},
		{Name: "b", Type: "D", Min: "2023-02-30", Max: "tomorrow"},
		{Name: "c", Type: "C", Min: "-1", Max: "many"},
		{Name: "d", Type: "L", Min: "0", Max: "1"},
	} {
		if v, rej := checkOne(it, map[catalog.ItemType]string{"I": "5", "D": "2000-01-01", "C": "abc", "L": "1"}[it.Type]); len(rej) != 0 || v == nil {
			t.Errorf("%s: %v %+v", it.Name, v, rej)
		}
	}
}

// personColumns is the schema of the benchmark: a resident's record.
func personColumns() []Column {
	return []Column{
		{Name: "c1", Item: catalog.Item{Name: "公民身份号码", Type: "C", Length: 18, Key: true, KeyKind: catalog.KeyResidentID, Personal: true}},
		{Name: "c2", Item: catalog.Item{Name: "姓名", Type: "C", Length: 50, Required: true, Personal: true}},
		{Name: "c3", Item: catalog.Item{Name: "性别", Type: "C", Values: []string{"男", "女"}}},
		{Name: "c4", Item: catalog.Item{Name: "出生日期", Type: "D", Min: "1900-01-01"}},
		{Name: "c5", Item: catalog.Item{Name: "住址", Type: "C", Length: 200, Personal: true}},
		{Name: "c6", Item: catalog.Item{Name: "手机号码", Type: "C", Format: catalog.FormatMobile, Personal: true}},
		{Name: "c7", Item: catalog.Item{Name: "行政区划", Type: "C", Format: catalog.FormatDivision}},
	}
}

func TestValidatorRows(t *testing.T) {
	v := NewValidator(personColumns())
	rnd := rand.New(rand.NewPCG(3, 4))
	out := make([]any, 7)
	for range 200 {
		row := randomPerson(rnd)
		if rej := v.Check(row, out, nil); len(rej) != 0 {
			t.Fatalf("Check(%q): %+v", row, rej)
		}
		if out[0] != row[0] || out[3] != row[3] {
			t.Fatalf("out = %v", out)
		}
	}
	// A short row is empty values; rejections append to what is there.
	prev := []Rejection{{Row: 9, Code: "x"}}
	rej := v.Check([]string{"", "张三", "未知"}, out, prev)
	var codes []string
	for _, r := range rej[1:] {
		codes = append(codes, r.Field+":"+r.Code)
	}
	if rej[0].Code != "x" || strings.Join(codes, " ") != "公民身份号码:collect.value.required 性别:collect.value.enum" {
		t.Errorf("rejections = %v", codes)
	}
	if out[1] != "张三" || out[2] != nil || out[3] != nil {
		t.Errorf("out = %v", out)
	}
}

// TestValidatorAllocations: a valid row costs only the boxing of its
// values in out (one allocation per string, none for a valid row's checks).
func TestValidatorAllocations(t *testing.T) {
	v := NewValidator(personColumns())
	row := randomPerson(rand.New(rand.NewPCG(5, 6)))
	out := make([]any, 7)
	rej := make([]Rejection, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		if r := v.Check(row, out, rej[:0]); len(r) != 0 {
			t.Fatal(r)
		}
	})
	if allocs > 7 {
		t.Errorf("Check allocates %v times per row, want at most 7 (boxing)", allocs)
	}
}

func BenchmarkValidatorPersons(b *testing.B) {
	v := NewValidator(personColumns())
	rnd := rand.New(rand.NewPCG(1, 2))
	rows := make([][]string, 4096)
	for i := range rows {
		rows[i] = randomPerson(rnd)
	}
	out := make([]any, 7)
	var rej []Rejection
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		rej = v.Check(rows[n%len(rows)], out, rej[:0])
		if len(rej) != 0 {
			b.Fatal(rej)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCSVValidatePersons reads and validates a CSV of persons, as the
// loader does, to show which of the two dominates.
func BenchmarkCSVValidatePersons(b *testing.B) {
	data := personCSV(100_000)
	cols := personColumns()
	ds := Dataset{Columns: cols}
	v := NewValidator(cols)
	out := make([]any, len(cols))
	var rej []Rejection
	rows := 0
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := OpenReader(FormatCSV, bytes.NewReader(data), ds.Fields(), ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			row, err := r.Next()
			if err != nil {
				break
			}
			if rej = v.Check(row[:len(cols)], out, rej[:0]); len(rej) != 0 {
				b.Fatal(rej)
			}
			rows++
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
