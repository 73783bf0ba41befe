package ginjwt

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyRotationByKID(t *testing.T) {
	old := Key{
		ID:        "2026-11",
		Algorithm: "HS256",
		Secret:    []byte("old-secret-old-secret-old-secret"),
	}
	cur := Key{
		ID:        "2026-12",
		Algorithm: "HS256",
		Secret:    []byte("new-secret-new-secret-new-secret"),
	}
	a := newAuth(t, func(c *Config) {
		c.Keys = []Key{old, cur}
		c.SigningKeyID = "2026-11"
	})
	r := protected(a)
	fromOld := access(t, a, "alice")
	header, _ := decodeParts(t, fromOld)
	assert.Equal(t, "2026-11", header["kid"])

	require.NoError(t, a.SetKeys("2026-12", old, cur))
	fromCur := access(t, a, "alice")
	header, _ = decodeParts(t, fromCur)
	assert.Equal(t, "2026-12", header["kid"])

	mislabelled := forge(t, jwt.SigningMethodHS256, cur.Secret,
		`{"alg":"HS256","kid":"2026-11"}`, payloadOf("alice", ""))
	noKID := forge(
		t,
		jwt.SigningMethodHS256,
		cur.Secret,
		`{"alg":"HS256"}`,
		payloadOf("alice", ""),
	)

	tests := []struct {
		name, token string
		status      int
	}{
		{"old key", fromOld, 200},
		{"current key", fromCur, 200},
		{"signature of one key, kid of another", mislabelled, 401},
		{"no kid in a set of two", noKID, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.status, serve(t, r, get("/p", bearer(tt.token))).Status)
		})
	}

	t.Run("a removed key is refused once SetKeys returns", func(t *testing.T) {
		require.NoError(t, a.SetKeys("2026-12", cur))
		res := serve(t, r, get("/p", bearer(fromOld)))
		assert.Equal(t, "token_invalid", res.code())
		assert.Equal(t, 200, serve(t, r, get("/p", bearer(fromCur))).Status)
	})
	t.Run("a bad key set changes nothing", func(t *testing.T) {
		err := a.SetKeys("2026-12", Key{ID: "weak", Algorithm: "HS256", Secret: []byte("x")})
		require.Error(t, err)
		assert.Equal(t, 200, serve(t, r, get("/p", bearer(fromCur))).Status)
	})
}

func TestSingleKeyAndKID(t *testing.T) {
	named := newAuth(t, func(c *Config) {
		c.Keys = []Key{{ID: "only", Algorithm: "HS256", Secret: testSecret}}
	})
	unnamed := newAuth(t, nil)
	withKID := func(kid string) string {
		return forge(t, jwt.SigningMethodHS256, testSecret,
			`{"alg":"HS256","kid":"`+kid+`"}`, payloadOf("alice", ""))
	}
	noKID := forge(
		t,
		jwt.SigningMethodHS256,
		testSecret,
		`{"alg":"HS256"}`,
		payloadOf("alice", ""),
	)

	assert.Equal(t, 200, serve(t, protected(named), get("/p", bearer(withKID("only")))).Status)
	assert.Equal(t, 200, serve(t, protected(named), get("/p", bearer(noKID))).Status)
	assert.Equal(t, 401, serve(t, protected(named), get("/p", bearer(withKID("other")))).Status)
	assert.Equal(t, 200, serve(t, protected(unnamed), get("/p", bearer(noKID))).Status)
	assert.Equal(t, 401, serve(t, protected(unnamed), get("/p", bearer(withKID("any")))).Status,
		"a token that names a key must name one of ours")
}

