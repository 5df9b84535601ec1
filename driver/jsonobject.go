package driver

import (
	"bytes"
	"encoding/json"
	"errors"
)

// member is one top-level member of a JSON object: its name, unescaped,
// and where its value starts and ends in the object's bytes.
type member struct {
	name       string
	start, end int
}

// errNotObject is the error of data that is not a JSON object.
var errNotObject = errors.New("holds personal fields but is not a JSON object")

// objectMembers appends the top-level members of the JSON object data to
// members, in their order, without decoding their values: sealing and
// opening change a few values and leave every other byte as it is.
func objectMembers(data []byte, members []member) ([]member, error) {
	if !json.Valid(data) {
		return nil, errNotObject
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, errNotObject
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return members, nil
	}
	for i < len(data) && data[i] == '"' {
		end := skipString(data, i)
		name, err := memberName(data[i:end])
		if err != nil {
			return nil, err
		}
		i = skipSpace(data, skipSpace(data, end)+1) // past the colon
		m := member{name: name, start: i, end: skipValue(data, i)}
		members = append(members, m)
		i = skipSpace(data, m.end)
		if i < len(data) && data[i] == '}' {
			return members, nil
		}
		i = skipSpace(data, i+1) // past the comma
	}
	return nil, errNotObject
}

// memberName returns the quoted name q unescaped.
func memberName(q []byte) (string, error) {
	if bytes.IndexByte(q, '\\') < 0 {
		return string(q[1 : len(q)-1]), nil
	}
	var s string
	err := json.Unmarshal(q, &s)
	return s, err
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns where the string that starts at data[i] ends.
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// skipValue returns where the value that starts at data[i] ends.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = skipString(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	}
	j := i
	for j < len(data) && bytes.IndexByte([]byte(",}] \t\r\n"), data[j]) < 0 {
		j++
	}
	return j
}
