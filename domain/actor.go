package domain

import (
	"time"

	"github.com/actorgraph/actorgraph/errs"
)

// Actor is one node of the map: a group or a role, never a private person.
// The kind-specific fields are nil unless the actor's kind has them.
type Actor struct {
	ID          string
	WorkspaceID string
	Kind        ActorKind
	Name        string
	Description string
	Region      string
	Tags        []string
	// Frameworks are the reporting frameworks the actor is tagged with,
	// each once, in the order of Frameworks.
	Frameworks  []Framework
	ExternalID  *string
	SourceIDs   []string
	Sensitivity Sensitivity
	CreatedAt   time.Time
	UpdatedAt   time.Time

	ActorAttributes
	// Custom holds the attributes a researcher's file adds to the model's.
	Custom Custom
	// Layout is where a graph tool drew the actor.
	Layout Layout
}

// ActorAttributes are the kind-specific fields of an actor.
type ActorAttributes struct {
	// COMMUNITY
	Population      *int
	RightsAwareness *float64
	Marginalised    *bool
	Displaced       *bool
	Unregistered    *bool
	// STATE_INSTITUTION
	Level  *GovernanceLevel
	Branch *Branch
	// SECURITY_FORCE
	ForceType       *ForceType
	StateAffiliated *bool
	// MOVEMENT (focus, membership) and MOVEMENT or CIVIL_SOCIETY (womenLed)
	Focus      *string
	WomenLed   *bool
	Membership *int
	// CIVIL_SOCIETY
	OrganizationType *OrganizationType
	// CUSTOMARY_AUTHORITY
	AuthorityType *AuthorityType
	// INTERNATIONAL
	InternationalType *InternationalType
}

// attributeRule says which kinds an attribute applies to, and whether a
// given actor has it set.
type attributeRule struct {
	field string
	kinds []ActorKind
	isSet func(*ActorAttributes) bool
}

var attributeRules = []attributeRule{
	{"population", []ActorKind{KindCommunity}, func(a *ActorAttributes) bool { return a.Population != nil }},
	{"rightsAwareness", []ActorKind{KindCommunity}, func(a *ActorAttributes) bool { return a.RightsAwareness != nil }},
	{"marginalised", []ActorKind{KindCommunity}, func(a *ActorAttributes) bool { return a.Marginalised != nil }},
	{"displaced", []ActorKind{KindCommunity}, func(a *ActorAttributes) bool { return a.Displaced != nil }},
	{"unregistered", []ActorKind{KindCommunity}, func(a *ActorAttributes) bool { return a.Unregistered != nil }},
	{"level", []ActorKind{KindStateInstitution}, func(a *ActorAttributes) bool { return a.Level != nil }},
	{"branch", []ActorKind{KindStateInstitution}, func(a *ActorAttributes) bool { return a.Branch != nil }},
	{"forceType", []ActorKind{KindSecurityForce}, func(a *ActorAttributes) bool { return a.ForceType != nil }},
	{"stateAffiliated", []ActorKind{KindSecurityForce}, func(a *ActorAttributes) bool { return a.StateAffiliated != nil }},
	{"focus", []ActorKind{KindMovement}, func(a *ActorAttributes) bool { return a.Focus != nil }},
	{"membership", []ActorKind{KindMovement}, func(a *ActorAttributes) bool { return a.Membership != nil }},
	{"womenLed", []ActorKind{KindMovement, KindCivilSociety}, func(a *ActorAttributes) bool { return a.WomenLed != nil }},
	{"organizationType", []ActorKind{KindCivilSociety}, func(a *ActorAttributes) bool { return a.OrganizationType != nil }},
	{"authorityType", []ActorKind{KindCustomaryAuthority}, func(a *ActorAttributes) bool { return a.AuthorityType != nil }},
	{"internationalType", []ActorKind{KindInternational}, func(a *ActorAttributes) bool { return a.InternationalType != nil }},
}

