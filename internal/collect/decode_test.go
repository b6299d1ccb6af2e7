package collect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"pubdata/internal/apperr"
	"pubdata/internal/ident"
)

// decFields are the input fields of the decoder tests' dataset.
var decFields = []string{"姓名", "性别", "住址", "备注", OpField}

// decRow is one outcome of Next: a row with its line, or a row error.
type decRow struct {
	line  int
	row   []string // nil for an error
	code  string   // the RowError's code
	field string   // the RowError's field
}

func (d decRow) String() string {
	if d.row == nil {
		return fmt.Sprintf("%d:error %s field=%q", d.line, d.code, d.field)
	}
	return fmt.Sprintf("%d:%q", d.line, d.row)
}

// mustOpen opens input as format f with decFields.
func mustOpen(t testing.TB, f Format, input []byte, opt ReadOptions) RowReader {
	t.Helper()
	r, err := OpenReader(f, bytes.NewReader(input), decFields, opt)
	if err != nil {
		t.Fatalf("OpenReader: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// readAllRows reads r to the end, collecting rows and row errors; a fatal
// error fails the test.
func readAllRows(t testing.TB, r RowReader) []decRow {
	t.Helper()
	var out []decRow
	for {
		row, err := r.Next()
		if err == io.EOF {
			return out
		}
		var re *RowError
		switch {
		case errors.As(err, &re):
			if re.Row != r.Line() {
				t.Errorf("RowError.Row = %d, Line() = %d", re.Row, r.Line())
			}
			mustBilingual(t, re.Code, re.ZH, re.EN)
			out = append(out, decRow{line: re.Row, code: re.Code, field: re.Field})
		case err != nil:
			t.Fatalf("after %v: fatal %v", out, err)
		default:
			out = append(out, decRow{line: r.Line(), row: slices.Clone(row)})
		}
		if len(out) > 100_000 {
			t.Fatal("reader does not end")
		}
	}
}

// mustBilingual fails unless a message has a code and both languages,
// the Chinese one in Chinese.
func mustBilingual(t testing.TB, code, zh, en string) {
	t.Helper()
	if code == "" || zh == "" || en == "" || zh == en {
		t.Errorf("error %q lacks a code or a message in zh and en: zh=%q en=%q", code, zh, en)
	}
}

// mustFatal fails unless err is an *apperr.Error with the code, field and
// row, and bilingual.
func mustFatal(t testing.TB, err error, code, field string, row int) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error %v is not an *apperr.Error, want %s", err, code)
	}
	if e.Kind != apperr.Invalid || e.Code != code || e.Field != field || e.Row != row {
		t.Errorf("error = kind %v %s field %q row %d, want invalid %s field %q row %d", e.Kind, e.Code, e.Field, e.Row, code, field, row)
	}
	mustBilingual(t, e.Code, e.ZH, e.EN)
	return e
}

func sameRows(t *testing.T, got, want []decRow) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows:\n got %v\nwant %v", got, want)
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name, file string
		head       string
		want       Format
		code       string
	}{
		{"csv", "人口.csv", "姓名,性别", FormatCSV, ""},
		{"txt", "a.TXT", "a,b", FormatCSV, ""},
		{"xlsx by magic", "upload.bin", "PK\x03\x04rest", FormatXLSX, ""},
		{"xlsx misnamed csv", "a.csv", "PK\x03\x04", FormatXLSX, ""},
		{"xlsx by name without head", "a.xlsx", "", FormatXLSX, ""},
		{"xlsx name but text", "a.xlsx", "a,b,c", "", "collect.format.unknown"},
		{"jsonl", "a.jsonl", `{"a":1}`, FormatJSONL, ""},
		{"ndjson", "a.ndjson", "", FormatJSONL, ""},
		{"json array", "a.json", " \n[{\"a\":1}]", FormatJSON, ""},
		{"json named but lines", "a.json", `{"a":1}` + "\n" + `{"a":2}`, FormatJSONL, ""},
		{"jsonl named but array", "a.jsonl", `[{"a":1}]`, FormatJSON, ""},
		{"json with BOM", "a.json", "\xEF\xBB\xBF[", FormatJSON, ""},
		{"no name array", "", "[", FormatJSON, ""},
		{"no name object", "", "{", FormatJSONL, ""},
		{"no name text", "", "a,b", FormatCSV, ""},
		{"legacy xls by name", "a.xls", "", "", "collect.format.xls"},
		{"legacy xls by magic", "a.csv", "\xD0\xCF\x11\xE0\xA1\xB1", "", "collect.format.xls"},
		{"pdf", "a.pdf", "%PDF-1.7", "", "collect.format.unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectFormat(tt.file, []byte(tt.head))
			if tt.code != "" {
				mustFatal(t, err, tt.code, "file", 0)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("DetectFormat(%q, %q) = %q, %v; want %q", tt.file, tt.head, got, err, tt.want)
			}
		})
	}
}

