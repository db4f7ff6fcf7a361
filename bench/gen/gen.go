// Package gen generates the benchmark's synthetic maps and loads them
// into a workspace (bench/cmd/bench and the store's snapshot benchmark
// share it).
package gen

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/actorgraph/actorgraph/domain"
)

// The synthetic map: regions of 100 actors of every kind, about 7.5
// relationships out of each actor, of every type, 60/30/10 per cent
// PUBLIC/RESTRICTED/CONFIDENTIAL (actors and relationships alike). Nine
// relationships in ten stay inside their region; the rest reach another.
// Everything but the ids' workspace tag follows from the seed and the
// size: the same seed and size give the same map.

// RegionSize is how many actors a region holds; a map's size is a
// multiple of it.
const RegionSize = 100

// kindsPerRegion is how many actors of each kind a region of 100 holds.
var kindsPerRegion = []struct {
	kind domain.ActorKind
	n    int
}{
	{domain.KindCommunity, 40}, {domain.KindStateInstitution, 12}, {domain.KindSecurityForce, 12},
	{domain.KindMovement, 12}, {domain.KindCivilSociety, 10}, {domain.KindCustomaryAuthority, 8},
	{domain.KindInternational, 6},
}

// relPattern says which kinds of actor a type usually joins.
var relPattern = map[domain.RelationshipType][2][]domain.ActorKind{
	domain.Trusts:           {{domain.KindCommunity}, nil},
	domain.AccountableTo:    {{domain.KindSecurityForce, domain.KindStateInstitution}, {domain.KindStateInstitution, domain.KindCommunity, domain.KindCivilSociety}},
	domain.Controls:         {{domain.KindStateInstitution}, {domain.KindSecurityForce, domain.KindStateInstitution}},
	domain.ProvidesSecurity: {{domain.KindSecurityForce, domain.KindStateInstitution}, {domain.KindCommunity}},
	domain.Threatens:        {{domain.KindSecurityForce}, {domain.KindCommunity}},
	domain.Represents:       {{domain.KindStateInstitution, domain.KindCustomaryAuthority, domain.KindMovement}, {domain.KindCommunity}},
	domain.ParticipatesIn:   {{domain.KindCommunity}, {domain.KindMovement, domain.KindCivilSociety, domain.KindStateInstitution}},
	domain.Influences:       {{domain.KindMovement, domain.KindCivilSociety, domain.KindCommunity}, {domain.KindStateInstitution, domain.KindSecurityForce}},
	domain.Dialogue:         {{domain.KindCommunity, domain.KindMovement}, {domain.KindStateInstitution, domain.KindSecurityForce, domain.KindCustomaryAuthority}},
	domain.Supports:         {{domain.KindInternational, domain.KindCivilSociety}, nil},
	domain.CooperatesWith:   {{domain.KindMovement, domain.KindCivilSociety}, {domain.KindMovement, domain.KindCivilSociety, domain.KindInternational}},
	domain.InTensionWith:    {nil, nil},
}

var (
	segments  = []string{"women", "men", "youth", "elders"}
	syllables = []string{"ka", "ro", "mi", "ta", "ne", "su", "lo", "ba", "di", "ve", "zo", "ha", "pe", "qu", "ri", "sa"}
)

// Map is one generated map.
type Map struct {
	Actors        []*domain.Actor
	Relationships []*domain.Relationship
}

func sensitivityOf(rng *rand.Rand) domain.Sensitivity {
	switch x := rng.IntN(10); {
	case x < 6:
		return domain.Public
	case x < 9:
		return domain.Restricted
	default:
		return domain.Confidential
	}
}

