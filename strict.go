package ginjwt

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Strict reading of headers and payloads, on top of what encoding/json
// accepts. RFC 7519 lets a verifier either refuse duplicate claim names or
// keep the last; ginjwt refuses them, and also refuses names that differ
// from a claim of the claims type only in case, because encoding/json
// would quietly read "SUB" into the subject.

var (
	errDuplicate   = errors.New("ginjwt: duplicate member name")
	errCaseFold    = errors.New("ginjwt: member name differs from a claim only in case")
	errDateType    = errors.New("ginjwt: date claim is not a NumericDate")
	errCrit        = errors.New("ginjwt: unsupported critical header")
	errAlgType     = errors.New("ginjwt: alg header is not a string")
	errAlgMissing  = errors.New("ginjwt: alg header is missing")
	errKIDType     = errors.New("ginjwt: kid header is not a non-empty string")
	errNotObject   = errors.New("ginjwt: segment is not a JSON object")
	errNameTooLong = errors.New("ginjwt: member name too long")
)

// header holds what ginjwt reads of a JOSE header. alg and kid alias the
// decoded header bytes.
type header struct {
	alg    []byte
	kid    []byte
	hasKID bool
}

// readHeader checks a decoded JOSE header: an object with a string "alg",
// an optional non-empty string "kid", no "crit" (ginjwt understands no
// extension, and RFC 7515 requires refusing what is not understood) and
// none of these three twice. Other members, "jwk", "jku", "x5u" and "x5c"
// among them, are ignored: keys never come from the token.
func readHeader(data []byte) (header, error) {
	var h header
	var seenAlg bool
	err := scanObject(data, func(key, value []byte, escaped bool) error {
		if escaped {
			// The names below never need escapes; an escaped one is
			// read properly, not guessed at.
			var name string
			if err := json.Unmarshal(quoted(key), &name); err != nil {
				return errJSON
			}
			key = []byte(name)
		}
		switch string(key) {
		case "alg":
			if seenAlg {
				return errDuplicate
			}
			seenAlg = true
			s, err := stringValue(value)
			if err != nil {
				return errAlgType
			}
			h.alg = s
		case "kid":
			if h.hasKID {
				return errDuplicate
			}
			h.hasKID = true
			s, err := stringValue(value)
			if err != nil || len(s) == 0 {
				return errKIDType
			}
			h.kid = s
		case "crit":
			return errCrit
		}
		return nil
	})
	if err == nil && !seenAlg {
		err = errAlgMissing
	}
	return h, err
}

// stringValue returns the content of a JSON string value, unescaping it
// only when it holds escapes.
func stringValue(value []byte) ([]byte, error) {
	if len(value) < 2 || value[0] != '"' {
		return nil, errJSON
	}
	if bytes.IndexByte(value, '\\') < 0 {
		return value[1 : len(value)-1], nil
	}
	var s string
	if err := json.Unmarshal(value, &s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func quoted(key []byte) []byte {
	q := make([]byte, 0, len(key)+2)
	return append(append(append(q, '"'), key...), '"')
}

// claimField is a top-level JSON name of a claims type.
type claimField struct {
	name string
	date bool // a NumericDate, which must be a JSON number
}

// claimFields indexes the top-level JSON names of a claims type by their
// lower-case form, the way encoding/json matches them.
type claimFields struct {
	byFold map[string]int
	list   []claimField
}

// maxFields bounds the names tracked for duplicates in one bit set.
const maxFields = 64

var numericDateType = reflect.TypeFor[jwt.NumericDate]()

// fieldsOf lists the JSON names encoding/json would decode into a value
// of type t (a pointer to a struct), following embedded structs.
func fieldsOf(t reflect.Type) (*claimFields, error) {
	f := &claimFields{byFold: map[string]int{}}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, errors.New("ginjwt: claims type is not a pointer to a struct")
	}
	f.collect(t, 0)
	if len(f.list) > maxFields {
		return nil, errors.New("ginjwt: claims type has more than 64 JSON fields")
	}
	return f, nil
}

func (f *claimFields) collect(t reflect.Type, depth int) {
	if depth > 8 {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			f.collect(ft, depth+1)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fold := strings.ToLower(name)
		if _, dup := f.byFold[fold]; dup {
			continue
		}
		f.byFold[fold] = len(f.list)
		f.list = append(f.list, claimField{name: name, date: ft == numericDateType})
	}
}

// maxNameLen bounds a member name folded on the stack; longer names can
// not be claims of any sane claims type and are compared as they are.
const maxNameLen = 64

// checkPayload checks a decoded payload before encoding/json reads it: one
// object, no duplicate names, no name that differs from a claim of the
// claims type only in case, NumericDate claims as JSON numbers.
func (f *claimFields) checkPayload(data []byte) error {
	var seen uint64
	var others [16][]byte
	var more map[string]struct{}
	var dateErr error // reported only if the whole payload is JSON
	n := 0
	err := scanObject(data, func(key, value []byte, escaped bool) error {
		if escaped {
			var name string
			if err := json.Unmarshal(quoted(key), &name); err != nil {
				return errJSON
			}
			key = []byte(name)
		}
		if i, ok := f.lookup(key); ok {
			field := f.list[i]
			if string(key) != field.name {
				return errCaseFold
			}
			if seen&(1<<i) != 0 {
				return errDuplicate
			}
			seen |= 1 << i
			if field.date && string(value) != "null" {
				if _, err := numericDate(value); err != nil {
					dateErr = errDateType
				}
			}
			return nil
		}
		// A claim the type does not know: encoding/json skips it, but
		// duplicates are refused all the same.
		for _, o := range others[:min(n, len(others))] {
			if bytes.Equal(o, key) {
				return errDuplicate
			}
		}
		if _, dup := more[string(key)]; dup {
			return errDuplicate
		}
		if n < len(others) {
			others[n] = key
		} else {
			if more == nil {
				more = make(map[string]struct{})
			}
			more[string(key)] = struct{}{}
		}
		n++
		return nil
	})
	if err == nil {
		err = dateErr
	}
	return err
}

// lookup finds the field a name would decode into.
func (f *claimFields) lookup(key []byte) (int, bool) {
	if len(key) > maxNameLen {
		return 0, false
	}
	var buf [maxNameLen]byte
	lower := buf[:len(key)]
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	i, ok := f.byFold[string(lower)]
	if !ok && hasNonASCII(key) {
		// encoding/json folds some non-ASCII letters too (the Kelvin
		// sign folds to k); fall back to its full folding rules.
		for j, field := range f.list {
			if strings.EqualFold(field.name, string(key)) {
				return j, true
			}
		}
	}
	return i, ok
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}