func TestOpenReaderUnknownFormatAndEncoding(t *testing.T) {
	_, err := OpenReader("xml", strings.NewReader(""), decFields, ReadOptions{})
	mustFatal(t, err, "collect.format.unknown", "format", 0)
	_, err = OpenReader(FormatCSV, strings.NewReader("姓名\n"), decFields, ReadOptions{Encoding: "big5"})
	mustFatal(t, err, "collect.encoding.unknown", "encoding", 0)
}

func TestCSVReader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []decRow
	}{
		{"all columns in another order", "住址,姓名,_op,备注,性别\n广州,张三,,无,男\n",
			[]decRow{{line: 2, row: []string{"张三", "男", "广州", "无", ""}}}},
		{"absent columns are empty, header trimmed", " 姓名 ,\t住址\r\n张三,广州\r\n李四,\r\n",
			[]decRow{{line: 2, row: []string{"张三", "", "广州", "", ""}}, {line: 3, row: []string{"李四", "", "", "", ""}}}},
		{"blank lines and empty rows skipped", "\n姓名,住址\n\n张三,广州\n,\n \t, \n李四,深圳",
			[]decRow{{line: 4, row: []string{"张三", "", "广州", "", ""}}, {line: 7, row: []string{"李四", "", "深圳", "", ""}}}},
		{"quoted fields keep their first line", "姓名,备注\n\"张\"\"三\",\"第一行\n第二行\"\n李四,\"a,b\"\n",
			[]decRow{{line: 2, row: []string{"张\"三", "", "", "第一行\n第二行", ""}}, {line: 4, row: []string{"李四", "", "", "a,b", ""}}}},
		{"wrong field count is a row error, reading goes on", "姓名,住址\n张三\n李四,广州,多余\n王五,深圳\n",
			[]decRow{{line: 2, code: "collect.row.fields"}, {line: 3, code: "collect.row.fields"}, {line: 4, row: []string{"王五", "", "深圳", "", ""}}}},
		{"bare quote is a row error, reading goes on", "姓名,住址\n张\"三,广州\n李四,深圳\n",
			[]decRow{{line: 2, code: "collect.row.syntax"}, {line: 3, row: []string{"李四", "", "深圳", "", ""}}}},
		{"extraneous quote is a row error, reading goes on", "姓名,住址\n\"张\"三,广州\n李四,深圳\n",
			[]decRow{{line: 2, code: "collect.row.syntax"}, {line: 3, row: []string{"李四", "", "深圳", "", ""}}}},
		{"unclosed quote runs to the end", "姓名,住址\n李四,深圳\n\"张三,广州\n王五,x\n",
			[]decRow{{line: 2, row: []string{"李四", "", "深圳", "", ""}}, {line: 3, code: "collect.row.syntax"}}},
		{"unnamed trailing columns must be empty", "姓名,住址,,\n张三,广州,,\n李四,深圳,,x\n",
			[]decRow{{line: 2, row: []string{"张三", "", "广州", "", ""}}, {line: 3, code: "collect.row.unnamed"}}},
		{"op column", "姓名,_op\n张三,delete\n",
			[]decRow{{line: 2, row: []string{"张三", "", "", "", "delete"}}}},
		{"header only", "姓名,住址\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustOpen(t, FormatCSV, []byte(tt.input), ReadOptions{})
			if got := r.(EncodingReporter).Encoding(); got != EncodingUTF8 {
				t.Errorf("Encoding() = %q, want utf-8", got)
			}
			sameRows(t, readAllRows(t, r), tt.want)
		})
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name, input string
		code, field string
		row         int
		mention     string // the message must name it
	}{
		{"unknown column", "姓名,身份证号,住址\n张三,1,广州\n", "collect.header.unknown", "身份证号", 1, "身份证号"},
		{"unknown column after blank lines", "\n\n姓名,年龄\n", "collect.header.unknown", "年龄", 3, "年龄"},
		{"case matters", "姓名,_OP\n", "collect.header.unknown", "_OP", 1, "_OP"},
		{"duplicate column", "姓名,住址, 姓名\n", "collect.header.duplicate", "姓名", 1, "姓名"},
		{"empty column inside", "姓名,,住址\n", "collect.header.empty", "", 1, "2"},
		{"empty file", "", "collect.header.missing", "", 1, ""},
		{"only blank lines", "\n\r\n\n", "collect.header.missing", "", 1, ""},
		{"only a BOM", "\xEF\xBB\xBF", "collect.header.missing", "", 1, ""},
		{"broken header", "姓名,\"住址\n", "collect.header.syntax", "", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenReader(FormatCSV, strings.NewReader(tt.input), decFields, ReadOptions{})
			e := mustFatal(t, err, tt.code, tt.field, tt.row)
			if !strings.Contains(e.ZH, tt.mention) || !strings.Contains(e.EN, tt.mention) {
				t.Errorf("messages do not name %q: %q / %q", tt.mention, e.ZH, e.EN)
			}
			if tt.code == "collect.header.unknown" && (!strings.Contains(e.ZH, "住址") || !strings.Contains(e.EN, "住址")) {
				t.Errorf("messages do not list the expected fields: %q / %q", e.ZH, e.EN)
			}
		})
	}
}

