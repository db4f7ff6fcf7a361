package store

import (
	"encoding/base64"
	"encoding/json"

	"github.com/actorgraph/actorgraph/errs"
)

// A cursor is a keyset position: the sort key and the id of the last item
// seen, plus a tag naming the ordering it belongs to, so that a cursor from
// one list or ordering is refused by another rather than misread. It is
// base64url JSON: opaque to clients, cheap to decode.
type cursor struct {
	Order string `json:"o"`
	Key   string `json:"k,omitempty"`
	ID    string `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // a struct of strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor decodes s, which must have been made for order.
func decodeCursor(s, order string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := errs.Invalidf("decode cursor", "after", "after is not a cursor this list produced; start again without after")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Order != order || c.ID == "" {
		return nil, bad
	}
	return &c, nil
}
