package share

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"pubdata/internal/apperr"
	"pubdata/internal/catalog"
	"pubdata/internal/httpx"
)

// The verification service (核实、比对; GD-290 §23 para 3, MZ §21, HZ §24):
// for data that is not shared, a consumer gives a key and the values it
// holds, and learns per value whether the source's record agrees — never
// the record itself.

// Results of a verification.
const (
	VerifyMatch    = "match"     // the record holds the claimed value
	VerifyNoMatch  = "no_match"  // it holds another value (or none)
	VerifyNoRecord = "no_record" // there is no record of the key in the grant's rows
)

// VerifyClaim is one verification: a key and the claimed values of some
// of the grant's items.
type VerifyClaim struct {
	Key    string            `json:"key"`
	Claims map[string]string `json:"claims"`
}

// verifyBody is the body of POST …/verify: one claim, or a batch.
type verifyBody struct {
	Key    *string           `json:"key,omitempty"`
	Claims map[string]string `json:"claims,omitempty"`
	Batch  []VerifyClaim     `json:"batch,omitempty"`
}

// VerifyResult is the answer to one claim: match when every claimed value
// matches, no_match when one does not (Fields says which), no_record when
// the key has no record the grant covers. Index is the claim's position in
// a batch.
type VerifyResult struct {
	Index  *int              `json:"index,omitempty"`
	Result string            `json:"result"`
	Fields map[string]string `json:"fields,omitempty"`
}

// VerifyBatch is the answer to a batch, in the batch's order.
type VerifyBatch struct {
	Results []VerifyResult `json:"results"`
	Count   int            `json:"count"`
	Summary map[string]int `json:"summary"`
}

// parseVerify reads and checks a verification body: a key and claims, or
// a batch of at most max of them; claims only on the grant's items.
func (c *compiled) parseVerify(body []byte, max int) ([]VerifyClaim, bool, error) {
	var in verifyBody
	if err := httpx.DecodeJSONBytes(body, &in); err != nil {
		return nil, false, err
	}
	single := in.Key != nil
	switch {
	case single && in.Batch != nil:
		return nil, false, apperr.Invalidf("share.verify.body", "batch", "请只给出 key 与 claims，或只给出 batch", "give either key and claims, or batch")
	case single:
		return []VerifyClaim{{Key: *in.Key, Claims: in.Claims}}, true, c.checkClaim(VerifyClaim{Key: *in.Key, Claims: in.Claims}, "")
	case in.Claims != nil:
		return nil, false, apperr.Invalidf("share.verify.key", "key", "请给出要核验记录的主键 key", "give the key of the record to verify")
	case len(in.Batch) == 0:
		return nil, false, apperr.Invalidf("share.verify.body", "batch", "请给出 key 与 claims，或非空的 batch", "give key and claims, or a non-empty batch")
	case len(in.Batch) > max:
		return nil, false, apperr.Invalidf("share.verify.batch_max", "batch", fmt.Sprintf("一次批量核验最多%d条，本次%d条", max, len(in.Batch)),
			fmt.Sprintf("a batch holds at most %d verifications, not %d", max, len(in.Batch)))
	}
	var errs apperr.List
	for i, v := range in.Batch {
		if err := c.checkClaim(v, fmt.Sprintf("batch[%d].", i)); err != nil {
			e, ok := apperr.As(err)
			if !ok {
				return nil, false, err
			}
			if e.Kind == apperr.Forbidden {
				return nil, false, e.WithRow(i + 1)
			}
			errs = append(errs, e.WithRow(i+1))
		}
	}
	if len(errs) > 0 {
		return nil, false, errs
	}
	return in.Batch, false, nil
}

