package ginjwt

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"
)

// Option selects a variant of the middleware for a route or group.
type Option func(*route)

// Optional lets requests without a token through as anonymous; a token
// that is present but bad still fails. Handlers tell the two apart with
// ClaimsFrom or Identity.
func Optional() Option { return func(r *route) { r.optional = true } }

// FreshOnly requires a fresh access token: one issued by a login, not by
// a refresh (see Freshness). Use it for password changes and payments.
func FreshOnly() Option { return func(r *route) { r.fresh = true } }

// RefreshOnly requires a refresh token instead of an access token, and
// reads the refresh cookie and JSON field; for routes that issue new
// access tokens.
func RefreshOnly() Option {
	return func(r *route) { r.tokenType, r.anyType = RefreshToken, false }
}

// AnyTokenType accepts access and refresh tokens alike, as for a logout
// route or a token introspection endpoint.
func AnyTokenType() Option { return func(r *route) { r.anyType = true } }

// WithLocations replaces Config.Locations for this route.
func WithLocations(locs ...Location) Option {
	return func(r *route) {
		r.locations = locs
		if err := checkLocations(locs); err != nil {
			r.setupErr = err
		}
	}
}

// SkipRevocationCheck does not consult the Store on this route: for a
// token introspection endpoint that reports revocation itself, say.
func SkipRevocationCheck() Option { return func(r *route) { r.skipRevoked = true } }

// OnError replaces ErrorConfig.Handler for this route.
func OnError(h ErrorHandler) Option { return func(r *route) { r.onError = h } }

// Authorize adds a check that runs once the token verified, with the
// claims reachable through the accessors. A nil error lets the request
// through; ErrForbidden, or any error that is not an authentication
// error, refuses it with 403 forbidden and insufficient_scope; an
// authentication error (ErrAuthUnavailable, ...) refuses it as such.
// Several checks must all pass.
func Authorize(check func(c *gin.Context) error) Option {
	return func(r *route) {
		r.checks = append(r.checks, func(c *gin.Context, _ Claimer) error {
			return check(c)
		})
	}
}

// Allow adds an authorization check on typed claims: the request goes
// through when ok returns true, and is refused with 403 forbidden when it
// returns false. T is the claims type of Config.NewClaims (or *Claims,
// which every claims type embeds); another type is a setup error.
func Allow[T Claimer](ok func(claims T) bool) Option {
	return func(r *route) {
		if _, match := claimsAs[T](r.auth.cfg.NewClaims()); !match {
			var want T
			r.setupErr = fmt.Errorf("ginjwt: Allow takes %v, but NewClaims makes %T",
				reflect.TypeOf(want), r.auth.cfg.NewClaims())
			return
		}
		r.checks = append(r.checks, func(_ *gin.Context, c Claimer) error {
			if t, _ := claimsAs[T](c); ok(t) {
				return nil
			}
			return ErrForbidden
		})
	}
}

// route is the middleware for one route or group.
type route struct {
	auth        *Auth
	optional    bool
	tokenType   TokenType
	anyType     bool
	fresh       bool
	skipRevoked bool
	noCSRF      bool
	locations   []Location
	checks      []func(*gin.Context, Claimer) error
	onError     ErrorHandler
	setupErr    error

	locators []locator
	missing  *Error
	fixed    *fixedResponse // the missing_token response of this route
}

// Middleware returns the middleware for a route or group: by default it
// requires a valid access token; options select a variant. It panics on
// an invalid option, such as an Allow whose claims type can never match.
func (a *Auth) Middleware(opts ...Option) gin.HandlerFunc {
	return a.newRoute(opts...).handle
}

func (a *Auth) newRoute(opts ...Option) *route {
	r := &route{auth: a, locations: a.locations}
	for _, opt := range opts {
		opt(r)
	}
	if r.setupErr != nil {
		panic(r.setupErr)
	}
	msgs := make([]string, len(r.locations))
	for i, l := range r.locations {
		lc := newLocator(l, &a.cfg, r.tokenType)
		r.locators = append(r.locators, lc)
		msgs[i] = lc.missing
	}
	r.missing = newError(kindMissingToken, nil)
	r.missing.Message = strings.Join(msgs, "; ")
	r.fixed = a.resp.fix(r.missing)
	return r
}

