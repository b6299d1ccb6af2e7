// Package web is the portal: server-rendered pages in zh-CN (English
// available), with templates and static assets embedded in the binary.
package web

import (
	"pubdata/internal/app"
	"pubdata/internal/httpx"
)

// Register adds the portal's pages.
func Register(rt *httpx.Router, a *app.App) {}
