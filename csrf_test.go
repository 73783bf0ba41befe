package ginjwt

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// csrfApp serves /p for every method behind the middleware, and /opt
// behind an optional one.
func csrfApp(a *Auth) *gin.Engine {
	r := gin.New()
	ok := func(c *gin.Context) {
		id, _ := Identity(c)
		c.String(http.StatusOK, id)
	}
	for _, m := range []string{"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"} {
		r.Handle(m, "/p", a.Middleware(), ok)
		r.Handle(m, "/opt", a.Middleware(Optional()), ok)
	}
	return r
}

// session logs in with a and returns the access token and its CSRF value.
func session(t *testing.T, a *Auth) (token, csrf string) {
	t.Helper()
	pair, err := a.IssuePair("alice")
	require.NoError(t, err)
	csrf, _ = decodePayload(t, pair.AccessToken)["csrf"].(string)
	require.NotEmpty(t, csrf)
	return pair.AccessToken, csrf
}

// csrfRequest describes a request of the CSRF matrix.
type csrfRequest struct {
	method, path   string
	cookie, header string
	form           string
	authorization  string
	csrfCookie     string
}

type csrfCase struct {
	name   string
	auth   *Auth
	req    csrfRequest
	status int
	msg    string
}

func TestCSRFDoubleSubmit(t *testing.T) {
	form := cookieAuth(t, func(c *Config) { c.CSRF.FormField = "csrf_token" })
	plain := cookieAuth(t, nil)
	victim, victimCSRF := session(t, form)
	_, attackerCSRF := session(t, form)
	headerOnly := access(t, newAuth(t, nil), "alice")

	tests := []csrfCase{
		{
			"safe method needs nothing",
			form,
			csrfRequest{method: "GET", cookie: victim},
			200,
			"",
		},
		{"HEAD needs nothing", form, csrfRequest{method: "HEAD", cookie: victim}, 200, ""},
		{
			"OPTIONS needs nothing",
			form,
			csrfRequest{method: "OPTIONS", cookie: victim},
			200,
			"",
		},
		{
			"header token needs nothing",
			form,
			csrfRequest{method: "POST", authorization: bearer(victim)},
			200,
			"",
		},
		{
			"empty cookie is no token",
			form,
			csrfRequest{method: "POST", cookie: "", header: ""},
			401,
			"",
		},
		{
			"form field when enabled",
			form,
			csrfRequest{method: "POST", cookie: victim, form: victimCSRF},
			200,
			"",
		},
		{
			"form field when disabled",
			plain,
			csrfRequest{method: "POST", cookie: mustSession(t, plain), form: "x"},
			403,
			"Missing CSRF token",
		},
		{
			"attacker's own pair",
			form,
			csrfRequest{method: "POST", cookie: victim, header: attackerCSRF,
				csrfCookie: attackerCSRF},
			403,
			"CSRF double submit tokens do not match",
		},
		{"empty header and empty CSRF cookie", form, csrfRequest{method: "POST", cookie: victim,
			csrfCookie: ""}, 403, "Missing CSRF token"},
		{
			"token without a CSRF claim",
			form,
			csrfRequest{method: "POST", cookie: headerOnly, header: "x"},
			403,
			"CSRF double submit tokens do not match",
		},
		{
			"optional route without cookie",
			form,
			csrfRequest{method: "POST", path: "/opt"},
			200,
			"",
		},
		{
			"optional route, cookie without CSRF",
			form,
			csrfRequest{method: "POST", path: "/opt", cookie: victim},
			403,
			"Missing CSRF token",
		},
	}
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		tests = append(
			tests,
			csrfCase{
				m + " without header",
				form,
				csrfRequest{method: m, cookie: victim},
				403,
				"Missing CSRF token",
			},
			csrfCase{
				m + " with a wrong header",
				form,
				csrfRequest{method: m, cookie: victim, header: "wrong"},
				403,
				"CSRF double submit tokens do not match",
			},
			csrfCase{
				m + " with the right header",
				form,
				csrfRequest{method: m, cookie: victim, header: victimCSRF},
				200,
				"",
			},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.req
			path := q.path
			if path == "" {
				path = "/p"
			}
			var body *strings.Reader
			if q.form != "" {
				body = strings.NewReader(url.Values{"csrf_token": {q.form}}.Encode())
			} else {
				body = strings.NewReader("")
			}
			req := httptest.NewRequest(q.method, path, body)
			if q.form != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if q.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "access_token_cookie", Value: q.cookie})
			}
			req.AddCookie(&http.Cookie{Name: "csrf_access_token", Value: q.csrfCookie})
			if q.header != "" {
				req.Header.Set("X-CSRF-TOKEN", q.header)
			}
			if q.authorization != "" {
				req.Header.Set("Authorization", q.authorization)
			}
			res := serve(t, csrfApp(tt.auth), req)
			assert.Equal(t, tt.status, res.Status, res.Raw)
			if tt.msg != "" {
				assert.Equal(t, "csrf_failed", res.code())
				assert.Equal(t, tt.msg, res.msg())
				assert.Empty(t, res.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func mustSession(t *testing.T, a *Auth) string {
	tok, _ := session(t, a)
	return tok
}

func TestCSRFTrustedOrigins(t *testing.T) {
	a := cookieAuth(t, func(c *Config) {
		c.CSRF.TrustedOrigins = []string{"https://App.example"}
	})
	token, csrf := session(t, a)
	tests := []struct {
		name, origin, fetchSite string
		status                  int
	}{
		{"trusted origin", "https://app.example", "same-origin", 200},
		{"foreign origin", "https://evil.example", "cross-site", 403},
		{"opaque origin", "null", "", 403},
		{"no origin, same origin", "", "same-origin", 200},
		{"no origin, cross-site", "", "cross-site", 403},
		{"no origin, sibling site", "", "same-site", 403},
		{"no origin, no fetch metadata", "", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/p", nil)
			req.AddCookie(&http.Cookie{Name: "access_token_cookie", Value: token})
			req.Header.Set("X-CSRF-TOKEN", csrf)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.fetchSite != "" {
				req.Header.Set("Sec-Fetch-Site", tt.fetchSite)
			}
			res := serve(t, csrfApp(a), req)
			assert.Equal(t, tt.status, res.Status)
			if tt.status == 403 {
				assert.Equal(t, "Cross-site request refused", res.msg())
			}
		})
	}
}

func TestCSRFCanBeTunedOrDisabled(t *testing.T) {
	custom := cookieAuth(t, func(c *Config) {
		c.CSRF.HeaderName = "x-xsrf-token"
		c.CSRF.Methods = []string{"DELETE"}
	})
	token, csrf := session(t, custom)
	del := httptest.NewRequest(http.MethodDelete, "/p", nil)
	del.AddCookie(&http.Cookie{Name: "access_token_cookie", Value: token})
	del.Header.Set("X-XSRF-TOKEN", csrf)
	assert.Equal(t, 200, serve(t, csrfApp(custom), del).Status)
	post := httptest.NewRequest(http.MethodPost, "/p", nil)
	post.AddCookie(&http.Cookie{Name: "access_token_cookie", Value: token})
	assert.Equal(t, 200, serve(t, csrfApp(custom), post).Status, "POST is not in Methods")

	off := cookieAuth(t, func(c *Config) { c.CSRF.Disabled = true })
	tok, err := off.NewAccessToken("alice")
	require.NoError(t, err)
	assert.NotContains(t, decodePayload(t, tok), "csrf")
	post = httptest.NewRequest(http.MethodPost, "/p", nil)
	post.AddCookie(&http.Cookie{Name: "access_token_cookie", Value: tok})
	assert.Equal(t, 200, serve(t, csrfApp(off), post).Status)
}
