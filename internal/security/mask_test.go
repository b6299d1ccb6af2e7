package security

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"

	"pubdata/internal/apperr"
	"pubdata/internal/ident"
)

// grantKey is a fixed 32-byte grant key for known answers.
var grantKey = []byte("0123456789abcdef0123456789abcdef")

func mustMasker(t testing.TB, m Mask, key []byte) *Masker {
	t.Helper()
	k, err := NewMasker(m, key)
	if err != nil {
		t.Fatalf("NewMasker(%v): %v", m, err)
	}
	return k
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(290, 46)) }

// wantMaskErr checks that err is an apperr with the code and field.
func wantMaskErr(t *testing.T, err error, code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("err = %v, want apperr %s", err, code)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("err = %s [%s], want %s [%s]", e.Code, e.Field, code, field)
	}
	if e.ZH == "" || e.EN == "" {
		t.Fatalf("%s: message missing: zh %q en %q", code, e.ZH, e.EN)
	}
}

func TestMaskValidate(t *testing.T) {
	long := strings.Repeat("某", 201)
	for _, tc := range []struct {
		name        string
		m           Mask
		code, field string // "" when valid
	}{
		{"empty func is clear", Mask{}, "", ""},
		{"clear", Mask{Func: MaskClear}, "", ""},
		{"keep", Mask{Func: MaskKeep, N: 3, M: 4}, "", ""},
		{"keep zero", Mask{Func: MaskKeep}, "", ""},
		{"keep max", Mask{Func: MaskKeep, N: 64, M: 64}, "", ""},
		{"pseudonym", Mask{Func: MaskPseudonym}, "", ""},
		{"date default level", Mask{Func: MaskDate}, "", ""},
		{"date year", Mask{Func: MaskDate, Level: "year"}, "", ""},
		{"date month", Mask{Func: MaskDate, Level: "month"}, "", ""},
		{"address", Mask{Func: MaskAddress}, "", ""},
		{"nullify", Mask{Func: MaskNull}, "", ""},
		{"regex", Mask{Func: MaskRegex, Pattern: `\d{4}`}, "", ""},
		{"regex 200 runes", Mask{Func: MaskRegex, Pattern: long[len("某"):]}, "", ""},
		{"unknown func", Mask{Func: "hash"}, "share.mask.func", "func"},
		{"func case matters", Mask{Func: "Keep"}, "share.mask.func", "func"},
		{"keep n negative", Mask{Func: MaskKeep, N: -1}, "share.mask.keep", "n"},
		{"keep m negative", Mask{Func: MaskKeep, M: -1}, "share.mask.keep", "m"},
		{"keep n too large", Mask{Func: MaskKeep, N: 65}, "share.mask.keep", "n"},
		{"keep m too large", Mask{Func: MaskKeep, N: 1, M: 65}, "share.mask.keep", "m"},
		{"bad level", Mask{Func: MaskDate, Level: "day"}, "share.mask.level", "level"},
		{"pattern missing", Mask{Func: MaskRegex}, "share.mask.pattern", "pattern"},
		{"pattern invalid", Mask{Func: MaskRegex, Pattern: `(\d`}, "share.mask.pattern", "pattern"},
		{"pattern not RE2", Mask{Func: MaskRegex, Pattern: `\d(?=x)`}, "share.mask.pattern", "pattern"},
		{"pattern too long", Mask{Func: MaskRegex, Pattern: long}, "share.mask.pattern", "pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.m.Validate()
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			wantMaskErr(t, err, tc.code, tc.field)
			if apperr.KindOf(err) != apperr.Invalid {
				t.Fatalf("kind = %v, want Invalid", apperr.KindOf(err))
			}
			if _, err := NewMasker(tc.m, grantKey); err == nil {
				t.Fatal("NewMasker accepted an invalid mask")
			}
		})
	}
}

