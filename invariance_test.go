package ginjwt

import (
	"errors"
	"fmt"
	"io"
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

// The invariance matrix: every code of the taxonomy, raised every way it
// can be (found by the middleware, panicked by a handler, recorded with
// c.Error), under every recovery setup and in every mode, gives the same
// status, headers, code and message; debug mode only adds "detail".

// raiser makes a request fail with one code in one way.
type raiser struct {
	path    string
	request func(t *testing.T) *http.Request
}

// matrixApp serves the routes the matrix drives.
type matrixApp struct {
	auth    *Auth
	tokens  map[string]string
	handled bool
}

func newMatrixApp(t *testing.T) *matrixApp {
	m := &matrixApp{auth: newAuth(t, func(c *Config) {
		c.Validate = func(_ *gin.Context, claims Claimer) error {
			// Codes whose sources come with other features are raised
			// through the validation hook, which answers with the
			// code of the sentinel it returns.
			sub, _ := claims.GetSubject()
			return map[string]error{
				"revoked":     ErrTokenRevoked,
				"nobody":      ErrUserNotFound,
				"csrf":        ErrCSRFFailed,
				"unavailable": ErrAuthUnavailable,
				"claims":      errors.New("custom claim check failed"),
			}[sub]
		}
	})}
	past := newAuth(
		t,
		func(c *Config) { c.Now = func() time.Time { return testNow.Add(-time.Hour) } },
	)
	future := newAuth(
		t,
		func(c *Config) { c.Now = func() time.Time { return testNow.Add(time.Hour) } },
	)
	other := newAuth(t, func(c *Config) {
		c.Keys = []Key{{Algorithm: "HS256", Secret: []byte(strings.Repeat("x", 32))}}
	})
	m.tokens = map[string]string{
		"valid":       access(t, m.auth, "alice"),
		"expired":     access(t, past, "alice"),
		"future":      access(t, future, "alice"),
		"forged":      access(t, other, "alice"),
		"refresh":     refresh(t, m.auth, "alice"),
		"revoked":     access(t, m.auth, "revoked"),
		"nobody":      access(t, m.auth, "nobody"),
		"csrf":        access(t, m.auth, "csrf"),
		"unavailable": access(t, m.auth, "unavailable"),
		"claims":      access(t, m.auth, "claims"),
	}
	return m
}

// engine builds the app under one recovery setup.
func (m *matrixApp) engine(setup string) *gin.Engine {
	var r *gin.Engine
	switch setup {
	case "gin.Default":
		r = gin.New() // gin.Default without its request logger
		r.Use(gin.RecoveryWithWriter(io.Discard))
	case "ginjwt.Recovery":
		r = gin.New()
		r.Use(RecoveryWith(RecoveryConfig{Logger: slog.New(slog.DiscardHandler)}))
	default:
		r = gin.New()
	}
	handler := func(c *gin.Context) { m.handled = true; c.Status(http.StatusOK) }
	r.GET("/strict", m.auth.Middleware(), handler)
	r.GET("/fresh", m.auth.Middleware(FreshOnly()), handler)
	r.GET("/admin", m.auth.Middleware(Authorize(func(*gin.Context) error {
		return ErrForbidden
	})), handler)

	// Handlers behind an optional middleware raise errors themselves.
	raise := r.Group("/raise", m.auth.Middleware(Optional()))
	raise.GET("/panic/:code", func(c *gin.Context) { panic(sentinelFor(c.Param("code"))) })
	raise.GET("/wrapped/:code", func(c *gin.Context) {
		panic(fmt.Errorf("loading the report: %w", sentinelFor(c.Param("code"))))
	})
	raise.GET("/upstream/:code", func(c *gin.Context) { panic(upstreamFor(c.Param("code"))) })
	raise.GET("/record/:code", func(c *gin.Context) {
		_ = c.Error(sentinelFor(c.Param("code")))
	})
	raise.GET("/bug", func(*gin.Context) { panic("nil map write") })
	return r
}

func sentinelFor(code string) error {
	k, _ := kindOf(code)
	return taxonomy[k].sentinel
}

// upstreamFor returns golang-jwt's sentinel for a code, if it has one.
func upstreamFor(code string) error {
	for _, u := range upstream {
		if taxonomy[u.kind].code == code {
			return u.err
		}
	}
	return nil
}

// raisers lists the ways each code can be raised.
func (m *matrixApp) raisers(code string) map[string]string {
	r := map[string]string{}
	mw := map[string]string{
		CodeMissingToken:       "/strict",
		CodeInvalidRequest:     "/strict|Bearer a b",
		CodeTokenMalformed:     "/strict|Bearer not-a-token",
		CodeTokenInvalid:       "/strict|forged",
		CodeTokenExpired:       "/strict|expired",
		CodeTokenNotYetValid:   "/strict|future",
		CodeInvalidClaims:      "/strict|claims",
		CodeWrongTokenType:     "/strict|refresh",
		CodeFreshTokenRequired: "/fresh|valid",
		CodeTokenRevoked:       "/strict|revoked",
		CodeUserNotFound:       "/strict|nobody",
		CodeCSRFFailed:         "/strict|csrf",
		CodeForbidden:          "/admin|valid",
		CodeAuthUnavailable:    "/strict|unavailable",
	}[code]
	if mw != "" {
		r["middleware"] = mw
	}
	if code == CodeInternalError {
		r["panic"] = "/raise/bug"
		return r
	}
	r["panic"] = "/raise/panic/" + code
	r["wrapped panic"] = "/raise/wrapped/" + code
	r["c.Error"] = "/raise/record/" + code
	if upstreamFor(code) != nil {
		r["golang-jwt panic"] = "/raise/upstream/" + code
	}
	return r
}

func (m *matrixApp) request(spec string) *http.Request {
	path, auth, _ := strings.Cut(spec, "|")
	if tok, ok := m.tokens[auth]; ok {
		auth = bearer(tok)
	}
	return get(path, auth)
}

// expected is the release-mode response of a code with its default
// message.
func expected(code string) (status int, body, challenge string) {
	k, _ := kindOf(code)
	s := taxonomy[k]
	r, _ := newResponder(ErrorConfig{}, nil)
	return s.status, string(
			r.body(s.code, s.message, ""),
		), r.challenge(
			s.code,
			s.status,
			s.message,
		)
}

func TestInvarianceMatrix(t *testing.T) {
	m := newMatrixApp(t)
	setups := []string{"gin.Default", "ginjwt.Recovery", "none"}
	engines := map[string]*gin.Engine{}
	for _, setup := range setups {
		engines[setup] = m.engine(setup)
	}
	for k := range taxonomy {
		code := taxonomy[k].code
		wantStatus, wantBody, wantChallenge := expected(code)
		for how, spec := range m.raisers(code) {
			for _, setup := range setups {
				if code == CodeInternalError && setup != "ginjwt.Recovery" {
					// A bug is ginjwt.Recovery's to answer; without it
					// gin or net/http decide.
					continue
				}
				for _, mode := range modes {
					name := fmt.Sprintf("%s/%s/%s/%s", code, how, setup, mode)
					t.Run(name, func(t *testing.T) {
						var res reply
						withMode(t, mode, func() {
							m.handled = false
							res = serve(t, engines[setup], m.request(spec))
						})
						assert.Equal(t, wantStatus, res.Status)
						assert.Equal(
							t,
							"application/json; charset=utf-8",
							res.Header.Get("Content-Type"),
						)
						assert.Equal(t, wantChallenge, res.Header.Get("WWW-Authenticate"))
						if wantStatus == http.StatusServiceUnavailable {
							assert.Equal(t, "5", res.Header.Get("Retry-After"))
						}
						assert.Equal(t, code, res.code())
						assert.Equal(t, taxonomy[k].message, res.msg())
						if how == "middleware" {
							assert.False(t, m.handled, "the handler ran")
						}
						if mode != gin.DebugMode {
							assert.Equal(t, wantBody, res.Raw)
							return
						}
						delete(res.Body, "detail")
						assert.Len(
							t,
							res.Body,
							2,
							"debug mode may only add detail: %s",
							res.Raw,
						)
					})
				}
			}
		}
	}
}

// Release-mode bodies carry the taxonomy and nothing from golang-jwt,
// crypto, JSON decoders or panics.
func TestReleaseBodiesLeakNothing(t *testing.T) {
	m := newMatrixApp(t)
	r := m.engine("ginjwt.Recovery")
	leaks := []string{"jwt", "token is", "signature", "crypto", "json", "JSON",
		"invalid character", "base64", "panic", "nil map", "goroutine", "ginjwt:"}
	withMode(t, gin.ReleaseMode, func() {
		for k := range taxonomy {
			for how, spec := range m.raisers(taxonomy[k].code) {
				res := serve(t, r, m.request(spec))
				require.NotEmpty(t, res.Raw, how)
				assert.Len(t, res.Body, 2, res.Raw)
				for _, leak := range leaks {
					assert.NotContains(
						t,
						res.Body["msg"],
						leak,
						"%s via %s",
						taxonomy[k].code,
						how,
					)
				}
			}
		}
	})
}

// A protected route answers auth panics correctly without any recovery
// installed, and lets other panics through untouched.
func TestMiddlewareRecoversOnlyAuthPanics(t *testing.T) {
	m := newMatrixApp(t)
	r := m.engine("none")
	assert.Panics(t, func() {
		r.ServeHTTP(httptest.NewRecorder(), get("/raise/bug", ""))
	})
	res := serve(t, r, get("/raise/upstream/token_expired", ""))
	assert.Equal(t, http.StatusUnauthorized, res.Status)
	assert.Equal(t, "token_expired", res.code())
}

func TestOverridesApplyOnEveryPath(t *testing.T) {
	a := newAuth(t, func(c *Config) {
		c.Errors = ErrorConfig{
			MessageKey: "message",
			Realm:      "reports",
			Responses: map[error]Response{
				ErrTokenExpired: {Status: 419, Message: "Session expired"},
				ErrMissingToken: {Message: "Log in first"},
			},
		}
	})
	past := newAuth(
		t,
		func(c *Config) { c.Now = func() time.Time { return testNow.Add(-time.Hour) } },
	)
	r := gin.New()
	r.GET("/p", a.Middleware(), func(c *gin.Context) {})
	r.GET(
		"/panic",
		a.Middleware(Optional()),
		func(c *gin.Context) { panic(jwt.ErrTokenExpired) },
	)
	r.GET(
		"/record",
		a.Middleware(Optional()),
		func(c *gin.Context) { _ = c.Error(ErrTokenExpired) },
	)

	for _, req := range []*http.Request{
		get("/p", bearer(access(t, past, "alice"))), get("/panic", ""), get("/record", ""),
	} {
		res := serve(t, r, req)
		assert.Equal(t, 419, res.Status)
		assert.JSONEq(t, `{"error":"token_expired","message":"Session expired"}`, res.Raw)
		assert.Equal(t, "", res.Header.Get("WWW-Authenticate"), "419 is not a 401")
	}
	res := serve(t, r, get("/p", ""))
	assert.JSONEq(t, `{"error":"missing_token","message":"Log in first"}`, res.Raw)
	assert.Equal(t, `Bearer realm="reports"`, res.Header.Get("WWW-Authenticate"))
}

func TestErrorHandlers(t *testing.T) {
	var got []*Error
	custom := func(c *gin.Context, err *Error) {
		got = append(got, err)
		c.JSON(err.Status, gin.H{"code": err.Code, "text": err.Message})
	}
	silent := func(*gin.Context, *Error) {}
	a := newAuth(t, func(c *Config) { c.Errors.Handler = custom })
	r := gin.New()
	r.GET("/p", a.Middleware(), func(c *gin.Context) {})
	r.GET("/panic", a.Middleware(Optional()), func(c *gin.Context) { panic(ErrForbidden) })
	r.GET("/silent", a.Middleware(OnError(silent)), func(c *gin.Context) {})
	r.GET(
		"/problem",
		a.Middleware(OnError(ProblemJSON("https://errors.test/"))),
		func(c *gin.Context) {},
	)

	res := serve(t, r, get("/p", "Bearer abc"))
	assert.JSONEq(t, `{"code":"token_malformed","text":"Malformed token"}`, res.Raw)
	assert.Equal(
		t,
		`Bearer realm="api", error="invalid_token", error_description="Malformed token"`,
		res.Header.Get("WWW-Authenticate"),
		"headers are set before the handler runs",
	)
	require.Len(t, got, 1)
	assert.ErrorIs(t, got[0], ErrTokenMalformed)
	assert.ErrorIs(t, got[0], errSegments)

	res = serve(t, r, get("/panic", ""))
	assert.Equal(t, http.StatusForbidden, res.Status)
	assert.JSONEq(t, `{"code":"forbidden","text":"Forbidden"}`, res.Raw)

	res = serve(t, r, get("/silent", ""))
	assert.JSONEq(t, `{"error":"missing_token","msg":"Missing Authorization Header"}`, res.Raw,
		"a handler that writes nothing gets the default body")

	withMode(t, gin.ReleaseMode, func() {
		res = serve(t, r, get("/problem", ""))
	})
	assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	assert.JSONEq(
		t,
		`{"type":"https://errors.test/missing_token","title":"Missing Authorization Header",
		"status":401,"error":"missing_token"}`,
		res.Raw,
	)
}
