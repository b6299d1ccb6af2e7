package web

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/httpx"
)

// Excel in and out (issue 3, item 6) for the console: the import template,
// the export of the current catalog view, and the import of a workbook.

const xlsxType = catalog.XLSXType

func registerCatalogFiles(rt *httpx.Router, p *portal) {
	rt.Page("GET", "/catalog/export", auth.PermCatalogRead, p.catalogExport)
	rt.Page("GET", "/catalog/template", auth.PermCatalogRead, p.catalogTemplate)
	rt.PageUpload("POST", "/catalog/import", auth.PermCatalogEdit, catalog.MaxImportBytes+1<<20, p.catalogImport)
}

// attachment sends a generated file; it is written to a buffer first so
// that a failure becomes an error page, not half a file.
func attachment(w http.ResponseWriter, name, mediaType string, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Content-Disposition", `attachment; filename*=UTF-8''`+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
	_, err := w.Write(body)
	return err
}

func (p *portal) catalogTemplate(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := catalog.WriteTemplate(&buf, httpx.Lang(r)); err != nil {
		return err
	}
	return attachment(w, "公共数据资源目录导入模板.xlsx", xlsxType, buf.Bytes())
}

// catalogExport writes the entries of the catalog view (the same filters as
// /catalog) with all their items, as .xlsx or JSON; the service decides
// what the caller may see and audits the export.
func (p *portal) catalogExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := httpx.Lang(r)
	params := r.URL.Query()
	format := params.Get("format")
	if format != "xlsx" && format != "json" {
		return apperr.Invalidf("catalog.export_format", "format", "导出格式须为 xlsx 或 json", "the export format is xlsx or json")
	}
	q, err := catalog.QueryFromURL(params)
	if err != nil {
		return err
	}
	entries, err := p.app.Catalog.ExportEntries(ctx, httpx.Actor(r), q, lang)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	name := "公共数据资源目录-" + time.Now().In(calendar.Shanghai).Format("20060102-1504")
	if format == "json" {
		if err := catalog.ExportJSON(&buf, entries); err != nil {
			return err
		}
		return attachment(w, name+".json", "application/json; charset=utf-8", buf.Bytes())
	}
	if err := catalog.ExportXLSX(&buf, entries, lang); err != nil {
		return err
	}
	return attachment(w, name+".xlsx", xlsxType, buf.Bytes())
}

// importData is the import result shown on the agency's catalog page.
type importData struct {
	Errors   []importError
	Imported int
}

type importError struct {
	Where   string
	Row     int
	Message string
}

func (p *portal) catalogImport(w http.ResponseWriter, r *http.Request) error {
	lang := httpx.Lang(r)
	file, _, err := r.FormFile("file")
	var imported []catalog.Entry
	if err != nil {
		err = apperr.Invalidf("catalog.xlsx_invalid", "file", "请选择要导入的 .xlsx 文件", "choose an .xlsx file to import")
	} else {
		defer file.Close()
		imported, err = p.app.Catalog.ImportXLSX(r.Context(), httpx.Actor(r), io.LimitReader(file, catalog.MaxImportBytes+1))
	}
	if err == nil {
		return redirect(w, r, "/catalog/mine?ok=cat_imported&n="+strconv.Itoa(len(imported)))
	}
	var list apperr.List
	var res importData
	switch {
	case asList(err, &list):
		for _, e := range list {
			res.Errors = append(res.Errors, importError{Where: e.Field, Row: e.Row, Message: e.Message(lang)})
		}
	default:
		e, ok := apperr.As(err)
		if !ok || e.Kind == apperr.Internal || e.Kind == apperr.Forbidden || e.Kind == apperr.Unauthorized {
			return err
		}
		res.Errors = append(res.Errors, importError{Where: e.Field, Row: e.Row, Message: e.Message(lang)})
	}
	r2 := r.Clone(r.Context())
	r2.URL = &url.URL{Path: "/catalog/mine"}
	return p.renderMine(w, r2, statusOf(err), &res)
}
