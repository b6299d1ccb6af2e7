package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"pubdata/internal/audit"
	"pubdata/internal/ident"
	"pubdata/internal/store"
)

// The search snapshot: each Service keeps in memory a copy of the narrow
// catalog_search rows — status, agency, jurisdiction, the enumerated facet
// values, publication time, folded title and keywords — so that a text
// search asks the database only for the ids of its matches and filters,
// scores, counts and pages them in Go. The copy is tagged with the
// revision of catalog_search_rev it was read at (migration 0004: every
// change of catalog_search bumps it in the same transaction). A search
// reads the revision in the statement that finds its matches, so the two
// agree; when the copy is of another revision it is read again first. On
// PostgreSQL the copy also holds the text and its tokens, and the search
// reads only the revision and matches the text in Go (searchtext.go). A
// change made by another process on the same database is therefore seen
// by the next search here.

// snapEnums are the enumerated columns of catalog_search kept as small
// codes, in the order of facetCodes.cols.
var snapEnums = []string{"category", "share_type", "open_attr", "update_freq", "data_form", "max_grade"}

// searchSnap is catalog_search at revision rev. It is never changed once built.
type searchSnap struct {
	rev   int64
	ids   []int64
	pos   map[int64]int32 // entry id → index
	dense []int32         // entry id → index + 1 (0: none), when ids are dense enough
	// Interned values: each column holds an index into its dictionary.
	status, agency, juris []uint16
	enums                 [][]uint16 // by snapEnums
	statusDict            []string
	agencyDict            []int64
	jurisDict             []string
	enumDicts             [][]string
	published             []int64
	title, keywords       []string
	text                  *snapText // PostgreSQL: the text and its tokens (searchtext.go)
}

// interner maps values to dense indexes.
type interner[T comparable] struct {
	idx  map[T]uint16
	dict []T
}

func (in *interner[T]) add(v T) (uint16, error) {
	if i, ok := in.idx[v]; ok {
		return i, nil
	}
	if len(in.dict) >= 1<<16 {
		return 0, fmt.Errorf("catalog search snapshot: too many distinct values")
	}
	if in.idx == nil {
		in.idx = map[T]uint16{}
	}
	i := uint16(len(in.dict))
	in.idx[v] = i
	in.dict = append(in.dict, v)
	return i, nil
}

// snapCache holds a Service's snapshot.
type snapCache struct {
	mu   sync.Mutex // serialises loads
	snap atomic.Pointer[searchSnap]
}

func (s *Service) snapCache() *snapCache { return &s.snaps }

