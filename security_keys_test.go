package ginjwt

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Keys come from the Auth, never from the token: an algorithm is bound
// to each key, a kid names a key or nothing, and nothing in a header is
// fetched or trusted.

// publicEncodings returns the encodings of a public key an attacker may
// try as an HMAC secret.
func publicEncodings(t testing.TB, pub any) map[string][]byte {
	t.Helper()
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pemOf := func(typ string, der []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	}
	enc := map[string][]byte{
		"PEM PKIX":                   pemOf("PUBLIC KEY", pkix),
		"PEM PKIX without newline":   trimNewline(pemOf("PUBLIC KEY", pkix)),
		"PEM PKIX with CRLF":         crlf(pemOf("PUBLIC KEY", pkix)),
		"DER PKIX":                   pkix,
		"base64 of DER PKIX":         []byte(base64.StdEncoding.EncodeToString(pkix)),
		"JWK JSON":                   jwkJSON(t, pub),
		"JWK JSON with a newline":    append(jwkJSON(t, pub), '\n'),
		"PEM PKIX with two newlines": append(pemOf("PUBLIC KEY", pkix), '\n'),
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		pkcs1 := x509.MarshalPKCS1PublicKey(k)
		enc["PEM PKCS1"] = pemOf("RSA PUBLIC KEY", pkcs1)
		enc["PEM PKCS1 without newline"] = trimNewline(pemOf("RSA PUBLIC KEY", pkcs1))
		enc["DER PKCS1"] = pkcs1
		enc["modulus bytes"] = k.N.Bytes()
	case *ecdsa.PublicKey:
		point, err := k.Bytes()
		require.NoError(t, err)
		enc["uncompressed point"] = point
	}
	return enc
}

func trimNewline(b []byte) []byte { return []byte(strings.TrimRight(string(b), "\n")) }

