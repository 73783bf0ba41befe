package bench

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/ginjwt/ginjwt"
)

// Each case is one request shape; every library must answer it with the
// status of want, checked before timing starts.
type testCase struct {
	name string
	want int
}

var cases = []testCase{
	{"valid", http.StatusNoContent},
	{"expired", http.StatusUnauthorized},
	{"missing", http.StatusUnauthorized},
	{"malformed", http.StatusUnauthorized},
	{"badsig", http.StatusUnauthorized},
}

// malformedToken is not a compact JWS at all: one segment, no dots.
const malformedToken = "this-is-not-a-jwt"

const (
	// route is the one protected route of every engine.
	route = "/r"
	// tokenLifetime is long enough for golang-jwt v4, which gin-jwt v2
	// uses and which reads the wall clock rather than the fixed one.
	tokenLifetime = 24 * time.Hour
)

// fixture holds, for one algorithm, the keys and the token of each case.
// Every library verifies the same token bytes.
type fixture struct {
	alg string
	// key verifies and signs for ginjwt; verify is the same key as
	// golang-jwt's Keyfunc returns it: the secret or the public key.
	key    ginjwt.Key
	verify any
	// tokens maps a case name to its token; "missing" has none.
	tokens map[string]string
}

// fixtures are built once per process: RSA key generation is slow, and
// every run of BenchmarkAuth (one per -count) shares the same clock.
var fixtures = sync.OnceValues(newFixtures)

// suite is every fixture and the fixed instant they share, taken from
// the wall clock so that golang-jwt v4's own time checks agree with it.
type suite struct {
	now   time.Time
	byAlg map[string]*fixture
	algs  []string // in the order benchmarks run
}

// clock is the fixed clock every library under test is given.
func (s *suite) clock() time.Time { return s.now }

func newFixtures() (*suite, error) {
	s := &suite{
		now:   time.Now().Truncate(time.Second),
		byAlg: map[string]*fixture{},
	}
	type pair struct {
		alg         string
		good, other ginjwt.Key
	}
	var pairs []pair
	for _, alg := range []string{"HS256", "RS256", "ES256", "EdDSA"} {
		good, err := newKey(alg)
		if err != nil {
			return nil, err
		}
		other, err := newKey(alg)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, pair{alg, good, other})
	}
	for _, p := range pairs {
		f, err := s.newFixture(p.alg, p.good, p.other)
		if err != nil {
			return nil, err
		}
		s.byAlg[p.alg] = f
		s.algs = append(s.algs, p.alg)
	}
	return s, nil
}

// newKey returns a fresh key for alg, of the smallest size ginjwt
// accepts.
func newKey(alg string) (ginjwt.Key, error) {
	k := ginjwt.Key{Algorithm: alg}
	var err error
	switch alg {
	case "HS256":
		k.Secret = make([]byte, 32)
		_, err = rand.Read(k.Secret)
	case "RS256":
		k.Private, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		k.Private, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		_, k.Private, err = ed25519.GenerateKey(rand.Reader)
	default:
		err = fmt.Errorf("no key for %s", alg)
	}
	return k, err
}

// verifyKey returns k as golang-jwt verifies with it.
func verifyKey(k ginjwt.Key) any {
	if k.Secret != nil {
		return k.Secret
	}
	return k.Private.Public()
}

// issuedClaims carry what every library under test needs: the
// registered claims ginjwt stamps, plus the identity claim and the
// orig_iat that gin-jwt puts in the tokens it issues.
type issuedClaims struct {
	ginjwt.Claims
	Identity string `json:"identity"`
	OrigIat  int64  `json:"orig_iat"`
}

func (s *suite) newFixture(alg string, good, other ginjwt.Key) (*fixture, error) {
	f := &fixture{
		alg:    alg,
		key:    good,
		verify: verifyKey(good),
		tokens: map[string]string{"malformed": malformedToken},
	}
	issues := []struct {
		name string
		key  ginjwt.Key
		at   time.Time
	}{
		{"valid", good, s.now},
		{"expired", good, s.now.Add(-2 * tokenLifetime)},
		{"badsig", other, s.now},
	}
	for _, is := range issues {
		token, err := issue(is.key, is.at)
		if err != nil {
			return nil, fmt.Errorf("%s %s token: %w", alg, is.name, err)
		}
		f.tokens[is.name] = token
	}
	return f, nil
}

// issue signs a token for alice with ginjwt's own issuing API, as of
// the instant at.
func issue(k ginjwt.Key, at time.Time) (string, error) {
	a, err := ginjwt.NewAuth(ginjwt.Config{
		Keys:      []ginjwt.Key{k},
		Now:       func() time.Time { return at },
		NewClaims: func() ginjwt.Claimer { return new(issuedClaims) },
	})
	if err != nil {
		return "", err
	}
	claims := &issuedClaims{Identity: "alice", OrigIat: at.Unix()}
	return a.NewAccessToken("alice",
		ginjwt.WithClaims(claims), ginjwt.Lifetime(tokenLifetime))
}

// request returns the request of a case, built once and served many
// times. Reusing it is safe: no middleware under test writes to the
// request it is given (ginjwt derives a new one to carry the claims),
// and none reads a body.
func (f *fixture) request(caseName string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, route, nil)
	if token, ok := f.tokens[caseName]; ok {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}
