package driver

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
	obj, err := dataObject(data)
	if err != nil {
		return nil, nil, &herald.ValidationError{Event: e.FullName(), Field: "data", Reason: err.Error(), Err: err}
	}
	for name, v := range obj {
		if isPersonalName(personal, name) && !bytes.Equal(v, []byte(`""`)) && !bytes.Equal(v, []byte("null")) {
			fields = append(fields, name)
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

// dataObject parses data as a JSON object.
func dataObject(data []byte) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, errors.New("holds personal fields but is not a JSON object")
	}
	return obj, nil
}

// SealPersonal returns data, the JSON of e's data, with the values of
// fields (as [PersonalData] returned them) encrypted with key.
func SealPersonal(e *herald.Event, data []byte, fields []string, key UserKey) ([]byte, error) {
	obj, err := dataObject(data)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	for _, name := range fields {
		v, ok := obj[name]
		if !ok {
			return nil, fmt.Errorf("personal field %q is not in the data", name)
		}
		buf := make([]byte, keyIDSize+nonceSize, keyIDSize+nonceSize+len(v)+aead.Overhead())
		copy(buf, key.ID[:])
		rand.Read(buf[keyIDSize:])
		buf = aead.Seal(buf, buf[keyIDSize:], v, additional(e, name))
		obj[name] = json.RawMessage(`"` + base64.RawStdEncoding.EncodeToString(buf) + `"`)
	}
	return json.Marshal(obj)
}

// OpenPersonal returns data, sealed by [SealPersonal], with the values of
// fields decrypted with key. When key is nil (the user's key was deleted)
// or another key of the user, the fields are set to "" instead and
// redacted is true. A value that does not open with its own key is an
// error: the bytes were damaged.
func OpenPersonal(e *herald.Event, data []byte, fields []string, key *UserKey) (opened []byte, redacted bool, err error) {
	obj, err := dataObject(data)
	if err != nil {
		return nil, false, err
	}
	var aead cipher.AEAD
	for _, name := range fields {
		var s string
		if err := json.Unmarshal(obj[name], &s); err != nil {
			return nil, false, fmt.Errorf("sealed field %q is not a string", name)
		}
		buf, err := base64.RawStdEncoding.DecodeString(s)
		if err != nil || len(buf) < keyIDSize+nonceSize {
			return nil, false, fmt.Errorf("sealed field %q is not a sealed value", name)
		}
		if key == nil || !bytes.Equal(buf[:keyIDSize], key.ID[:]) {
			obj[name], redacted = json.RawMessage(`""`), true
			continue
		}
		if aead == nil {
			if aead, err = newAEAD(*key); err != nil {
				return nil, false, err
			}
		}
		v, err := aead.Open(nil, buf[keyIDSize:keyIDSize+nonceSize], buf[keyIDSize+nonceSize:], additional(e, name))
		if err != nil {
			return nil, false, fmt.Errorf("sealed field %q does not open with its key: %w", name, err)
		}
		obj[name] = v
	}
	opened, err = json.Marshal(obj)
	return opened, redacted, err
}

func newAEAD(key UserKey) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key.Secret[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// additional is the additional data a field of e is sealed with.
func additional(e *herald.Event, name string) []byte {
	return append(e.ID[:len(e.ID):len(e.ID)], name...)
}
