package ginjwt

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// ErrorConfig shapes error responses, the same way for every path an
// error takes: found by the middleware, panicked by a handler or recorded
// with c.Error. Give Recovery the same ErrorConfig as the Auth.
type ErrorConfig struct {
	// MessageKey is the body member that holds the message. Default "msg".
	MessageKey string
	// Realm is the realm of WWW-Authenticate challenges. Default "api".
	Realm string
	// Responses overrides the status or message of codes, keyed by their
	// sentinel: {ErrTokenExpired: {Message: "Session expired"}}.
	Responses map[error]Response
	// Handler, when set, writes error responses instead of the default
	// JSON body; see ErrorHandler.
	Handler ErrorHandler
	// RetryAfter is the Retry-After of 503 auth_unavailable responses.
	// Default 5 seconds.
	RetryAfter time.Duration
}

// Response overrides the defaults of one code. A zero field keeps the
// default.
type Response struct {
	Status  int
	Message string
}

// ErrorHandler writes the response for an authentication failure. err
// carries the code, the status and the message with overrides applied;
// the handler must not modify it. If the handler writes nothing, the
// default response is written; either way the request is aborted.
type ErrorHandler func(c *gin.Context, err *Error)

// fixedResponse is a response computed once: the body in every mode but
// debug, and the WWW-Authenticate challenge.
type fixedResponse struct {
	status    int
	message   string
	body      []byte
	challenge string
}

// responder writes error responses.
type responder struct {
	messageKey string
	realm      string
	retryAfter string
	handler    ErrorHandler
	log        *slog.Logger
	overrides  [numKinds]Response
	fixed      [numKinds]*fixedResponse
}

func newResponder(cfg ErrorConfig, log *slog.Logger) (*responder, error) {
	setDefault(&cfg.MessageKey, "msg")
	setDefault(&cfg.Realm, "api")
	setDefault(&cfg.RetryAfter, 5*time.Second)
	switch {
	case cfg.MessageKey == "error" || cfg.MessageKey == "detail":
		return nil, fmt.Errorf("ginjwt: MessageKey %q collides with a member", cfg.MessageKey)
	case strings.ContainsAny(cfg.Realm, "\"\\") || !printable(cfg.Realm):
		return nil, errors.New("ginjwt: Realm must be printable ASCII without quotes")
	case cfg.RetryAfter < time.Second:
		return nil, errors.New("ginjwt: RetryAfter below one second")
	}
	r := &responder{
		messageKey: cfg.MessageKey,
		realm:      cfg.Realm,
		retryAfter: strconv.Itoa(int(cfg.RetryAfter / time.Second)),
		handler:    cfg.Handler,
		log:        log,
	}
	for sentinel, o := range cfg.Responses {
		k, ok := sentinelKind(sentinel)
		if !ok {
			return nil, fmt.Errorf(
				"ginjwt: Responses keyed by %v, not a ginjwt sentinel",
				sentinel,
			)
		}
		if o.Status != 0 && (o.Status < 400 || o.Status > 599) {
			return nil, fmt.Errorf(
				"ginjwt: Responses[%v]: status %d is not an error",
				sentinel,
				o.Status,
			)
		}
		r.overrides[k] = o
	}
	for k := range taxonomy {
		r.fixed[k] = r.fix(newError(kind(k), nil))
	}
	return r, nil
}

