package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"pubdata/internal/audit"
	"pubdata/internal/store"
	"pubdata/internal/store/storetest"
)

func seed(t *testing.T, tr *audit.Trail, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		a := audit.Actor{UserID: 0, Username: fmt.Sprintf("user%d", i%3), Role: "auditor", ClientAddr: "127.0.0.1"}
		if err := tr.Record(ctx, a, audit.Event{Action: "test.write", ObjectType: "thing", ObjectID: fmt.Sprint(i), Detail: "数据 " + fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func mustVerify(t *testing.T, tr *audit.Trail) audit.Report {
	t.Helper()
	rep, err := tr.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name    string
		tamper  string // SQL run by hand against the database
		seq     int64
		problem string
	}{
		{"alter a field", `UPDATE audit_entries SET actor = 'mallory' WHERE seq = 4`, 4, audit.Altered},
		{"alter the detail", `UPDATE audit_entries SET detail = 'x' WHERE seq = 1`, 1, audit.Altered},
		{"alter the outcome of the last", `UPDATE audit_entries SET outcome = 'denied' WHERE seq = 6`, 6, audit.Altered},
		{"delete a middle entry", `DELETE FROM audit_entries WHERE seq = 3`, 3, audit.Removed},
		{"delete the first entry", `DELETE FROM audit_entries WHERE seq = 1`, 1, audit.Removed},
		{"delete the last entry", `DELETE FROM audit_entries WHERE seq = 6`, 6, audit.Removed},
		{"insert at the end", `INSERT INTO audit_entries (seq, at, actor, role, action, outcome, prev_hash, hash) SELECT 7, at, 'mallory', '', 'x', 'ok', hash, 'ff' FROM audit_entries WHERE seq = 6`, 7, audit.Inserted},
		{"insert at the end and move the head", `INSERT INTO audit_entries (seq, at, actor, role, action, outcome, prev_hash, hash) SELECT 7, at, 'mallory', '', 'x', 'ok', hash, 'ff' FROM audit_entries WHERE seq = 6; UPDATE audit_head SET seq = 7, hash = 'ff'`, 7, audit.Altered},
		{"renumber to fill a gap", `DELETE FROM audit_entries WHERE seq = 3; UPDATE audit_entries SET seq = 3 WHERE seq = 4`, 3, audit.Altered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				tr := audit.New(db, []byte("0123456789abcdef0123456789abcdef"))
				seed(t, tr, 6)
				if rep := mustVerify(t, tr); !rep.OK || rep.Entries != 6 {
					t.Fatalf("intact trail: %+v", rep)
				}
				for _, stmt := range strings.Split(c.tamper, ";") {
					if _, err := db.Read().ExecContext(context.Background(), stmt); err != nil {
						t.Fatalf("tamper: %v", err)
					}
				}
				rep := mustVerify(t, tr)
				if rep.OK || rep.Seq != c.seq || rep.Problem != c.problem {
					t.Fatalf("got %+v, want seq %d %s", rep, c.seq, c.problem)
				}
			})
		})
	}
}

func TestRecomputedChainFailsWithoutKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tr := audit.New(db, []byte("the node's real key, 32 bytes...."))
		seed(t, tr, 3)
		// An attacker without the key rebuilds the trail with a key of their own.
		forged := audit.New(db, []byte("a guessed key that is not right!!"))
		if rep := mustVerify(t, forged); rep.OK {
			t.Fatal("a trail written with one key verified with another")
		}
	})
}

func TestAppendRollsBackWithTheChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tr := audit.New(db, nil)
		seed(t, tr, 2)
		ctx := context.Background()
		err := db.Write(ctx, func(tx *store.Tx) error {
			if err := tr.Append(ctx, tx, audit.System(), audit.Event{Action: "test.rolled_back"}); err != nil {
				return err
			}
			return fmt.Errorf("the change failed")
		})
		if err == nil {
			t.Fatal("expected error")
		}
		rep := mustVerify(t, tr)
		if !rep.OK || rep.Entries != 2 {
			t.Fatalf("after rollback: %+v", rep)
		}
		es, err := tr.List(ctx, audit.Filter{Action: "test.rolled_back"})
		if err != nil || len(es) != 0 {
			t.Fatalf("rolled back entry visible: %v %v", es, err)
		}
	})
}

func TestListFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tr := audit.New(db, nil)
		seed(t, tr, 9)
		ctx := context.Background()
		es, err := tr.List(ctx, audit.Filter{Actor: "user1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 3 {
			t.Fatalf("actor filter: %d entries", len(es))
		}
		for i := 1; i < len(es); i++ {
			if es[i].Seq >= es[i-1].Seq {
				t.Fatal("not newest first")
			}
		}
		es, _ = tr.List(ctx, audit.Filter{ObjectType: "thing", ObjectID: "5"})
		if len(es) != 1 || es[0].Detail != "数据 5" {
			t.Fatalf("object filter: %+v", es)
		}
		es, _ = tr.List(ctx, audit.Filter{Action: "test.", Limit: 4, BeforeSeq: 8})
		if len(es) != 4 || es[0].Seq != 7 {
			t.Fatalf("paging: %+v", es)
		}
		es, _ = tr.List(ctx, audit.Filter{From: time.Now().Add(time.Hour)})
		if len(es) != 0 {
			t.Fatalf("from filter: %d", len(es))
		}
		es, _ = tr.List(ctx, audit.Filter{Action: "%"})
		if len(es) != 0 {
			t.Fatalf("LIKE wildcard not escaped: %d", len(es))
		}
	})
}
