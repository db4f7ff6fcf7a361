package domain

import (
	"io"
	"strconv"
	"strings"

	"github.com/actorgraph/actorgraph/errs"
)

// The enums below are the GraphQL enums of the same names; gqlgen binds to
// them (gqlgen.yml), so the schema and the Go code share one list of values.
// Each has IsValid, MarshalGQL and UnmarshalGQL, the last two via the
// generic helpers in this file.

func marshalEnum[T ~string](v T, w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(v))) }

func unmarshalEnum[T ~string](v any, name string, valid []T) (T, error) {
	s, ok := v.(string)
	if !ok {
		return "", errs.Invalidf("", name, "%s must be a string", name)
	}
	return parseEnum(s, name, valid)
}

// parseEnum accepts a value of the enum exactly as the schema spells it and
// otherwise lists the allowed values, so the message says how to fix it.
func parseEnum[T ~string](s, name string, valid []T) (T, error) {
	for _, x := range valid {
		if string(x) == s {
			return x, nil
		}
	}
	return "", errs.Invalidf("", name, "%q is not a valid %s (allowed: %s)", s, name, joinEnum(valid))
}

func isValidEnum[T ~string](v T, valid []T) bool {
	for _, x := range valid {
		if x == v {
			return true
		}
	}
	return false
}