func sentinelKind(err error) (kind, bool) {
	for k := range taxonomy {
		if s := taxonomy[k].sentinel; s != nil && s == err {
			return kind(k), true
		}
	}
	return 0, false
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// resolve applies the overrides of e's code, and fills in a missing
// status or message; it returns e itself when nothing changes.
func (r *responder) resolve(e *Error) *Error {
	status, message := e.Status, e.Message
	if k, ok := kindOf(e.Code); ok {
		o := r.overrides[k]
		status = cmp.Or(o.Status, status, taxonomy[k].status)
		message = cmp.Or(o.Message, message, taxonomy[k].message)
	}
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	message = cmp.Or(message, http.StatusText(status))
	if status == e.Status && message == e.Message {
		return e
	}
	resolved := *e
	resolved.Status, resolved.Message = status, message
	return &resolved
}

// fix computes the response of an error without cause, once.
func (r *responder) fix(e *Error) *fixedResponse {
	e = r.resolve(e)
	return &fixedResponse{
		status:    e.Status,
		message:   e.Message,
		body:      r.body(e.Code, e.Message, ""),
		challenge: r.challenge(e.Code, e.Status, e.Message),
	}
}

// write answers the request with e and aborts it. The headers are set
// first; then a handler of the route or of the config writes the body if
// there is one, and otherwise the default body is written, from fixed
// when it fits.
func (r *responder) write(
	c *gin.Context,
	e *Error,
	handler ErrorHandler,
	fixed *fixedResponse,
) {
	defer c.Abort()
	e = r.resolve(e)
	if fixed == nil || fixed.message != e.Message || fixed.status != e.Status {
		fixed = nil
		if k, ok := kindOf(e.Code); ok {
			fixed = r.fixed[k]
		}
	}
	if fixed == nil || fixed.message != e.Message || fixed.status != e.Status {
		fixed = &fixedResponse{
			body:      r.body(e.Code, e.Message, ""),
			challenge: r.challenge(e.Code, e.Status, e.Message),
		}
	}
	h := c.Writer.Header()
	if fixed.challenge != "" {
		h.Set("WWW-Authenticate", fixed.challenge)
	}
	if e.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", r.retryAfter)
	}
	if handler == nil {
		handler = r.handler
	}
	if handler != nil {
		copied := *e
		handler(c, &copied)
		if c.Writer.Written() {
			return
		}
	}
	body := fixed.body
	if gin.IsDebugging() && e.Err != nil {
		body = r.body(e.Code, e.Message, scrub(e.Err.Error()))
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	c.Writer.WriteHeader(e.Status)
	_, _ = c.Writer.Write(body)
}

// body encodes {"error": code, <messageKey>: message[, "detail": detail]}.
func (r *responder) body(code, message, detail string) []byte {
	b := make([]byte, 0, 48+len(code)+len(message)+len(detail))
	b = append(b, `{"error":`...)
	b = appendJSON(b, code)
	b = append(b, ',')
	b = appendJSON(b, r.messageKey)
	b = append(b, ':')
	b = appendJSON(b, message)
	if detail != "" {
		b = append(b, `,"detail":`...)
		b = appendJSON(b, detail)
	}
	return append(b, '}')
}

// appendJSON appends s as a JSON string, leaving <, > and & as they are:
// the bodies are application/json, never HTML.
func appendJSON(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// challenge is the RFC 6750 WWW-Authenticate value for a response: a bare
// challenge when the request carried no credentials, invalid_token for
// other 401s, invalid_request for 400s, insufficient_scope for a refusal
// by an authorization check. Other responses carry none.
func (r *responder) challenge(code string, status int, message string) string {
	c := `Bearer realm="` + r.realm + `"`
	var errCode string
	switch {
	case status == http.StatusUnauthorized && code == CodeMissingToken:
		return c
	case status == http.StatusUnauthorized:
		errCode = "invalid_token"
	case status == http.StatusBadRequest:
		errCode = "invalid_request"
	case status == http.StatusForbidden && code == CodeForbidden:
		errCode = "insufficient_scope"
	default:
		return ""
	}
	return c + `, error="` + errCode + `", error_description="` + describe(message) + `"`
}

// describe keeps to the characters RFC 6750 allows in error_description.
func describe(message string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"' || r == '\\':
			return '\''
		case r < 0x20 || r > 0x7e:
			return -1
		}
		return r
	}, message)
}

// scrub hides anything shaped like a JWT in text bound for a body or a
// log: panic values and causes may quote the token they choked on.
func scrub(text string) string {
	i := strings.Index(text, "eyJ")
	if i < 0 {
		return text
	}
	var b strings.Builder
	for i >= 0 {
		j := i
		for j < len(text) && isTokenChar(text[j]) {
			j++
		}
		b.WriteString(text[:i])
		if strings.Count(text[i:j], ".") >= 1 {
			b.WriteString("[token]")
		} else {
			b.WriteString(text[i:j])
		}
		text = text[j:]
		i = strings.Index(text, "eyJ")
	}
	b.WriteString(text)
	return b.String()
}

func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.'
}

// logLate reports an authentication error raised after the response was
// written: nothing more can be sent.
func (r *responder) logLate(c *gin.Context, e *Error) {
	logger(r.log).Warn("ginjwt: authentication error after the response was written",
		"code", e.Code, "method", c.Request.Method, "path", scrub(c.Request.URL.Path))
}
