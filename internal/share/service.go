package share

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"pubdata/internal/apperr"
	"pubdata/internal/audit"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/org"
	"pubdata/internal/procedure"
	"pubdata/internal/rules"
	"pubdata/internal/store"
)

// Sealer seals the per-grant pseudonym keys with the node's secrets key;
// internal/security provides it.
type Sealer interface {
	Seal(plaintext []byte, aad string) (string, error)
	Open(sealed string, aad string) ([]byte, error)
}

// gatewayAuditLinger is how long the gateway's audit writer gathers calls
// into one commit under concurrent load: it adds at most this to a call's
// latency and divides the commits (see audit.Batcher.SetLinger).
const gatewayAuditLinger = 300 * time.Microsecond

// Service is the sharing service of one node.
type Service struct {
	db      *store.DB
	trail   *audit.Trail
	rules   *rules.Set
	orgs    *org.Service
	cases   *procedure.Engine
	catalog *catalog.Service
	collect *collect.Service
	cal     *calendar.Calendar
	sealer  Sealer // nil: pseudonym keys are kept unsealed (logged at start)
	log     *slog.Logger

	// batch audits gateway calls in group commits (see audit.Batcher).
	batch *audit.Batcher

	grants grantCache
	apps   appCache
	gw     gateway

	closeOnce sync.Once
}

// NewService returns the sharing service and registers its procedures with
// the engine.
func NewService(db *store.DB, trail *audit.Trail, rs *rules.Set, orgs *org.Service, cases *procedure.Engine, cat *catalog.Service, col *collect.Service, cal *calendar.Calendar, sealer Sealer, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{db: db, trail: trail, rules: rs, orgs: orgs, cases: cases, catalog: cat, collect: col, cal: cal, sealer: sealer, log: log}
	if sealer == nil {
		log.Warn("no secrets key: new grants' pseudonym keys are kept unsealed in the database; set --secrets-key-file")
	}
	s.batch = trail.NewBatcherClock(audit.DefaultBatch, func() time.Time { return s.now() })
	s.batch.SetLinger(gatewayAuditLinger)
	s.grants.init()
	s.apps.init()
	s.gw.init()
	s.registerKinds()
	cat.OnPublish(s.onEntryPublished) // a new version may change the items a cached grant serves
	return s
}

// Close commits the gateway's queued audit entries and stops its writer.
func (s *Service) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.batch.Close() })
	return err
}

// now is the service's clock: the engine's, so tests drive both with one fake clock.
func (s *Service) now() time.Time { return s.cases.Now() }

// today is the date in Asia/Shanghai.
func (s *Service) today() calendar.Date { return calendar.DateOf(s.now()) }

// profileOf is the rule profile of a jurisdiction.
func (s *Service) profileOf(jurisdiction string) (*rules.Profile, error) {
	p := s.rules.ForJurisdiction(jurisdiction)
	if p == nil {
		return nil, apperr.Invalidf("share.jurisdiction", "jurisdiction_code", "没有覆盖该行政区划的规则配置："+jurisdiction, "no rule profile covers jurisdiction "+jurisdiction)
	}
	return p, nil
}

// deny records a refusal in the trail on its own (the change rolled back)
// and returns err.
func (s *Service) deny(ctx context.Context, a audit.Actor, ev audit.Event, err error) error {
	ev.Outcome = audit.Denied
	_ = s.trail.Record(context.WithoutCancel(ctx), a, ev)
	return err
}

// scanner is a row of a query: *sql.Row or *sql.Rows.
type scanner = interface{ Scan(...any) error }

// queryAll runs a read query and scans each row with scan.
func queryAll[T any](ctx context.Context, q store.Querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Common errors.
var (
	errRequestNotFound = apperr.New(apperr.NotFound, "share.request.not_found", "共享申请不存在或无权查看", "no such share request, or not visible to you")
	errGrantNotFound   = apperr.New(apperr.NotFound, "share.grant.not_found", "授权不存在或无权查看", "no such grant, or not visible to you")
	errAppNotFound     = apperr.New(apperr.NotFound, "share.app.not_found", "应用系统不存在或无权查看", "no such application system, or not visible to you")
)

// AuditStats reports the gateway's audit entries and the group commits that
// wrote them (benchmarks: entries per commit).
func (s *Service) AuditStats() (entries, commits int64) { return s.batch.Stats() }
