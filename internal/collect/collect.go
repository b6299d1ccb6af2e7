// Package collect is the aggregation (汇聚) and quality (治理) layer (GD-290
// ch.3; JM §8–11; MZ §11–18; HZ §15–22, §29): every published structured
// catalog entry gets a dataset, a real table typed from its items; agencies
// feed it by file upload, push API or database pull, each load a batch that
// is all or nothing; rows are validated from the catalog items; quality is
// measured per dataset and per agency and kept over time; stale datasets are
// watched; base databases take each attribute group only from its legal
// source department; theme databases join datasets; provincial rows flow
// back to the cities they concern.
package collect

import (
	"io"
	"strconv"
	"time"

	"pubdata/internal/catalog"
)

// Channel is how a batch reached the platform.
type Channel string

// The channels the measures name.
const (
	ChannelUpload     Channel = "upload"     // 文件上传 / 人工网络上传 (JM §10, MZ §12, HZ §18)
	ChannelPush       Channel = "push"       // 接口对接、前置机推送 (HZ §18)
	ChannelPull       Channel = "pull"       // 库表 (JM §10, MZ §12)
	ChannelReturnFlow Channel = "returnflow" // 回流 (HZ §29)
	ChannelDemo       Channel = "demo"       // synthetic demo data
)

// Mode says what a batch means for the rows already there.
type Mode string

// The load modes.
const (
	// ModeFull: the batch is the whole dataset; rows not in it are marked deleted.
	ModeFull Mode = "full"
	// ModeIncremental: the batch inserts or updates rows by key; a row whose
	// _op is "delete" marks that key deleted.
	ModeIncremental Mode = "incremental"
)

// Format is the format of a file or request body.
type Format string

// The input formats.
const (
	FormatCSV   Format = "csv"   // UTF-8, GBK or GB18030, with a header row of item names
	FormatXLSX  Format = "xlsx"  // the first sheet, a header row of item names
	FormatJSONL Format = "jsonl" // one JSON object per line, keys are item names
	FormatJSON  Format = "json"  // a JSON array of such objects (push API)
)

// OpField is the optional field of incremental input that says what to do
// with the row: "upsert" (the default) or "delete".
const OpField = "_op"

// Column is one column of a dataset table, made from one catalog item. Its
// physical name (c1, c2, …) never changes, so that a new catalog version can
// rename nothing and lose nothing: a new item adds a column, a retyped item
// retypes it, an item dropped from the catalog keeps its column and data.
type Column struct {
	Name    string       `json:"name"` // physical column name
	Item    catalog.Item `json:"item"`
	Dropped bool         `json:"dropped,omitempty"` // no longer in the catalog version
}

// Dataset is the platform's copy of one catalog entry's data.
type Dataset struct {
	ID            int64              `json:"id"`
	EntryID       int64              `json:"entry_id"`
	ResourceCode  string             `json:"resource_code"`
	Name          string             `json:"name"`
	AgencyID      int64              `json:"agency_id"`
	AgencyName    string             `json:"agency_name"`
	Jurisdiction  string             `json:"jurisdiction_code"`
	Table         string             `json:"table"`
	SchemaVersion int                `json:"schema_version"`
	Columns       []Column           `json:"columns"`
	UpdateFreq    catalog.UpdateFreq `json:"update_freq"`
	BaseGroup     string             `json:"base_group,omitempty"`
	OriginID      int64              `json:"origin_dataset_id,omitempty"`
	OriginCursor  int64              `json:"-"`
	RowCount      int64              `json:"row_count"`
	LastBatchID   int64              `json:"last_batch_id,omitempty"`
	LastLoadAt    *time.Time         `json:"last_load_at,omitempty"`
	StaleSince    *time.Time         `json:"stale_since,omitempty"`
	QualityScore  *float64           `json:"quality_score,omitempty"`
	CreatedAt     time.Time          `json:"created_at"`
	UpdatedAt     time.Time          `json:"updated_at"`
}

// Live returns the columns still in the catalog, in item order.
func (d *Dataset) Live() []Column {
	out := make([]Column, 0, len(d.Columns))
	for _, c := range d.Columns {
		if !c.Dropped {
			out = append(out, c)
		}
	}
	return out
}

