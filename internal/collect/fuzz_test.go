package collect

import (
	"bytes"
	"errors"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/catalog"
)

// fuzzRead reads everything from a reader the fuzzer opened and checks the
// invariants every format shares: no panic; each row aligned to the
// fields; each row error bilingual, numbered as Line() says, with the line
// numbers never going back; a fatal error an *apperr.Error (or the
// source's, which a bytes.Reader never gives) that stays.
func fuzzRead(t *testing.T, f Format, data []byte, opt ReadOptions) {
	r, err := OpenReader(f, bytes.NewReader(data), decFields, opt)
	if err != nil {
		fuzzFatal(t, err)
		return
	}
	defer r.Close()
	last := 0
	for n := 0; ; n++ {
		if n > len(data)+2 {
			t.Fatalf("more results (%d) than input bytes", n)
		}
		row, err := r.Next()
		if err == io.EOF {
			return
		}
		if r.Line() < last && f != FormatJSON {
			t.Fatalf("Line() went back from %d to %d", last, r.Line())
		}
		last = r.Line()
		var re *RowError
		switch {
		case errors.As(err, &re):
			if re.Row != r.Line() || re.Code == "" || re.ZH == "" || re.EN == "" {
				t.Fatalf("row error %+v at line %d", re.Rejection, r.Line())
			}
		case err != nil:
			fuzzFatal(t, err)
			if _, again := r.Next(); again != err && again != io.EOF {
				t.Fatalf("after the fatal %v, Next gave %v", err, again)
			}
			return
		case len(row) != len(decFields):
			t.Fatalf("row %q has %d fields, want %d", row, len(row), len(decFields))
		}
	}
}

func fuzzFatal(t *testing.T, err error) {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || e.Code == "" || e.ZH == "" || e.EN == "" {
		t.Fatalf("fatal error %v is not a bilingual invalid *apperr.Error", err)
	}
}

func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("姓名,住址\n张三,广州\n"), uint8(0))
	f.Add([]byte("\xEF\xBB\xBF姓名,备注\r\n\"a\"\"b\",\"多\n行\"\r\n"), uint8(1))
	f.Add([]byte("姓名,住址,,\n张\"三,广州\n李四\n\"王五,x\n"), uint8(0))
	f.Add([]byte("\xd0\xd5\xc3\xfb,\xd7\xa1\xd6\xb7\n\xd5\xc5\xc8\xfd,\xff\xff\n"), uint8(2))
	f.Add([]byte("姓名,年龄\n"), uint8(3))
	f.Add([]byte(""), uint8(0))
	f.Add([]byte("\""), uint8(0))
	encs := []string{"", "utf-8", "gbk", "gb18030"}
	f.Fuzz(func(t *testing.T, data []byte, enc uint8) {
		fuzzRead(t, FormatCSV, data, ReadOptions{Encoding: encs[int(enc)%len(encs)]})
	})
}

func FuzzJSONLReader(f *testing.F) {
	f.Add([]byte(`{"姓名":"张三","备注":1.50,"性别":true,"住址":null}` + "\n\n" + `[1]` + "\n" + `{"x":1}`))
	f.Add([]byte("\xEF\xBB\xBF" + `{"姓名":"a\u00e9\"","姓名":"b"}` + "\r\n" + `{"备注":{"a":[]}}`))
	f.Add([]byte(`{"姓名":"` + "\xff" + `"}` + "\n" + `{"姓名":"x",}`))
	f.Add([]byte("   \n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, FormatJSONL, data, ReadOptions{})
	})
}

