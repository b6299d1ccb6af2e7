package audit

// An internal test: it swaps the batcher's clock and stalls its writer by
// queueing a group by hand while a transaction holds the chain head.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pubdata/internal/store"
	"pubdata/internal/store/storetest"
)

const testKey = "0123456789abcdef0123456789abcdef"

func readAct(id string) (Actor, Event) {
	return Actor{UserID: 7, Username: "gateway", Role: "client", AgencyID: 3, ClientAddr: "10.0.0.1", RequestID: id},
		Event{Action: "share.read", ObjectType: "dataset", ObjectID: "42", Purpose: "test", Detail: "数据 " + id}
}

// mustCounts returns how often each request ID occurs in the trail.
func mustCounts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	rows, err := db.Read().QueryContext(context.Background(), `SELECT request_id, COUNT(*) FROM audit_entries GROUP BY request_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustVerifyOK(t *testing.T, tr *Trail, entries int64) {
	t.Helper()
	rep, err := tr.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Entries != entries {
		t.Fatalf("verify: %+v, want OK with %d entries", rep, entries)
	}
}

// waitFor polls cond, under the batcher's lock, until it holds.
func waitFor(t *testing.T, b *Batcher, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		ok := cond()
		b.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// waitQueued waits until the queue holds exactly one group of n entries.
func waitQueued(t *testing.T, b *Batcher, n int) {
	t.Helper()
	waitFor(t, b, fmt.Sprintf("%d entries are queued in one group", n), func() bool {
		return len(b.queue) == 1 && len(b.queue[0].entries) == n
	})
}

// stall blocks b's writer in the transaction of a plug entry, behind a
// transaction that holds the chain head (on SQLite: the one writer
// connection), so that the Appends made next all wait in one group. The
// returned release lets both commit and checks that the plug did.
func stall(t *testing.T, db *store.DB, b *Batcher) (release func()) {
	t.Helper()
	locked, unlock, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- db.Write(context.Background(), func(tx *store.Tx) error {
			if _, err := tx.ExecContext(context.Background(), `UPDATE audit_head SET seq = seq WHERE id = 1`); err != nil {
				return err
			}
			close(locked)
			<-unlock
			return nil
		})
	}()
	select {
	case <-locked:
	case err := <-held:
		t.Fatalf("hold the head: %v", err)
	}
	a, ev := readAct("plug")
	plug := &group{entries: []Entry{entryOf(a, ev, time.Now())}, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, plug)
	b.cond.Signal()
	b.mu.Unlock()
	waitFor(t, b, "the writer takes the plug", func() bool { return len(b.queue) == 0 })
	return func() {
		t.Helper()
		close(unlock)
		if err := <-held; err != nil {
			t.Fatalf("hold the head: %v", err)
		}
		<-plug.done
		if plug.err != nil {
			t.Fatalf("plug: %v", plug.err)
		}
	}
}

func TestBatcherConcurrentWithRecord(t *testing.T) {
	const writers, each, recorders, records = 64, 200, 4, 25
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tr := New(db, []byte(testKey))
		b := tr.NewBatcher(512)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, writers+recorders)
		for g := range writers {
			wg.Go(func() {
				for i := range each {
					a, ev := readAct(fmt.Sprintf("b-%d-%d", g, i))
					if err := b.Append(ctx, a, ev); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		for g := range recorders {
			wg.Go(func() {
				for i := range records {
					a, ev := readAct(fmt.Sprintf("r-%d-%d", g, i))
					if err := tr.Record(ctx, a, ev); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}

		counts := mustCounts(t, db)
		total := writers*each + recorders*records
		if len(counts) != total {
			t.Errorf("%d distinct request IDs, want %d", len(counts), total)
		}
		for g := range writers {
			for i := range each {
				if id := fmt.Sprintf("b-%d-%d", g, i); counts[id] != 1 {
					t.Fatalf("%s recorded %d times", id, counts[id])
				}
			}
		}
		for g := range recorders {
			for i := range records {
				if id := fmt.Sprintf("r-%d-%d", g, i); counts[id] != 1 {
					t.Fatalf("%s recorded %d times", id, counts[id])
				}
			}
		}
		mustVerifyOK(t, tr, int64(total))
		entries, commits := b.Stats()
		if entries != writers*each || commits >= entries {
			t.Fatalf("stats: %d entries in %d commits, want %d in fewer", entries, commits, writers*each)
		}
		t.Logf("%d entries in %d commits (%.1f per commit)", entries, commits, float64(entries)/float64(commits))
	})
}

func TestBatcherGroupFailsTogether(t *testing.T) {
	// A trigger refuses the entry whose detail is "boom", in the middle of a group.
	triggers := map[store.Dialect][]string{
		store.SQLite: {`CREATE TRIGGER audit_boom BEFORE INSERT ON audit_entries WHEN NEW.detail = 'boom'
			BEGIN SELECT RAISE(ABORT, 'boom refused'); END`},
		store.Postgres: {`CREATE FUNCTION audit_boom() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.detail = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER audit_boom BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_boom()`},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, q := range triggers[db.Dialect] {
			if _, err := db.Read().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		tr := New(db, []byte(testKey))
		b := tr.NewBatcher(512)
		defer b.Close()
		release := stall(t, db, b)

		const n = 100 // more than one INSERT's rows, so the failure is not in the first statement
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				a, ev := readAct(fmt.Sprintf("g-%d", i))
				if i == n-1 {
					ev.Detail = "boom"
				}
				errs[i] = b.Append(ctx, a, ev)
			})
		}
		waitQueued(t, b, n)
		release()
		wg.Wait()
		for i, err := range errs {
			if err == nil || !strings.Contains(err.Error(), "boom refused") {
				t.Fatalf("waiter %d: %v, want the group's error", i, err)
			}
		}
		counts := mustCounts(t, db)
		if len(counts) != 1 || counts["plug"] != 1 {
			t.Fatalf("trail holds %v, want only the plug", counts)
		}
		mustVerifyOK(t, tr, 1)
		if entries, commits := b.Stats(); entries != 1 || commits != 1 {
			t.Fatalf("stats: %d entries in %d commits, want the plug alone", entries, commits)
		}
		// The batcher goes on after a failed group.
		a, ev := readAct("after")
		if err := b.Append(ctx, a, ev); err != nil {
			t.Fatal(err)
		}
		mustVerifyOK(t, tr, 2)
	})
}

func TestBatcherCloseFlushes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tr := New(db, nil)
		b := tr.NewBatcher(16) // the 40 queued entries take three transactions
		release := stall(t, db, b)
		const n = 40
		errs := make(chan error, n)
		for i := range n {
			go func() {
				a, ev := readAct(fmt.Sprintf("c-%d", i))
				errs <- b.Append(ctx, a, ev)
			}()
		}
		waitFor(t, b, "all entries are queued", func() bool {
			k := 0
			for _, g := range b.queue {
				k += len(g.entries)
			}
			return k == n
		})
		closed := make(chan error, 1)
		go func() { closed <- b.Close() }()
		waitFor(t, b, "Close marks the batcher closed", func() bool { return b.closed })
		a, ev := readAct("late")
		if err := b.Append(ctx, a, ev); !errors.Is(err, ErrBatcherClosed) {
			t.Fatalf("Append while closing: %v, want ErrBatcherClosed", err)
		}
		release()
		if err := <-closed; err != nil {
			t.Fatalf("Close: %v", err)
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatalf("queued Append: %v", err)
			}
		}
		if err := b.Append(ctx, a, ev); !errors.Is(err, ErrBatcherClosed) {
			t.Fatalf("Append after Close: %v, want ErrBatcherClosed", err)
		}
		if err := b.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		counts := mustCounts(t, db)
		if len(counts) != n+1 || counts["late"] != 0 {
			t.Fatalf("trail holds %d request IDs (%v), want the plug and %d", len(counts), counts, n)
		}
		mustVerifyOK(t, tr, n+1)
		if entries, commits := b.Stats(); entries != n+1 || commits != 4 {
			t.Fatalf("stats: %d entries in %d commits, want %d in 4", entries, commits, n+1)
		}
	})
}

func TestBatcherDatabaseClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		b := New(db, nil).NewBatcher(8)
		a, ev := readAct("before")
		if err := b.Append(ctx, a, ev); err != nil {
			t.Fatal(err)
		}
		db.Close()
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				a, ev := readAct(fmt.Sprintf("after-%d", i))
				if err := b.Append(ctx, a, ev); err == nil || ctx.Err() != nil {
					t.Errorf("Append on a closed database: %v (ctx %v), want the database's error", err, ctx.Err())
				}
			})
		}
		wg.Wait()
		if err := b.Close(); err != nil {
			t.Fatalf("Close with nothing queued: %v", err)
		}
	})
}

func TestBatcherEntryTimeIsAppendTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tr := New(db, []byte(testKey))
		var mu sync.Mutex
		clock := time.Date(2001, 2, 3, 4, 5, 6, 123456789, time.FixedZone("CST", 8*3600))
		b := tr.newBatcher(8, func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Second)
			return clock
		})
		defer b.Close()
		for i := range 3 {
			a, ev := readAct(fmt.Sprint(i))
			if err := b.Append(ctx, a, ev); err != nil {
				t.Fatal(err)
			}
		}
		es, err := tr.List(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 3 {
			t.Fatalf("%d entries", len(es))
		}
		for _, e := range es {
			want := time.Date(2001, 2, 2, 20, 5, 6+int(e.Seq), 123456000, time.UTC)
			if !e.At.Equal(want) || e.At.Location() != time.UTC {
				t.Errorf("entry %d at %v, want %v", e.Seq, e.At, want)
			}
		}
		mustVerifyOK(t, tr, 3)
	})
}

func TestBatcherCancelledWait(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tr := New(db, nil)
		b := tr.NewBatcher(8)
		defer b.Close()

		done, cancel := context.WithCancel(context.Background())
		cancel()
		a, ev := readAct("never")
		if err := b.Append(done, a, ev); !errors.Is(err, context.Canceled) {
			t.Fatalf("Append with a done ctx: %v", err)
		}

		release := stall(t, db, b)
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error, 1)
		go func() {
			a, ev := readAct("gave-up")
			got <- b.Append(ctx, a, ev)
		}()
		waitQueued(t, b, 1)
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Fatalf("Append cancelled while waiting: %v", err)
		}
		release()
		// The entry was handed over before the caller gave up: it is recorded.
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		counts := mustCounts(t, db)
		if counts["gave-up"] != 1 || counts["never"] != 0 {
			t.Fatalf("trail holds %v, want the plug and gave-up", counts)
		}
		mustVerifyOK(t, tr, 2)
	})
}

// The gateway's load: many concurrent calls, each audited on its own. Both
// benchmarks report the 99th percentile of a call's wait.
const benchCallers = 32 // goroutines per GOMAXPROCS

func benchCalls(b *testing.B, call func() error) {
	var mu sync.Mutex
	var waits []time.Duration
	b.SetParallelism(benchCallers)
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			if err := call(); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		waits = append(waits, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	if len(waits) > 0 {
		slices.Sort(waits)
		b.ReportMetric(float64(waits[len(waits)*99/100].Microseconds())/1000, "p99-ms")
	}
}

func BenchmarkRecord(b *testing.B) {
	for _, d := range storetest.Engines() {
		b.Run(string(d), func(b *testing.B) {
			tr := New(storetest.Open(b, d), []byte(testKey))
			a, ev := readAct("bench")
			benchCalls(b, func() error { return tr.Record(context.Background(), a, ev) })
		})
	}
}

func BenchmarkBatcher(b *testing.B) {
	for _, d := range storetest.Engines() {
		b.Run(string(d), func(b *testing.B) {
			bt := New(storetest.Open(b, d), []byte(testKey)).NewBatcher(DefaultBatch)
			a, ev := readAct("bench")
			benchCalls(b, func() error { return bt.Append(context.Background(), a, ev) })
			if err := bt.Close(); err != nil {
				b.Fatal(err)
			}
			entries, commits := bt.Stats()
			b.ReportMetric(float64(entries)/float64(max(commits, 1)), "entries/commit")
		})
	}
}

// TestVerifyOnALiveNode: verifying while calls are being audited finds the
// chain intact — the head and the entries are read from one snapshot, so an
// entry appended during the verification is not taken for one added
// outside the trail (`pubdata audit verify` runs against serving nodes).
func TestVerifyOnALiveNode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tr := New(db, []byte(testKey))
		b := tr.NewBatcher(64)
		defer b.Close()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					a, ev := readAct(fmt.Sprintf("live-%d-%d", w, i))
					_ = b.Append(ctx, a, ev)
				}
			}()
		}
		for range 30 {
			rep, err := tr.Verify(context.Background())
			if err != nil || !rep.OK {
				cancel()
				wg.Wait()
				t.Fatalf("verify while appending: %+v %v", rep, err)
			}
		}
		cancel()
		wg.Wait()
	})
}

// TestBatcherFastPathOnPostgres: on PostgreSQL, once the writer knows the
// head, a group goes in one statement; when another writer moved the head
// (a change's own entry), that statement writes nothing and the group takes
// the locked path; the chain stays whole either way.
func TestBatcherFastPathOnPostgres(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tr := New(db, []byte(testKey))
		b := tr.NewBatcher(64)
		defer b.Close()
		ctx := context.Background()
		for i := range 10 {
			a, ev := readAct(fmt.Sprintf("fast-%d", i))
			if err := b.Append(ctx, a, ev); err != nil {
				t.Fatal(err)
			}
			if i == 5 {
				a, ev := readAct("between")
				if err := tr.Record(ctx, a, ev); err != nil {
					t.Fatal(err)
				}
			}
		}
		fast := b.fast.Load()
		if db.Dialect == store.Postgres && fast != 8 {
			// the first group learns the head, the one after the Record falls back
			t.Fatalf("fast commits: %d, want 8", fast)
		}
		if db.Dialect == store.SQLite && fast != 0 {
			t.Fatalf("fast commits on SQLite: %d", fast)
		}
		mustVerifyOK(t, tr, 11)
	})
}