// Keys returns the live key columns.
func (d *Dataset) Keys() []Column {
	var out []Column
	for _, c := range d.Live() {
		if c.Item.Key {
			out = append(out, c)
		}
	}
	return out
}

// Fields returns the input field names of the dataset: its live items'
// names, in order, and OpField last.
func (d *Dataset) Fields() []string {
	live := d.Live()
	out := make([]string, 0, len(live)+1)
	for _, c := range live {
		out = append(out, c.Item.Name)
	}
	return append(out, OpField)
}

// The row metadata columns every dataset table carries.
const (
	MetaRow      = "_row"        // surrogate key
	MetaBatch    = "_batch"      // the batch that last wrote the row
	MetaBatchRow = "_batch_row"  // the row's number in that batch's input
	MetaAgency   = "_agency"     // the source agency
	MetaLoadedAt = "_loaded_at"  // first loaded
	MetaUpdated  = "_updated_at" // last changed
	MetaDeleted  = "_deleted"    // deleted by a full load or a delete row
)

// RowReader yields the rows of one input, each aligned to the fields the
// reader was opened with ("" = no value). Its errors are *apperr.Error (or
// apperr.List) naming the row and field where the input is malformed.
type RowReader interface {
	// Next returns the next row; io.EOF after the last. The slice may be
	// reused by the following call.
	Next() ([]string, error)
	// Line is the number of the row last returned as the source counts it
	// (a file's row number, header included; a JSON line number), for reports.
	Line() int
	io.Closer
}

// Rejection is one problem with one row of a batch: the row as the source
// numbers it, the field (item name), a stable code and a message in zh-CN
// and English.
type Rejection struct {
	Row   int    `json:"row"`
	Field string `json:"field,omitempty"`
	Code  string `json:"code"`
	ZH    string `json:"zh"`
	EN    string `json:"en"`
	Value string `json:"value,omitempty"` // the offending value, cut short; never for personal items
}

// BatchState is where a batch ended.
type BatchState string

// The batch states.
const (
	BatchLoaded   BatchState = "loaded"
	BatchRejected BatchState = "rejected" // invalid input: nothing loaded
	BatchFailed   BatchState = "failed"   // refused or broken off: nothing loaded
)

// Batch is one load.
type Batch struct {
	ID            int64       `json:"id"`
	DatasetID     int64       `json:"dataset_id"`
	ClientBatchID string      `json:"client_batch_id,omitempty"`
	Channel       Channel     `json:"channel"`
	Mode          Mode        `json:"mode"`
	State         BatchState  `json:"state"`
	Format        Format      `json:"format,omitempty"`
	Encoding      string      `json:"encoding,omitempty"`
	FileName      string      `json:"file_name,omitempty"`
	AgencyID      int64       `json:"agency_id"`
	UserID        int64       `json:"user_id,omitempty"`
	SourceID      int64       `json:"source_id,omitempty"`
	RowsRead      int64       `json:"rows_read"`
	RowsInserted  int64       `json:"rows_inserted"`
	RowsUpdated   int64       `json:"rows_updated"`
	RowsDeleted   int64       `json:"rows_deleted"`
	ExpectedRows  int64       `json:"expected_rows,omitempty"`
	ErrorCount    int64       `json:"error_count"`
	Errors        []Rejection `json:"errors,omitempty"`
	StartedAt     time.Time   `json:"started_at"`
	FinishedAt    time.Time   `json:"finished_at"`
	// Replayed is set when a push repeated a client batch ID that had
	// already loaded: this is that batch, and nothing was loaded again.
	Replayed bool `json:"replayed,omitempty"`
}

// MaxStoredRejections is how many rejections a batch keeps; the count of
// the rest is in ErrorCount.
const MaxStoredRejections = 1000

// RowError is a problem with one row of input that does not stop reading:
// the loader records it as a rejection and reads on (the batch will load
// nothing). Any other error from a RowReader stops the load.
type RowError struct{ Rejection }

func (e *RowError) Error() string {
	if e.Field != "" {
		return "row " + strconv.Itoa(e.Row) + " field " + e.Field + ": " + e.EN
	}
	return "row " + strconv.Itoa(e.Row) + ": " + e.EN
}
