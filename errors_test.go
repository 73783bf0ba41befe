package ginjwt

import (
	"errors"
	"fmt"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAsError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code string
		is   []error
	}{
		{"ginjwt sentinel", ErrTokenExpired, CodeTokenExpired, []error{ErrTokenExpired}},
		{"wrapped sentinel", fmt.Errorf("loading: %w", ErrUserNotFound), CodeUserNotFound,
			[]error{ErrUserNotFound}},
		{"golang-jwt sentinel", jwt.ErrTokenExpired, CodeTokenExpired,
			[]error{ErrTokenExpired, jwt.ErrTokenExpired}},
		{
			"golang-jwt parser error",
			fmt.Errorf("%w: %w", jwt.ErrTokenInvalidClaims, jwt.ErrTokenExpired),
			CodeTokenExpired,
			[]error{ErrTokenExpired, jwt.ErrTokenExpired, jwt.ErrTokenInvalidClaims},
		},
		{"golang-jwt audience", jwt.ErrTokenInvalidAudience, CodeInvalidClaims,
			[]error{ErrInvalidClaims, jwt.ErrTokenInvalidAudience}},
		{
			"golang-jwt signature",
			jwt.ErrTokenSignatureInvalid,
			CodeTokenInvalid,
			[]error{ErrTokenInvalid},
		},
		{
			"golang-jwt malformed",
			jwt.ErrTokenMalformed,
			CodeTokenMalformed,
			[]error{ErrTokenMalformed},
		},
		{
			"golang-jwt not yet valid",
			jwt.ErrTokenNotValidYet,
			CodeTokenNotYetValid,
			[]error{ErrTokenNotYetValid},
		},
		{"an *Error", &Error{Code: CodeForbidden, Err: errors.New("role")}, CodeForbidden,
			[]error{ErrForbidden}},
		{
			"an *Error wrapped",
			fmt.Errorf("ctx: %w", newError(kindTokenRevoked, nil)),
			CodeTokenRevoked,
			[]error{ErrTokenRevoked},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := AsError(tt.err)
			require.True(t, ok)
			assert.Equal(t, tt.code, e.Code)
			for _, target := range tt.is {
				assert.ErrorIs(t, e, target)
			}
		})
	}

	plain := []error{nil, errors.New("plain"), fmt.Errorf("wrapped: %w", errors.New("x"))}
	for _, err := range plain {
		_, ok := AsError(err)
		assert.False(t, ok, "%v", err)
	}
}

func TestErrorText(t *testing.T) {
	assert.Equal(t, "ginjwt: token has expired", newError(kindTokenExpired, nil).Error())
	assert.Equal(t, "ginjwt: token has expired: token is expired",
		newError(kindTokenExpired, jwt.ErrTokenExpired).Error())
	assert.Equal(
		t,
		"ginjwt: internal_error: boom",
		newError(kindInternalError, errors.New("boom")).Error(),
	)
	assert.Equal(t, "ginjwt: teapot", (&Error{Code: "teapot"}).Error())
	assert.Empty(t, (&Error{Code: "teapot"}).Unwrap())
}

func TestTaxonomyIsComplete(t *testing.T) {
	codes := map[string]bool{}
	for k, s := range taxonomy {
		assert.NotEmpty(t, s.code, "kind %d", k)
		assert.False(t, codes[s.code], "duplicate %s", s.code)
		codes[s.code] = true
		assert.NotEmpty(t, s.message)
		assert.GreaterOrEqual(t, s.status, 400)
	}
	assert.Len(t, codes, 15)
}