// gbkPersons are the rows of the fixtures in testdata/decode, written
// there by an independent encoder (Python's codecs) with CRLF line ends.
var gbkPersons = []decRow{
	{line: 2, row: []string{"张三", "男", "广东省江门市蓬江区建设路1号", "", ""}},
	{line: 3, row: []string{"李四", "女", "广州市天河区体育西路, 东座", "多行\n备注", ""}},
	{line: 5, row: []string{"王五", "男", "深圳市福田区", "", ""}},
}

func TestCSVEncodingFixtures(t *testing.T) {
	gb18030Persons := slices.Clone(gbkPersons)
	gb18030Persons[2] = decRow{line: 5, row: []string{"吉𠮷", "男", "深圳市福田区", "€", ""}}
	tests := []struct {
		file, declared, want string
		rows                 []decRow
	}{
		{"persons-gbk.csv", "", EncodingGB18030, gbkPersons},
		{"persons-gbk.csv", "GBK", EncodingGBK, gbkPersons},
		{"persons-gbk.csv", "gb18030", EncodingGB18030, gbkPersons},
		{"persons-gb18030.csv", "", EncodingGB18030, gb18030Persons},
		{"persons-gb18030.csv", "GB18030", EncodingGB18030, gb18030Persons},
		{"persons-utf8-bom.csv", "", EncodingUTF8, gbkPersons},
		{"persons-utf8-bom.csv", "UTF-8", EncodingUTF8, gbkPersons},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.declared, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "decode", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			r := mustOpen(t, FormatCSV, b, ReadOptions{Encoding: tt.declared})
			if got := r.(EncodingReporter).Encoding(); got != tt.want {
				t.Errorf("Encoding() = %q, want %q", got, tt.want)
			}
			if got := r.(HeaderReporter).Header(); !slices.Equal(got, decFields[:4]) {
				t.Errorf("Header() = %q", got)
			}
			sameRows(t, readAllRows(t, r), tt.rows)
		})
	}
}

