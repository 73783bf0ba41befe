package ginjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cases of SECURITY.md, sent through the real middleware on a real gin
// engine. Every refusal is checked the same way: the status of its code,
// a release-mode body of exactly {"error", "msg"}, no trace of the token
// or its kid anywhere in the response, and a handler that never ran.

// attempt sends req to /p behind a's middleware in release mode, and
// reports the reply and whether the handler ran.
func attempt(t testing.TB, a *Auth, req *http.Request, opts ...Option) (reply, bool) {
	t.Helper()
	ran := false
	r := gin.New()
	r.Any("/p", a.Middleware(opts...), func(c *gin.Context) {
		ran = true
		id, _ := Identity(c)
		c.JSON(http.StatusOK, gin.H{"identity": id})
	})
	var res reply
	withMode(t, gin.ReleaseMode, func() { res = serve(t, r, req) })
	return res, ran
}

// attemptToken sends token as a Bearer token.
func attemptToken(t testing.TB, a *Auth, token string, opts ...Option) (reply, bool) {
	t.Helper()
	return attempt(t, a, get("/p", bearer(token)), opts...)
}

// assertRefused checks a refusal with code and its default message.
// hidden are strings of the request (the token, a kid) that must not
// come back in the body or the headers.
func assertRefused(t testing.TB, res reply, ran bool, code string, hidden ...string) {
	t.Helper()
	k, ok := kindOf(code)
	require.True(t, ok, "unknown code %q", code)
	assertRefusedWith(t, res, ran, code, taxonomy[k].message, hidden...)
}

// assertRefusedWith is assertRefused with the message given.
func assertRefusedWith(t testing.TB, res reply, ran bool, code, msg string,
	hidden ...string) {
	t.Helper()
	k, ok := kindOf(code)
	require.True(t, ok, "unknown code %q", code)
	assert.False(t, ran, "the handler ran")
	assert.Equal(t, taxonomy[k].status, res.Status, "body %s", res.Raw)
	want, err := json.Marshal(map[string]string{"error": code, "msg": msg})
	require.NoError(t, err)
	assert.JSONEq(t, string(want), res.Raw)
	assert.True(t, strings.HasPrefix(res.Header.Get("Content-Type"),
		"application/json"), "content type %q", res.Header.Get("Content-Type"))
	for _, s := range hidden {
		if s == "" {
			continue
		}
		assert.NotContains(t, res.Raw, s, "the body echoes the request")
		for name, values := range res.Header {
			for _, v := range values {
				assert.NotContains(t, v, s, "header %s echoes the request", name)
			}
		}
	}
}

// assertAccepted checks that the handler ran for identity.
func assertAccepted(t testing.TB, res reply, ran bool, identity string) {
	t.Helper()
	assert.True(t, ran, "the handler did not run; body %s", res.Raw)
	assert.Equal(t, http.StatusOK, res.Status, "body %s", res.Raw)
	assert.Equal(t, identity, res.Body["identity"])
}

// hs256 signs header and payload with the test secret.
func hs256(t testing.TB, header, payload string) string {
	t.Helper()
	return forge(t, jwt.SigningMethodHS256, testSecret, header, payload)
}

