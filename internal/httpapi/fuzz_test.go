package httpapi_test

import (
	"testing"

	"pubdata/internal/apperr"
	"pubdata/internal/auth"
	"pubdata/internal/httpx"
	"pubdata/internal/org"
	"pubdata/internal/procedure"
)

// FuzzDecodeAgency feeds arbitrary bodies through the strict decoder and
// the agency validator: they must never panic, and anything they accept
// must be a valid agency.
func FuzzDecodeAgency(f *testing.F) {
	f.Add([]byte(`{"credit_code":"91350100M000100Y43","name":"某局","jurisdiction_code":"440000"}`))
	f.Add([]byte(`{"name": 42}`))
	f.Add([]byte(`{"a":1} {}`))
	f.Add([]byte(`[]`))
	f.Add([]byte("{\"name\":\"\xff\"}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in org.AgencyInput
		if err := httpx.DecodeJSONBytes(body, &in); err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("decode error is not an application error: %v", err)
			}
			return
		}
		if err := in.Validate(); err == nil && in.Name == "" {
			t.Fatal("accepted an agency without a name")
		}
	})
}

// FuzzDecodeBodies runs every request body type of the API through the decoder.
func FuzzDecodeBodies(f *testing.F) {
	f.Add([]byte(`{"username":"a","password":"b"}`), uint8(0))
	f.Add([]byte(`{"kind":"catalog_review","fields":{"a":"b"}}`), uint8(1))
	f.Add([]byte(`{"username":"x","role":"admin","jurisdiction_code":"440000","password":"Aa1!aaaaaaa"}`), uint8(2))
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		var v any
		switch which % 3 {
		case 0:
			v = &struct {
				Username string `json:"username"`
				Password string `json:"password"`
			}{}
		case 1:
			v = &procedure.OpenInput{}
		case 2:
			v = &auth.NewUser{}
		}
		err := httpx.DecodeJSONBytes(body, v)
		if err != nil {
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || e.ZH == "" || e.EN == "" {
				t.Fatalf("decode error %v is not a bilingual Invalid error", err)
			}
		}
	})
}
