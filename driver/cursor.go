package driver

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/herald-go/herald"
)

// A cursor is a version byte, an order byte (1 for newest first) and the
// position of the last event of its page as a uvarint, in unpadded
// URL-safe base64.
const cursorVersion = 1

// encodeCursor returns the cursor of a page that ends at position.
func encodeCursor(position uint64, newest bool) string {
	buf := make([]byte, 2, 2+binary.MaxVarintLen64)
	buf[0] = cursorVersion
	if newest {
		buf[1] = 1
	}
	buf = binary.AppendUvarint(buf, position)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// decodeCursor returns the position a cursor of a query of the given
// order ends its page at.
func decodeCursor(cursor string, newest bool) (uint64, error) {
	buf, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(buf) < 3 || buf[0] != cursorVersion || buf[1] > 1 {
		return 0, fmt.Errorf("cursor %q is not one this library made: %w", cursor, herald.ErrInvalid)
	}
	if (buf[1] == 1) != newest {
		return 0, fmt.Errorf("cursor %q belongs to a query of the other order: %w", cursor, herald.ErrInvalid)
	}
	pos, n := binary.Uvarint(buf[2:])
	if n <= 0 || n != len(buf)-2 || pos == 0 {
		return 0, fmt.Errorf("cursor %q is corrupt: %w", cursor, herald.ErrInvalid)
	}
	return pos, nil
}
