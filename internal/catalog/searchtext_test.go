package catalog

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// randText makes text from a small alphabet, so that tokens repeat.
func randText(rng *rand.Rand, n int) string {
	alphabet := []rune("户籍地人口数据a1Ｂb 、\n，Ωω")
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

func TestEachIndexToken(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var cls runeClasses
	for i := range 2000 {
		s := randText(rng, rng.IntN(20))
		if i%2 == 0 {
			s = foldText(s)
		}
		if i == 1 {
			s = "a\xffb户籍"
		}
		var got, want []uint64
		eachIndexToken(s, &cls, func(t uint64) { got = append(got, t) })
		for _, t := range indexTokens(s) {
			want = append(want, tokenKey(t))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("eachIndexToken(%q) = %x, want %x", s, got, want)
		}
	}
}

// TestSnapTextMatch checks the match in memory against the SQL it stands
// for: grams @> the query tokens, and strpos for terms of 3+ characters.
func TestSnapTextMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var tb textBuilder
	var bodies []string
	for range 500 {
		b := searchTextOf(randText(rng, 3), randText(rng, 8), randText(rng, 4), randText(rng, 6)).body
		bodies = append(bodies, b)
		tb.add(b)
	}
	st := tb.build()
	queries := []string{"户", "户籍", "户籍地", "ａ1", "b", "Ω", "籍 人口", "数据人", "口数据 a1", "户籍地人口", "zz", "ωω b"}
	for range 300 {
		queries = append(queries, randText(rng, 1+rng.IntN(5)))
	}
	nonEmpty := 0
	for _, q := range queries {
		terms := runs(q)
		if len(terms) == 0 {
			continue
		}
		var want []int32
		for i, b := range bodies {
			grams := distinct(indexTokens(b))
			ok := true
			for _, g := range queryTokens(terms) {
				ok = ok && slices.Contains(grams, g)
			}
			for _, term := range terms {
				if utf8.RuneCountInString(term) > 2 {
					ok = ok && strings.Contains(b, term)
				}
			}
			if ok {
				want = append(want, int32(i))
			}
		}
		if got := st.match(terms); !slices.Equal(got, want) && (len(got) > 0 || len(want) > 0) {
			t.Fatalf("match(%q) = %v, want %v", terms, got, want)
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 50 {
		t.Fatalf("only %d of %d queries match anything", nonEmpty, len(queries))
	}
}

func TestGallop(t *testing.T) {
	l := []int32{1, 3, 5, 7, 9, 11, 13}
	for p := int32(0); p < 15; p++ {
		want, _ := slices.BinarySearch(l, p)
		if got := gallop(l, p); got != want {
			t.Fatalf("gallop(%d) = %d, want %d", p, got, want)
		}
	}
}
