package collect

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"pubdata/internal/audit"
	"pubdata/internal/catalog"
	"pubdata/internal/procedure"
	"pubdata/internal/rules"
	"pubdata/internal/store"
)

// Freshness (GD-290 §16, JM §11, MZ §13, HZ §19): an agency updates the
// data it shares at the update frequency its catalog entry declares. Each
// frequency has an allowance in hours in the rule profile
// (collect.freshness.hours.<frequency>); a dataset whose last successful
// load — or, never loaded, its creation — is older than that is stale.

// remeasureStale is how often the watch measures a dataset that stays
// stale, so that its falling timeliness shows in the agency's history.
const remeasureStale = 24 * time.Hour

// allowance is the time a dataset of one update frequency may go without a
// successful load.
type allowance struct {
	key   string
	hours int
	basis string
}

func (a allowance) duration() time.Duration { return time.Duration(a.hours) * time.Hour }

// allowanceOf returns the profile's allowance for the frequency; false for
// a frequency without one (irregular: never stale).
func allowanceOf(prof *rules.Profile, freq catalog.UpdateFreq) (allowance, bool) {
	if freq == "" || freq == catalog.FreqIrregular {
		return allowance{}, false
	}
	key := "collect.freshness.hours." + string(freq)
	v, ok := prof.Get(key)
	if !ok || v.Kind != rules.KindNumber || v.Number <= 0 {
		return allowance{}, false
	}
	return allowance{key: key, hours: v.Number, basis: v.Basis}, true
}

// Watch finds the datasets (not return-flow copies) that are not updated
// at their frequency by now and marks each stale: it sets stale_since,
// raises one supervision notice against the source agency with its
// supervising authority, audits collect.dataset.stale, and takes a quality
// snapshot. A dataset stays stale, without further notices, until a load
// clears it; the next staleness is a new episode with a new notice. It
// also measures again, once a day, the datasets that stay stale, and those
// whose last load was never measured (the work after it cut off). It is
// idempotent and safe to run concurrently. It returns how many datasets it
// newly found stale; errors of single datasets are logged, the run goes on,
// and they are returned together.
func (s *Service) Watch(ctx context.Context, now time.Time) (int, error) {
	rows, err := s.db.Read().QueryContext(ctx, `SELECT `+datasetColumns+datasetFrom+` WHERE d.origin_dataset_id IS NULL AND d.stale_since IS NULL ORDER BY d.id`)
	if err != nil {
		return 0, fmt.Errorf("freshness watch: %w", err)
	}
	var fresh []Dataset
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		fresh = append(fresh, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var errs []error
	fail := func(d *Dataset, err error) {
		s.log.Error("freshness watch", "dataset", d.ID, "err", err)
		errs = append(errs, fmt.Errorf("dataset %d: %w", d.ID, err))
	}
	n := 0
	for i := range fresh {
		d := &fresh[i]
		prof := s.rules.ForJurisdiction(d.Jurisdiction)
		if prof == nil {
			fail(d, fmt.Errorf("no rule profile covers jurisdiction %s", d.Jurisdiction))
			continue
		}
		al, ok := allowanceOf(prof, d.UpdateFreq)
		if !ok {
			continue
		}
		since := d.CreatedAt
		if d.LastLoadAt != nil {
			since = *d.LastLoadAt
		}
		if now.Sub(since) <= al.duration() {
			continue
		}
		marked, err := s.markStale(ctx, d, al, since, now)
		if err != nil {
			fail(d, err)
			continue
		}
		if !marked {
			continue
		}
		n++
		if _, err := s.measure(ctx, d, 0, now); err != nil {
			fail(d, err)
		}
	}
	// Measure again the datasets that stay stale (once a day) and those
	// whose last load was not measured (the work after it was cut off).
	rows, err = s.db.Read().QueryContext(ctx, `SELECT `+datasetColumns+datasetFrom+`
		WHERE (d.stale_since IS NOT NULL AND d.origin_dataset_id IS NULL AND NOT EXISTS (SELECT 1 FROM quality_snapshots q WHERE q.dataset_id = d.id AND q.measured_at > $1))
		OR (d.last_load_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM quality_snapshots q WHERE q.dataset_id = d.id AND q.measured_at >= d.last_load_at))
		ORDER BY d.id`, s.db.Time(now.Add(-remeasureStale)))
	if err != nil {
		return n, errors.Join(append(errs, fmt.Errorf("freshness watch: %w", err))...)
	}
	var again []Dataset
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			rows.Close()
			return n, err
		}
		again = append(again, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, err
	}
	for i := range again {
		d := &again[i]
		batch := d.LastBatchID // the load not measured
		if d.StaleSince != nil {
			batch = 0
		}
		if _, err := s.measure(ctx, d, batch, now); err != nil {
			fail(d, err)
		}
	}
	return n, errors.Join(errs...)
}

// markStale marks the dataset stale and raises its notice, in one
// transaction; false when a load or another watch got there first.
func (s *Service) markStale(ctx context.Context, d *Dataset, al allowance, since, now time.Time) (bool, error) {
	marked := false
	err := s.db.WriteAt(ctx, now, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE datasets SET stale_since = $1 WHERE id = $2 AND stale_since IS NULL AND COALESCE(last_batch_id, 0) = $3`,
			tx.Dialect.Time(tx.Now), d.ID, d.LastBatchID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		freq := catalog.Label(string(d.UpdateFreq), "", "zh")
		last := "最近一次成功加载于 " + shanghaiTime(since)
		if d.LastLoadAt == nil {
			last = "自 " + shanghaiTime(since) + " 创建以来从未加载"
		}
		due := since.Add(al.duration())
		code := ""
		if d.ResourceCode != "" {
			code = "（" + d.ResourceCode + "）"
		}
		reason := fmt.Sprintf("数据集“%s”%s未按目录更新频率（%s）更新：%s，超过允许的 %d 小时。依据：%s", d.Name, code, freq, last, al.hours, al.basis)
		notice, err := s.cases.RaiseNotice(ctx, tx, procedure.NoticeInput{AgainstAgencyID: d.AgencyID, Jurisdiction: d.Jurisdiction,
			ReasonCode: "dataset_stale", Reason: reason, Basis: al.basis, DueKey: al.key, MissedAt: &due})
		if err != nil {
			return err
		}
		marked = true
		d.StaleSince = timePtr(tx.Now)
		return s.trail.Append(ctx, tx, audit.System(), audit.Event{Action: "collect.dataset.stale", ObjectType: "dataset", ObjectID: strconv.FormatInt(d.ID, 10),
			Detail: fmt.Sprintf("%s: since %s, allowance %dh (%s); notice %d", d.UpdateFreq, since.UTC().Format(time.RFC3339), al.hours, al.basis, notice.ID)})
	})
	return marked && err == nil, err
}
