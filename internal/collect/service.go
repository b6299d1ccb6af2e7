package collect

import (
	"log/slog"
	"time"

	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/org"
	"pubdata/internal/procedure"
	"pubdata/internal/rules"
	"pubdata/internal/store"
)

// Sealer seals secrets kept in the database (a pull source's connection
// string) with the node's key; internal/security provides it.
type Sealer interface {
	Seal(plaintext []byte, aad string) (string, error)
	Open(sealed string, aad string) ([]byte, error)
}

// Service is the collection service of one node.
type Service struct {
	db      *store.DB
	trail   *audit.Trail
	rules   *rules.Set
	orgs    *org.Service
	cases   *procedure.Engine
	catalog *catalog.Service
	cal     *calendar.Calendar
	sealer  Sealer // nil: no secrets key, database pull cannot be registered
	log     *slog.Logger
	afterState
}

// NewService returns the collection service. It registers with the catalog
// so that a publication creates or migrates the entry's dataset in the
// publication's transaction, and with the engine for its procedures.
func NewService(db *store.DB, trail *audit.Trail, rs *rules.Set, orgs *org.Service, cases *procedure.Engine, cat *catalog.Service, cal *calendar.Calendar, sealer Sealer, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{db: db, trail: trail, rules: rs, orgs: orgs, cases: cases, catalog: cat, cal: cal, sealer: sealer, log: log}
	cat.OnPublish(s.onPublish)
	s.registerKinds()
	return s
}

// now is the service's clock: the engine's, so that tests drive both with one fake clock.
func (s *Service) now() time.Time { return s.cases.Now() }

// LoadInput is one batch to load.
type LoadInput struct {
	Channel       Channel
	Mode          Mode
	ClientBatchID string    // push: makes the push idempotent
	Reader        RowReader // opened with the dataset's Fields()
	Format        Format
	Encoding      string
	FileName      string
	ExpectedRows  int64 // rows the source says it sent (completeness), 0 = unknown
	SourceID      int64 // pull: the source
	// Progress, when set, is called now and then with the rows read so far.
	Progress func(rows int64)
}
