package ginjwt

import (
	"errors"
	"math"
	"strconv"
)

// A small, allocation-free reader of JSON objects, enough to see the
// members of a token's header and payload before encoding/json does: the
// standard decoder keeps the last of duplicate names, matches names
// without regard to case and takes quoted numbers for NumericDate, and a
// verifier must refuse all three.

var errJSON = errors.New("ginjwt: invalid JSON")

// maxDepth bounds nesting inside a header or payload. Tokens are capped in
// size long before this matters for memory; it bounds recursion.
const maxDepth = 32

// maxBodyDepth bounds nesting in a request body searched for a token. It
// is encoding/json's own limit, so that a body the handler can decode
// never loses its token to the scanner.
const maxBodyDepth = 10000

// scanObject calls member for each member of the JSON object in data, in
// order, with the raw key (without quotes; escaped reports whether it
// holds escapes) and the raw value. It checks the syntax of the whole
// document, which must be one object nested no deeper than maxDepth.
func scanObject(data []byte, member func(key, value []byte, escaped bool) error) error {
	return scanObjectWithin(data, maxDepth, member)
}

// scanObjectWithin is scanObject with nesting bounded by limit.
func scanObjectWithin(data []byte, limit int,
	member func(key, value []byte, escaped bool) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errJSON
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return expectEnd(data, i+1)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return errJSON
		}
		end, escaped, err := scanString(data, i)
		if err != nil {
			return err
		}
		key := data[i+1 : end-1]
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return errJSON
		}
		start := skipSpace(data, i+1)
		if i, err = skipValue(data, start, 1, limit); err != nil {
			return err
		}
		if err = member(key, data[start:i], escaped); err != nil {
			return err
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return errJSON
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return expectEnd(data, i+1)
		default:
			return errJSON
		}
	}
}

func expectEnd(data []byte, i int) error {
	if skipSpace(data, i) != len(data) {
		return errJSON
	}
	return nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue returns the index just past the value starting at i, at
// nesting depth, refusing composites nested to limit.
func skipValue(data []byte, i, depth, limit int) (int, error) {
	if i >= len(data) {
		return i, errJSON
	}
	switch c := data[i]; {
	case c == '"':
		end, _, err := scanString(data, i)
		return end, err
	case c == '{' || c == '[':
		if depth >= limit {
			return i, errJSON
		}
		return skipComposite(data, i, depth+1, limit)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(data, i)
	case c == 't':
		return skipLiteral(data, i, "true")
	case c == 'f':
		return skipLiteral(data, i, "false")
	case c == 'n':
		return skipLiteral(data, i, "null")
	}
	return i, errJSON
}

// skipComposite skips an object or an array starting at i.
func skipComposite(data []byte, i, depth, limit int) (int, error) {
	closing, isObject := byte(']'), data[i] == '{'
	if isObject {
		closing = '}'
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == closing {
		return i + 1, nil
	}
	for {
		var err error
		if isObject {
			if i >= len(data) || data[i] != '"' {
				return i, errJSON
			}
			if i, _, err = scanString(data, i); err != nil {
				return i, err
			}
			i = skipSpace(data, i)
			if i >= len(data) || data[i] != ':' {
				return i, errJSON
			}
			i = skipSpace(data, i+1)
		}
		if i, err = skipValue(data, i, depth, limit); err != nil {
			return i, err
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return i, errJSON
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case closing:
			return i + 1, nil
		default:
			return i, errJSON
		}
	}
}

func skipLiteral(data []byte, i int, lit string) (int, error) {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return i, errJSON
	}
	return i + len(lit), nil
}

// scanString returns the index just past the string starting at i, and
// whether it holds escapes.
func scanString(data []byte, i int) (int, bool, error) {
	escaped := false
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1, escaped, nil
		case c < 0x20:
			return i, false, errJSON
		case c == '\\':
			escaped = true
			i++
			if i >= len(data) {
				return i, false, errJSON
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(data)-i < 5 || !isHex4(data[i+1:i+5]) {
					return i, false, errJSON
				}
				i += 4
			default:
				return i, false, errJSON
			}
		}
	}
	return i, false, errJSON
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// scanNumber returns the index just past the number starting at i,
// following the JSON grammar exactly.
func scanNumber(data []byte, i int) (int, error) {
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i = skipDigits(data, i)
	default:
		return i, errJSON
	}
	if i < len(data) && data[i] == '.' {
		j := skipDigits(data, i+1)
		if j == i+1 {
			return i, errJSON
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := skipDigits(data, i)
		if j == i {
			return i, errJSON
		}
		i = j
	}
	return i, nil
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

// maxNumericDate is the last second of year 9999: later dates, negative
// dates and numbers too large for an int64 are refused rather than
// wrapped around.
const maxNumericDate = 253402300799

// numericDate parses a JSON number as whole seconds since the epoch. It
// refuses anything but a number between 0 and maxNumericDate.
func numericDate(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, errJSON // scanNumber reads b[0]
	}
	if end, err := scanNumber(b, 0); err != nil || end != len(b) {
		return 0, errJSON
	}
	// The common case, an integer or a decimal fraction of a modest size,
	// is read without strconv, which would need a string.
	var secs int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && i < 12; i++ {
		secs = secs*10 + int64(b[i]-'0')
	}
	if i == len(b) || (b[i] == '.' && skipDigits(b, i+1) == len(b)) {
		if secs > maxNumericDate {
			return 0, errJSON
		}
		return secs, nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < 0 || f > maxNumericDate || math.IsNaN(f) {
		return 0, errJSON
	}
	return int64(f), nil
}
