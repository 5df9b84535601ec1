package httpapi

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"

	"github.com/herald-go/herald"
)

// A cursor of the API is the fingerprint of the query it belongs to (8
// bytes) and the store's cursor, in unpadded URL-safe base64, so that a
// cursor given to another query is refused instead of read as one of it.

// fingerprint sums what selects a query's events and their order: not
// its top, which may change from page to page, nor its cursor.
func fingerprint(q herald.Query) uint64 {
	h := fnv.New64a()
	write := func(s string) { _, _ = h.Write(append([]byte(s), 0)) }
	for _, n := range slices.Sorted(slices.Values(q.Names)) {
		write("name=" + n)
	}
	write("correlation=" + q.CorrelationID.String())
	for _, k := range slices.Sorted(maps.Keys(q.Labels)) {
		write("label=" + k + ":" + q.Labels[k])
	}
	write("since=" + strconv.FormatInt(q.Since.UnixNano(), 10) + "," + strconv.FormatBool(q.Since.IsZero()))
	write("until=" + strconv.FormatInt(q.Until.UnixNano(), 10) + "," + strconv.FormatBool(q.Until.IsZero()))
	write("newest=" + strconv.FormatBool(q.Newest))
	return h.Sum64()
}

// encodeCursor returns the API's cursor for the store's cursor of q.
func encodeCursor(q herald.Query, storeCursor string) string {
	if storeCursor == "" {
		return ""
	}
	b := binary.BigEndian.AppendUint64(nil, fingerprint(q))
	return base64.RawURLEncoding.EncodeToString(append(b, storeCursor...))
}

// decodeCursor returns the store's cursor in the API's cursor c, which
// must belong to q.
func decodeCursor(q herald.Query, c string) (string, *problem) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) <= 8 {
		return "", badParameter("cursor", "not a cursor this API made")
	}
	if binary.BigEndian.Uint64(b) != fingerprint(q) {
		return "", badParameter("cursor", "the cursor belongs to another query: pass the same name, correlationId, label, timestampMin, timestampMax and order as the query that returned it")
	}
	return string(b[8:]), nil
}
