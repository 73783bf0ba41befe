package ginjwt

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderSchemeGrammar(t *testing.T) {
	a := newAuth(t, nil)
	tok := access(t, a, "alice")
	r := protected(a)

	tests := []struct {
		name, value string
		status      int
		code        string
	}{
		{"canonical", "Bearer " + tok, 200, ""},
		{"lower-case scheme", "bearer " + tok, 200, ""},
		{"upper-case scheme", "BEARER " + tok, 200, ""},
		{"several spaces", "Bearer   " + tok, 200, ""},
		{"trailing space", "Bearer " + tok + " ", 200, ""},
		{"scheme alone", "Bearer", 400, "invalid_request"},
		{"scheme and space", "Bearer ", 400, "invalid_request"},
		{"two tokens", "Bearer " + tok + " " + tok, 400, "invalid_request"},
		{"token then text", "Bearer " + tok + " extra", 400, "invalid_request"},
		{"longer scheme name", "Bearert " + tok, 401, "missing_token"},
		{"basic credentials", "Basic YWxpY2U6cGFzcw==", 401, "missing_token"},
		{"bare token", tok, 401, "missing_token"},
		{"tab separator", "Bearer\t" + tok, 401, "missing_token"},
		{"token with a comma", "Bearer " + tok + ",", 401, "token_malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(t, r, get("/p", tt.value))
			assert.Equal(t, tt.status, res.Status, res.Raw)
			assert.Equal(t, tt.code, res.code())
		})
	}

	t.Run("header sent twice", func(t *testing.T) {
		req := get("/p", "")
		req.Header.Add("Authorization", bearer(tok))
		req.Header.Add("Authorization", bearer(tok))
		assert.Equal(t, "invalid_request", serve(t, r, req).code())
	})
}

func TestCustomHeaderLocations(t *testing.T) {
	tests := []struct {
		name     string
		loc      Location
		header   string
		value    func(tok string) string
		status   int
		code     string
		missing  string
		scheme   string
		optional bool
	}{
		{name: "custom scheme", loc: FromHeader("Authorization", "JWT"),
			header: "Authorization", status: 200,
			value: func(t string) string { return "jwt " + t }},
		{name: "bare token", loc: FromHeader("x-api-token", ""),
			header: "X-Api-Token", value: func(t string) string { return t }, status: 200},
		{name: "bare token with a space", loc: FromHeader("X-Api-Token", ""),
			header: "X-Api-Token", value: func(t string) string { return "Bearer " + t },
			status: 400, code: "invalid_request"},
		{name: "bare header missing", loc: FromHeader("X-Api-Token", ""),
			header: "Authorization", value: func(t string) string { return "Bearer " + t },
			status: 401, code: "missing_token", missing: "Missing X-Api-Token Header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, func(c *Config) { c.Locations = []Location{tt.loc} })
			req := get("/p", "")
			req.Header.Set(tt.header, tt.value(access(t, a, "alice")))
			res := serve(t, protected(a), req)
			assert.Equal(t, tt.status, res.Status, res.Raw)
			assert.Equal(t, tt.code, res.code())
			if tt.missing != "" {
				assert.Equal(t, tt.missing, res.msg())
			}
		})
	}
}

