package resolvers

import (
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/graph/model"
)

// customAttributes lists a record's custom attributes as the API shows
// them: sorted by key, each value as text with its type.
func customAttributes(c domain.Custom) []*model.CustomAttribute {
	out := make([]*model.CustomAttribute, 0, len(c))
	for _, k := range c.Keys() {
		v := c[k]
		out = append(out, &model.CustomAttribute{Key: k, Value: v.String(), Type: model.CustomAttributeType(v.Kind)})
	}
	return out
}

// layoutOf is an actor's layout as the API shows it: null when nothing
// of it is saved.
func layoutOf(l domain.Layout) *domain.Layout {
	if l.IsZero() {
		return nil
	}
	return &l
}

// readCustom reads custom attributes given to the API, each value parsed
// as its type (STRING when none is given). An error is Invalid and names
// the key, so that a client sending many attributes knows which is wrong;
// the remaining rules (limits, keys) are the domain's, on validation.
func readCustom(op string, in []*model.CustomAttributeInput) (domain.Custom, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(domain.Custom, len(in))
	for _, a := range in {
		kind := domain.CustomString
		if a.Type != nil {
			kind = domain.CustomKind(*a.Type)
		}
		v, err := domain.ParseCustomValue(kind, a.Value)
		if err != nil {
			msg, _ := errs.Public(err)
			return nil, &errs.Error{Op: op, Kind: errs.Invalid, Field: "customAttributes",
				Msg: fmt.Sprintf("custom attribute %q: %s", strings.TrimSpace(a.Key), msg), Err: err}
		}
		key := strings.TrimSpace(a.Key)
		if _, dup := out[key]; dup {
			return nil, errs.Invalidf(op, "customAttributes", "custom attribute %q is given twice", key)
		}
		out[key] = v
	}
	return out, nil
}

// optCustom is an update's custom attributes: absent keeps them, null or
// an empty list removes them all, a list replaces them.
func optCustom(op string, o graphql.Omittable[[]*model.CustomAttributeInput]) (domain.Opt[domain.Custom], error) {
	in, set := o.ValueOK()
	if !set {
		return domain.Opt[domain.Custom]{}, nil
	}
	c, err := readCustom(op, in)
	if err != nil || c == nil {
		return domain.Opt[domain.Custom]{Set: true}, err
	}
	return domain.Opt[domain.Custom]{Set: true, Value: &c}, nil
}
