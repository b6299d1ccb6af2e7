package collect

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"pubdata/internal/apperr"
)

// The text encodings a CSV file may be in, as ReadOptions.Encoding names
// them and EncodingReporter reports them.
const (
	EncodingUTF8    = "utf-8"
	EncodingGBK     = "gbk"
	EncodingGB18030 = "gb18030"
)

// Limits of the decoders.
const (
	// sniffSize is how much of a CSV file decides its encoding when none
	// is declared.
	sniffSize = 64 << 10
	// MaxRowBytes bounds one row of input: a longer JSONL line is a row
	// error and reading goes on with the next line; a longer CSV record
	// (a quote never closed pulls in the rest of the file) or JSON array
	// element stops reading, as the next row cannot be found.
	MaxRowBytes = 1 << 20
	// maxXLSXUnzipped bounds what an xlsx file may expand to, against zip
	// bombs. The upload size limit bounds the compressed file, which
	// excelize reads whole into memory.
	maxXLSXUnzipped = 2 << 30
)

// ReadOptions tune OpenReader.
type ReadOptions struct {
	// Encoding of a CSV file: "", "utf-8", "gbk" or "gb18030"
	// (case-insensitive); "" detects it. Ignored for the other formats,
	// which are UTF-8 (JSON) or carry their own (xlsx).
	Encoding string
	// Sheet of an xlsx file by name; "" is the first sheet.
	Sheet string
}

// EncodingReporter is implemented by every reader OpenReader returns: the
// text encoding the input was decoded from ("utf-8", "gbk" or "gb18030"),
// "" for xlsx, JSON and JSONL, which have no choice of encoding.
type EncodingReporter interface {
	Encoding() string
}

// HeaderReporter is implemented by every reader OpenReader returns: the
// field names of the header row in column order, without unnamed trailing
// columns (CSV and xlsx); nil for JSON and JSONL, which name the fields in
// every row. A loader can refuse a file that lacks a required column at
// once instead of rejecting every row.
type HeaderReporter interface {
	Header() []string
}

// OpenReader opens r as format f. fields are the dataset's input fields
// (Dataset.Fields(): its live item names, then OpField); every row the
// reader returns is aligned to them ("" = no value). For CSV and xlsx the
// header row is read here, so that a header naming an unknown or repeated
// column fails at once. The reader streams: it never holds the whole input
// in memory, except for xlsx, which is a zip archive and is read whole (the
// upload limit bounds it). Closing the reader does not close r.
//
// Values are passed on as written, white space included (the Validator
// trims). Rows whose cells are all empty are skipped (CSV, xlsx).
//
// OpenReader's errors are *apperr.Error of kind Invalid naming the column
// (Field) and the header's row: collect.format.unknown,
// collect.encoding.unknown, collect.header.missing, collect.header.empty,
// collect.header.unknown, collect.header.duplicate,
// collect.header.encoding, collect.header.syntax, collect.xlsx.open,
// collect.xlsx.sheet, collect.json.not_array; or the error of r.
//
// Next returns a *RowError for a bad row and reads on at the following
// call: collect.row.fields, collect.row.syntax, collect.row.unnamed,
// collect.row.encoding (CSV, xlsx); collect.row.json, collect.row.too_long,
// collect.row.encoding, collect.field.unknown, collect.field.duplicate,
// collect.field.type (JSONL, JSON). It stops for good with an
// *apperr.Error collect.xlsx.read, collect.json.syntax or
// collect.json.trailing, or the error of r.
func OpenReader(f Format, r io.Reader, fields []string, opt ReadOptions) (RowReader, error) {
	switch f {
	case FormatCSV:
		return openCSV(r, fields, opt.Encoding)
	case FormatXLSX:
		return openXLSX(r, fields, opt.Sheet)
	case FormatJSONL:
		return openJSONL(r, fields), nil
	case FormatJSON:
		return openJSON(r, fields)
	}
	return nil, apperr.Invalidf("collect.format.unknown", "format",
		fmt.Sprintf("不支持的数据格式%q（可选：csv、xlsx、jsonl、json）", string(f)),
		fmt.Sprintf("unsupported format %q (one of: csv, xlsx, jsonl, json)", string(f)))
}

