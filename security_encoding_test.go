package ginjwt

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tokens that are not compact JWS: refused as token_malformed before a
// key is looked at, whatever their payload says.

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// noncanonical returns seg with its last character swapped for one that
// a lenient decoder reads as the same bytes: the low bit of the last
// character is padding whenever the length is not a multiple of four.
func noncanonical(t testing.TB, seg string) string {
	t.Helper()
	require.NotZero(t, len(seg)%4, "segment %q has no padding bits", seg)
	last := strings.IndexByte(b64Alphabet, seg[len(seg)-1])
	require.GreaterOrEqual(t, last, 0)
	require.Zero(t, last&1, "segment %q is already non-canonical", seg)
	return seg[:len(seg)-1] + string(b64Alphabet[last^1])
}

// overGroup pads seg to one character past a whole group of four, a
// length no base64 encoding has.
func overGroup(seg string) string {
	for len(seg)%4 != 1 {
		seg += "A"
	}
	return seg
}

// partialGroup encodes the JSON of doc, padded so that its encoding
// ends in a partial group of base64 and so has padding bits.
func partialGroup(t testing.TB, doc func(pad string) string) string {
	t.Helper()
	for _, pad := range []string{"", "x", "xx"} {
		if seg := segment(doc(pad)); len(seg)%4 != 0 {
			return seg
		}
	}
	t.Fatal("no padding gives a partial group")
	return ""
}

// resigned signs input as it stands with the test secret.
func resigned(input string) string {
	return input + "." + b64url(hmacOf(testSecret, input))
}

func TestNoncanonicalBase64(t *testing.T) {
	a := newAuth(t, nil)
	good := access(t, a, "alice")
	h, p, s := parts(t, good)
	require.Len(t, s, 43)
	odd := partialGroup(t, func(pad string) string {
		return payloadOf("alice", `"x":"`+pad+`"`)
	})
	oddHeader := partialGroup(t, func(pad string) string {
		return `{"alg":"HS256","typ":"JWT","x":"` + pad + `"}`
	})

	tests := []struct{ name, token string }{
		{"signature", h + "." + p + "." + noncanonical(t, s)},
		{"payload, signed as sent", resigned(h + "." + noncanonical(t, odd))},
		{"header, signed as sent", resigned(noncanonical(t, oddHeader) + "." + p)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ran := attemptToken(t, a, tt.token)
			assertRefused(t, res, ran, CodeTokenMalformed, tt.token)
		})
	}
	t.Run("the canonical forms pass", func(t *testing.T) {
		for _, token := range []string{resigned(h + "." + odd), resigned(oddHeader + "." + p)} {
			res, ran := attemptToken(t, a, token)
			assertAccepted(t, res, ran, "alice")
		}
	})
}

func TestTokensThatAreNotCompactJWS(t *testing.T) {
	a := newAuth(t, nil)
	good := access(t, a, "alice")
	h, p, s := parts(t, good)
	jwe := segment(`{"alg":"PBES2-HS512+A256KW","enc":"A256GCM","p2c":2147483647,`+
		`"p2s":"c2FsdA"}`) + ".a2V5.aXY.Y2lwaGVy.dGFn"

	tests := []struct{ name, token string }{
		{"one segment", "abc"},
		{"the header alone", h},
		{"two segments", h + "." + p},
		{"four segments", good + "." + s},
		{"four segments, empty last", good + "."},
		{"five segments", good + "." + p + "." + s},
		{"JWE with a huge p2c", jwe},
		{"a dot", "."},
		{"two dots", ".."},
		{"three dots", "..."},
		{"empty header", "." + p + "." + s},
		{"empty payload, signed as sent", resigned(h + ".")},
		{"empty header and payload", ".." + s},
		{"padding in the signature", good + "="},
		{"padding in the header", h + "==." + p + "." + s},
		{"padding in the payload", h + "." + p + "=." + s},
		{"plus", h + "." + p + "." + s[:10] + "+" + s[11:]},
		{"slash", h + "." + p + "." + s[:10] + "/" + s[11:]},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(good) + "+/"},
		{"tab inside", h + ".\t" + p + "." + s},
		{"CRLF inside", h + "." + p + "\r\n." + s},
		{"LF inside", h + "." + p[:5] + "\n" + p[5:] + "." + s},
		{"NUL inside", h + "." + p + "." + s + "\x00"},
		{"control character", h + "\x01." + p + "." + s},
		{"DEL", h + "." + p + "\x7f." + s},
		{"non-ASCII", h + "." + p + "é." + s},
		{"vertical tab", h + "\v." + p + "." + s},
		{"quoted", `"` + good + `"`},
		{"percent-encoded dot", h + "%2E" + p + "." + s},
		{"header not base64", "!!!." + p + "." + s},
		{"payload not base64", h + ".***." + s},
		{"payload of 4n+1 characters, signed as sent", resigned(h + "." + overGroup(p))},
		{"header of 4n+1 characters", overGroup(h) + "." + p + "." + s},
		{"signature of 4n+1 characters", h + "." + p + "." + overGroup(s)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ran := attemptToken(t, a, tt.token)
			assertRefused(t, res, ran, CodeTokenMalformed, tt.token)
		})
	}
	t.Run("empty signature", func(t *testing.T) {
		token := h + "." + p + "."
		res, ran := attemptToken(t, a, token)
		assertRefused(t, res, ran, CodeTokenInvalid, token)
	})
	t.Run("JWE costs nothing", func(t *testing.T) {
		assertRefusalAllocs(t, protected(a), get("/p", bearer(jwe)))
		start := time.Now()
		res, _ := attemptToken(t, a, jwe)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, CodeTokenMalformed, res.code())
	})
}