func TestCSVEncodingFromGo(t *testing.T) {
	text := "\uFEFF姓名,住址\n吉𠮷,广州\n"
	gb18030, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := simplifiedchinese.GBK.NewEncoder().String(text); err == nil {
		t.Fatal("𠮷 should not be in GBK")
	}
	want := []decRow{{line: 2, row: []string{"吉𠮷", "", "广州", "", ""}}}
	r := mustOpen(t, FormatCSV, []byte(gb18030), ReadOptions{})
	if got := r.(EncodingReporter).Encoding(); got != EncodingGB18030 {
		t.Errorf("Encoding() = %q", got)
	}
	sameRows(t, readAllRows(t, r), want)

	// Declared UTF-8 for a GBK file: the header is not text.
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("姓名,住址\n张三,广州\n")
	_, err = OpenReader(FormatCSV, strings.NewReader(gbk), decFields, ReadOptions{Encoding: "utf-8"})
	mustFatal(t, err, "collect.header.encoding", "", 1)

	// Declared GBK for bytes GBK cannot decode: the row is refused.
	r = mustOpen(t, FormatCSV, []byte(gbk+"张三,\xFF\xFF\n"), ReadOptions{Encoding: "gbk"})
	sameRows(t, readAllRows(t, r), []decRow{{line: 2, row: []string{"张三", "", "广州", "", ""}}, {line: 3, code: "collect.row.encoding", field: "住址"}})
}

// TestCSVEncodingDetection: the first 64 KiB decide; a rune cut by that
// boundary is still UTF-8; GBK text after a long ASCII start is caught row
// by row.
func TestCSVEncodingDetection(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("姓名,备注\n")
	for b.Len() < sniffSize-200 {
		b.WriteString("a,b\n")
	}
	// "中" is 3 bytes: it straddles the end of the sample.
	b.WriteString("x," + strings.Repeat("y", sniffSize-4-b.Len()) + "中\n")
	if b.Len() <= sniffSize || bytes.IndexRune(b.Bytes(), '中') != sniffSize-2 {
		t.Fatalf("bad setup: 中 at %d", bytes.IndexRune(b.Bytes(), '中'))
	}
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("张三,广州\n")
	b.WriteString(gbk)
	r := mustOpen(t, FormatCSV, b.Bytes(), ReadOptions{})
	if got := r.(EncodingReporter).Encoding(); got != EncodingUTF8 {
		t.Fatalf("Encoding() = %q, want utf-8", got)
	}
	rows := readAllRows(t, r)
	last := rows[len(rows)-1]
	if last.code != "collect.row.encoding" || last.field != "姓名" {
		t.Errorf("last row = %v, want a collect.row.encoding error", last)
	}
	if prev := rows[len(rows)-2]; prev.row == nil || !strings.HasSuffix(prev.row[3], "y中") {
		t.Errorf("row across the boundary = %v", prev)
	}
	if !validUTF8Prefix([]byte("ab\xE4\xB8"), true) || validUTF8Prefix([]byte("ab\xE4\xB8"), false) || validUTF8Prefix([]byte("a\xFFb"), true) {
		t.Error("validUTF8Prefix")
	}
}

// TestRunawayRow: a quote never closed would pull the rest of a CSV file
// into one field; a JSON element of megabytes likewise. Both stop reading.
func TestRunawayRow(t *testing.T) {
	huge := strings.Repeat("一行文字\n", MaxRowBytes/10)
	r := mustOpen(t, FormatCSV, []byte("姓名,备注\n张三,x\n李四,\""+huge+"\"\n王五,y\n"), ReadOptions{})
	if row, err := r.Next(); err != nil || row[0] != "张三" {
		t.Fatalf("first row: %q, %v", row, err)
	}
	_, err := r.Next()
	mustFatal(t, err, "collect.row.too_long", "", 3)
	if _, again := r.Next(); again != err {
		t.Errorf("the error is not sticky: %v", again)
	}

	r = mustOpen(t, FormatJSON, []byte(`[{"姓名":"张三"},{"备注":"`+strings.Repeat("长", MaxRowBytes*2)+`"}]`), ReadOptions{})
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	mustFatal(t, err, "collect.row.too_long", "", 2)

	// Just under the limit is fine.
	big := strings.Repeat("x", MaxRowBytes-100)
	r = mustOpen(t, FormatCSV, []byte("备注\n"+big+"\n"+big+"\n"), ReadOptions{})
	if rows := readAllRows(t, r); len(rows) != 2 || rows[1].line != 3 || len(rows[1].row[3]) != len(big) {
		t.Errorf("rows under the limit: %d", len(rows))
	}
}