// DetectFormat guesses the format of a file from its name and its first
// bytes (a few hundred suffice). A zip archive is xlsx whatever its name;
// otherwise the extension decides (.csv and .txt are CSV, .xlsx, .jsonl and
// .ndjson, .json), except that JSON text beginning with '[' is a JSON array
// and with '{' JSON lines whichever of .json, .jsonl or .ndjson it is named;
// a file without an extension is JSON or JSONL by its first character and
// CSV otherwise. Errors: collect.format.xls for a legacy Excel file,
// collect.format.unknown.
func DetectFormat(fileName string, head []byte) (Format, error) {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return FormatXLSX, nil
	}
	ext := strings.ToLower(filepath.Ext(fileName))
	if bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}) || ext == ".xls" || ext == ".et" {
		return "", apperr.Invalidf("collect.format.xls", "file",
			"不支持旧版Excel（.xls）文件，请另存为.xlsx或CSV后上传",
			"legacy Excel (.xls) files are not supported: save the file as .xlsx or CSV and upload it again")
	}
	first := firstChar(head)
	switch ext {
	case ".csv", ".txt":
		return FormatCSV, nil
	case ".xlsx":
		if len(head) > 0 {
			return "", apperr.Invalidf("collect.format.unknown", "file",
				"文件扩展名为.xlsx，但内容不是xlsx（zip）文件",
				"the file is named .xlsx but is not an xlsx (zip) file")
		}
		return FormatXLSX, nil
	case ".json", ".jsonl", ".ndjson", "":
		switch {
		case first == '[':
			return FormatJSON, nil
		case first == '{':
			return FormatJSONL, nil
		case ext == ".json":
			return FormatJSON, nil
		case ext != "":
			return FormatJSONL, nil
		}
		return FormatCSV, nil
	}
	return "", apperr.Invalidf("collect.format.unknown", "file",
		fmt.Sprintf("无法识别文件%q的格式：请上传CSV（.csv）、Excel（.xlsx）、JSON（.json）或JSON Lines（.jsonl）文件", fileName),
		fmt.Sprintf("cannot tell the format of %q: upload a CSV (.csv), Excel (.xlsx), JSON (.json) or JSON Lines (.jsonl) file", fileName))
}

