package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"pubdata/internal/apperr"
)

// DecodeJSON reads the request body into v strictly: the media type must be
// JSON, unknown fields are refused, types must match, and exactly one value
// is allowed. Errors name the field in the caller's language.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return &apperr.Error{Kind: apperr.Invalid, Code: "request.media_type", ZH: "请求体须为 application/json", EN: "the body must be application/json"}
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.TooLarge, "request.too_large", fmt.Sprintf("请求体超过 %d 字节上限", mbe.Limit), fmt.Sprintf("the body exceeds the limit of %d bytes", mbe.Limit))
		}
		return apperr.New(apperr.Invalid, "request.read", "无法读取请求体", "could not read the body")
	}
	return DecodeJSONBytes(body, v)
}

// DecodeJSONBytes is DecodeJSON on bytes; it is fuzzed.
func DecodeJSONBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.Invalidf("request.empty", "", "请求体为空", "the body is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return apperr.Invalidf("request.trailing", "", "请求体只能包含一个 JSON 值", "the body must hold exactly one JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.Invalidf("request.trailing", "", "请求体只能包含一个 JSON 值", "the body must hold exactly one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apperr.Invalidf("request.malformed", "", fmt.Sprintf("JSON 格式错误（第 %d 字节附近）", syn.Offset), fmt.Sprintf("malformed JSON near byte %d", syn.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Invalidf("request.malformed", "", "JSON 不完整", "incomplete JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(root)"
		}
		return apperr.Invalidf("request.type", field, fmt.Sprintf("字段 %s 的类型错误：应为 %s", field, typ.Type), fmt.Sprintf("field %s has the wrong type: expected %s", field, typ.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Invalidf("request.unknown_field", name, "未知字段："+name, "unknown field: "+name)
	}
	return apperr.Invalidf("request.malformed", "", "JSON 无法解析", "the JSON could not be parsed")
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// PathID parses a positive numeric path parameter written canonically:
// "007" or "+7" are refused, so that one object has one name in the audit
// trail and in every report read from it.
func PathID(r *http.Request, name string) (int64, error) {
	raw := r.PathValue(name)
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v <= 0 || strconv.FormatInt(v, 10) != raw {
		return 0, apperr.Invalidf("request.id", name, "标识符 "+name+" 须为正整数", "the identifier "+name+" must be a positive integer")
	}
	return v, nil
}

// List is the envelope of every list response: {"items": [...], "count": n}.
type List[T any] struct {
	Items []T `json:"items"`
	Count int `json:"count"`
}

// ListOf wraps items (never null in JSON).
func ListOf[T any](items []T) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Count: len(items)}
}
