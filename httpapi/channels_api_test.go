package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// communityChannels and unaccountableActors through GraphQL, on a small
// map made here:
//
//	village INFLUENCES council (public)             step village → council
//	police ACCOUNTABLE_TO village, ENFORCEMENT      step village → police, enforcement (CONFIDENTIAL)
//	police ACCOUNTABLE_TO council (public)          step council → police, answerability
//	police (state-affiliated) PROVIDES_SECURITY village
//	militia (not state-affiliated) PROVIDES_SECURITY town
//	council CONTROLS militia, expired in 2020       no step
//
// A caller who sees the confidential relationship: village CONNECTED
// (council, police), police accountable (not listed); one who does not:
// village SINGLE_CHANNEL (council), police ANSWERABILITY_ONLY. Both: town
// ISOLATED with absent state, militia UNACCOUNTABLE.
type channelsFixture struct {
	a                                       *apitest.API
	ws                                      string
	village, town, council, police, militia string
	hidden, influence, protect              string
	analyst, editor                         string // tokens
}

func newChannelsFixture(t *testing.T) *channelsFixture {
	st := storetest.Open(t)
	a := apitest.New(t, st)
	f := &channelsFixture{a: a}
	f.ws = a.CreateWorkspace("channels")
	f.village = a.CreateActor(f.ws, map[string]any{"kind": "COMMUNITY", "name": "Village", "region": "north"})
	f.town = a.CreateActor(f.ws, map[string]any{"kind": "COMMUNITY", "name": "Town", "region": "south"})
	f.council = a.CreateActor(f.ws, map[string]any{"kind": "STATE_INSTITUTION", "name": "Council"})
	f.police = a.CreateActor(f.ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Police", "stateAffiliated": true})
	f.militia = a.CreateActor(f.ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Militia", "stateAffiliated": false})
	f.influence = a.CreateRelationship(map[string]any{"type": "INFLUENCES", "from": f.village, "to": f.council, "strength": 0.5})
	f.hidden = a.CreateRelationship(map[string]any{"type": "ACCOUNTABLE_TO", "from": f.police, "to": f.village, "strength": 0.7,
		"power": "ENFORCEMENT", "sensitivity": "CONFIDENTIAL"})
	a.CreateRelationship(map[string]any{"type": "ACCOUNTABLE_TO", "from": f.police, "to": f.council, "strength": 0.6})
	f.protect = a.CreateRelationship(map[string]any{"type": "PROVIDES_SECURITY", "from": f.police, "to": f.village, "strength": 0.6})
	a.CreateRelationship(map[string]any{"type": "PROVIDES_SECURITY", "from": f.militia, "to": f.town, "strength": 0.8})
	a.CreateRelationship(map[string]any{"type": "CONTROLS", "from": f.council, "to": f.militia, "strength": 0.9, "validTo": "2020-01-01"})
	f.analyst, _ = a.CreateToken(f.ws, "ANALYST", "")
	f.editor, _ = a.CreateToken(f.ws, "EDITOR", "")
	return f
}

type channelsJSON struct {
	Community struct{ ID string }
	Status    string
	Steps     []struct {
		From, To     struct{ ID string }
		Relationship struct{ ID string }
		Enforcement  bool
	}
	Channels              []struct{ ID string }
	AbsentState           bool
	StateProviders        []struct{ ID string }
	SecurityRelationships []struct{ ID string }
}

const channelsQuery = `query($ws: ID!, $region: String) { workspace(id: $ws) { communityChannels(region: $region) {
  community { id } status steps { from { id } to { id } relationship { id } enforcement } channels { id }
  absentState stateProviders { id } securityRelationships { id } } } }`

func (f *channelsFixture) channels(t *testing.T, token string, region any) []channelsJSON {
	t.Helper()
	var out struct {
		Workspace struct{ CommunityChannels []channelsJSON }
	}
	f.a.As(token).OK(channelsQuery, map[string]any{"ws": f.ws, "region": region}, &out)
	return out.Workspace.CommunityChannels
}

func (f *channelsFixture) unaccountable(t *testing.T, token string) string {
	t.Helper()
	var out struct {
		Workspace struct {
			UnaccountableActors []struct {
				Actor  struct{ ID string }
				Status string
				Steps  []struct{ Relationship struct{ ID string } }
			}
		}
	}
	f.a.As(token).OK(`query($ws: ID!) { workspace(id: $ws) { unaccountableActors { actor { id } status steps { relationship { id } } } } }`,
		map[string]any{"ws": f.ws}, &out)
	var parts []string
	for _, u := range out.Workspace.UnaccountableActors {
		parts = append(parts, fmt.Sprintf("%s %s %d", u.Actor.ID, u.Status, len(u.Steps)))
	}
	return strings.Join(parts, "; ")
}

func TestCommunityChannelsAPI(t *testing.T) {
	storetest.Integration(t)
	t.Parallel()
	f := newChannelsFixture(t)
	byID := func(cs []channelsJSON) map[string]channelsJSON {
		m := map[string]channelsJSON{}
		for _, c := range cs {
			m[c.Community.ID] = c
		}
		return m
	}
	// Twice each, alternating, so that a cached projection cannot cross clearances.
	for i := 0; i < 2; i++ {
		ed := f.channels(t, f.editor, nil)
		if len(ed) != 2 || ed[0].Community.ID > ed[1].Community.ID {
			t.Fatalf("editor: %+v, want both communities in id order", ed)
		}
		v, town := byID(ed)[f.village], byID(ed)[f.town]
		if v.Status != "CONNECTED" || len(v.Channels) != 2 || len(v.Steps) != 2 || v.AbsentState ||
			len(v.StateProviders) != 1 || v.StateProviders[0].ID != f.police || len(v.SecurityRelationships) != 1 || v.SecurityRelationships[0].ID != f.protect {
			t.Errorf("editor's village: %+v", v)
		}
		for _, s := range v.Steps {
			if s.From.ID != f.village || (s.Relationship.ID == f.hidden) != (s.To.ID == f.police) || (s.Relationship.ID == f.hidden) != s.Enforcement {
				t.Errorf("editor's village step: %+v", s)
			}
		}
		if town.Status != "ISOLATED" || !town.AbsentState || len(town.Steps) != 0 || len(town.StateProviders) != 0 || len(town.SecurityRelationships) != 1 {
			t.Errorf("editor's town: %+v", town)
		}

		an := byID(f.channels(t, f.analyst, nil))
		v = an[f.village]
		if v.Status != "SINGLE_CHANNEL" || len(v.Steps) != 1 || v.Steps[0].Relationship.ID != f.influence || len(v.Channels) != 1 || v.Channels[0].ID != f.council {
			t.Errorf("analyst's village (the confidential step hidden): %+v", v)
		}
		if an[f.town].Status != "ISOLATED" || !an[f.town].AbsentState {
			t.Errorf("analyst's town: %+v", an[f.town])
		}

		if got, want := f.unaccountable(t, f.editor), f.militia+" UNACCOUNTABLE 0"; got != want {
			t.Errorf("editor's unaccountable actors: %s, want %s", got, want)
		}
		want := []string{f.militia + " UNACCOUNTABLE 0", f.police + " ANSWERABILITY_ONLY 1"}
		if f.militia > f.police {
			want[0], want[1] = want[1], want[0]
		}
		if got := f.unaccountable(t, f.analyst); got != strings.Join(want, "; ") {
			t.Errorf("analyst's unaccountable actors: %s, want %s", got, strings.Join(want, "; "))
		}
	}
	if south := f.channels(t, f.editor, "south"); len(south) != 1 || south[0].Community.ID != f.town {
		t.Errorf("region south: %+v", south)
	}
	// On a day before the council's control of the militia expired, the
	// militia is accountable.
	var out struct {
		Workspace struct {
			UnaccountableActors []struct{ Actor struct{ ID string } }
		}
	}
	f.a.As(f.editor).OK(`query($ws: ID!) { workspace(id: $ws) { unaccountableActors(asOf: "2019-06-01") { actor { id } } } }`,
		map[string]any{"ws": f.ws}, &out)
	if len(out.Workspace.UnaccountableActors) != 0 {
		t.Errorf("in 2019: %+v, want none", out.Workspace.UnaccountableActors)
	}
}

func TestChannelsBadArguments(t *testing.T) {
	storetest.Integration(t)
	t.Parallel()
	f := newChannelsFixture(t)
	for _, c := range []struct {
		name, query string
		x           any
		field       string
	}{
		{"channels minConfidence -0.5", `query($ws: ID!, $x: Float) { workspace(id: $ws) { communityChannels(minConfidence: $x) { status } } }`, -0.5, "minConfidence"},
		{"channels minConfidence 1.5", `query($ws: ID!, $x: Float) { workspace(id: $ws) { communityChannels(minConfidence: $x) { status } } }`, 1.5, "minConfidence"},
		{"channels minConfidence NaN", `query($ws: ID!, $x: Float) { workspace(id: $ws) { communityChannels(minConfidence: $x) { status } } }`, "NaN", "minConfidence"},
		{"unaccountable minConfidence 2", `query($ws: ID!, $x: Float) { workspace(id: $ws) { unaccountableActors(minConfidence: $x) { status } } }`, 2, "minConfidence"},
		{"unaccountable minConfidence Infinity", `query($ws: ID!, $x: Float) { workspace(id: $ws) { unaccountableActors(minConfidence: $x) { status } } }`, "Infinity", "minConfidence"},
		{"unaccountable kinds empty", `query($ws: ID!, $x: [ActorKind!]) { workspace(id: $ws) { unaccountableActors(kinds: $x) { status } } }`, []string{}, "kinds"},
	} {
		r := f.a.As(f.analyst).Do(c.query, map[string]any{"ws": f.ws, "x": c.x})
		// The Float scalar refuses NaN and ±Infinity before the resolver,
		// naming the argument too.
		if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != c.field {
			raw, _ := json.Marshal(r)
			t.Errorf("%s: %s, want BAD_USER_INPUT on %s", c.name, raw, c.field)
		}
	}
}