func crlf(b []byte) []byte { return []byte(strings.ReplaceAll(string(b), "\n", "\r\n")) }

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkJSON encodes a public key as an RFC 7517 JWK.
func jwkJSON(t testing.TB, pub any) []byte {
	t.Helper()
	var jwk map[string]string
	switch k := pub.(type) {
	case *rsa.PublicKey:
		jwk = map[string]string{"kty": "RSA", "n": b64url(k.N.Bytes()),
			"e": b64url(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		point, err := k.Bytes()
		require.NoError(t, err)
		jwk = map[string]string{"kty": "EC", "crv": k.Curve.Params().Name,
			"x": b64url(point[1 : 1+size]), "y": b64url(point[1+size:])}
	default:
		t.Fatalf("no JWK for %T", pub)
	}
	b, err := json.Marshal(jwk)
	require.NoError(t, err)
	return b
}

func TestKeyConfusion(t *testing.T) {
	loadKeys()
	rsaPub, ecPub := &rsaKey.PublicKey, &ecKeys["ES256"].PublicKey
	rs := newAuth(t, func(c *Config) {
		c.Keys = []Key{{Algorithm: "RS256", Public: rsaPub}}
	})
	es := newAuth(t, func(c *Config) {
		c.Keys = []Key{{Algorithm: "ES256", Public: ecPub}}
	})
	rsFunc := newAuth(t, func(c *Config) {
		c.Keys = nil
		c.Keyfunc = func(*jwt.Token) (any, error) { return rsaPub, nil }
		c.Algorithms = []string{"RS256"}
	})
	// Even with HS256 allowed, a public key is never an HMAC secret.
	mixedFunc := newAuth(t, func(c *Config) {
		c.Keys = nil
		c.Keyfunc = func(*jwt.Token) (any, error) { return rsaPub, nil }
		c.Algorithms = []string{"RS256", "HS256"}
	})
	ecFunc := newAuth(t, func(c *Config) {
		c.Keys = nil
		c.Keyfunc = func(*jwt.Token) (any, error) { return ecPub, nil }
		c.Algorithms = []string{"ES256", "HS256"}
	})
	payload := payloadOf("alice", "")

	type auth struct {
		name string
		auth *Auth
	}
	targets := []struct {
		name  string
		pub   any
		auths []auth
	}{
		{"RSA", rsaPub, []auth{{"RS256 key", rs}, {"RS256 keyfunc", rsFunc},
			{"RS256 and HS256 keyfunc", mixedFunc}}},
		{"EC", ecPub, []auth{{"ES256 key", es}, {"ES256 and HS256 keyfunc", ecFunc}}},
	}
	for _, target := range targets {
		for enc, secret := range publicEncodings(t, target.pub) {
			for _, au := range target.auths {
				a := au.auth
				t.Run(target.name+"/"+enc+"/"+au.name, func(t *testing.T) {
					for _, header := range []string{
						`{"alg":"HS256","typ":"JWT"}`, `{"alg":"HS256"}`,
					} {
						token := hmacSHA256(secret, header, payload)
						res, ran := attemptToken(t, a, token)
						assertRefused(t, res, ran, CodeTokenInvalid, token)
					}
				})
			}
		}
	}
}

// recordingServer counts every request it receives.
func recordingServer(t testing.TB) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// selfSigned returns a DER certificate for the key of signer.
func selfSigned(t testing.TB, key *rsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "attacker"},
		NotBefore:    testNow.Add(-time.Hour),
		NotAfter:     testNow.Add(time.Hour),
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return der
}

func TestKeysInTheHeaderAreNeverUsed(t *testing.T) {
	loadKeys()
	srv, hits := recordingServer(t)
	attacker := rsaKey2
	jwk := string(jwkJSON(t, &attacker.PublicKey))
	x5c := base64.StdEncoding.EncodeToString(selfSigned(t, attacker))
	rs := newAuth(t, func(c *Config) { c.Keys = []Key{keyFor(t, "RS256")} })
	keyed := newAuth(t, func(c *Config) {
		c.Keys = []Key{{ID: "server", Algorithm: "RS256", Private: rsaKey}}
	})
	hs := newAuth(t, nil)
	payload := payloadOf("alice", "")
	octJWK := `{"kty":"oct","k":"` + b64url([]byte(strings.Repeat("k", 32))) + `"}`

	tests := []struct {
		name   string
		auth   *Auth
		header string
		sign   func(input string) []byte
	}{
		{"embedded jwk", rs, `{"alg":"RS256","jwk":` + jwk + `}`, nil},
		{"embedded jwk with kid", keyed,
			`{"alg":"RS256","kid":"server","jwk":` + jwk + `}`, nil},
		{"jku", rs, `{"alg":"RS256","jku":"` + srv.URL + `/jwks.json"}`, nil},
		{"jku with kid", keyed,
			`{"alg":"RS256","kid":"server","jku":"` + srv.URL + `/jwks.json"}`, nil},
		{"x5u", rs, `{"alg":"RS256","x5u":"` + srv.URL + `/cert.pem"}`, nil},
		{"x5c", rs, `{"alg":"RS256","x5c":["` + x5c + `"]}`, nil},
		{"x5c with kid", keyed, `{"alg":"RS256","kid":"server","x5c":["` + x5c + `"]}`, nil},
		{"all of them", keyed, `{"alg":"RS256","kid":"server","jwk":` + jwk +
			`,"jku":"` + srv.URL + `","x5u":"` + srv.URL + `","x5c":["` + x5c + `"]}`, nil},
		{"oct jwk on an HMAC Auth", hs, `{"alg":"HS256","jwk":` + octJWK + `}`,
			func(input string) []byte { return hmacOf([]byte(strings.Repeat("k", 32)), input) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var token string
			if tt.sign == nil {
				token = forge(t, jwt.SigningMethodRS256, attacker, tt.header, payload)
			} else {
				input := segment(tt.header) + "." + segment(payload)
				token = input + "." + b64url(tt.sign(input))
			}
			res, ran := attemptToken(t, tt.auth, token)
			assertRefused(t, res, ran, CodeTokenInvalid, token, srv.URL)
		})
	}
	assert.Zero(t, hits.Load(), "a URL of a token header was fetched")
}

func TestKIDIsOnlyAName(t *testing.T) {
	s1 := []byte(strings.Repeat("1", 32))
	s2 := []byte(strings.Repeat("2", 32))
	pair := newAuth(t, func(c *Config) {
		c.Keys = []Key{
			{ID: "k1", Algorithm: "HS256", Secret: s1},
			{ID: "k2", Algorithm: "HS256", Secret: s2},
		}
		c.SigningKeyID = "k1"
	})
	single := newAuth(t, nil)
	named := newAuth(t, func(c *Config) {
		c.Keys = []Key{{ID: "k1", Algorithm: "HS256", Secret: testSecret}}
	})
	payload := payloadOf("alice", "")

	kids := []struct{ name, kid string }{
		{"path traversal", `"../../etc/passwd"`},
		{"absolute path", `"/dev/null"`},
		{"escaped path", `"..\/..\/..\/dev\/null"`},
		{"SQL", `"' OR '1'='1"`},
		{"SQL union", `"x' UNION SELECT 'secret' --"`},
		{"shell", `"$(touch /tmp/ginjwt-kid)"`},
		{"shell backticks", "\"`id`\""},
		{"URL", `"https://attacker.example/key"`},
		{"NUL", `"k1\u0000"`},
		{"trailing space", `"k1 "`},
		{"upper case", `"K1"`},
		{"a number", `1`},
		{"an object", `{"id":"k1"}`},
		{"an array", `["k1"]`},
		{"null", `null`},
		{"true", `true`},
		{"empty", `""`},
		{"unknown", `"k3"`},
	}
	auths := []struct {
		name    string
		auth    *Auth
		secrets [][]byte
	}{
		{"two keys", pair, [][]byte{s1, s2, nil, {}}},
		{"one key without ID", single, [][]byte{testSecret, nil, {}}},
		{"one key with ID", named, [][]byte{testSecret, nil, {}}},
	}
	for _, au := range auths {
		for _, kid := range kids {
			t.Run(au.name+"/"+kid.name, func(t *testing.T) {
				header := `{"alg":"HS256","kid":` + kid.kid + `}`
				for _, secret := range au.secrets {
					token := hmacSHA256(secret, header, payload)
					res, ran := attemptToken(t, au.auth, token)
					assertRefused(t, res, ran, CodeTokenInvalid, token)
				}
			})
		}
	}
	assert.NoFileExists(t, "/tmp/ginjwt-kid")

	accepted := []struct {
		name, header string
		auth         *Auth
		secret       []byte
	}{
		{"k1 of two", `{"alg":"HS256","kid":"k1"}`, pair, s1},
		{"k2 of two", `{"alg":"HS256","kid":"k2"}`, pair, s2},
		{"escaped k2 of two", `{"alg":"HS256","kid":"\u006b2"}`, pair, s2},
		{"no kid with one key", `{"alg":"HS256"}`, single, testSecret},
		{"no kid with one named key", `{"alg":"HS256"}`, named, testSecret},
		{"its kid with one named key", `{"alg":"HS256","kid":"k1"}`, named, testSecret},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			res, ran := attemptToken(t, tt.auth, hmacSHA256(tt.secret, tt.header, payload))
			assertAccepted(t, res, ran, "alice")
		})
	}
	t.Run("no kid with two keys", func(t *testing.T) {
		for _, secret := range [][]byte{s1, s2} {
			token := hmacSHA256(secret, `{"alg":"HS256"}`, payload)
			res, ran := attemptToken(t, pair, token)
			assertRefused(t, res, ran, CodeTokenInvalid, token)
		}
	})
	t.Run("k1 signed by k2", func(t *testing.T) {
		token := hmacSHA256(s2, `{"alg":"HS256","kid":"k1"}`, payload)
		res, ran := attemptToken(t, pair, token)
		assertRefused(t, res, ran, CodeTokenInvalid, token)
	})
}

