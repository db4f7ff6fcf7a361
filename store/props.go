package store

import (
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
)

// relTypes is the fixed list of relationship types; per-type Cypher is
// built from it and nothing else.
var relTypes = domain.RelationshipTypes

// Conversions between domain types and Neo4j property maps. Absent
// optional fields are written as null, which Neo4j does not store.

func optEnum[T ~string](p *T) any {
	if p == nil {
		return nil
	}
	return string(*p)
}

func optDate(d *domain.Date) any {
	if d == nil || d.IsZero() {
		return nil
	}
	return neo4j.DateOf(d.Time())
}

func optVal[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func strList(in []string) []string {
	if in == nil {
		return []string{}
	}
	return in
}

// frameworkList is a list of frameworks as Neo4j stores it: a list of
// strings, empty (never null) when there are none, so that the filters can
// test it.
func frameworkList(in []domain.Framework) []string {
	out := make([]string, len(in))
	for i, f := range in {
		out[i] = string(f)
	}
	return out
}

// frameworks reads a stored list of frameworks (nil when empty or absent).
func (p props) frameworks(k string) []domain.Framework { return frameworksOf(p[k]) }

// frameworksOf is a stored list of frameworks' value as frameworks.
func frameworksOf(v any) []domain.Framework {
	var out []domain.Framework
	for _, s := range strsOf(v) {
		out = append(out, domain.Framework(s))
	}
	return out
}

func actorProps(a *domain.Actor) map[string]any {
	at := a.ActorAttributes
	m := map[string]any{
		"id": a.ID, "workspaceId": a.WorkspaceID, "kind": string(a.Kind), "name": a.Name,
		"description": a.Description, "region": a.Region, "tags": strList(a.Tags),
		"frameworks": frameworkList(a.Frameworks),
		"externalId": optVal(a.ExternalID), "sourceIds": strList(a.SourceIDs),
		"sensitivity": string(a.Sensitivity), "createdAt": a.CreatedAt, "updatedAt": a.UpdatedAt,
		"population": optVal(at.Population), "rightsAwareness": optVal(at.RightsAwareness),
		"marginalised": optVal(at.Marginalised), "displaced": optVal(at.Displaced),
		"unregistered": optVal(at.Unregistered), "level": optEnum(at.Level), "branch": optEnum(at.Branch),
		"forceType": optEnum(at.ForceType), "stateAffiliated": optVal(at.StateAffiliated),
		"focus": optVal(at.Focus), "womenLed": optVal(at.WomenLed), "membership": optVal(at.Membership),
		"organizationType": optEnum(at.OrganizationType), "authorityType": optEnum(at.AuthorityType),
		"internationalType": optEnum(at.InternationalType),
	}
	addLayoutProps(m, a.Layout)
	addCustomProps(m, a.Custom)
	return m
}

func relationshipProps(r *domain.Relationship) map[string]any {
	m := map[string]any{
		"id": r.ID, "workspaceId": r.WorkspaceID, "externalId": optVal(r.ExternalID),
		"strength": r.Strength, "confidence": r.Confidence, "perceivedBy": optVal(r.PerceivedBy),
		"mechanism": optEnum(r.Mechanism), "channel": optEnum(r.Channel), "power": optEnum(r.Power),
		"form": optEnum(r.Form), "validFrom": optDate(r.ValidFrom), "validTo": optDate(r.ValidTo),
		"notes": r.Notes, "sourceIds": strList(r.SourceIDs), "frameworks": frameworkList(r.Frameworks), "sensitivity": string(r.Sensitivity), "createdAt": r.CreatedAt, "updatedAt": r.UpdatedAt,
	}
	addCustomProps(m, r.Custom)
	return m
}

// Custom attributes are stored one Neo4j property each, named by the
// attribute's key under customPrefix, so that no key can clash with the
// model's own properties, and a list can test an attribute without
// reading a whole map. Their values keep their type (string, float,
// boolean, date), so that they compare as their type. The names reach
// Neo4j only inside parameter maps (SET x = $props, x[$key]), never in a
// statement's text, so a key may hold any character. Every write sets a
// record's properties whole (SET x = $props), so an attribute the record
// no longer has is removed with the rest.
const customPrefix = "custom."

// customProp is the property that holds custom attribute key.
func customProp(key string) string { return customPrefix + key }

func addCustomProps(m map[string]any, c domain.Custom) {
	for k, v := range c {
		m[customProp(k)] = customValueProp(v)
	}
}

// customValueProp is a custom value as Neo4j stores it.
func customValueProp(v domain.CustomValue) any {
	if v.Kind == domain.CustomDate {
		return neo4j.DateOf(v.Date.Time())
	}
	return v.Any()
}

// decodeCustom reads the custom attributes among a record's properties
// (nil when it has none).
func decodeCustom(p props) domain.Custom {
	var c domain.Custom
	for name, raw := range p {
		key, ok := strings.CutPrefix(name, customPrefix)
		if !ok {
			continue
		}
		v, ok := customValueOf(raw)
		if !ok {
			continue
		}
		if c == nil {
			c = domain.Custom{}
		}
		c[key] = v
	}
	return c
}

// customValueOf reads a stored custom value by its Neo4j type.
func customValueOf(raw any) (domain.CustomValue, bool) {
	switch v := raw.(type) {
	case string:
		return domain.TextValue(v), true
	case float64:
		return domain.NumberValue(v), true
	case int64:
		return domain.NumberValue(float64(v)), true
	case bool:
		return domain.BoolValue(v), true
	case neo4j.Date:
		return domain.DateValue(domain.DateOf(v.Time())), true
	}
	return domain.CustomValue{}, false
}

// An actor's layout is stored as five optional properties; absent parts
// are null, which Neo4j does not store.
func addLayoutProps(m map[string]any, l domain.Layout) {
	m["layoutX"], m["layoutY"], m["layoutZ"] = optVal(l.X), optVal(l.Y), optVal(l.Z)
	m["layoutSize"], m["layoutColor"] = optVal(l.Size), optVal(l.Color)
}

func decodeLayout(p props) domain.Layout {
	return domain.Layout{X: p.optFloat("layoutX"), Y: p.optFloat("layoutY"), Z: p.optFloat("layoutZ"),
		Size: p.optFloat("layoutSize"), Color: p.optStr("layoutColor")}
}

func sourceProps(s *domain.Source) map[string]any {
	return map[string]any{
		"id": s.ID, "workspaceId": s.WorkspaceID, "externalId": optVal(s.ExternalID), "title": s.Title,
		"kind": string(s.Kind), "url": optVal(s.URL), "publishedOn": optDate(s.PublishedOn),
		"reliability": optVal(s.Reliability), "sensitivity": string(s.Sensitivity), "createdAt": s.CreatedAt, "updatedAt": s.UpdatedAt,
	}
}

func workspaceProps(w *domain.Workspace) map[string]any {
	return map[string]any{"id": w.ID, "name": w.Name, "description": w.Description,
		"createdAt": w.CreatedAt, "updatedAt": w.UpdatedAt}
}

// props reads a property map with typed accessors that tolerate absent
// values. The accessors of one value (strOf, floatOf, ...) read the
// values of rows that are lists rather than maps.
type props map[string]any

func (p props) str(k string) string { return strOf(p[k]) }

func strOf(v any) string {
	s, _ := v.(string)
	return s
}

func (p props) optStr(k string) *string {
	if s, ok := p[k].(string); ok {
		return &s
	}
	return nil
}

func (p props) float(k string) float64 { return floatOf(p[k]) }

func floatOf(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	}
	return 0
}

