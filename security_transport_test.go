package ginjwt

import (
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// How tokens travel, and what a refusal lets a client learn.

func TestAuthorizationSchemeGrammar(t *testing.T) {
	a := newAuth(t, nil)
	tok := access(t, a, "alice")

	tests := []struct {
		name, value, code string
	}{
		{"Bearer", "Bearer " + tok, ""},
		{"lower case", "bearer " + tok, ""},
		{"upper case", "BEARER " + tok, ""},
		{"mixed case", "bEaReR " + tok, ""},
		{"two spaces", "Bearer  " + tok, ""},
		{"trailing space", "Bearer " + tok + " ", ""},
		{"scheme glued to the token", "Bearer" + tok, CodeMissingToken},
		{"Bearert", "Bearert " + tok, CodeMissingToken},
		{"Bearer alone", "Bearer", CodeInvalidRequest},
		{"Bearer and a space", "Bearer ", CodeInvalidRequest},
		{"Bearer and spaces", "Bearer    ", CodeInvalidRequest},
		{"two tokens", "Bearer " + tok + " " + tok, CodeInvalidRequest},
		{"Bearer a b", "Bearer a b", CodeInvalidRequest},
		{"Bearer twice", "Bearer Bearer " + tok, CodeInvalidRequest},
		{"comma-separated credentials", "Bearer " + tok + ", Basic eA==", CodeInvalidRequest},
		{"Basic", "Basic x", CodeMissingToken},
		{"Basic with the token", "Basic " + tok, CodeMissingToken},
		{"another scheme", "Token " + tok, CodeMissingToken},
		{"no scheme", tok, CodeMissingToken},
		{"tab after the scheme", "Bearer\t" + tok, CodeMissingToken},
		{"empty value", "", CodeMissingToken},
		{"a bad token", "Bearer x", CodeTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/p", nil)
			req.Header["Authorization"] = []string{tt.value}
			res, ran := attempt(t, a, req)
			if tt.code == "" {
				assertAccepted(t, res, ran, "alice")
				return
			}
			assertRefused(t, res, ran, tt.code, tok)
		})
	}
}

func TestCredentialsSentTwice(t *testing.T) {
	tok := access(t, newAuth(t, nil), "alice")
	bad := "Bearer x"
	cookie := func(value string) string { return "access_token_cookie=" + value }
	everywhere := []Location{
		FromHeader("Authorization", "Bearer"), FromCookie(), FromQuery("jwt"), FromJSON(),
	}
	a := newAuth(t, func(c *Config) { c.Locations = everywhere })

	tests := []struct {
		name   string
		auth   *Auth
		header []string
		cookie []string
		query  string
		body   string
	}{
		{"two Authorization headers", newAuth(t, nil),
			[]string{bearer(tok), bearer(tok)}, nil, "", ""},
		{"two Authorization headers, one another scheme", newAuth(t, nil),
			[]string{bearer(tok), "Basic eA=="}, nil, "", ""},
		{"two Authorization headers, one empty", newAuth(t, nil),
			[]string{bearer(tok), ""}, nil, "", ""},
		{"header and cookie", a, []string{bearer(tok)}, []string{cookie(tok)}, "", ""},
		{"header and query", a, []string{bearer(tok)}, nil, "jwt=" + tok, ""},
		{"header and JSON body", a, []string{bearer(tok)}, nil, "",
			`{"access_token":"` + tok + `"}`},
		{"cookie and query", a, nil, []string{cookie(tok)}, "jwt=" + tok, ""},
		{"cookie twice in one header", a, nil, []string{cookie(tok) + "; " + cookie(tok)},
			"", ""},
		{"cookie in two headers", a, nil, []string{cookie(tok), cookie(tok)}, "", ""},
		{"query parameter twice", a, nil, nil, "jwt=" + tok + "&jwt=" + tok, ""},
		{"JSON member twice", a, nil, nil, "",
			`{"access_token":"` + tok + `","access_token":"` + tok + `"}`},
		{"a bad header and a good cookie", a, []string{bad}, []string{cookie(tok)}, "", ""},
		{"Bearer alone and a good cookie", a, []string{"Bearer"}, []string{cookie(tok)},
			"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/p?"+tt.query, nil)
			if tt.body != "" {
				req = httptest.NewRequest(http.MethodPost, "/p?"+tt.query,
					strings.NewReader(tt.body))
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header["Authorization"] = tt.header
			req.Header["Cookie"] = tt.cookie
			res, ran := attempt(t, tt.auth, req)
			assertRefused(t, res, ran, CodeInvalidRequest, tok)
		})
	}
}

