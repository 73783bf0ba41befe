package ginjwt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Verification of compact JWS tokens. golang-jwt's Parser decodes the
// header into a map and leaves several checks to the caller; ginjwt reads
// the header itself (strict base64url, no duplicate or critical members,
// the algorithm bound to the key), then verifies the signature with
// golang-jwt's signing methods and validates the claims with its
// Validator, so that its sentinels stay reachable through errors.Is.

var (
	errTooLarge     = errors.New("ginjwt: token exceeds the size limit")
	errCharset      = errors.New("ginjwt: token holds a character outside base64url")
	errSegments     = errors.New("ginjwt: token does not have three segments")
	errBase64       = errors.New("ginjwt: segment is not strict base64url")
	errUnknownKey   = errors.New("ginjwt: no key for the token's kid")
	errAlgorithm    = errors.New("ginjwt: algorithm not allowed for the key")
	errKeyfuncEmpty = errors.New("ginjwt: key function returned no key")
)

// b64 decodes segments: no padding, no trailing bits, and (with the
// charset check that comes first) no line breaks, which Go's decoders
// would otherwise skip.
var b64 = base64.RawURLEncoding.Strict()

// scratch holds the decoded segments of one token; it is pooled, so the
// request path allocates no buffers.
type scratch struct {
	in, header, payload, sig []byte
}

func (s *scratch) decode(dst *[]byte, seg string) ([]byte, error) {
	s.in = append(s.in[:0], seg...)
	n := b64.DecodedLen(len(seg))
	if cap(*dst) < n {
		*dst = make([]byte, n)
	}
	out := (*dst)[:n]
	n, err := b64.Decode(out, s.in)
	if err != nil {
		return nil, errBase64
	}
	return out[:n], nil
}

// parse verifies token and decodes its claims into claims. The order is
// deliberate: size and syntax first, then the key and the signature, and
// only then the claims, so that "expired" is never said of a forgery.
func (a *Auth) parse(ctx context.Context, token string, claims Claimer) (e *Error) {
	if len(token) > a.maxTokenSize {
		return newError(kindTokenMalformed, errTooLarge)
	}
	if !base64urlDotted(token) {
		return newError(kindTokenMalformed, errCharset)
	}
	if a.cache == nil {
		return a.verify(ctx, token, claims)
	}
	keys := a.keys.Load()
	if a.cache.get(token, claims, a.now(), keys) {
		return a.validate(claims)
	}
	if e = a.verify(ctx, token, claims); e == nil {
		a.cache.add(token, claims, a.now(), keys)
	}
	return e
}

// verify is parse past the size and charset checks, without the cache.
func (a *Auth) verify(ctx context.Context, token string, claims Claimer) *Error {
	d1 := strings.IndexByte(token, '.')
	d2 := d1 + 1 + strings.IndexByte(token[d1+1:], '.')
	if d1 < 0 || d2 <= d1 || strings.IndexByte(token[d2+1:], '.') >= 0 {
		return newError(kindTokenMalformed, errSegments)
	}
	s := a.scratch.Get().(*scratch)
	defer a.scratch.Put(s)

	// Header: the algorithm and the key.
	hb, err := s.decode(&s.header, token[:d1])
	if err != nil {
		return newError(kindTokenMalformed, err)
	}
	h, err := readHeader(hb)
	if err != nil {
		return headerError(err)
	}
	sig, err := s.decode(&s.sig, token[d2+1:])
	if err != nil {
		return newError(kindTokenMalformed, err)
	}

	// Signature.
	var payload []byte
	var decodeErr error // of the claims, judged once the signature verified
	var failed *Error
	if a.dynamicKeys {
		if payload, err = s.decode(&s.payload, token[d1+1:d2]); err != nil {
			return newError(kindTokenMalformed, err)
		}
		decodeErr, failed = a.verifyKeyfunc(ctx, token, &h, hb, payload, sig, claims)
	} else {
		payload, failed = a.verifyKeys(s, token, d1, d2, &h, sig)
	}
	if failed != nil {
		return failed
	}
	return a.readClaims(token, payload, decodeErr, claims)
}

// verifyKeys verifies the signature with the key set and returns the
// decoded payload.
func (a *Auth) verifyKeys(s *scratch, token string, d1, d2 int, h *header,
	sig []byte) ([]byte, *Error) {
	v := a.keys.Load().lookup(h)
	if v == nil {
		return nil, newError(kindTokenInvalid, errUnknownKey)
	}
	if string(h.alg) != v.alg {
		return nil, newError(kindTokenInvalid, errAlgorithm)
	}
	if err := v.verify(token[:d2], sig); err != nil {
		return nil, newError(kindTokenInvalid, err)
	}
	payload, err := s.decode(&s.payload, token[d1+1:d2])
	if err != nil {
		return nil, newError(kindTokenMalformed, err)
	}
	return payload, nil
}