func (p props) optFloat(k string) *float64 {
	if _, ok := p[k]; !ok || p[k] == nil {
		return nil
	}
	f := p.float(k)
	return &f
}

func (p props) optInt(k string) *int {
	if v, ok := p[k].(int64); ok {
		i := int(v)
		return &i
	}
	return nil
}

func (p props) optBool(k string) *bool {
	if v, ok := p[k].(bool); ok {
		return &v
	}
	return nil
}

func (p props) strs(k string) []string { return strsOf(p[k]) }

func strsOf(v any) []string {
	raw, _ := v.([]any)
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (p props) time(k string) time.Time {
	t, _ := p[k].(time.Time)
	return t.UTC()
}

func (p props) optDate(k string) *domain.Date { return optDateOf(p[k]) }

func optDateOf(v any) *domain.Date {
	if d, ok := v.(neo4j.Date); ok {
		v := domain.DateOf(d.Time())
		return &v
	}
	return nil
}

func optEnumOf[T ~string](p props, k string) *T {
	if s, ok := p[k].(string); ok {
		v := T(s)
		return &v
	}
	return nil
}

func decodeActor(p props) *domain.Actor {
	return &domain.Actor{
		ID: p.str("id"), WorkspaceID: p.str("workspaceId"), Kind: domain.ActorKind(p.str("kind")),
		Name: p.str("name"), Description: p.str("description"), Region: p.str("region"),
		Tags: p.strs("tags"), Frameworks: p.frameworks("frameworks"), ExternalID: p.optStr("externalId"), SourceIDs: p.strs("sourceIds"),
		Sensitivity: domain.Sensitivity(p.str("sensitivity")),
		CreatedAt:   p.time("createdAt"), UpdatedAt: p.time("updatedAt"),
		ActorAttributes: domain.ActorAttributes{
			Population: p.optInt("population"), RightsAwareness: p.optFloat("rightsAwareness"),
			Marginalised: p.optBool("marginalised"), Displaced: p.optBool("displaced"),
			Unregistered: p.optBool("unregistered"),
			Level:        optEnumOf[domain.GovernanceLevel](p, "level"),
			Branch:       optEnumOf[domain.Branch](p, "branch"),
			ForceType:    optEnumOf[domain.ForceType](p, "forceType"), StateAffiliated: p.optBool("stateAffiliated"),
			Focus: p.optStr("focus"), WomenLed: p.optBool("womenLed"), Membership: p.optInt("membership"),
			OrganizationType:  optEnumOf[domain.OrganizationType](p, "organizationType"),
			AuthorityType:     optEnumOf[domain.AuthorityType](p, "authorityType"),
			InternationalType: optEnumOf[domain.InternationalType](p, "internationalType"),
		},
		Custom: decodeCustom(p), Layout: decodeLayout(p),
	}
}

// decodeRelationship reads a relationship row: its properties, its type and
// the ids of its two ends.
func decodeRelationship(p props, typ, from, to string) *domain.Relationship {
	return &domain.Relationship{
		ID: p.str("id"), WorkspaceID: p.str("workspaceId"), ExternalID: p.optStr("externalId"),
		Type: domain.RelationshipType(typ), FromID: from, ToID: to,
		Strength: p.float("strength"), Confidence: p.float("confidence"), PerceivedBy: p.optStr("perceivedBy"),
		Mechanism: optEnumOf[domain.Mechanism](p, "mechanism"), Channel: optEnumOf[domain.Channel](p, "channel"),
		Power: optEnumOf[domain.Power](p, "power"), Form: optEnumOf[domain.Form](p, "form"),
		ValidFrom: p.optDate("validFrom"), ValidTo: p.optDate("validTo"), Notes: p.str("notes"),
		SourceIDs: p.strs("sourceIds"), Frameworks: p.frameworks("frameworks"), Sensitivity: domain.Sensitivity(p.str("sensitivity")),
		CreatedAt: p.time("createdAt"), UpdatedAt: p.time("updatedAt"), Custom: decodeCustom(p),
	}
}

func decodeSource(p props) *domain.Source {
	return &domain.Source{
		ID: p.str("id"), WorkspaceID: p.str("workspaceId"), ExternalID: p.optStr("externalId"),
		Title: p.str("title"), Kind: domain.SourceKind(p.str("kind")), URL: p.optStr("url"),
		PublishedOn: p.optDate("publishedOn"), Reliability: p.optFloat("reliability"),
		Sensitivity: domain.Sensitivity(p.str("sensitivity")),
		CreatedAt:   p.time("createdAt"), UpdatedAt: p.time("updatedAt"),
	}
}

func decodeWorkspace(p props) *domain.Workspace {
	return &domain.Workspace{ID: p.str("id"), Name: p.str("name"), Description: p.str("description"),
		CreatedAt: p.time("createdAt"), UpdatedAt: p.time("updatedAt")}
}

// nodeProps returns the properties of the node in column k of rec.
func nodeProps(rec *neo4j.Record, k string) props {
	v, _ := rec.Get(k)
	if n, ok := v.(neo4j.Node); ok {
		return n.Props
	}
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return props{}
}

// value returns column k of rec as T (its zero value when absent or of another type).
func value[T any](rec *neo4j.Record, k string) T {
	v, _ := rec.Get(k)
	t, _ := v.(T)
	return t
}

// now is the store's clock, truncated to microseconds so that what is
// written equals what is read back.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
