package domain

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/actorgraph/actorgraph/errs"
)

// Custom attributes are what a researcher's file says about an actor or a
// relationship beyond the model's own fields: a study's variables, Kumu's
// custom fields, a GEXF attribute. They are kept, not refused, so that a
// map comes back out of the service as it went in; the analyses never read
// them.

// Limits on custom attributes, so that one record cannot carry a table.
const (
	MaxCustomAttributes = 100
	MaxCustomKeyLen     = 100
)

// CustomKind is the type of a custom attribute's value.
type CustomKind string

const (
	CustomString  CustomKind = "STRING"
	CustomNumber  CustomKind = "NUMBER"
	CustomBoolean CustomKind = "BOOLEAN"
	CustomDate    CustomKind = "DATE"
)

// CustomKinds are every kind of custom value.
var CustomKinds = []CustomKind{CustomString, CustomNumber, CustomBoolean, CustomDate}

// IsValid says whether k is a kind of custom value.
func (k CustomKind) IsValid() bool { return isValidEnum(k, CustomKinds) }

// CustomValue is one custom attribute's value: exactly one of Text,
// Number, Bool and Date holds it, as Kind says.
type CustomValue struct {
	Kind   CustomKind
	Text   string
	Number float64
	Bool   bool
	Date   Date
}

// TextValue makes a text value, and NumberValue, BoolValue and DateValue the other kinds.
func TextValue(s string) CustomValue    { return CustomValue{Kind: CustomString, Text: s} }
func NumberValue(f float64) CustomValue { return CustomValue{Kind: CustomNumber, Number: f} }
func BoolValue(b bool) CustomValue      { return CustomValue{Kind: CustomBoolean, Bool: b} }
func DateValue(d Date) CustomValue      { return CustomValue{Kind: CustomDate, Date: d} }

// String is the value as text: numbers in their shortest form, truth
// values as true or false, dates as YYYY-MM-DD. ParseCustomValue reads it
// back.
func (v CustomValue) String() string {
	switch v.Kind {
	case CustomNumber:
		return strconv.FormatFloat(v.Number, 'f', -1, 64)
	case CustomBoolean:
		return strconv.FormatBool(v.Bool)
	case CustomDate:
		return v.Date.String()
	}
	return v.Text
}

// Any is the value as Go holds it: string, float64, bool or Date.
func (v CustomValue) Any() any {
	switch v.Kind {
	case CustomNumber:
		return v.Number
	case CustomBoolean:
		return v.Bool
	case CustomDate:
		return v.Date
	}
	return v.Text
}

// ParseCustomValue reads text as a value of kind k.
func ParseCustomValue(k CustomKind, text string) (CustomValue, error) {
	const op = "custom attribute"
	text = strings.TrimSpace(text)
	switch k {
	case CustomString:
		return TextValue(text), nil
	case CustomNumber:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return CustomValue{}, errs.Invalidf(op, "value", "%q is not a number", text)
		}
		return NumberValue(f), nil
	case CustomBoolean:
		b, err := strconv.ParseBool(strings.ToLower(text))
		if err != nil {
			return CustomValue{}, errs.Invalidf(op, "value", "%q is not true or false", text)
		}
		return BoolValue(b), nil
	case CustomDate:
		d, err := ParseDate(text)
		if err != nil {
			return CustomValue{}, errs.Invalidf(op, "value", "%q is not a date in the form YYYY-MM-DD", text)
		}
		return DateValue(d), nil
	}
	return CustomValue{}, errs.Invalidf(op, "type", "%q is not a type of custom value (allowed: %s)", k, joinEnum(CustomKinds))
}

// Custom is a record's custom attributes, by key.
type Custom map[string]CustomValue

// Keys are the attributes' keys in sorted order, the order every output
// lists them in.
func (c Custom) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Clone returns a copy of c that shares nothing with it.
func (c Custom) Clone() Custom {
	if c == nil {
		return nil
	}
	out := make(Custom, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// normalizeCustom trims keys and text values and checks the limits: keys
// are printable text of at most MaxCustomKeyLen characters, distinct
// after trimming; text values follow the limit on free text; numbers are
// finite. An empty map becomes nil.
func normalizeCustom(op string, in Custom) (Custom, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(in) > MaxCustomAttributes {
		return nil, errs.Invalidf(op, "customAttributes", "at most %d custom attributes are allowed, got %d", MaxCustomAttributes, len(in))
	}
	out := make(Custom, len(in))
	for _, raw := range Custom(in).Keys() {
		v := in[raw]
		key := strings.TrimSpace(raw)
		if err := checkCustomKey(op, key); err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, errs.Invalidf(op, "customAttributes", "custom attribute %q is given twice", key)
		}
		switch v.Kind {
		case CustomString:
			t, err := normalizeText(op, "customAttributes", v.Text, MaxTextLen)
			if err != nil {
				return nil, errs.Invalidf(op, "customAttributes", "custom attribute %q is longer than %d characters", key, MaxTextLen)
			}
			v = TextValue(t)
		case CustomNumber:
			if math.IsNaN(v.Number) || math.IsInf(v.Number, 0) {
				return nil, errs.Invalidf(op, "customAttributes", "custom attribute %q must be a finite number", key)
			}
			v = NumberValue(v.Number)
		case CustomBoolean:
			v = BoolValue(v.Bool)
		case CustomDate:
			if v.Date.IsZero() {
				return nil, errs.Invalidf(op, "customAttributes", "custom attribute %q has no date", key)
			}
			v = DateValue(v.Date)
		default:
			return nil, errs.Invalidf(op, "customAttributes", "custom attribute %q has no type (allowed: %s)", key, joinEnum(CustomKinds))
		}
		out[key] = v
	}
	return out, nil
}

// checkCustomKey checks one key: not empty, not too long, no control
// characters (a key becomes a column header and an XML attribute title).
func checkCustomKey(op, key string) error {
	if key == "" {
		return errs.Invalidf(op, "customAttributes", "a custom attribute needs a key")
	}
	if utf8.RuneCountInString(key) > MaxCustomKeyLen {
		return errs.Invalidf(op, "customAttributes", "custom attribute key %q is longer than %d characters", string([]rune(key)[:40])+"…", MaxCustomKeyLen)
	}
	for _, r := range key {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return errs.Invalidf(op, "customAttributes", "custom attribute key %q has a control character", key)
		}
	}
	return nil
}