// firstChar returns the first byte of head after a UTF-8 byte order mark
// and white space, or 0.
func firstChar(head []byte) byte {
	head = bytes.TrimPrefix(head, utf8BOM)
	for _, c := range head {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

var utf8BOM = []byte("\xEF\xBB\xBF")

// readFatal returns the error that stops reading, about row (0 = none).
func readFatal(code, field string, row int, zh, en string) *apperr.Error {
	e := apperr.Invalidf(code, field, zh, en)
	e.Row = row
	return e
}

// newRowError returns a row error: reading goes on.
func newRowError(row int, field, code, zh, en string) *RowError {
	return &RowError{Rejection{Row: row, Field: field, Code: code, ZH: zh, EN: en}}
}

// fieldIndex maps each field name to its position.
func fieldIndex(fields []string) map[string]int {
	m := make(map[string]int, len(fields))
	for i, f := range fields {
		m[f] = i
	}
	return m
}

// headerMap matches a header row to the fields: index[i] is the field of
// column i, -1 for an unnamed trailing column, whose values must be empty.
type headerMap struct {
	names []string // named columns, in order
	index []int
}

// parseHeader checks the header cells read at line. Names are trimmed and a
// byte order mark is stripped from the first. Unnamed columns are allowed
// only at the end (spreadsheets leave them).
func parseHeader(cells []string, fields []string, line int) (headerMap, error) {
	byName := fieldIndex(fields)
	n := len(cells)
	for n > 0 && strings.TrimSpace(cells[n-1]) == "" {
		n--
	}
	if n == 0 {
		return headerMap{}, errHeaderMissing(line)
	}
	h := headerMap{names: make([]string, n), index: make([]int, len(cells))}
	seen := make(map[int]int, n)
	for i, c := range cells {
		if i >= n {
			h.index[i] = -1
			continue
		}
		if i == 0 {
			c = strings.TrimPrefix(c, "\uFEFF")
		}
		c = strings.TrimSpace(c)
		h.names[i] = c
		col := i + 1
		switch {
		case !utf8.ValidString(c) || strings.Contains(c, "\uFFFD"):
			return headerMap{}, readFatal("collect.header.encoding", "", line,
				fmt.Sprintf("表头第%d列不是有效的文本，文件编码可能有误：请选择正确的编码（UTF-8、GBK或GB18030）后重新上传", col),
				fmt.Sprintf("header column %d is not valid text, the file's encoding may be wrong: choose the right encoding (UTF-8, GBK or GB18030) and upload again", col))
		case c == "":
			return headerMap{}, readFatal("collect.header.empty", "", line,
				fmt.Sprintf("表头第%d列为空：每列都应以信息项名称为表头", col),
				fmt.Sprintf("header column %d is empty: every column must be headed by an item name", col))
		}
		f, ok := byName[c]
		if !ok {
			return headerMap{}, readFatal("collect.header.unknown", c, line,
				fmt.Sprintf("表头第%d列“%s”不是本数据集的信息项；可用的列：%s", col, c, strings.Join(fields, "、")),
				fmt.Sprintf("header column %d %q is not an item of this dataset; the columns are: %s", col, c, strings.Join(fields, ", ")))
		}
		if prev, dup := seen[f]; dup {
			return headerMap{}, readFatal("collect.header.duplicate", c, line,
				fmt.Sprintf("表头第%d列“%s”与第%d列重复", col, c, prev),
				fmt.Sprintf("header column %d %q repeats column %d", col, c, prev))
		}
		seen[f] = col
		h.index[i] = f
	}
	return h, nil
}

func errHeaderMissing(line int) error {
	return readFatal("collect.header.missing", "", line,
		"文件没有表头：第一行应为信息项名称",
		"the file has no header: its first row must be the item names")
}

// fill writes cells into row (cleared first) by the header; it returns a
// row error for a value under an unnamed column. A row with more cells than
// the header is checked by the caller.
func (h *headerMap) fill(row, cells []string, line int) error {
	clear(row)
	for i, c := range cells {
		if i >= len(h.index) {
			break
		}
		if f := h.index[i]; f >= 0 {
			row[f] = c
		} else if trimSpace(c) != "" {
			return newRowError(line, "", "collect.row.unnamed",
				fmt.Sprintf("第%d行第%d列有值，但该列没有表头", line, i+1),
				fmt.Sprintf("row %d has a value in column %d, which has no header", line, i+1))
		}
	}
	return nil
}

// blankCells reports whether every cell is empty or white space.
func blankCells(cells []string) bool {
	for _, c := range cells {
		if trimSpace(c) != "" {
			return false
		}
	}
	return true
}

// rowLimiter fails a read once more than MaxRowBytes (and the read-ahead
// of a buffer) have been read since the last reset, which the reader does
// after each row, so that one runaway row cannot pull the rest of the
// input into memory.
type rowLimiter struct {
	r      io.Reader
	n      int
	srcErr error // the source's last error but io.EOF: not the input's fault
}

var errRowTooLong = errors.New("row too long")

func (l *rowLimiter) Read(p []byte) (int, error) {
	if l.n > MaxRowBytes {
		return 0, errRowTooLong
	}
	n, err := l.r.Read(p)
	l.n += n
	if err != nil && err != io.EOF {
		l.srcErr = err
	}
	return n, err
}

// errRunaway is the error that stops a reader at a row longer than
// MaxRowBytes, starting at row (a line or an element).
func errRunaway(row int, err error) error {
	e := readFatal("collect.row.too_long", "", row,
		fmt.Sprintf("第%d行起的一行超过%d字节，无法继续读取（CSV中可能有未闭合的引号）", row, MaxRowBytes),
		fmt.Sprintf("the row from line %d on is longer than %d bytes, reading cannot go on (in CSV, a quote may not be closed)", row, MaxRowBytes))
	e.Err = err
	return e
}

// ---- CSV

// csvReader reads CSV rows; see OpenReader.
type csvReader struct {
	cr       *csv.Reader
	lim      *rowLimiter
	enc      string
	declared bool // the encoding was declared, not detected
	h        headerMap
	row      []string
	line     int
	err      error // sticky fatal error
}

// openCSV decides the encoding, wraps r in a streaming decoder and reads
// the header.
func openCSV(r io.Reader, fields []string, declared string) (*csvReader, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	enc := strings.ToLower(strings.TrimSpace(declared))
	var dec *encoding.Decoder
	switch enc {
	case "utf-8", "utf8":
		enc = EncodingUTF8
	case "gbk", "cp936":
		enc, dec = EncodingGBK, simplifiedchinese.GBK.NewDecoder()
	case "gb18030":
		dec = simplifiedchinese.GB18030.NewDecoder()
	case "":
		head, err := br.Peek(sniffSize)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if !validUTF8Prefix(head, err == nil) {
			enc, dec = EncodingGB18030, simplifiedchinese.GB18030.NewDecoder()
		} else {
			enc = EncodingUTF8
		}
	default:
		return nil, apperr.Invalidf("collect.encoding.unknown", "encoding",
			fmt.Sprintf("不支持的文件编码%q（可选：utf-8、gbk、gb18030，或留空自动识别）", declared),
			fmt.Sprintf("unsupported encoding %q (one of: utf-8, gbk, gb18030, or empty to detect)", declared))
	}
	var src io.Reader = br
	if dec != nil {
		src = transform.NewReader(br, dec)
	} else if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3) // peeked: cannot fail
	}
	lim := &rowLimiter{r: src}
	cr := csv.NewReader(lim)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	c := &csvReader{cr: cr, lim: lim, enc: enc, declared: strings.TrimSpace(declared) != ""}
	for {
		rec, err := cr.Read()
		lim.n = 0
		if err == io.EOF {
			return nil, errHeaderMissing(1)
		}
		if err != nil {
			if errors.Is(err, errRowTooLong) {
				return nil, errRunaway(1, err)
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, readFatal("collect.header.syntax", "", pe.StartLine,
					fmt.Sprintf("表头（第%d行）不是有效的CSV：%s", pe.StartLine, csvProblemZH(pe.Err)),
					fmt.Sprintf("the header (line %d) is not valid CSV: %v", pe.StartLine, pe.Err))
			}
			return nil, err
		}
		if blankCells(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		h, err := parseHeader(rec, fields, line)
		if err != nil {
			return nil, err
		}
		c.h, c.row, c.line = h, make([]string, len(fields)), line
		return c, nil
	}
}

// validUTF8Prefix reports whether b is valid UTF-8; when more follows b
// (cut), a rune cut short at the end of b is not held against it.
func validUTF8Prefix(b []byte, cut bool) bool {
	if cut {
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// Encoding implements EncodingReporter.
func (c *csvReader) Encoding() string { return c.enc }

// Header implements HeaderReporter.
func (c *csvReader) Header() []string { return c.h.names }

// Line implements RowReader.
func (c *csvReader) Line() int { return c.line }

// Close implements RowReader.
func (c *csvReader) Close() error { return nil }

// Next implements RowReader. Rows of only empty cells are skipped.
func (c *csvReader) Next() ([]string, error) {
	if c.err != nil {
		return nil, c.err
	}
	for {
		rec, err := c.cr.Read()
		c.lim.n = 0
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			if errors.Is(err, errRowTooLong) {
				c.err = errRunaway(c.line+1, err)
				return nil, c.err
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) && (errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote)) {
				c.line = pe.StartLine
				return nil, newRowError(pe.StartLine, "", "collect.row.syntax",
					fmt.Sprintf("第%d行不是有效的CSV：%s", pe.StartLine, csvProblemZH(pe.Err)),
					fmt.Sprintf("row %d is not valid CSV: %v", pe.StartLine, pe.Err))
			}
			c.err = err
			return nil, err
		}
		c.line, _ = c.cr.FieldPos(0)
		if blankCells(rec) {
			continue
		}
		if len(rec) != len(c.h.index) {
			return nil, newRowError(c.line, "", "collect.row.fields",
				fmt.Sprintf("第%d行有%d个字段，表头有%d列", c.line, len(rec), len(c.h.index)),
				fmt.Sprintf("row %d has %d fields, the header has %d columns", c.line, len(rec), len(c.h.index)))
		}
		if err := c.checkText(rec); err != nil {
			return nil, err
		}
		if err := c.h.fill(c.row, rec, c.line); err != nil {
			return nil, err
		}
		return c.row, nil
	}
}

// checkText refuses text that did not decode: invalid UTF-8 in a UTF-8
// file (its first 64 KiB may have been plain ASCII), or U+FFFD, which the
// GBK and GB18030 decoders put for bytes they cannot decode.
func (c *csvReader) checkText(rec []string) error {
	for i, v := range rec {
		bad := false
		if c.enc == EncodingUTF8 {
			bad = !utf8.ValidString(v)
		} else {
			bad = strings.Contains(v, "\uFFFD") // not ContainsRune, which decodes every rune for RuneError
		}
		if !bad {
			continue
		}
		field := ""
		if i < len(c.h.names) {
			field = c.h.names[i]
		}
		zh, en := "请选择正确的编码（UTF-8、GBK或GB18030）后重新上传", "choose the right encoding (UTF-8, GBK or GB18030) and upload again"
		if !c.declared {
			zh, en = "文件编码是按前64KiB自动识别的（"+c.enc+"）；"+zh, "the encoding was detected from the first 64 KiB ("+c.enc+"); "+en
		}
		return newRowError(c.line, field, "collect.row.encoding",
			fmt.Sprintf("第%d行第%d列不是有效的%s文本：%s", c.line, i+1, strings.ToUpper(c.enc), zh),
			fmt.Sprintf("row %d column %d is not valid %s text: %s", c.line, i+1, strings.ToUpper(c.enc), en))
	}
	return nil
}

// csvProblemZH renders an encoding/csv parse problem in Chinese.
func csvProblemZH(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return "未加引号的字段中出现了双引号"
	case errors.Is(err, csv.ErrQuote):
		return "加引号的字段中双引号多余或缺失"
	}
	return err.Error()
}

