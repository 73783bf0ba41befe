package ginjwt

import (
	"errors"
	"net/http"

	"github.com/golang-jwt/jwt/v5"
)

// Sentinel errors, one per code of the error taxonomy. Every *Error
// unwraps to the sentinel of its code, so errors.Is(err, ErrTokenExpired)
// holds whether err came from the middleware, a handler or a callback.
// Handlers may return, record (c.Error) or panic with them, wrapped or not.
var (
	ErrMissingToken       = errors.New("ginjwt: missing token")
	ErrInvalidRequest     = errors.New("ginjwt: invalid request")
	ErrTokenMalformed     = errors.New("ginjwt: malformed token")
	ErrTokenInvalid       = errors.New("ginjwt: invalid token")
	ErrTokenExpired       = errors.New("ginjwt: token has expired")
	ErrTokenNotYetValid   = errors.New("ginjwt: token is not yet valid")
	ErrInvalidClaims      = errors.New("ginjwt: invalid token claims")
	ErrWrongTokenType     = errors.New("ginjwt: wrong token type")
	ErrFreshTokenRequired = errors.New("ginjwt: fresh token required")
	ErrTokenRevoked       = errors.New("ginjwt: token has been revoked")
	ErrUserNotFound       = errors.New("ginjwt: user not found")
	ErrCSRFFailed         = errors.New("ginjwt: CSRF check failed")
	ErrForbidden          = errors.New("ginjwt: forbidden")
	ErrAuthUnavailable    = errors.New("ginjwt: authentication unavailable")
)

// Codes of the error taxonomy, as sent in the "error" member of a body.
const (
	CodeMissingToken       = "missing_token"
	CodeInvalidRequest     = "invalid_request"
	CodeTokenMalformed     = "token_malformed"
	CodeTokenInvalid       = "token_invalid"
	CodeTokenExpired       = "token_expired"
	CodeTokenNotYetValid   = "token_not_yet_valid"
	CodeInvalidClaims      = "invalid_claims"
	CodeWrongTokenType     = "wrong_token_type"
	CodeFreshTokenRequired = "fresh_token_required"
	CodeTokenRevoked       = "token_revoked"
	CodeUserNotFound       = "user_not_found"
	CodeCSRFFailed         = "csrf_failed"
	CodeForbidden          = "forbidden"
	CodeAuthUnavailable    = "auth_unavailable"
	CodeInternalError      = "internal_error"
)

// Messages that differ from a code's default message.
const (
	msgRefreshOnly    = "Only refresh tokens are allowed"
	msgCSRFMismatch   = "CSRF double submit tokens do not match"
	msgMissingDefault = "Missing Authorization Header"
)

// kind indexes the taxonomy table.
type kind uint8

const (
	kindMissingToken kind = iota
	kindInvalidRequest
	kindTokenMalformed
	kindTokenInvalid
	kindTokenExpired
	kindTokenNotYetValid
	kindInvalidClaims
	kindWrongTokenType
	kindFreshTokenRequired
	kindTokenRevoked
	kindUserNotFound
	kindCSRFFailed
	kindForbidden
	kindAuthUnavailable
	kindInternalError
	numKinds
)

// spec is one row of the error taxonomy.
type spec struct {
	code     string
	status   int
	message  string
	sentinel error
}

// taxonomy holds the defaults of every code; it is never written.
var taxonomy = [numKinds]spec{
	kindMissingToken: {CodeMissingToken, http.StatusUnauthorized,
		msgMissingDefault, ErrMissingToken},
	kindInvalidRequest: {CodeInvalidRequest, http.StatusBadRequest,
		"Bad Authorization header. Expected 'Authorization: Bearer <JWT>'",
		ErrInvalidRequest},
	kindTokenMalformed: {CodeTokenMalformed, http.StatusUnauthorized,
		"Malformed token", ErrTokenMalformed},
	kindTokenInvalid: {CodeTokenInvalid, http.StatusUnauthorized,
		"Invalid token", ErrTokenInvalid},
	kindTokenExpired: {CodeTokenExpired, http.StatusUnauthorized,
		"Token has expired", ErrTokenExpired},
	kindTokenNotYetValid: {CodeTokenNotYetValid, http.StatusUnauthorized,
		"Token is not yet valid", ErrTokenNotYetValid},
	kindInvalidClaims: {CodeInvalidClaims, http.StatusUnauthorized,
		"Invalid token claims", ErrInvalidClaims},
	kindWrongTokenType: {CodeWrongTokenType, http.StatusUnauthorized,
		"Only non-refresh tokens are allowed", ErrWrongTokenType},
	kindFreshTokenRequired: {CodeFreshTokenRequired, http.StatusUnauthorized,
		"Fresh token required", ErrFreshTokenRequired},
	kindTokenRevoked: {CodeTokenRevoked, http.StatusUnauthorized,
		"Token has been revoked", ErrTokenRevoked},
	kindUserNotFound: {CodeUserNotFound, http.StatusUnauthorized,
		"Error loading the user", ErrUserNotFound},
	kindCSRFFailed: {CodeCSRFFailed, http.StatusForbidden,
		"Missing CSRF token", ErrCSRFFailed},
	kindForbidden: {CodeForbidden, http.StatusForbidden,
		"Forbidden", ErrForbidden},
	kindAuthUnavailable: {CodeAuthUnavailable, http.StatusServiceUnavailable,
		"Authentication temporarily unavailable", ErrAuthUnavailable},
	kindInternalError: {CodeInternalError, http.StatusInternalServerError,
		"Internal Server Error", nil},
}

