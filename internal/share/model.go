// Package share is the sharing exchange (一网共享, GD-290 ch.4; JM §12–20;
// MZ §19–25; HZ §23–28): consumer agencies ask for catalog entries; an
// unconditional entry is granted at once, a conditional one goes to its
// source agency as a case under the profile's reply and fulfil deadlines;
// cross-level requests are filed with the authorities; an approval fixes a
// grant bound to the consumer's application system; the gateway is the
// only way data leaves, and it answers only granted items and rows, masked,
// within the end date, quota and rate, and audits every call. Verification
// (核实、比对) answers match or no match instead of data. Consumers report
// their use periodically and flag wrong data, which the source agency
// verifies and fixes under deadlines.
package share

import (
	"time"

	"pubdata/internal/catalog"
	"pubdata/internal/security"
)

// RequestKind says what a request asks for.
type RequestKind string

// The kinds of request.
const (
	KindData         RequestKind = "data"         // a catalog entry's items, online (API, table or file)
	KindVerify       RequestKind = "verify"       // a verification service for not-shared data (GD-290 §23 para 3)
	KindUncatalogued RequestKind = "uncatalogued" // a demand for data not in any catalog (HZ §24)
	KindOffline      RequestKind = "offline"      // offline delivery: dedicated line, media, paper (GD-290 §23 para 4, JM §15)
)

// RequestState is where a request stands.
type RequestState string

// The states of a request. A conditional request's case carries its
// deadlines; the request mirrors the case's state.
const (
	StateRequested RequestState = "requested" // with the source agency (conditional; uncatalogued demand)
	StateAgreed    RequestState = "agreed"    // agreed, to be fulfilled within the fulfil deadline
	StateGranted   RequestState = "granted"   // a grant exists (unconditional at once; conditional once fulfilled)
	StateRefused   RequestState = "refused"   // refused with its legal basis
	StateWithdrawn RequestState = "withdrawn" // withdrawn by the consumer
	StateConfirmed RequestState = "confirmed" // uncatalogued: the source agency confirmed it holds the data and will catalogue it
	StateDelivered RequestState = "delivered" // offline: delivered, with its record
)

// Mode is how shared data is delivered.
type Mode string

// The sharing modes (catalog share modes, by delivery).
const (
	ModeAPI     Mode = Mode(catalog.ModeAPI)        // the gateway's key lookup and paging
	ModeTable   Mode = Mode(catalog.ModePlatformDB) // a masked table extract
	ModeFile    Mode = Mode(catalog.ModeFile)       // a masked file extract
	ModeOffline Mode = Mode(catalog.ModeOffline)    // offline media, dedicated line or paper
)

// PurposeCategory classifies a request's purpose, so that GD-290 §26 can
// be enforced: enterprises and institutions only for policy delivery and
// emergencies, universities and research institutes only for research and
// education.
type PurposeCategory string

// The purpose categories.
const (
	PurposeDuty      PurposeCategory = "duty"            // 履行法定职责
	PurposePolicy    PurposeCategory = "policy_delivery" // 落实惠民政策
	PurposeEmergency PurposeCategory = "emergency"       // 应对突发事件
	PurposeResearch  PurposeCategory = "research"        // 科学研究
	PurposeEducation PurposeCategory = "education"       // 教育
)

// RecipientKind is who finally receives the data: the consumer agency
// itself, or, through the authority (GD-290 §26), an enterprise or
// institution, or a university or research institute.
type RecipientKind string

// The kinds of recipient.
const (
	RecipientAgency      RecipientKind = "agency"
	RecipientEnterprise  RecipientKind = "enterprise"
	RecipientInstitution RecipientKind = "institution"
	RecipientResearch    RecipientKind = "research"
)

// RowScope limits the rows of a grant: the rows whose Item's value lies in
// the division Region (by GB/T 2260 prefix), e.g. the consumer's own city.
// The zero value is every row.
type RowScope struct {
	Item   string `json:"item,omitempty"`
	Region string `json:"region,omitempty"`
}

// Empty reports whether the scope is every row.
func (s RowScope) Empty() bool { return s.Item == "" }