// ---- XLSX

// xlsxReader reads the rows of one sheet; see OpenReader.
type xlsxReader struct {
	f    *excelize.File
	rows *excelize.Rows
	h    headerMap
	row  []string
	line int
	err  error
}

// openXLSX reads the file (whole: it is a zip archive), opens the sheet and
// reads its header, the first row that is not empty.
func openXLSX(r io.Reader, fields []string, sheet string) (*xlsxReader, error) {
	f, err := excelize.OpenReader(r, excelize.Options{
		UnzipSizeLimit: maxXLSXUnzipped,
		// Dates in the default formats come out as the validator reads them.
		ShortDatePattern: "yyyy-mm-dd",
		LongTimePattern:  "hh:mm:ss",
	})
	if err != nil {
		return nil, readFatal("collect.xlsx.open", "", 0,
			"无法打开xlsx文件（文件损坏、已加密或不是xlsx格式）",
			"cannot open the xlsx file (damaged, encrypted or not xlsx): "+err.Error())
	}
	x := &xlsxReader{f: f}
	sheets := f.GetSheetList()
	switch {
	case sheet == "" && len(sheets) > 0:
		sheet = sheets[0]
	case sheet == "" || !slices.Contains(sheets, sheet):
		f.Close()
		return nil, readFatal("collect.xlsx.sheet", "sheet", 0,
			fmt.Sprintf("xlsx文件中没有工作表%q（现有：%s）", sheet, strings.Join(sheets, "、")),
			fmt.Sprintf("the xlsx file has no sheet %q (it has: %s)", sheet, strings.Join(sheets, ", ")))
	}
	if x.rows, err = f.Rows(sheet); err != nil {
		f.Close()
		return nil, readFatal("collect.xlsx.open", "", 0, "无法读取xlsx工作表", "cannot read the xlsx sheet: "+err.Error())
	}
	cells, err := x.next()
	if err == io.EOF {
		err = errHeaderMissing(1)
	}
	if err == nil {
		x.h, err = parseHeader(cells, fields, x.line)
	}
	if err != nil {
		x.Close()
		return nil, err
	}
	x.row = make([]string, len(fields))
	return x, nil
}

