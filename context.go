package ginjwt

import (
	"context"
	"errors"
	"fmt"

	"github.com/gin-gonic/gin"
)

// claimsKey keys the verified claims in a request's context.
type claimsKey struct{}

// requestContext returns the context that holds the claims: for a
// *gin.Context, that of its request, since gin.Context.Value does not
// reach the request's context unless the engine says so.
func requestContext(ctx context.Context) context.Context {
	if c, ok := ctx.(*gin.Context); ok && c.Request != nil {
		return c.Request.Context()
	}
	return ctx
}

// claimsAs returns c as T, or its embedded *Claims when T is *Claims.
func claimsAs[T Claimer](c Claimer) (T, bool) {
	if t, ok := c.(T); ok {
		return t, true
	}
	t, ok := any(c.base()).(T)
	return t, ok
}

// ClaimsFrom returns the verified claims of the request, as the claims
// type T: the type Config.NewClaims makes, or *Claims. ctx is the
// *gin.Context or the request's context.Context. ok is false on an
// anonymous request (an Optional route) and when T does not match.
func ClaimsFrom[T Claimer](ctx context.Context) (claims T, ok bool) {
	c, found := requestContext(ctx).Value(claimsKey{}).(Claimer)
	if !found {
		return claims, false
	}
	return claimsAs[T](c)
}

// MustClaims is ClaimsFrom for routes that require a token. On an
// anonymous request it panics with ErrMissingToken, which the middleware
// answers with 401 missing_token; a T that does not match the claims
// type is a programming error, and its panic becomes a 500.
func MustClaims[T Claimer](ctx context.Context) T {
	c, found := requestContext(ctx).Value(claimsKey{}).(Claimer)
	if !found {
		panic(ErrMissingToken)
	}
	t, ok := claimsAs[T](c)
	if !ok {
		panic(fmt.Errorf("ginjwt: the claims are %T, not %T", c, t))
	}
	return t
}

// Identity returns the subject ("sub") of the verified token; ok is false
// on an anonymous request.
func Identity(ctx context.Context) (id string, ok bool) {
	c, ok := ClaimsFrom[*Claims](ctx)
	if !ok {
		return "", false
	}
	return c.Subject, true
}

// MustIdentity is Identity for routes that require a token; on an
// anonymous request it panics with ErrMissingToken (401 missing_token).
func MustIdentity(ctx context.Context) string {
	return MustClaims[*Claims](ctx).Subject
}

// Token returns the raw token the request was authenticated with.
func Token(ctx context.Context) (token string, ok bool) {
	c, ok := ClaimsFrom[*Claims](ctx)
	if !ok {
		return "", false
	}
	return c.raw, true
}

// loadUser runs Config.LoadUser and keeps what it returns with the claims.
func (a *Auth) loadUser(c *gin.Context, claims Claimer) *Error {
	user, err := a.cfg.LoadUser(c, claims)
	switch {
	case err != nil && errors.Is(err, ErrUserNotFound):
		return newError(kindUserNotFound, err)
	case err != nil:
		return asKind(err, kindAuthUnavailable)
	case user == nil:
		return newError(kindUserNotFound, nil)
	}
	claims.base().user = user
	return nil
}

// UserFrom returns the user Config.LoadUser loaded for the request, as
// T; ok is false on an anonymous request, without a LoadUser, or when T
// does not match.
func UserFrom[T any](ctx context.Context) (user T, ok bool) {
	c, found := ClaimsFrom[*Claims](ctx)
	if !found {
		return user, false
	}
	user, ok = c.user.(T)
	return user, ok
}

// MustUser is UserFrom for routes that require a token; on an anonymous
// request it panics with ErrMissingToken (401 missing_token).
func MustUser[T any](ctx context.Context) T {
	c := MustClaims[*Claims](ctx)
	user, ok := c.user.(T)
	if !ok {
		panic(fmt.Errorf("ginjwt: the user is %T, not %T", c.user, user))
	}
	return user
}
