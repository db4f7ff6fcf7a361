package domain

import (
	"io"
	"strconv"
	"time"

	"github.com/actorgraph/actorgraph/errs"
)

// Date is a calendar date without a time zone, written YYYY-MM-DD (the
// GraphQL scalar Date). The zero value means "no date".
type Date struct{ t time.Time }

const dateLayout = "2006-01-02"

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, errs.Invalidf("", "date", "%q is not a date in the form YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// DateOf returns the calendar date of t in UTC.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// Today is the current date in UTC.
func Today() Date { return DateOf(time.Now()) }

func (d Date) IsZero() bool                 { return d.t.IsZero() }
func (d Date) String() string               { return d.t.Format(dateLayout) }
func (d Date) Time() time.Time              { return d.t }
func (d Date) Before(o Date) bool           { return d.t.Before(o.t) }
func (d Date) After(o Date) bool            { return d.t.After(o.t) }
func (d Date) Equal(o Date) bool            { return d.t.Equal(o.t) }
func (d Date) MarshalGQL(w io.Writer)       { _, _ = io.WriteString(w, strconv.Quote(d.String())) }
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return errs.Invalidf("", "date", "a Date must be a string in the form YYYY-MM-DD")
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