// checkClaim checks one claim; prefix names its place in a batch.
func (c *compiled) checkClaim(v VerifyClaim, prefix string) error {
	if strings.TrimSpace(v.Key) == "" || len(v.Key) > maxKeyBytes || !utf8.ValidString(v.Key) {
		return apperr.Invalidf("share.verify.key", prefix+"key", "请给出要核验记录的主键 key", "give the key of the record to verify")
	}
	if len(v.Claims) == 0 {
		return apperr.Invalidf("share.verify.claims", prefix+"claims", "请给出至少一项要核验的信息项及其值", "give at least one item and the value to verify")
	}
	for name, val := range v.Claims {
		if _, ok := c.index[name]; !ok {
			return errNotGranted(prefix+"claims."+clip(name, 100), clip(name, 100))
		}
		if !utf8.ValidString(val) || utf8.RuneCountInString(val) > maxClaimRunes {
			return apperr.Invalidf("share.verify.value", prefix+"claims."+name, fmt.Sprintf("核验值须为不超过%d字的 UTF-8 文本", maxClaimRunes),
				fmt.Sprintf("a claimed value must be UTF-8 text of at most %d characters", maxClaimRunes))
		}
	}
	return nil
}

// serveVerify answers POST …/verify: per claimed item match or no_match,
// or no_record for the key. The values compare after trimming, resident
// IDs and credit codes in upper case. A key outside the grant's row scope
// is no_record (as for lookups: no existence oracle).
//
// Each claim counts as one call against the rate and the quota: a batch
// of n claims takes n tokens of the bucket and n units of the day's quota,
// all or none, and the units are recorded in the audit detail (Quota) so
// that the count rebuilt from the trail holds them. A batch that does not
// fit is refused without answering any claim. Otherwise one call could
// try a thousand values of one item for the price of one, and the
// per-item answers would tell which is right: the oracle over data that
// is not shared that verification must not be (GD-290 §23 para 3, HZ §24).
// For the same reason a batch may not claim the same item of the same key
// twice (verifyArgs).
func (s *Service) serveVerify(c *call) (*answer, error) {
	r := c.r
	if err := onlyParams(r); err != nil {
		return nil, err
	}
	raw, err := readBody(r)
	if err != nil {
		return nil, err
	}
	claims, single, err := c.c.parseVerify(raw, c.c.verifyMax)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, v := range claims {
		for name := range v.Claims {
			names[name] = true
		}
	}
	for name := range names {
		c.detail.Claims = append(c.detail.Claims, name)
	}
	slices.Sort(c.detail.Claims)
	if single {
		c.detail.Key = clip(claims[0].Key, 200)
	} else {
		c.detail.Keys = make([]string, len(claims))
		for i, v := range claims {
			c.detail.Keys[i] = clip(v.Key, 200)
		}
	}
	args, err := c.c.verifyArgs(claims, single)
	if err != nil {
		return nil, err
	}
	n := int64(len(claims))
	if rate := c.g.RatePerMinute; rate > 0 && n > rate {
		return nil, apperr.Invalidf("share.verify.batch_rate", "batch",
			fmt.Sprintf("每条核验计为一次调用：本批%d条，超过授权每分钟%d次的上限，请分批提交", n, rate),
			fmt.Sprintf("each verification counts as one call: the batch holds %d, more than the grant's %d per minute; split it", n, rate))
	}
	// admit took the call's first token; the batch's other claims take theirs.
	if ok, wait := s.limiterOf(c.g.ID).take(c.g.RatePerMinute, n-1, time.Now()); !ok {
		c.retry = wait
		return nil, errRateLimited
	}
	if err := s.charge(c, n); err != nil {
		return nil, err
	}
	results := make([]VerifyResult, len(claims))
	summary := map[string]int{VerifyMatch: 0, VerifyNoMatch: 0, VerifyNoRecord: 0}
	for i, v := range claims {
		vals, found, inScope, err := s.lookupRow(r.Context(), c.c, args[i])
		if err != nil {
			return nil, err
		}
		res := VerifyResult{Result: VerifyNoRecord}
		if found && !inScope {
			c.detail.OutOfScope++
		}
		if found && inScope {
			c.detail.Found++
			res.Result, res.Fields = VerifyMatch, make(map[string]string, len(v.Claims))
			for name, claimed := range v.Claims {
				col := &c.c.cols[c.c.index[name]]
				held, null := valueText(vals[c.c.index[name]], col.typ)
				if !null && normalize(col.format, held) == normalize(col.format, claimed) {
					res.Fields[name] = VerifyMatch
				} else {
					res.Fields[name] = VerifyNoMatch
					res.Result = VerifyNoMatch
				}
			}
		}
		summary[res.Result]++
		if !single {
			res.Index = new(int)
			*res.Index = i
		}
		results[i] = res
	}
	c.detail.Checks = len(claims)
	var out any = results[0]
	if !single {
		out = VerifyBatch{Results: results, Count: len(results), Summary: summary}
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return &answer{status: http.StatusOK, body: append(body, '\n')}, nil
}

// verifyArgs turns the claims' keys into the lookup's arguments, naming
// the claim of a bad key. It refuses a batch that claims one item of one
// key twice — keys compared as the lookup sees them ("…x" and " …X" are
// one key) — naming every repeated row and item.
func (c *compiled) verifyArgs(claims []VerifyClaim, single bool) ([][]any, error) {
	args := make([][]any, len(claims))
	for i, v := range claims {
		a, err := c.keyArgs(v.Key)
		if err != nil {
			if single {
				return nil, err
			}
			if e, ok := apperr.As(err); ok {
				return nil, e.WithField(fmt.Sprintf("batch[%d].key", i)).WithRow(i + 1)
			}
			return nil, err
		}
		args[i] = a
	}
	if single {
		return args, nil
	}
	first := make(map[string]int, len(claims))
	var errs apperr.List
	for i, v := range claims {
		key := c.keyFingerprint(args[i])
		names := make([]string, 0, len(v.Claims))
		for name := range v.Claims {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			pair := key + "\x00" + name
			j, seen := first[pair]
			if !seen {
				first[pair] = i
				continue
			}
			errs = append(errs, apperr.Invalidf("share.verify.repeated", fmt.Sprintf("batch[%d].claims.%s", i, name),
				fmt.Sprintf("第%d条与第%d条核验同一主键的同一信息项“%s”：一批中每个主键的每一信息项只能核验一次", i+1, j+1, name),
				fmt.Sprintf("row %d verifies the item %s of the same key as row %d: a batch may verify each item of a key only once", i+1, name, j+1)).WithRow(i+1))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return args, nil
}

// keyFingerprint is a key's lookup arguments as one string that is equal
// for two keys when the lookup finds the same record: typed values,
// decimals in lowest terms ("1.0" is "1"), times in UTC.
func (c *compiled) keyFingerprint(args []any) string {
	var b strings.Builder
	for i, k := range c.keys {
		switch x := args[i].(type) {
		case string:
			if r, ok := new(big.Rat).SetString(x); ok && (k.typ == catalog.TypeNumber || k.typ == catalog.TypeCurrency) {
				b.WriteString("n:" + r.RatString())
			} else {
				b.WriteString("s:" + x)
			}
		case time.Time:
			b.WriteString("t:" + x.UTC().Format(time.RFC3339Nano))
		default:
			fmt.Fprintf(&b, "%T:%v", x, x)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// readBody reads a request body within the router's limit.
func readBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, apperr.Invalidf("request.media_type", "", "请求体须为 application/json", "the body must be application/json")
		}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apperr.New(apperr.TooLarge, "request.too_large", fmt.Sprintf("请求体超过 %d 字节上限", mbe.Limit), fmt.Sprintf("the body exceeds the limit of %d bytes", mbe.Limit))
		}
		return nil, apperr.New(apperr.Invalid, "request.read", "无法读取请求体", "could not read the body")
	}
	return b, nil
}
