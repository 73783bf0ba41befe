package ginjwt

import (
	"context"
	"crypto/rand"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// A session is what one login starts: a fresh access token and a refresh
// token sharing a family ("fam"), and every token refreshed from them.
// Logout revokes the family, which ends the session wherever its tokens
// are.

// TokenPair is an access token and a refresh token of one session.
type TokenPair struct {
	AccessToken  string
	RefreshToken string
}

// IssuePair starts a session for subject: a fresh access token and a
// refresh token of a new family. opts apply to both (custom claims, extra
// headers); the freshness of the access token is set by IssuePair.
func (a *Auth) IssuePair(subject string, opts ...IssueOption) (TokenPair, error) {
	family := rand.Text()
	inFamily := func(i *issue) { i.family = family }
	access, err := a.NewAccessToken(subject, append(opts, AsFresh(), inFamily)...)
	if err != nil {
		return TokenPair{}, err
	}
	refresh, err := a.NewRefreshToken(subject, append(opts, inFamily)...)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, RefreshToken: refresh}, nil
}

// Login answers a login request for subject, an identity the application
// has just authenticated (by password, say): it starts a session with
// IssuePair and answers 200 with the tokens in the JSON body (unless
// CookieConfig.OnlyCookies) and in cookies (when cookies are among the
// Locations). On error it answers 500 internal_error and returns the
// error for the caller to log.
func (a *Auth) Login(c *gin.Context, subject string, opts ...IssueOption) error {
	pair, err := a.IssuePair(subject, opts...)
	if err != nil {
		a.resp.write(c, newError(kindInternalError, err), nil, nil)
		return err
	}
	a.answerTokens(c, pair)
	return nil
}

