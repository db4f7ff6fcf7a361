// Package demo loads the demo map: Kessara District, a fictional district
// written for this project (demo.json), with accountability gaps, routes, a
// broker, a do-no-harm case and a lost route, so that a new user has
// something real to query a minute after the run command.
package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/actorgraph/actorgraph/domain"
)

//go:embed demo.json
var demoJSON []byte

// Map is the demo file's shape. Keys become external ids.
type Map struct {
	Workspace struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"workspace"`
	Sources []struct {
		Key         string              `json:"key"`
		Title       string              `json:"title"`
		Kind        domain.SourceKind   `json:"kind"`
		URL         *string             `json:"url"`
		PublishedOn *domain.Date        `json:"publishedOn"`
		Reliability *float64            `json:"reliability"`
		Sensitivity *domain.Sensitivity `json:"sensitivity"`
	} `json:"sources"`
	Actors []struct {
		Key         string              `json:"key"`
		Kind        domain.ActorKind    `json:"kind"`
		Name        string              `json:"name"`
		Description *string             `json:"description"`
		Region      *string             `json:"region"`
		Tags        []string            `json:"tags"`
		Frameworks  []domain.Framework  `json:"frameworks"`
		Sources     []string            `json:"sources"`
		Sensitivity *domain.Sensitivity `json:"sensitivity"`
		domain.ActorAttributesJSON
	} `json:"actors"`
	Relationships []struct {
		Key         string                  `json:"key"`
		Type        domain.RelationshipType `json:"type"`
		From        string                  `json:"from"`
		To          string                  `json:"to"`
		Strength    float64                 `json:"strength"`
		Confidence  *float64                `json:"confidence"`
		PerceivedBy *string                 `json:"perceivedBy"`
		Mechanism   *domain.Mechanism       `json:"mechanism"`
		Channel     *domain.Channel         `json:"channel"`
		Power       *domain.Power           `json:"power"`
		Form        *domain.Form            `json:"form"`
		ValidFrom   *domain.Date            `json:"validFrom"`
		ValidTo     *domain.Date            `json:"validTo"`
		Notes       *string                 `json:"notes"`
		Frameworks  []domain.Framework      `json:"frameworks"`
		Sources     []string                `json:"sources"`
		Sensitivity *domain.Sensitivity     `json:"sensitivity"`
	} `json:"relationships"`
}

// Parse reads the embedded demo map.
func Parse() (*Map, error) { return parse(demoJSON) }

// parse reads a demo map document.
func parse(doc []byte) (*Map, error) {
	var m Map
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, fmt.Errorf("demo.json: %w", err)
	}
	return &m, nil
}

// Writer is what loading the demo map needs of the store.
type Writer interface {
	Workspaces(ctx context.Context) ([]*domain.Workspace, error)
	CreateWorkspace(ctx context.Context, in domain.WorkspaceInput) (*domain.Workspace, error)
	DeleteWorkspace(ctx context.Context, id string) (*domain.DeleteResult, error)
	CreateSource(ctx context.Context, workspaceID string, in domain.SourceInput) (*domain.Source, error)
	CreateActor(ctx context.Context, workspaceID string, in domain.ActorInput) (*domain.Actor, error)
	CreateRelationship(ctx context.Context, in domain.RelationshipInput) (*domain.Relationship, error)
}

// LoadIfEmpty loads the demo map when the database holds no workspace at
// all, and does nothing otherwise (it returns nil then).
func LoadIfEmpty(ctx context.Context, st Writer) (*domain.Workspace, error) {
	existing, err := st.Workspaces(ctx)
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, nil
	}
	return Load(ctx, st)
}

// Load creates a new workspace holding the demo map, through the store's
// ordinary validated writes. If any write fails, the half-loaded workspace
// is deleted again, so the demo is either there whole or not at all.
func Load(ctx context.Context, st Writer) (*domain.Workspace, error) {
	m, err := Parse()
	if err != nil {
		return nil, err
	}
	return load(ctx, st, m)
}

// load writes map m into a new workspace, as Load says.
func load(ctx context.Context, st Writer, m *Map) (ws *domain.Workspace, err error) {
	ws, err = st.CreateWorkspace(ctx, domain.WorkspaceInput{Name: m.Workspace.Name, Description: &m.Workspace.Description})
	if err != nil {
		return nil, err
	}
	id := ws.ID // a failed write returns a nil ws, before this runs
	defer func() {
		if err != nil {
			_, _ = st.DeleteWorkspace(context.WithoutCancel(ctx), id)
			ws = nil
		}
	}()
	sourceIDs := map[string]string{}
	for _, s := range m.Sources {
		key := s.Key
		src, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: s.Title, Kind: s.Kind, ExternalID: &key,
			URL: s.URL, PublishedOn: s.PublishedOn, Reliability: s.Reliability, Sensitivity: s.Sensitivity})
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", s.Key, err)
		}
		sourceIDs[s.Key] = src.ID
	}
	ids := func(keys []string) ([]string, error) {
		out := make([]string, len(keys))
		for i, k := range keys {
			id, ok := sourceIDs[k]
			if !ok {
				return nil, fmt.Errorf("unknown source %q", k)
			}
			out[i] = id
		}
		return out, nil
	}
	actorIDs := map[string]string{}
	for _, a := range m.Actors {
		srcs, err := ids(a.Sources)
		if err != nil {
			return nil, fmt.Errorf("actor %s: %w", a.Key, err)
		}
		key := a.Key
		created, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: a.Kind, Name: a.Name, Description: a.Description,
			Region: a.Region, Tags: a.Tags, Frameworks: a.Frameworks, ExternalID: &key, SourceIDs: srcs, Sensitivity: a.Sensitivity, ActorAttributes: a.ActorAttributesJSON.Attributes()})
		if err != nil {
			return nil, fmt.Errorf("actor %s: %w", a.Key, err)
		}
		actorIDs[a.Key] = created.ID
	}
	for _, r := range m.Relationships {
		srcs, err := ids(r.Sources)
		if err != nil {
			return nil, fmt.Errorf("relationship %s: %w", r.Key, err)
		}
		key := r.Key
		_, err = st.CreateRelationship(ctx, domain.RelationshipInput{Type: r.Type, From: actorIDs[r.From], To: actorIDs[r.To],
			Strength: r.Strength, Confidence: r.Confidence, ExternalID: &key, PerceivedBy: r.PerceivedBy,
			Mechanism: r.Mechanism, Channel: r.Channel, Power: r.Power, Form: r.Form, ValidFrom: r.ValidFrom,
			ValidTo: r.ValidTo, Notes: r.Notes, Frameworks: r.Frameworks, SourceIDs: srcs, Sensitivity: r.Sensitivity})
		if err != nil {
			return nil, fmt.Errorf("relationship %s: %w", r.Key, err)
		}
	}
	return ws, nil
}
