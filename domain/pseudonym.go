package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Pseudonymise returns a copy of c fit to leave the team: every actor's
// and source's name becomes a stable opaque label (the same record gets
// the same label in every export, so exports can be compared), and the
// fields that can identify people are dropped: descriptions, notes, URLs,
// external ids, the perceiving segment of trust. Ids stay (they are
// random and say nothing), and so does the structure every analysis needs:
// kinds, types, strengths, dates, regions, tags.
func Pseudonymise(c *Contents) *Contents {
	out := &Contents{Version: c.Version}
	for _, a := range c.Actors {
		x := *a
		x.Name = Pseudonym(string(a.Kind), a.ID)
		x.Description, x.ExternalID = "", nil
		x.Focus = nil
		out.Actors = append(out.Actors, &x)
	}
	for _, r := range c.Relationships {
		x := *r
		x.Notes, x.ExternalID, x.PerceivedBy = "", nil, nil
		out.Relationships = append(out.Relationships, &x)
	}
	for _, s := range c.Sources {
		x := *s
		x.Title = Pseudonym("SOURCE", s.ID)
		x.URL, x.ExternalID = nil, nil
		out.Sources = append(out.Sources, &x)
	}
	return out
}

// Pseudonym is the opaque label of record id: its kind and the first 40
// bits of a SHA-256 of its id.
func Pseudonym(kind, id string) string {
	sum := sha256.Sum256([]byte("actorgraph-pseudonym:" + id))
	return strings.ReplaceAll(kind, "_", "-") + "-" + hex.EncodeToString(sum[:5])
}