// answerTokens writes the tokens of pair that are set, as cookies and in
// the body as configured.
func (a *Auth) answerTokens(c *gin.Context, pair TokenPair) {
	body := gin.H{}
	inBody := !a.cookies || !a.cfg.Cookies.OnlyCookies
	if pair.AccessToken != "" {
		if a.cookies {
			_ = a.SetAccessCookies(c, pair.AccessToken) // just issued: well formed
		}
		if inBody {
			body[a.cfg.JSONBody.AccessField] = pair.AccessToken
		}
	}
	if pair.RefreshToken != "" {
		if a.cookies {
			_ = a.SetRefreshCookies(c, pair.RefreshToken)
		}
		if inBody {
			body[a.cfg.JSONBody.RefreshField] = pair.RefreshToken
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, body)
}

// RefreshHandler returns the handler of a refresh route: it takes a
// refresh token (from the configured locations, with the refresh cookie
// and its CSRF check) and answers a new access token that is not fresh,
// keeping the custom claims and the session family. With
// RotateRefreshTokens it also answers a new refresh token and retires the
// one it was given. An access token there answers wrong_token_type.
func (a *Auth) RefreshHandler() gin.HandlerFunc {
	opts := []Option{RefreshOnly()}
	if a.cfg.RotateRefreshTokens {
		// The handler consults the store itself, atomically.
		opts = append(opts, SkipRevocationCheck())
	}
	rt := a.newRoute(opts...)
	return func(c *gin.Context) {
		claims, err := rt.authenticate(c)
		if err != nil {
			rt.fail(c, err)
			return
		}
		var pair TokenPair
		if a.cfg.RotateRefreshTokens {
			if err := a.rotate(c, claims.base()); err != nil {
				rt.fail(c, err)
				return
			}
		}
		var signErr error
		pair.AccessToken, signErr = a.reissue(claims, AccessToken)
		if signErr == nil && a.cfg.RotateRefreshTokens {
			pair.RefreshToken, signErr = a.reissue(claims, RefreshToken)
		}
		if signErr != nil {
			rt.fail(c, newError(kindInternalError, signErr))
			return
		}
		a.answerTokens(c, pair)
	}
}

// rotate retires a refresh token. Of concurrent refreshes with one token
// exactly one retires it; the others, like any later use, are reuse:
// the family is revoked and the request refused with token_revoked.
func (a *Auth) rotate(c *gin.Context, b *Claims) *Error {
	ctx := c.Request.Context()
	if b.Family != "" {
		revoked, err := a.bounded(ctx, func(ctx context.Context) (bool, error) {
			return a.store.Revoked(ctx, b.Family)
		})
		if err != nil {
			return a.storeFailed(err)
		}
		if revoked {
			return newError(kindTokenRevoked, nil)
		}
	}
	first, err := a.Revoke(ctx, b.ID, a.expiry(b))
	if err != nil {
		return asKind(err, kindAuthUnavailable)
	}
	if first {
		return nil
	}
	if b.Family != "" {
		if _, err := a.Revoke(ctx, b.Family, a.familyExpiry()); err != nil {
			return asKind(err, kindAuthUnavailable)
		}
		logger(a.cfg.Logger).Warn("ginjwt: a retired refresh token was used again; "+
			"its session is revoked", "subject", b.Subject)
	}
	return newError(kindTokenRevoked, nil)
}

// LogoutHandler returns the handler of a logout route: it revokes the
// session of the token it is given (an access or a refresh token, from
// the configured locations; a refresh token in the refresh cookie or the
// JSON body too), unsets the cookies and answers 200. A request whose
// token is missing, expired or otherwise invalid has nothing to revoke
// and is logged out all the same; a CSRF failure or a store that does
// not answer is refused, and nothing is unset.
func (a *Auth) LogoutHandler() gin.HandlerFunc {
	primary := a.newRoute(AnyTokenType(), SkipRevocationCheck())
	extras := []*route{a.newRoute(RefreshOnly(), SkipRevocationCheck(), WithLocations(FromJSON()))}
	if a.cookies {
		extras = append(extras, a.newRoute(RefreshOnly(), SkipRevocationCheck(),
			WithLocations(FromCookie())))
	}
	for _, r := range extras {
		r.noCSRF = true // revoking more is never a risk
	}
	routes := append([]*route{primary}, extras...)
	return func(c *gin.Context) {
		for i, r := range routes {
			claims, err := r.authenticate(c)
			if err != nil {
				if i == 0 && refusesLogout(err) {
					primary.fail(c, err)
					return
				}
				continue
			}
			if err := a.revokeClaims(c.Request.Context(), claims.base()); err != nil {
				primary.fail(c, asKind(err, kindAuthUnavailable))
				return
			}
		}
		if a.cookies {
			a.UnsetCookies(c)
		}
		c.JSON(http.StatusOK, gin.H{a.resp.messageKey: "Logged out"})
	}
}

// refusesLogout tells errors that must stop a logout from the ones that
// only mean there is nothing to revoke.
func refusesLogout(e *Error) bool {
	switch e.Code {
	case CodeCSRFFailed, CodeAuthUnavailable, CodeInvalidRequest:
		return true
	}
	return false
}

// ImplicitRefresh returns a middleware, for after the Auth's middleware,
// that re-issues the access cookie of a verified cookie-borne access
// token expiring within window: cookie sessions then last as long as the
// user is active, without calls to a refresh route. The new token keeps
// the custom claims and the session family, and is not fresh. Expired and
// invalid tokens never reach it; anonymous requests and tokens from other
// locations pass untouched.
func (a *Auth) ImplicitRefresh(window time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		claims, ok := requestContext(c).Value(claimsKey{}).(Claimer)
		if ok {
			a.refreshCookie(c, claims, window)
		}
		c.Next()
	}
}

func (a *Auth) refreshCookie(c *gin.Context, claims Claimer, window time.Duration) {
	b := claims.base()
	now := a.now()
	if b.from != inCookie || b.Type != AccessToken || b.ExpiresAt == nil ||
		!b.ExpiresAt.After(now) || b.ExpiresAt.Sub(now) > window {
		return
	}
	token, err := a.reissue(claims, AccessToken)
	if err != nil {
		logger(a.cfg.Logger).Error("ginjwt: implicit refresh failed", "error", err)
		return
	}
	_ = a.SetAccessCookies(c, token) // just issued: well formed
}