func TestMaskClear(t *testing.T) {
	for _, tc := range []struct {
		m    Mask
		want bool
	}{
		{Mask{}, true},
		{Mask{Func: MaskClear}, true},
		{Mask{Func: MaskKeep, N: 1}, false},
		{Mask{Func: MaskNull}, false},
	} {
		if got := tc.m.Clear(); got != tc.want {
			t.Errorf("%v.Clear() = %v, want %v", tc.m, got, tc.want)
		}
	}
}

func TestMaskStringAndLabel(t *testing.T) {
	for _, tc := range []struct {
		m           Mask
		str, zh, en string
	}{
		{Mask{}, "clear", "明文", "in clear"},
		{Mask{Func: MaskClear}, "clear", "明文", "in clear"},
		{Mask{Func: MaskKeep, N: 3, M: 4}, "keep(3,4)", "保留前3位后4位", "keep first 3 and last 4"},
		{Mask{Func: MaskKeep, N: 1}, "keep(1,0)", "保留前1位", "keep first 1"},
		{Mask{Func: MaskKeep, M: 4}, "keep(0,4)", "保留后4位", "keep last 4"},
		{Mask{Func: MaskKeep}, "keep(0,0)", "全部遮盖", "mask all"},
		{Mask{Func: MaskPseudonym}, "pseudonym", "假名化（HMAC-SM3）", "pseudonym (HMAC-SM3)"},
		{Mask{Func: MaskDate}, "generalize_date(year)", "日期泛化到年", "date generalised to year"},
		{Mask{Func: MaskDate, Level: "month"}, "generalize_date(month)", "日期泛化到月", "date generalised to month"},
		{Mask{Func: MaskAddress}, "generalize_address", "地址泛化到区县", "address generalised to county"},
		{Mask{Func: MaskNull}, "nullify", "置空", "nullified"},
		{Mask{Func: MaskRegex, Pattern: `\d{4}`}, `regex(\d{4})`, "自定义规则", "custom rule"},
		{Mask{Func: "hash"}, "hash", "hash", "hash"},
	} {
		t.Run(tc.str, func(t *testing.T) {
			if got := tc.m.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
			if got := tc.m.Label("zh"); got != tc.zh {
				t.Errorf("Label(zh) = %q, want %q", got, tc.zh)
			}
			if got := tc.m.Label(""); got != tc.zh {
				t.Errorf("Label(\"\") = %q, want the zh %q", got, tc.zh)
			}
			if got := tc.m.Label("en"); got != tc.en {
				t.Errorf("Label(en) = %q, want %q", got, tc.en)
			}
		})
	}
}