// snapshot returns the snapshot at revision rev, reading catalog_search
// again if the one held is of another revision. The snapshot returned may
// be of a later revision if the index changed meanwhile; the caller checks.
func (s *Service) snapshot(ctx context.Context, rev int64) (*searchSnap, error) {
	c := s.snapCache()
	if sn := c.snap.Load(); sn != nil && sn.rev == rev {
		return sn, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if sn := c.snap.Load(); sn != nil && sn.rev == rev {
		return sn, nil
	}
	sn, err := loadSnap(ctx, s.db.Read(), s.db.Dialect == store.Postgres)
	if err != nil {
		return nil, err
	}
	c.snap.Store(sn)
	return sn, nil
}

// loadSnap reads catalog_search and its revision in one statement, so
// that they agree. With text (PostgreSQL, whose catalog_search holds the
// text) it also reads each entry's text and indexes its tokens.
func loadSnap(ctx context.Context, q store.Querier, text bool) (*searchSnap, error) {
	body := ""
	if text {
		body = ", c.body"
	}
	rows, err := q.QueryContext(ctx, `SELECT r.rev, c.entry_id, c.status, c.agency_id, c.jurisdiction_code, CAST(c.category AS TEXT), c.share_type, c.open_attr,
		c.update_freq, c.data_form, c.max_grade, COALESCE(c.published_at, 0), c.title, c.keywords`+body+`
		FROM catalog_search_rev r LEFT JOIN catalog_search c ON 1 = 1 WHERE r.id = 1`)
	if err != nil {
		return nil, fmt.Errorf("catalog search snapshot: %w", err)
	}
	defer rows.Close()
	sn := &searchSnap{rev: -1, pos: map[int64]int32{}, enums: make([][]uint16, len(snapEnums))}
	var status, juris interner[string]
	var agency interner[int64]
	enums := make([]interner[string], len(snapEnums))
	var (
		id, ag, pub       sql.NullInt64
		st, ju, title, kw sql.NullString
		bd                sql.NullString
		ev                = make([]sql.NullString, len(snapEnums))
		dest              = []any{&sn.rev, &id, &st, &ag, &ju}
	)
	for i := range ev {
		dest = append(dest, &ev[i])
	}
	dest = append(dest, &pub, &title, &kw)
	var tb textBuilder
	if text {
		dest = append(dest, &bd)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("catalog search snapshot: %w", err)
		}
		if !id.Valid {
			continue // the index is empty
		}
		i, err := status.add(st.String)
		if err != nil {
			return nil, err
		}
		sn.status = append(sn.status, i)
		if i, err = agency.add(ag.Int64); err != nil {
			return nil, err
		}
		sn.agency = append(sn.agency, i)
		if i, err = juris.add(ju.String); err != nil {
			return nil, err
		}
		sn.juris = append(sn.juris, i)
		for k := range snapEnums {
			if i, err = enums[k].add(ev[k].String); err != nil {
				return nil, err
			}
			sn.enums[k] = append(sn.enums[k], i)
		}
		sn.pos[id.Int64] = int32(len(sn.ids))
		sn.ids = append(sn.ids, id.Int64)
		sn.published = append(sn.published, pub.Int64)
		sn.title = append(sn.title, title.String)
		sn.keywords = append(sn.keywords, kw.String)
		if text {
			tb.add(bd.String)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog search snapshot: %w", err)
	}
	if sn.rev < 0 {
		return nil, fmt.Errorf("catalog search snapshot: no revision")
	}
	sn.statusDict, sn.agencyDict, sn.jurisDict = status.dict, agency.dict, juris.dict
	maxID := int64(-1)
	for _, id := range sn.ids {
		if id < 0 {
			maxID = -1
			break
		}
		maxID = max(maxID, id)
	}
	if maxID >= 0 && maxID < 4*int64(len(sn.ids))+1024 {
		sn.dense = make([]int32, maxID+1)
		for i, id := range sn.ids {
			sn.dense[id] = int32(i) + 1
		}
		sn.pos = nil
	}
	for k := range enums {
		sn.enumDicts = append(sn.enumDicts, enums[k].dict)
	}
	if text {
		sn.text = tb.build()
	}
	return sn, nil
}

// matchIDs returns the revision of the index and, if the query has text,
// on SQLite the ids of the entries whose text matches (all = true when it
// has none: every entry). Both come from one statement, so they agree. On
// PostgreSQL it returns only the revision: the snapshot of that revision
// holds the text and matches it (searchtext.go).
func (s *Service) matchIDs(ctx context.Context, terms []string) (rev int64, ids []int64, all bool, err error) {
	if len(terms) == 0 || s.db.Dialect == store.Postgres {
		// On PostgreSQL the snapshot matches the text (searchtext.go).
		err = s.db.Read().QueryRowContext(ctx, `SELECT rev FROM catalog_search_rev WHERE id = 1`).Scan(&rev)
		if err != nil {
			return 0, nil, false, fmt.Errorf("catalog search: %w", err)
		}
		return rev, nil, len(terms) == 0, nil
	}
	// The ids cross as one text: a row each costs more than the match.
	var p sqlArgs
	stmt := `SELECT 0, CAST(rev AS TEXT) FROM catalog_search_rev WHERE id = 1 UNION ALL SELECT 1, group_concat(rowid) FROM catalog_search_fts WHERE catalog_search_fts MATCH ` + p.add(ftsQuery(terms))
	rows, err := s.db.Read().QueryContext(ctx, stmt, p...)
	if err != nil {
		return 0, nil, false, fmt.Errorf("catalog search: %w", err)
	}
	defer rows.Close()
	rev = -1
	for rows.Next() {
		var kind int64
		var v sql.NullString
		if err := rows.Scan(&kind, &v); err != nil {
			return 0, nil, false, fmt.Errorf("catalog search: %w", err)
		}
		for f := range strings.SplitSeq(v.String, ",") {
			if f == "" {
				continue
			}
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return 0, nil, false, fmt.Errorf("catalog search: %w", err)
			}
			if kind == 0 {
				rev = n
			} else {
				ids = append(ids, n)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, nil, false, fmt.Errorf("catalog search: %w", err)
	}
	if rev < 0 {
		return 0, nil, false, fmt.Errorf("catalog search: no index revision")
	}
	return rev, ids, false, nil
}

// searchCounts is what a search gathers over its matches.
type searchCounts struct {
	hits         []hit
	agencyCounts map[int64]int
	jurisCounts  map[int64]int
	enumCounts   [][]int
}

// searchSnapshot matches q against the snapshot. ok is false if the index
// kept changing while it read (the caller then asks the database).
func (s *Service) searchSnapshot(ctx context.Context, a audit.Actor, q Query, authority, system bool, codes *facetCodes) (sc searchCounts, ok bool, err error) {
	terms := runs(q.Text)
	for range 3 {
		rev, ids, all, err := s.matchIDs(ctx, terms)
		if err != nil {
			return sc, false, err
		}
		sn, err := s.snapshot(ctx, rev)
		if err != nil {
			return sc, false, err
		}
		if sn.rev != rev {
			continue // the index moved between the two reads
		}
		var pos []int32
		if !all && sn.text != nil {
			pos = sn.text.match(terms)
		}
		return sn.search(a, q, terms, ids, pos, all, authority, system, codes), true, nil
	}
	return sc, false, nil
}

// lookup returns the index of dictionary value v, or -1.
func lookup[T comparable](dict []T, v T) int {
	for i, d := range dict {
		if d == v {
			return i
		}
	}
	return -1
}

// search applies to the matches (ids, or every entry if all) what
// Service.filters and the score of searchSQL apply in SQL, and counts.
func (sn *searchSnap) search(a audit.Actor, q Query, terms []string, ids []int64, pos []int32, all, authority, system bool, codes *facetCodes) searchCounts {
	// Per value of each dictionary: does it pass the filters, and its code.
	statusOK := make([]bool, len(sn.statusDict))
	published := lookup(sn.statusDict, "published")
	for i, v := range sn.statusDict {
		statusOK[i] = q.Status == "all" || v == q.Status
	}
	agencyOK := make([]bool, len(sn.agencyDict))
	own := -1
	for i, v := range sn.agencyDict {
		agencyOK[i] = q.AgencyID == 0 || v == q.AgencyID
		if v == a.AgencyID {
			own = i
		}
	}
	jurisOK, cover := make([]bool, len(sn.jurisDict)), make([]bool, len(sn.jurisDict))
	jurisCode := make([]int64, len(sn.jurisDict))
	coverPrefix := ""
	if authority && isDivisionCode(a.Jurisdiction) {
		coverPrefix = ident.DivisionPrefix(a.Jurisdiction)
	}
	for i, v := range sn.jurisDict {
		jurisOK[i] = q.Jurisdiction == "" || strings.HasPrefix(v, ident.DivisionPrefix(q.Jurisdiction))
		cover[i] = coverPrefix != "" && strings.HasPrefix(v, coverPrefix)
		jurisCode[i] = leadingInt(v)
	}
	filter := []string{"", q.ShareType, q.OpenAttr, q.UpdateFreq, q.DataForm, q.Grade}
	if q.Category != 0 {
		filter[0] = strconv.Itoa(q.Category)
	}
	enumOK := make([][]bool, len(snapEnums))
	enumCode := make([][]int64, len(snapEnums))
	for k := range snapEnums {
		enumOK[k], enumCode[k] = make([]bool, len(sn.enumDicts[k])), make([]int64, len(sn.enumDicts[k]))
		for i, v := range sn.enumDicts[k] {
			enumOK[k][i] = filter[k] == "" || v == filter[k]
			if c := lookup(codes.values[k], v); c >= 0 {
				enumCode[k][i] = int64(c+1) * codes.mult[k]
			}
		}
	}
	relevance := q.Sort == "relevance" && len(terms) > 0

	agencyCounts, jurisCounts := make([]int, len(sn.agencyDict)), make([]int, len(sn.jurisDict))
	last := len(codes.values) - 1
	packedCounts := make([]int, codes.mult[last]*int64(len(codes.values[last])+1)) // by packed code
	hits := make([]hit, 0, min(len(ids)+len(pos), len(sn.ids)))
	if all {
		hits = make([]hit, 0, len(sn.ids))
	}
	visit := func(i int) {
		ag, ju, st := sn.agency[i], sn.juris[i], sn.status[i]
		switch {
		case system:
		case authority:
			if int(ag) != own && !cover[ju] {
				return
			}
		default:
			if int(ag) != own && int(st) != published {
				return
			}
		}
		if !statusOK[st] || !agencyOK[ag] || !jurisOK[ju] {
			return
		}
		var packed int64
		for k := range snapEnums {
			v := sn.enums[k][i]
			if !enumOK[k][v] {
				return
			}
			packed += enumCode[k][v]
		}
		h := hit{id: sn.ids[i], published: sn.published[i]}
		if relevance {
			for _, t := range terms {
				if strings.Contains(sn.title[i], t) {
					h.score += 4
				}
				if strings.Contains(sn.keywords[i], t) {
					h.score += 2
				}
			}
		}
		hits = append(hits, h)
		agencyCounts[ag]++
		jurisCounts[ju]++
		packedCounts[packed]++
	}
	switch {
	case all:
		for i := range sn.ids {
			visit(i)
		}
	case sn.text != nil:
		for _, i := range pos {
			visit(int(i))
		}
	default:
		for _, id := range ids {
			if sn.dense != nil {
				if id >= 0 && id < int64(len(sn.dense)) && sn.dense[id] > 0 {
					visit(int(sn.dense[id]) - 1)
				}
			} else if i, ok := sn.pos[id]; ok {
				visit(int(i))
			}
		}
	}
	sc := searchCounts{hits: hits, agencyCounts: map[int64]int{}, jurisCounts: map[int64]int{}, enumCounts: make([][]int, len(codes.values))}
	for i, n := range agencyCounts {
		if n > 0 {
			sc.agencyCounts[sn.agencyDict[i]] += n
		}
	}
	for i, n := range jurisCounts {
		if n > 0 {
			sc.jurisCounts[jurisCode[i]] += n
		}
	}
	for i, v := range codes.values {
		sc.enumCounts[i] = make([]int, len(v)+1)
	}
	for packed, n := range packedCounts {
		if n == 0 {
			continue
		}
		for i := range codes.values {
			sc.enumCounts[i][int64(packed)/codes.mult[i]%int64(len(codes.values[i])+1)] += n
		}
	}
	return sc
}

// leadingInt is CAST(s AS INTEGER) for the codes the index holds: the
// value of its leading digits.
func leadingInt(s string) int64 {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, 64)
	return n
}