// next returns the cells of the next row that is not empty.
func (x *xlsxReader) next() ([]string, error) {
	for x.rows.Next() {
		x.line++
		cells, err := x.rows.Columns()
		if err != nil {
			return nil, readFatal("collect.xlsx.read", "", x.line,
				fmt.Sprintf("读取xlsx第%d行出错", x.line), fmt.Sprintf("reading xlsx row %d: %v", x.line, err))
		}
		if !blankCells(cells) {
			return cells, nil
		}
	}
	if err := x.rows.Error(); err != nil {
		return nil, readFatal("collect.xlsx.read", "", x.line, "读取xlsx文件出错", "reading the xlsx file: "+err.Error())
	}
	return nil, io.EOF
}

// Encoding implements EncodingReporter: "" (xlsx stores its own).
func (x *xlsxReader) Encoding() string { return "" }

// Header implements HeaderReporter.
func (x *xlsxReader) Header() []string { return x.h.names }

// Line implements RowReader: the sheet's row number.
func (x *xlsxReader) Line() int { return x.line }

// Close implements RowReader: it removes excelize's temporary files.
func (x *xlsxReader) Close() error {
	err := x.rows.Close()
	if cerr := x.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Next implements RowReader. Empty rows are skipped.
func (x *xlsxReader) Next() ([]string, error) {
	if x.err != nil {
		return nil, x.err
	}
	cells, err := x.next()
	if err != nil {
		if err != io.EOF {
			x.err = err
		}
		return nil, err
	}
	if len(cells) > len(x.h.index) {
		for i := len(x.h.index); i < len(cells); i++ {
			if strings.TrimSpace(cells[i]) != "" {
				return nil, newRowError(x.line, "", "collect.row.unnamed",
					fmt.Sprintf("第%d行第%d列有值，但该列没有表头", x.line, i+1),
					fmt.Sprintf("row %d has a value in column %d, which has no header", x.line, i+1))
			}
		}
	}
	if err := x.h.fill(x.row, cells, x.line); err != nil {
		return nil, err
	}
	return x.row, nil
}

// ---- JSON objects

// objParser turns one flat JSON object into a row.
type objParser struct {
	fields []string
	index  map[string]int
	row    []string
	seen   []uint32 // seen[f] == gen: f was set in this object
	gen    uint32
}

func newObjParser(fields []string) objParser {
	return objParser{fields: fields, index: fieldIndex(fields), row: make([]string, len(fields)), seen: make([]uint32, len(fields))}
}

// parse reads b, one JSON value (already checked to be valid JSON when
// valid is set), as a row numbered row. Keys must be fields, each at most
// once; values strings, numbers (kept as written), booleans ("true",
// "false") or null (""). Any problem is a *RowError.
func (p *objParser) parse(b []byte, row int, valid bool) ([]string, error) {
	if !valid && !json.Valid(b) {
		return nil, newRowError(row, "", "collect.row.json",
			fmt.Sprintf("第%d行不是有效的JSON", row), fmt.Sprintf("row %d is not valid JSON", row))
	}
	i := jsonSkipWS(b, 0)
	if b[i] != '{' {
		return nil, newRowError(row, "", "collect.row.json",
			fmt.Sprintf("第%d行不是JSON对象：每行应为一个以信息项名称为键的对象", row),
			fmt.Sprintf("row %d is not a JSON object: each row must be an object keyed by item names", row))
	}
	clear(p.row)
	p.gen++
	if p.gen == 0 { // wrapped: forget every mark
		clear(p.seen)
		p.gen = 1
	}
	i = jsonSkipWS(b, i+1)
	if b[i] == '}' {
		return p.row, nil
	}
	for {
		// b is valid JSON, so a key string, ':' and a value follow.
		f, key, j, err := p.key(b, i, row)
		if err != nil {
			return nil, err
		}
		if f < 0 {
			return nil, newRowError(row, key, "collect.field.unknown",
				fmt.Sprintf("第%d行的键“%s”不是本数据集的信息项；可用的键：%s", row, key, strings.Join(p.fields, "、")),
				fmt.Sprintf("row %d: key %q is not an item of this dataset; the keys are: %s", row, key, strings.Join(p.fields, ", ")))
		}
		if p.seen[f] == p.gen {
			return nil, newRowError(row, key, "collect.field.duplicate",
				fmt.Sprintf("第%d行的键“%s”出现了多次", row, key),
				fmt.Sprintf("row %d: key %q occurs more than once", row, key))
		}
		p.seen[f] = p.gen
		i = jsonSkipWS(b, jsonSkipWS(b, j)+1) // past ':'
		var v string
		switch c := b[i]; c {
		case '"':
			v, i, err = p.str(b, i, row, key)
			if err != nil {
				return nil, err
			}
		case 't':
			v, i = "true", i+4
		case 'f':
			v, i = "false", i+5
		case 'n':
			v, i = "", i+4
		case '{', '[':
			return nil, newRowError(row, key, "collect.field.type",
				fmt.Sprintf("第%d行的键“%s”的值是嵌套的对象或数组：值只能是字符串、数字、布尔值或null", row, key),
				fmt.Sprintf("row %d: the value of %q is a nested object or array: values must be strings, numbers, booleans or null", row, key))
		default: // a number
			j := i
			for j < len(b) && isNumberByte(b[j]) {
				j++
			}
			v, i = string(b[i:j]), j
		}
		p.row[f] = v
		i = jsonSkipWS(b, i)
		if b[i] == '}' {
			return p.row, nil
		}
		i = jsonSkipWS(b, i+1) // past ','
	}
}

// key reads the key starting at b[i] (a '"') and returns its field (-1
// for none), the key itself when it is not a field's name or the field's
// name, and the offset after it. A key without escapes is looked up
// without allocating.
func (p *objParser) key(b []byte, i, row int) (int, string, int, error) {
	j := i + 1
	for b[j] != '"' && b[j] != '\\' {
		j++
	}
	if b[j] == '"' {
		if f, ok := p.index[string(b[i+1:j])]; ok {
			return f, p.fields[f], j + 1, nil
		}
	}
	key, j, err := p.str(b, i, row, "")
	if err != nil {
		return 0, "", 0, err
	}
	if f, ok := p.index[key]; ok {
		return f, key, j, nil
	}
	return -1, key, j, nil
}

// str reads the JSON string starting at b[i] (a '"') and returns it and the
// offset after it. A string that is not valid UTF-8 is a row error (JSON is
// UTF-8; encoding/json would silently replace the bytes).
func (p *objParser) str(b []byte, i, row int, key string) (string, int, error) {
	j, esc, ascii := i+1, false, true
	for b[j] != '"' {
		switch c := b[j]; {
		case c == '\\':
			esc = true
			j += 2
			continue
		case c >= utf8.RuneSelf:
			ascii = false
		}
		j++
	}
	raw := b[i+1 : j]
	if !ascii && !utf8.Valid(raw) {
		return "", 0, newRowError(row, key, "collect.row.encoding",
			fmt.Sprintf("第%d行含有不是UTF-8编码的文本：JSON应使用UTF-8编码", row),
			fmt.Sprintf("row %d has text that is not UTF-8: JSON must be encoded in UTF-8", row))
	}
	if !esc {
		return string(raw), j + 1, nil
	}
	var s string
	if err := json.Unmarshal(b[i:j+1], &s); err != nil { // cannot fail on valid JSON
		return "", 0, newRowError(row, key, "collect.row.json",
			fmt.Sprintf("第%d行不是有效的JSON", row), fmt.Sprintf("row %d is not valid JSON: %v", row, err))
	}
	return s, j + 1, nil
}

func jsonSkipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// ---- JSONL

// jsonlReader reads one JSON object per line; see OpenReader.
type jsonlReader struct {
	br   *bufio.Reader
	long []byte // a line longer than br's buffer
	p    objParser
	line int
	err  error
}

func openJSONL(r io.Reader, fields []string) *jsonlReader {
	return &jsonlReader{br: bufio.NewReaderSize(r, 64<<10), p: newObjParser(fields)}
}

// Encoding implements EncodingReporter: "" (JSON is UTF-8).
func (j *jsonlReader) Encoding() string { return "" }

// Header implements HeaderReporter: nil.
func (j *jsonlReader) Header() []string { return nil }

// Line implements RowReader: the line number.
func (j *jsonlReader) Line() int { return j.line }

// Close implements RowReader.
func (j *jsonlReader) Close() error { return nil }

// Next implements RowReader. Blank lines are skipped; a line longer than
// MaxRowBytes is a row error (collect.row.too_long) and is skipped.
func (j *jsonlReader) Next() ([]string, error) {
	if j.err != nil {
		return nil, j.err
	}
	for {
		b, err := j.br.ReadSlice('\n')
		tooLong := false
		if err == bufio.ErrBufferFull { // gather the line, up to MaxRowBytes
			j.long = append(j.long[:0], b...)
			for err == bufio.ErrBufferFull {
				b, err = j.br.ReadSlice('\n')
				if tooLong = tooLong || len(j.long)+len(b) > MaxRowBytes; !tooLong {
					j.long = append(j.long, b...)
				}
			}
			b = j.long
		}
		if err != nil && err != io.EOF {
			j.err = err
			return nil, err
		}
		if len(b) == 0 && err == io.EOF {
			return nil, io.EOF
		}
		if tooLong {
			j.line++
			return nil, newRowError(j.line, "", "collect.row.too_long",
				fmt.Sprintf("第%d行超过%d字节", j.line, MaxRowBytes),
				fmt.Sprintf("line %d is longer than %d bytes", j.line, MaxRowBytes))
		}
		j.line++
		if j.line == 1 {
			b = bytes.TrimPrefix(b, utf8BOM)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		return j.p.parse(b, j.line, false)
	}
}

// ---- JSON array

// jsonReader streams the elements of a top-level JSON array; see OpenReader.
type jsonReader struct {
	dec  *json.Decoder
	lim  *rowLimiter
	raw  json.RawMessage
	p    objParser
	n    int
	done bool
	err  error
}

func openJSON(r io.Reader, fields []string) (*jsonReader, error) {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3) // peeked: cannot fail
	}
	lim := &rowLimiter{r: br}
	dec := json.NewDecoder(lim)
	dec.UseNumber() // a number is not an array either, however large
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '[' {
		if lim.srcErr != nil {
			return nil, lim.srcErr
		}
		return nil, readFatal("collect.json.not_array", "", 0,
			"请求体应为JSON数组，每个元素是一个以信息项名称为键的对象",
			"the body must be a JSON array of objects keyed by item names")
	}
	return &jsonReader{dec: dec, lim: lim, p: newObjParser(fields)}, nil
}

