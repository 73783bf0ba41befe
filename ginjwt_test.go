package ginjwt

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The outage ginjwt exists for: an expired token must answer the same 401
// JSON whatever mode the server runs in.
func TestExpiredTokenAnswers401InEveryMode(t *testing.T) {
	issuer := newAuth(t, func(c *Config) {
		c.Now = func() time.Time { return testNow.Add(-time.Hour) }
	})
	expired := access(t, issuer, "alice")
	a := newAuth(t, nil)

	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			withMode(t, mode, func() {
				res := serve(t, protected(a), get("/p", bearer(expired)))

				assert.Equal(t, http.StatusUnauthorized, res.Status)
				assert.Equal(t, "token_expired", res.code())
				assert.Equal(t, "Token has expired", res.msg())
				if mode == gin.DebugMode {
					assert.Contains(t, res.Body, "detail")
				} else {
					assert.JSONEq(t, `{"error":"token_expired","msg":"Token has expired"}`, res.Raw)
				}
			})
		})
	}
}

func TestNewAuthRefusesBadConfig(t *testing.T) {
	loadKeys()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	hs := Key{Algorithm: "HS256", Secret: testSecret}
	keyfunc := func(*jwt.Token) (any, error) { return nil, nil }

	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no key source", Config{}, "exactly one of Keys"},
		{"two key sources", Config{Keys: []Key{hs}, Keyfunc: keyfunc}, "exactly one of Keys"},
		{"keyfunc without algorithms", Config{Keyfunc: keyfunc}, "Algorithms allow-list"},
		{
			"algorithms with keys",
			Config{Keys: []Key{hs}, Algorithms: []string{"HS256"}},
			"Algorithms is for key functions",
		},
		{
			"unknown algorithm in allow-list",
			Config{Keyfunc: keyfunc, Algorithms: []string{"none"}},
			`unsupported algorithm "none"`,
		},
		{
			"short HMAC secret",
			Config{Keys: []Key{{Algorithm: "HS256", Secret: []byte("short")}}},
			"shorter than the 32-byte hash",
		},
		{
			"HS512 secret of 32 bytes",
			Config{Keys: []Key{{Algorithm: "HS512", Secret: testSecret}}},
			"shorter than the 64-byte hash",
		},
		{
			"weak RSA key",
			Config{Keys: []Key{{Algorithm: "RS256", Private: small}}},
			"1024 bits",
		},
		{
			"none algorithm",
			Config{Keys: []Key{{Algorithm: "none", Secret: testSecret}}},
			"unsupported algorithm",
		},
		{
			"lower-case algorithm",
			Config{Keys: []Key{{Algorithm: "hs256", Secret: testSecret}}},
			"unsupported algorithm",
		},
		{
			"RSA key for ECDSA",
			Config{Keys: []Key{{Algorithm: "ES256", Private: rsaKey}}},
			"RSA key cannot be used with ES256",
		},
		{
			"curve mismatch",
			Config{Keys: []Key{{Algorithm: "ES256", Private: ecKeys["ES384"]}}},
			"cannot be used with ES256",
		},
		{
			"EC key for HMAC",
			Config{Keys: []Key{{Algorithm: "HS256", Private: ecKeys["ES256"]}}},
			"takes Secret only",
		},
		{
			"secret for RSA",
			Config{Keys: []Key{{Algorithm: "RS256", Secret: testSecret}}},
			"HMAC keys only",
		},
		{
			"mismatched public key",
			Config{
				Keys: []Key{{Algorithm: "RS256", Private: rsaKey, Public: &rsaKey2.PublicKey}},
			},
			"does not match",
		},
		{
			"no key material",
			Config{Keys: []Key{{Algorithm: "RS256"}}},
			"neither Private nor Public",
		},
		{
			"key without ID in a set",
			Config{Keys: []Key{{ID: "a", Algorithm: "HS256", Secret: testSecret}, hs}},
			"key without ID",
		},
		{
			"duplicate kid",
			Config{
				Keys: []Key{
					{ID: "a", Algorithm: "HS256", Secret: testSecret},
					{ID: "a", Algorithm: "HS256", Secret: testSecret},
				},
			},
			`duplicate key ID "a"`,
		},
		{
			"unknown signing key",
			Config{Keys: []Key{hs}, SigningKeyID: "x"},
			`signing key "x" is not in the key set`,
		},
		{
			"verify-only signing key",
			Config{
				Keys:         []Key{{ID: "pub", Algorithm: "RS256", Public: &rsaKey.PublicKey}},
				SigningKeyID: "pub",
			},
			"no private part",
		},
		{
			"negative leeway",
			Config{Keys: []Key{hs}, Leeway: -time.Second},
			"cannot be negative",
		},
		{
			"huge token cap",
			Config{Keys: []Key{hs}, MaxTokenSize: 2 << 20},
			"MaxTokenSize above",
		},
		{"empty audience", Config{Keys: []Key{hs}, Audience: []string{""}}, "empty Audience"},
		{
			"no expiry without optional expiry",
			Config{Keys: []Key{hs}, AccessLifetime: NoExpiry},
			"need ExpiryOptional",
		},
		{
			"negative lifetime",
			Config{Keys: []Key{hs}, RefreshLifetime: -time.Hour},
			"negative token lifetime",
		},
		{
			"empty locations",
			Config{Keys: []Key{hs}, Locations: []Location{}},
			"empty Locations",
		},
		{"zero location", Config{Keys: []Key{hs}, Locations: []Location{{}}}, "use FromHeader"},
		{
			"header name with space",
			Config{Keys: []Key{hs}, Locations: []Location{FromHeader("X Token", "")}},
			"invalid X Token header name",
		},
		{
			"duplicate location",
			Config{Keys: []Key{hs}, Locations: []Location{FromCookie(), FromCookie()}},
			"listed twice",
		},
		{
			"nil claims",
			Config{Keys: []Key{hs}, NewClaims: func() Claimer { return nil }},
			"NewClaims returned nil",
		},
		{
			"message key collision",
			Config{Keys: []Key{hs}, Errors: ErrorConfig{MessageKey: "error"}},
			"collides",
		},
		{
			"realm with quote",
			Config{Keys: []Key{hs}, Errors: ErrorConfig{Realm: `a"b`}},
			"Realm",
		},
		{
			"override of a foreign error",
			Config{
				Keys: []Key{hs},
				Errors: ErrorConfig{
					Responses: map[error]Response{jwt.ErrTokenExpired: {Status: 419}},
				},
			},
			"not a ginjwt sentinel",
		},
		{
			"override with a success status",
			Config{
				Keys: []Key{hs},
				Errors: ErrorConfig{
					Responses: map[error]Response{ErrTokenExpired: {Status: 200}},
				},
			},
			"is not an error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewAuth(tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "ginjwt: "), "got %q", err)
			assert.PanicsWithError(t, err.Error(), func() { New(tt.cfg) })
		})
	}
}