func TestQueryTokensAreOffByDefault(t *testing.T) {
	a := newAuth(t, nil)
	tok := access(t, a, "alice")
	for _, name := range []string{"jwt", "token", "access_token", "id_token"} {
		t.Run(name+" ignored", func(t *testing.T) {
			req := get("/p?"+url.Values{name: {tok}}.Encode(), "")
			res, ran := attempt(t, a, req)
			assertRefused(t, res, ran, CodeMissingToken, tok)
		})
	}

	q := newAuth(t, func(c *Config) { c.Locations = []Location{FromQuery("jwt")} })
	t.Run("jwt read when configured", func(t *testing.T) {
		res, ran := attempt(t, q, get("/p?jwt="+tok, ""))
		assertAccepted(t, res, ran, "alice")
		assert.NotContains(t, res.Raw, tok)
	})
	t.Run("a bad query token is not echoed", func(t *testing.T) {
		expired := access(t, newAuth(t, func(c *Config) {
			c.Now = func() time.Time { return testNow.Add(-time.Hour) }
		}), "alice")
		res, ran := attempt(t, q, get("/p?jwt="+expired, ""))
		assertRefused(t, res, ran, CodeTokenExpired, expired)
	})
	t.Run("the Authorization header then counts as none", func(t *testing.T) {
		res, ran := attempt(t, q, get("/p", bearer(tok)))
		assertRefusedWith(t, res, ran, CodeMissingToken,
			"Missing query parameter 'jwt'", tok)
	})
}

func TestOptionalRoutesRefuseBadTokens(t *testing.T) {
	a := newAuth(t, nil)
	tests := []struct{ name, authorization, code string }{
		{"malformed", "Bearer x", CodeTokenMalformed},
		{"forged", bearer(hmacSHA256([]byte("guess"), jwtHeader, payloadOf("bob", ""))),
			CodeTokenInvalid},
		{"alg none", bearer(segment(`{"alg":"none"}`) + "." + segment(payloadOf("bob", "")) +
			"."), CodeTokenInvalid},
		{"Bearer alone", "Bearer", CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ran := attempt(t, a, get("/p", tt.authorization), Optional())
			assertRefused(t, res, ran, tt.code)
		})
	}
}

// refusal is everything a client sees of a response.
type refusal struct {
	Status int
	Header http.Header
	Body   string
}

func refusalOf(res reply) refusal {
	return refusal{Status: res.Status, Header: res.Header, Body: res.Raw}
}