// GrantItem is one item of a grant and how the gateway masks it.
type GrantItem struct {
	Name string        `json:"name"`
	Mask security.Mask `json:"mask"`
}

// Spec is what a consumer asks for, and — as an approval — what the source
// agency fixed (GD-290 §24: scenario, consumer, data, mode, end date).
type Spec struct {
	Items           []GrantItem     `json:"items"`                      // the items and, in an approval, their masks
	Purpose         string          `json:"purpose"`                    // 用途 / reasonable use (MZ §21)
	PurposeCategory PurposeCategory `json:"purpose_category"`           // for GD-290 §26
	Scenario        string          `json:"scenario"`                   // 应用业务场景
	DutyBasis       string          `json:"duty_basis"`                 // the duty and legal basis the consumer acts under
	Mode            Mode            `json:"mode"`                       // api, platform_db, file, offline_media
	RowScope        RowScope        `json:"row_scope"`                  // which rows
	EndDate         string          `json:"end_date"`                   // YYYY-MM-DD, the last day of use
	AppID           int64           `json:"app_id,omitempty"`           // the consumer's application system (online modes)
	RecipientKind   RecipientKind   `json:"recipient_kind,omitempty"`   // "" or agency: the consumer itself
	RecipientName   string          `json:"recipient_name,omitempty"`   // enterprise, institution or research institute
	RecipientCode   string          `json:"recipient_code,omitempty"`   // its unified social credit code
	QuotaDaily      int64           `json:"quota_daily,omitempty"`      // calls a day; 0: the platform default
	RatePerMinute   int64           `json:"rate_per_minute,omitempty"`  // calls a minute; 0: the platform default
	OfflineMethod   string          `json:"offline_method,omitempty"`   // offline: 专线, 存储介质, 纸质 (JM §15)
	OfflineDelivery *OfflineRecord  `json:"offline_delivery,omitempty"` // offline: what was delivered
}

// OfflineRecord is the record of an offline delivery.
type OfflineRecord struct {
	Method      string    `json:"method"`       // 专线 / 存储介质 / 纸质
	DeliveredOn string    `json:"delivered_on"` // YYYY-MM-DD
	Carrier     string    `json:"carrier"`      // medium ID, line, or the person who carried it
	Receiver    string    `json:"receiver"`     // who received it at the consumer
	Rows        int64     `json:"rows,omitempty"`
	Digest      string    `json:"digest,omitempty"` // SM3 of what was delivered, if electronic
	Note        string    `json:"note,omitempty"`
	RecordedAt  time.Time `json:"recorded_at"`
}

// Request is a share request.
type Request struct {
	ID               int64        `json:"id"`
	Kind             RequestKind  `json:"kind"`
	State            RequestState `json:"state"`
	ConsumerAgencyID int64        `json:"consumer_agency_id"`
	ConsumerName     string       `json:"consumer_name"`
	SourceAgencyID   int64        `json:"source_agency_id"`
	SourceName       string       `json:"source_name"`
	Jurisdiction     string       `json:"jurisdiction_code"` // the source's: its profile governs the answer
	Profile          string       `json:"profile"`
	EntryID          int64        `json:"entry_id,omitempty"`
	EntryVersion     int          `json:"entry_version,omitempty"`
	EntryName        string       `json:"entry_name,omitempty"`
	DatasetID        int64        `json:"dataset_id,omitempty"`
	ShareType        string       `json:"share_type,omitempty"`
	Spec             Spec         `json:"spec"`
	Approval         *Spec        `json:"approval,omitempty"`
	RefusalBasis     string       `json:"refusal_basis,omitempty"`
	Demand           string       `json:"demand,omitempty"` // uncatalogued: what data is needed
	CrossLevel       bool         `json:"cross_level"`
	CaseID           int64        `json:"case_id,omitempty"`
	DueDate          string       `json:"due_date,omitempty"` // the open case's due date
	Overdue          bool         `json:"overdue"`
	GrantID          int64        `json:"grant_id,omitempty"`
	Filings          []Filing     `json:"filings,omitempty"`
	CreatedBy        int64        `json:"created_by,omitempty"`
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
}