// TestSourceErrors: an error of the source is not the input's fault; it
// comes back as it is, not as an error of the rows.
func TestSourceErrors(t *testing.T) {
	boom := errors.New("connection reset")
	tests := []struct {
		f      Format
		prefix string
	}{
		{FormatCSV, "姓名,住址\n张三,广州\n"},
		{FormatJSONL, `{"姓名":"张三"}` + "\n"},
		{FormatJSON, `[{"姓名":"张三"},`},
		{FormatJSON, ``},
	}
	for _, tt := range tests {
		src := io.MultiReader(strings.NewReader(tt.prefix), iotest.ErrReader(boom))
		r, err := OpenReader(tt.f, src, decFields, ReadOptions{})
		for err == nil {
			_, err = r.Next()
		}
		if !errors.Is(err, boom) {
			t.Errorf("%s %q: error %v, want the source's", tt.f, tt.prefix, err)
		}
	}
}

// genReader generates a CSV of n person rows on the fly, so that a test
// can read a file larger than it wants to hold.
type genReader struct {
	n, i int
	buf  []byte
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.i > g.n {
			return 0, io.EOF
		}
		if g.i == 0 {
			g.buf = append(g.buf, "姓名,性别,住址,备注\n"...)
		} else {
			g.buf = fmt.Appendf(g.buf, "张%d,男,广东省江门市蓬江区建设路%d号,\"备注，含逗号, 与引号\"\"\"\n", g.i, g.i)
		}
		g.i++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	if len(g.buf) == 0 {
		g.buf = g.buf[:0:cap(g.buf)]
	}
	return n, nil
}

// TestCSVReaderStreams reads a file many times larger than the heap it
// may keep, in UTF-8 and (transcoded on the fly) GB18030: what it holds
// must not grow with the rows read.
func TestCSVReaderStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 400,000 rows")
	}
	const n = 200_000 // about 14 MB in UTF-8
	for _, enc := range []string{"", "gb18030"} {
		var src io.Reader = &genReader{n: n}
		if enc != "" {
			src = transform.NewReader(src, simplifiedchinese.GB18030.NewEncoder())
		}
		r, err := OpenReader(FormatCSV, src, decFields, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var peak uint64
		var ms runtime.MemStats
		rows := 0
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if rows++; rows%50_000 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
				if row[0] != fmt.Sprint("张", rows) {
					t.Fatalf("row %d = %q", rows, row)
				}
			}
		}
		if rows != n {
			t.Errorf("%s: read %d rows, want %d", enc, rows, n)
		}
		if peak > 4<<20 {
			t.Errorf("%s: the live heap reached %d bytes", enc, peak)
		}
	}
}

// buildXLSX writes a workbook: sheet "人员" with a blank first row, the
// header in row 2, rows with a date cell and a number, a blank row inside,
// trailing empty rows; a second sheet "其他".
func buildXLSX(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "人员"))
	_, err := f.NewSheet("其他")
	must(err)
	rows := map[string][]any{
		"A2": {"姓名", " 住址 ", "备注", nil},
		"A3": {"张三", "广州", 12.5},
		"A5": {"李四", "深圳", "x"},
		"A6": {"王五", nil, nil, "没有表头"},
	}
	for cell, vals := range rows {
		must(f.SetSheetRow("人员", cell, &vals))
	}
	must(f.SetCellValue("人员", "C7", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)))
	must(f.SetCellValue("人员", "A7", "赵六"))
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	must(f.SetCellStyle("人员", "C7", "C7", date))
	must(f.SetCellStyle("人员", "A10", "D12", date)) // styled but empty trailing rows
	must(f.SetSheetRow("其他", "A1", &[]any{"姓名", "性别"}))
	must(f.SetSheetRow("其他", "A2", &[]any{"孙七", "女"}))
	var b bytes.Buffer
	must(f.Write(&b))
	return b.Bytes()
}