func TestRefusalsAreNotAnOracle(t *testing.T) {
	loadKeys()
	s1 := []byte(strings.Repeat("1", 64))
	s2 := []byte(strings.Repeat("2", 64))
	a := newAuth(t, func(c *Config) {
		c.Keys = []Key{
			{ID: "k1", Algorithm: "HS256", Secret: s1},
			{ID: "k2", Algorithm: "HS512", Secret: s2},
			{ID: "k3", Algorithm: "RS256", Private: rsaKey},
		}
		c.SigningKeyID = "k1"
		c.Issuer = "iss"
	})
	good := `{"sub":"alice","iss":"iss",` + at("exp", time.Minute) + `}`
	expiredClaims := `{"sub":"alice","iss":"iss",` + at("exp", -time.Hour) + `}`
	earlyClaims := `{"sub":"alice","iss":"iss",` + at("nbf", time.Hour) + `,` +
		at("exp", 2*time.Hour) + `}`
	foreignClaims := `{"sub":"alice","iss":"other",` + at("exp", time.Minute) + `}`
	hdr := func(alg, kid string) string {
		return `{"alg":"` + alg + `","kid":"` + kid + `"}`
	}
	k1 := hdr("HS256", "k1")
	guess := []byte(strings.Repeat("g", 64))
	rsaPEM := publicEncodings(t, &rsaKey.PublicKey)["PEM PKIX"]

	valid := hmacSHA256(s1, k1, good)
	sig := sigOf(t, valid)
	sig[0] ^= 1
	crit := `{"alg":"HS256","kid":"k1","crit":["x"]}`
	rs256 := func(key *rsa.PrivateKey) string {
		return forge(t, jwt.SigningMethodRS256, key, hdr("RS256", "k3"), good)
	}
	tokens := map[string]string{
		"bad signature":            withSig(t, valid, sig),
		"signed by a guessed key":  hmacSHA256(guess, k1, good),
		"unknown kid":              hmacSHA256(s1, hdr("HS256", "k9"), good),
		"kid of the wrong type":    hmacSHA256(s1, `{"alg":"HS256","kid":9}`, good),
		"no kid":                   hmacSHA256(s1, `{"alg":"HS256"}`, good),
		"alg of another key":       hmacSHA256(s1, hdr("HS256", "k2"), good),
		"alg none":                 segment(hdr("none", "k1")) + "." + segment(good) + ".",
		"unsupported alg":          hmacSHA256(s1, hdr("HS999", "k1"), good),
		"HS256 on an RSA key":      hmacSHA256(rsaPEM, hdr("HS256", "k3"), good),
		"RS256 by another key":     rs256(rsaKey2),
		"unknown crit":             hmacSHA256(s1, crit, good),
		"expired, bad signature":   hmacSHA256(guess, k1, expiredClaims),
		"expired, unknown kid":     hmacSHA256(s1, hdr("HS256", "k9"), expiredClaims),
		"early, bad signature":     hmacSHA256(guess, k1, earlyClaims),
		"wrong iss, bad signature": hmacSHA256(guess, k1, foreignClaims),
		"no exp, bad signature":    hmacSHA256(guess, k1, `{"sub":"alice"}`),
		"wrong claim type, bad signature": hmacSHA256(guess, k1,
			`{"sub":1,`+at("exp", -time.Hour)+`}`),
	}

	res, ran := attemptToken(t, a, valid)
	require.True(t, ran, "the valid token must pass: %s", res.Raw)

	var first *refusal
	for name, token := range tokens {
		t.Run(name, func(t *testing.T) {
			res, ran := attemptToken(t, a, token)
			assertRefused(t, res, ran, CodeTokenInvalid, token, "k1", "k9")
			got := refusalOf(res)
			if first == nil {
				first = &got
				return
			}
			assert.Equal(t, *first, got)
		})
	}

	// Only a token whose signature verified learns what is wrong with it.
	verified := map[string]struct{ token, code string }{
		"expired":       {hmacSHA256(s1, k1, expiredClaims), CodeTokenExpired},
		"not yet valid": {hmacSHA256(s1, k1, earlyClaims), CodeTokenNotYetValid},
		"wrong issuer":  {hmacSHA256(s1, k1, foreignClaims), CodeInvalidClaims},
	}
	for name, tt := range verified {
		t.Run("verified "+name, func(t *testing.T) {
			res, ran := attemptToken(t, a, tt.token)
			assertRefused(t, res, ran, tt.code, tt.token, "k1")
		})
	}
}

func TestModesAgreeOnRefusals(t *testing.T) {
	a := newAuth(t, nil)
	expired := access(t, newAuth(t, func(c *Config) {
		c.Now = func() time.Time { return testNow.Add(-time.Hour) }
	}), "alice")
	tokens := map[string]string{
		"malformed": "x",
		"forged":    hmacSHA256([]byte("guess"), jwtHeader, payloadOf("alice", "")),
		"expired":   expired,
	}
	r := protected(a)
	for name, token := range tokens {
		t.Run(name, func(t *testing.T) {
			in := func(mode string) (res reply) {
				withMode(t, mode, func() { res = serve(t, r, get("/p", bearer(token))) })
				return res
			}
			release, test, debug := in(gin.ReleaseMode), in(gin.TestMode), in(gin.DebugMode)

			assert.Equal(t, refusalOf(release), refusalOf(test))
			assert.Equal(t, release.Status, debug.Status)
			assert.Equal(t, release.Header, debug.Header)
			assert.Equal(t, release.code(), debug.code())
			assert.Equal(t, release.msg(), debug.msg())
			assert.NotContains(t, debug.Raw, token)
		})
	}
}