func TestKeyfuncMissNeverYieldsAnEmptySecret(t *testing.T) {
	payload := payloadOf("alice", "")
	keys := []struct {
		name string
		key  any
	}{
		{"nil", nil},
		{"empty secret", []byte{}},
		{"nil secret", []byte(nil)},
		{"short secret", []byte("short")},
		{"string secret", string(testSecret)},
		{"empty key set", jwt.VerificationKeySet{}},
		{"key set of empty secrets", jwt.VerificationKeySet{
			Keys: []jwt.VerificationKey{[]byte{}, []byte(nil)}}},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			a := newAuth(t, func(c *Config) {
				c.Keys = nil
				c.Keyfunc = func(*jwt.Token) (any, error) { return k.key, nil }
				c.Algorithms = []string{"HS256"}
			})
			for _, secret := range [][]byte{nil, {}, []byte("short"), testSecret} {
				token := hmacSHA256(secret, `{"alg":"HS256","kid":"missing"}`, payload)
				res, ran := attemptToken(t, a, token)
				assertRefused(t, res, ran, CodeTokenInvalid, token)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	oldKey := Key{ID: "old", Algorithm: "HS256", Secret: []byte(strings.Repeat("o", 32))}
	newKey := Key{ID: "new", Algorithm: "ES256", Private: keyFor(t, "ES256").Private}
	a := newAuth(t, func(c *Config) { c.Keys = []Key{oldKey} })
	before := access(t, a, "alice")

	require.NoError(t, a.SetKeys("new", newKey))
	after := access(t, a, "bob")

	tests := []struct {
		name, token, code string
	}{
		{"token of the removed key", before, CodeTokenInvalid},
		{"removed key's token without its kid", hmacSHA256(oldKey.Secret,
			`{"alg":"HS256"}`, payloadOf("alice", "")), CodeTokenInvalid},
		{"token of the new key", after, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ran := attemptToken(t, a, tt.token)
			if tt.code == "" {
				assertAccepted(t, res, ran, "bob")
				return
			}
			assertRefused(t, res, ran, tt.code, tt.token)
		})
	}

	t.Run("a failed rotation changes nothing", func(t *testing.T) {
		err := a.SetKeys("", Key{Algorithm: "HS256", Secret: []byte("short")})
		require.Error(t, err)
		res, ran := attemptToken(t, a, after)
		assertAccepted(t, res, ran, "bob")
	})
	t.Run("a key function Auth cannot rotate", func(t *testing.T) {
		f := newAuth(t, func(c *Config) {
			c.Keys = nil
			c.Keyfunc = func(*jwt.Token) (any, error) { return testSecret, nil }
			c.Algorithms = []string{"HS256"}
		})
		assert.ErrorIs(t, f.SetKeys("", oldKey), errDynamicKeys)
	})
}