func FuzzJSONReader(f *testing.F) {
	f.Add([]byte(`[{"姓名":"张三","备注":-1e3},5,{"x":1},{"备注":[1]}]`))
	f.Add([]byte("\xEF\xBB\xBF[]"))
	f.Add([]byte(`[{"姓名":"a"}, {"姓名":}]`))
	f.Add([]byte(`[{"姓名":"a"}] tail`))
	f.Add([]byte(`{"姓名":"a"}`))
	f.Add([]byte(`"`))
	f.Add([]byte("2" + strings.Repeat("0", 400)))
	f.Add([]byte(`[1e999, {"备注":1e999}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, FormatJSON, data, ReadOptions{})
	})
}

// fuzzColumns has every type and every format, with bounds, lengths and
// enumerations; the types Check must give for each.
var fuzzColumns = []Column{
	{Name: "c1", Item: catalog.Item{Name: "文本", Type: "C", Length: 8, Min: "1", Max: "6", Required: true}},
	{Name: "c2", Item: catalog.Item{Name: "备注", Type: "M", Length: 20}},
	{Name: "c3", Item: catalog.Item{Name: "数值", Type: "N", Length: 10, Min: "-100.5", Max: "1e3"}},
	{Name: "c4", Item: catalog.Item{Name: "金额", Type: "Y", Min: "0", Values: []string{"0", "1.5", "20"}}},
	{Name: "c5", Item: catalog.Item{Name: "整数", Type: "I", Length: 4, Min: "-50", Max: "5000"}},
	{Name: "c6", Item: catalog.Item{Name: "浮点", Type: "F", Min: "-1e10", Max: "1e10"}},
	{Name: "c7", Item: catalog.Item{Name: "逻辑", Type: "L", Key: true}},
	{Name: "c8", Item: catalog.Item{Name: "日期", Type: "D", Min: "1900-01-01", Max: "2100/12/31"}},
	{Name: "c9", Item: catalog.Item{Name: "时间", Type: "T", Min: "2000-01-01"}},
	{Name: "c10", Item: catalog.Item{Name: "二进制", Type: "B"}},
	{Name: "c11", Item: catalog.Item{Name: "通用", Type: "G", Required: true}},
	{Name: "c12", Item: catalog.Item{Name: "身份证", Type: "C", KeyKind: catalog.KeyResidentID, Personal: true}},
	{Name: "c13", Item: catalog.Item{Name: "信用代码", Type: "C", Format: catalog.FormatCreditCode}},
	{Name: "c14", Item: catalog.Item{Name: "手机", Type: "C", Format: catalog.FormatMobile}},
	{Name: "c15", Item: catalog.Item{Name: "区划", Type: "I", Format: catalog.FormatDivision}},
	{Name: "c16", Item: catalog.Item{Name: "性别", Type: "C", Values: []string{"男", "女", "未知"}}},
}

// fuzzWant is the Go type of each column's typed value.
var fuzzWant = []string{"string", "string", "string", "string", "int64", "float64", "bool", "string", "time.Time", "[]uint8", "[]uint8", "string", "string", "string", "int64", "string"}

func FuzzValidator(f *testing.F) {
	f.Add("张三|  多行\n备注 |+012.50|1.50|4400|1e3|是|2006/1/2|2024-03-01 08:00:00|aGk=|AA==|440703199005170011|91440700MA4UXXXX0X|+8613800138000|440703|男")
	f.Add("|||||||||||||||")
	f.Add("abcdefg|x|1e5|-1|99999|NaN|yes|2023-02-30|2024-02-30T00:00:00Z|***|@|44070319900230001X|x|1|4407|其他")
	f.Add("\u3000a\u3000|\xff|-0.0|0|-0|-0|FALSE|20240229|2024-03-01T08:00:00+08:00| | |x|y|z|0|女")
	v := NewValidator(fuzzColumns)
	f.Fuzz(func(t *testing.T, line string) {
		if got, want := trimSpace(line), strings.TrimSpace(line); got != want {
			t.Fatalf("trimSpace(%q) = %q, want %q", line, got, want)
		}
		row := strings.Split(line, "|")
		out := make([]any, len(fuzzColumns))
		rej := v.Check(row, out, nil)
		bad := map[string]Rejection{}
		for _, r := range rej {
			if _, dup := bad[r.Field]; dup || r.Row != 0 || r.Code == "" || r.ZH == "" || r.EN == "" {
				t.Fatalf("rejection %+v (duplicate, numbered or not bilingual)", r)
			}
			bad[r.Field] = r
		}
		for i, c := range fuzzColumns {
			in := ""
			if i < len(row) {
				in = row[i]
			}
			r, rejected := bad[c.Item.Name]
			blankIn := strings.TrimSpace(in) == ""
			switch {
			case blankIn && (c.Item.Required || c.Item.Key):
				if !rejected || r.Code != CodeRequired {
					t.Fatalf("%s: required and empty, got %+v", c.Item.Name, r)
				}
			case rejected:
				if out[i] != nil {
					t.Fatalf("%s: rejected but out = %v", c.Item.Name, out[i])
				}
				if c.Item.Personal && r.Value != "" {
					t.Fatalf("%s: personal value echoed", c.Item.Name)
				}
				if n := len([]rune(r.Value)); n > maxValueRunes+1 {
					t.Fatalf("%s: value of %d runes echoed", c.Item.Name, n)
				}
			case blankIn:
				if out[i] != nil {
					t.Fatalf("%s: empty but out = %v", c.Item.Name, out[i])
				}
			default:
				if got := typeName(out[i]); got != fuzzWant[i] {
					t.Fatalf("%s: %q passed as %s, want %s", c.Item.Name, in, got, fuzzWant[i])
				}
				fuzzCanonical(t, v, i, in, out[i])
			}
		}
	})
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "int64"
	case float64:
		return "float64"
	case bool:
		return "bool"
	case time.Time:
		return "time.Time"
	case []byte:
		return "[]uint8"
	}
	return "other"
}

// fuzzCanonical checks that a typed value that passed passes again, as
// itself, when written as its canonical text, and that a decimal keeps
// its value.
func fuzzCanonical(t *testing.T, v *Validator, i int, in string, val any) {
	var text string
	switch x := val.(type) {
	case string:
		text = x
	case time.Time:
		if x.Location() != time.UTC {
			t.Fatalf("column %d: time %v not in UTC", i, x)
		}
		text = x.Format(time.RFC3339Nano)
	default:
		return
	}
	row := make([]string, len(fuzzColumns))
	row[i] = text
	for j, c := range fuzzColumns {
		if j != i && (c.Item.Required || c.Item.Key) {
			row[j] = map[string]string{"文本": "x", "逻辑": "1", "通用": "AA=="}[c.Item.Name]
		}
	}
	out := make([]any, len(fuzzColumns))
	if rej := v.Check(row, out, nil); len(rej) != 0 {
		t.Fatalf("column %d: canonical %q of %q refused: %+v", i, text, in, rej)
	}
	if t2, ok := val.(time.Time); ok {
		if !t2.Equal(out[i].(time.Time)) {
			t.Fatalf("column %d: %v became %v", i, val, out[i])
		}
	} else if out[i] != val && fuzzColumns[i].Item.Type != "M" {
		t.Fatalf("column %d: canonical %q became %q", i, val, out[i])
	}
	if typ := fuzzColumns[i].Item.Type; typ == "N" || typ == "Y" {
		a, okA := new(big.Rat).SetString(strings.TrimSpace(in))
		b, okB := new(big.Rat).SetString(text)
		if !okB || okA && a.Cmp(b) != 0 {
			t.Fatalf("column %d: decimal %q became %q", i, in, text)
		}
	}
}
