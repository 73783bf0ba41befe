// Package ginjwt authenticates Gin requests with JSON Web Tokens and
// answers every authentication failure with the right JSON error, in
// every gin mode, whichever way the failure was raised.
//
// # The problem
//
// With many web stacks an expired token answers 401 JSON on a developer's
// debug server and an empty 500 in production, because error dispatch
// depends on the framework's mode. In Gin, gin.Recovery turns any panic
// into an empty 500, and a handler deep in a call stack has no way to
// answer 401. ginjwt's responses do not depend on the mode (debug mode
// only adds a "detail" member), nor on the path the error took: found by
// the middleware, panicked by a handler, or recorded with c.Error.
//
// # Use
//
// Build an Auth once, then its middlewares:
//
//	auth, err := ginjwt.NewAuth(ginjwt.Config{
//		Keys: []ginjwt.Key{{Algorithm: "HS256", Secret: secret}},
//	})
//	r := gin.New()
//	r.Use(auth.Recovery())
//	api := r.Group("/api", auth.Middleware())
//	api.GET("/me", func(c *gin.Context) {
//		c.JSON(200, gin.H{"id": ginjwt.MustIdentity(c)})
//	})
//
// New(cfg) is the one-line form for a middleware alone.
//
// Middleware takes options for per-route variants: Optional (anonymous
// requests pass), FreshOnly, RefreshOnly, AnyTokenType, WithLocations,
// Authorize and Allow (403 on refusal), OnError and SkipRevocationCheck.
//
// Handlers read the verified token with ClaimsFrom and MustClaims (typed,
// for custom claim structs that embed Claims), Identity, Token and
// UserFrom, from the *gin.Context or the request's context.Context.
//
// # Errors
//
// Every failure is an *Error with a code of the taxonomy (missing_token,
// token_expired, csrf_failed, ...), an HTTP status and a message; it
// unwraps to one of the Err sentinels and to its cause, so
// errors.Is(err, ginjwt.ErrTokenExpired) and errors.Is(err,
// jwt.ErrTokenExpired) both hold for an expired token. Bodies read
// {"error": code, "msg": message}; ErrorConfig changes the message key,
// the statuses and messages, or hands the writing to an ErrorHandler such
// as ProblemJSON.
//
// # Verification
//
// Each Key is bound to one algorithm (HS256/384/512, RS*, PS*, ES*,
// EdDSA); with several keys, tokens name theirs by "kid", and SetKeys
// rotates them. Keyfunc and KeySource take keys from elsewhere, such as a
// JWKS, within an explicit algorithm allow-list. Verification is stricter
// than golang-jwt's defaults: "exp" is required, base64url must be
// canonical, "crit" is refused, duplicate or case-colliding claim names
// are refused, dates must be numbers, and tokens are size-capped before
// anything is decoded.
//
// # Tokens, cookies and sessions
//
// An Auth with signing keys issues tokens (NewAccessToken,
// NewRefreshToken, IssuePair), answers logins (Login) and serves refresh
// and logout routes (RefreshHandler, LogoutHandler). With FromCookie among
// the Locations, tokens travel in HttpOnly cookies guarded by a
// double-submit CSRF check, and ImplicitRefresh keeps active sessions
// alive. Revoked tokens and sessions are kept in a Store: a MemoryStore by
// default, a shared store for several instances.
package ginjwt