func joinEnum[T ~string](valid []T) string {
	parts := make([]string, len(valid))
	for i, v := range valid {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

// ActorKind is the kind of an actor; each has its own GraphQL type.
type ActorKind string

const (
	KindCommunity          ActorKind = "COMMUNITY"
	KindStateInstitution   ActorKind = "STATE_INSTITUTION"
	KindSecurityForce      ActorKind = "SECURITY_FORCE"
	KindMovement           ActorKind = "MOVEMENT"
	KindCivilSociety       ActorKind = "CIVIL_SOCIETY"
	KindCustomaryAuthority ActorKind = "CUSTOMARY_AUTHORITY"
	KindInternational      ActorKind = "INTERNATIONAL"
)

// ActorKinds lists every kind in schema order.
var ActorKinds = []ActorKind{KindCommunity, KindStateInstitution, KindSecurityForce, KindMovement,
	KindCivilSociety, KindCustomaryAuthority, KindInternational}

func (k ActorKind) IsValid() bool          { return isValidEnum(k, ActorKinds) }
func (k ActorKind) MarshalGQL(w io.Writer) { marshalEnum(k, w) }
func (k *ActorKind) UnmarshalGQL(v any) (err error) {
	*k, err = unmarshalEnum(v, "ActorKind", ActorKinds)
	return err
}

// RelationshipType is the type of a relationship; each is a Neo4j relationship type.
type RelationshipType string

const (
	Trusts           RelationshipType = "TRUSTS"
	AccountableTo    RelationshipType = "ACCOUNTABLE_TO"
	Controls         RelationshipType = "CONTROLS"
	ProvidesSecurity RelationshipType = "PROVIDES_SECURITY"
	Threatens        RelationshipType = "THREATENS"
	Represents       RelationshipType = "REPRESENTS"
	ParticipatesIn   RelationshipType = "PARTICIPATES_IN"
	Influences       RelationshipType = "INFLUENCES"
	Dialogue         RelationshipType = "DIALOGUE"
	Supports         RelationshipType = "SUPPORTS"
	CooperatesWith   RelationshipType = "COOPERATES_WITH"
	InTensionWith    RelationshipType = "IN_TENSION_WITH"
)

// RelationshipTypes lists every type in schema order. The store builds its
// per-type Cypher from this fixed list only, never from client strings.
var RelationshipTypes = []RelationshipType{Trusts, AccountableTo, Controls, ProvidesSecurity, Threatens,
	Represents, ParticipatesIn, Influences, Dialogue, Supports, CooperatesWith, InTensionWith}

func (t RelationshipType) IsValid() bool          { return isValidEnum(t, RelationshipTypes) }
func (t RelationshipType) MarshalGQL(w io.Writer) { marshalEnum(t, w) }
func (t *RelationshipType) UnmarshalGQL(v any) (err error) {
	*t, err = unmarshalEnum(v, "RelationshipType", RelationshipTypes)
	return err
}

// Power is what a leverage relationship lets its holder do.
type Power string

const (
	// Answerability: the other side must explain itself.
	Answerability Power = "ANSWERABILITY"
	// Enforcement: the other side can be sanctioned.
	Enforcement Power = "ENFORCEMENT"
)

var Powers = []Power{Answerability, Enforcement}

func (p Power) IsValid() bool          { return isValidEnum(p, Powers) }
func (p Power) MarshalGQL(w io.Writer) { marshalEnum(p, w) }
func (p *Power) UnmarshalGQL(v any) (err error) {
	*p, err = unmarshalEnum(v, "Power", Powers)
	return err
}

// Mechanism is how an ACCOUNTABLE_TO relationship works.
type Mechanism string

var Mechanisms = []Mechanism{"ELECTORAL", "JUDICIAL", "PARLIAMENTARY", "OVERSIGHT_BODY", "ADMINISTRATIVE", "SOCIAL", "CUSTOMARY"}

func (m Mechanism) IsValid() bool          { return isValidEnum(m, Mechanisms) }
func (m Mechanism) MarshalGQL(w io.Writer) { marshalEnum(m, w) }
func (m *Mechanism) UnmarshalGQL(v any) (err error) {
	*m, err = unmarshalEnum(v, "AccountabilityMechanism", Mechanisms)
	return err
}

// Channel is how an INFLUENCES relationship moves decisions.
type Channel string

var Channels = []Channel{"ADVOCACY", "PROTEST", "PETITION", "COMPLAINT", "LITIGATION", "BROADCAST", "OTHER"}

func (c Channel) IsValid() bool          { return isValidEnum(c, Channels) }
func (c Channel) MarshalGQL(w io.Writer) { marshalEnum(c, w) }
func (c *Channel) UnmarshalGQL(v any) (err error) {
	*c, err = unmarshalEnum(v, "InfluenceChannel", Channels)
	return err
}

// Form is the form a THREATENS or SUPPORTS relationship takes.
type Form string

// ThreatForms apply to THREATENS, SupportForms to SUPPORTS.
var (
	ThreatForms  = []Form{"ABUSE", "EXTORTION", "CORRUPTION", "NEGLIGENCE", "VIOLENCE", "EVICTION"}
	SupportForms = []Form{"FUNDING", "TRAINING", "SERVICES", "RIGHTS_EDUCATION"}
	Forms        = append(append([]Form{}, ThreatForms...), SupportForms...)
)

func (f Form) IsValid() bool          { return isValidEnum(f, Forms) }
func (f Form) MarshalGQL(w io.Writer) { marshalEnum(f, w) }
func (f *Form) UnmarshalGQL(v any) (err error) {
	*f, err = unmarshalEnum(v, "RelationshipForm", Forms)
	return err
}

// GovernanceLevel is a state institution's level.
type GovernanceLevel string

var GovernanceLevels = []GovernanceLevel{"NATIONAL", "REGIONAL", "LOCAL"}

func (l GovernanceLevel) IsValid() bool          { return isValidEnum(l, GovernanceLevels) }
func (l GovernanceLevel) MarshalGQL(w io.Writer) { marshalEnum(l, w) }
func (l *GovernanceLevel) UnmarshalGQL(v any) (err error) {
	*l, err = unmarshalEnum(v, "GovernanceLevel", GovernanceLevels)
	return err
}

// Branch is a state institution's branch of government.
type Branch string

var Branches = []Branch{"EXECUTIVE", "LEGISLATIVE", "JUDICIAL", "OVERSIGHT"}

func (b Branch) IsValid() bool          { return isValidEnum(b, Branches) }
func (b Branch) MarshalGQL(w io.Writer) { marshalEnum(b, w) }
func (b *Branch) UnmarshalGQL(v any) (err error) {
	*b, err = unmarshalEnum(v, "Branch", Branches)
	return err
}

// ForceType is what kind of security force an actor is.
type ForceType string

var ForceTypes = []ForceType{"POLICE", "ARMY", "GENDARMERIE", "INTELLIGENCE", "MILITIA", "VIGILANTE", "PRIVATE_SECURITY", "PEACEKEEPERS", "OTHER"}

func (f ForceType) IsValid() bool          { return isValidEnum(f, ForceTypes) }
func (f ForceType) MarshalGQL(w io.Writer) { marshalEnum(f, w) }
func (f *ForceType) UnmarshalGQL(v any) (err error) {
	*f, err = unmarshalEnum(v, "ForceType", ForceTypes)
	return err
}

// OrganizationType is what kind of civil-society organisation or media an actor is.
type OrganizationType string

var OrganizationTypes = []OrganizationType{"LEGAL_AID", "MEDIA", "NGO", "RESEARCH", "FAITH_BASED", "COMMUNITY_BASED", "OTHER"}

func (o OrganizationType) IsValid() bool          { return isValidEnum(o, OrganizationTypes) }
func (o OrganizationType) MarshalGQL(w io.Writer) { marshalEnum(o, w) }
func (o *OrganizationType) UnmarshalGQL(v any) (err error) {
	*o, err = unmarshalEnum(v, "OrganizationType", OrganizationTypes)
	return err
}

// AuthorityType is what kind of customary or religious authority an actor is.
type AuthorityType string

var AuthorityTypes = []AuthorityType{"ELDERS_COUNCIL", "CHIEF", "RELIGIOUS_LEADER", "CLAN_LEADER", "OTHER"}

func (a AuthorityType) IsValid() bool          { return isValidEnum(a, AuthorityTypes) }
func (a AuthorityType) MarshalGQL(w io.Writer) { marshalEnum(a, w) }
func (a *AuthorityType) UnmarshalGQL(v any) (err error) {
	*a, err = unmarshalEnum(v, "AuthorityType", AuthorityTypes)
	return err
}

// InternationalType is what kind of international actor an actor is.
type InternationalType string

var InternationalTypes = []InternationalType{"DONOR", "UN_AGENCY", "PEACEKEEPING_MISSION", "INTERNATIONAL_NGO", "FOREIGN_GOVERNMENT", "REGIONAL_ORGANIZATION", "OTHER"}

func (i InternationalType) IsValid() bool          { return isValidEnum(i, InternationalTypes) }
func (i InternationalType) MarshalGQL(w io.Writer) { marshalEnum(i, w) }
func (i *InternationalType) UnmarshalGQL(v any) (err error) {
	*i, err = unmarshalEnum(v, "InternationalType", InternationalTypes)
	return err
}

// SourceKind is what kind of evidence a source is.
type SourceKind string

var SourceKinds = []SourceKind{"REPORT", "SURVEY", "INTERVIEW", "FOCUS_GROUP", "MEDIA", "DATASET", "OBSERVATION"}

func (s SourceKind) IsValid() bool          { return isValidEnum(s, SourceKinds) }
func (s SourceKind) MarshalGQL(w io.Writer) { marshalEnum(s, w) }
func (s *SourceKind) UnmarshalGQL(v any) (err error) {
	*s, err = unmarshalEnum(v, "SourceKind", SourceKinds)
	return err
}

// Framework is a reporting framework an actor or relationship is tagged
// with: one of the four pillars of UNSCR 1325 (Women, Peace and Security)
// or one of the five Peacebuilding and Statebuilding Goals of the New Deal
// for Engagement in Fragile States.
type Framework string

const (
	// UNSCR 1325 pillars.
	FrameworkParticipation     Framework = "PARTICIPATION"
	FrameworkProtection        Framework = "PROTECTION"
	FrameworkPrevention        Framework = "PREVENTION"
	FrameworkReliefAndRecovery Framework = "RELIEF_AND_RECOVERY"
	// New Deal goals (PSGs).
	FrameworkLegitimatePolitics  Framework = "LEGITIMATE_POLITICS"
	FrameworkSecurity            Framework = "SECURITY"
	FrameworkJustice             Framework = "JUSTICE"
	FrameworkEconomicFoundations Framework = "ECONOMIC_FOUNDATIONS"
	FrameworkRevenuesAndServices Framework = "REVENUES_AND_SERVICES"
)

// UNSCR1325Pillars and NewDealGoals split Frameworks by the framework each
// value belongs to.
var (
	UNSCR1325Pillars = []Framework{FrameworkParticipation, FrameworkProtection, FrameworkPrevention, FrameworkReliefAndRecovery}
	NewDealGoals     = []Framework{FrameworkLegitimatePolitics, FrameworkSecurity, FrameworkJustice, FrameworkEconomicFoundations, FrameworkRevenuesAndServices}
	// Frameworks lists every value in schema order, the canonical order
	// lists of frameworks are kept in.
	Frameworks = append(append([]Framework{}, UNSCR1325Pillars...), NewDealGoals...)
)

func (f Framework) IsValid() bool          { return isValidEnum(f, Frameworks) }
func (f Framework) MarshalGQL(w io.Writer) { marshalEnum(f, w) }
func (f *Framework) UnmarshalGQL(v any) (err error) {
	*f, err = unmarshalEnum(v, "Framework", Frameworks)
	return err
}
