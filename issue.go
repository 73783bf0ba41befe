package ginjwt

import (
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// IssueOption adjusts a token being issued.
type IssueOption func(*issue)

type issue struct {
	claims   Claimer
	fresh    Freshness
	lifetime time.Duration
	headers  map[string]any
	family   string
}

// AsFresh issues a fresh access token, for a login where the user just
// proved who they are. Refresh tokens are never fresh.
func AsFresh() IssueOption { return func(i *issue) { i.fresh = Freshness{Fresh: true} } }

// FreshUntil issues an access token that is fresh until t, and an
// ordinary one after.
func FreshUntil(t time.Time) IssueOption {
	return func(i *issue) { i.fresh = Freshness{Until: t} }
}

// WithClaims issues the token with custom claims: c, a pointer to the
// claims type of Config.NewClaims, whose embedded Claims are filled in
// (subject, issuer, audience, times, ID, type) before signing. c must not
// be shared between goroutines while it is issued.
func WithClaims(c Claimer) IssueOption { return func(i *issue) { i.claims = c } }

// Lifetime overrides the configured lifetime for one token; NoExpiry
// issues it without "exp" (the Config must have ExpiryOptional).
func Lifetime(d time.Duration) IssueOption { return func(i *issue) { i.lifetime = d } }

// WithHeader adds a member to the token's JOSE header. "alg", "kid",
// "typ" and "crit" are set by ginjwt and cannot be given.
func WithHeader(name string, value any) IssueOption {
	return func(i *issue) {
		if i.headers == nil {
			i.headers = map[string]any{}
		}
		i.headers[name] = value
	}
}

var errNoSigningKey = errors.New("ginjwt: no signing key: give Keys a private key or a secret")

// NewAccessToken issues an access token for subject, the authenticated
// identity, with a random "jti" and the configured issuer, audience and
// lifetime.
func (a *Auth) NewAccessToken(subject string, opts ...IssueOption) (string, error) {
	return a.issue(AccessToken, subject, opts)
}

// NewRefreshToken issues a refresh token for subject; it is accepted only
// by routes built with RefreshOnly.
func (a *Auth) NewRefreshToken(subject string, opts ...IssueOption) (string, error) {
	return a.issue(RefreshToken, subject, opts)
}

func (a *Auth) issue(t TokenType, subject string, opts []IssueOption) (string, error) {
	if subject == "" {
		return "", errors.New("ginjwt: empty subject")
	}
	is := issue{lifetime: a.cfg.AccessLifetime}
	if t == RefreshToken {
		is.lifetime = a.cfg.RefreshLifetime
	}
	for _, opt := range opts {
		opt(&is)
	}
	if is.claims == nil {
		is.claims = a.cfg.NewClaims()
	}
	return a.sign(is.claims, t, subject, &is)
}

// sign stamps claims and signs them.
func (a *Auth) sign(claims Claimer, t TokenType, subject string, is *issue) (string, error) {
	signer := a.signer()
	if signer == nil {
		return "", errNoSigningKey
	}
	if is.lifetime == NoExpiry && !a.cfg.ExpiryOptional {
		return "", errors.New("ginjwt: NoExpiry needs ExpiryOptional")
	}
	a.stamp(claims.base(), t, subject, is)

	token := jwt.NewWithClaims(signer.method, claims)
	for name, v := range is.headers {
		switch name {
		case "alg", "kid", "typ", "crit":
			return "", fmt.Errorf("ginjwt: header %q is set by ginjwt", name)
		}
		token.Header[name] = v
	}
	if signer.id != "" {
		token.Header["kid"] = signer.id
	}
	return token.SignedString(signer.signer)
}

// reissue signs a new token of type t from verified claims: a copy keeps
// the custom claims and the family, and gets new times, ID and CSRF
// value. It is never fresh.
func (a *Auth) reissue(claims Claimer, t TokenType) (string, error) {
	v := reflect.ValueOf(claims).Elem()
	cp := reflect.New(v.Type())
	cp.Elem().Set(v)
	b := claims.base()
	is := issue{lifetime: a.cfg.AccessLifetime, family: b.Family}
	if t == RefreshToken {
		is.lifetime = a.cfg.RefreshLifetime
	}
	return a.sign(cp.Interface().(Claimer), t, b.Subject, &is)
}

// stamp fills in the claims ginjwt owns.
func (a *Auth) stamp(b *Claims, t TokenType, subject string, is *issue) {
	now := a.now()
	b.Subject = subject
	b.Issuer = a.cfg.Issuer
	b.Audience = jwt.ClaimStrings(a.cfg.Audience)
	b.IssuedAt = jwt.NewNumericDate(now)
	b.NotBefore = b.IssuedAt
	b.ExpiresAt = nil
	if is.lifetime != NoExpiry {
		b.ExpiresAt = jwt.NewNumericDate(now.Add(is.lifetime))
	}
	b.ID = rand.Text()
	b.Type = t
	b.Fresh = Freshness{}
	if t == AccessToken {
		b.Fresh = is.fresh
	}
	b.Family = is.family
	b.CSRF = ""
	if a.cookies && !a.cfg.CSRF.Disabled {
		b.CSRF = rand.Text()
	}
}

// signer returns the key that signs issued tokens, or nil.
func (a *Auth) signer() *verifier {
	if a.dynamicKeys {
		return nil
	}
	return a.keys.Load().signer
}