// Validate normalises the actor in place (trims text, drops duplicate tags)
// and checks every rule of the model. It is the one place those rules live:
// creation, updates and (later) imports all pass through it.
func (a *Actor) Validate() error {
	const op = "validate actor"
	var err error
	if !a.Kind.IsValid() {
		return errs.Invalidf(op, "kind", "%q is not an actor kind (allowed: %s)", a.Kind, joinEnum(ActorKinds))
	}
	if a.Name, err = normalizeText(op, "name", a.Name, MaxNameLen); err != nil {
		return err
	}
	if a.Name == "" {
		return errs.Invalidf(op, "name", "name must not be empty")
	}
	if a.Description, err = normalizeText(op, "description", a.Description, MaxTextLen); err != nil {
		return err
	}
	if a.Region, err = normalizeText(op, "region", a.Region, MaxNameLen); err != nil {
		return err
	}
	if a.ExternalID, err = normalizeOptText(op, "externalId", a.ExternalID, MaxNameLen); err != nil {
		return err
	}
	if a.Tags, err = normalizeList(op, "tags", a.Tags, MaxTags, MaxTagLen); err != nil {
		return err
	}
	if a.Frameworks, err = NormalizeFrameworks(op, "frameworks", a.Frameworks); err != nil {
		return err
	}
	if a.Sensitivity, err = normalizeSensitivity(op, a.Sensitivity); err != nil {
		return err
	}
	if a.SourceIDs, err = normalizeList(op, "sourceIds", a.SourceIDs, MaxSourcesPerItem, MaxNameLen); err != nil {
		return err
	}
	if a.Custom, err = normalizeCustom(op, a.Custom); err != nil {
		return err
	}
	if a.Layout, err = normalizeLayout(op, a.Layout); err != nil {
		return err
	}
	return a.validateAttributes(op)
}

func (a *Actor) validateAttributes(op string) error {
	for _, r := range attributeRules {
		if r.isSet(&a.ActorAttributes) && !isValidEnum(a.Kind, r.kinds) {
			return errs.Invalidf(op, r.field, "%s applies only to actors of kind %s, not %s", r.field, joinEnum(r.kinds), a.Kind)
		}
	}
	at := &a.ActorAttributes
	if at.Population != nil && *at.Population < 0 {
		return errs.Invalidf(op, "population", "population must not be negative")
	}
	if at.Membership != nil && *at.Membership < 0 {
		return errs.Invalidf(op, "membership", "membership must not be negative")
	}
	if at.RightsAwareness != nil {
		if err := checkUnit(op, "rightsAwareness", *at.RightsAwareness); err != nil {
			return err
		}
	}
	var err error
	if at.Focus, err = normalizeOptText(op, "focus", at.Focus, MaxNameLen); err != nil {
		return err
	}
	enumChecks := []struct {
		field string
		ok    bool
	}{
		{"level", at.Level == nil || at.Level.IsValid()},
		{"branch", at.Branch == nil || at.Branch.IsValid()},
		{"forceType", at.ForceType == nil || at.ForceType.IsValid()},
		{"organizationType", at.OrganizationType == nil || at.OrganizationType.IsValid()},
		{"authorityType", at.AuthorityType == nil || at.AuthorityType.IsValid()},
		{"internationalType", at.InternationalType == nil || at.InternationalType.IsValid()},
	}
	for _, c := range enumChecks {
		if !c.ok {
			return errs.Invalidf(op, c.field, "%s has a value that does not exist", c.field)
		}
	}
	return nil
}

// NodeID makes an actor a Relay node.
func (a *Actor) NodeID() string { return a.ID }

// ActorInput is what createActor takes.
type ActorInput struct {
	Kind        ActorKind
	Name        string
	Description *string
	Region      *string
	Tags        []string
	Frameworks  []Framework
	ExternalID  *string
	SourceIDs   []string
	Sensitivity *Sensitivity
	ActorAttributes
	Custom Custom
	Layout Layout
}

