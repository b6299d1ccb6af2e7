package share

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/catalog"
	"pubdata/internal/security"
	"pubdata/internal/store"
)

// fuzzCompiled is a compiled grant as the gateway would build it for the
// person datasets: a resident-ID key, a clear item, masked items.
func fuzzCompiled(t testing.TB) *compiled {
	t.Helper()
	c := &compiled{table: "ds_1", index: map[string]int{}, keyIndex: map[string]int{"公民身份号码": 0}, dialect: store.SQLite, verifyMax: 5,
		keys:     []keyCol{{name: "公民身份号码", column: "c1", typ: catalog.TypeChar, format: catalog.FormatResidentID}},
		scopeCol: "c7", scopeLike: "4401%"}
	for i, it := range []struct {
		name, col string
		typ       catalog.ItemType
		mask      security.Mask
	}{
		{"公民身份号码", "c1", catalog.TypeChar, security.Mask{Func: security.MaskKeep, N: 3, M: 4}},
		{"姓名", "c2", catalog.TypeChar, security.Mask{Func: security.MaskPseudonym}},
		{"性别", "c3", catalog.TypeChar, security.Mask{Func: security.MaskClear}},
		{"出生日期", "c4", catalog.TypeDate, security.Mask{Func: security.MaskClear}},
		{"年龄", "c5", catalog.TypeInteger, security.Mask{Func: security.MaskClear}},
		{"在册", "c6", catalog.TypeLogical, security.Mask{Func: security.MaskClear}},
	} {
		m, err := security.NewMasker(it.mask, []byte("0123456789abcdef0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		c.index[it.name] = i
		c.cols = append(c.cols, gcol{name: it.name, column: it.col, typ: it.typ, mask: it.mask, clear: it.mask.Clear(), masker: m,
			jkey: append(appendJSONString(nil, it.name), ':')})
	}
	return c
}

// fuzzComposite is fuzzCompiled with a key of two items, 姓名 (granted
// pseudonymised) and 出生日期 (granted masked to the year here).
func fuzzComposite(t testing.TB) *compiled {
	c := fuzzCompiled(t)
	c.keys = []keyCol{{name: "姓名", column: "c2", typ: catalog.TypeChar}, {name: "出生日期", column: "c4", typ: catalog.TypeDate}}
	c.keyIndex = map[string]int{"姓名": 0, "出生日期": 1}
	year := security.Mask{Func: security.MaskDate}
	m, err := security.NewMasker(year, nil)
	if err != nil {
		t.Fatal(err)
	}
	col := &c.cols[c.index["出生日期"]]
	col.mask, col.clear, col.masker = year, false, m
	return c
}

// checkFilters checks the filters of an accepted page: each on an item
// granted in clear, or on a key item when the whole key is given.
func checkFilters(t *testing.T, c *compiled, pq pageQuery) {
	t.Helper()
	given := map[string]bool{}
	for _, fl := range pq.filters {
		given[fl.name] = true
	}
	whole := len(c.keys) > 0
	for _, k := range c.keys {
		whole = whole && given[k.name]
	}
	for _, fl := range pq.filters {
		if _, isKey := c.keyIndex[fl.name]; isKey && whole {
			continue
		}
		i, ok := c.index[fl.name]
		if !ok {
			t.Fatalf("a filter on the item %s not granted was accepted", fl.name)
		}
		if !c.cols[i].clear {
			t.Fatalf("a filter on the masked item %s was accepted without the whole key", fl.name)
		}
	}
}

// FuzzGatewayQuery feeds hostile query strings, keys and verification
// bodies to the gateway's parsers: they never panic; every refusal is an
// application error naming its field; an accepted page filters only on the
// key or on items granted in clear, with typed arguments, and its SQL has
// one placeholder per argument; the record encoder always writes valid JSON.
func FuzzGatewayQuery(f *testing.F) {
	for _, s := range []string{"", "limit=10&after=3", "性别=男", "姓名=张三", "住址=x", "items=性别,姓名", "items=住址", "年龄=abc", "年龄=12",
		"在册=true", "出生日期=1990-01-01", "limit=0", "limit=1001", "after=-1", "性别=a&性别=b", "%zz", "公民身份号码=44010319900101123x",
		"姓名=张三&出生日期=1990-01-01", "姓名=张三&性别=男", "出生日期=1990-01-01&性别=男"} {
		f.Add(s, "44010319900101123x", []byte(`{"key":"1","claims":{"姓名":"x"}}`))
	}
	f.Add("lang=en", "a,b\\,c", []byte(`{"batch":[{"key":"1","claims":{"性别":"男"}},{"key":"","claims":{}}]}`))
	f.Add("", "\xff\x00\"\\\u2028", []byte(`{"key":"1","batch":[]}`))
	f.Add("", "1", []byte(`{"batch":[{"key":"44010319900101123x","claims":{"姓名":"a"}},{"key":" 44010319900101123X","claims":{"姓名":"b"}}]}`))
	f.Fuzz(func(t *testing.T, rawQuery, key string, body []byte) {
		c := fuzzCompiled(t)
		composite := fuzzComposite(t)
		checkErr := func(where string, err error) {
			var list apperr.List
			if errors.As(err, &list) && len(list) > 0 {
				err = list[0]
			}
			e, ok := apperr.As(err)
			if !ok {
				t.Fatalf("%s: not an application error: %v", where, err)
			}
			if e.Kind == apperr.Internal {
				t.Fatalf("%s: internal error %v", where, err)
			}
		}
		q, err := url.ParseQuery(rawQuery)
		if err == nil {
			pq, err := c.parsePage(q)
			if err != nil {
				checkErr("page", err)
				if e, _ := apperr.As(err); e.Field == "" {
					t.Fatalf("page refusal names no field: %v", err)
				}
			} else {
				if pq.limit < 1 || pq.limit > maxPageLimit || pq.after < 0 {
					t.Fatalf("limit %d after %d", pq.limit, pq.after)
				}
				checkFilters(t, c, pq)
				for _, fl := range pq.filters {
					if fl.name == "年龄" {
						if _, ok := fl.arg.(int64); !ok {
							t.Fatalf("integer filter argument %T", fl.arg)
						}
					}
				}
				text, args := c.pageSQL(&pq)
				if strings.Count(text, "$") != len(args) {
					t.Fatalf("%d placeholders for %d arguments: %s", strings.Count(text, "$"), len(args), text)
				}
			}
			if pq, err := composite.parsePage(q); err == nil {
				checkFilters(t, composite, pq)
			} else {
				checkErr("composite page", err)
			}
		}
		if args, err := c.keyArgs(key); err != nil {
			checkErr("key", err)
		} else if len(args) != 2 || args[1] != "4401%" {
			t.Fatalf("key arguments %v", args)
		}
		if claims, single, err := c.parseVerify(body, c.verifyMax); err != nil {
			checkErr("verify", err)
		} else {
			if single && len(claims) != 1 || len(claims) == 0 || len(claims) > c.verifyMax {
				t.Fatalf("%d claims (single %v)", len(claims), single)
			}
			for _, v := range claims {
				for name := range v.Claims {
					if _, ok := c.index[name]; !ok {
						t.Fatalf("a claim on %s, not granted, was accepted", name)
					}
				}
			}
			// An accepted batch tries each item of each key once.
			if args, err := c.verifyArgs(claims, single); err != nil {
				checkErr("verify keys", err)
			} else if !single {
				seen := map[string]bool{}
				for i, v := range claims {
					for name := range v.Claims {
						pair := c.keyFingerprint(args[i]) + "\x00" + name
						if seen[pair] {
							t.Fatalf("claim %d repeats the item %s of key %q", i, name, v.Key)
						}
						seen[pair] = true
					}
				}
			}
		}
		// The encoder: valid JSON that reads back as the masked values.
		vals := []any{key, rawQuery, string(body), key, int64(len(key)), int64(len(body) % 2)}
		out := c.appendRecord(nil, vals, []int{0, 1, 2, 3, 4, 5})
		var rec map[string]*string
		if err := json.Unmarshal(out, &rec); err != nil {
			t.Fatalf("record %q: %v", out, err)
		}
		if got := rec["性别"]; got == nil || (utf8.ValidString(string(body)) && *got != string(body)) {
			t.Fatalf("clear value %q read back as %v", body, got)
		}
		if s := appendJSONString(nil, key); !json.Valid(s) {
			t.Fatalf("string %q encoded as invalid JSON %q", key, s)
		} else if utf8.ValidString(key) {
			var back string
			if err := json.Unmarshal(s, &back); err != nil || back != key {
				t.Fatalf("string %q read back as %q", key, back)
			}
		}
	})
}
