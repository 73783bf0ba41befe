package ginjwt

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recoveryApp serves handlers that panic in various ways behind
// RecoveryWith, logging into a buffer.
func recoveryApp(t *testing.T) (*gin.Engine, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	r := gin.New()
	r.Use(RecoveryWith(RecoveryConfig{Logger: slog.New(slog.NewTextHandler(&log, nil))}))
	r.GET("/bug", func(*gin.Context) { panic("index out of range") })
	r.GET("/bug-error", func(*gin.Context) { panic(errors.New("db: connection refused")) })
	r.GET("/expired", func(*gin.Context) { panic(fmt.Errorf("report: %w", jwt.ErrTokenExpired)) })
	r.GET("/record", func(c *gin.Context) { _ = c.Error(ErrForbidden) })
	r.GET("/record-other", func(c *gin.Context) {
		_ = c.Error(errors.New("validation failed"))
		c.String(http.StatusUnprocessableEntity, "app's own answer")
	})
	r.GET("/late", func(c *gin.Context) {
		c.String(http.StatusOK, "partial")
		panic("after the write")
	})
	r.GET("/late-auth", func(c *gin.Context) {
		c.String(http.StatusOK, "partial")
		panic(ErrTokenRevoked)
	})
	r.GET("/broken-pipe", func(*gin.Context) {
		panic(&net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.EPIPE)})
	})
	r.GET("/abort", func(*gin.Context) { panic(http.ErrAbortHandler) })
	return r, &log
}

func TestRecovery(t *testing.T) {
	tests := []struct {
		path   string
		status int
		body   string
		detail string
		log    string
	}{
		{"/bug", 500, `{"error":"internal_error","msg":"Internal Server Error"}`,
			"index out of range", "panic recovered"},
		{"/bug-error", 500, `{"error":"internal_error","msg":"Internal Server Error"}`,
			"db: connection refused", "panic recovered"},
		{"/expired", 401, `{"error":"token_expired","msg":"Token has expired"}`,
			"report: token is expired", ""},
		{"/record", 403, `{"error":"forbidden","msg":"Forbidden"}`, "", ""},
		{"/record-other", 422, "app's own answer", "", ""},
		{"/late", 200, "partial", "", "after the response was written"},
		{"/late-auth", 200, "partial", "", "after the response was written"},
		{"/broken-pipe", 200, "", "", "connection closed by the client"},
	}
	for _, mode := range modes {
		for _, tt := range tests {
			t.Run(mode+tt.path, func(t *testing.T) {
				r, log := recoveryApp(t)
				var res reply
				withMode(t, mode, func() { res = serve(t, r, get(tt.path, "")) })
				assert.Equal(t, tt.status, res.Status)
				if tt.detail != "" && mode == gin.DebugMode {
					assert.Equal(t, tt.detail, res.Body["detail"])
					delete(res.Body, "detail")
					assert.Len(t, res.Body, 2)
				} else if res.Body != nil {
					assert.JSONEq(t, tt.body, res.Raw)
				} else {
					assert.Equal(t, tt.body, res.Raw)
				}
				if tt.log != "" {
					assert.Contains(t, log.String(), tt.log)
				}
				if tt.path == "/bug" {
					assert.Contains(t, log.String(), "goroutine", "the stack is logged")
				}
				if tt.path == "/broken-pipe" {
					assert.NotContains(t, log.String(), "goroutine")
				}
			})
		}
	}
}

func TestRecoveryLetsAbortHandlerThrough(t *testing.T) {
	r, _ := recoveryApp(t)
	w := httptest.NewRecorder()
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		r.ServeHTTP(w, get("/abort", ""))
	})
	assert.Zero(t, w.Body.Len(), "nothing is written for an aborted response")
}

func TestAuthRecoverySharesTheAuthConfig(t *testing.T) {
	a := newAuth(t, func(c *Config) {
		c.Errors.MessageKey = "message"
		c.Logger = slog.New(slog.DiscardHandler)
		c.Locations = []Location{FromHeader("X-Token", "")}
	})
	r := gin.New()
	r.Use(a.Recovery())
	r.GET("/bug", func(*gin.Context) { panic("bug") })
	res := serve(t, r, get("/bug", ""))
	require.Equal(t, http.StatusInternalServerError, res.Status)
	assert.JSONEq(t, `{"error":"internal_error","message":"Internal Server Error"}`, res.Raw)
}

func TestNewRecoveryRefusesBadConfig(t *testing.T) {
	_, err := NewRecovery(RecoveryConfig{Errors: ErrorConfig{MessageKey: "detail"}})
	assert.ErrorContains(t, err, "collides")
	assert.Panics(t, func() { RecoveryWith(RecoveryConfig{Errors: ErrorConfig{Realm: "\n"}}) })
}
