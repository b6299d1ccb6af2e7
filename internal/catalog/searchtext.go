package catalog

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// The text match in memory (PostgreSQL). On PostgreSQL the snapshot also
// holds each entry's folded text (catalog_search.body) and an inverted
// index from each token of indexTokens to the snapshot positions that hold
// it, so that a search matches its text in Go exactly as the SQL of
// matchIDs would: every token of queryTokens present (grams @> …), and
// each term of three or more characters a substring of the text (strpos).
// SQLite keeps its FTS5 match, which costs less than reading the matches
// back.

// snapText is the text part of a snapshot.
type snapText struct {
	body []string
	post map[uint64][]int32 // tokenKey → ascending snapshot positions
}

// tokenKey packs a token (one or two characters) into a number: a map keyed
// by it is much faster to build than one keyed by strings.
func tokenKey(t string) uint64 {
	r1, w := utf8.DecodeRuneInString(t)
	if w == len(t) {
		return uint64(r1)<<32 | 0xFFFFFFFF
	}
	r2, _ := utf8.DecodeRuneInString(t[w:])
	return uint64(r1)<<32 | uint64(r2)
}

// textBuilder builds a snapText one entry at a time, in snapshot order.
type textBuilder struct {
	body   []string
	tokID  map[uint64]int32
	toks   []uint64
	counts []int32
	flat   []int32 // token ids of every entry, distinct within the entry
	ends   []int   // end of each entry in flat
	last   []int32 // token id → last entry + 1 that held it
	cls    runeClasses
}

// runeClasses caches, for the characters of the Basic Multilingual Plane,
// whether fold leaves them as they are and whether they are word runes:
// unicode's tables cost more than the rest of the tokeniser.
type runeClasses []uint8

const (
	clsKnown = 1 << iota
	clsFolded
	clsWord
)

func (c *runeClasses) of(r rune) uint8 {
	if r < 0 || r >= 0x10000 {
		return runeClassOf(r)
	}
	if *c == nil {
		*c = make(runeClasses, 0x10000)
	}
	k := (*c)[r]
	if k == 0 {
		k = runeClassOf(r)
		(*c)[r] = k
	}
	return k
}

func runeClassOf(r rune) uint8 {
	k := uint8(clsKnown)
	if fold(r) == r {
		k |= clsFolded
	}
	if isWordRune(r) {
		k |= clsWord
	}
	return k
}

func (b *textBuilder) add(body string) {
	n := int32(len(b.body)) + 1
	b.body = append(b.body, body)
	if b.tokID == nil {
		b.tokID = map[uint64]int32{}
	}
	eachIndexToken(body, &b.cls, func(t uint64) {
		id, ok := b.tokID[t]
		if !ok {
			id = int32(len(b.toks))
			b.tokID[t] = id
			b.toks = append(b.toks, t)
			b.counts = append(b.counts, 0)
			b.last = append(b.last, 0)
		}
		if b.last[id] == n {
			return
		}
		b.last[id] = n
		b.counts[id]++
		b.flat = append(b.flat, id)
	})
	b.ends = append(b.ends, len(b.flat))
}

func (b *textBuilder) build() *snapText {
	arena := make([]int32, len(b.flat))
	post := make(map[uint64][]int32, len(b.toks))
	off := make([]int, len(b.toks))
	o := 0
	for id, c := range b.counts {
		off[id] = o
		o += int(c)
	}
	fill := slices.Clone(off)
	start := 0
	for i, end := range b.ends {
		for _, id := range b.flat[start:end] {
			arena[fill[id]] = int32(i)
			fill[id]++
		}
		start = end
	}
	for id, t := range b.toks {
		post[t] = arena[off[id] : off[id]+int(b.counts[id]) : off[id]+int(b.counts[id])]
	}
	return &snapText{body: b.body, post: post}
}

// eachIndexToken calls f with the tokenKey of each token of
// indexTokens(s), in order and with repeats, without allocating when s is
// already folded (the text of the index is).
func eachIndexToken(s string, cls *runeClasses, f func(uint64)) {
	for _, r := range s {
		if cls.of(r)&clsFolded == 0 {
			for _, t := range indexTokens(s) {
				f(tokenKey(t))
			}
			return
		}
	}
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if cls.of(r)&clsWord == 0 {
			i += w
			continue
		}
		j := i
		for j < len(s) {
			r, w := utf8.DecodeRuneInString(s[j:])
			if cls.of(r)&clsWord == 0 {
				break
			}
			j += w
		}
		emitRun(s[i:j], f)
		i = j
	}
}

// emitRun calls f with the tokens of one run, as indexTokens orders them.
func emitRun(run string, f func(uint64)) {
	r1, w := utf8.DecodeRuneInString(run)
	if w == len(run) {
		k := uint64(r1)<<32 | 0xFFFFFFFF
		f(k) // one character: the fallback, given twice by indexTokens
		f(k)
		return
	}
	prev := r1
	for i := w; i < len(run); {
		r, w := utf8.DecodeRuneInString(run[i:])
		f(uint64(prev)<<32 | uint64(r))
		prev, i = r, i+w
	}
	for _, r := range run {
		f(uint64(r)<<32 | 0xFFFFFFFF)
	}
}

// match returns the ascending snapshot positions whose text matches
// terms (not empty), as the SQL of matchIDs would.
func (t *snapText) match(terms []string) []int32 {
	toks := queryTokens(terms)
	lists := make([][]int32, 0, len(toks))
	for _, g := range toks {
		l := t.post[tokenKey(g)]
		if len(l) == 0 {
			return nil
		}
		lists = append(lists, l)
	}
	sort.Slice(lists, func(i, j int) bool { return len(lists[i]) < len(lists[j]) })
	var long []string
	for _, term := range terms {
		if utf8.RuneCountInString(term) > 2 {
			long = append(long, term)
		}
	}
	out := make([]int32, 0, len(lists[0]))
	cur := make([]int, len(lists)) // search start in each list
outer:
	for _, p := range lists[0] {
		for k := 1; k < len(lists); k++ {
			l := lists[k]
			j := cur[k] + gallop(l[cur[k]:], p)
			cur[k] = j
			if j == len(l) {
				break outer
			}
			if l[j] != p {
				continue outer
			}
		}
		for _, term := range long {
			if !strings.Contains(t.body[p], term) {
				continue outer
			}
		}
		out = append(out, p)
	}
	return out
}

// gallop returns the first index of ascending l whose value is ≥ p.
func gallop(l []int32, p int32) int {
	hi := 1
	for hi < len(l) && l[hi-1] < p {
		hi *= 2
	}
	lo := hi / 2
	hi = min(hi, len(l))
	return lo + sort.Search(hi-lo, func(i int) bool { return l[lo+i] >= p })
}
