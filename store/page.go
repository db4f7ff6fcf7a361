package store

import (
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// nodePage reads the {total, rows} record of a list statement (rows: the
// page's nodes plus one, to tell whether another page follows) into a page
// of at most first items, each with its cursor.
func nodePage[T any](recs []*neo4j.Record, first int, decode func(props) T, cursorOf func(T) cursor) *Page[T] {
	page := &Page[T]{}
	if len(recs) == 0 {
		return page
	}
	page.TotalCount = int(value[int64](recs[0], "total"))
	for _, row := range value[[]any](recs[0], "rows") {
		n, _ := row.(neo4j.Node)
		page.Items = append(page.Items, decode(n.Props))
	}
	if len(page.Items) > first {
		page.Items, page.HasNextPage = page.Items[:first], true
	}
	for _, x := range page.Items {
		page.Cursors = append(page.Cursors, encodeCursor(cursorOf(x)))
	}
	return page
}

// nodesOf decodes the node each record holds under key.
func nodesOf[T any](recs []*neo4j.Record, key string, decode func(props) T) []T {
	out := make([]T, len(recs))
	for i, r := range recs {
		out[i] = decode(nodeProps(r, key))
	}
	return out
}

// records is rec as the records of a statement: none when it is nil.
func records(rec *neo4j.Record) []*neo4j.Record {
	if rec == nil {
		return nil
	}
	return []*neo4j.Record{rec}
}
