package share_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/share"
)

// readExtract opens an extract zip: data.csv and manifest.json, in that order.
func readExtract(t testing.TB, b []byte) (string, []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("extract is no zip: %v", err)
	}
	if len(zr.File) != 2 || zr.File[0].Name != "data.csv" || zr.File[1].Name != "manifest.json" {
		t.Fatalf("extract files %v", zr.File)
	}
	read := func(f *zip.File) []byte {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return string(read(zr.File[0])), read(zr.File[1])
}

func TestGatewayExtract(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		srv := apptest.Server(t, f.A)
		c := gwOf(t, srv, f.HRSSApp)
		spec := defaultSpec(f, item("公民身份号码", pseudonym), item("姓名", keepName), item("性别", inClear), item("户籍地", inClear), item("住址", county))
		spec.Mode = share.ModeTable
		spec.RowScope = share.RowScope{Item: "户籍地", Region: "441300"} // Huizhou only
		g := issue(t, f, f.Persons, share.KindData, f.HRSSApp, spec)

		var body []byte
		e := gwAudited(t, f.A, g.ID, "share.gateway.extract", audit.OK, "社保待遇资格认证", "", func() {
			res, b := c.do("GET", fmt.Sprintf("/api/v1/share/data/%d/extract", g.ID), nil)
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" {
				t.Fatalf("extract: %d %s", res.StatusCode, b)
			}
			body = b
		})
		data, manifest := readExtract(t, body)
		recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, p := range f.People {
			if p.Region == "441302" {
				want++
			}
		}
		if strings.Join(recs[0], ",") != "公民身份号码,姓名,性别,户籍地,住址" || len(recs)-1 != want {
			t.Fatalf("data.csv: header %v, %d rows, want %d", recs[0], len(recs)-1, want)
		}
		for _, r := range recs[1:] {
			if r[3] != "441302" || r[4] != "广东省惠州市惠城区" || len(r[0]) != 32 {
				t.Fatalf("row %v", r)
			}
		}
		var m share.ExtractManifest
		decodeJSON(t, manifest, &m)
		sum := sm3.Sum([]byte(data))
		if m.SM3 != hex.EncodeToString(sum[:]) || m.Rows != int64(want) || m.GrantID != g.ID || m.Scenario != "社保待遇资格认证" ||
			m.RowScope != spec.RowScope || len(m.Items) != 5 || m.Items[0].Mask.Func != "pseudonym" || m.LastBatchID == 0 || m.DataFile != "data.csv" ||
			m.Consumer.ID != f.HRSSApp.App.AgencyID || m.Source.ID != f.Persons.AgencyID || m.EntryID != f.Persons.EntryID {
			t.Fatalf("manifest %+v", m)
		}
		var rows int64
		var digest, stored string
		if err := f.A.DB.Read().QueryRowContext(ctx, `SELECT rows, sm3, manifest FROM share_extracts WHERE grant_id = $1`, g.ID).Scan(&rows, &digest, &stored); err != nil {
			t.Fatal(err)
		}
		if rows != int64(want) || digest != m.SM3 || stored != string(manifest) {
			t.Fatalf("share_extracts row: %d %s", rows, digest)
		}
		if !strings.Contains(e.Detail, `"sm3":"`+m.SM3+`"`) || !strings.Contains(e.Detail, fmt.Sprintf(`"rows":%d`, want)) {
			t.Fatalf("audit detail %s", e.Detail)
		}
		// A grant in API mode takes no extract; an extract takes no parameters.
		c.refused("GET", fmt.Sprintf("/api/v1/share/data/%d/extract?limit=1", g.ID), nil, 400, "share.query.unknown")
		// The table-mode grant has no API lookups.
		c.refused("GET", recordPath(g, f.People[1].ID), nil, 403, "share.grant.mode")
		verifyTrail(t, f.A)
	})
}
