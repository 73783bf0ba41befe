package ginjwt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
)

// Fuzz targets for every way a token reaches the middleware. The engines
// have no recovery handler, so a panic fails the run; every answer must
// be a success from the handler or an error of the taxonomy.
//
// The checked-in seeds under testdata/fuzz were signed with the fixed
// keys below, so the valid ones stay valid: the test clock never moves.

// fuzzStatuses are the statuses a request can get.
var fuzzStatuses = map[int]bool{
	http.StatusOK: true, http.StatusBadRequest: true, http.StatusUnauthorized: true,
	http.StatusForbidden: true, http.StatusServiceUnavailable: true,
}

// fuzzKeys returns the keys of the fuzz Auth: fixed ones for HS256,
// ES256 and EdDSA, and the test RSA key for RS256 and PS256.
func fuzzKeys(t testing.TB) []Key {
	t.Helper()
	loadKeys()
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(),
		bytes.Repeat([]byte{0x5a}, 32))
	if err != nil {
		t.Fatal(err)
	}
	ed := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0xed}, ed25519.SeedSize))
	return []Key{
		{ID: "hs", Algorithm: "HS256", Secret: testSecret},
		{ID: "es", Algorithm: "ES256", Private: ec},
		{ID: "ed", Algorithm: "EdDSA", Private: ed},
		{ID: "rs", Algorithm: "RS256", Private: rsaKey},
		{ID: "ps", Algorithm: "PS256", Private: rsaKey},
	}
}

// fuzzTokens issues an access token for alice with each fuzz key.
func fuzzTokens(t testing.TB) []string {
	t.Helper()
	var tokens []string
	for _, k := range fuzzKeys(t) {
		a := newAuth(t, func(c *Config) { c.Keys = []Key{k} })
		tokens = append(tokens, access(t, a, "alice"))
	}
	return tokens
}

// fuzzAuth verifies tokens of every fuzz key, from locs.
func fuzzAuth(t testing.TB, locs ...Location) *Auth {
	t.Helper()
	return newAuth(t, func(c *Config) {
		c.Keys = fuzzKeys(t)
		c.SigningKeyID = "hs"
		if len(locs) > 0 {
			c.Locations = locs
		}
	})
}

// fuzzEngine serves /p behind a's middleware with no recovery. The
// handler marks the response and echoes the body it reads.
func fuzzEngine(a *Auth) *gin.Engine {
	r := gin.New()
	r.Any("/p", a.Middleware(), func(c *gin.Context) {
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.Header("X-Handler", "ran")
		c.Data(http.StatusOK, "application/octet-stream", body)
	})
	return r
}

