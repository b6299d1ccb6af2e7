package ident

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// The generators below make synthetic but valid identifiers for demo and
// test data. They are deterministic given the *rand.Rand and panic on
// arguments that cannot give a valid result, which is a programming error.

// GenerateResidentID returns a valid resident identity number for the
// 6-digit address code region, the calendar date of birth (in birth's
// location) and the sex, with a random sequence code (1–999, odd for male,
// even for female). It panics if region is not 6 digits with a valid
// province prefix or the birth year is not 1900–9999. The number validates
// only once birth is not in the future.
func GenerateResidentID(r *rand.Rand, region string, birth time.Time, male bool) string {
	if len(region) != 6 || !isDigits(region) || !provinceCodes[atoi(region[:2])] {
		panic(fmt.Sprintf("ident.GenerateResidentID: bad region %q", region))
	}
	y, m, d := birth.Date()
	if y < MinBirthYear || y > 9999 {
		panic(fmt.Sprintf("ident.GenerateResidentID: birth year %d out of range", y))
	}
	seq := 2 * (1 + r.IntN(499)) // 2–998
	if male {
		seq = 2*r.IntN(500) + 1 // 1–999
	}
	b := make([]byte, 0, 18)
	b = append(b, region...)
	b = fmt.Appendf(b, "%04d%02d%02d%03d", y, int(m), d, seq)
	b = append(b, residentCheckChar(residentSum(string(b))))
	return string(b)
}

var (
	randomBirthMin = time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	randomBirthMax = time.Date(2015, 12, 31, 0, 0, 0, 0, time.UTC)
)

// RandomResidentID returns a valid resident identity number for region
// (6 digits; "" for a random county of Guangdong) with a random birth date
// from 1940-01-01 to 2015-12-31 and a random sex.
func RandomResidentID(r *rand.Rand, region string) string {
	if region == "" {
		region = randomGuangdong(r, County)
	}
	days := int(randomBirthMax.Sub(randomBirthMin).Hours()/24) + 1
	birth := randomBirthMin.AddDate(0, 0, r.IntN(days))
	return GenerateResidentID(r, region, birth, r.IntN(2) == 0)
}

// GenerateCreditCode returns a valid unified social credit code with the
// given department (position 1) and category (position 2), the 6-digit
// region and a random organisation code body whose last character is the
// GB 11714 check character of the 8 before it. It panics if the
// department/category pair is not one of GB 32100 or region is not 6
// digits.
func GenerateCreditCode(r *rand.Rand, dept, category byte, region string) string {
	if category < '0' || category > '9' || !creditPair[dept][category-'0'] {
		panic(fmt.Sprintf("ident.GenerateCreditCode: bad department/category %q/%q", dept, category))
	}
	if len(region) != 6 || !isDigits(region) {
		panic(fmt.Sprintf("ident.GenerateCreditCode: bad region %q", region))
	}
	b := make([]byte, 0, 18)
	b = append(b, dept, category)
	b = append(b, region...)
	b = appendOrgCode(r, b)
	b = append(b, creditCheckChar(creditSum(string(b))))
	return string(b)
}

// orgWeights are the GB 11714-1997 organisation code weights.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// appendOrgCode appends a random 9-character GB 11714 organisation code:
// 8 characters (a letter first in one case of ten, as some newer bodies
// have) and their check character, '0'–'9' or 'X'. Letters are drawn from
// the GB 32100 set; a letter's GB 11714 value is 10 + its alphabet index.
func appendOrgCode(r *rand.Rand, b []byte) []byte {
	sum := 0
	for i := 0; i < 8; i++ {
		var c byte
		if i == 0 && r.IntN(10) == 0 {
			c = creditCharset[10+r.IntN(len(creditCharset)-10)]
		} else {
			c = byte('0' + r.IntN(10))
		}
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		sum += v * orgWeights[i]
		b = append(b, c)
	}
	switch c := 11 - sum%11; c {
	case 10:
		b = append(b, 'X')
	case 11:
		b = append(b, '0')
	default:
		b = append(b, byte('0'+c))
	}
	return b
}

// creditKinds are the department/category pairs RandomCreditCode draws,
// with weights out of 100: mostly enterprises.
var creditKinds = []struct {
	dept, cat byte
	weight    int
}{
	{'9', '1', 75}, // 企业
	{'9', '2', 8},  // 个体工商户
	{'9', '3', 3},  // 农民专业合作社
	{'1', '1', 3},  // 机关
	{'1', '2', 4},  // 事业单位
	{'5', '1', 3},  // 社会团体
	{'5', '2', 3},  // 民办非企业单位
	{'5', '3', 1},  // 基金会
}

// RandomCreditCode returns a valid unified social credit code for region
// (6 digits; "" for a random prefecture of Guangdong), mostly of
// enterprises (91), sometimes of other common kinds.
func RandomCreditCode(r *rand.Rand, region string) string {
	if region == "" {
		region = randomGuangdong(r, City)
	}
	n := r.IntN(100)
	for _, k := range creditKinds {
		if n < k.weight {
			return GenerateCreditCode(r, k.dept, k.cat, region)
		}
		n -= k.weight
	}
	return GenerateCreditCode(r, '9', '1', region)
}

// randomGuangdong returns the code of a random Guangdong division of the
// given level.
func randomGuangdong(r *rand.Rand, level Level) string {
	ds := guangdong(level)
	return ds[r.IntN(len(ds))].Code
}

// guangdong returns the Guangdong divisions of a level (City or County),
// in code order. 东莞 and 中山, prefecture-level cities without counties,
// count as counties as well.
func guangdong(level Level) []Division {
	gd := guangdongDivisions()
	if level == City {
		return gd.cities
	}
	return gd.counties
}

var guangdongDivisions = sync.OnceValue(func() (v struct{ cities, counties []Division }) {
	for _, d := range allDivisions() {
		if d.Code[:2] != "44" {
			continue
		}
		switch d.Level {
		case City:
			v.cities = append(v.cities, d)
			if len(ChildDivisions(d.Code)) == 0 {
				v.counties = append(v.counties, d)
			}
		case County:
			v.counties = append(v.counties, d)
		}
	}
	return v
})

// mobilePrefixes are three-digit prefixes of mainland mobile networks.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"147", "150", "151", "152", "153", "155", "156", "157", "158", "159",
	"166", "172", "173", "175", "176", "177", "178",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
	"191", "193", "195", "196", "197", "198", "199",
}

// RandomMobile returns a random valid 11-digit mobile number (no prefix)
// with a real network prefix.
func RandomMobile(r *rand.Rand) string {
	b := make([]byte, 0, 11)
	b = append(b, mobilePrefixes[r.IntN(len(mobilePrefixes))]...)
	for len(b) < 11 {
		b = append(b, byte('0'+r.IntN(10)))
	}
	return string(b)
}

// RandomChineseName returns a random Chinese personal name: a common
// surname and one or (mostly) two given-name characters.
func RandomChineseName(r *rand.Rand) string {
	s := surnames[r.IntN(len(surnames))]
	n := 2
	if r.IntN(10) < 3 {
		n = 1
	}
	for range n {
		s += string(givenChars[r.IntN(len(givenChars))])
	}
	return s
}
