package mapio

import (
	"bytes"
	"fmt"
	"testing"
)

// A file whose every element carries something dropped lists it once,
// and reading it costs time in proportion to its size: the list of what
// was dropped is not scanned once per element.
func TestDroppedListedOncePerColumn(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("[")
	const n = 20000
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"data":{"id":"n%d","o":{"x":1}},"position":%d,"selected":true}`, i, i)
	}
	b.WriteString("]")
	g, ps := ReadCytoscape("x.json", bytes.NewReader(b.Bytes()))
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	if len(g.Actors) != n {
		t.Fatalf("%d actors, want %d", len(g.Actors), n)
	}
	cols := map[string]int{}
	for _, d := range g.Dropped {
		cols[d.Column]++
	}
	if len(g.Dropped) != 3 || cols["position"] != 1 || cols["o"] != 1 || cols["selected"] != 1 {
		t.Fatalf("dropped %d lines, want one each for position, o and selected: %v", len(g.Dropped), cols)
	}
}
