package domain

// Node is anything Relay's node(id) can return. The GraphQL interface Node
// is bound to it.
type Node interface{ NodeID() string }

// ActorNode is an actor seen as its GraphQL concrete type. The GraphQL
// interface Actor is bound to it; the seven named types below let gqlgen
// tell the kinds apart while they all share the one Actor struct.
type ActorNode interface {
	Node
	Base() *Actor
}

// Base returns the actor itself.
func (a *Actor) Base() *Actor { return a }

type (
	Community                struct{ *Actor }
	StateInstitution         struct{ *Actor }
	SecurityForce            struct{ *Actor }
	Movement                 struct{ *Actor }
	CivilSocietyOrganization struct{ *Actor }
	CustomaryAuthority       struct{ *Actor }
	InternationalActor       struct{ *Actor }
)

// Typed returns the actor as the GraphQL type of its kind.
func (a *Actor) Typed() ActorNode {
	switch a.Kind {
	case KindCommunity:
		return Community{a}
	case KindStateInstitution:
		return StateInstitution{a}
	case KindSecurityForce:
		return SecurityForce{a}
	case KindMovement:
		return Movement{a}
	case KindCivilSociety:
		return CivilSocietyOrganization{a}
	case KindCustomaryAuthority:
		return CustomaryAuthority{a}
	default:
		return InternationalActor{a}
	}
}
