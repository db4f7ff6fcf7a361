// Package domaintest helps tests build domain values: dates from literals
// and the fields of partial updates. Nothing outside tests uses it.
package domaintest

import (
	"reflect"

	"github.com/actorgraph/actorgraph/domain"
)

// Date parses s (YYYY-MM-DD) or panics: for literals in tests.
func Date(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Some is an update field that sets the field to v.
func Some[T any](v T) domain.Opt[T] { return domain.Opt[T]{Set: true, Value: &v} }

// Clear is an update field that clears the field.
func Clear[T any]() domain.Opt[T] { return domain.Opt[T]{Set: true} }

// Undone reports whether after holds what before held, record for record,
// at a later version: what an import that was undone leaves (the content
// as it was; the version moved on, since versions only grow).
func Undone(before, after *domain.Contents) bool {
	if before == nil || after == nil {
		return before == after
	}
	b, a := *before, *after
	b.Version, a.Version = 0, 0
	return reflect.DeepEqual(b, a) && after.Version > before.Version
}