func TestMaskJSON(t *testing.T) {
	b, err := json.Marshal(Mask{Func: MaskKeep, N: 3, M: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"func":"keep","n":3,"m":4}`; got != want {
		t.Fatalf("json = %s, want %s", got, want)
	}
	var m Mask
	if err := json.Unmarshal([]byte(`{"func":"generalize_date","level":"month"}`), &m); err != nil {
		t.Fatal(err)
	}
	if m != (Mask{Func: MaskDate, Level: "month"}) {
		t.Fatalf("unmarshal = %+v", m)
	}
}

func TestNewMaskerKey(t *testing.T) {
	for _, n := range []int{0, 15} {
		_, err := NewMasker(Mask{Func: MaskPseudonym}, make([]byte, n))
		wantMaskErr(t, err, "share.mask.key", "key")
		if apperr.KindOf(err) != apperr.Internal {
			t.Fatalf("key of %d bytes: kind = %v, want Internal", n, apperr.KindOf(err))
		}
	}
	if _, err := NewMasker(Mask{Func: MaskPseudonym}, make([]byte, 16)); err != nil {
		t.Fatalf("16-byte key: %v", err)
	}
	// Other functions need no key.
	if _, err := NewMasker(Mask{Func: MaskKeep, N: 3, M: 4}, nil); err != nil {
		t.Fatalf("keep without key: %v", err)
	}
	// The key is copied: changing the caller's slice changes nothing.
	key := bytes.Clone(grantKey)
	k := mustMasker(t, Mask{Func: MaskPseudonym}, key)
	before, _ := k.Apply("440102198507230012")
	clear(key)
	if after, _ := k.Apply("440102198507230012"); after != before {
		t.Fatalf("pseudonym changed with the caller's key slice: %s → %s", before, after)
	}
}

// hmacSM3Hex is the reference pseudonym, built independently of Masker.
func hmacSM3Hex(key []byte, v string) string {
	mac := hmac.New(sm3.New, key)
	mac.Write([]byte(v))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

func sm3Hex(v string) string {
	h := sm3.Sum([]byte(v))
	return hex.EncodeToString(h[:])
}

func sha256Hex(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}

func TestApply(t *testing.T) {
	keep := func(n, m int) Mask { return Mask{Func: MaskKeep, N: n, M: m} }
	year := Mask{Func: MaskDate}
	month := Mask{Func: MaskDate, Level: "month"}
	addr := Mask{Func: MaskAddress}
	for _, tc := range []struct {
		name string
		m    Mask
		in   string
		out  string
		null bool
	}{
		{"clear", Mask{Func: MaskClear}, "440102198507230012", "440102198507230012", false},
		{"clear empty func", Mask{}, "张三", "张三", false},
		{"clear empty", Mask{}, "", "", false},

		{"keep resident id", keep(3, 4), "440102198507230012", "440***********0012", false},
		{"keep mobile", keep(3, 4), "13812345678", "138****5678", false},
		{"keep bank card", keep(6, 4), "6222021234567890123", "622202*********0123", false},
		{"keep name", keep(1, 0), "张三丰", "张**", false},
		{"keep two-rune name", keep(1, 0), "张三", "张*", false},
		{"keep(3,4) on two runes", keep(3, 4), "张三", "张*", false},
		{"keep(3,4) on three runes", keep(3, 4), "欧阳锋", "欧阳*", false},
		{"keep(3,4) on six runes reduces m", keep(3, 4), "123456", "123**6", false},
		{"keep(3,4) on nine runes drops m first", keep(3, 4), "123456789", "123***789", false},
		{"keep(0,4) on short value", keep(0, 4), "12345", "**345", false},
		{"keep one rune", keep(1, 0), "张", "*", false},
		{"keep one rune keep(0,0)", keep(0, 0), "张", "*", false},
		{"keep nothing", keep(0, 0), "张三丰", "***", false},
		{"keep empty", keep(3, 4), "", "", false},
		{"keep counts runes not bytes", keep(1, 1), "广东省惠州市", "广****市", false},
		{"keep bad utf-8", keep(1, 1), "a\xffbc", "a**c", false},
		{"keep bad utf-8 kept as U+FFFD", keep(1, 0), "\xffbc", "\uFFFD**", false},

		{"pseudonym", Mask{Func: MaskPseudonym}, "440102198507230012", hmacSM3Hex(grantKey, "440102198507230012"), false},
		{"pseudonym chinese", Mask{Func: MaskPseudonym}, "张三", hmacSM3Hex(grantKey, "张三"), false},
		{"pseudonym empty", Mask{Func: MaskPseudonym}, "", "", false},

		{"date", year, "1985-07-23", "1985", false},
		{"date rfc3339", year, "1985-07-23T10:00:00Z", "1985", false},
		{"date rfc3339 offset", year, "1985-12-31T23:30:00+08:00", "1985", false},
		{"date rfc3339 fraction", year, "1985-07-23T10:00:00.123Z", "1985", false},
		{"date space time", year, "1985-07-23 10:00:00", "1985", false},
		{"date compact", year, "19850723", "1985", false},
		{"date slashes", year, "1985/07/23", "1985", false},
		{"date spaces around", year, " 1985-07-23 ", "1985", false},
		{"date month", month, "1985-07-23", "1985-07", false},
		{"date month rfc3339", month, "1985-07-23T10:00:00Z", "1985-07", false},
		{"date month space time", month, "1985-07-23 10:00:00", "1985-07", false},
		{"date month compact", month, "19850723", "1985-07", false},
		{"date unparsable", year, "1985年7月23日", "", false},
		{"date not a day", year, "1985-02-30", "", false},
		{"date free text", year, "unknown", "", false},
		{"date year only", year, "1985", "", false},
		{"date empty", year, "", "", false},

		{"address", addr, "广东省惠州市惠城区江北街道文明一路8号", "广东省惠州市惠城区", false},
		{"address county", addr, "广东省惠州市博罗县罗阳街道", "广东省惠州市博罗县", false},
		{"address county-level city", addr, "广东省江门市台山市台城街道", "广东省江门市台山市", false},
		{"address municipality", addr, "北京市朝阳区建国路88号", "北京市朝阳区", false},
		{"address no province", addr, "惠州市惠城区江北街道", "惠州市惠城区", false},
		{"address autonomous region", addr, "内蒙古自治区呼和浩特市新城区", "内蒙古自治区呼和浩特市", false},
		{"address banner too long", addr, "内蒙古自治区呼伦贝尔市鄂温克族自治旗巴彦托海镇", "内蒙古自治区呼伦贝尔市", false},
		{"address 市中区", addr, "山东省济南市市中区经四路", "山东省济南市市中区", false},
		{"address city without counties", addr, "广东省东莞市南城街道鸿福路工业区", "广东省东莞市", false},
		{"address city without counties, 市 in street", addr, "广东省东莞市东城街道东城市场", "广东省东莞市", false},
		{"address no city", addr, "江北街道文明一路8号", "江北街", false},
		{"address city too far", addr, "四川省凉山彝族自治州西昌市长安街道", "四川省", false},
		{"address short", addr, "惠州", "惠州", false},
		{"address spaces", addr, "  广东省惠州市惠城区江北街道 ", "广东省惠州市惠城区", false},
		{"address empty", addr, "", "", false},

		{"nullify", Mask{Func: MaskNull}, "张三", "", true},
		{"nullify empty", Mask{Func: MaskNull}, "", "", true},

		{"regex", Mask{Func: MaskRegex, Pattern: `\d{4}`}, "电话 0752-12345678", "电话 ****-********", false},
		{"regex chinese match", Mask{Func: MaskRegex, Pattern: `[张王]\p{Han}`}, "联系人张三、王五", "联系人**、**", false},
		{"regex no match", Mask{Func: MaskRegex, Pattern: `\d`}, "无数字", "无数字", false},
		{"regex empty matches", Mask{Func: MaskRegex, Pattern: `x*`}, "abc", "abc", false},
		{"regex empty", Mask{Func: MaskRegex, Pattern: `.`}, "", "", false},
		{"regex bad utf-8", Mask{Func: MaskRegex, Pattern: `\d`}, "a\xff1", "a\uFFFD*", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, null := mustMasker(t, tc.m, grantKey).Apply(tc.in)
			if out != tc.out || null != tc.null {
				t.Fatalf("Apply(%q) = %q, %v; want %q, %v", tc.in, out, null, tc.out, tc.null)
			}
		})
	}
}

// TestKeepHidesEnough checks the clamp for every length and every keep.
func TestKeepHidesEnough(t *testing.T) {
	for l := 1; l <= 70; l++ {
		v := strings.Repeat("字", l)
		for n := 0; n <= 64; n += 3 {
			for m := 0; m <= 64; m += 5 {
				out, _ := mustMasker(t, Mask{Func: MaskKeep, N: n, M: m}, nil).Apply(v)
				hidden := strings.Count(out, "*")
				if utf8.RuneCountInString(out) != l {
					t.Fatalf("keep(%d,%d) of %d runes: %d runes out", n, m, l, utf8.RuneCountInString(out))
				}
				if want := max(1, (l+2)/3); hidden < want {
					t.Fatalf("keep(%d,%d) of %d runes hides %d, want ≥ %d", n, m, l, hidden, want)
				}
				if n+m <= l-max(1, (l+2)/3) && hidden != l-n-m {
					t.Fatalf("keep(%d,%d) of %d runes hides %d, want exactly %d", n, m, l, hidden, l-n-m)
				}
			}
		}
	}
}

// TestKeepProperty: on thousands of random values the hidden part never
// appears in the output, and exactly the hidden runes are '*'.
func TestKeepProperty(t *testing.T) {
	r := newTestRand()
	idMask := mustMasker(t, Mask{Func: MaskKeep, N: 3, M: 4}, nil)
	nameMask := mustMasker(t, Mask{Func: MaskKeep, N: 1}, nil)
	for range 3000 {
		id := ident.RandomResidentID(r, "")
		out, _ := idMask.Apply(id)
		if want := id[:3] + strings.Repeat("*", 11) + id[14:]; out != want {
			t.Fatalf("keep(3,4) %s = %s, want %s", id, out, want)
		}
		if strings.Contains(out, id[6:14]) || strings.Contains(out, id[3:14]) {
			t.Fatalf("keep(3,4) %s = %s holds the hidden birth date", id, out)
		}

		mobile := ident.RandomMobile(r)
		out, _ = idMask.Apply(mobile)
		if out != mobile[:3]+"****"+mobile[7:] {
			t.Fatalf("keep(3,4) %s = %s", mobile, out)
		}

		name := ident.RandomChineseName(r)
		out, _ = nameMask.Apply(name)
		_, size := utf8.DecodeRuneInString(name)
		// Only the surname is shown: the given name becomes '*' rune by rune
		// (it may repeat the surname's character, so compare the shape).
		if given := name[size:]; out != name[:size]+strings.Repeat("*", utf8.RuneCountInString(given)) {
			t.Fatalf("keep(1,0) %s = %s", name, out)
		}

		// Arbitrary runes with an arbitrary keep: kept runes are the input's,
		// every other is '*', and enough are hidden.
		rs := make([]rune, 1+r.IntN(40))
		for i := range rs {
			rs[i] = rune(0x4e00 + r.IntN(0x9fa5-0x4e00))
		}
		n, m := r.IntN(65), r.IntN(65)
		out, _ = mustMasker(t, Mask{Func: MaskKeep, N: n, M: m}, nil).Apply(string(rs))
		outR := []rune(out)
		if len(outR) != len(rs) {
			t.Fatalf("keep(%d,%d) changed the length: %q → %q", n, m, string(rs), out)
		}
		hidden := 0
		for i, c := range outR {
			if c == '*' {
				hidden++
			} else if c != rs[i] {
				t.Fatalf("keep(%d,%d) %q = %q: rune %d is neither kept nor '*'", n, m, string(rs), out, i)
			}
		}
		if hidden < max(1, (len(rs)+2)/3) {
			t.Fatalf("keep(%d,%d) %q = %q hides only %d", n, m, string(rs), out, hidden)
		}
	}
}

func TestPseudonymProperties(t *testing.T) {
	const v = "440102198507230012"
	k1 := mustMasker(t, Mask{Func: MaskPseudonym}, grantKey)
	k2 := mustMasker(t, Mask{Func: MaskPseudonym}, []byte("another grant key, 32 bytes long"))
	a, null := k1.Apply(v)
	if null {
		t.Fatal("pseudonym is null")
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a) {
		t.Fatalf("pseudonym %q is not 32 lowercase hex", a)
	}
	if b, _ := k1.Apply(v); b != a {
		t.Fatalf("not deterministic under one key: %s, %s", a, b)
	}
	if b, _ := k2.Apply(v); b == a {
		t.Fatalf("two keys give the same pseudonym %s", a)
	}
	for _, plain := range []string{sm3Hex(v), sha256Hex(v)} {
		if strings.Contains(plain, a) {
			t.Fatalf("pseudonym %s is part of a plain hash %s", a, plain)
		}
	}
	if b, _ := k1.Apply(v[:17] + "X"); b == a {
		t.Fatal("different values give the same pseudonym")
	}
}

// TestPseudonymBruteForce: an attacker who knows the region and the birth
// date enumerates the 1,000 sequence numbers of that day. With plain SM3
// or SHA-256 no candidate matches the pseudonym; with the grant key exactly
// the true one does. So the key is what protects it.
func TestPseudonymBruteForce(t *testing.T) {
	const prefix = "44130219850723" // 惠城区, 1985-07-23
	candidates := make([]string, 0, 1000)
	for seq := range 1000 {
		first17 := fmt.Sprintf("%s%03d", prefix, seq)
		c, err := ident.ResidentIDCheck(first17)
		if err != nil {
			t.Fatal(err)
		}
		candidates = append(candidates, first17+string(c))
	}
	truth := candidates[123]
	if err := ident.ValidateResidentID(truth); err != nil {
		t.Fatalf("the true ID %s is not valid: %v", truth, err)
	}
	k := mustMasker(t, Mask{Func: MaskPseudonym}, grantKey)
	out, _ := k.Apply(truth)

	for _, c := range candidates {
		if sm3Hex(c)[:32] == out || sha256Hex(c)[:32] == out || sm3Hex(c)[32:] == out || sha256Hex(c)[32:] == out {
			t.Fatalf("plain hash of candidate %s matches the pseudonym %s", c, out)
		}
	}
	var found []string
	for _, c := range candidates {
		if hmacSM3Hex(grantKey, c) == out {
			found = append(found, c)
		}
	}
	if len(found) != 1 || found[0] != truth {
		t.Fatalf("with the key the brute force finds %v, want [%s]", found, truth)
	}
}

func TestPseudonymProperty(t *testing.T) {
	r := newTestRand()
	k := mustMasker(t, Mask{Func: MaskPseudonym}, grantKey)
	seen := map[string]string{}
	for range 3000 {
		id := ident.RandomResidentID(r, "")
		out, _ := k.Apply(id)
		if len(out) != 32 || strings.Contains(out, id) || strings.Contains(out, id[6:14]) {
			t.Fatalf("pseudonym of %s = %s", id, out)
		}
		if out != hmacSM3Hex(grantKey, id) {
			t.Fatalf("pseudonym of %s = %s, want HMAC-SM3 %s", id, out, hmacSM3Hex(grantKey, id))
		}
		if prev, ok := seen[out]; ok && prev != id {
			t.Fatalf("collision: %s and %s → %s", prev, id, out)
		}
		seen[out] = id
	}
}

func TestDateProperty(t *testing.T) {
	r := newTestRand()
	year := mustMasker(t, Mask{Func: MaskDate}, nil)
	month := mustMasker(t, Mask{Func: MaskDate, Level: "month"}, nil)
	layouts := []string{"2006-01-02", "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05", "20060102", "2006/01/02"}
	lo := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2100, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", -5*3600)}
	for range 3000 {
		d := time.Unix(lo+r.Int64N(hi-lo), 0).In(zones[r.IntN(len(zones))])
		v := d.Format(layouts[r.IntN(len(layouts))])
		y, _ := year.Apply(v)
		m, _ := month.Apply(v)
		if y != d.Format("2006") || m != d.Format("2006-01") {
			t.Fatalf("%s: year %q month %q, want %s and %s", v, y, m, d.Format("2006"), d.Format("2006-01"))
		}
		// Neither holds the day: the output is exactly year or year-month.
		if len(y) != 4 || len(m) != 7 {
			t.Fatalf("%s: year %q month %q hold more than year and month", v, y, m)
		}
	}
	// Unparsable values are never echoed.
	for range 1000 {
		v := ident.RandomChineseName(r) + ident.RandomMobile(r)
		if out, null := year.Apply(v); out != "" || null {
			t.Fatalf("%q: %q, %v; want empty", v, out, null)
		}
	}
}

// addressCase is a real province, city and county from GB/T 2260.
type addressCase struct{ province, city, county string }

// realAddresses returns every province (省/自治区) + city (…市) + county
// triple whose county name has no county marker before its end, so the
// expected cut is the whole triple.
func realAddresses(t *testing.T) []addressCase {
	t.Helper()
	var out []addressCase
	for p := 11; p <= 82; p++ {
		prov, ok := ident.LookupDivision(fmt.Sprintf("%02d", p))
		if !ok || strings.Contains(prov.Name, "市") {
			continue
		}
		for _, city := range ident.ChildDivisions(prov.Code) {
			if !strings.HasSuffix(city.Name, "市") || strings.Count(city.Name, "市") != 1 {
				continue
			}
			for _, county := range ident.ChildDivisions(city.Code) {
				rs := []rune(county.Name)
				if len(rs) < 2 || len(rs) > maxCountyRunes || !isCountyMarker(rs[len(rs)-1]) ||
					strings.ContainsFunc(string(rs[1:len(rs)-1]), isCountyMarker) {
					continue
				}
				out = append(out, addressCase{prov.Name, city.Name, county.Name})
			}
		}
	}
	if len(out) < 1000 {
		t.Fatalf("only %d real addresses", len(out))
	}
	return out
}

func TestAddressProperty(t *testing.T) {
	r := newTestRand()
	k := mustMasker(t, Mask{Func: MaskAddress}, nil)
	cases := realAddresses(t)
	exact := 0
	for i := range 5000 {
		c := cases[i%len(cases)]
		street := fmt.Sprintf("%s街道%s路%d号%d室", ident.RandomChineseName(r), ident.RandomChineseName(r), 1+r.IntN(300), 101+r.IntN(2000))
		head := c.province + c.city + c.county
		v := head + street
		out, null := k.Apply(v)
		if null {
			t.Fatalf("%s: null", v)
		}
		// The output is a prefix of the address, at most 12 runes, and holds
		// nothing of the street.
		if !strings.HasPrefix(v, out) || utf8.RuneCountInString(out) > maxAddressRunes || len(out) > len(head) {
			t.Fatalf("%s → %s: not a prefix within the county part", v, out)
		}
		if utf8.RuneCountInString(head) <= maxAddressRunes {
			if out != head {
				t.Fatalf("%s → %s, want %s", v, out, head)
			}
			exact++
		} else if out != c.province+c.city && out != c.province[:len(out)] {
			t.Fatalf("%s → %s, want %s or a shorter cut", v, out, c.province+c.city)
		}
		// Without the province the cut is city + county.
		if cc := c.city + c.county; utf8.RuneCountInString(cc) > maxAddressRunes {
			continue
		}
		if out, _ := k.Apply(c.city + c.county + street); out != c.city+c.county {
			t.Fatalf("%s → %s, want %s", c.city+c.county+street, out, c.city+c.county)
		}
	}
	if exact < 2500 {
		t.Fatalf("only %d of 5000 addresses checked exactly", exact)
	}
}

func TestNullifyProperty(t *testing.T) {
	r := newTestRand()
	k := mustMasker(t, Mask{Func: MaskNull}, nil)
	for range 3000 {
		v := ident.RandomResidentID(r, "")
		if out, null := k.Apply(v); out != "" || !null {
			t.Fatalf("nullify %s = %q, %v", v, out, null)
		}
	}
}

func TestRegexProperty(t *testing.T) {
	r := newTestRand()
	mobiles := mustMasker(t, Mask{Func: MaskRegex, Pattern: `1[3-9]\d{9}`}, nil)
	digits := mustMasker(t, Mask{Func: MaskRegex, Pattern: `\d`}, nil)
	for range 3000 {
		m1, m2 := ident.RandomMobile(r), ident.RandomMobile(r)
		name := ident.RandomChineseName(r)
		v := "联系人" + name + "，电话" + m1 + "，备用" + m2 + "。"
		out, null := mobiles.Apply(v)
		want := "联系人" + name + "，电话***********，备用***********。"
		if null || out != want {
			t.Fatalf("regex %s = %s, want %s", v, out, want)
		}
		if strings.Contains(out, m1) || strings.Contains(out, m2) {
			t.Fatalf("regex %s = %s holds a mobile", v, out)
		}
		out, _ = digits.Apply(v)
		if strings.ContainsAny(out, "0123456789") || utf8.RuneCountInString(out) != utf8.RuneCountInString(v) {
			t.Fatalf(`regex \d %s = %s`, v, out)
		}
	}
}

func TestSuggestMask(t *testing.T) {
	for _, tc := range []struct {
		format, name, typ string
		want              Mask
	}{
		{"resident_id", "公民身份号码", "C", Mask{Func: MaskKeep, N: 3, M: 4}},
		{"mobile", "联系电话", "C", Mask{Func: MaskKeep, N: 3, M: 4}},
		{"credit_code", "统一社会信用代码", "C", Mask{Func: MaskClear}},
		{"division", "行政区划代码", "C", Mask{Func: MaskNull}},
		{"", "银行卡号", "C", Mask{Func: MaskKeep, N: 6, M: 4}},
		{"", "收款账号", "C", Mask{Func: MaskKeep, N: 6, M: 4}},
		{"", "社保卡号", "C", Mask{Func: MaskKeep, N: 6, M: 4}},
		{"", "姓名", "C", Mask{Func: MaskKeep, N: 1}},
		{"", "法定代表人姓名", "C", Mask{Func: MaskKeep, N: 1}},
		{"", "户籍地址", "C", Mask{Func: MaskAddress}},
		{"", "现住址", "C", Mask{Func: MaskAddress}},
		{"", "住所", "C", Mask{Func: MaskAddress}},
		{"", "出生日期", "C", Mask{Func: MaskDate, Level: "year"}},
		{"", "生日", "C", Mask{Func: MaskDate, Level: "year"}},
		{"", "登记日期", "D", Mask{Func: MaskDate, Level: "year"}},
		{"", "更新时间", "T", Mask{Func: MaskDate, Level: "year"}},
		{"", "更新时间", "t", Mask{Func: MaskDate, Level: "year"}},
		{"", "企业名称", "C", Mask{Func: MaskNull}},
		{"", "备注", "M", Mask{Func: MaskNull}},
		{"", "", "", Mask{Func: MaskNull}},
	} {
		t.Run(tc.format+"/"+tc.name+"/"+tc.typ, func(t *testing.T) {
			got := SuggestMask(tc.format, tc.name, tc.typ)
			if got != tc.want {
				t.Fatalf("SuggestMask = %v, want %v", got, tc.want)
			}
			if err := got.Validate(); err != nil {
				t.Fatalf("suggested mask invalid: %v", err)
			}
		})
	}
}

func TestPseudonymKey(t *testing.T) {
	a, err := PseudonymKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := PseudonymKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || len(b) != 32 || bytes.Equal(a, b) {
		t.Fatalf("keys %x and %x: want two different 32-byte keys", a, b)
	}
	if _, err := NewMasker(Mask{Func: MaskPseudonym}, a); err != nil {
		t.Fatalf("NewMasker with a PseudonymKey: %v", err)
	}
}

// TestMaskerConcurrent: one Masker serves many goroutines (run with -race).
func TestMaskerConcurrent(t *testing.T) {
	k := mustMasker(t, Mask{Func: MaskPseudonym}, grantKey)
	r := newTestRand()
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = ident.RandomResidentID(r, "")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, id := range ids {
				if out, _ := k.Apply(id); out != hmacSM3Hex(grantKey, id) {
					t.Errorf("concurrent pseudonym of %s = %s", id, out)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkMaskPseudonym(b *testing.B) {
	k := mustMasker(b, Mask{Func: MaskPseudonym}, grantKey)
	b.ReportAllocs()
	for b.Loop() {
		k.Apply("440102198507230012")
	}
}

func BenchmarkMaskKeep(b *testing.B) {
	k := mustMasker(b, Mask{Func: MaskKeep, N: 3, M: 4}, nil)
	b.ReportAllocs()
	for b.Loop() {
		k.Apply("440102198507230012")
	}
}