// Encoding implements EncodingReporter: "" (JSON is UTF-8).
func (j *jsonReader) Encoding() string { return "" }

// Header implements HeaderReporter: nil.
func (j *jsonReader) Header() []string { return nil }

// Line implements RowReader: the 1-based index of the element in the array.
func (j *jsonReader) Line() int { return j.n }

// Close implements RowReader.
func (j *jsonReader) Close() error { return nil }

// Next implements RowReader. Malformed JSON stops reading
// (collect.json.syntax): the decoder cannot find the next element.
func (j *jsonReader) Next() ([]string, error) {
	if j.err != nil {
		return nil, j.err
	}
	if j.done {
		return nil, io.EOF
	}
	j.lim.n = 0
	if !j.dec.More() {
		if _, err := j.dec.Token(); err != nil { // ']'
			return nil, j.fail(err)
		}
		if _, err := j.dec.Token(); err != io.EOF {
			if j.lim.srcErr != nil {
				j.err = j.lim.srcErr
				return nil, j.err
			}
			j.err = readFatal("collect.json.trailing", "", 0,
				"JSON数组之后还有多余内容", "there is more after the JSON array")
			return nil, j.err
		}
		j.done = true
		return nil, io.EOF
	}
	j.n++
	if err := j.dec.Decode(&j.raw); err != nil {
		return nil, j.fail(err)
	}
	return j.p.parse(j.raw, j.n, true) // Decode checked the syntax
}