func TestGlobalMiddlewareLeavesUnmatchedRoutesAlone(t *testing.T) {
	a := newAuth(t, nil)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(a.Middleware())
	r.GET("/p", func(c *gin.Context) { c.String(http.StatusOK, "ok") })

	assert.Equal(t, http.StatusNotFound, serve(t, r, get("/nowhere", "")).Status)
	post := httptest.NewRequest(http.MethodPost, "/p", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, serve(t, r, post).Status)
	assert.Equal(t, http.StatusUnauthorized, serve(t, r, get("/p", "")).Status)
}

func TestGroupMiddlewareAndVariants(t *testing.T) {
	a := newAuth(t, nil)
	r := gin.New()
	api := r.Group("/api", a.Middleware())
	api.GET("/me", func(c *gin.Context) { c.String(http.StatusOK, MustIdentity(c)) })
	r.GET(
		"/fresh",
		a.Middleware(FreshOnly()),
		func(c *gin.Context) { c.String(http.StatusOK, "fresh") },
	)
	r.POST(
		"/refresh",
		a.Middleware(RefreshOnly()),
		func(c *gin.Context) { c.String(http.StatusOK, "refresh") },
	)
	r.GET(
		"/any",
		a.Middleware(AnyTokenType()),
		func(c *gin.Context) { c.String(http.StatusOK, "any") },
	)
	r.GET("/public", func(c *gin.Context) { c.String(http.StatusOK, "public") })

	fresh := access(t, a, "alice", AsFresh())
	stale := access(t, a, "alice")
	freshBefore := access(t, a, "alice", FreshUntil(testNow.Add(time.Minute)))
	freshAfter := access(t, a, "alice", FreshUntil(testNow.Add(-time.Minute)))
	ref := refresh(t, a, "alice")

	tests := []struct {
		name, method, path, token string
		status                    int
		code, msg                 string
	}{
		{"group with access token", "GET", "/api/me", stale, 200, "", ""},
		{"group without token", "GET", "/api/me", "", 401, "missing_token", ""},
		{"public route untouched", "GET", "/public", "", 200, "", ""},
		{
			"refresh token on access route",
			"GET",
			"/api/me",
			ref,
			401,
			"wrong_token_type",
			"Only non-refresh tokens are allowed",
		},
		{"fresh token on fresh route", "GET", "/fresh", fresh, 200, "", ""},
		{"fresh-until before the time", "GET", "/fresh", freshBefore, 200, "", ""},
		{
			"fresh-until after the time",
			"GET",
			"/fresh",
			freshAfter,
			401,
			"fresh_token_required",
			"Fresh token required",
		},
		{"stale token on fresh route", "GET", "/fresh", stale, 401, "fresh_token_required", ""},
		{"refresh token on fresh route", "GET", "/fresh", ref, 401, "wrong_token_type", ""},
		{"refresh token on refresh route", "POST", "/refresh", ref, 200, "", ""},
		{
			"access token on refresh route",
			"POST",
			"/refresh",
			stale,
			401,
			"wrong_token_type",
			"Only refresh tokens are allowed",
		},
		{"access token on any-type route", "GET", "/any", stale, 200, "", ""},
		{"refresh token on any-type route", "GET", "/any", ref, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(t, r, withBearer(tt.method, tt.path, tt.token))
			assert.Equal(t, tt.status, res.Status, res.Raw)
			assert.Equal(t, tt.code, res.code())
			if tt.msg != "" {
				assert.Equal(t, tt.msg, res.msg())
			}
		})
	}
}

