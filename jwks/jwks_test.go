package jwks_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginjwt/ginjwt"
	"github.com/ginjwt/ginjwt/jwks"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// keyTimeout is the Config.KeyTimeout of the tests: the bound on a key
// lookup, which a request may take at most three times over.
const keyTimeout = 500 * time.Millisecond

var discard = slog.New(slog.DiscardHandler)

// signer is a key of the tests' identity provider.
type signer struct {
	kid, alg string
	key      crypto.Signer
}

// keys returns the provider's keys by kid, generated once per test binary.
var keys = sync.OnceValue(func() map[string]signer {
	ks := map[string]signer{}
	for _, kid := range []string{"rsa-1", "rsa-2"} {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ks[kid] = signer{kid, "RS256", k}
	}
	for _, kid := range []string{"ec-1", "ec-2"} {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		ks[kid] = signer{kid, "ES256", k}
	}
	return ks
})

// mode is how the provider answers a request for its key set.
type mode int

const (
	serve   mode = iota // the key set
	fail                // 503
	drop                // the connection closed without an answer
	hang                // nothing, until the client gives up
	garbage             // a body that is not a key set
)

// provider serves a JSON Web Key Set the way a test sets it up.
type provider struct {
	*httptest.Server
	fetches atomic.Int32
	release chan struct{} // closed at the end of the test

	mu   sync.Mutex
	kids []string
	mode mode
}

func newProvider(t *testing.T, kids ...string) *provider {
	t.Helper()
	p := &provider{kids: kids, release: make(chan struct{})}
	p.Server = httptest.NewServer(http.HandlerFunc(p.answer))
	t.Cleanup(p.Close)
	t.Cleanup(func() { close(p.release) }) // runs first: frees hung handlers
	return p
}

// set changes what the provider serves from now on.
func (p *provider) set(m mode, kids ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
	if kids != nil {
		p.kids = kids
	}
}

func (p *provider) answer(w http.ResponseWriter, r *http.Request) {
	p.fetches.Add(1)
	p.mu.Lock()
	m, kids := p.mode, slices.Clone(p.kids)
	p.mu.Unlock()
	switch m {
	case fail:
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	case drop:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	case hang:
		select {
		case <-r.Context().Done():
		case <-p.release:
		}
	case garbage:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys": "none today"}`))
	default:
		set := struct {
			Keys []map[string]string `json:"keys"`
		}{}
		for _, kid := range kids {
			set.Keys = append(set.Keys, publicJWK(keys()[kid]))
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}
}

// publicJWK encodes the public half of s as a JWK (RFC 7518 section 6).
func publicJWK(s signer) map[string]string {
	b64 := base64.RawURLEncoding.EncodeToString
	jwk := map[string]string{"kid": s.kid, "alg": s.alg, "use": "sig"}
	switch pub := s.key.Public().(type) {
	case *rsa.PublicKey:
		jwk["kty"] = "RSA"
		jwk["n"] = b64(pub.N.Bytes())
		jwk["e"] = b64(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		point, err := pub.Bytes() // 0x04 || x || y
		if err != nil {
			panic(err)
		}
		n := (len(point) - 1) / 2
		jwk["kty"] = "EC"
		jwk["crv"] = pub.Curve.Params().Name
		jwk["x"] = b64(point[1 : 1+n])
		jwk["y"] = b64(point[1+n:])
	}
	return jwk
}

// token returns a token for alice signed with alg and key, naming kid
// unless it is empty.
func token(t *testing.T, alg, kid string, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(alg), jwt.RegisteredClaims{
		Subject:   "alice",
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	})
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

// signed returns a token signed by the provider's key kid, naming it.
func signed(t *testing.T, kid string) string {
	t.Helper()
	s := keys()[kid]
	return token(t, s.alg, kid, s.key)
}

// newSource returns a Source for p, closed when the test ends.
func newSource(t *testing.T, url string, opts jwks.Options) *jwks.Source {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = discard
	}
	src, err := jwks.New(t.Context(), url, opts)
	require.NoError(t, err)
	t.Cleanup(src.Close)
	return src
}

// newApp returns a router whose GET /me needs a token verified with src
// and algs.
func newApp(t *testing.T, src ginjwt.KeySource, algs ...string) http.Handler {
	t.Helper()
	auth, err := ginjwt.NewAuth(ginjwt.Config{
		KeySource:  src,
		Algorithms: algs,
		KeyTimeout: keyTimeout,
		Logger:     discard,
	})
	require.NoError(t, err)
	r := gin.New()
	r.Use(auth.Recovery())
	r.GET("/me", auth.Middleware(), func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"id": ginjwt.MustIdentity(c)})
	})
	return r
}

