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
		key, err := memberName(key, escaped)
		if err != nil {
			return err
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
	var others nameSet
	var dateErr error // reported only if the whole payload is JSON
	err := scanObject(data, func(key, value []byte, escaped bool) error {
		key, err := memberName(key, escaped)
		if err != nil {
			return err
		}
		i, known := f.lookup(key)
		if !known {
			// A claim the type does not know: encoding/json skips it,
			// but duplicates are refused all the same.
			if !others.add(key) {
				return errDuplicate
			}
			return nil
		}
		field := f.list[i]
		switch {
		case string(key) != field.name:
			return errCaseFold
		case seen&(1<<i) != 0:
			return errDuplicate
		}
		seen |= 1 << i
		if field.date && string(value) != "null" {
			if _, err := numericDate(value); err != nil {
				dateErr = errDateType
			}
		}
		return nil
	})
	if err == nil {
		err = dateErr
	}
	return err
}

// nameSet remembers member names to find duplicates, on the stack for the
// first few.
type nameSet struct {
	few  [16][]byte
	n    int
	more map[string]struct{}
}

// add adds name and reports whether it was new.
func (s *nameSet) add(name []byte) bool {
	for _, o := range s.few[:s.n] {
		if bytes.Equal(o, name) {
			return false
		}
	}
	if _, dup := s.more[string(name)]; dup {
		return false
	}
	if s.n < len(s.few) {
		s.few[s.n] = name
		s.n++
		return true
	}
	if s.more == nil {
		s.more = make(map[string]struct{})
	}
	s.more[string(name)] = struct{}{}
	return true
}

// memberName returns a member name as the JSON decoder sees it: escapes
// are rare in names, and read properly when present.
func memberName(key []byte, escaped bool) ([]byte, error) {
	if !escaped {
		return key, nil
	}
	var name string
	if err := json.Unmarshal(quoted(key), &name); err != nil {
		return nil, errJSON
	}
	return []byte(name), nil
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