func (r *route) handle(c *gin.Context) {
	if c.FullPath() == "" {
		// No route matched: the 404 or 405 is not ours to turn into 401.
		c.Next()
		return
	}
	claims, err := r.authenticate(c)
	switch {
	case err == r.missing && r.optional:
	case err != nil:
		r.fail(c, err)
		return
	default:
		ctx := context.WithValue(c.Request.Context(), claimsKey{}, claims)
		c.Request = c.Request.WithContext(ctx)
		if err := r.authorize(c, claims); err != nil {
			r.fail(c, err)
			return
		}
	}
	defer r.recoverAuth(c)
	c.Next()
	if !c.Writer.Written() && len(c.Errors) > 0 {
		if e, ok := recorded(c); ok {
			r.fail(c, e)
		}
	}
}

// authenticate finds, verifies and checks the route's token. The cheap
// checks come first, the store and the user loader last.
func (r *route) authenticate(c *gin.Context) (Claimer, *Error) {
	token, from, err := r.extract(c)
	if err != nil {
		return nil, err
	}
	a := r.auth
	claims := a.cfg.NewClaims()
	ctx := c.Request.Context()
	if err := a.parse(ctx, token, claims); err != nil {
		return nil, err
	}
	b := claims.base()
	b.from = from
	if err := r.checkType(b); err != nil {
		return nil, err
	}
	if !r.noCSRF {
		if err := a.cfg.CSRF.check(c.Request, b); err != nil {
			return nil, err
		}
	}
	if a.cfg.Validate != nil {
		if err := a.cfg.Validate(c, claims); err != nil {
			return nil, asKind(err, kindInvalidClaims)
		}
	}
	if !r.skipRevoked {
		if err := a.checkRevoked(ctx, b); err != nil {
			return nil, err
		}
	}
	if a.cfg.LoadUser != nil {
		if err := a.loadUser(c, claims); err != nil {
			return nil, err
		}
	}
	return claims, nil
}

// checkType applies the route's token type and freshness rules.
func (r *route) checkType(b *Claims) *Error {
	switch {
	case r.anyType && b.Type <= RefreshToken:
	case b.Type != r.tokenType || r.anyType:
		e := newError(kindWrongTokenType, nil)
		if r.tokenType == RefreshToken {
			e.Message = msgRefreshOnly
		}
		return e
	}
	if r.fresh && !b.Fresh.IsFresh(r.auth.now()) {
		return newError(kindFreshTokenRequired, nil)
	}
	return nil
}

// extract returns the one token of the request and where it was,
// refusing a request that carries tokens in two locations: RFC 6750
// allows one method per request. Every location is looked at, so that
// the order of Locations decides nothing but the wording of the
// missing_token message.
func (r *route) extract(c *gin.Context) (string, source, *Error) {
	token, from := "", source(0)
	for i := range r.locators {
		t, err := r.locators[i].find(c.Request)
		if err != nil {
			return "", 0, err
		}
		if t == "" {
			continue
		}
		if token != "" {
			return "", 0, newError(kindInvalidRequest, errTwice)
		}
		token, from = t, r.locators[i].src
	}
	if token == "" {
		return "", 0, r.missing
	}
	return token, from, nil
}

// authorize runs the route's authorization checks.
func (r *route) authorize(c *gin.Context, claims Claimer) *Error {
	for _, check := range r.checks {
		if err := check(c, claims); err != nil {
			return asKind(err, kindForbidden)
		}
	}
	return nil
}

// asKind returns err as an *Error: its own code if it is an
// authentication error, k otherwise.
func asKind(err error, k kind) *Error {
	if e, ok := AsError(err); ok {
		return e
	}
	return newError(k, err)
}

// recoverAuth answers a panic with an authentication error below the
// middleware and lets every other panic go on to the recovery handler.
func (r *route) recoverAuth(c *gin.Context) {
	v := recover()
	if v == nil {
		return
	}
	e, ok := panicError(v)
	if !ok {
		panic(v)
	}
	if c.Writer.Written() {
		r.auth.resp.logLate(c, e)
		c.Abort()
		return
	}
	r.fail(c, e)
}

func (r *route) fail(c *gin.Context, e *Error) {
	fixed := r.fixed
	if e != r.missing {
		fixed = nil
	}
	r.auth.resp.write(c, e, r.onError, fixed)
}

// panicError returns a panic value as an *Error if it is one.
func panicError(v any) (*Error, bool) {
	err, ok := v.(error)
	if !ok {
		return nil, false
	}
	return AsError(err)
}

// recorded returns the last authentication error of c.Errors.
func recorded(c *gin.Context) (*Error, bool) {
	for i := len(c.Errors) - 1; i >= 0; i-- {
		if e, ok := AsError(c.Errors[i].Err); ok {
			return e, true
		}
	}
	return nil, false
}
