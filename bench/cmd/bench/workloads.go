package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// The callers a workload is asked as.
const (
	admin   = "admin"   // ActorGraph, the admin token
	analyst = "analyst" // ActorGraph, an ANALYST token of clearance RESTRICTED
	peer    = "peer"    // @neo4j/graphql 7 on graphql-yoga (bench/peer)
	raw     = "raw"     // one Cypher statement through the Go driver
)

var callers = []string{admin, analyst, peer, raw}

// gql is one GraphQL request.
type gql struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
}

// cypher is one raw statement.
type cypher struct {
	text   string
	params map[string]any
}

// workload is one operation, asked the same way of every caller it names.
// The i-th request of every caller asks the same question (the same actor,
// region, page), so that answers can be compared.
type workload struct {
	name    string
	callers []string
	// maxRequests caps each measurement (heavy analyses); 0: no cap.
	maxRequests int
	// write workloads change the map; they run last and are not compared.
	write bool
	// cold workloads report their first request apart: it computes what
	// the later ones find cached.
	cold bool
	// graphql is the request for ActorGraph (admin or analyst) or the peer.
	graphql func(c string, i int) gql
	// cypher is the raw statement, seeing only levels.
	cypher func(i int, levels []string) cypher
	// answer reduces a GraphQL answer's data (ActorGraph's or the peer's)
	// to what must be the same for every caller that sees the same.
	answer func(c string, data any) string
	// rawAnswer does the same for a raw statement's rows.
	rawAnswer func(rows []map[string]any) string
}

// fixture is what the workloads ask about, picked from the generated map.
type fixture struct {
	ws, scratch string
	publicIDs   []string             // PUBLIC actors, in random order
	regions     []string             // every region, shuffled
	routes      [][2]string          // (community, power holder) pairs, both PUBLIC, the power edge PUBLIC
	page        int                  // the deep page's number
	after       map[string]string    // the cursor that starts the deep page, per caller (admin, analyst)
	rawAfter    map[string][2]string // the (name, id) the deep page starts after, per caller
	peerOffset  int
}

var allLevels = []string{string(domain.Public), string(domain.Restricted), string(domain.Confidential)}
var analystLevels = []string{string(domain.Public), string(domain.Restricted)}