func TestXLSXReader(t *testing.T) {
	book := buildXLSX(t)
	r := mustOpen(t, FormatXLSX, book, ReadOptions{})
	if got := r.(EncodingReporter).Encoding(); got != "" {
		t.Errorf("Encoding() = %q", got)
	}
	if got := r.(HeaderReporter).Header(); !slices.Equal(got, []string{"姓名", "住址", "备注"}) {
		t.Errorf("Header() = %q", got)
	}
	sameRows(t, readAllRows(t, r), []decRow{
		{line: 3, row: []string{"张三", "", "广州", "12.5", ""}},
		{line: 5, row: []string{"李四", "", "深圳", "x", ""}},
		{line: 6, code: "collect.row.unnamed"},
		{line: 7, row: []string{"赵六", "", "", "2024-02-29", ""}},
	})

	r = mustOpen(t, FormatXLSX, book, ReadOptions{Sheet: "其他"})
	sameRows(t, readAllRows(t, r), []decRow{{line: 2, row: []string{"孙七", "女", "", "", ""}}})

	_, err := OpenReader(FormatXLSX, bytes.NewReader(book), decFields, ReadOptions{Sheet: "无此表"})
	if e := mustFatal(t, err, "collect.xlsx.sheet", "sheet", 0); !strings.Contains(e.ZH, "其他") {
		t.Errorf("message does not list the sheets: %q", e.ZH)
	}
	_, err = OpenReader(FormatXLSX, strings.NewReader("姓名,住址\n"), decFields, ReadOptions{})
	mustFatal(t, err, "collect.xlsx.open", "", 0)
}

func TestXLSXHeaderErrors(t *testing.T) {
	build := func(rows ...[]any) []byte {
		f := excelize.NewFile()
		defer f.Close()
		for i, row := range rows {
			if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
				t.Fatal(err)
			}
		}
		var b bytes.Buffer
		if err := f.Write(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	tests := []struct {
		name        string
		book        []byte
		code, field string
		row         int
	}{
		{"unknown", build(nil, []any{"姓名", "年龄"}), "collect.header.unknown", "年龄", 2},
		{"duplicate", build([]any{"姓名", "姓名"}), "collect.header.duplicate", "姓名", 1},
		{"empty sheet", build(), "collect.header.missing", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenReader(FormatXLSX, bytes.NewReader(tt.book), decFields, ReadOptions{})
			mustFatal(t, err, tt.code, tt.field, tt.row)
		})
	}
}

func TestJSONLReader(t *testing.T) {
	long := `{"备注":"` + strings.Repeat("长", MaxRowBytes/3) + `"}`
	input := strings.Join([]string{
		"\uFEFF" + `{"姓名":"张三","性别":"男","住址":"广州\n\"东\"\u5c71","_op":"upsert"}`,
		``,
		`{"姓名":"李四","备注":12.50,"住址":null,"性别":true}`,
		`   `,
		`{"姓名":"王五","身份证号":"1"}`,
		`[{"姓名":"王五"}]`,
		`{"姓名":"王五",}`,
		`{"姓名":{"姓":"王"}}`,
		`{"姓名":"赵六","备注":[1]}`,
		`"just a string"`,
		`{"姓名":"a","姓名":"b"}`,
		`{"姓名":"` + "\xFF" + `"}`,
		long,
		"{\"姓名\":\"孙七\",\"备注\":-1e3}\r",
		`{}`,
		`{"\u59d3\u540d":"周八"}`,
		`{"备注":"` + strings.Repeat("x", 200_000) + `"}`,
	}, "\n")
	r := mustOpen(t, FormatJSONL, []byte(input), ReadOptions{})
	sameRows(t, readAllRows(t, r), []decRow{
		{line: 1, row: []string{"张三", "男", "广州\n\"东\"山", "", "upsert"}},
		{line: 3, row: []string{"李四", "true", "", "12.50", ""}},
		{line: 5, code: "collect.field.unknown", field: "身份证号"},
		{line: 6, code: "collect.row.json"},
		{line: 7, code: "collect.row.json"},
		{line: 8, code: "collect.field.type", field: "姓名"},
		{line: 9, code: "collect.field.type", field: "备注"},
		{line: 10, code: "collect.row.json"},
		{line: 11, code: "collect.field.duplicate", field: "姓名"},
		{line: 12, code: "collect.row.encoding", field: "姓名"},
		{line: 13, code: "collect.row.too_long"},
		{line: 14, row: []string{"孙七", "", "", "-1e3", ""}},
		{line: 15, row: []string{"", "", "", "", ""}},
		{line: 16, row: []string{"周八", "", "", "", ""}},
		{line: 17, row: []string{"", "", "", strings.Repeat("x", 200_000), ""}},
	})
}