func TestCookieQueryAndBodyLocations(t *testing.T) {
	a := newAuth(t, func(c *Config) {
		c.Locations = []Location{FromHeader("Authorization", "Bearer"),
			FromCookie(), FromQuery("jwt"), FromJSON()}
		c.CSRF.Disabled = true // tested on its own
	})
	tok := access(t, a, "alice")
	ref := refresh(t, a, "alice")
	var body string
	r := gin.New()
	handler := func(c *gin.Context) {
		body = readAll(t, c.Request.Body)
		c.String(http.StatusOK, MustIdentity(c))
	}
	r.POST("/p", a.Middleware(), handler)
	r.POST("/refresh", a.Middleware(RefreshOnly()), handler)

	jsonReq := func(path, payload string) *http.Request {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(payload))
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	withCookie := func(req *http.Request, name, value string) *http.Request {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
		return req
	}
	tests := []struct {
		name     string
		req      *http.Request
		status   int
		code     string
		wantBody string
	}{
		{name: "access cookie",
			req:    withCookie(jsonReq("/p", ""), "access_token_cookie", tok),
			status: 200},
		{name: "refresh cookie on refresh route",
			req:    withCookie(jsonReq("/refresh", ""), "refresh_token_cookie", ref),
			status: 200},
		{name: "access cookie on refresh route",
			req:    withCookie(jsonReq("/refresh", ""), "access_token_cookie", tok),
			status: 401, code: "missing_token"},
		{name: "empty cookie",
			req:    withCookie(jsonReq("/p", ""), "access_token_cookie", ""),
			status: 401, code: "missing_token"},
		{name: "cookie set twice",
			req: withCookie(withCookie(jsonReq("/p", ""), "access_token_cookie", tok),
				"access_token_cookie", tok),
			status: 400, code: "invalid_request"},
		{name: "query parameter", req: jsonReq("/p?jwt="+tok, ""), status: 200},
		{name: "query parameter twice", req: jsonReq("/p?jwt="+tok+"&jwt="+tok, ""),
			status: 400, code: "invalid_request"},
		{name: "JSON body, handed back intact",
			req:    jsonReq("/p", `{"access_token":"`+tok+`","n":1}`),
			status: 200, wantBody: `{"access_token":"` + tok + `","n":1}`},
		{name: "JSON refresh field", req: jsonReq("/refresh", `{"refresh_token":"`+ref+`"}`),
			status: 200},
		{name: "JSON field that is not a string", req: jsonReq("/p", `{"access_token":1}`),
			status: 401, code: "token_malformed"},
		{name: "JSON field twice",
			req:    jsonReq("/p", `{"access_token":"`+tok+`","access_token":"`+tok+`"}`),
			status: 400, code: "invalid_request"},
		{name: "escaped JSON field name",
			req:    jsonReq("/p", `{"access\u005ftoken":"`+tok+`"}`),
			status: 200},
		{name: "body that is not JSON, handed back",
			req:    jsonReq("/p?jwt="+tok, `{"access_token":"`+tok+`",`),
			status: 200, wantBody: `{"access_token":"` + tok + `",`},
		{name: "two locations at once",
			req:    withCookie(jsonReq("/p?jwt="+tok, ""), "access_token_cookie", tok),
			status: 400, code: "invalid_request"},
		{name: "bad header next to a good cookie",
			req: func() *http.Request {
				req := withCookie(jsonReq("/p", ""), "access_token_cookie", tok)
				req.Header.Set("Authorization", "Bearer garbage")
				return req
			}(),
			status: 400, code: "invalid_request"},
		{
			name:   "nothing anywhere",
			req:    jsonReq("/p", `{}`),
			status: 401,
			code:   "missing_token",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body = ""
			res := serve(t, r, tt.req)
			assert.Equal(t, tt.status, res.Status, res.Raw)
			assert.Equal(t, tt.code, res.code())
			if tt.wantBody != "" {
				assert.Equal(t, tt.wantBody, body)
			}
		})
	}
}

func TestMissingTokenNamesTheLocations(t *testing.T) {
	a := newAuth(t, func(c *Config) {
		c.Locations = []Location{FromHeader("Authorization", "Bearer"), FromCookie()}
	})
	res := serve(t, protected(a), get("/p", ""))
	assert.Equal(
		t,
		"Missing Authorization Header; Missing cookie 'access_token_cookie'",
		res.msg(),
	)
	assert.Equal(t, `Bearer realm="api"`, res.Header.Get("WWW-Authenticate"))

	res = serve(t, protected(a, WithLocations(FromQuery("t"))), get("/p", ""))
	assert.Equal(t, "Missing query parameter 't'", res.msg())
	assert.PanicsWithError(
		t,
		"ginjwt: empty Locations",
		func() { a.Middleware(WithLocations()) },
	)
}

func TestLargeJSONBodyIsLeftToTheHandler(t *testing.T) {
	a := newAuth(t, func(c *Config) {
		c.Locations = []Location{FromJSON()}
		c.JSONBody.MaxBytes = 64
	})
	payload := `{"access_token":"` + access(t, a, "alice") + `"}`
	require.Greater(t, len(payload), 64)
	var got string
	r := gin.New()
	r.POST("/p", a.Middleware(Optional()), func(c *gin.Context) {
		got = readAll(t, c.Request.Body)
		_, ok := Identity(c)
		assert.False(t, ok, "a body past the limit carries no token")
	})
	req := httptest.NewRequest(http.MethodPost, "/p", io.NopCloser(strings.NewReader(payload)))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	assert.Equal(t, http.StatusOK, serve(t, r, req).Status)
	assert.Equal(t, payload, got)
}
