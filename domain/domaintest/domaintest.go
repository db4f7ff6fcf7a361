// Package domaintest helps tests build domain values: dates from literals
// and the fields of partial updates. Nothing outside tests uses it.
package domaintest

import "github.com/actorgraph/actorgraph/domain"

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
