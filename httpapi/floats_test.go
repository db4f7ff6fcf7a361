package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
)

// The schema as introspection gives it, and how the Float test builds
// one operation per Float it finds.

type typeRef struct {
	Kind   string
	Name   string
	OfType *typeRef
}

func (r typeRef) named() typeRef {
	for r.OfType != nil {
		r = *r.OfType
	}
	return r
}

// String is the type as a variable declares it.
func (r typeRef) String() string {
	switch r.Kind {
	case "NON_NULL":
		return r.OfType.String() + "!"
	case "LIST":
		return "[" + r.OfType.String() + "]"
	}
	return r.Name
}

type inputValue struct {
	Name         string
	Type         typeRef
	DefaultValue *string
}

func (v inputValue) required() bool { return v.Type.Kind == "NON_NULL" && v.DefaultValue == nil }

type schemaType struct {
	Kind   string
	Name   string
	Fields []struct {
		Name string
		Args []inputValue
		Type typeRef
	}
	InputFields []inputValue
	EnumValues  []struct{ Name string }
}

type introspected struct {
	QueryType, MutationType struct{ Name string }
	Types                   []schemaType
}

const introspectionQuery = `{ __schema { queryType { name } mutationType { name } types { kind name
  fields { name args { name defaultValue type { ...T } } type { ...T } }
  inputFields { name defaultValue type { ...T } } enumValues { name } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`

func introspect(t *testing.T, a *apitest.API) *introspected {
	t.Helper()
	var out struct {
		Schema introspected `json:"__schema"`
	}
	a.OK(introspectionQuery, nil, &out)
	return &out.Schema
}

func (s *introspected) typ(name string) *schemaType {
	for i := range s.Types {
		if s.Types[i].Name == name {
			return &s.Types[i]
		}
	}
	return nil
}

// floatTarget is one Float the API reads: an argument of a field, or an
// input field within it (path, from the argument down).
type floatTarget struct {
	typ, field, arg string
	path            []string
}

func (f floatTarget) String() string {
	return fmt.Sprintf("%s.%s(%s)", f.typ, f.field, strings.Join(append([]string{f.arg}, f.path...), "."))
}

func (s *introspected) floatTargets() []floatTarget {
	var out []floatTarget
	for _, t := range s.Types {
		if t.Kind != "OBJECT" || strings.HasPrefix(t.Name, "__") {
			continue
		}
		for _, f := range t.Fields {
			for _, a := range f.Args {
				for _, p := range s.floatPaths(a.Type, map[string]bool{}) {
					out = append(out, floatTarget{t.Name, f.Name, a.Name, p})
				}
			}
		}
	}
	return out
}

// floatPaths are the paths to the Floats within a value of type r.
func (s *introspected) floatPaths(r typeRef, seen map[string]bool) [][]string {
	n := r.named()
	if n.Name == "Float" {
		return [][]string{nil}
	}
	if n.Kind != "INPUT_OBJECT" || seen[n.Name] {
		return nil
	}
	seen[n.Name] = true
	defer delete(seen, n.Name)
	var out [][]string
	for _, f := range s.typ(n.Name).InputFields {
		for _, p := range s.floatPaths(f.Type, seen) {
			out = append(out, append([]string{f.Name}, p...))
		}
	}
	return out
}

// operation is a request that sends bad as target's Float, every other
// required argument a valid placeholder.
func (s *introspected) operation(t *testing.T, target floatTarget, ws, bad string) (string, map[string]any) {
	t.Helper()
	obj := s.typ(target.typ)
	var call string
	for _, f := range obj.Fields {
		if f.Name != target.field {
			continue
		}
		args := []string{}
		var argType typeRef
		for _, a := range f.Args {
			switch {
			case a.Name == target.arg:
				args = append(args, a.Name+": $v")
				argType = a.Type
			case a.required():
				args = append(args, a.Name+": "+s.literal(a.Type, ws))
			}
		}
		call = f.Name + "(" + strings.Join(args, ", ") + ")"
		if k := s.typ(f.Type.named().Name).Kind; k == "OBJECT" || k == "INTERFACE" || k == "UNION" {
			call += " { __typename }"
		}
		value := s.valueAt(argType, target.path, bad, ws)
		decl := "($v: " + argType.String() + ")"
		switch target.typ {
		case s.QueryType.Name:
			return "query" + decl + " { " + call + " }", map[string]any{"v": value}
		case s.MutationType.Name:
			return "mutation" + decl + " { " + call + " }", map[string]any{"v": value}
		case "Workspace":
			return fmt.Sprintf("query%s { workspace(id: %q) { %s } }", decl, ws, call), map[string]any{"v": value}
		}
		t.Fatalf("%s: a Float argument on %s, which the test cannot reach yet: teach operation how", target, target.typ)
	}
	t.Fatalf("%s: no such field", target)
	return "", nil
}

// valueAt is a valid value of type r with bad at path.
func (s *introspected) valueAt(r typeRef, path []string, bad, ws string) any {
	if r.Kind == "NON_NULL" {
		return s.valueAt(*r.OfType, path, bad, ws)
	}
	if r.Kind == "LIST" {
		return []any{s.valueAt(*r.OfType, path, bad, ws)}
	}
	if len(path) == 0 {
		return bad
	}
	obj := map[string]any{}
	for _, f := range s.typ(r.Name).InputFields {
		switch {
		case f.Name == path[0]:
			obj[f.Name] = s.valueAt(f.Type, path[1:], bad, ws)
		case f.required():
			obj[f.Name] = s.placeholder(f.Type, ws)
		}
	}
	return obj
}

// placeholder is a valid JSON value of type r.
func (s *introspected) placeholder(r typeRef, ws string) any {
	switch r.Kind {
	case "NON_NULL":
		return s.placeholder(*r.OfType, ws)
	case "LIST":
		return []any{}
	case "ENUM":
		return s.typ(r.Name).EnumValues[0].Name
	case "INPUT_OBJECT":
		obj := map[string]any{}
		for _, f := range s.typ(r.Name).InputFields {
			if f.required() {
				obj[f.Name] = s.placeholder(f.Type, ws)
			}
		}
		return obj
	}
	switch r.Name {
	case "Int":
		return 1
	case "Float":
		return 0.5
	case "Boolean":
		return false
	case "Date":
		return "2024-01-01"
	case "Time":
		return "2024-01-01T00:00:00Z"
	case "ID":
		return ws
	}
	return "x"
}

// literal is placeholder written as GraphQL.
func (s *introspected) literal(r typeRef, ws string) string {
	return gqlLiteral(s.placeholder(r, ws), s.isEnum(r))
}

func (s *introspected) isEnum(r typeRef) bool { return s.typ(r.named().Name).Kind == "ENUM" }

func gqlLiteral(v any, enum bool) string {
	switch x := v.(type) {
	case string:
		if enum {
			return x
		}
		return fmt.Sprintf("%q", x)
	case []any:
		return "[]"
	case map[string]any:
		// Input objects with enum fields would need their types here; the
		// required arguments the test meets are scalars and enums.
		parts := []string{}
		for k, e := range x {
			parts = append(parts, k+": "+gqlLiteral(e, false))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}
