package collect_test

// Database pull against real source databases: PostgreSQL at
// PUBDATA_TEST_POSTGRES and MariaDB/MySQL at PUBDATA_TEST_MYSQL (default
// root@tcp(127.0.0.1:3306)/test). Each test makes its own source schema or
// table and a read-only account with a password, and drops them after.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"pubdata/internal/app"
	"pubdata/internal/apperr"
	"pubdata/internal/apptest"
	"pubdata/internal/audit"
	"pubdata/internal/auth"
	"pubdata/internal/calendar"
	"pubdata/internal/catalog"
	"pubdata/internal/collect"
	"pubdata/internal/demo"
	"pubdata/internal/security"
	"pubdata/internal/store"
	"pubdata/internal/store/storetest"
)

// pullNode is a demo node with a secrets key the test knows, on the engine.
func pullNode(t *testing.T, d store.Dialect) (*app.App, []byte) {
	t.Helper()
	ctx := context.Background()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keyFile := filepath.Join(t.TempDir(), "secrets.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ac := auth.DefaultConfig
	ac.Hash = apptest.FastHash
	a, err := app.Open(ctx, app.Config{DataDir: t.TempDir(), DBURL: storetest.Config(t, d).URL, SecretsKeyFile: keyFile, Auth: ac,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := demo.LoadWith(ctx, a, demo.Options{}); err != nil {
		t.Fatalf("demo: %v", err)
	}
	return a, key
}

func pullActor(t testing.TB, a *app.App, username string) audit.Actor {
	t.Helper()
	u, err := a.Accounts.UserByName(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return (&auth.Principal{User: u}).Actor("127.0.0.1", "test")
}

// pullDataset publishes a daily case register of 广东省公安厅 and returns its dataset.
func pullDataset(t *testing.T, a *app.App) collect.Dataset {
	t.Helper()
	ctx := context.Background()
	m := catalog.Metadata{
		Name: "案件登记信息", ClassCode: "3440000100001", Summary: "案件登记信息的登记与变更", DataForm: catalog.FormDatabase, Format: "RDBMS",
		Items: []catalog.Item{
			{Name: "案件编号", Type: catalog.TypeChar, Length: 20, Grade: "general-2", Key: true, KeyKind: catalog.KeyOther, Required: true},
			{Name: "案件名称", Type: catalog.TypeChar, Length: 100, Grade: "general-2", Required: true},
			{Name: "涉案金额", Type: catalog.TypeNumber, Grade: "general-2"},
			{Name: "立案日期", Type: catalog.TypeDate, Grade: "general-2"},
			{Name: "更新时间", Type: catalog.TypeDateTime, Grade: "general-2"},
			{Name: "是否有效", Type: catalog.TypeLogical, Grade: "general-2"},
			{Name: "附件", Type: catalog.TypeBinary, Grade: "general-2"},
		},
		ShareType: catalog.ShareConditional, ShareBasis: "《广东省公共数据管理办法》第十三条", ShareConditions: "仅限依法履职需要",
		ShareScope: "全省", ShareModes: []catalog.ShareMode{catalog.ModeAPI}, OpenAttr: catalog.OpenNone, UpdateFreq: catalog.FreqDaily,
		CollectingAgency: "本机构", VerifyingAgency: "本机构", ProvidingAgency: "本机构", Keywords: []string{"测试"},
	}
	officer := pullActor(t, a, "gd.police")
	e, err := a.Catalog.Create(ctx, officer, m)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := a.Catalog.Submit(ctx, officer, e.ID); err != nil {
		t.Fatalf("submit: %v", err)
	}
	if _, err := a.Catalog.Review(ctx, pullActor(t, a, "gd.reviewer"), e.ID, "approve", ""); err != nil {
		t.Fatalf("approve: %v", err)
	}
	ds, err := a.Collect.DatasetOfEntry(ctx, e.ID)
	if err != nil {
		t.Fatalf("dataset of entry: %v", err)
	}
	return ds
}

func suffix() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// remote is a source database made for one test.
type remote struct {
	driver   string
	admin    *sql.DB
	dsn      string // the read-only account's, with its password
	password string
	table    string // as registered
}

func (r *remote) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if r.driver == collect.DriverMySQL {
		q = mysqlPlaceholders(q)
	}
	if _, err := r.admin.Exec(q, args...); err != nil {
		t.Fatalf("source database: %s: %v", q, err)
	}
}

// mysqlPlaceholders turns $1, $2… into ?.
func mysqlPlaceholders(q string) string {
	for i := 9; i >= 1; i-- {
		q = strings.ReplaceAll(q, "$"+strconv.Itoa(i), "?")
	}
	return q
}

// pgRemote makes a schema with a cases table on the test PostgreSQL server,
// and a login role that may only read it.
func pgRemote(t *testing.T) *remote {
	t.Helper()
	base := storetest.PostgresURL()
	if base == "" {
		t.Skip("PUBDATA_TEST_POSTGRES not set: no PostgreSQL source database to pull from")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		t.Skipf("PostgreSQL at PUBDATA_TEST_POSTGRES unreachable: %v", err)
	}
	sfx := suffix()
	schema, role, pw := "pull_"+sfx, "pull_reader_"+sfx, "Pw-"+sfx+"-secret"
	r := &remote{driver: collect.DriverPostgres, admin: admin, password: pw, table: schema + ".cases"}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`)
		_, _ = admin.Exec(`DROP ROLE IF EXISTS ` + role)
		admin.Close()
	})
	r.exec(t, `CREATE SCHEMA `+schema)
	r.exec(t, `CREATE TABLE `+schema+`.cases (id SERIAL PRIMARY KEY, case_no VARCHAR(20), title TEXT, amount NUMERIC(12,2), filed DATE,
		changed TIMESTAMPTZ, valid BOOLEAN, doc BYTEA, seq BIGINT)`)
	r.exec(t, `CREATE ROLE `+role+` LOGIN PASSWORD '`+pw+`'`)
	r.exec(t, `GRANT USAGE ON SCHEMA `+schema+` TO `+role)
	r.exec(t, `GRANT SELECT ON `+schema+`.cases TO `+role)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, pw)
	r.dsn = u.String()
	return r
}

// myRemote makes a cases table on the test MariaDB/MySQL server, and an
// account that may only read it.
func myRemote(t *testing.T) *remote {
	t.Helper()
	base := os.Getenv("PUBDATA_TEST_MYSQL")
	if base == "" {
		base = "root@tcp(127.0.0.1:3306)/test"
	}
	admin, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		t.Skipf("MariaDB/MySQL at %s unreachable (set PUBDATA_TEST_MYSQL): %v", base, err)
	}
	var db string
	if err := admin.QueryRow(`SELECT DATABASE()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	sfx := suffix()
	table, user, pw := "pull_"+sfx, "pull_"+sfx, "Pw-"+sfx+"-secret"
	r := &remote{driver: collect.DriverMySQL, admin: admin, password: pw, table: table}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP TABLE IF EXISTS `" + table + "`")
		_, _ = admin.Exec("DROP USER IF EXISTS '" + user + "'@'%'")
		_, _ = admin.Exec("DROP USER IF EXISTS '" + user + "'@'localhost'")
		admin.Close()
	})
	r.exec(t, "CREATE TABLE `"+table+"` (id INT AUTO_INCREMENT PRIMARY KEY, case_no VARCHAR(20), title VARCHAR(100), amount DECIMAL(12,2), filed DATE, "+
		"changed DATETIME(6), valid TINYINT(1), doc BLOB, seq BIGINT)")
	for _, host := range []string{"%", "localhost"} {
		r.exec(t, "CREATE USER '"+user+"'@'"+host+"' IDENTIFIED BY '"+pw+"'")
		r.exec(t, "GRANT SELECT ON `"+db+"`.`"+table+"` TO '"+user+"'@'"+host+"'")
	}
	r.dsn = user + ":" + pw + "@tcp(127.0.0.1:3306)/" + db
	if strings.Contains(base, "@tcp(") { // follow the admin's host
		host := base[strings.Index(base, "@tcp(")+5:]
		host = host[:strings.Index(host, ")")]
		r.dsn = user + ":" + pw + "@tcp(" + host + ")/" + db
	}
	return r
}

// srcRow is one row of the source table.
type srcRow struct {
	caseNo  string
	title   any // nil for NULL
	amount  any
	filed   any // "2006-01-02" or nil
	changed time.Time
	valid   any
	doc     any
	seq     int64
}

// changedArg is the row's update time as the source column takes it: a
// point in time for PostgreSQL's timestamptz, the Beijing wall clock for
// MariaDB's DATETIME.
func (r *remote) changedArg(t time.Time) any {
	if r.driver == collect.DriverMySQL {
		return t.In(calendar.Shanghai).Format("2006-01-02 15:04:05.000000")
	}
	return t
}

func (r *remote) insert(t *testing.T, row srcRow) {
	t.Helper()
	r.exec(t, `INSERT INTO `+r.tableSQL()+` (case_no, title, amount, filed, changed, valid, doc, seq) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		row.caseNo, row.title, row.amount, row.filed, r.changedArg(row.changed), row.valid, row.doc, row.seq)
}

func (r *remote) tableSQL() string {
	if r.driver == collect.DriverMySQL {
		return "`" + r.table + "`"
	}
	return r.table
}

// pullContent returns the dataset's live rows by key, each item's value in
// a form comparable across engines.
func pullContent(t *testing.T, a *app.App, ds collect.Dataset) map[string]map[string]string {
	t.Helper()
	live := ds.Live()
	cols := make([]string, len(live))
	for i, c := range live {
		cols[i] = c.Name
	}
	notDeleted := "_deleted = 0"
	if a.DB.Dialect == store.Postgres {
		notDeleted = "NOT _deleted"
	}
	rows, err := a.DB.Read().QueryContext(context.Background(), "SELECT "+strings.Join(cols, ", ")+" FROM "+ds.Table+" WHERE "+notDeleted)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for i, c := range live {
			row[c.Item.Name] = canonical(t, vals[i], c.Item.Type)
		}
		out[row["案件编号"]] = row
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func canonical(t *testing.T, v any, typ catalog.ItemType) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		if typ == catalog.TypeDate {
			return x.Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		if typ == catalog.TypeLogical {
			return strconv.FormatBool(x != 0)
		}
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []byte:
		return string(x)
	case string:
		switch typ {
		case catalog.TypeDateTime:
			tm, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				t.Fatalf("a stored time %q: %v", x, err)
			}
			return tm.UTC().Format(time.RFC3339Nano)
		case catalog.TypeNumber:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				t.Fatalf("a stored number %q: %v", x, err)
			}
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return x
	}
	t.Fatalf("unexpected stored value %v (%T)", v, v)
	return ""
}

func mustSource(t *testing.T, a *app.App, officer audit.Actor, datasetID, id int64) collect.Source {
	t.Helper()
	srcs, err := a.Collect.Sources(context.Background(), officer, datasetID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("source %d not listed: %+v", id, srcs)
	return collect.Source{}
}

func TestPullPostgres(t *testing.T) {
	for _, d := range storetest.Engines() {
		t.Run(string(d)+"/timestamptz", func(t *testing.T) { pullScenario(t, d, pgRemote(t), "changed") })
		t.Run(string(d)+"/bigint", func(t *testing.T) { pullScenario(t, d, pgRemote(t), "seq") })
	}
}

func TestPullMariaDB(t *testing.T) {
	for _, d := range storetest.Engines() {
		t.Run(string(d)+"/datetime", func(t *testing.T) { pullScenario(t, d, myRemote(t), "changed") })
	}
}

// pullScenario: a full source loads the table and marks removed rows
// deleted; an incremental source then reads only rows changed after its
// cursor; a bad row rejects the batch and keeps the cursor; the scheduler
// runs the source when due.
func pullScenario(t *testing.T, d store.Dialect, rem *remote, updateCol string) {
	ctx := context.Background()
	a, key := pullNode(t, d)
	ds := pullDataset(t, a)
	officer := pullActor(t, a, "gd.police")
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.Shanghai)
	a.Cases.SetClock(func() time.Time { return clock })

	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, calendar.Shanghai)
	rem.insert(t, srcRow{"A001", "盗窃案", "1234.50", "2026-03-01", t0.Add(time.Minute), true, []byte("pdf-1"), 1})
	rem.insert(t, srcRow{"A002", "诈骗案", "99", "2026-03-02", t0.Add(2 * time.Minute), false, nil, 2})
	rem.insert(t, srcRow{"A003", "交通肇事案", nil, nil, t0.Add(3 * time.Minute), nil, nil, 3})

	all := map[string]string{"案件编号": "case_no", "案件名称": "title", "涉案金额": "amount", "立案日期": "filed", "更新时间": "changed", "是否有效": "valid", "附件": "doc"}

	// Full: the whole table, every type converted.
	full, err := a.Collect.AddSource(ctx, officer, ds.ID, collect.SourceInput{Driver: rem.driver, DSN: rem.dsn, Table: rem.table, Columns: all, Mode: collect.ModeFull})
	if err != nil {
		t.Fatalf("add full source: %v", err)
	}
	if !full.Enabled || full.NextRunAt == nil || !full.NextRunAt.Equal(clock) || full.Cursor != "" {
		t.Fatalf("new source: %+v", full)
	}
	// The connection string is sealed; its password is nowhere in the clear.
	var sealed, redacted string
	if err := a.DB.Read().QueryRowContext(ctx, `SELECT dsn_sealed, dsn_redacted FROM dataset_sources WHERE id = $1`, full.ID).Scan(&sealed, &redacted); err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(full)
	for what, s := range map[string]string{"dsn_sealed": sealed, "dsn_redacted": redacted, "Source JSON": string(doc), "DSNRedacted": full.DSNRedacted} {
		if strings.Contains(s, rem.password) {
			t.Fatalf("%s holds the password: %s", what, s)
		}
	}
	if !strings.HasPrefix(sealed, security.SealPrefix) || strings.Contains(string(doc), "sm4gcm") {
		t.Fatalf("sealed %q, JSON %s", sealed, doc)
	}
	sealer, err := security.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := sealer.Open(sealed, "dataset_source:"+strconv.FormatInt(ds.ID, 10)); err != nil || string(plain) != rem.dsn {
		t.Fatalf("the sealed DSN opens to %q, %v", plain, err)
	}

	b, err := a.Collect.RunSource(ctx, officer, full.ID)
	if err != nil || b.State != collect.BatchLoaded {
		t.Fatalf("full pull: %v %+v", err, b)
	}
	if b.Channel != collect.ChannelPull || b.SourceID != full.ID || b.RowsRead != 3 || b.RowsInserted != 3 {
		t.Fatalf("full pull batch: %+v", b)
	}
	got := pullContent(t, a, ds)
	want := map[string]map[string]string{
		"A001": {"案件编号": "A001", "案件名称": "盗窃案", "涉案金额": "1234.5", "立案日期": "2026-03-01", "更新时间": "2026-03-01T02:01:00Z", "是否有效": "true", "附件": "pdf-1"},
		"A002": {"案件编号": "A002", "案件名称": "诈骗案", "涉案金额": "99", "立案日期": "2026-03-02", "更新时间": "2026-03-01T02:02:00Z", "是否有效": "false", "附件": ""},
		"A003": {"案件编号": "A003", "案件名称": "交通肇事案", "涉案金额": "", "立案日期": "", "更新时间": "2026-03-01T02:03:00Z", "是否有效": "", "附件": ""},
	}
	for k, w := range want {
		for item, v := range w {
			if got[k][item] != v {
				t.Errorf("after the full pull, %s %s = %q, want %q", k, item, got[k][item], v)
			}
		}
	}
	if len(got) != 3 {
		t.Fatalf("after the full pull: %v", got)
	}
	src := mustSource(t, a, officer, ds.ID, full.ID)
	if src.LastBatchID != b.ID || src.LastError != "" || src.LastRunAt == nil || !src.LastRunAt.Equal(clock) || src.NextRunAt == nil || !src.NextRunAt.Equal(clock.Add(24*time.Hour)) {
		t.Fatalf("after the full pull: %+v", src)
	}
	// A row gone from the source is marked deleted by the next full pull.
	rem.exec(t, `DELETE FROM `+rem.tableSQL()+` WHERE case_no = $1`, "A003")
	if b, err = a.Collect.RunSource(ctx, officer, full.ID); err != nil || b.State != collect.BatchLoaded || b.RowsRead != 2 || b.RowsDeleted != 1 {
		t.Fatalf("second full pull: %v %+v", err, b)
	}
	if got := pullContent(t, a, ds); len(got) != 2 || got["A003"] != nil {
		t.Fatalf("after the second full pull: %v", got)
	}
	if _, err := a.Collect.SetSourceEnabled(ctx, officer, full.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Collect.RunSource(ctx, officer, full.ID); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("a disabled source ran: %v", err)
	}

	// Incremental; column names in another case are taken in the source's spelling.
	some := map[string]string{"案件编号": "CASE_NO", "案件名称": "Title", "更新时间": "changed"}
	inc, err := a.Collect.AddSource(ctx, officer, ds.ID, collect.SourceInput{Driver: rem.driver, DSN: rem.dsn, Table: rem.table, Columns: some,
		UpdateColumn: strings.ToUpper(updateCol), Mode: collect.ModeIncremental})
	if err != nil {
		t.Fatalf("add incremental source: %v", err)
	}
	if inc.Columns["案件编号"] != "case_no" || inc.Columns["案件名称"] != "title" || inc.UpdateColumn != updateCol {
		t.Fatalf("names not resolved: %+v", inc)
	}
	cursorAt := func(minutes int, seq int64) string {
		switch {
		case updateCol == "seq":
			return strconv.FormatInt(seq, 10)
		case rem.driver == collect.DriverMySQL: // DATETIME: the wall clock as stored
			return t0.Add(time.Duration(minutes) * time.Minute).Format("2006-01-02T15:04:05")
		}
		return t0.Add(time.Duration(minutes) * time.Minute).UTC().Format(time.RFC3339)
	}
	run := func(what string, state collect.BatchState, read, inserted, updated int64, cursor string) collect.Batch {
		t.Helper()
		b, err := a.Collect.RunSource(ctx, officer, inc.ID)
		if err != nil || b.State != state {
			t.Fatalf("%s: %v %+v", what, err, b)
		}
		if state == collect.BatchLoaded && (b.RowsRead != read || b.RowsInserted != inserted || (updated >= 0 && b.RowsUpdated != updated)) {
			t.Fatalf("%s: read %d inserted %d updated %d, want %d %d %d", what, b.RowsRead, b.RowsInserted, b.RowsUpdated, read, inserted, updated)
		}
		if src := mustSource(t, a, officer, ds.ID, inc.ID); src.Cursor != cursor {
			t.Fatalf("%s: cursor %q, want %q", what, src.Cursor, cursor)
		}
		return b
	}
	// The first run has no cursor: it reads every row (both already loaded).
	run("first incremental pull", collect.BatchLoaded, 2, 0, -1, cursorAt(2, 2))
	// A changed row and a new one: only these two are read.
	rem.exec(t, `UPDATE `+rem.tableSQL()+` SET title = $1, changed = $2, seq = $3 WHERE case_no = $4`, "诈骗案（已结）", rem.changedArg(t0.Add(10*time.Minute)), 10, "A002")
	rem.insert(t, srcRow{"A004", "抢夺案", nil, nil, t0.Add(11 * time.Minute), nil, nil, 11})
	run("second incremental pull", collect.BatchLoaded, 2, 1, 1, cursorAt(11, 11))
	got = pullContent(t, a, ds)
	if len(got) != 3 || got["A002"]["案件名称"] != "诈骗案（已结）" || got["A004"]["案件名称"] != "抢夺案" || got["A001"]["案件名称"] != "盗窃案" {
		t.Fatalf("after the second incremental pull: %v", got)
	}
	// Nothing changed: nothing read, the cursor stays.
	run("idle incremental pull", collect.BatchLoaded, 0, 0, 0, cursorAt(11, 11))

	// A bad row rejects the batch: nothing loads and the cursor stays.
	rem.insert(t, srcRow{"A005", nil, nil, nil, t0.Add(20 * time.Minute), nil, nil, 20})
	rem.exec(t, `UPDATE `+rem.tableSQL()+` SET title = $1, changed = $2, seq = $3 WHERE case_no = $4`, "抢夺案（并案）", rem.changedArg(t0.Add(21*time.Minute)), 21, "A004")
	b = run("pull with a bad row", collect.BatchRejected, 0, 0, 0, cursorAt(11, 11))
	if b.ErrorCount != 1 || len(b.Errors) != 1 || b.Errors[0].Field != "案件名称" {
		t.Fatalf("rejections: %+v", b.Errors)
	}
	if src := mustSource(t, a, officer, ds.ID, inc.ID); src.LastError == "" || src.LastBatchID != b.ID {
		t.Fatalf("a rejected pull left no trace: %+v", src)
	}
	if got := pullContent(t, a, ds); len(got) != 3 || got["A004"]["案件名称"] != "抢夺案" {
		t.Fatalf("a rejected pull changed the dataset: %v", got)
	}
	// Fixed at the source: the same rows are read again and load.
	rem.exec(t, `UPDATE `+rem.tableSQL()+` SET title = $1, changed = $2, seq = $3 WHERE case_no = $4`, "抢劫案", rem.changedArg(t0.Add(22*time.Minute)), 22, "A005")
	run("pull after the fix", collect.BatchLoaded, 2, 1, 1, cursorAt(22, 22))
	if src := mustSource(t, a, officer, ds.ID, inc.ID); src.LastError != "" {
		t.Fatalf("a loaded pull kept the last error: %+v", src)
	}

	// The scheduler: nothing is due until a day has passed; then the
	// enabled source runs as the system for the agency, the disabled one not.
	if n, err := a.Collect.RunDueSources(ctx, clock); err != nil || n != 0 {
		t.Fatalf("due now: %d, %v", n, err)
	}
	rem.insert(t, srcRow{"A006", "走私案", nil, nil, t0.Add(30 * time.Minute), nil, nil, 30})
	clock = clock.Add(25 * time.Hour)
	if n, err := a.Collect.RunDueSources(ctx, clock); err != nil || n != 1 {
		t.Fatalf("due after a day: %d, %v", n, err)
	}
	src = mustSource(t, a, officer, ds.ID, inc.ID)
	if src.Cursor != cursorAt(30, 30) || src.LastRunAt == nil || !src.LastRunAt.Equal(clock) || src.NextRunAt == nil || !src.NextRunAt.Equal(clock.Add(24*time.Hour)) {
		t.Fatalf("after the scheduled pull: %+v", src)
	}
	if got := pullContent(t, a, ds); len(got) != 5 {
		t.Fatalf("after the scheduled pull: %v", got)
	}
	if n, err := a.Collect.RunDueSources(ctx, clock); err != nil || n != 0 {
		t.Fatalf("ran twice: %d, %v", n, err)
	}

	// Audit: each registration, run and switch, in the chain.
	es, err := a.Trail.List(ctx, audit.Filter{Action: "collect.source.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range es {
		count[e.Action+"/"+e.Outcome]++
		if strings.Contains(e.Detail, rem.password) {
			t.Fatalf("audit entry holds the password: %+v", e)
		}
	}
	if count["collect.source.add/ok"] != 2 || count["collect.source.disable/ok"] != 1 || count["collect.source.run/ok"] != 7 || count["collect.source.run/failed"] != 1 {
		t.Fatalf("audit entries: %v", count)
	}
	var last audit.Entry // the newest change (the list reads between are audited too)
	for _, e := range es {
		if e.Action != "collect.source.list" {
			last = e
			break
		}
	}
	if last.Action != "collect.source.run" || last.Actor != "system" || last.AgencyID != ds.AgencyID {
		t.Fatalf("the scheduled run's entry: %+v", last)
	}
	if rep, err := a.Trail.Verify(ctx); err != nil || !rep.OK {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
}

// TestPullRegistration: every bad registration is refused with an error
// naming its field, and leaves nothing behind.
func TestPullRegistration(t *testing.T) {
	for _, d := range storetest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			rem := pullAnyRemote(t)
			ctx := context.Background()
			a, _ := pullNode(t, d)
			ds := pullDataset(t, a)
			officer := pullActor(t, a, "gd.police")
			good := func() collect.SourceInput {
				return collect.SourceInput{Driver: rem.driver, DSN: rem.dsn, Table: rem.table, UpdateColumn: "changed", Mode: collect.ModeIncremental,
					Columns: map[string]string{"案件编号": "case_no", "案件名称": "title"}}
			}
			otherDSN := "root@tcp(127.0.0.1:3306)/test"
			if rem.driver == collect.DriverMySQL {
				otherDSN = "postgres://u:p@127.0.0.1:5432/test"
			}
			unreachable := "postgres://u:p@127.0.0.1:1/test?sslmode=disable"
			if rem.driver == collect.DriverMySQL {
				unreachable = "u:p@tcp(127.0.0.1:1)/test"
			}
			cases := []struct {
				name  string
				edit  func(in *collect.SourceInput)
				field string
				code  string
			}{
				{"unknown column", func(in *collect.SourceInput) { in.Columns["案件名称"] = "no_such" }, "columns.案件名称", "collect.source.column_missing"},
				{"SQL in the table name", func(in *collect.SourceInput) { in.Table = "x; drop table y" }, "table", "collect.source.identifier"},
				{"quote in the table name", func(in *collect.SourceInput) { in.Table = `public."cases` }, "table", "collect.source.identifier"},
				{"three-part table name", func(in *collect.SourceInput) { in.Table = "a.b.c" }, "table", "collect.source.identifier"},
				{"SQL in a column name", func(in *collect.SourceInput) { in.Columns["案件名称"] = "title, (select 1)" }, "columns.案件名称", "collect.source.identifier"},
				{"SQL in the update column", func(in *collect.SourceInput) { in.UpdateColumn = "changed--" }, "update_column", "collect.source.identifier"},
				{"key not mapped", func(in *collect.SourceInput) { delete(in.Columns, "案件编号") }, "columns.案件编号", "collect.source.unmapped"},
				{"required item not mapped", func(in *collect.SourceInput) { delete(in.Columns, "案件名称") }, "columns.案件名称", "collect.source.unmapped"},
				{"no columns", func(in *collect.SourceInput) { in.Columns = nil }, "columns", "collect.source.required"},
				{"unknown item", func(in *collect.SourceInput) { in.Columns["不存在"] = "title" }, "columns.不存在", "collect.source.item_unknown"},
				{"delete marker in a full source", func(in *collect.SourceInput) { in.Mode, in.Columns["_op"] = collect.ModeFull, "title" }, "columns._op", "collect.source.op_full"},
				{"incremental without update column", func(in *collect.SourceInput) { in.UpdateColumn = "" }, "update_column", "collect.source.update_required"},
				{"update column of text", func(in *collect.SourceInput) { in.UpdateColumn = "title" }, "update_column", "collect.source.update_type"},
				{"update column of date", func(in *collect.SourceInput) { in.UpdateColumn = "filed" }, "update_column", "collect.source.update_type"},
				{"update column missing", func(in *collect.SourceInput) { in.UpdateColumn = "nope" }, "update_column", "collect.source.column_missing"},
				{"unknown mode", func(in *collect.SourceInput) { in.Mode = "sometimes" }, "mode", "collect.source.mode"},
				{"unknown driver", func(in *collect.SourceInput) { in.Driver = "oracle" }, "driver", "collect.source.driver"},
				{"no DSN", func(in *collect.SourceInput) { in.DSN = "" }, "dsn", "collect.source.required"},
				{"DSN of the other driver", func(in *collect.SourceInput) { in.DSN = otherDSN }, "dsn", "collect.source.dsn"},
				{"server unreachable", func(in *collect.SourceInput) { in.DSN = unreachable }, "dsn", "collect.source.connect"},
				{"no such table", func(in *collect.SourceInput) { in.Table = "no_such_table_" + suffix() }, "table", "collect.source.table_missing"},
			}
			if rem.driver == collect.DriverPostgres {
				sep := "?"
				if strings.Contains(rem.dsn, "?") {
					sep = "&"
				}
				cases = append(cases, struct {
					name  string
					edit  func(in *collect.SourceInput)
					field string
					code  string
				}{"DSN reading the platform's files", func(in *collect.SourceInput) { in.DSN += sep + "passfile=/etc/passwd" }, "dsn", "collect.source.dsn"})
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					in := good()
					c.edit(&in)
					_, err := a.Collect.AddSource(ctx, officer, ds.ID, in)
					if got := pullCodes(err); got[c.field] != c.code {
						t.Fatalf("got %v (%v), want %s on %s", got, err, c.code, c.field)
					}
					if e, ok := apperr.As(err); ok && strings.Contains(e.ZH+e.EN, "p@") {
						t.Fatalf("the error shows a password: %v", e)
					}
				})
			}
			// Who may register: only an officer of the dataset's agency.
			for _, c := range []struct {
				name  string
				actor audit.Actor
				kind  apperr.Kind
			}{
				{"officer of another agency", pullActor(t, a, "hz.police"), apperr.NotFound},
				{"officer of another provincial agency", pullActor(t, a, "gd.civil"), apperr.NotFound},
				{"the agency's chief data officer", pullActor(t, a, "gd.cdo"), apperr.Forbidden},
				{"the authority's reviewer", pullActor(t, a, "gd.reviewer"), apperr.Forbidden},
				{"anonymous", audit.Actor{}, apperr.NotFound},
			} {
				t.Run(c.name, func(t *testing.T) {
					if _, err := a.Collect.AddSource(ctx, c.actor, ds.ID, good()); apperr.KindOf(err) != c.kind {
						t.Fatalf("add: %v, want kind %d", err, c.kind)
					}
					if _, err := a.Collect.Sources(ctx, c.actor, ds.ID); apperr.KindOf(err) != c.kind {
						t.Fatalf("list: %v, want kind %d", err, c.kind)
					}
				})
			}
			// A node without a secrets key cannot keep a connection string.
			keyless := collect.NewService(a.DB, a.Trail, a.Rules, a.Orgs, a.Cases, a.Catalog, a.Calendar, nil, nil)
			if _, err := keyless.AddSource(ctx, officer, ds.ID, good()); pullCodes(err)[""] != "collect.source.no_secrets_key" || !strings.Contains(err.Error(), "no secrets key configured") {
				t.Fatalf("without a secrets key: %v", err)
			}
			// Nothing was stored or audited.
			if srcs, err := a.Collect.Sources(ctx, officer, ds.ID); err != nil || len(srcs) != 0 {
				t.Fatalf("sources after refusals: %v %v", srcs, err)
			}
			es, err := a.Trail.List(ctx, audit.Filter{Action: "collect.source."})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				if e.Action != "collect.source.list" {
					t.Fatalf("audit after refusals: %+v", e)
				}
			}
			// The good input registers; another agency cannot see, switch or run it.
			src, err := a.Collect.AddSource(ctx, officer, ds.ID, good())
			if err != nil {
				t.Fatalf("good input: %v", err)
			}
			other := pullActor(t, a, "hz.police")
			if _, err := a.Collect.SetSourceEnabled(ctx, other, src.ID, false); apperr.KindOf(err) != apperr.NotFound {
				t.Fatalf("another agency switches the source: %v", err)
			}
			if _, err := a.Collect.RunSource(ctx, other, src.ID); apperr.KindOf(err) != apperr.NotFound {
				t.Fatalf("another agency runs the source: %v", err)
			}
			if _, err := a.Collect.RunSource(ctx, officer, src.ID+1000); apperr.KindOf(err) != apperr.NotFound {
				t.Fatalf("no such source: %v", err)
			}
		})
	}
}

// pullAnyRemote returns the PostgreSQL source if there is one, else MariaDB.
func pullAnyRemote(t *testing.T) *remote {
	t.Helper()
	if storetest.PostgresURL() != "" {
		return pgRemote(t)
	}
	return myRemote(t)
}

// pullCodes returns the codes of err by field.
func pullCodes(err error) map[string]string {
	out := map[string]string{}
	switch e := err.(type) {
	case apperr.List:
		for _, x := range e {
			out[x.Field] = x.Code
		}
	case *apperr.Error:
		out[e.Field] = e.Code
	}
	return out
}