// answer is what GET /me answered.
type answer struct {
	Status  int
	Code    string        // the error code, empty on success
	ID      string        // the identity, on success
	Elapsed time.Duration // how long the request took
}

func get(t *testing.T, h http.Handler, token string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(w, req)
	elapsed := time.Since(start)
	var body struct {
		Error string `json:"error"`
		ID    string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), w.Body.String())
	if w.Code == http.StatusServiceUnavailable {
		assert.NotEmpty(t, w.Header().Get("Retry-After"))
	}
	return answer{w.Code, body.Error, body.ID, elapsed}
}

// The answers the tests expect, elapsed time aside.
var (
	ok          = answer{Status: 200, ID: "alice"}
	invalid     = answer{Status: 401, Code: "token_invalid"}
	unavailable = answer{Status: 503, Code: "auth_unavailable"}
)

// assertAnswer checks got against want and the bound on its time.
func assertAnswer(t *testing.T, got, want answer) {
	t.Helper()
	assert.Less(t, got.Elapsed, 3*keyTimeout, "request time")
	got.Elapsed = 0
	assert.Equal(t, want, got)
}

func TestServedKeysVerify(t *testing.T) {
	p := newProvider(t, "rsa-1", "ec-1")
	app := newApp(t, newSource(t, p.URL, jwks.Options{}), "RS256", "ES256")
	rsa1 := keys()["rsa-1"]

	tests := []struct {
		name  string
		token string
	}{
		{"RS256", signed(t, "rsa-1")},
		{"ES256", signed(t, "ec-1")},
		{"no kid: every served key of the algorithm is tried",
			token(t, "RS256", "", rsa1.key)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertAnswer(t, get(t, app, tt.token), ok)
		})
	}
	assert.EqualValues(t, 1, p.fetches.Load(), "fetches")
}

func TestKeyRotation(t *testing.T) {
	p := newProvider(t, "rsa-1")
	// Every unknown kid may fetch the set again.
	src := newSource(t, p.URL, jwks.Options{UnknownKIDInterval: time.Nanosecond})
	app := newApp(t, src, "RS256", "ES256")

	steps := []struct {
		name    string
		served  []string // what the provider serves from this step on
		kid     string
		want    answer
		fetches int32 // in all, after the step
	}{
		{"the first key", nil, "rsa-1", ok, 1},
		{"a key added later is fetched on first sight",
			[]string{"rsa-1", "rsa-2"}, "rsa-2", ok, 2},
		{"known keys need no fetch", nil, "rsa-1", ok, 2},
		{"a key of another type", []string{"rsa-2", "ec-1"}, "ec-1", ok, 3},
		{"a key the provider retired is refused after a fetch",
			nil, "rsa-1", invalid, 4},
		{"the keys it still serves pass", nil, "rsa-2", ok, 4},
	}
	for _, s := range steps {
		if s.served != nil {
			p.set(serve, s.served...)
		}
		got := get(t, app, signed(t, s.kid))
		assertAnswer(t, got, s.want)
		assert.Equal(t, s.fetches, p.fetches.Load(), "%s: fetches", s.name)
	}
}

func TestUnknownKIDFetchesAreRateLimited(t *testing.T) {
	p := newProvider(t, "rsa-1")
	app := newApp(t, newSource(t, p.URL, jwks.Options{}), "RS256", "ES256")

	// The first unknown kid fetches the set once; until the interval has
	// passed, the next ones are refused at once, with no fetch, even if
	// the provider has the key by then.
	assertAnswer(t, get(t, app, signed(t, "rsa-2")), invalid)
	require.EqualValues(t, 2, p.fetches.Load())
	p.set(serve, "rsa-1", "rsa-2", "ec-2")
	for _, kid := range []string{"rsa-2", "ec-1", "ec-2", "made-up"} {
		s := keys()["rsa-2"]
		assertAnswer(t, get(t, app, token(t, s.alg, kid, s.key)), invalid)
	}
	assert.EqualValues(t, 2, p.fetches.Load(), "fetches")
	assertAnswer(t, get(t, app, signed(t, "rsa-1")), ok)
}