// Layout is where a graph tool drew an actor (Gephi's viz, yEd's
// geometry), kept so that a researcher's layout survives a round trip.
// Every field is optional; the analyses never read it.
type Layout struct {
	X, Y, Z *float64
	Size    *float64
	Color   *string // #rrggbb, or #rrggbbaa with an opacity
}

// IsZero says whether the layout holds nothing.
func (l Layout) IsZero() bool {
	return l.X == nil && l.Y == nil && l.Z == nil && l.Size == nil && l.Color == nil
}

// colorPattern is a colour as #rrggbb or #rrggbbaa.
var colorPattern = regexp.MustCompile(`^#[0-9a-f]{6}([0-9a-f]{2})?$`)

// normalizeLayout checks a layout: finite coordinates, a positive size,
// a colour as #rrggbb or #rrggbbaa (any case; kept in lower case).
func normalizeLayout(op string, l Layout) (Layout, error) {
	for _, c := range []struct {
		name string
		v    *float64
	}{{"x", l.X}, {"y", l.Y}, {"z", l.Z}, {"size", l.Size}} {
		if c.v != nil && (math.IsNaN(*c.v) || math.IsInf(*c.v, 0)) {
			return l, errs.Invalidf(op, "layout", "layout %s must be a finite number", c.name)
		}
	}
	if l.Size != nil && *l.Size <= 0 {
		return l, errs.Invalidf(op, "layout", "layout size must be greater than 0, got %v", *l.Size)
	}
	if l.Color != nil {
		c := strings.ToLower(strings.TrimSpace(*l.Color))
		if !colorPattern.MatchString(c) {
			return l, errs.Invalidf(op, "layout", "layout color %q is not a colour in the form #rrggbb or #rrggbbaa", *l.Color)
		}
		l.Color = &c
	}
	return l, nil
}

// RGBA reads a colour in the form #rrggbb or #rrggbbaa into its parts
// (alpha 255 when absent).
func RGBA(color string) (r, g, b, a uint8, err error) {
	c := strings.ToLower(strings.TrimSpace(color))
	if !colorPattern.MatchString(c) {
		return 0, 0, 0, 0, fmt.Errorf("%q is not a colour in the form #rrggbb or #rrggbbaa", color)
	}
	v, _ := strconv.ParseUint(c[1:], 16, 32)
	if len(c) == 7 {
		return uint8(v >> 16), uint8(v >> 8), uint8(v), 255, nil
	}
	return uint8(v >> 24), uint8(v >> 16), uint8(v >> 8), uint8(v), nil
}

// HexColor writes a colour as #rrggbb, or #rrggbbaa when it is not opaque.
func HexColor(r, g, b, a uint8) string {
	if a == 255 {
		return fmt.Sprintf("#%02x%02x%02x", r, g, b)
	}
	return fmt.Sprintf("#%02x%02x%02x%02x", r, g, b, a)
}

// MaxCustomFilters is how many custom attribute conditions one filter
// takes: each is a test on every record the list reads.
const MaxCustomFilters = 10

// CustomFilter is one condition of a list's filter on custom attributes:
// the record has the attribute Key, and when Value is given, the
// attribute's value reads as Value (see Readings).
type CustomFilter struct {
	Key   string
	Value *string
}

// CheckCustomFilters trims the filters' keys and values and checks them:
// at most MaxCustomFilters, each with a key as custom attributes have.
func CheckCustomFilters(op string, fs []CustomFilter) ([]CustomFilter, error) {
	if len(fs) > MaxCustomFilters {
		return nil, errs.Invalidf(op, "customAttributes", "a filter takes at most %d custom attribute conditions, got %d", MaxCustomFilters, len(fs))
	}
	out := make([]CustomFilter, len(fs))
	for i, f := range fs {
		key := strings.TrimSpace(f.Key)
		if err := checkCustomKey(op, key); err != nil {
			return nil, err
		}
		out[i] = CustomFilter{Key: key}
		if f.Value != nil {
			v := strings.TrimSpace(*f.Value)
			if utf8.RuneCountInString(v) > MaxTextLen {
				return nil, errs.Invalidf(op, "customAttributes", "the value for custom attribute %q is longer than %d characters", key, MaxTextLen)
			}
			out[i].Value = &v
		}
	}
	return out, nil
}

// Readings are every value text reads as, one per kind that reads it
// (ParseCustomValue's rules): "12" is the text "12" and the number 12,
// "true" the text and the truth value, "2021-03-04" the text and the
// date. A filter's value matches a stored value equal to one of them, so
// that a client need not know an attribute's type to filter on it.
func Readings(text string) []CustomValue {
	var out []CustomValue
	for _, k := range CustomKinds {
		if v, err := ParseCustomValue(k, text); err == nil {
			out = append(out, v)
		}
	}
	return out
}
