package ginjwt

import (
	"bytes"
	"errors"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims ginjwt reads and writes: the registered claims of
// RFC 7519 plus the token type, the freshness and the CSRF value. Custom
// claim types embed Claims:
//
//	type AppClaims struct {
//		ginjwt.Claims
//		Role string `json:"role"`
//	}
//
// The subject ("sub") is the identity.
type Claims struct {
	jwt.RegisteredClaims

	// Type tells access tokens from refresh tokens. A token without a
	// "type" claim is an access token.
	Type TokenType `json:"type"`
	// Fresh says whether an access token is fresh; see Freshness.
	Fresh Freshness `json:"fresh,omitzero"`
	// CSRF is the double-submit value of tokens meant for cookies.
	CSRF string `json:"csrf,omitempty"`
	// Family is shared by the tokens of one login: the pair Login issues
	// and every token refreshed from it. Revoking it ends the session.
	Family string `json:"fam,omitempty"`

	raw  string // the token the claims were read from
	from source // where the token was found
	user any    // what Config.LoadUser returned
}

// Claimer is implemented by every claims type the middleware can verify
// and issue: a pointer to a struct that embeds Claims.
type Claimer interface {
	jwt.Claims
	base() *Claims
}

func (c *Claims) base() *Claims { return c }

// TokenType tells access tokens from refresh tokens. The zero value is
// AccessToken.
type TokenType uint8

const (
	// AccessToken authenticates requests to protected routes.
	AccessToken TokenType = iota
	// RefreshToken is exchanged for new access tokens, and nothing else.
	RefreshToken
	// otherToken is any other "type" value; no route accepts it.
	otherToken
)

// String returns the claim value: "access" or "refresh".
func (t TokenType) String() string {
	switch t {
	case AccessToken:
		return "access"
	case RefreshToken:
		return "refresh"
	}
	return "other"
}

// MarshalJSON writes "access" or "refresh".
func (t TokenType) MarshalJSON() ([]byte, error) {
	if t > RefreshToken {
		return nil, errors.New("ginjwt: unknown token type")
	}
	return strconv.AppendQuote(nil, t.String()), nil
}

// UnmarshalJSON reads a type claim without allocating. A value other than
// "access" or "refresh" is kept as a type no route accepts; null means
// the claim is absent.
func (t *TokenType) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == `"access"` || string(b) == "null":
		*t = AccessToken
	case string(b) == `"refresh"`:
		*t = RefreshToken
	case len(b) > 0 && b[0] == '"':
		*t = otherToken
	default:
		return errors.New("ginjwt: type claim is not a string")
	}
	return nil
}

// Freshness says whether an access token is fresh, which routes built with
// FreshOnly require: a token issued right after the user proved who they
// are (a password login), as opposed to one issued by a refresh. The zero
// value is "not fresh". In JSON it is true or false, or the NumericDate
// until which the token stays fresh.
type Freshness struct {
	// Fresh marks the token fresh for its whole life.
	Fresh bool
	// Until, when not zero, marks the token fresh before that time.
	Until time.Time
}

// IsFresh reports whether the token is fresh at now.
func (f Freshness) IsFresh(now time.Time) bool {
	return f.Fresh || (!f.Until.IsZero() && now.Before(f.Until))
}

// IsZero reports whether f is "not fresh", so that omitzero leaves it out.
func (f Freshness) IsZero() bool { return !f.Fresh && f.Until.IsZero() }

// MarshalJSON writes true, false or the Until NumericDate.
func (f Freshness) MarshalJSON() ([]byte, error) {
	if f.Fresh || f.Until.IsZero() {
		return strconv.AppendBool(nil, f.Fresh), nil
	}
	return strconv.AppendInt(nil, f.Until.Unix(), 10), nil
}

// UnmarshalJSON reads true, false, null or a NumericDate.
func (f *Freshness) UnmarshalJSON(b []byte) error {
	*f = Freshness{}
	switch string(b) {
	case "true":
		f.Fresh = true
		return nil
	case "false", "null":
		return nil
	}
	secs, err := numericDate(bytes.TrimSpace(b))
	if err != nil {
		return errors.New("ginjwt: fresh claim is neither a boolean nor a date")
	}
	f.Until = time.Unix(secs, 0)
	return nil
}
