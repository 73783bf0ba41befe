package ginjwt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"strings"
)

// source is where a token travels.
type source uint8

const (
	inHeader source = iota + 1
	inCookie
	inQuery
	inJSON
)

// Location is a place the middleware looks for a token. Build one with
// FromHeader, FromCookie, FromQuery or FromJSON.
type Location struct {
	src    source
	name   string
	scheme string
}

// FromHeader finds the token in a request header. With a scheme (matched
// without regard to case, as RFC 7235 says) the header reads
// "<scheme> <token>", and a header with another scheme, such as Basic,
// counts as no token; with an empty scheme the whole value is the token.
func FromHeader(name, scheme string) Location {
	return Location{src: inHeader, name: name, scheme: scheme}
}

// FromCookie finds the token in the cookie named by CookieConfig:
// AccessName on routes for access tokens, RefreshName on routes for
// refresh tokens.
func FromCookie() Location { return Location{src: inCookie} }

// FromQuery finds the token in a query parameter. Tokens in URLs end up
// in logs, histories and Referer headers: prefer any other location.
func FromQuery(name string) Location { return Location{src: inQuery, name: name} }

// FromJSON finds the token in a member of a JSON request body, named by
// JSONBodyConfig. The body is read up to JSONBodyConfig.MaxBytes and
// handed back to the handler intact.
func FromJSON() Location { return Location{src: inJSON} }

// String describes the location, as in error messages.
func (l Location) String() string {
	switch l.src {
	case inHeader:
		return l.name + " header"
	case inCookie:
		return "cookie"
	case inQuery:
		return "query parameter " + l.name
	case inJSON:
		return "JSON body"
	}
	return "unknown location"
}

func checkLocations(locs []Location) error {
	if len(locs) == 0 {
		return errors.New("ginjwt: empty Locations")
	}
	seen := map[Location]bool{}
	for _, l := range locs {
		switch {
		case l.src == 0:
			return errors.New("ginjwt: use FromHeader, FromCookie, FromQuery or FromJSON")
		case (l.src == inHeader || l.src == inQuery) && !isToken(l.name):
			return fmt.Errorf("ginjwt: invalid %s name %q", l, l.name)
		case l.src == inHeader && l.scheme != "" && !isToken(l.scheme):
			return fmt.Errorf("ginjwt: invalid scheme %q", l.scheme)
		case seen[l]:
			return fmt.Errorf("ginjwt: %s listed twice", l)
		}
		seen[l] = true
	}
	return nil
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return s != ""
}

// locator is a Location resolved for a route: the header name in
// canonical form, the cookie or field name for the route's token type.
type locator struct {
	src     source
	name    string
	scheme  string
	missing string // "Missing ..." for the missing_token message
	maxBody int64
}

func newLocator(l Location, cfg *Config, t TokenType) locator {
	lc := locator{src: l.src, name: l.name, scheme: l.scheme}
	switch l.src {
	case inHeader:
		lc.name = textproto.CanonicalMIMEHeaderKey(l.name)
		lc.missing = "Missing " + lc.name + " Header"
	case inCookie:
		lc.name = cfg.Cookies.AccessName
		if t == RefreshToken {
			lc.name = cfg.Cookies.RefreshName
		}
		lc.missing = "Missing cookie '" + lc.name + "'"
	case inQuery:
		lc.missing = "Missing query parameter '" + lc.name + "'"
	case inJSON:
		lc.name = cfg.JSONBody.AccessField
		if t == RefreshToken {
			lc.name = cfg.JSONBody.RefreshField
		}
		lc.missing = "Missing JSON body field '" + lc.name + "'"
		lc.maxBody = cfg.JSONBody.MaxBytes
	}
	return lc
}

// errTwice and errBadScheme explain invalid_request answers.
var (
	errTwice      = errors.New("ginjwt: credentials sent more than once")
	errBadScheme  = errors.New("ginjwt: expected '<scheme> <token>'")
	errTokenValue = errors.New("ginjwt: token member is not a string")
)

// find returns the token at this location, or "" when there is none. An
// error means the request is refused whatever the other locations hold.
func (l *locator) find(r *http.Request) (string, *Error) {
	switch l.src {
	case inHeader:
		return l.fromHeader(r.Header[l.name])
	case inCookie:
		return single(cookieValues(r, l.name))
	case inQuery:
		return single(r.URL.Query()[l.name])
	case inJSON:
		return l.fromJSON(r)
	}
	return "", nil
}

func (l *locator) fromHeader(values []string) (string, *Error) {
	switch {
	case len(values) == 0:
		return "", nil
	case len(values) > 1:
		return "", newError(kindInvalidRequest, errTwice)
	}
	v := strings.TrimRight(values[0], " ")
	if l.scheme == "" {
		if strings.IndexByte(v, ' ') >= 0 {
			return "", newError(kindInvalidRequest, errBadScheme)
		}
		return v, nil
	}
	scheme, rest, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, l.scheme) {
		return "", nil // another scheme: not ours to judge
	}
	token := strings.TrimLeft(rest, " ")
	if token == "" || strings.IndexByte(token, ' ') >= 0 {
		return "", newError(kindInvalidRequest, errBadScheme)
	}
	return token, nil
}

// single returns the one non-empty value, refusing more than one.
func single(values []string) (string, *Error) {
	token := ""
	for _, v := range values {
		if v == "" {
			continue
		}
		if token != "" {
			return "", newError(kindInvalidRequest, errTwice)
		}
		token = v
	}
	return token, nil
}

func cookieValues(r *http.Request, name string) []string {
	if len(r.Header["Cookie"]) == 0 {
		return nil
	}
	var values []string
	for _, c := range r.CookiesNamed(name) {
		values = append(values, c.Value)
	}
	return values
}

// fromJSON reads at most maxBody bytes of a JSON body, gives the body
// back to the request intact and returns the token member. A body that is
// longer, or not a JSON object, carries no token as far as ginjwt is
// concerned; the handler judges it.
func (l *locator) fromJSON(r *http.Request) (string, *Error) {
	if r.Body == nil || r.Body == http.NoBody || !isJSON(r.Header.Get("Content-Type")) {
		return "", nil
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, l.maxBody+1))
	rest := io.Reader(r.Body)
	if err != nil || int64(len(buf)) > l.maxBody {
		r.Body = readCloser{io.MultiReader(bytes.NewReader(buf), rest), r.Body}
		return "", nil
	}
	r.Body = readCloser{bytes.NewReader(buf), r.Body}

	var token string
	var found bool
	var bad *Error
	err = scanObjectWithin(buf, maxBodyDepth, func(key, value []byte, escaped bool) error {
		if name, err := memberName(key, escaped); err != nil || string(name) != l.name {
			return nil
		}
		if found {
			bad = newError(kindInvalidRequest, errTwice)
			return errTwice
		}
		found = true
		if string(value) == "null" {
			return nil
		}
		if s, err := stringValue(value); err == nil {
			token = string(s)
			return nil
		}
		bad = newError(kindTokenMalformed, errTokenValue)
		return bad
	})
	if bad != nil || err != nil {
		return "", bad // a body that is not JSON carries no token
	}
	return token, nil
}

// readCloser puts a body back together: read from a replay of the bytes
// ginjwt consumed, close the original.
type readCloser struct {
	io.Reader
	io.Closer
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