// Error is an authentication failure together with the response it gets:
// the machine code, the HTTP status, the client message and the cause.
// Status and Message already include the overrides of ErrorConfig when an
// Error reaches an ErrorHandler.
//
// An Error unwraps to the sentinel of its code and to its cause, so both
// errors.Is(err, ErrTokenExpired) and errors.Is(err, jwt.ErrTokenExpired)
// hold for an expired token.
type Error struct {
	// Code is the taxonomy code, such as "token_expired".
	Code string
	// Status is the HTTP status of the response.
	Status int
	// Message is the client-facing message.
	Message string
	// Err is the underlying cause; it may be nil. Its text is shown to
	// clients only in gin's debug mode, as "detail".
	Err error
}

// newError returns the Error of k with the default status and message.
func newError(k kind, cause error) *Error {
	s := &taxonomy[k]
	return &Error{Code: s.code, Status: s.status, Message: s.message, Err: cause}
}

// Error returns the sentinel text of the code followed by the cause.
func (e *Error) Error() string {
	text := "ginjwt: " + e.Code
	if k, ok := kindOf(e.Code); ok && taxonomy[k].sentinel != nil {
		text = taxonomy[k].sentinel.Error()
	}
	if e.Err != nil {
		text += ": " + e.Err.Error()
	}
	return text
}

// Unwrap returns the sentinel of the code and the cause.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if k, ok := kindOf(e.Code); ok && taxonomy[k].sentinel != nil {
		errs = append(errs, taxonomy[k].sentinel)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// kindOf maps a code to its row of the taxonomy.
func kindOf(code string) (kind, bool) {
	for k := range taxonomy {
		if taxonomy[k].code == code {
			return kind(k), true
		}
	}
	return 0, false
}

// upstream maps golang-jwt's sentinels to codes. Order matters: an error
// that wraps several sentinels gets the first match, so the more specific
// ones come before jwt.ErrTokenInvalidClaims, which wraps them all.
var upstream = [...]struct {
	err  error
	kind kind
}{
	{jwt.ErrTokenMalformed, kindTokenMalformed},
	{jwt.ErrTokenSignatureInvalid, kindTokenInvalid},
	{jwt.ErrSignatureInvalid, kindTokenInvalid},
	{jwt.ErrTokenUnverifiable, kindTokenInvalid},
	{jwt.ErrInvalidKey, kindTokenInvalid},
	{jwt.ErrInvalidKeyType, kindTokenInvalid},
	{jwt.ErrHashUnavailable, kindTokenInvalid},
	{jwt.ErrECDSAVerification, kindTokenInvalid},
	{jwt.ErrEd25519Verification, kindTokenInvalid},
	{jwt.ErrTokenExpired, kindTokenExpired},
	{jwt.ErrTokenNotValidYet, kindTokenNotYetValid},
	{jwt.ErrTokenUsedBeforeIssued, kindTokenNotYetValid},
	{jwt.ErrTokenInvalidAudience, kindInvalidClaims},
	{jwt.ErrTokenInvalidIssuer, kindInvalidClaims},
	{jwt.ErrTokenInvalidSubject, kindInvalidClaims},
	{jwt.ErrTokenInvalidId, kindInvalidClaims},
	{jwt.ErrTokenRequiredClaimMissing, kindInvalidClaims},
	{jwt.ErrInvalidType, kindInvalidClaims},
	{jwt.ErrTokenInvalidClaims, kindInvalidClaims},
}

// AsError reports whether err is an authentication failure and returns it
// as an *Error: an *Error anywhere in the chain, one of this package's
// sentinels, or one of golang-jwt's sentinels (jwt.ErrTokenExpired, ...),
// wrapped or not. Status and Message are the taxonomy defaults; overrides
// are applied when the error is written.
func AsError(err error) (*Error, bool) {
	if err == nil {
		return nil, false
	}
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	for k := range taxonomy {
		if s := taxonomy[k].sentinel; s != nil && errors.Is(err, s) {
			return newError(kind(k), causeOf(err, s)), true
		}
	}
	for _, u := range upstream {
		if errors.Is(err, u.err) {
			return newError(u.kind, err), true
		}
	}
	return nil, false
}

// causeOf drops a bare sentinel, which says nothing the code does not.
func causeOf(err, sentinel error) error {
	if err == sentinel {
		return nil
	}
	return err
}
