package catalog_test

import (
	"encoding/json"
	"testing"

	"pubdata/internal/apperr"
	"pubdata/internal/catalog"
	"pubdata/internal/httpx"
	"pubdata/internal/rules"
)

// FuzzValidate feeds arbitrary bodies through the strict decoder, the
// normaliser and both validations of every profile: they must never panic,
// every refusal must be a bilingual error naming its field, and what a
// submission accepts must state its sharing type and open attribute.
func FuzzValidate(f *testing.F) {
	m := catalog.Metadata{Name: "户籍登记信息", ClassCode: "1010100100001", Summary: "摘要", DataForm: catalog.FormDatabase,
		Items:     []catalog.Item{{Name: "公民身份号码", Type: "C", Length: 18, Grade: "general-3", Key: true, KeyKind: catalog.KeyResidentID, Source: true}},
		ShareType: catalog.ShareConditional, ShareBasis: "依据", ShareConditions: "条件", ShareScope: "全省", ShareModes: []catalog.ShareMode{catalog.ModeAPI},
		OpenAttr: catalog.OpenNone, UpdateFreq: catalog.FreqDaily, CollectingAgency: "a", VerifyingAgency: "b", ProvidingAgency: "c"}
	seed, _ := json.Marshal(m)
	f.Add(seed)
	f.Add([]byte(`{"name":"x","items":[{"name":"","type":"Z","grade":"core","length":-1}]}`))
	f.Add([]byte(`{"name":"x","related_codes":["1/2"],"share_modes":["fax"]}`))
	f.Add([]byte(`{"name":"x","items":[{"name":"a","type":"N","grade":"core","values":["1","x",""],"min":"2","max":"1.5","format":"mobile"},` +
		`{"name":"b","type":"T","grade":"core","min":"2026-01-01T00:00:00","max":"2026-01-01 00:00:0"},{"name":"c","type":"C","length":3,"grade":"core","values":["4401"],"max":"9","format":"division"}]}`))
	set, err := rules.Embedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var m catalog.Metadata
		if err := httpx.DecodeJSONBytes(body, &m); err != nil {
			return
		}
		m.Normalize()
		for _, name := range set.Names() {
			p, _ := set.Profile(name)
			for _, strict := range []bool{false, true} {
				err := catalog.Validate(&m, p, strict)
				if err == nil {
					if strict && (m.ShareType == "" || m.OpenAttr == "" || m.Name == "") {
						t.Fatalf("a submission without sharing type, open attribute or name passed: %+v", m)
					}
					continue
				}
				l, ok := err.(apperr.List)
				if !ok {
					t.Fatalf("not a list of application errors: %v", err)
				}
				for _, e := range l {
					if e.ZH == "" || e.EN == "" || e.Field == "" {
						t.Fatalf("error without field or message: %+v", e)
					}
				}
			}
		}
		_ = catalog.Diff(m, catalog.Metadata{})
	})
}
