package store

import (
	"fmt"

	"github.com/actorgraph/actorgraph/domain"
)

// customFilterCond is the condition of a list's filter on the custom
// attributes of x (an actor or a relationship), in the same one text
// for every filter as the rest of the list's condition: $q.custom is null
// when the filter has none, else a list of {prop, values}, every one of
// which must hold: x has the property prop, and when values is not null,
// the property equals one of them. The property's name reaches Neo4j as a
// value (x[c.prop]), never in the statement's text.
func customFilterCond(x string) string {
	return fmt.Sprintf(`($q.custom IS NULL OR all(c IN $q.custom WHERE %[1]s[c.prop] IS NOT NULL
    AND (c.values IS NULL OR %[1]s[c.prop] IN c.values)))`, x)
}

// customFilterParam is $q.custom for filters (already checked): each
// filter's property, and with a value, every typed value it reads as
// (domain.Readings), so that "12.0" finds the number 12 and "TRUE" the
// truth value true, while a text attribute must equal the text itself.
func customFilterParam(fs []domain.CustomFilter) any {
	if len(fs) == 0 {
		return nil // null: the filter does not test this
	}
	out := make([]map[string]any, len(fs))
	for i, f := range fs {
		var values any
		if f.Value != nil {
			readings := domain.Readings(*f.Value)
			vs := make([]any, len(readings))
			for j, v := range readings {
				vs[j] = customValueProp(v)
			}
			values = vs
		}
		out[i] = map[string]any{"prop": customProp(f.Key), "values": values}
	}
	return out
}