// relFields are the peer's relationship fields, one per type.
var relFields = func() []string {
	var out []string
	for _, t := range domain.RelationshipTypes {
		parts := strings.Split(strings.ToLower(string(t)), "_")
		for i := 1; i < len(parts); i++ {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
		out = append(out, strings.Join(parts, ""))
	}
	return out
}()

func pick[T any](xs []T, i int) T { return xs[i%len(xs)] }

func workloads(f *fixture) []*workload {
	actorByID := &workload{
		name: "actor by id", callers: callers,
		graphql: func(c string, i int) gql {
			id := pick(f.publicIDs, i)
			if c == peer {
				return gql{`query($id: ID!) { actors(where: {id: {eq: $id}}) { id name region } }`, map[string]any{"id": id}}
			}
			return gql{`query($id: ID!) { actor(id: $id) { id name region } }`, map[string]any{"id": id}}
		},
		cypher: func(i int, levels []string) cypher {
			return cypher{`MATCH (a:Actor {id: $id}) WHERE a.sensitivity IN $levels RETURN a.id AS id, a.name AS name, a.region AS region`,
				map[string]any{"id": pick(f.publicIDs, i), "levels": levels}}
		},
		answer: func(c string, d any) string {
			a := dig(d, "actor")
			if c == peer {
				a = dig(d, "actors", "0")
			}
			return fmt.Sprint(dig(a, "id"), "|", dig(a, "name"), "|", dig(a, "region"))
		},
		rawAnswer: func(rows []map[string]any) string {
			if len(rows) != 1 {
				return fmt.Sprintf("%d rows", len(rows))
			}
			return fmt.Sprint(rows[0]["id"], "|", rows[0]["name"], "|", rows[0]["region"])
		},
	}
	pageCypher := `CALL () { MATCH (a:Actor) WHERE a.workspaceId = $ws AND a.sensitivity IN $levels RETURN count(a) AS total }
		MATCH (a:Actor) WHERE a.workspaceId = $ws AND a.sensitivity IN $levels
		WITH total, a ORDER BY a.name, a.id LIMIT 50 RETURN total, collect(a.id) AS ids`
	firstPage := &workload{
		name: "first page of 50 by name, totalCount", callers: callers,
		graphql: func(c string, i int) gql {
			if c == peer {
				return gql{`query($ws: String!) { actorsConnection(where: {workspaceId: {eq: $ws}}, sort: [{name: ASC}, {id: ASC}], first: 50) { totalCount edges { node { id } } } }`,
					map[string]any{"ws": f.ws}}
			}
			return gql{`query($ws: ID!) { workspace(id: $ws) { actors(first: 50) { totalCount edges { node { id } } } } }`, map[string]any{"ws": f.ws}}
		},
		cypher: func(i int, levels []string) cypher {
			return cypher{pageCypher, map[string]any{"ws": f.ws, "levels": levels}}
		},
		answer: func(c string, d any) string {
			conn := dig(d, "workspace", "actors")
			if c == peer {
				conn = dig(d, "actorsConnection")
			}
			return fmt.Sprint(dig(conn, "totalCount"), " ", strings.Join(strs(dig(conn, "edges"), "node", "id"), ","))
		},
		rawAnswer: func(rows []map[string]any) string {
			if len(rows) == 0 {
				return "0 "
			}
			return fmt.Sprint(rows[0]["total"], " ", strings.Join(strs(rows[0]["ids"]), ","))
		},
	}
	deepPage := &workload{
		name: fmt.Sprintf("page %d of 50 (keyset; the peer's offset)", f.page), callers: callers,
		graphql: func(c string, i int) gql {
			if c == peer {
				return gql{`query($ws: String!, $offset: Int!) { actors(where: {workspaceId: {eq: $ws}}, sort: [{name: ASC}, {id: ASC}], limit: 50, offset: $offset) { id } }`,
					map[string]any{"ws": f.ws, "offset": f.peerOffset}}
			}
			return gql{`query($ws: ID!, $after: String) { workspace(id: $ws) { actors(first: 50, after: $after) { edges { node { id } } } } }`,
				map[string]any{"ws": f.ws, "after": f.after[c]}}
		},
		cypher: func(i int, levels []string) cypher {
			key := f.rawAfter[admin]
			if slices.Equal(levels, analystLevels) {
				key = f.rawAfter[analyst]
			}
			return cypher{`MATCH (a:Actor) WHERE a.workspaceId = $ws AND a.sensitivity IN $levels AND (a.name > $name OR (a.name = $name AND a.id > $id))
				WITH a ORDER BY a.name, a.id LIMIT 50 RETURN collect(a.id) AS ids`,
				map[string]any{"ws": f.ws, "levels": levels, "name": key[0], "id": key[1]}}
		},
		answer: func(c string, d any) string {
			if c == peer {
				return strings.Join(strs(dig(d, "actors"), "id"), ",")
			}
			return strings.Join(strs(dig(d, "workspace", "actors", "edges"), "node", "id"), ",")
		},
		rawAnswer: func(rows []map[string]any) string {
			if len(rows) == 0 {
				return ""
			}
			return strings.Join(strs(rows[0]["ids"]), ",")
		},
	}
	relsFiltered := &workload{
		name: "relationships by type and strength ≥ 0.5, first 50, totalCount", callers: []string{admin, analyst, raw},
		graphql: func(c string, i int) gql {
			return gql{`query($ws: ID!, $t: RelationshipType!) { workspace(id: $ws) { relationships(filter: {types: [$t], minStrength: 0.5}, first: 50) { totalCount edges { node { id } } } } }`,
				map[string]any{"ws": f.ws, "t": pick(domain.RelationshipTypes, i)}}
		},
		cypher: func(i int, levels []string) cypher {
			t := pick(domain.RelationshipTypes, i)
			cond := "r.workspaceId = $ws AND r.strength >= 0.5 AND r.sensitivity IN $levels AND a.sensitivity IN $levels AND b.sensitivity IN $levels"
			return cypher{fmt.Sprintf(`CALL () { MATCH (a:Actor)-[r:%[1]s]->(b:Actor) WHERE %[2]s RETURN count(r) AS total }
				MATCH (a:Actor)-[r:%[1]s]->(b:Actor) WHERE %[2]s WITH total, r ORDER BY r.id LIMIT 50 RETURN total, collect(r.id) AS ids`, t, cond),
				map[string]any{"ws": f.ws, "levels": levels}}
		},
		answer: func(c string, d any) string {
			conn := dig(d, "workspace", "relationships")
			return fmt.Sprint(dig(conn, "totalCount"), " ", strings.Join(strs(dig(conn, "edges"), "node", "id"), ","))
		},
		rawAnswer: firstPage.rawAnswer,
	}
	var peerRels strings.Builder
	for _, fl := range relFields {
		fmt.Fprintf(&peerRels, " %sConnection { edges { properties { id } node { id name } } }", fl)
	}
	nested := &workload{
		name: "50 actors of a region, their relationships out and the other ends (N+1)", callers: callers,
		graphql: func(c string, i int) gql {
			region := pick(f.regions, i)
			if c == peer {
				return gql{`query($ws: String!, $region: String!) { actors(where: {workspaceId: {eq: $ws}, region: {eq: $region}}, sort: [{name: ASC}, {id: ASC}], limit: 50) { id` + peerRels.String() + ` } }`,
					map[string]any{"ws": f.ws, "region": region}}
			}
			return gql{`query($ws: ID!, $region: String!) { workspace(id: $ws) { actors(filter: {region: $region}, first: 50) { edges { node { id relationships(direction: OUT, first: 100) { edges { node { id to { id name } } } } } } } } }`,
				map[string]any{"ws": f.ws, "region": region}}
		},
		cypher: func(i int, levels []string) cypher {
			// name and id named as present, so that Neo4j seeks the
			// (workspaceId, region, name, id) index; without them it read
			// the workspace's every actor (100,000 at 100k) for a region.
			return cypher{`MATCH (a:Actor) WHERE a.workspaceId = $ws AND a.region = $region AND a.name IS NOT NULL AND a.id IS NOT NULL
				AND a.sensitivity IN $levels
				WITH a ORDER BY a.name, a.id LIMIT 50
				OPTIONAL MATCH (a)-[r]->(b:Actor) WHERE r.sensitivity IN $levels AND b.sensitivity IN $levels
				RETURN a.id AS id, collect([r.id, b.id, b.name]) AS rels`,
				map[string]any{"ws": f.ws, "region": pick(f.regions, i), "levels": levels}}
		},
		answer: func(c string, d any) string {
			var out []string
			if c == peer {
				for _, a := range list(dig(d, "actors")) {
					for _, fl := range relFields {
						for _, e := range list(dig(a, fl+"Connection", "edges")) {
							out = append(out, fmt.Sprint(dig(a, "id"), ">", dig(e, "properties", "id"), ">", dig(e, "node", "id"), ">", dig(e, "node", "name")))
						}
					}
					out = append(out, fmt.Sprint(dig(a, "id")))
				}
			} else {
				for _, a := range list(dig(d, "workspace", "actors", "edges")) {
					for _, e := range list(dig(a, "node", "relationships", "edges")) {
						out = append(out, fmt.Sprint(dig(a, "node", "id"), ">", dig(e, "node", "id"), ">", dig(e, "node", "to", "id"), ">", dig(e, "node", "to", "name")))
					}
					out = append(out, fmt.Sprint(dig(a, "node", "id")))
				}
			}
			slices.Sort(out)
			return strings.Join(out, ";")
		},
		rawAnswer: func(rows []map[string]any) string {
			var out []string
			for _, row := range rows {
				for _, x := range list(row["rels"]) {
					t := list(x)
					if t[0] != nil {
						out = append(out, fmt.Sprint(row["id"], ">", t[0], ">", t[1], ">", t[2]))
					}
				}
				out = append(out, fmt.Sprint(row["id"]))
			}
			slices.Sort(out)
			return strings.Join(out, ";")
		},
	}
	subgraph := &workload{
		name: "subgraph of depth 2", callers: []string{admin, analyst, raw},
		graphql: func(c string, i int) gql {
			return gql{`query($ws: ID!, $c: ID!) { workspace(id: $ws) { subgraph(center: $c, depth: 2) { truncated actors { id } relationships { id } } } }`,
				map[string]any{"ws": f.ws, "c": pick(f.publicIDs, i)}}
		},
		cypher: func(i int, levels []string) cypher {
			return cypher{`MATCH (c:Actor {id: $id})
				OPTIONAL MATCH (c)-[r1]-(x:Actor) WHERE r1.sensitivity IN $levels AND x.sensitivity IN $levels
				OPTIONAL MATCH (x)-[r2]-(y:Actor) WHERE r2.sensitivity IN $levels AND y.sensitivity IN $levels
				WITH c, collect(DISTINCT x) + collect(DISTINCT y) AS more
				UNWIND [c] + more AS n WITH collect(DISTINCT n) AS ns
				UNWIND ns AS a OPTIONAL MATCH (a)-[r]->(b:Actor) WHERE b IN ns AND r.sensitivity IN $levels
				RETURN size(ns) AS actors, count(r) AS rels`,
				map[string]any{"id": pick(f.publicIDs, i), "levels": levels}}
		},
		answer: func(c string, d any) string {
			sg := dig(d, "workspace", "subgraph")
			if dig(sg, "truncated") == true {
				return "truncated"
			}
			return fmt.Sprint(len(list(dig(sg, "actors"))), " actors ", len(list(dig(sg, "relationships"))), " relationships")
		},
		rawAnswer: func(rows []map[string]any) string {
			if len(rows) != 1 {
				return fmt.Sprintf("%d rows", len(rows))
			}
			if rows[0]["actors"].(int64) > 500 {
				return "truncated"
			}
			return fmt.Sprint(rows[0]["actors"], " actors ", rows[0]["rels"], " relationships")
		},
	}
	routes := &workload{
		name: "accountabilityRoutes (3 strongest, 4 hops)", callers: []string{admin, analyst},
		graphql: func(c string, i int) gql {
			p := pick(f.routes, i)
			return gql{`query($ws: ID!, $from: ID!, $to: ID!) { workspace(id: $ws) { accountabilityRoutes(from: $from, to: $to, first: 3) { strength hops enforceable } } }`,
				map[string]any{"ws": f.ws, "from": p[0], "to": p[1]}}
		},
	}
	gaps := &workload{
		name: "accountabilityGaps, workspace-wide, first 50", callers: []string{admin, analyst}, maxRequests: 20, cold: true,
		graphql: func(c string, i int) gql {
			return gql{`query($ws: ID!) { workspace(id: $ws) { accountabilityGaps(first: 50) { totalCount edges { node { kind severity } } } } }`,
				map[string]any{"ws": f.ws}}
		},
	}
	create := &workload{
		name: "create one actor", callers: []string{admin, peer, raw}, write: true,
		graphql: func(c string, i int) gql {
			name := fmt.Sprintf("bench write %d", i)
			if c == peer {
				return gql{`mutation($in: [ActorCreateInput!]!) { createActors(input: $in) { actors { id } } }`,
					map[string]any{"in": []any{map[string]any{"id": fmt.Sprintf("peer-%s-%d", f.scratch, i), "workspaceId": f.scratch,
						"kind": "COMMUNITY", "name": name, "region": "", "sensitivity": "PUBLIC"}}}}
			}
			return gql{`mutation($ws: ID!, $name: String!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: $name, sensitivity: PUBLIC}) { id } }`,
				map[string]any{"ws": f.ws, "name": name}}
		},
		cypher: func(i int, levels []string) cypher {
			return cypher{`CREATE (a:Actor) SET a = $props RETURN a.id AS id`, map[string]any{"props": map[string]any{
				"id": fmt.Sprintf("raw-%s-%d", f.scratch, i), "workspaceId": f.scratch, "kind": "COMMUNITY",
				"name": fmt.Sprintf("bench write %d", i), "region": "", "sensitivity": "PUBLIC"}}}
		},
	}
	// The gaps come before the routes, so that their first request is the
	// first to build the workspace's analysis snapshot.
	return []*workload{actorByID, firstPage, deepPage, relsFiltered, nested, subgraph, gaps, routes, create}
}

// dig walks a decoded JSON value by object keys and list indexes.
func dig(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// strs gives the strings at path in every element of a list.
func strs(v any, path ...string) []string {
	var out []string
	for _, x := range list(v) {
		out = append(out, fmt.Sprint(dig(x, path...)))
	}
	return out
}

func (g gql) body() []byte {
	b, err := json.Marshal(g)
	if err != nil {
		panic(err)
	}
	return b
}
