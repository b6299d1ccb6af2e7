package share

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"pubdata/internal/audit"
	"pubdata/internal/security"
	"pubdata/internal/store"
)

// Table and file extracts (库表、文件共享, GD-290 §23): a grant in
// platform_db or file mode takes its data as a zip of data.csv (the rows
// in its scope, its items masked) and manifest.json (what was delivered
// under which decision, with the SM3 digest of data.csv). Each extract is
// recorded in share_extracts. Grants limited to key lookups (MZ §21: no
// bulk export) are refused.

// ExtractFormat names the layout of an extract, for the consumer's loader.
const ExtractFormat = "pubdata-share-extract/1"

// Party is an agency named in a manifest.
type Party struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ManifestItem is one item of an extract and how it was masked.
type ManifestItem struct {
	Name      string        `json:"name"`
	Mask      security.Mask `json:"mask"`
	MaskLabel string        `json:"mask_label"`
}

// ExtractManifest is manifest.json: what an extract holds and under which
// decision (GD-290 §24: scenario, consumer, data, mode, end date).
type ExtractManifest struct {
	Format       string         `json:"format"`
	GrantID      int64          `json:"grant_id"`
	RequestID    int64          `json:"request_id,omitempty"`
	EntryID      int64          `json:"entry_id"`
	EntryName    string         `json:"entry_name"`
	ResourceCode string         `json:"resource_code"`
	DatasetID    int64          `json:"dataset_id"`
	Consumer     Party          `json:"consumer"`
	Source       Party          `json:"source"`
	AppID        int64          `json:"app_id"`
	Scenario     string         `json:"scenario"`
	Purpose      string         `json:"purpose"`
	Mode         Mode           `json:"mode"`
	EndDate      string         `json:"end_date"`
	Items        []ManifestItem `json:"items"`
	RowScope     RowScope       `json:"row_scope"`
	Rows         int64          `json:"rows"`
	DataFile     string         `json:"data_file"`
	SM3          string         `json:"sm3"` // hex SM3 of data.csv
	GeneratedAt  time.Time      `json:"generated_at"`
	LastBatchID  int64          `json:"last_batch_id,omitempty"` // the dataset's last load when the extract began
}

// serveExtract answers GET …/extract. The rows are written to a temporary
// file first (hashing them as they go); the extract's record and its audit
// entry commit together; only then is the zip streamed, so that no data
// leaves before its record is durable.
func (s *Service) serveExtract(c *call) (*answer, error) {
	r := c.r
	ctx := r.Context()
	if err := onlyParams(r); err != nil {
		return nil, err
	}
	if err := s.charge(c, 1); err != nil {
		return nil, err
	}
	ds, err := s.collect.DatasetByID(ctx, c.g.DatasetID)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp("", "pubdata-extract-*.csv")
	if err != nil {
		return nil, fmt.Errorf("extract: temporary file: %w", err)
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	n, digest, err := s.writeExtractCSV(c, tmp)
	if err != nil {
		cleanup()
		return nil, err
	}
	m := ExtractManifest{Format: ExtractFormat, GrantID: c.g.ID, RequestID: c.g.RequestID, EntryID: ds.EntryID, EntryName: ds.Name, ResourceCode: ds.ResourceCode,
		DatasetID: ds.ID, Consumer: Party{c.g.ConsumerAgencyID, c.g.ConsumerName}, Source: Party{c.g.SourceAgencyID, c.g.SourceName}, AppID: c.g.AppID,
		Scenario: c.g.Scenario, Purpose: c.purpose, Mode: c.g.Mode, EndDate: c.g.EndDate, RowScope: c.g.RowScope, Rows: n, DataFile: "data.csv",
		SM3: digest, GeneratedAt: s.now().UTC().Truncate(time.Second), LastBatchID: ds.LastBatchID, Items: []ManifestItem{}}
	for _, col := range c.c.cols {
		m.Items = append(m.Items, ManifestItem{Name: col.name, Mask: col.mask, MaskLabel: col.mask.Label("zh")})
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		cleanup()
		return nil, err
	}
	c.detail.Rows, c.detail.SM3 = int(n), digest
	var extractID int64
	err = s.db.WriteAt(ctx, s.now(), func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO share_extracts(grant_id, rows, sm3, manifest, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
			c.g.ID, n, digest, string(manifest), tx.Dialect.Time(tx.Now)).Scan(&extractID); err != nil {
			return fmt.Errorf("record extract of grant %d: %w", c.g.ID, err)
		}
		c.detail.ExtractID = extractID
		return s.trail.Append(ctx, tx, c.actor, audit.Event{Action: c.action, ObjectType: "share_grant", ObjectID: c.objectID,
			Purpose: c.purpose, Detail: c.detail.String()})
	})
	if err != nil {
		c.detail.ExtractID = 0
		cleanup()
		return nil, err
	}
	stream := func(w http.ResponseWriter) error {
		defer cleanup()
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="share-grant-%d-extract-%d.zip"`, c.g.ID, extractID))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Extract-ID", strconv.FormatInt(extractID, 10))
		h.Set("X-Extract-SM3", digest)
		w.WriteHeader(http.StatusOK)
		zw := zip.NewWriter(w)
		f, err := zw.CreateHeader(&zip.FileHeader{Name: "data.csv", Method: zip.Deflate, Modified: m.GeneratedAt})
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, tmp); err != nil {
			return err
		}
		f, err = zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: m.GeneratedAt})
		if err != nil {
			return err
		}
		if _, err := f.Write(manifest); err != nil {
			return err
		}
		return zw.Close()
	}
	return &answer{status: http.StatusOK, stream: stream, audited: true, cleanup: cleanup}, nil
}

// writeExtractCSV writes data.csv: a header of the granted items, then
// every live row in the grant's scope in row order, masked (null as an
// empty field). It returns the rows and the hex SM3 of what it wrote.
func (s *Service) writeExtractCSV(c *call, out io.Writer) (int64, string, error) {
	h := sm3.New()
	bw := bufio.NewWriterSize(io.MultiWriter(out, h), 64<<10)
	cw := csv.NewWriter(bw)
	rec := make([]string, len(c.c.cols))
	for i, col := range c.c.cols {
		rec[i] = col.name
	}
	if err := cw.Write(rec); err != nil {
		return 0, "", err
	}
	q := "SELECT _row"
	if c.c.selectSQL != "" {
		q += ", " + c.c.selectSQL
	}
	q += " FROM " + c.c.table + " WHERE NOT _deleted"
	var args []any
	if c.c.scopeCol != "" {
		q += " AND " + c.c.scopeCol + ` LIKE $1 ESCAPE '\'`
		args = append(args, c.c.scopeLike)
	}
	rows, err := s.db.Read().QueryContext(c.r.Context(), q+" ORDER BY _row", args...)
	if err != nil {
		return 0, "", fmt.Errorf("extract of grant %d: %w", c.g.ID, err)
	}
	defer rows.Close()
	vals := make([]any, len(c.c.cols))
	ptrs := make([]any, len(vals)+1)
	var rowID int64
	ptrs[0] = &rowID
	for i := range vals {
		ptrs[i+1] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, "", err
		}
		for i := range c.c.cols {
			v, _ := c.c.cols[i].masked(vals[i])
			rec[i] = v
		}
		if err := cw.Write(rec); err != nil {
			return 0, "", err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, "", err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, "", err
	}
	if err := bw.Flush(); err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