func TestOtherTokenTypesAreRefusedEverywhere(t *testing.T) {
	a := newAuth(t, nil)
	tok := forge(t, jwt.SigningMethodHS256, testSecret, `{"alg":"HS256"}`,
		strings.Replace(payloadOf("alice", ""), `"type":"access"`, `"type":"id"`, 1))
	for _, opt := range []Option{AnyTokenType(), RefreshOnly(), FreshOnly(), Optional()} {
		res := serve(t, protected(a, opt), get("/p", bearer(tok)))
		assert.Equal(t, "wrong_token_type", res.code())
	}
}

func TestTokensWithoutTypeAreAccessTokens(t *testing.T) {
	a := newAuth(t, nil)
	tok := forge(t, jwt.SigningMethodHS256, testSecret, `{"alg":"HS256"}`,
		`{"sub":"alice","exp":`+unix(testNow.Add(time.Minute))+`}`)
	assert.Equal(t, http.StatusOK, serve(t, protected(a), get("/p", bearer(tok))).Status)
	assert.Equal(t, "wrong_token_type",
		serve(t, protected(a, RefreshOnly()), get("/p", bearer(tok))).code())
}

func TestOptionalRoutes(t *testing.T) {
	a := newAuth(t, nil)
	past := newAuth(
		t,
		func(c *Config) { c.Now = func() time.Time { return testNow.Add(-time.Hour) } },
	)
	r := protected(a, Optional())

	tests := []struct {
		name, authorization string
		status              int
		body                string
	}{
		{"no token", "", 200, `{"identity":null}`},
		{"another scheme", "Basic YWxpY2U6cGFzcw==", 200, `{"identity":null}`},
		{"valid token", bearer(access(t, a, "alice")), 200, `{"identity":"alice"}`},
		{
			"expired token",
			bearer(access(t, past, "alice")),
			401,
			`{"error":"token_expired","msg":"Token has expired"}`,
		},
		{
			"malformed token",
			"Bearer abc",
			401,
			`{"error":"token_malformed","msg":"Malformed token"}`,
		},
		{"bearer without token", "Bearer", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(t, r, get("/p", tt.authorization))
			assert.Equal(t, tt.status, res.Status)
			if tt.body != "" {
				assert.JSONEq(t, tt.body, res.Raw)
			}
		})
	}
}

func TestMustAccessorsOnAnonymousRequests(t *testing.T) {
	a := newAuth(t, nil)
	r := gin.New()
	r.GET("/p", a.Middleware(Optional()), func(c *gin.Context) {
		c.String(http.StatusOK, MustIdentity(c))
	})
	res := serve(t, r, get("/p", ""))
	assert.Equal(t, http.StatusUnauthorized, res.Status)
	assert.Equal(t, "missing_token", res.code())
}

type appClaims struct {
	Claims
	Role   string   `json:"role"`
	Scopes []string `json:"scopes,omitempty"`
}

