package ginjwt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A panic log carries the stack and the request, never a credential: no
// token, secret, CSRF value or kid, wherever the request carried them and
// even when the panic value quotes the token.

func TestPanicLogsHoldNoCredentials(t *testing.T) {
	const (
		kid  = "kid-Zq7-log-hygiene"
		csrf = "csrf-Wm4-log-hygiene"
	)
	secret := []byte("secret-Hk2-log-hygiene-0123456789")
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	a := newAuth(t, func(c *Config) {
		c.Keys = []Key{{ID: kid, Algorithm: "HS256", Secret: secret}}
		c.Logger = logger
	})
	tok := access(t, a, "alice")
	h, p, s := parts(t, tok)
	secrets := []string{tok, h + "." + p, p, s, string(secret), csrf, kid}

	recoveries := []struct {
		name string
		mw   gin.HandlerFunc
	}{
		{"RecoveryWith", RecoveryWith(RecoveryConfig{Logger: logger})},
		{"Auth.Recovery", a.Recovery()},
	}
	panics := []struct {
		name   string
		handle gin.HandlerFunc
	}{
		{"plain error", func(*gin.Context) { panic(errors.New("database is down")) }},
		{"error quoting the token", func(*gin.Context) { panic(fmt.Errorf("bad %s", tok)) }},
		{"string quoting the token", func(*gin.Context) { panic("bad token " + tok) }},
		{"value quoting the token", func(*gin.Context) {
			panic(struct{ Token string }{tok})
		}},
	}
	query := url.Values{"jwt": {tok}, "access_token": {tok}, "page": {"2"}}.Encode()

	for _, rec := range recoveries {
		for _, pc := range panics {
			t.Run(rec.name+"/"+pc.name, func(t *testing.T) {
				buf.Reset()
				r := gin.New()
				r.Use(rec.mw)
				r.GET("/p", a.Middleware(), pc.handle)
				req := get("/p?"+query, bearer(tok))
				req.Header.Set("Cookie", "access_token_cookie="+tok+"; theme=dark")
				req.Header.Set("X-CSRF-TOKEN", csrf)
				req.Header.Set("Referer", "https://app.test/login?next=/p&jwt="+tok)

				var res reply
				withMode(t, gin.ReleaseMode, func() { res = serve(t, r, req) })
				assert.Equal(t, http.StatusInternalServerError, res.Status)
				assert.JSONEq(t,
					`{"error":"internal_error","msg":"Internal Server Error"}`, res.Raw)

				log := buf.String()
				require.NotEmpty(t, log)
				var entry map[string]any
				first, _, _ := strings.Cut(log, "\n")
				require.NoError(t, json.Unmarshal([]byte(first), &entry), "log %s", log)
				assert.Contains(t, entry["stack"], "goroutine", "the log has no stack")
				assert.Contains(t, log, "/p")
				assert.Contains(t, log, "page=2", "unmasked query parameters are kept")
				assert.Contains(t, log, `"Cookie":"[masked]"`)
				for _, secret := range secrets {
					assert.False(t, strings.Contains(log, secret),
						"the log holds %q", secret)
				}
			})
		}
	}
}

func TestPanicValuesQuotingTheTokenAreScrubbedInDebugBodies(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	a := newAuth(t, func(c *Config) { c.Logger = logger })
	tok := access(t, a, "alice")
	_, p, s := parts(t, tok)

	tests := []struct {
		name   string
		handle gin.HandlerFunc
	}{
		{"error", func(*gin.Context) { panic(fmt.Errorf("bad %s", tok)) }},
		{"wrapped error", func(*gin.Context) {
			panic(fmt.Errorf("handler: %w", fmt.Errorf("parse %q", tok)))
		}},
		{"string", func(*gin.Context) { panic(tok) }},
		{"token twice", func(*gin.Context) { panic(errors.New(tok + " and " + tok)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf.Reset()
			r := gin.New()
			r.Use(RecoveryWith(RecoveryConfig{Logger: logger}))
			r.GET("/p", a.Middleware(), tt.handle)

			var res reply
			withMode(t, gin.DebugMode, func() { res = serve(t, r, get("/p", bearer(tok))) })
			assert.Equal(t, http.StatusInternalServerError, res.Status)
			assert.Equal(t, CodeInternalError, res.code())
			assert.Contains(t, res.Body["detail"], "[token]")
			for _, part := range []string{tok, p, s} {
				assert.NotContains(t, res.Raw, part)
				assert.NotContains(t, buf.String(), part)
			}
		})
	}
}

func TestPanicLogsScrubTokensInThePath(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	a := newAuth(t, nil)
	tok := access(t, a, "alice")
	_, p, s := parts(t, tok)

	// Links such as password resets carry a token in the path.
	tests := []struct {
		name, logged string
		handle       gin.HandlerFunc
	}{
		{"a panic", "mail server down", func(*gin.Context) {
			panic(errors.New("mail server down"))
		}},
		{"an auth panic after the response", "after the response was written",
			func(c *gin.Context) {
				c.String(http.StatusOK, "sent")
				panic(ErrTokenExpired)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf.Reset()
			r := gin.New()
			r.Use(RecoveryWith(RecoveryConfig{Logger: logger}))
			r.GET("/reset/:token", tt.handle)

			withMode(t, gin.ReleaseMode, func() { serve(t, r, get("/reset/"+tok, "")) })
			require.Contains(t, buf.String(), tt.logged)
			for _, part := range []string{tok, p, s} {
				assert.False(t, strings.Contains(buf.String(), part),
					"the log holds %q", part)
			}
		})
	}
}

func TestAuthRecoveryMasksItsOwnLocations(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	a := newAuth(t, func(c *Config) {
		c.Locations = []Location{FromHeader("X-Api-Token", ""), FromQuery("t")}
		c.Logger = logger
	})
	tok := access(t, a, "alice")
	r := gin.New()
	r.Use(a.Recovery())
	r.GET("/p", a.Middleware(), func(*gin.Context) { panic(errors.New("boom")) })

	tests := []struct {
		name, want string
		req        *http.Request
	}{
		{"header", `"X-Api-Token":"[masked]"`, func() *http.Request {
			req := get("/p", "")
			req.Header.Set("X-Api-Token", tok)
			return req
		}()},
		{"query parameter", `t=masked`, get("/p?t="+tok, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf.Reset()
			withMode(t, gin.ReleaseMode, func() { serve(t, r, tt.req) })
			require.Contains(t, buf.String(), "boom")
			assert.Contains(t, buf.String(), tt.want)
			assert.False(t, strings.Contains(buf.String(), tok), "the log holds the token")
		})
	}
}