// readClaims checks the payload of a verified token, decodes it into
// claims (unless a key function needed them decoded already, with
// decodeErr the outcome) and validates them.
func (a *Auth) readClaims(token string, payload []byte, decodeErr error,
	claims Claimer) *Error {
	if err := a.fields.checkPayload(payload); err != nil {
		if err == errDateType {
			return newError(kindInvalidClaims, err)
		}
		return newError(kindTokenMalformed, err)
	}
	if !a.dynamicKeys {
		decodeErr = json.Unmarshal(payload, claims)
	}
	if decodeErr != nil {
		// checkPayload found well-formed JSON, so a claim has a value its
		// type can not hold, such as "sub": 1 or "type": true.
		return newError(kindInvalidClaims, decodeErr)
	}
	claims.base().raw = token
	return a.validate(claims)
}

// validate checks the claims of a verified token against the clock, the
// configured issuer, audience and subject, and the claims type's own
// Validate method.
func (a *Auth) validate(claims Claimer) *Error {
	if err := a.validator.Validate(claims); err != nil {
		if e, ok := AsError(err); ok {
			return e
		}
		return newError(kindInvalidClaims, err)
	}
	return nil
}

// headerError maps a header problem to its code: broken JSON is
// malformed, an unusable algorithm or key reference is invalid.
func headerError(err error) *Error {
	switch err {
	case errAlgType, errAlgMissing, errKIDType, errCrit:
		return newError(kindTokenInvalid, err)
	}
	return newError(kindTokenMalformed, err)
}

// verifyKeyfunc verifies a token with the configured key function. Like
// golang-jwt's parser, it hands the function a token whose header and
// claims are decoded, after checking the algorithm against the allow-list.
// Unlike it, a payload that does not decode is reported (as decodeErr)
// only once the signature verified, as with a key set: a forged token is
// never told what is wrong with its claims.
func (a *Auth) verifyKeyfunc(ctx context.Context, token string, h *header,
	hb, payload, sig []byte, claims Claimer) (decodeErr error, e *Error) {
	m := a.algorithms[string(h.alg)]
	if m == nil {
		return nil, newError(kindTokenInvalid, errAlgorithm)
	}
	t := &jwt.Token{Raw: token, Method: m, Claims: claims}
	if err := json.Unmarshal(hb, &t.Header); err != nil {
		return nil, newError(kindTokenMalformed, err)
	}
	decodeErr = json.Unmarshal(payload, claims)
	t.Signature = append([]byte(nil), sig...)
	key, err := a.callKeyfunc(ctx, t)
	if err != nil {
		if errors.Is(err, ErrAuthUnavailable) ||
			errors.Is(err, context.DeadlineExceeded) ||
			errors.Is(err, context.Canceled) {
			return nil, newError(kindAuthUnavailable, err)
		}
		return nil, newError(kindTokenInvalid, err)
	}
	keys := []any{key}
	if set, ok := key.(jwt.VerificationKeySet); ok {
		keys = make([]any, len(set.Keys))
		for i, k := range set.Keys {
			keys[i] = k
		}
	}
	signingInput := token[:strings.LastIndexByte(token, '.')]
	err = errKeyfuncEmpty
	for _, k := range keys {
		if !usable(m, k) {
			continue
		}
		if err = m.Verify(signingInput, t.Signature, k); err == nil {
			return decodeErr, nil
		}
	}
	return nil, newError(kindTokenInvalid, err)
}

// callKeyfunc asks the key function for the token's key, within
// KeyTimeout when the source honours a context.
func (a *Auth) callKeyfunc(ctx context.Context, t *jwt.Token) (any, error) {
	if a.keySource == nil {
		return a.keyfunc(t)
	}
	ctx, cancel := context.WithTimeout(ctx, a.keyTimeout)
	defer cancel()
	return a.keySource.KeyfuncCtx(ctx)(t)
}

// usable reports whether a key from a key function fits the algorithm: an
// HMAC secret long enough for an HS* token, otherwise a public key of the
// right type, curve and size. A key that does not fit is never tried, so
// a key set can not be turned against itself (an RSA key as HMAC secret).
func usable(m jwt.SigningMethod, k any) bool {
	if hm, ok := m.(*jwt.SigningMethodHMAC); ok {
		b, ok := k.([]byte)
		return ok && len(b) >= hm.Hash.Size()
	}
	return k != nil && fits(m.Alg(), k) == nil
}

// base64urlDotted reports whether s holds only base64url characters and
// dots: no padding, no whitespace, no control characters.
func base64urlDotted(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
			'0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
