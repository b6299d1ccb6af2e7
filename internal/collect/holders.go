package collect

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/store"
)

// No repeated collection (HZ §16 可以通过…平台进行数据共享或者核验方式获取的
// 公共数据，…不得重复采集; GD-290 §14 一数一源): before an agency collects a data
// element it asks who already holds it on the platform.

// Holder is a dataset that carries a data element.
type Holder struct {
	DatasetID    int64  `json:"dataset_id"`
	DatasetName  string `json:"dataset_name"`
	EntryID      int64  `json:"entry_id"`
	ResourceCode string `json:"resource_code"`
	AgencyID     int64  `json:"agency_id"`
	AgencyName   string `json:"agency_name"`
	Jurisdiction string `json:"jurisdiction_code"`
	Item         string `json:"item"` // the item that carries the element
	// LegalSource is true when the agency is the element's registered legal
	// source department (the catalog's data element register).
	LegalSource bool       `json:"legal_source"`
	OriginID    int64      `json:"origin_dataset_id,omitempty"` // a return-flow copy of this dataset
	Rows        int64      `json:"rows"`
	LastLoadAt  *time.Time `json:"last_load_at,omitempty"`
}

// Holders lists the datasets whose live columns carry the data element
// (an item's Element, or its name when it names none), registered legal
// source first, then by rows. It lists metadata, not data: any government
// user may call it; public users, data subjects and anonymous callers get
// Forbidden collect.holders.forbidden. Invalid collect.holders.element for
// an empty or overlong element. Audited.
func (s *Service) Holders(ctx context.Context, a audit.Actor, elementName string) ([]Holder, error) {
	elementName = strings.TrimSpace(elementName)
	ev := audit.Event{Action: "collect.holders", ObjectType: "data_element", ObjectID: elementName}
	if a.Username != "system" && !auth.Role(a.Role).Government() {
		return nil, s.denyWith(ctx, a, ev, apperr.New(apperr.Forbidden, "collect.holders.forbidden",
			"只有政府部门用户可以查询数据元的持有情况", "only government users may ask who holds a data element"))
	}
	if elementName == "" || utf8.RuneCountInString(elementName) > 100 {
		return nil, apperr.Invalidf("collect.holders.element", "element", "请给出1至100个字的数据元名称", "give a data element name of 1 to 100 characters")
	}
	rd := s.db.Read()
	var source int64
	err := rd.QueryRowContext(ctx, `SELECT source_agency_id FROM data_elements WHERE name = $1`, elementName).Scan(&source)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("element %s: %w", elementName, err)
	}
	// Narrow by the element's text as the columns' JSON holds it, then check each column.
	enc, _ := json.Marshal(elementName)
	rows, err := rd.QueryContext(ctx, `SELECT `+datasetColumns+datasetFrom+` WHERE d.columns LIKE $1 ESCAPE '\' ORDER BY d.id`,
		"%"+store.Like(strings.Trim(string(enc), `"`))+"%")
	if err != nil {
		return nil, fmt.Errorf("holders of %s: %w", elementName, err)
	}
	defer rows.Close()
	out := []Holder{}
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			return nil, err
		}
		for _, c := range d.Live() {
			if element(c.Item) != elementName {
				continue
			}
			out = append(out, Holder{DatasetID: d.ID, DatasetName: d.Name, EntryID: d.EntryID, ResourceCode: d.ResourceCode, AgencyID: d.AgencyID,
				AgencyName: d.AgencyName, Jurisdiction: d.Jurisdiction, Item: c.Item.Name, LegalSource: source != 0 && d.AgencyID == source,
				OriginID: d.OriginID, Rows: d.RowCount, LastLoadAt: d.LastLoadAt})
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortHolders(out)
	ev.Detail = fmt.Sprintf("%d datasets", len(out))
	return out, s.trail.Record(ctx, a, ev)
}

// sortHolders puts the legal source first, then own datasets before
// copies, then the most rows.
func sortHolders(hs []Holder) {
	rank := func(h Holder) int {
		r := 0
		if !h.LegalSource {
			r += 2
		}
		if h.OriginID != 0 {
			r++
		}
		return r
	}
	slices.SortFunc(hs, func(x, y Holder) int {
		return cmp.Or(cmp.Compare(rank(x), rank(y)), cmp.Compare(y.Rows, x.Rows), cmp.Compare(x.DatasetID, y.DatasetID))
	})
}