func TestCustomClaimsAndAccessors(t *testing.T) {
	a := newAuth(t, func(c *Config) {
		c.NewClaims = func() Claimer { return new(appClaims) }
		c.Issuer = "https://issuer.test"
		c.Audience = []string{"api", "admin"}
	})
	tok := access(t, a, "bob", WithClaims(&appClaims{Role: "admin"}))

	var seen *appClaims
	var fromCtx *Claims
	r := gin.New()
	r.GET("/p", a.Middleware(), func(c *gin.Context) {
		seen = MustClaims[*appClaims](c)
		var ok bool
		fromCtx, ok = ClaimsFrom[*Claims](c.Request.Context())
		require.True(t, ok)
		raw, _ := Token(c)
		assert.Equal(t, tok, raw)
		_, wrongType := ClaimsFrom[*otherClaims](c)
		assert.False(t, wrongType)
		c.Status(http.StatusNoContent)
	})
	require.Equal(t, http.StatusNoContent, serve(t, r, get("/p", bearer(tok))).Status)
	assert.Equal(t, "admin", seen.Role)
	assert.Equal(t, "bob", seen.Subject)
	assert.Equal(t, "https://issuer.test", seen.Issuer)
	assert.Equal(t, jwt.ClaimStrings{"api", "admin"}, seen.Audience)
	assert.Same(t, &seen.Claims, fromCtx)
}

type otherClaims struct{ Claims }

func TestMustClaimsWithTheWrongTypeIsABug(t *testing.T) {
	a := newAuth(t, nil)
	r := gin.New()
	r.Use(RecoveryWith(RecoveryConfig{Logger: slog.New(slog.DiscardHandler)}))
	r.GET("/p", a.Middleware(), func(c *gin.Context) {
		MustClaims[*otherClaims](c)
	})
	res := serve(t, r, get("/p", bearer(access(t, a, "alice"))))
	assert.Equal(t, http.StatusInternalServerError, res.Status)
	assert.Equal(t, "internal_error", res.code())
}

func TestAuthorization(t *testing.T) {
	a := newAuth(t, func(c *Config) { c.NewClaims = func() Claimer { return new(appClaims) } })
	admins := Allow(func(c *appClaims) bool { return c.Role == "admin" })
	r := gin.New()
	r.GET("/admin", a.Middleware(admins), func(c *gin.Context) { c.String(200, "ok") })
	r.GET("/err", a.Middleware(Authorize(func(c *gin.Context) error {
		if MustIdentity(c) == "down" {
			return ErrAuthUnavailable
		}
		return ErrForbidden
	})), func(c *gin.Context) { c.String(200, "ok") })

	admin := access(t, a, "bob", WithClaims(&appClaims{Role: "admin"}))
	user := access(t, a, "alice", WithClaims(&appClaims{Role: "user"}))

	res := serve(t, r, get("/admin", bearer(admin)))
	assert.Equal(t, http.StatusOK, res.Status)

	res = serve(t, r, get("/admin", bearer(user)))
	assert.Equal(t, http.StatusForbidden, res.Status)
	assert.Equal(t, "forbidden", res.code())
	assert.Equal(
		t,
		`Bearer realm="api", error="insufficient_scope", error_description="Forbidden"`,
		res.Header.Get("WWW-Authenticate"),
	)

	res = serve(t, r, get("/err", bearer(access(t, a, "down"))))
	assert.Equal(t, http.StatusServiceUnavailable, res.Status)
	assert.Equal(t, "5", res.Header.Get("Retry-After"))

	assert.PanicsWithError(
		t,
		"ginjwt: Allow takes *ginjwt.otherClaims, but NewClaims makes *ginjwt.appClaims",
		func() { a.Middleware(Allow(func(*otherClaims) bool { return true })) },
	)
	// Every claims type embeds Claims, so Allow on *Claims always fits.
	assert.NotPanics(t, func() { a.Middleware(Allow(func(*Claims) bool { return true })) })
}

func TestValidateHook(t *testing.T) {
	a := newAuth(t, func(c *Config) {
		c.Validate = func(c *gin.Context, claims Claimer) error {
			switch sub, _ := claims.GetSubject(); sub {
			case "banned":
				return ErrTokenRevoked
			case "odd":
				return assert.AnError
			}
			return nil
		}
	})
	r := protected(a)
	assert.Equal(t, 200, serve(t, r, get("/p", bearer(access(t, a, "alice")))).Status)
	assert.Equal(
		t,
		"token_revoked",
		serve(t, r, get("/p", bearer(access(t, a, "banned")))).code(),
	)
	assert.Equal(
		t,
		"invalid_claims",
		serve(t, r, get("/p", bearer(access(t, a, "odd")))).code(),
	)
}