func TestJSONReader(t *testing.T) {
	input := `[
		{"姓名":"张三","备注":0},
		5,
		{"姓名":"李四","x":1},
		{"姓名":"王五","备注":{"a":1}},
		{"姓名":"赵六","性别":false}
	]  `
	r := mustOpen(t, FormatJSON, []byte("\uFEFF"+input), ReadOptions{})
	sameRows(t, readAllRows(t, r), []decRow{
		{line: 1, row: []string{"张三", "", "", "0", ""}},
		{line: 2, code: "collect.row.json"},
		{line: 3, code: "collect.field.unknown", field: "x"},
		{line: 4, code: "collect.field.type", field: "备注"},
		{line: 5, row: []string{"赵六", "false", "", "", ""}},
	})
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next after the end = %v", err)
	}

	r = mustOpen(t, FormatJSON, []byte("[]"), ReadOptions{})
	sameRows(t, readAllRows(t, r), nil)

	for _, body := range []string{``, `{"姓名":"张三"}`, `"x"`, `nope`, `  `} {
		_, err := OpenReader(FormatJSON, strings.NewReader(body), decFields, ReadOptions{})
		mustFatal(t, err, "collect.json.not_array", "", 0)
	}

	fatal := []struct {
		body, code string
		row        int
	}{
		{`[{"姓名":"张三"}, {"姓名":}]`, "collect.json.syntax", 2},
		{`[{"姓名":"张三"}`, "collect.json.syntax", 1},
		{`[{"姓名":"张三"},`, "collect.json.syntax", 2},
		{`[{"姓名":"张三"}] x`, "collect.json.trailing", 0},
	}
	for _, tt := range fatal {
		r := mustOpen(t, FormatJSON, []byte(tt.body), ReadOptions{})
		var err error
		for err == nil {
			_, err = r.Next()
		}
		mustFatal(t, err, tt.code, "", tt.row)
		if _, again := r.Next(); again != err {
			t.Errorf("%s: the error is not sticky: %v", tt.body, again)
		}
	}
}

// personCSV returns a CSV of n synthetic person rows in the bench schema.
func personCSV(n int) []byte {
	rnd := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString("公民身份号码,姓名,性别,出生日期,住址,手机号码,行政区划\n")
	for i := 0; i < n; i++ {
		p := randomPerson(rnd)
		b.WriteString(strings.Join(p, ","))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// randomPerson returns a valid row of the persons schema.
func randomPerson(rnd *rand.Rand) []string {
	birth := time.Date(1950+rnd.IntN(60), time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28), 0, 0, 0, 0, time.UTC)
	male := rnd.IntN(2) == 0
	region := []string{"440703", "440105", "440304", "445102"}[rnd.IntN(4)]
	sex := "女"
	if male {
		sex = "男"
	}
	return []string{
		ident.GenerateResidentID(rnd, region, birth, male),
		[]string{"张三", "李小四", "欧阳王五", "赵六"}[rnd.IntN(4)],
		sex,
		birth.Format(time.DateOnly),
		"广东省江门市蓬江区建设路" + fmt.Sprint(rnd.IntN(200)) + "号",
		fmt.Sprintf("13%09d", rnd.IntN(1e9)),
		region,
	}
}

func BenchmarkCSVReader(b *testing.B) {
	const n = 100_000
	utf8Data := personCSV(n)
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(utf8Data)
	if err != nil {
		b.Fatal(err)
	}
	fields := []string{"公民身份号码", "姓名", "性别", "出生日期", "住址", "手机号码", "行政区划", OpField}
	for _, bc := range []struct {
		name string
		data []byte
	}{{"utf-8", utf8Data}, {"gbk-detected", gbk}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				r, err := OpenReader(FormatCSV, bytes.NewReader(bc.data), fields, ReadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := r.Next(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					rows++
				}
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