// hmacSHA256 builds an HS256 token with any key, even one golang-jwt
// would not sign with, such as an empty one.
func hmacSHA256(key []byte, header, payload string) string {
	input := segment(header) + "." + segment(payload)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// parts splits a compact token into its three segments.
func parts(t testing.TB, token string) (header, payload, sig string) {
	t.Helper()
	p := strings.Split(token, ".")
	require.Len(t, p, 3)
	return p[0], p[1], p[2]
}

// withSig replaces a token's signature with sig.
func withSig(t testing.TB, token string, sig []byte) string {
	t.Helper()
	h, p, _ := parts(t, token)
	return h + "." + p + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// sigOf decodes a token's signature.
func sigOf(t testing.TB, token string) []byte {
	t.Helper()
	_, _, s := parts(t, token)
	sig, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	return sig
}

// otherKey returns a key of alg that the Auth of keyFor does not hold.
func otherKey(t testing.TB, alg string) Key {
	t.Helper()
	loadKeys()
	switch alg[:2] {
	case "HS":
		secret := []byte(strings.Repeat("another secret, ", 4))
		return Key{Algorithm: alg, Secret: secret}
	case "RS", "PS":
		return Key{Algorithm: alg, Private: rsaKey2}
	case "ES":
		k, err := ecdsa.GenerateKey(ecKeys[alg].Curve, rand.Reader)
		require.NoError(t, err)
		return Key{Algorithm: alg, Private: k}
	}
	_, k, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return Key{Algorithm: alg, Private: k}
}

var allAlgorithms = []string{
	"HS256", "HS384", "HS512",
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512",
	"EdDSA",
}

func TestEveryAlgorithmFamily(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(alg, func(t *testing.T) {
			key := keyFor(t, alg)
			a := newAuth(t, func(c *Config) { c.Keys = []Key{key} })
			foreign := newAuth(t, func(c *Config) { c.Keys = []Key{otherKey(t, alg)} })
			good := access(t, a, "alice")
			bob := segment(payloadOf("bob", ""))

			sig := sigOf(t, good)
			sig[len(sig)/2] ^= 0x01
			flipped := withSig(t, good, sig)
			h, _, s := parts(t, good)
			edited := h + "." + segment(payloadOf("admin", "")) + "." + s
			fromOther := access(t, foreign, "alice")

			res, ran := attemptToken(t, a, good)
			assertAccepted(t, res, ran, "alice")
			for name, bad := range map[string]string{
				"signature bit flipped":       flipped,
				"payload edited":              edited,
				"signed by another key":       fromOther,
				"signature of another token":  h + "." + bob + "." + s,
				"signature cut to half":       withSig(t, good, sig[:len(sig)/2]),
				"signature with a byte added": withSig(t, good, append(sigOf(t, good), 0)),
			} {
				t.Run(name, func(t *testing.T) {
					res, ran := attemptToken(t, a, bad)
					assertRefused(t, res, ran, CodeTokenInvalid, bad)
				})
			}
		})
	}
}

func TestAlgNoneIsRefused(t *testing.T) {
	a := newAuth(t, nil)
	good := access(t, a, "alice")
	_, p, s := parts(t, good)

	type tc struct{ name, token string }
	var tests []tc
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		h := segment(`{"alg":"`+alg+`","typ":"JWT"}`) + "." + p + "."
		tests = append(tests,
			tc{alg + " with empty signature", h},
			tc{alg + " with the original signature", h + s},
		)
	}
	tests = append(tests, tc{"HS256 with empty signature", strings.TrimSuffix(good, s)})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ran := attemptToken(t, a, tt.token)
			assertRefused(t, res, ran, CodeTokenInvalid, tt.token)
		})
	}
}

func TestTamperedTokensAreRefused(t *testing.T) {
	a := newAuth(t, nil)
	good := access(t, a, "alice")
	h, p, s := parts(t, good)
	sig := sigOf(t, good)

	oneBit := func(i int, bit byte) string {
		b := append([]byte(nil), sig...)
		b[i] ^= bit
		return withSig(t, good, b)
	}
	tests := []struct{ name, token string }{
		{"first bit of the signature", oneBit(0, 0x80)},
		{"last bit of the signature", oneBit(len(sig)-1, 0x01)},
		{"signature cut by one byte", withSig(t, good, sig[:len(sig)-1])},
		{"signature cut to one byte", withSig(t, good, sig[:1])},
		{"payload edited", h + "." + segment(payloadOf("admin", "")) + "." + s},
		{"payload extended", h + "." + segment(payloadOf("alice", `"role":"admin"`)) + "." + s},
		{"header edited", segment(`{"alg":"HS256","typ":"JWS"}`) + "." + p + "." + s},
		{"header with a kid added", segment(`{"alg":"HS256","kid":"x"}`) + "." + p + "." + s},
		{"signature of the header alone", h + "." + p + "." +
			base64.RawURLEncoding.EncodeToString(hmacOf(testSecret, h))},
		{"segments swapped", p + "." + h + "." + s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ran := attemptToken(t, a, tt.token)
			assertRefused(t, res, ran, CodeTokenInvalid, tt.token)
		})
	}
}

func hmacOf(key []byte, input string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(input))
	return mac.Sum(nil)
}

func TestOneAlgorithmPerKey(t *testing.T) {
	loadKeys()
	rs := newAuth(t, func(c *Config) { c.Keys = []Key{keyFor(t, "RS256")} })
	ps := newAuth(t, func(c *Config) { c.Keys = []Key{keyFor(t, "PS256")} })
	hs := newAuth(t, func(c *Config) { c.Keys = []Key{keyFor(t, "HS256")} })
	secret := keyFor(t, "HS256").Secret
	payload := payloadOf("alice", "")
	sign := func(m jwt.SigningMethod, key any) string {
		return forge(t, m, key, `{"alg":"`+m.Alg()+`","typ":"JWT"}`, payload)
	}

	tests := []struct {
		name  string
		auth  *Auth
		token string
	}{
		{"RS512 by the RS256 key", rs, sign(jwt.SigningMethodRS512, rsaKey)},
		{"RS384 by the RS256 key", rs, sign(jwt.SigningMethodRS384, rsaKey)},
		{"PS256 by the RS256 key", rs, sign(jwt.SigningMethodPS256, rsaKey)},
		{"PS512 by the RS256 key", rs, sign(jwt.SigningMethodPS512, rsaKey)},
		{"RS256 by the PS256 key", ps, sign(jwt.SigningMethodRS256, rsaKey)},
		{"PS384 by the PS256 key", ps, sign(jwt.SigningMethodPS384, rsaKey)},
		{"HS512 by the HS256 secret", hs, sign(jwt.SigningMethodHS512, secret)},
		{"HS384 by the HS256 secret", hs, sign(jwt.SigningMethodHS384, secret)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ran := attemptToken(t, tt.auth, tt.token)
			assertRefused(t, res, ran, CodeTokenInvalid, tt.token)
		})
	}
}