func TestKeyfunc(t *testing.T) {
	loadKeys()
	signer := newAuth(t, func(c *Config) {
		c.Keys = []Key{{ID: "rsa-1", Algorithm: "RS256", Private: rsaKey}}
	})
	var seen *jwt.Token
	keyfunc := func(tok *jwt.Token) (any, error) {
		seen = tok
		switch tok.Header["kid"] {
		case "rsa-1":
			return &rsaKey.PublicKey, nil
		case "set":
			return jwt.VerificationKeySet{Keys: []jwt.VerificationKey{
				&rsaKey2.PublicKey, &rsaKey.PublicKey}}, nil
		case "down":
			return nil, ErrAuthUnavailable
		}
		return nil, errors.New("unknown kid")
	}
	a := newAuth(t, func(c *Config) {
		c.Keys = nil
		c.Keyfunc = keyfunc
		c.Algorithms = []string{"RS256"}
	})
	r := protected(a)
	tok := access(t, signer, "alice")

	res := serve(t, r, get("/p", bearer(tok)))
	require.Equal(t, http.StatusOK, res.Status, res.Raw)
	assert.Equal(t, "RS256", seen.Method.Alg())
	sub, _ := seen.Claims.GetSubject()
	assert.Equal(t, "alice", sub, "the key function sees decoded claims")

	signed := func(m jwt.SigningMethod, kid string) string {
		header := `{"alg":"` + m.Alg() + `","kid":"` + kid + `"}`
		return forge(t, m, rsaKey, header, payloadOf("alice", ""))
	}
	rs512 := signed(jwt.SigningMethodRS512, "rsa-1")
	set := signed(jwt.SigningMethodRS256, "set")
	down := signed(jwt.SigningMethodRS256, "down")
	unknown := signed(jwt.SigningMethodRS256, "x")

	tests := []struct {
		name, token string
		status      int
		code        string
	}{
		{"algorithm outside the allow-list", rs512, 401, "token_invalid"},
		{"key set", set, 200, ""},
		{"key source down", down, 503, "auth_unavailable"},
		{"unknown kid", unknown, 401, "token_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(t, r, get("/p", bearer(tt.token)))
			assert.Equal(t, tt.status, res.Status)
			assert.Equal(t, tt.code, res.code())
		})
	}
	_, err := a.NewAccessToken("alice")
	assert.ErrorIs(t, err, errNoSigningKey)
	assert.ErrorIs(
		t,
		a.SetKeys("", Key{Algorithm: "HS256", Secret: testSecret}),
		errDynamicKeys,
	)
}

// stallingSource is a key source that waits for its context, as a JWKS
// client refetching from an unreachable server would.
type stallingSource struct{}

func (stallingSource) KeyfuncCtx(ctx context.Context) jwt.Keyfunc {
	return func(*jwt.Token) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
}

func TestKeySourceIsBoundedByKeyTimeout(t *testing.T) {
	loadKeys()
	a := newAuth(t, func(c *Config) {
		c.Keys = nil
		c.KeySource = stallingSource{}
		c.Algorithms = []string{"RS256"}
		c.KeyTimeout = 20 * time.Millisecond
	})
	tok := forge(
		t,
		jwt.SigningMethodRS256,
		rsaKey,
		`{"alg":"RS256","kid":"k"}`,
		payloadOf("alice", ""),
	)
	res := serve(t, protected(a), get("/p", bearer(tok)))
	assert.Equal(t, http.StatusServiceUnavailable, res.Status)
	assert.Equal(t, "auth_unavailable", res.code())
	assert.Equal(t, "5", res.Header.Get("Retry-After"))
}

func TestKeyfuncKeysMustFitTheAlgorithm(t *testing.T) {
	loadKeys()
	pem := []byte(
		"-----BEGIN PUBLIC KEY-----\nnot really a key but long enough\n-----END PUBLIC KEY-----\n",
	)
	a := newAuth(t, func(c *Config) {
		c.Keys = nil
		c.Keyfunc = func(*jwt.Token) (any, error) { return &rsaKey.PublicKey, nil }
		c.Algorithms = []string{"RS256", "HS256"}
	})
	confused := forge(t, jwt.SigningMethodHS256, pem, `{"alg":"HS256"}`, payloadOf("alice", ""))
	assert.Equal(t, "token_invalid", serve(t, protected(a), get("/p", bearer(confused))).code(),
		"an RSA key is never an HMAC secret")

	short := newAuth(t, func(c *Config) {
		c.Keys = nil
		c.Keyfunc = func(*jwt.Token) (any, error) { return []byte("short"), nil }
		c.Algorithms = []string{"HS256"}
	})
	weak := forge(
		t,
		jwt.SigningMethodHS256,
		[]byte("short"),
		`{"alg":"HS256"}`,
		payloadOf("alice", ""),
	)
	assert.Equal(t, "token_invalid", serve(t, protected(short), get("/p", bearer(weak))).code())
}