// NewActor builds an unsaved actor from input and validates it.
func NewActor(workspaceID string, in ActorInput) (*Actor, error) {
	a := &Actor{
		WorkspaceID:     workspaceID,
		Kind:            in.Kind,
		Name:            in.Name,
		Description:     deref(in.Description),
		Region:          deref(in.Region),
		Tags:            in.Tags,
		Frameworks:      in.Frameworks,
		ExternalID:      in.ExternalID,
		SourceIDs:       in.SourceIDs,
		Sensitivity:     deref(in.Sensitivity),
		ActorAttributes: in.ActorAttributes,
		Custom:          in.Custom.Clone(),
		Layout:          in.Layout,
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// ActorPatch is what updateActor takes: only the named fields change. The
// kind cannot change (an actor of another kind is another actor).
type ActorPatch struct {
	Name        Opt[string]
	Description Opt[string]
	Region      Opt[string]
	Tags        Opt[[]string]
	// Frameworks replaces the list; clearing it or an empty list removes them all.
	Frameworks        Opt[[]Framework]
	ExternalID        Opt[string]
	SourceIDs         Opt[[]string]
	Sensitivity       Opt[Sensitivity]
	Population        Opt[int]
	RightsAwareness   Opt[float64]
	Marginalised      Opt[bool]
	Displaced         Opt[bool]
	Unregistered      Opt[bool]
	Level             Opt[GovernanceLevel]
	Branch            Opt[Branch]
	ForceType         Opt[ForceType]
	StateAffiliated   Opt[bool]
	Focus             Opt[string]
	WomenLed          Opt[bool]
	Membership        Opt[int]
	OrganizationType  Opt[OrganizationType]
	AuthorityType     Opt[AuthorityType]
	InternationalType Opt[InternationalType]
	// Custom replaces every custom attribute; clearing it removes them all.
	Custom Opt[Custom]
	// Layout replaces the layout; clearing it removes it.
	Layout Opt[Layout]
}

// Apply returns a copy of a with the patch applied and validated; a is not modified.
func (p ActorPatch) Apply(a Actor) (*Actor, error) {
	const op = "update actor"
	if !p.Name.applyValue(&a.Name) {
		return nil, errs.Invalidf(op, "name", "name cannot be cleared")
	}
	applyText(p.Description, &a.Description)
	applyText(p.Region, &a.Region)
	applyList(p.Tags, &a.Tags)
	applyList(p.Frameworks, &a.Frameworks)
	applyList(p.SourceIDs, &a.SourceIDs)
	p.ExternalID.apply(&a.ExternalID)
	applySensitivity(p.Sensitivity, &a.Sensitivity)
	at := &a.ActorAttributes
	p.Population.apply(&at.Population)
	p.RightsAwareness.apply(&at.RightsAwareness)
	p.Marginalised.apply(&at.Marginalised)
	p.Displaced.apply(&at.Displaced)
	p.Unregistered.apply(&at.Unregistered)
	p.Level.apply(&at.Level)
	p.Branch.apply(&at.Branch)
	p.ForceType.apply(&at.ForceType)
	p.StateAffiliated.apply(&at.StateAffiliated)
	p.Focus.apply(&at.Focus)
	p.WomenLed.apply(&at.WomenLed)
	p.Membership.apply(&at.Membership)
	p.OrganizationType.apply(&at.OrganizationType)
	p.AuthorityType.apply(&at.AuthorityType)
	p.InternationalType.apply(&at.InternationalType)
	if p.Custom.Set {
		a.Custom = deref(p.Custom.Value).Clone()
	} else {
		a.Custom = a.Custom.Clone() // the copy must not share the map
	}
	if p.Layout.Set {
		a.Layout = deref(p.Layout.Value)
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

// applyText sets a text field; clearing it makes it empty.
func applyText(o Opt[string], dst *string) {
	if o.Set {
		*dst = deref(o.Value)
	}
}

// applyList sets a list field; clearing it makes it empty.
func applyList[T any](o Opt[[]T], dst *[]T) {
	if o.Set {
		*dst = deref(o.Value)
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ActorAttributesJSON is ActorAttributes as files spell it (camelCase
// keys), for the demo map and imports.
type ActorAttributesJSON struct {
	Population        *int               `json:"population,omitempty"`
	RightsAwareness   *float64           `json:"rightsAwareness,omitempty"`
	Marginalised      *bool              `json:"marginalised,omitempty"`
	Displaced         *bool              `json:"displaced,omitempty"`
	Unregistered      *bool              `json:"unregistered,omitempty"`
	Level             *GovernanceLevel   `json:"level,omitempty"`
	Branch            *Branch            `json:"branch,omitempty"`
	ForceType         *ForceType         `json:"forceType,omitempty"`
	StateAffiliated   *bool              `json:"stateAffiliated,omitempty"`
	Focus             *string            `json:"focus,omitempty"`
	WomenLed          *bool              `json:"womenLed,omitempty"`
	Membership        *int               `json:"membership,omitempty"`
	OrganizationType  *OrganizationType  `json:"organizationType,omitempty"`
	AuthorityType     *AuthorityType     `json:"authorityType,omitempty"`
	InternationalType *InternationalType `json:"internationalType,omitempty"`
}

// Attributes converts to ActorAttributes.
func (j ActorAttributesJSON) Attributes() ActorAttributes { return ActorAttributes(j) }
