package driver

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
)

// A sealed field's value is a JSON string: the unpadded standard base64
// of the key's id (8 bytes), the nonce (12) and the AES-GCM sealing of the
// field's JSON value, with the event id and the field's name as the
// additional data, so a sealed value moved to another event or field does
// not open.
const (
	keyIDSize = 8
	nonceSize = 12
)

// PersonalData returns e's data as JSON ([EncodeData]) and the names of
// its personal fields to seal under reg, as they appear in the data: the
// fields reg's definition of e tags personal (matched as encoding/json
// matches names, regardless of case) that hold a value other than "" or
// null. Nil fields mean there is nothing to seal, and then data is nil
// too: a registry without personal definitions costs no encoding. An
// event with fields to seal and no user (anonymous) is a
// [herald.ValidationError] for the field "user": personal data belongs to
// the event's user.
func PersonalData(reg *herald.Registry, e *herald.Event) (data []byte, fields []string, err error) {
	personal := reg.PersonalFields(e)
	if personal == nil {
		return nil, nil, nil
	}
	if data, err = EncodeData(e); err != nil || data == nil {
		return nil, nil, err
	}
	members, err := objectMembers(data, nil)
	if err != nil {
		return nil, nil, &herald.ValidationError{Event: e.FullName(), Field: "data", Reason: err.Error(), Err: err}
	}
	for _, m := range members {
		v := data[m.start:m.end]
		if isPersonalName(personal, m.name) && !slices.Contains(fields, m.name) &&
			!bytes.Equal(v, []byte(`""`)) && !bytes.Equal(v, []byte("null")) {
			fields = append(fields, m.name)
		}
	}
	if fields == nil {
		return nil, nil, nil
	}
	if e.User == nil || e.User.ID == "" {
		return nil, nil, &herald.ValidationError{Event: e.FullName(), Field: "user",
			Reason: fmt.Sprintf("is missing, and the data holds personal fields (%s), which belong to the event's user", strings.Join(fields, ", "))}
	}
	return data, fields, nil
}

// isPersonalName reports whether the data's field name is one of the
// personal JSON names, as encoding/json would match it.
func isPersonalName(personal []string, name string) bool {
	for _, p := range personal {
		if strings.EqualFold(p, name) {
			return true
		}
	}
	return false
}

// replaceValues returns data with the value of every member named in
// fields replaced by what value returns for it.
func replaceValues(data []byte, fields []string, value func(name string, v []byte) ([]byte, error)) ([]byte, error) {
	var buf [16]member
	members, err := objectMembers(data, buf[:0])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(data)+len(data)/2+64)
	last := 0
	for _, m := range members {
		if !slices.Contains(fields, m.name) {
			continue
		}
		v, err := value(m.name, data[m.start:m.end])
		if err != nil {
			return nil, err
		}
		out = append(append(out, data[last:m.start]...), v...)
		last = m.end
	}
	return append(out, data[last:]...), nil
}

// SealPersonal returns data, the JSON of e's data, with the values of
// fields (as [PersonalData] returned them) encrypted with key.
func SealPersonal(e *herald.Event, data []byte, fields []string, key UserKey) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return replaceValues(data, fields, func(name string, v []byte) ([]byte, error) {
		buf := make([]byte, keyIDSize+nonceSize, keyIDSize+nonceSize+len(v)+aead.Overhead())
		copy(buf, key.ID[:])
		rand.Read(buf[keyIDSize:])
		buf = aead.Seal(buf, buf[keyIDSize:], v, additional(e.ID, name))
		out := make([]byte, 0, base64.RawStdEncoding.EncodedLen(len(buf))+2)
		out = append(out, '"')
		out = base64.RawStdEncoding.AppendEncode(out, buf)
		return append(out, '"'), nil
	})
}

// OpenPersonal returns data, sealed by [SealPersonal], with the values of
// fields decrypted with key. When key is nil (the user's key was deleted)
// or another key of the user, the fields are set to "" instead and
// redacted is true. A value that does not open with its own key is an
// error: the bytes were damaged.
func OpenPersonal(e *herald.Event, data []byte, fields []string, key *UserKey) (opened []byte, redacted bool, err error) {
	var aead cipher.AEAD
	opened, err = replaceValues(data, fields, func(name string, v []byte) ([]byte, error) {
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, fmt.Errorf("sealed field %q is not a string", name)
		}
		buf, err := base64.RawStdEncoding.AppendDecode(nil, v[1:len(v)-1])
		if err != nil || len(buf) < keyIDSize+nonceSize {
			return nil, fmt.Errorf("sealed field %q is not a sealed value", name)
		}
		if key == nil || !bytes.Equal(buf[:keyIDSize], key.ID[:]) {
			redacted = true
			return []byte(`""`), nil
		}
		if aead == nil {
			if aead, err = newAEAD(*key); err != nil {
				return nil, err
			}
		}
		sealed := buf[keyIDSize+nonceSize:]
		plain, err := aead.Open(sealed[:0], buf[keyIDSize:keyIDSize+nonceSize], sealed, additional(e.ID, name))
		if err != nil {
			return nil, fmt.Errorf("sealed field %q does not open with its key: %w", name, err)
		}
		return plain, nil
	})
	if err != nil {
		return nil, false, err
	}
	return opened, redacted, nil
}

func newAEAD(key UserKey) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key.Secret[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// additional is the additional data a field of the event id is sealed
// with. It takes the id by value: a slice of the event's own would make
// every event opened move to the heap (BenchmarkDurableCatchUp).
func additional(id uuid.UUID, name string) []byte {
	b := make([]byte, 0, len(id)+len(name))
	return append(append(b, id[:]...), name...)
}
