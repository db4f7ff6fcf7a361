package store

import (
	"testing"

	"github.com/actorgraph/actorgraph/errs"
)

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := cursor{Order: "actor:name:ASC", Key: "Élan ' \" ) MATCH", ID: "act_1"}
	got, err := decodeCursor(encodeCursor(c), c.Order)
	if err != nil || *got != c {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if got, err := decodeCursor("", c.Order); got != nil || err != nil {
		t.Errorf("empty cursor: %v %v", got, err)
	}
}

func TestCursorRejectsForeignAndForged(t *testing.T) {
	t.Parallel()
	valid := encodeCursor(cursor{Order: "rel:id", ID: "rel_1"})
	for name, s := range map[string]string{
		"another ordering": valid,
		"not base64":       "%%%",
		"not json":         "bm90IGpzb24",
		"no id":            encodeCursor(cursor{Order: "actor:name:ASC"}),
	} {
		if _, err := decodeCursor(s, "actor:name:ASC"); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(cursor{Order: "rel:id", ID: "rel_1"}))
	f.Add("")
	f.Add("eyJ4Ijoi")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s, "rel:id")
		if err == nil && c != nil && (c.Order != "rel:id" || c.ID == "") {
			t.Errorf("accepted a bad cursor: %+v", c)
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Errorf("error of the wrong kind: %v", err)
		}
	})
}