// checkFuzzReply checks the invariants of any answer.
func checkFuzzReply(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	ran := w.Header().Get("X-Handler") == "ran"
	if !fuzzStatuses[w.Code] {
		t.Fatalf("status %d, body %q", w.Code, w.Body.String())
	}
	if w.Code == http.StatusOK {
		if !ran {
			t.Fatalf("200 without the handler: %q", w.Body.String())
		}
		return
	}
	if ran {
		t.Fatalf("the handler ran, then status %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	code, _ := body["error"].(string)
	msg, _ := body["msg"].(string)
	k, ok := kindOf(code)
	if !ok || msg == "" || len(body) != 2 {
		t.Fatalf("body %q is not {error, msg} of the taxonomy", w.Body.String())
	}
	if taxonomy[k].status != w.Code {
		t.Fatalf("status %d for %s", w.Code, code)
	}
}

func FuzzAuthorizationHeader(f *testing.F) {
	for _, tok := range fuzzTokens(f) {
		f.Add("Bearer " + tok)
		f.Add("bearer  " + tok + " ")
		f.Add("Bearer " + tok + " " + tok)
	}
	for _, v := range []string{
		"", "Bearer", "Bearer ", "BEARER x", "Bearert x", "Basic YWxhZGRpbjpvcGVu",
		"Bearer a.b.c", "Bearer ..", "Bearer eyJhbGciOiJub25lIn0.e30.",
		"Bearer \x00", "Bearer\t", "Bearer é",
	} {
		f.Add(v)
	}
	r := fuzzEngine(fuzzAuth(f))

	f.Fuzz(func(t *testing.T, value string) {
		req := httptest.NewRequest(http.MethodGet, "/p", nil)
		req.Header["Authorization"] = []string{value}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		checkFuzzReply(t, w)
	})
}

func FuzzCookieHeader(f *testing.F) {
	for _, tok := range fuzzTokens(f) {
		f.Add("access_token_cookie=" + tok)
		f.Add(`theme=dark; access_token_cookie="` + tok + `"`)
		f.Add("access_token_cookie=" + tok + "; access_token_cookie=" + tok)
		f.Add("refresh_token_cookie=" + tok)
	}
	for _, v := range []string{
		"", "access_token_cookie=", "access_token_cookie", "=; ;=;",
		"access_token_cookie=a.b.c", "access_token_cookie=x; access_token_cookie=",
		"ACCESS_TOKEN_COOKIE=x", "access_token_cookie=\x00",
	} {
		f.Add(v)
	}
	r := fuzzEngine(fuzzAuth(f, FromCookie()))

	f.Fuzz(func(t *testing.T, cookie string) {
		req := httptest.NewRequest(http.MethodGet, "/p", nil)
		req.Header["Cookie"] = []string{cookie}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		checkFuzzReply(t, w)
	})
}

// FuzzToken sends a raw token, and also signs a header and a payload as
// they are with the HS256 secret, so that the fuzzer reaches the parsing
// that only verified tokens get. A signed token must get the same answer
// from a key set and from a key function holding the same secret.
func FuzzToken(f *testing.F) {
	for _, tok := range fuzzTokens(f) {
		f.Add(tok, `{"alg":"HS256","typ":"JWT"}`, payloadOf("alice", ""))
	}
	for _, tt := range [][3]string{
		{"", `{"alg":"HS256"}`, `{"sub":"alice","sub":"bob"}`},
		{"a.b.c", `{"alg":"HS256","crit":["b64"]}`, payloadOf("alice", `"fresh":"yes"`)},
		{"..", `{"alg":"none"}`, `null`},
		{"x", `{"alg":"HS256","kid":"hs"}`, `{"SUB":"alice","exp":1e300}`},
		{"a.b.c.d.e", `{"alg":"HS256"}`, payloadOf("alice", `"aud":[1]`)},
	} {
		f.Add(tt[0], tt[1], tt[2])
	}
	keyed := fuzzEngine(newAuth(f, nil))
	byFunc := fuzzEngine(newAuth(f, func(c *Config) {
		c.Keys = nil
		c.Keyfunc = func(*jwt.Token) (any, error) { return testSecret, nil }
		c.Algorithms = []string{"HS256"}
	}))
	raw := fuzzEngine(fuzzAuth(f))

	f.Fuzz(func(t *testing.T, token, header, payload string) {
		send := func(r *gin.Engine, token string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, "/p", nil)
			req.Header["Authorization"] = []string{"Bearer " + token}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			checkFuzzReply(t, w)
			return w
		}
		send(raw, token)

		signed := hmacSHA256(testSecret, header, payload)
		a, b := send(keyed, signed), send(byFunc, signed)
		if h, err := readHeader([]byte(header)); err == nil && h.hasKID {
			return // only the key function ignores a kid
		}
		if a.Code != b.Code || a.Body.String() != b.Body.String() {
			t.Fatalf("key set: %d %s; key function: %d %s",
				a.Code, a.Body, b.Code, b.Body)
		}
	})
}

func FuzzJSONBody(f *testing.F) {
	for _, tok := range fuzzTokens(f) {
		f.Add([]byte(`{"access_token":"` + tok + `"}`))
		f.Add([]byte(`{"name":"x","access_token":"` + tok + `","n":[1,{"a":null}]}`))
		f.Add([]byte(`{"access_token":"` + tok + `","access_token":"` + tok + `"}`))
	}
	for _, body := range []string{
		``, `{}`, `null`, `[]`, `{"access_token":null}`, `{"access_token":1}`,
		`{"access_token":""}`, `{"access_token":"a.b.c"}`, `{"\u0061ccess_token":"x"}`,
		`{"access_token":"x"`, `{"refresh_token":"x"}`, "\xff\xfe",
	} {
		f.Add([]byte(body))
	}
	r := fuzzEngine(fuzzAuth(f, FromJSON()))

	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/p", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		checkFuzzReply(t, w)
		if w.Code == http.StatusOK && !bytes.Equal(w.Body.Bytes(), body) {
			t.Fatalf("the handler read %q, not %q", w.Body.Bytes(), body)
		}
	})
}
