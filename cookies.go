package ginjwt

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
)

// CookieConfig names and shapes the cookies that carry tokens. Token
// cookies are always HttpOnly; each comes with a CSRF cookie that page
// scripts can read, holding the value to echo in the CSRF header.
type CookieConfig struct {
	// AccessName is the access token cookie. Default "access_token_cookie".
	AccessName string
	// RefreshName is the refresh token cookie. Default
	// "refresh_token_cookie".
	RefreshName string
	// CSRFAccessName is the CSRF cookie of the access token. Default
	// "csrf_access_token".
	CSRFAccessName string
	// CSRFRefreshName is the CSRF cookie of the refresh token. Default
	// "csrf_refresh_token".
	CSRFRefreshName string
	// Domain is the cookies' Domain attribute. Default none: the cookies
	// go to the host that set them only.
	Domain string
	// Path is the Path of the access cookies. Default "/".
	Path string
	// RefreshPath is the Path of the refresh token cookie. Default "/".
	// Set it to the path of the refresh route (or a prefix shared with the
	// logout route) so the refresh token travels with no other request.
	RefreshPath string
	// Insecure drops the Secure attribute, for plain-HTTP development on
	// a host other than localhost. Default false: cookies are Secure.
	Insecure bool
	// SameSite is the cookies' SameSite attribute. Default
	// http.SameSiteLaxMode; http.SameSiteNoneMode requires Secure.
	SameSite http.SameSite
	// Session makes browser-session cookies, which end when the browser
	// closes. Default false: cookies last as long as their token (Max-Age).
	Session bool
	// OnlyCookies leaves tokens out of the JSON bodies of Login and the
	// refresh handler, so scripts never see them. Default false.
	OnlyCookies bool
}

func (c *CookieConfig) setDefaults() error {
	setDefault(&c.AccessName, "access_token_cookie")
	setDefault(&c.RefreshName, "refresh_token_cookie")
	setDefault(&c.CSRFAccessName, "csrf_access_token")
	setDefault(&c.CSRFRefreshName, "csrf_refresh_token")
	setDefault(&c.Path, "/")
	setDefault(&c.RefreshPath, "/")
	if c.SameSite == 0 || c.SameSite == http.SameSiteDefaultMode {
		c.SameSite = http.SameSiteLaxMode
	}
	names := []string{c.AccessName, c.RefreshName, c.CSRFAccessName, c.CSRFRefreshName}
	for _, name := range names {
		if !isToken(name) {
			return fmt.Errorf("ginjwt: invalid cookie name %q", name)
		}
	}
	for _, p := range []string{c.Path, c.RefreshPath} {
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, ";\x00\r\n") {
			return fmt.Errorf("ginjwt: cookie path %q must start with / and hold no ';'", p)
		}
	}
	if strings.ContainsAny(c.Domain, "; \x00\r\n") {
		return fmt.Errorf("ginjwt: invalid cookie domain %q", c.Domain)
	}
	if c.SameSite == http.SameSiteNoneMode && c.Insecure {
		return errors.New("ginjwt: SameSite=None cookies must be Secure")
	}
	return nil
}

// SetAccessCookies sets the access token cookie and its CSRF cookie.
func (a *Auth) SetAccessCookies(c *gin.Context, token string) error {
	return a.setCookies(c, token, AccessToken)
}

// SetRefreshCookies sets the refresh token cookie and its CSRF cookie.
func (a *Auth) SetRefreshCookies(c *gin.Context, token string) error {
	return a.setCookies(c, token, RefreshToken)
}

// UnsetCookies expires all four cookies, with the attributes they were
// set with, so that the browser drops them.
func (a *Auth) UnsetCookies(c *gin.Context) {
	a.UnsetAccessCookies(c)
	a.UnsetRefreshCookies(c)
}

// UnsetAccessCookies expires the access token cookie and its CSRF cookie.
func (a *Auth) UnsetAccessCookies(c *gin.Context) { a.unsetCookies(c, AccessToken) }

// UnsetRefreshCookies expires the refresh token cookie and its CSRF
// cookie.
func (a *Auth) UnsetRefreshCookies(c *gin.Context) { a.unsetCookies(c, RefreshToken) }

// cookieNames returns the token and CSRF cookie names and the token
// cookie's path for a token type. CSRF cookies live at the access path,
// so that page scripts anywhere under it can read both.
func (cc *CookieConfig) names(t TokenType) (token, csrf, path string) {
	if t == RefreshToken {
		return cc.RefreshName, cc.CSRFRefreshName, cc.RefreshPath
	}
	return cc.AccessName, cc.CSRFAccessName, cc.Path
}

func (a *Auth) setCookies(c *gin.Context, token string, t TokenType) error {
	exp, csrf, err := peek(token)
	if err != nil {
		return err
	}
	maxAge := 0
	if !a.cfg.Cookies.Session && exp != nil {
		maxAge = int(exp.Unix() - a.now().Unix())
		if maxAge <= 0 {
			return errors.New("ginjwt: the token has already expired")
		}
	}
	cc := &a.cfg.Cookies
	name, csrfName, path := cc.names(t)
	http.SetCookie(c.Writer, a.cookie(name, token, path, maxAge, true))
	if csrf != "" {
		http.SetCookie(c.Writer, a.cookie(csrfName, csrf, cc.Path, maxAge, false))
	}
	return nil
}

func (a *Auth) unsetCookies(c *gin.Context, t TokenType) {
	cc := &a.cfg.Cookies
	name, csrfName, path := cc.names(t)
	for _, ck := range []*http.Cookie{
		a.cookie(name, "", path, -1, true),
		a.cookie(csrfName, "", cc.Path, -1, false),
	} {
		ck.Expires = time.Unix(0, 0)
		http.SetCookie(c.Writer, ck)
	}
}

func (a *Auth) cookie(name, value, path string, maxAge int, httpOnly bool) *http.Cookie {
	cc := &a.cfg.Cookies
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		Domain:   cc.Domain,
		MaxAge:   maxAge,
		Secure:   !cc.Insecure,
		HttpOnly: httpOnly,
		SameSite: cc.SameSite,
	}
}

// peek reads the expiry and CSRF value of a token without verifying it:
// the cookie helpers only need to know how to shape the cookie.
func peek(token string) (*jwt.NumericDate, string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, "", errors.New("ginjwt: not a compact JWS token")
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, "", errors.New("ginjwt: token payload is not base64url")
	}
	var p struct {
		Exp  *jwt.NumericDate `json:"exp"`
		CSRF string           `json:"csrf"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, "", errors.New("ginjwt: token payload is not a JSON object")
	}
	return p.Exp, p.CSRF, nil
}