// fail makes err the reader's sticky error: the source's error as it is,
// a row too long as collect.row.too_long, anything else (a syntax error, a
// truncated body) as collect.json.syntax.
func (j *jsonReader) fail(err error) error {
	switch {
	case j.lim.srcErr != nil:
		j.err = j.lim.srcErr
	case errors.Is(err, errRowTooLong):
		j.err = errRunaway(j.n, err)
	default:
		e := readFatal("collect.json.syntax", "", j.n,
			fmt.Sprintf("JSON数组第%d个元素处语法错误或内容不完整，无法继续读取", j.n),
			fmt.Sprintf("malformed or truncated JSON at element %d of the array, reading cannot go on", j.n))
		e.Err = err
		j.err = e
	}
	return j.err
}

// Compile-time checks that the readers have the optional methods.
var (
	_ interface {
		RowReader
		EncodingReporter
		HeaderReporter
	} = (*csvReader)(nil)
	_ interface {
		RowReader
		EncodingReporter
		HeaderReporter
	} = (*xlsxReader)(nil)
	_ interface {
		RowReader
		EncodingReporter
		HeaderReporter
	} = (*jsonlReader)(nil)
	_ interface {
		RowReader
		EncodingReporter
		HeaderReporter
	} = (*jsonReader)(nil)
)