func TestIssuedTokens(t *testing.T) {
	a := newAuth(t, func(c *Config) {
		c.Issuer = "iss"
		c.Audience = []string{"aud"}
		c.AccessLifetime = 5 * time.Minute
	})
	tok := access(t, a, "alice", AsFresh(), WithHeader("x-app", "demo"))
	header, payload := decodeParts(t, tok)

	assert.Equal(t, "HS256", header["alg"])
	assert.Equal(t, "JWT", header["typ"])
	assert.Equal(t, "demo", header["x-app"])
	assert.NotContains(t, header, "kid")

	assert.Equal(t, "alice", payload["sub"])
	assert.Equal(t, "iss", payload["iss"])
	assert.Equal(t, []any{"aud"}, payload["aud"])
	assert.Equal(t, "access", payload["type"])
	assert.Equal(t, true, payload["fresh"])
	assert.EqualValues(t, testNow.Unix(), payload["iat"])
	assert.EqualValues(t, testNow.Unix(), payload["nbf"])
	assert.EqualValues(t, testNow.Add(5*time.Minute).Unix(), payload["exp"])
	assert.Len(t, payload["jti"], 26)
	assert.NotEqual(t, payload["jti"], decodePayload(t, access(t, a, "alice"))["jti"])

	ref := decodePayload(t, refresh(t, a, "alice", AsFresh()))
	assert.Equal(t, "refresh", ref["type"])
	assert.NotContains(t, ref, "fresh", "refresh tokens are never fresh")
	assert.EqualValues(t, testNow.Add(30*24*time.Hour).Unix(), ref["exp"])

	_, err := a.NewAccessToken("alice", WithHeader("alg", "none"))
	assert.ErrorContains(t, err, `header "alg" is set by ginjwt`)
	_, err = a.NewAccessToken("")
	assert.ErrorContains(t, err, "empty subject")
	_, err = a.NewAccessToken("alice", Lifetime(NoExpiry))
	assert.ErrorContains(t, err, "NoExpiry needs ExpiryOptional")

	open := newAuth(t, func(c *Config) { c.ExpiryOptional = true })
	assert.NotContains(t, decodePayload(t, access(t, open, "alice", Lifetime(NoExpiry))), "exp")
}

func TestVerifyOnlyAuthCannotIssue(t *testing.T) {
	loadKeys()
	a := newAuth(t, func(c *Config) {
		c.Keys = []Key{{Algorithm: "RS256", Public: &rsaKey.PublicKey}}
	})
	_, err := a.NewAccessToken("alice")
	assert.ErrorIs(t, err, errNoSigningKey)
}

func decodeParts(t *testing.T, token string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := b64.DecodeString(parts[i])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, dst))
	}
	return header, payload
}

func decodePayload(t *testing.T, token string) map[string]any {
	t.Helper()
	_, p := decodeParts(t, token)
	return p
}

func TestModeIsReadAtRequestTime(t *testing.T) {
	a := newAuth(t, nil)
	r := protected(a)
	withMode(t, gin.ReleaseMode, func() {
		assert.NotContains(t, serve(t, r, get("/p", "Bearer abc")).Body, "detail")
	})
	withMode(t, gin.DebugMode, func() {
		assert.Contains(t, serve(t, r, get("/p", "Bearer abc")).Body, "detail")
	})
}

func TestDebugWarnings(t *testing.T) {
	var out strings.Builder
	old := gin.DefaultWriter
	gin.DefaultWriter = &out
	defer func() { gin.DefaultWriter = old }()

	withMode(t, gin.DebugMode, func() {
		newAuth(t, func(c *Config) {
			c.Locations = []Location{FromQuery("jwt")}
			c.AccessLifetime = 24 * time.Hour
		})
	})
	assert.Contains(t, out.String(), "[GIN-debug] [WARNING] ginjwt: tokens in query strings")
	assert.Contains(t, out.String(), "access tokens live 24h0m0s")

	out.Reset()
	withMode(t, gin.ReleaseMode, func() {
		newAuth(t, func(c *Config) { c.Locations = []Location{FromQuery("jwt")} })
	})
	assert.Empty(t, out.String())
}
