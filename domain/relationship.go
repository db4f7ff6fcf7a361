package domain

import (
	"time"

	"github.com/actorgraph/actorgraph/errs"
)

// Relationship is a directed, typed, evidenced edge between two actors of
// one workspace. Type-specific fields are nil unless the type has them.
type Relationship struct {
	ID          string
	WorkspaceID string
	ExternalID  *string
	Type        RelationshipType
	FromID      string
	ToID        string
	Strength    float64
	Confidence  float64
	PerceivedBy *string
	Mechanism   *Mechanism
	Channel     *Channel
	Power       *Power
	Form        *Form
	ValidFrom   *Date
	ValidTo     *Date
	Notes       string
	SourceIDs   []string
	// Frameworks are the reporting frameworks the relationship is tagged
	// with, each once, in the order of Frameworks.
	Frameworks  []Framework
	Sensitivity Sensitivity
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Custom holds the attributes a researcher's file adds to the model's.
	Custom Custom
}

// NodeID makes a relationship a Relay node.
func (r *Relationship) NodeID() string { return r.ID }

// typesWithPower are the leverage types that may carry power. CONTROLS is
// enforcement by nature and takes none.
var typesWithPower = []RelationshipType{AccountableTo, Represents, ParticipatesIn, Influences, Dialogue}

// Validate normalises r and checks every rule of the model.
func (r *Relationship) Validate() error {
	const op = "validate relationship"
	var err error
	if !r.Type.IsValid() {
		return errs.Invalidf(op, "type", "%q is not a relationship type (allowed: %s)", r.Type, joinEnum(RelationshipTypes))
	}
	if r.FromID == "" || r.ToID == "" {
		return errs.Invalidf(op, "from", "a relationship needs both from and to")
	}
	if r.FromID == r.ToID {
		return errs.Invalidf(op, "to", "a relationship must connect two different actors (from and to are both %s)", r.FromID)
	}
	if err := checkUnit(op, "strength", r.Strength); err != nil {
		return err
	}
	if err := checkUnit(op, "confidence", r.Confidence); err != nil {
		return err
	}
	if r.ExternalID, err = normalizeOptText(op, "externalId", r.ExternalID, MaxNameLen); err != nil {
		return err
	}
	if r.PerceivedBy, err = normalizeOptText(op, "perceivedBy", r.PerceivedBy, MaxNameLen); err != nil {
		return err
	}
	if r.Notes, err = normalizeText(op, "notes", r.Notes, MaxTextLen); err != nil {
		return err
	}
	if r.Frameworks, err = NormalizeFrameworks(op, "frameworks", r.Frameworks); err != nil {
		return err
	}
	if r.Sensitivity, err = normalizeSensitivity(op, r.Sensitivity); err != nil {
		return err
	}
	if r.SourceIDs, err = normalizeList(op, "sourceIds", r.SourceIDs, MaxSourcesPerItem, MaxNameLen); err != nil {
		return err
	}
	if r.Custom, err = normalizeCustom(op, r.Custom); err != nil {
		return err
	}
	if err := r.validateTypeFields(op); err != nil {
		return err
	}
	if r.ValidFrom != nil && r.ValidTo != nil && !r.ValidTo.After(*r.ValidFrom) {
		return errs.Invalidf(op, "validTo", "validTo (%s) must be after validFrom (%s); validTo is exclusive", r.ValidTo, r.ValidFrom)
	}
	return nil
}

