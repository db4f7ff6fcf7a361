package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Pseudonymise returns a copy of c fit to leave the team. Every id becomes
// an opaque one and every actor's and source's name an opaque label, both
// keyed by the workspace's secret pseudonym key: the same record gets the
// same id and label in every pseudonymised export of its workspace (so
// exports can be compared), but nobody without the key can link them to
// the service's ids (which also encode when a record was made). The
// fields that can identify people are dropped: descriptions, notes, URLs,
// external ids, movements' focus, the perceiving segment of trust, and
// every custom attribute (a file's own columns can hold anything: names,
// phone numbers, an informant's village; the service cannot tell). The
// structure every analysis needs stays: kinds, types, strengths,
// confidence, dates, regions, tags, frameworks, sensitivity.
func Pseudonymise(c *Contents, key []byte) *Contents {
	p := pseudonymiser{key: key}
	out := &Contents{Version: c.Version}
	for _, a := range c.Actors {
		x := *a
		x.ID = p.id(PrefixActor, a.ID)
		x.Name = p.label(string(a.Kind), a.ID)
		x.Description, x.ExternalID, x.Focus, x.Custom = "", nil, nil, nil
		x.SourceIDs = p.ids(PrefixSource, a.SourceIDs)
		out.Actors = append(out.Actors, &x)
	}
	for _, r := range c.Relationships {
		x := *r
		x.ID = p.id(PrefixRelationship, r.ID)
		x.FromID, x.ToID = p.id(PrefixActor, r.FromID), p.id(PrefixActor, r.ToID)
		x.Notes, x.ExternalID, x.PerceivedBy, x.Custom = "", nil, nil, nil
		x.SourceIDs = p.ids(PrefixSource, r.SourceIDs)
		out.Relationships = append(out.Relationships, &x)
	}
	for _, s := range c.Sources {
		x := *s
		x.ID = p.id(PrefixSource, s.ID)
		x.Title = p.label("SOURCE", s.ID)
		x.URL, x.ExternalID = nil, nil
		out.Sources = append(out.Sources, &x)
	}
	return out
}

type pseudonymiser struct{ key []byte }

func (p pseudonymiser) mac(id string, n int) string {
	h := hmac.New(sha256.New, p.key)
	h.Write([]byte(id))
	return hex.EncodeToString(h.Sum(nil))[:n]
}

// id is the pseudonymous id of a record: its prefix and 128 bits of MAC.
func (p pseudonymiser) id(prefix, id string) string { return prefix + "p" + p.mac(id, 32) }

func (p pseudonymiser) ids(prefix string, ids []string) []string {
	if ids == nil {
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = p.id(prefix, id)
	}
	return out
}

// label is the opaque name of a record: its kind and 40 bits of MAC.
func (p pseudonymiser) label(kind, id string) string {
	return strings.ReplaceAll(kind, "_", "-") + "-" + p.mac(id, 10)
}
