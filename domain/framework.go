package domain

import (
	"github.com/actorgraph/actorgraph/errs"
)

// NormalizeFrameworks checks that every value is a Framework, drops repeats
// and returns the values in the canonical order of Frameworks (the schema's
// order), so that a list reads the same however it was written. An empty
// result is nil.
func NormalizeFrameworks(op, field string, in []Framework) ([]Framework, error) {
	if len(in) == 0 {
		return nil, nil
	}
	have := make(map[Framework]bool, len(in))
	for _, f := range in {
		if !f.IsValid() {
			return nil, errs.Invalidf(op, field, "%q is not a framework (allowed: %s)", f, joinEnum(Frameworks))
		}
		have[f] = true
	}
	out := make([]Framework, 0, len(have))
	for _, f := range Frameworks {
		if have[f] {
			out = append(out, f)
		}
	}
	return out, nil
}
