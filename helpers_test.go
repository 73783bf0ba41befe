package ginjwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// Shared test fixtures. Keys are generated once per test binary.

var testSecret = []byte("0123456789abcdef0123456789abcdef") // 32 bytes, HS256

// testNow is the fixed time of the test clock.
var testNow = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return testNow }

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	rsaKey2  *rsa.PrivateKey
	ecKeys   map[string]*ecdsa.PrivateKey
	edKey    ed25519.PrivateKey
)

func loadKeys() {
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if rsaKey2, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		ecKeys = map[string]*ecdsa.PrivateKey{}
		for alg, curve := range map[string]elliptic.Curve{
			"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521(),
		} {
			if ecKeys[alg], err = ecdsa.GenerateKey(curve, rand.Reader); err != nil {
				panic(err)
			}
		}
		if _, edKey, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
}

// keyFor returns a signing Key for alg.
func keyFor(t testing.TB, alg string) Key {
	t.Helper()
	loadKeys()
	switch alg[:2] {
	case "HS":
		secret := make([]byte, 64)
		copy(secret, testSecret)
		return Key{Algorithm: alg, Secret: secret}
	case "RS", "PS":
		return Key{Algorithm: alg, Private: rsaKey}
	case "ES":
		return Key{Algorithm: alg, Private: ecKeys[alg]}
	}
	return Key{Algorithm: alg, Private: edKey}
}

// newAuth builds an Auth on HS256 and the test clock; edit adjusts the
// Config first.
func newAuth(t testing.TB, edit func(*Config)) *Auth {
	t.Helper()
	cfg := Config{
		Keys: []Key{{Algorithm: "HS256", Secret: testSecret}},
		Now:  fixedClock,
	}
	if edit != nil {
		edit(&cfg)
	}
	a, err := NewAuth(cfg)
	require.NoError(t, err)
	return a
}

// access and refresh issue tokens with the test Auth.
func access(t testing.TB, a *Auth, subject string, opts ...IssueOption) string {
	t.Helper()
	tok, err := a.NewAccessToken(subject, opts...)
	require.NoError(t, err)
	return tok
}

func refresh(t testing.TB, a *Auth, subject string, opts ...IssueOption) string {
	t.Helper()
	tok, err := a.NewRefreshToken(subject, opts...)
	require.NoError(t, err)
	return tok
}

// reply is a decoded response.
type reply struct {
	Status int
	Header http.Header
	Raw    string
	Body   map[string]any
}

func (r reply) code() string { s, _ := r.Body["error"].(string); return s }
func (r reply) msg() string  { s, _ := r.Body["msg"].(string); return s }

// serve runs req through h.
func serve(t testing.TB, h http.Handler, req *http.Request) reply {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	res := reply{Status: w.Code, Header: w.Header(), Raw: w.Body.String()}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/") && w.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &res.Body), "body %q", res.Raw)
	}
	return res
}

// get builds a GET with an optional Authorization header.
func get(path, authorization string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return req
}

func bearer(token string) string { return "Bearer " + token }

// withBearer builds a request carrying token, if any, as a Bearer token.
func withBearer(method, path, token string) *http.Request {
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.Header.Set("Authorization", bearer(token))
	}
	return req
}

// withMode runs f in a gin mode and restores the previous one.
func withMode(t testing.TB, mode string, f func()) {
	t.Helper()
	old := gin.Mode()
	gin.SetMode(mode)
	defer gin.SetMode(old)
	f()
}

var modes = []string{gin.DebugMode, gin.TestMode, gin.ReleaseMode}

// segment base64url-encodes a token segment.
func segment(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// forge signs header and payload JSON as given, with the method and key
// given, whatever they say: for building hostile tokens.
func forge(t testing.TB, m jwt.SigningMethod, key any, header, payload string) string {
	t.Helper()
	input := segment(header) + "." + segment(payload)
	sig, err := m.Sign(input, key)
	require.NoError(t, err)
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// payloadOf returns valid claims JSON around the test clock, with extra
// members appended.
func payloadOf(sub string, extra string) string {
	p := `{"sub":"` + sub + `","iat":` + unix(testNow) + `,"exp":` +
		unix(testNow.Add(time.Minute)) + `,"type":"access"`
	if extra != "" {
		p += "," + extra
	}
	return p + "}"
}

func unix(t time.Time) string { return jsonNumber(t.Unix()) }

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// protected serves GET /p behind the middleware, answering the identity.
func protected(a *Auth, opts ...Option) *gin.Engine {
	r := gin.New()
	r.GET("/p", a.Middleware(opts...), func(c *gin.Context) {
		id, ok := Identity(c)
		if !ok {
			c.JSON(http.StatusOK, gin.H{"identity": nil})
			return
		}
		c.JSON(http.StatusOK, gin.H{"identity": id})
	})
	return r
}

func readAll(t testing.TB, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

func TestMain(m *testing.M) {
	// Tests set the mode they need; the default keeps gin's start-up
	// banner and route list out of the output.
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}
