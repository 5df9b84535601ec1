package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
)

// From version 2 every envelope ends with a checksum of the bytes
// before it: CRC-32C (Castagnoli), big-endian. Every read checks it, so
// bytes damaged in the file are an error of the read and never a
// different event. Version 1 envelopes, written before, have none.
const checksumSize = 4

// castagnoli is the CRC-32C table, which hash/crc32 computes with the
// processor's CRC instructions where there are some.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksum returns the CRC-32C of b.
func checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// appendChecksum appends the checksum of the envelope b[start:] to b.
func appendChecksum(b []byte, start int) []byte {
	return binary.BigEndian.AppendUint32(b, checksum(b[start:]))
}

// resetChecksum writes the checksum of the version 2 envelope v anew,
// after a change of its bytes.
func resetChecksum(v []byte) {
	body := len(v) - checksumSize
	binary.BigEndian.PutUint32(v[body:], checksum(v[:body]))
}

// envelopeBody checks the version and the length of the envelope b of
// the event at position and, from version 2, its checksum; it returns the
// envelope without the checksum.
func envelopeBody(position uint64, b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, &DecodeError{Position: position, Reason: "value is empty"}
	}
	size := fixedSize
	switch b[0] {
	case envelopeV1:
	case envelopeV2, envelopeSealed:
		size += checksumSize
	default:
		return nil, versionError(position, b[0])
	}
	if len(b) < size {
		return nil, &DecodeError{Position: position, Offset: len(b), Reason: fmt.Sprintf(
			"value of %d bytes is shorter than the %d bytes a version %d envelope takes at least", len(b), size, b[0])}
	}
	if b[0] == envelopeV1 {
		return b, nil
	}
	body := b[:len(b)-checksumSize]
	if stored, computed := binary.BigEndian.Uint32(b[len(body):]), checksum(body); stored != computed {
		return nil, &DecodeError{Position: position, Offset: len(body), Field: "checksum", Reason: fmt.Sprintf(
			"checksum mismatch: stored 0x%08x, computed 0x%08x of the %d bytes before it", stored, computed, len(body))}
	}
	return body, nil
}

// v2Seed is the checksum of a version byte of 2, from which the
// checksum of a version 2 envelope goes on.
var v2Seed = checksum([]byte{envelopeV2})

// misversioned reports whether the version 1 envelope b, whose data (or,
// without data, trailing bytes) start at rest, is rather a version 2
// envelope whose version byte was damaged: it ends with the checksum that
// a version 2 envelope of the bytes before ends with, and without it the
// data is JSON, or there are no trailing bytes. An envelope written as
// version 1 has no trailing bytes, and passes for one with data with odds
// of 1 in 2^32, times those of its data being JSON without its last four
// bytes.
func misversioned(b []byte, rest int, data bool) bool {
	body := len(b) - checksumSize
	if body < rest || crc32.Update(v2Seed, castagnoli, b[1:body]) != binary.BigEndian.Uint32(b[body:]) {
		return false
	}
	if data {
		return json.Valid(b[rest:body])
	}
	return body == rest
}

// misversionedError is the error for an envelope misversioned reports.
func misversionedError(position uint64) error {
	return &DecodeError{Position: position, Field: "version", Reason: fmt.Sprintf(
		"version %d, but the value ends with the checksum of a version %d envelope: the version byte is damaged", envelopeV1, envelopeV2)}
}

func versionError(position uint64, v byte) error {
	reason := fmt.Sprintf("envelope format version %d is unknown", v)
	if v > envelopeVersion {
		reason = fmt.Sprintf("envelope format version %d is newer than this library's %d", v, envelopeVersion)
	}
	return &DecodeError{Position: position, Field: "version", Reason: reason}
}