func TestForgedClaimsAreNeverJudged(t *testing.T) {
	guess := []byte(strings.Repeat("g", 32))
	exp := at("exp", time.Minute)
	// Whatever a forged payload holds, the answer is the signature's.
	payloads := map[string]string{
		"expired":           claimsAt(at("exp", -time.Hour)),
		"no exp":            claimsAt(),
		"exp a word":        claimsAt(`"exp":"tomorrow"`),
		"exp true":          claimsAt(`"exp":true`),
		"exp 1e400":         claimsAt(`"exp":1e400`),
		"sub a number":      `{"sub":1,` + exp + `}`,
		"aud a number":      claimsAt(exp, `"aud":1`),
		"type true":         `{"sub":"alice","type":true,` + exp + `}`,
		"fresh yes":         claimsAt(exp, `"fresh":"yes"`),
		"duplicate sub":     `{"sub":"alice","sub":"admin",` + exp + `}`,
		"null payload":      `null`,
		"array payload":     `[]`,
		"not JSON":          `{"sub":`,
		"refresh token":     `{"sub":"alice","type":"refresh",` + exp + `}`,
		"nbf ahead":         claimsAt(exp, at("nbf", time.Minute)),
		"case-folded claim": `{"SUB":"alice",` + exp + `}`,
	}
	for _, au := range bothKeyModes(t, nil) {
		for name, payload := range payloads {
			t.Run(au.name+"/"+name, func(t *testing.T) {
				token := hmacSHA256(guess, jwtHeader, payload)
				res, ran := attemptToken(t, au.auth, token)
				assertRefused(t, res, ran, CodeTokenInvalid, token)
			})
		}
	}
}

func TestJSONBodyLocation(t *testing.T) {
	a := newAuth(t, func(c *Config) {
		c.Locations = []Location{FromJSON()}
		c.JSONBody.MaxBytes = 4 << 10
	})
	tok := access(t, a, "alice")
	member := `"access_token":"` + tok + `"`
	deep := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	big := `"pad":"` + strings.Repeat("x", 4<<10) + `"`

	tests := []struct {
		name, contentType, body, code string
	}{
		{"token alone", "application/json", `{` + member + `}`, ""},
		{"token among other members", "application/json; charset=utf-8",
			`{"a":[1,{"b":null}],` + member + `,"c":"d"}`, ""},
		{"JSON subtype", "application/vnd.api+json", `{` + member + `}`, ""},
		{"token beside deep nesting", "application/json",
			`{` + member + `,"tree":` + deep + `}`, ""},
		{"token beside moderate nesting", "application/json",
			`{` + member + `,"tree":` + strings.Repeat("[", 20) +
				strings.Repeat("]", 20) + `}`, ""},
		{"token in a nested object", "application/json",
			`{"data":{` + member + `}}`, CodeMissingToken},
		{"text body", "text/plain", `{` + member + `}`, CodeMissingToken},
		{"no content type", "", `{` + member + `}`, CodeMissingToken},
		{"body over the limit", "application/json", `{` + member + `,` + big + `}`,
			CodeMissingToken},
		{"token a number", "application/json", `{"access_token":1}`, CodeTokenMalformed},
		{"token an object", "application/json", `{"access_token":{"t":"x"}}`,
			CodeTokenMalformed},
		{"token twice", "application/json", `{` + member + `,` + member + `}`,
			CodeInvalidRequest},
		{"token null", "application/json", `{"access_token":null}`, CodeMissingToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var read string
			ran := false
			r := gin.New()
			r.POST("/p", a.Middleware(), func(c *gin.Context) {
				ran = true
				read = readAll(t, c.Request.Body)
				c.Status(http.StatusNoContent)
			})
			req := httptest.NewRequest(http.MethodPost, "/p", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			var res reply
			withMode(t, gin.ReleaseMode, func() { res = serve(t, r, req) })
			if tt.code == "" {
				assert.Equal(t, http.StatusNoContent, res.Status, res.Raw)
				assert.Equal(t, tt.body, read, "the handler must read the body intact")
				return
			}
			if tt.code == CodeMissingToken {
				assertRefusedWith(t, res, ran, tt.code,
					"Missing JSON body field 'access_token'", tok)
				return
			}
			assertRefused(t, res, ran, tt.code, tok)
		})
	}
}