func TestOddAlgValues(t *testing.T) {
	a := newAuth(t, nil)
	payload := payloadOf("alice", "")
	tests := []struct{ name, header string }{
		{"lower case", `{"alg":"hs256"}`},
		{"mixed case", `{"alg":"Hs256"}`},
		{"trailing space", `{"alg":"HS256 "}`},
		{"leading space", `{"alg":" HS256"}`},
		{"trailing NUL", `{"alg":"HS256\u0000"}`},
		{"unknown", `{"alg":"HS257"}`},
		{"empty", `{"alg":""}`},
		{"a number", `{"alg":256}`},
		{"an array", `{"alg":["HS256"]}`},
		{"an object", `{"alg":{"name":"HS256"}}`},
		{"true", `{"alg":true}`},
		{"null", `{"alg":null}`},
		{"absent", `{"typ":"JWT"}`},
		{"upper-case name", `{"ALG":"HS256"}`},
		{"empty header", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := hs256(t, tt.header, payload)
			res, ran := attemptToken(t, a, token)
			assertRefused(t, res, ran, CodeTokenInvalid, token)
		})
	}
	t.Run("escaped but equal", func(t *testing.T) {
		// JSON escapes do not change a string: this alg is HS256.
		token := hs256(t, `{"alg":"HS\u0032\u00356"}`, payload)
		res, ran := attemptToken(t, a, token)
		assertAccepted(t, res, ran, "alice")
	})
}

// ecSig encodes r and s as a JWS ECDSA signature of size bytes each.
func ecSig(r, s *big.Int, size int) []byte {
	sig := make([]byte, 2*size)
	r.FillBytes(sig[:size])
	s.FillBytes(sig[size:])
	return sig
}

// derSig encodes r and s as an ASN.1 DER ECDSA signature.
func derSig(r, s *big.Int) []byte {
	integer := func(n *big.Int) []byte {
		b := n.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return append([]byte{0x02, byte(len(b))}, b...)
	}
	body := append(integer(r), integer(s)...)
	return append([]byte{0x30, byte(len(body))}, body...)
}

func TestECDSAPsychicAndMisshapenSignatures(t *testing.T) {
	key := keyFor(t, "ES256")
	a := newAuth(t, func(c *Config) { c.Keys = []Key{key} })
	good := access(t, a, "alice")
	sig := sigOf(t, good)
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	n := elliptic.P256().Params().N
	zero := new(big.Int)

	tests := []struct {
		name string
		sig  []byte
	}{
		{"r and s zero", ecSig(zero, zero, 32)},
		{"r zero", ecSig(zero, s, 32)},
		{"s zero", ecSig(r, zero, 32)},
		{"r and s the curve order", ecSig(n, n, 32)},
		{"r the curve order", ecSig(n, s, 32)},
		{"s the curve order", ecSig(r, n, 32)},
		{"all ones", []byte(strings.Repeat("\xff", 64))},
		{"DER encoded", derSig(r, s)},
		{"63 bytes", sig[1:]},
		{"65 bytes", append([]byte{0}, sig...)},
		{"r only", sig[:32]},
		{"empty", []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := withSig(t, good, tt.sig)
			res, ran := attemptToken(t, a, token)
			assertRefused(t, res, ran, CodeTokenInvalid, token)
		})
	}
}

func TestPSSSaltMustEqualTheHash(t *testing.T) {
	loadKeys()
	a := newAuth(t, func(c *Config) { c.Keys = []Key{keyFor(t, "PS256")} })
	input := segment(`{"alg":"PS256","typ":"JWT"}`) + "." + segment(payloadOf("alice", ""))
	digest := sha256.Sum256([]byte(input))
	sign := func(salt int) string {
		sig, err := rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA256, digest[:],
			&rsa.PSSOptions{SaltLength: salt})
		require.NoError(t, err)
		return input + "." + base64.RawURLEncoding.EncodeToString(sig)
	}

	res, ran := attemptToken(t, a, sign(32))
	require.True(t, ran, "a salt of the hash length must verify: %s", res.Raw)

	tests := []struct {
		name string
		salt int
	}{
		{"no salt", 0},
		{"20-byte salt", 20},
		{"33-byte salt", 33},
		{"longest salt", rsa.PSSSaltLengthAuto},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := sign(tt.salt)
			res, ran := attemptToken(t, a, token)
			assertRefused(t, res, ran, CodeTokenInvalid, token)
		})
	}
}
