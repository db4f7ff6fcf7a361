package analysis

import (
	"encoding/base64"
	"encoding/json"

	"github.com/actorgraph/actorgraph/errs"
)

// Keyset cursors of the paged analyses (gaps, trust gaps): a position in
// the list's order, as base64url JSON, opaque to clients. The list is
// computed afresh for every page, so an item that appeared meanwhile
// takes its place in the order; none is repeated.

// encodeCursor writes position as a cursor.
func encodeCursor(position any) string {
	b, _ := json.Marshal(position)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads cursor into position; a cursor that is not one of
// op's (or that valid refuses) answers BAD_USER_INPUT on after.
func decodeCursor(op, cursor string, position any, valid func() bool) error {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || json.Unmarshal(raw, position) != nil || !valid() {
		return errs.Invalidf(op, "after", "after is not a cursor this list produced; start again without after")
	}
	return nil
}
