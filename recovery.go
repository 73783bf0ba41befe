package ginjwt

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/gin-gonic/gin"
)

// RecoveryConfig configures a recovery handler.
type RecoveryConfig struct {
	// Errors shapes the responses, as ErrorConfig does for an Auth.
	Errors ErrorConfig
	// Logger receives the panics with their stack. Default slog.Default().
	Logger *slog.Logger
	// MaskHeaders are request headers whose values never reach the log,
	// in addition to Authorization, Proxy-Authorization, Cookie,
	// X-CSRF-Token and X-XSRF-Token.
	MaskHeaders []string
	// MaskQuery are query parameters whose values never reach the log, in
	// addition to jwt, token, access_token, refresh_token and id_token.
	MaskQuery []string
}

var (
	maskedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie",
		"X-Csrf-Token", "X-Xsrf-Token"}
	maskedQuery = []string{"jwt", "token", "access_token", "refresh_token", "id_token"}
)

// Recovery returns a middleware that recovers from panics: one with an
// authentication error (a ginjwt error or sentinel, a golang-jwt sentinel
// such as jwt.ErrTokenExpired, or an error wrapping one) gets its response
// from the error taxonomy; any other panic gets a JSON 500
// internal_error, with the panic value as "detail" in debug mode only. It
// also answers authentication errors that handlers record with c.Error
// when nothing was written. Install it first, in place of gin.Recovery.
func Recovery() gin.HandlerFunc {
	h, _ := NewRecovery(RecoveryConfig{}) // the zero config is valid
	return h
}

// RecoveryWith is Recovery with a configuration; it panics if cfg is
// invalid, as NewRecovery would report.
func RecoveryWith(cfg RecoveryConfig) gin.HandlerFunc {
	h, err := NewRecovery(cfg)
	if err != nil {
		panic(err)
	}
	return h
}

// NewRecovery is RecoveryWith returning the configuration error.
func NewRecovery(cfg RecoveryConfig) (gin.HandlerFunc, error) {
	resp, err := newResponder(cfg.Errors, cfg.Logger)
	if err != nil {
		return nil, err
	}
	rec := &recoverer{resp: resp, log: cfg.Logger}
	for _, h := range slices.Concat(maskedHeaders, cfg.MaskHeaders) {
		rec.maskHeaders = append(rec.maskHeaders, textproto.CanonicalMIMEHeaderKey(h))
	}
	rec.maskQuery = slices.Concat(maskedQuery, cfg.MaskQuery)
	return rec.handle, nil
}

// Recovery returns a recovery handler that shares the Auth's error
// configuration and logger, and also masks the header locations of its
// Config.
func (a *Auth) Recovery() gin.HandlerFunc {
	cfg := RecoveryConfig{Errors: a.cfg.Errors, Logger: a.cfg.Logger}
	for _, l := range a.cfg.Locations {
		switch l.src {
		case inHeader:
			cfg.MaskHeaders = append(cfg.MaskHeaders, l.name)
		case inQuery:
			cfg.MaskQuery = append(cfg.MaskQuery, l.name)
		}
	}
	return RecoveryWith(cfg)
}

type recoverer struct {
	resp        *responder
	log         *slog.Logger
	maskHeaders []string
	maskQuery   []string
}

func (rec *recoverer) handle(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			rec.recovered(c, v)
		}
	}()
	c.Next()
	if !c.Writer.Written() && len(c.Errors) > 0 {
		if e, ok := recorded(c); ok {
			rec.resp.write(c, e, nil, nil)
		}
	}
}

func (rec *recoverer) recovered(c *gin.Context, v any) {
	err, _ := v.(error)
	if err != nil && errors.Is(err, http.ErrAbortHandler) {
		// The handler asked net/http to abort the response: let it.
		panic(v)
	}
	if err != nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)) {
		// The client is gone: nothing can be written, no stack is needed.
		logger(rec.log).Info("ginjwt: connection closed by the client",
			rec.request(c.Request)...)
		c.Abort()
		return
	}
	e, isAuth := panicError(v)
	if !isAuth {
		cause := err
		if cause == nil {
			cause = errors.New(fmt.Sprint(v))
		}
		e = newError(kindInternalError, cause)
		attrs := append(rec.request(c.Request),
			"panic", scrub(cause.Error()), "stack", string(debug.Stack()))
		logger(rec.log).Error("ginjwt: panic recovered", attrs...)
	}
	if c.Writer.Written() {
		rec.resp.logLate(c, e)
		c.Abort()
		return
	}
	rec.resp.write(c, e, nil, nil)
}

// request describes a request for the log, with credentials masked.
func (rec *recoverer) request(r *http.Request) []any {
	headers := make([]any, 0, len(r.Header))
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		value := scrub(strings.Join(r.Header[k], ", "))
		if slices.Contains(rec.maskHeaders, k) {
			value = "[masked]"
		}
		headers = append(headers, slog.String(k, value))
	}
	return []any{
		"method", r.Method,
		"path", scrub(r.URL.Path),
		"query", rec.query(r.URL.Query()),
		slog.Group("headers", headers...),
	}
}

func (rec *recoverer) query(q url.Values) string {
	for k := range q {
		if slices.Contains(rec.maskQuery, k) {
			q[k] = []string{"masked"}
		}
	}
	return scrub(q.Encode())
}
