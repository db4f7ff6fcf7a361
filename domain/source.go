package domain

import (
	"time"

	"github.com/actorgraph/actorgraph/errs"
)

// Source is a piece of evidence that actors and relationships cite.
type Source struct {
	ID          string
	WorkspaceID string
	ExternalID  *string
	Title       string
	Kind        SourceKind
	URL         *string
	PublishedOn *Date
	Reliability *float64
	Sensitivity Sensitivity
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// NodeID makes a source a Relay node.
func (s *Source) NodeID() string { return s.ID }

// Validate normalises s and checks every rule of the model.
func (s *Source) Validate() error {
	const op = "validate source"
	var err error
	if s.Title, err = normalizeText(op, "title", s.Title, MaxNameLen*5); err != nil {
		return err
	}
	if s.Title == "" {
		return errs.Invalidf(op, "title", "title must not be empty")
	}
	if !s.Kind.IsValid() {
		return errs.Invalidf(op, "kind", "%q is not a source kind (allowed: %s)", s.Kind, joinEnum(SourceKinds))
	}
	if s.ExternalID, err = normalizeOptText(op, "externalId", s.ExternalID, MaxNameLen); err != nil {
		return err
	}
	if s.URL, err = normalizeOptText(op, "url", s.URL, 2000); err != nil {
		return err
	}
	if s.Sensitivity, err = normalizeSensitivity(op, s.Sensitivity); err != nil {
		return err
	}
	if s.Reliability != nil {
		if err := checkUnit(op, "reliability", *s.Reliability); err != nil {
			return err
		}
	}
	return nil
}

// SourceInput is what createSource takes.
type SourceInput struct {
	Title       string
	Kind        SourceKind
	ExternalID  *string
	URL         *string
	PublishedOn *Date
	Reliability *float64
	Sensitivity *Sensitivity
}

// NewSource builds an unsaved source from input and validates it.
func NewSource(workspaceID string, in SourceInput) (*Source, error) {
	s := &Source{WorkspaceID: workspaceID, Title: in.Title, Kind: in.Kind, ExternalID: in.ExternalID,
		URL: in.URL, PublishedOn: in.PublishedOn, Reliability: in.Reliability, Sensitivity: deref(in.Sensitivity)}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// SourcePatch is what updateSource takes.
type SourcePatch struct {
	Title       Opt[string]
	Kind        Opt[SourceKind]
	ExternalID  Opt[string]
	URL         Opt[string]
	PublishedOn Opt[Date]
	Reliability Opt[float64]
	Sensitivity Opt[Sensitivity]
}

// Apply returns a copy of s with the patch applied and validated.
func (p SourcePatch) Apply(s Source) (*Source, error) {
	const op = "update source"
	if !p.Title.applyValue(&s.Title) {
		return nil, errs.Invalidf(op, "title", "title cannot be cleared")
	}
	if !p.Kind.applyValue(&s.Kind) {
		return nil, errs.Invalidf(op, "kind", "kind cannot be cleared")
	}
	p.ExternalID.apply(&s.ExternalID)
	p.URL.apply(&s.URL)
	p.PublishedOn.apply(&s.PublishedOn)
	p.Reliability.apply(&s.Reliability)
	applySensitivity(p.Sensitivity, &s.Sensitivity)
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Workspace is one actor map (a study, a district). Everything belongs to
// exactly one workspace and nothing crosses between them.
type Workspace struct {
	ID          string
	Name        string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// NodeID makes a workspace a Relay node.
func (w *Workspace) NodeID() string { return w.ID }

// Validate normalises w and checks every rule of the model.
func (w *Workspace) Validate() error {
	const op = "validate workspace"
	var err error
	if w.Name, err = normalizeText(op, "name", w.Name, MaxNameLen); err != nil {
		return err
	}
	if w.Name == "" {
		return errs.Invalidf(op, "name", "name must not be empty")
	}
	w.Description, err = normalizeText(op, "description", w.Description, MaxTextLen)
	return err
}

// WorkspaceInput is what createWorkspace takes.
type WorkspaceInput struct {
	Name        string
	Description *string
}

// WorkspacePatch is what updateWorkspace takes.
type WorkspacePatch struct {
	Name        Opt[string]
	Description Opt[string]
}

// Apply returns a copy of w with the patch applied and validated.
func (p WorkspacePatch) Apply(w Workspace) (*Workspace, error) {
	if !p.Name.applyValue(&w.Name) {
		return nil, errs.Invalidf("update workspace", "name", "name cannot be cleared")
	}
	applyText(p.Description, &w.Description)
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return &w, nil
}
