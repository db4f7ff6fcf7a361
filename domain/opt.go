package domain

// Opt is one field of a partial update: Set says whether the client named
// the field at all; when it did, a nil Value clears the field.
type Opt[T any] struct {
	Set   bool
	Value *T
}

// apply writes the update into dst when the field was named.
func (o Opt[T]) apply(dst **T) {
	if o.Set {
		*dst = o.Value
	}
}

// applyValue writes into a non-optional field; clearing it is reported by
// returning false so the caller can say which field may not be cleared.
func (o Opt[T]) applyValue(dst *T) bool {
	if !o.Set {
		return true
	}
	if o.Value == nil {
		return false
	}
	*dst = *o.Value
	return true
}