func (r *Relationship) validateTypeFields(op string) error {
	only := func(field string, set bool, types ...RelationshipType) error {
		if set && !isValidEnum(r.Type, types) {
			return errs.Invalidf(op, field, "%s applies only to %s relationships, not %s", field, joinEnum(types), r.Type)
		}
		return nil
	}
	checks := []error{
		only("perceivedBy", r.PerceivedBy != nil, Trusts),
		only("mechanism", r.Mechanism != nil, AccountableTo),
		only("channel", r.Channel != nil, Influences),
		only("power", r.Power != nil, typesWithPower...),
		only("form", r.Form != nil, Threatens, Supports),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if r.Form != nil {
		allowed := ThreatForms
		if r.Type == Supports {
			allowed = SupportForms
		}
		if !isValidEnum(*r.Form, allowed) {
			return errs.Invalidf(op, "form", "form %s does not apply to %s (allowed: %s)", *r.Form, r.Type, joinEnum(allowed))
		}
	}
	if r.Power != nil && !r.Power.IsValid() {
		return errs.Invalidf(op, "power", "power has a value that does not exist")
	}
	if r.Mechanism != nil && !r.Mechanism.IsValid() {
		return errs.Invalidf(op, "mechanism", "mechanism has a value that does not exist")
	}
	if r.Channel != nil && !r.Channel.IsValid() {
		return errs.Invalidf(op, "channel", "channel has a value that does not exist")
	}
	return nil
}

// ValidAt reports whether r is in force on day d: validFrom absent or on or
// before d, and validTo (exclusive) absent or after d.
func (r *Relationship) ValidAt(d Date) bool { return validAt(r.ValidFrom, r.ValidTo, d) }

// validAt reports whether a relationship valid from from until to (each
// absent: unbounded) is in force on day d.
func validAt(from, to *Date, d Date) bool {
	if from != nil && from.After(d) {
		return false
	}
	if to != nil && !to.After(d) {
		return false
	}
	return true
}

// RelationshipFacts is a relationship as the analyses read it: the fields
// that decide what it means for accountability and trust, without the
// record's details (external id, notes, sources, mechanism, channel,
// custom attributes, times). The analysis engine holds a whole workspace
// of these (750,000 on the benchmark's map of 100,000 actors), so it holds
// these rather than records: 160 bytes each rather than about 400 (see
// docs/performance.md). An analysis's answer shows the relationships'
// records, loaded by id when it is presented (resolvers' views).
type RelationshipFacts struct {
	ID          string
	Type        RelationshipType
	FromID      string
	ToID        string
	Strength    float64
	Confidence  float64
	PerceivedBy *string
	Power       *Power
	Form        *Form
	ValidFrom   *Date
	ValidTo     *Date
	Frameworks  []Framework
	Sensitivity Sensitivity
}

// Facts returns r's facts (sharing r's pointers and slices).
func (r *Relationship) Facts() *RelationshipFacts {
	return &RelationshipFacts{ID: r.ID, Type: r.Type, FromID: r.FromID, ToID: r.ToID,
		Strength: r.Strength, Confidence: r.Confidence, PerceivedBy: r.PerceivedBy, Power: r.Power, Form: r.Form,
		ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, Frameworks: r.Frameworks, Sensitivity: r.Sensitivity}
}

// ValidAt reports whether f is in force on day d (Relationship.ValidAt).
func (f *RelationshipFacts) ValidAt(d Date) bool { return validAt(f.ValidFrom, f.ValidTo, d) }

// RelationshipInput is what createRelationship takes.
type RelationshipInput struct {
	Type        RelationshipType
	From        string
	To          string
	Strength    float64
	Confidence  *float64
	ExternalID  *string
	PerceivedBy *string
	Mechanism   *Mechanism
	Channel     *Channel
	Power       *Power
	Form        *Form
	ValidFrom   *Date
	ValidTo     *Date
	Notes       *string
	SourceIDs   []string
	Frameworks  []Framework
	Sensitivity *Sensitivity
	Custom      Custom
}

// NewRelationship builds an unsaved relationship from input and validates
// it. Confidence defaults to 1.
func NewRelationship(workspaceID string, in RelationshipInput) (*Relationship, error) {
	r := &Relationship{
		WorkspaceID: workspaceID,
		ExternalID:  in.ExternalID,
		Type:        in.Type,
		FromID:      in.From,
		ToID:        in.To,
		Strength:    in.Strength,
		Confidence:  1,
		PerceivedBy: in.PerceivedBy,
		Mechanism:   in.Mechanism,
		Channel:     in.Channel,
		Power:       in.Power,
		Form:        in.Form,
		ValidFrom:   in.ValidFrom,
		ValidTo:     in.ValidTo,
		Notes:       deref(in.Notes),
		SourceIDs:   in.SourceIDs,
		Frameworks:  in.Frameworks,
		Sensitivity: deref(in.Sensitivity),
		Custom:      in.Custom.Clone(),
	}
	if in.Confidence != nil {
		r.Confidence = *in.Confidence
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// RelationshipPatch is what updateRelationship takes. Type and endpoints
// cannot change: a relationship of another type or between other actors is
// another relationship.
type RelationshipPatch struct {
	Strength    Opt[float64]
	Confidence  Opt[float64]
	ExternalID  Opt[string]
	PerceivedBy Opt[string]
	Mechanism   Opt[Mechanism]
	Channel     Opt[Channel]
	Power       Opt[Power]
	Form        Opt[Form]
	ValidFrom   Opt[Date]
	ValidTo     Opt[Date]
	Notes       Opt[string]
	SourceIDs   Opt[[]string]
	// Frameworks replaces the list; clearing it or an empty list removes them all.
	Frameworks  Opt[[]Framework]
	Sensitivity Opt[Sensitivity]
	// Custom replaces every custom attribute; clearing it removes them all.
	Custom Opt[Custom]
}

// Apply returns a copy of r with the patch applied and validated.
func (p RelationshipPatch) Apply(r Relationship) (*Relationship, error) {
	const op = "update relationship"
	if !p.Strength.applyValue(&r.Strength) {
		return nil, errs.Invalidf(op, "strength", "strength cannot be cleared")
	}
	if p.Confidence.Set && p.Confidence.Value == nil {
		r.Confidence = 1 // clearing confidence restores the default
	} else {
		p.Confidence.applyValue(&r.Confidence)
	}
	p.ExternalID.apply(&r.ExternalID)
	p.PerceivedBy.apply(&r.PerceivedBy)
	p.Mechanism.apply(&r.Mechanism)
	p.Channel.apply(&r.Channel)
	p.Power.apply(&r.Power)
	p.Form.apply(&r.Form)
	p.ValidFrom.apply(&r.ValidFrom)
	p.ValidTo.apply(&r.ValidTo)
	applyText(p.Notes, &r.Notes)
	applyList(p.SourceIDs, &r.SourceIDs)
	applyList(p.Frameworks, &r.Frameworks)
	applySensitivity(p.Sensitivity, &r.Sensitivity)
	if p.Custom.Set {
		r.Custom = deref(p.Custom.Value).Clone()
	} else {
		r.Custom = r.Custom.Clone() // the copy must not share the map
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}