func TestProviderFailures(t *testing.T) {
	tests := []struct {
		name  string
		fault func(p *provider)
		want  answer
	}{
		{"reachable, without the kid",
			func(p *provider) {}, invalid},
		{"answers 503",
			func(p *provider) { p.set(fail) }, unavailable},
		{"serves something that is not a key set",
			func(p *provider) { p.set(garbage) }, unavailable},
		{"drops the connection",
			func(p *provider) { p.set(drop) }, unavailable},
		{"hangs",
			func(p *provider) { p.set(hang) }, unavailable},
		{"is gone",
			func(p *provider) { p.Close() }, unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t, "rsa-1")
			src := newSource(t, p.URL, jwks.Options{})
			app := newApp(t, src, "RS256", "ES256")
			tt.fault(p)

			// An unknown kid: the lookup fetches the set, within the bound.
			assertAnswer(t, get(t, app, signed(t, "rsa-2")), tt.want)
			// Until the next fetch is allowed, the answer stays the same
			// and comes at once.
			again := get(t, app, signed(t, "ec-1"))
			assert.Less(t, again.Elapsed, keyTimeout, "request time")
			assertAnswer(t, again, tt.want)
			// The keys fetched before keep working.
			assertAnswer(t, get(t, app, signed(t, "rsa-1")), ok)
		})
	}
}

func TestProviderDownAtStart(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()

	tests := []struct {
		name string
		url  func(p *provider) string
	}{
		{"answers 503", func(p *provider) string { p.set(fail); return p.URL }},
		{"hangs", func(p *provider) string { p.set(hang); return p.URL }},
		{"is gone", func(*provider) string { return gone.URL }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t, "rsa-1", "ec-1")
			url := tt.url(p)
			src := newSource(t, url, jwks.Options{
				HTTPTimeout:        keyTimeout,
				UnknownKIDInterval: time.Nanosecond,
			})
			app := newApp(t, src, "RS256", "ES256")

			noKID := token(t, "RS256", "", keys()["rsa-1"].key)
			assertAnswer(t, get(t, app, signed(t, "rsa-1")), unavailable)
			assertAnswer(t, get(t, app, noKID), unavailable)
			if url != p.URL {
				return
			}
			// Back up: the next unknown kid fetches the set.
			p.set(serve)
			assertAnswer(t, get(t, app, signed(t, "ec-1")), ok)
			assertAnswer(t, get(t, app, noKID), ok)
		})
	}
}

func TestAlgorithmsStayBoundToKeys(t *testing.T) {
	p := newProvider(t, "rsa-1", "ec-1")
	src := newSource(t, p.URL, jwks.Options{})
	strict := newApp(t, src, "RS256", "ES256")
	// Even an allow-list wider than the keys is held to each key's type
	// and to the "alg" the key set gives it.
	wide := newApp(t, src, "RS256", "RS512", "PS256", "ES256", "HS256")

	rsa1, ec1 := keys()["rsa-1"], keys()["ec-1"]
	der, err := x509.MarshalPKIXPublicKey(rsa1.key.Public())
	require.NoError(t, err)
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	none := jwt.UnsafeAllowNoneSignatureType

	tests := []struct {
		name  string
		token string
	}{
		{"RS512 with the RS256 key", token(t, "RS512", "rsa-1", rsa1.key)},
		{"PS256 with the RS256 key", token(t, "PS256", "rsa-1", rsa1.key)},
		{"HS256 keyed with the public key",
			token(t, "HS256", "rsa-1", publicPEM)},
		{"HS256 keyed with the public key, no kid",
			token(t, "HS256", "", publicPEM)},
		{"HS256 keyed with the DER public key", token(t, "HS256", "rsa-1", der)},
		{"ES256 naming the RSA key", token(t, "ES256", "rsa-1", ec1.key)},
		{"alg none", token(t, "none", "rsa-1", none)},
		{"alg none, no kid", token(t, "none", "", none)},
	}
	// A token that fails against a key in memory is the token's fault,
	// also while the provider is down.
	for _, phase := range []string{"provider up", "provider down"} {
		if phase == "provider down" {
			p.set(fail)
			got := get(t, strict, signed(t, "rsa-2"))
			require.Equal(t, unavailable.Code, got.Code, "a failed fetch")
		}
		for _, tt := range tests {
			t.Run(phase+"/"+tt.name, func(t *testing.T) {
				assertAnswer(t, get(t, strict, tt.token), invalid)
				assertAnswer(t, get(t, wide, tt.token), invalid)
			})
		}
	}
}

func TestNew(t *testing.T) {
	p := newProvider(t, "rsa-1")
	p.set(fail)

	tests := []struct {
		name string
		url  string
		opts jwks.Options
	}{
		{"not a URL", "jwks.json", jwks.Options{}},
		{"negative duration", p.URL, jwks.Options{HTTPTimeout: -time.Second}},
		{"first fetch required", p.URL, jwks.Options{RequireFirstFetch: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Logger = discard
			src, err := jwks.New(context.Background(), tt.url, tt.opts)
			assert.Error(t, err)
			assert.Nil(t, src)
		})
	}
}