// Generate makes a map of n actors (a multiple of 100) for workspace ws.
func Generate(ws string, n int, seed uint64) (*Map, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	// Ids are unique in the database (the store's constraint), so they
	// carry a tag of the workspace; everything else is the seed's.
	h := fnv.New32a()
	h.Write([]byte(ws))
	tag := h.Sum32()
	m := &Map{}
	regions := n / RegionSize
	// byKind[region][kind] are the indexes of the region's actors of that kind.
	byKind := make([]map[domain.ActorKind][]int, regions)
	for r := range regions {
		byKind[r] = map[domain.ActorKind][]int{}
		region := fmt.Sprintf("Region %04d", r)
		for _, k := range kindsPerRegion {
			for range k.n {
				i := len(m.Actors)
				name := ""
				for range 3 {
					name += syllables[rng.IntN(len(syllables))]
				}
				sens := sensitivityOf(rng)
				in := domain.ActorInput{Kind: k.kind, Name: fmt.Sprintf("%s %06d", name, i), Region: &region,
					Tags: []string{fmt.Sprintf("t%d", rng.IntN(5))}, ExternalID: new(fmt.Sprintf("a%06d", i)), Sensitivity: &sens}
				if k.kind == domain.KindCommunity {
					in.Population = new(100 + rng.IntN(50_000))
					in.RightsAwareness = new(float64(rng.IntN(101)) / 100)
				}
				a, err := domain.NewActor(ws, in)
				if err != nil {
					return nil, err
				}
				a.ID = fmt.Sprintf("%s%08x-%04x-7000-8000-%012x", domain.PrefixActor, tag, n/RegionSize, i)
				m.Actors = append(m.Actors, a)
				byKind[r][k.kind] = append(byKind[r][k.kind], i)
			}
		}
	}
	pick := func(region int, kinds []domain.ActorKind) int {
		if len(kinds) == 0 {
			return region*RegionSize + rng.IntN(RegionSize)
		}
		ix := byKind[region][kinds[rng.IntN(len(kinds))]]
		return ix[rng.IntN(len(ix))]
	}
	type key struct {
		t        domain.RelationshipType
		from, to int
	}
	seen := map[key]bool{}
	want := n * 15 / 2
	for len(m.Relationships) < want {
		j := len(m.Relationships)
		t := domain.RelationshipTypes[rng.IntN(len(domain.RelationshipTypes))]
		p := relPattern[t]
		region := rng.IntN(regions)
		from := pick(region, p[0])
		if rng.IntN(10) == 0 {
			region = rng.IntN(regions)
		}
		to := pick(region, p[1])
		if from == to || seen[key{t, from, to}] {
			continue
		}
		seen[key{t, from, to}] = true
		sens := sensitivityOf(rng)
		in := domain.RelationshipInput{Type: t, From: m.Actors[from].ID, To: m.Actors[to].ID,
			Strength: float64(rng.IntN(101)) / 100, Confidence: new(0.5 + float64(rng.IntN(51))/100),
			ExternalID: new(fmt.Sprintf("r%07d", j)), Sensitivity: &sens}
		switch t {
		case domain.Trusts:
			in.PerceivedBy = new(segments[rng.IntN(len(segments))])
		case domain.AccountableTo:
			in.Mechanism = new(domain.Mechanisms[rng.IntN(len(domain.Mechanisms))])
		case domain.Influences:
			in.Channel = new(domain.Channels[rng.IntN(len(domain.Channels))])
		case domain.Threatens:
			in.Form = new(domain.ThreatForms[rng.IntN(len(domain.ThreatForms))])
		case domain.Supports:
			in.Form = new(domain.SupportForms[rng.IntN(len(domain.SupportForms))])
		}
		switch t {
		case domain.AccountableTo, domain.Represents, domain.ParticipatesIn, domain.Influences, domain.Dialogue:
			if rng.IntN(3) == 0 {
				in.Power = new(domain.Enforcement)
			} else {
				in.Power = new(domain.Answerability)
			}
		}
		r, err := domain.NewRelationship(ws, in)
		if err != nil {
			return nil, err
		}
		r.ID = fmt.Sprintf("%s%08x-%04x-7000-8000-%012x", domain.PrefixRelationship, tag, n/RegionSize, j)
		m.Relationships = append(m.Relationships, r)
	}
	return m, nil
}
