package server_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"pubdata/internal/apptest"
	"pubdata/internal/httpx"
	"pubdata/internal/server"
)

// TestOpenAPIMatchesRoutes: every API route is documented, with the
// permission it declares, and the document describes no route that does not
// exist. (The document's validity against the OpenAPI 3.1 schema is checked
// by a real validator in e2e/openapi.test.mjs.)
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(server.OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]string{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
			default:
				continue
			}
			var op struct {
				Perm string `json:"x-permission"`
			}
			_ = json.Unmarshal(raw, &op)
			documented[strings.ToUpper(method)+" "+path] = op.Perm
		}
	}
	a := apptest.Open(t, "sqlite")
	registered := map[string]string{}
	for _, rt := range server.New(a).Routes() {
		if rt.Kind == httpx.API {
			registered[rt.Method+" "+rt.Pattern] = string(rt.Perm)
		}
	}
	var missing, extra, wrong []string
	for k, perm := range registered {
		dp, ok := documented[k]
		if !ok {
			missing = append(missing, k)
		} else if dp != perm {
			wrong = append(wrong, k+": documented "+dp+", declared "+perm)
		}
	}
	for k := range documented {
		if _, ok := registered[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(wrong)
	if len(missing)+len(extra)+len(wrong) > 0 {
		t.Fatalf("OpenAPI document and route table differ:\nundocumented: %v\nnot a route: %v\nwrong x-permission: %v", missing, extra, wrong)
	}
}
