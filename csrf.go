package ginjwt

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
)

// CSRFConfig configures the double-submit check of cookie-borne tokens.
// A browser sends cookies with requests that other sites make it send,
// so a token that came in a cookie proves nothing by itself on a request
// that changes state. Tokens issued while cookies are among the Locations
// carry a random "csrf" claim; the CSRF cookie set next to the token
// cookie holds the same value, for page scripts to echo in a header.
// Another site can make the browser send the cookies but can read
// neither of them, so it cannot echo the value.
type CSRFConfig struct {
	// Disabled turns the check off, leaving cookie-authenticated requests
	// open to cross-site request forgery. Default false.
	Disabled bool
	// HeaderName is the header that echoes the value. Default
	// "X-CSRF-TOKEN".
	HeaderName string
	// FormField, when set, is a form field that may echo the value instead
	// of the header, for HTML forms. Default none.
	FormField string
	// Methods are the methods checked. Default POST, PUT, PATCH and
	// DELETE; GET, HEAD and OPTIONS must not change state.
	Methods []string
	// TrustedOrigins, when set, also refuses cookie-authenticated requests
	// of those methods from any other origin: the Origin header must be
	// one of these ("https://app.example"); without an Origin header, a
	// Sec-Fetch-Site of cross-site or same-site is refused. Default none.
	TrustedOrigins []string
}

// Messages of csrf_failed besides the default "Missing CSRF token".
const msgCrossSite = "Cross-site request refused"

var (
	errCSRFMissing  = errors.New("ginjwt: no CSRF value in the request")
	errCSRFMismatch = errors.New("ginjwt: CSRF value does not match the token")
	errCrossSite    = errors.New("ginjwt: request from an untrusted origin")
)

func (c *CSRFConfig) setDefaults() error {
	setDefault(&c.HeaderName, "X-CSRF-TOKEN")
	if c.Methods == nil {
		c.Methods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	}
	if !isToken(c.HeaderName) {
		return fmt.Errorf("ginjwt: invalid CSRF header name %q", c.HeaderName)
	}
	c.HeaderName = textproto.CanonicalMIMEHeaderKey(c.HeaderName)
	origins := make([]string, len(c.TrustedOrigins))
	for i, o := range c.TrustedOrigins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			return fmt.Errorf("ginjwt: trusted origin %q is not scheme://host[:port]", o)
		}
		origins[i] = strings.ToLower(o)
	}
	c.TrustedOrigins = origins
	return nil
}

// check refuses a cookie-borne token on a checked method unless the
// request echoes the token's CSRF claim, compared in constant time.
func (c *CSRFConfig) check(r *http.Request, b *Claims) *Error {
	if c.Disabled || b.from != inCookie || !slices.Contains(c.Methods, r.Method) {
		return nil
	}
	if c.crossSite(r) {
		return csrfError(msgCrossSite, errCrossSite)
	}
	echoed := ""
	if v := r.Header[c.HeaderName]; len(v) > 0 {
		echoed = v[0]
	}
	if echoed == "" && c.FormField != "" {
		echoed = r.PostFormValue(c.FormField)
	}
	if echoed == "" {
		return newError(kindCSRFFailed, errCSRFMissing)
	}
	// An empty claim never matches: a token without one was not meant
	// for cookies.
	if b.CSRF == "" || subtle.ConstantTimeCompare([]byte(echoed), []byte(b.CSRF)) != 1 {
		return csrfError(msgCSRFMismatch, errCSRFMismatch)
	}
	return nil
}

func csrfError(msg string, cause error) *Error {
	e := newError(kindCSRFFailed, cause)
	e.Message = msg
	return e
}

// crossSite applies TrustedOrigins.
func (c *CSRFConfig) crossSite(r *http.Request) bool {
	if len(c.TrustedOrigins) == 0 {
		return false
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		return !slices.Contains(c.TrustedOrigins, strings.ToLower(origin))
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	return false
}