// Filing is a cross-level request filed with an authority (GD-290 §25, HZ §26).
type Filing struct {
	ID                int64     `json:"id"`
	RequestID         int64     `json:"request_id"`
	AuthorityAgencyID int64     `json:"authority_agency_id"`
	AuthorityName     string    `json:"authority_name"`
	Level             string    `json:"level"` // "same" or "upper"
	CreatedAt         time.Time `json:"created_at"`
}

// GrantKind says what a grant allows.
type GrantKind string

// The kinds of grant.
const (
	GrantData   GrantKind = "data"   // rows through the gateway or an extract
	GrantVerify GrantKind = "verify" // match / no match answers only
)

// GrantState is where a grant stands. A grant past its end date is
// expired whatever its state (Expired reports it).
type GrantState string

// The states of a grant.
const (
	GrantActive    GrantState = "active"
	GrantSuspended GrantState = "suspended" // HZ §25: stopped at once; restoring needs a decision
	GrantRevoked   GrantState = "revoked"   // ended before its date (a withdrawn entry, a closed app)
)

// Grant is what one consumer's application may take.
type Grant struct {
	ID               int64           `json:"id"`
	RequestID        int64           `json:"request_id,omitempty"`
	Kind             GrantKind       `json:"kind"`
	State            GrantState      `json:"state"`
	Expired          bool            `json:"expired"`
	ConsumerAgencyID int64           `json:"consumer_agency_id"`
	ConsumerName     string          `json:"consumer_name,omitempty"`
	SourceAgencyID   int64           `json:"source_agency_id"`
	SourceName       string          `json:"source_name,omitempty"`
	AppID            int64           `json:"app_id,omitempty"`
	EntryID          int64           `json:"entry_id,omitempty"`
	EntryName        string          `json:"entry_name,omitempty"`
	DatasetID        int64           `json:"dataset_id,omitempty"`
	Jurisdiction     string          `json:"jurisdiction_code"`
	Profile          string          `json:"profile"`
	Mode             Mode            `json:"mode"`
	Items            []GrantItem     `json:"items"`
	RowScope         RowScope        `json:"row_scope"`
	Purpose          string          `json:"purpose"`
	PurposeCategory  PurposeCategory `json:"purpose_category"`
	Scenario         string          `json:"scenario"`
	StartsOn         string          `json:"starts_on"`
	EndDate          string          `json:"end_date"`
	QuotaDaily       int64           `json:"quota_daily"`
	RatePerMinute    int64           `json:"rate_per_minute"`
	KeyLookupOnly    bool            `json:"key_lookup_only"` // MZ §21: no bulk export, no free query
	SuspendedReason  string          `json:"suspended_reason,omitempty"`
	SuspendedAt      *time.Time      `json:"suspended_at,omitempty"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`

	pseudonymKey []byte // opened from the sealed column; never serialised
}

// GrantEvent is a decision in a grant's life.
type GrantEvent struct {
	ID            int64     `json:"id"`
	GrantID       int64     `json:"grant_id"`
	Action        string    `json:"action"` // issue, suspend, restore, revoke
	Reason        string    `json:"reason,omitempty"`
	ActorUserID   int64     `json:"actor_user_id,omitempty"`
	ActorAgencyID int64     `json:"actor_agency_id,omitempty"`
	At            time.Time `json:"at"`
}

// App is a consumer agency's registered application system.
type App struct {
	ID             int64      `json:"id"`
	AgencyID       int64      `json:"agency_id"`
	Name           string     `json:"name"`
	Description    string     `json:"description,omitempty"`
	ClientID       string     `json:"client_id"`
	PrevValidUntil *time.Time `json:"previous_secret_valid_until,omitempty"`
	RotatedAt      *time.Time `json:"rotated_at,omitempty"`
	Disabled       bool       `json:"disabled"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Credentials are an application's client ID and secret, shown once when
// created or rotated.
type Credentials struct {
	App          App    `json:"app"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}
