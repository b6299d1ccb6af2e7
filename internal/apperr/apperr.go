// Package apperr holds pubdata's one application error type. Every error a
// caller should see carries a stable code, a kind that decides the HTTP
// status, the field (and row) it concerns, and a message in zh-CN and English.
// Handlers turn it into an RFC 9457 problem document in one place (package
// httpapi); anything that is not an *Error is an internal error and is shown
// only as "internal error".
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the caller; it decides the HTTP status.
type Kind int

// The kinds of application error.
const (
	Internal     Kind = iota // a fault of ours; details go to the log only
	Invalid                  // the input is wrong (400/422)
	Unauthorized             // no or bad credentials (401)
	Forbidden                // authenticated but not allowed (403)
	NotFound                 // no such object, or not visible to the caller (404)
	Conflict                 // the state does not allow it (409)
	TooLarge                 // the body is larger than allowed (413)
	TooMany                  // rate limit or lockout (429)
	Unavailable              // a dependency is down (503)
)

// Error is an application error with a stable code and bilingual message.
type Error struct {
	Kind  Kind
	Code  string // stable, machine-readable, e.g. "credit_code.check"
	Field string // the field concerned, if any, e.g. "credit_code"
	Row   int    // 1-based row of a file or batch, 0 when not applicable
	ZH    string // message in Simplified Chinese
	EN    string // message in English
	Err   error  // the wrapped cause, if any
}

// Error implements error with the English message and its code.
func (e *Error) Error() string {
	s := e.Code
	if e.Field != "" {
		s += " [" + e.Field + "]"
	}
	if e.Row > 0 {
		s += fmt.Sprintf(" row %d", e.Row)
	}
	if e.EN != "" {
		s += ": " + e.EN
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Message returns the message in the given language ("zh" or "en");
// zh-CN is the default.
func (e *Error) Message(lang string) string {
	if lang == "en" && e.EN != "" {
		return e.EN
	}
	if e.ZH != "" {
		return e.ZH
	}
	return e.EN
}

// WithField returns a copy of e naming the field.
func (e *Error) WithField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// WithRow returns a copy of e naming the row.
func (e *Error) WithRow(row int) *Error {
	c := *e
	c.Row = row
	return &c
}

// New returns an error of the given kind.
func New(kind Kind, code, zh, en string) *Error {
	return &Error{Kind: kind, Code: code, ZH: zh, EN: en}
}

// Invalidf returns an Invalid error about field.
func Invalidf(code, field, zh, en string) *Error {
	return &Error{Kind: Invalid, Code: code, Field: field, ZH: zh, EN: en}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Is reports whether err is an *Error with the same code as target.
func Is(err error, target *Error) bool {
	e, ok := As(err)
	return ok && e.Code == target.Code
}

// KindOf returns the kind of err: Internal unless err wraps an *Error.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// Common errors.
var (
	ErrUnauthorized = New(Unauthorized, "auth.required", "需要登录或有效的访问令牌", "authentication required")
	ErrForbidden    = New(Forbidden, "auth.forbidden", "无权执行此操作", "you are not allowed to do this")
	ErrNotFound     = New(NotFound, "not_found", "对象不存在或无权查看", "not found")
)

// List is several errors about one input, e.g. every bad row of a file.
// It is Invalid; its first element decides the code shown.
type List []*Error

// Error joins the messages.
func (l List) Error() string {
	s := ""
	for i, e := range l {
		if i > 0 {
			s += "; "
		}
		s += e.Error()
	}
	return s
}
