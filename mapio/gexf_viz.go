package mapio

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// What a GEXF file holds beside attribute values: Gephi's drawing (viz),
// nodes' times, and the attributes' declared types. Nothing of it is
// dropped without being listed.

// gexfKinds are GEXF's attribute types as custom attribute types; the
// rest (string, liststring, anyURI, lists) are text.
var gexfKinds = map[string]domain.CustomKind{
	"integer": domain.CustomNumber, "long": domain.CustomNumber, "float": domain.CustomNumber,
	"double": domain.CustomNumber, "short": domain.CustomNumber, "byte": domain.CustomNumber,
	"biginteger": domain.CustomNumber, "bigdecimal": domain.CustomNumber,
	"boolean": domain.CustomBoolean, "date": domain.CustomDate,
}

// declare notes the types of a class's attributes.
func (gr *gexfReader) declare(a gexfAttributes) {
	role := map[string]string{"node": "actors", "edge": "relationships"}[a.Class]
	if role == "" {
		return
	}
	for _, at := range a.Attributes {
		kind, ok := gexfKinds[strings.ToLower(strings.TrimSpace(at.Type))]
		if !ok {
			kind = domain.CustomString
		}
		gr.out.declareType(role, at.name(), kind)
	}
}

// nodeViz reads Gephi's drawing of a node (viz:position, viz:color,
// viz:size) as the actor's layout; its shape is listed as dropped.
func (gr *gexfReader) nodeViz(e *Element, name string, v gexfViz) {
	if p := v.Position; p != nil {
		for _, c := range []struct{ value, attr string }{{p.X, layoutX}, {p.Y, layoutY}, {p.Z, layoutZ}} {
			s := strings.TrimSpace(c.value)
			if z, err := strconv.ParseFloat(s, 64); c.attr == layoutZ && err == nil && z == 0 {
				continue // a flat layout: Gephi writes z="0.0" for every node of a 2D drawing
			}
			if s != "" {
				e.Set(c.attr, s)
			}
		}
	}
	if v.Size != nil && strings.TrimSpace(v.Size.Value) != "" {
		e.Set(layoutSize, strings.TrimSpace(v.Size.Value))
	}
	if v.Color != nil {
		c, ok := vizColor(v)
		if !ok {
			gr.problem(name, CodeEnum, fmt.Sprintf("viz:color (r=%q g=%q b=%q a=%q hex=%q) is not a colour: r, g and b are whole numbers from 0 to 255, a from 0 to 1", v.Color.R, v.Color.G, v.Color.B, v.Color.A, v.Color.Hex))
		} else {
			e.Set(layoutColor, c)
		}
	}
	if v.Shape != nil {
		gr.out.drop(gr.file, "viz:shape", "Gephi's node shapes (viz:shape) are not kept; positions, colours and sizes were read as the actors' layout")
	}
}

// vizColor reads viz:color as #rrggbb[aa]: from r, g, b and a (an
// opacity from 0 to 1), or GEXF 1.3's hex.
func vizColor(v gexfViz) (string, bool) {
	c := v.Color
	if h := strings.TrimSpace(c.Hex); h != "" && c.R == "" {
		if !strings.HasPrefix(h, "#") {
			h = "#" + h
		}
		_, _, _, _, err := domain.RGBA(h)
		return strings.ToLower(h), err == nil
	}
	var parts [3]uint8
	for i, s := range []string{c.R, c.G, c.B} {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 || n > 255 {
			return "", false
		}
		parts[i] = uint8(n)
	}
	alpha := uint8(255)
	if a := strings.TrimSpace(c.A); a != "" {
		f, err := strconv.ParseFloat(a, 64)
		if err != nil || f < 0 || f > 1 {
			return "", false
		}
		alpha = uint8(f*255 + 0.5)
	}
	return domain.HexColor(parts[0], parts[1], parts[2], alpha), true
}

// edgeViz lists Gephi's drawing of edges, which relationships do not keep.
func (gr *gexfReader) edgeViz(v gexfViz) {
	for _, d := range []struct {
		set  bool
		name string
	}{{v.Color != nil, "viz:color"}, {v.Thickness != nil, "viz:thickness"}, {v.Shape != nil, "viz:shape"}} {
		if d.set {
			gr.out.drop(gr.file, d.name, fmt.Sprintf("Gephi's drawing of edges (%s) is not kept: relationships have no layout", d.name))
		}
	}
}

// nodeTimes keeps a node's one period (start and end, or one spell) as
// the custom attributes "start" and "end", as GEXF writes them; a node
// over several periods, which an actor cannot hold, is listed as dropped.
func (gr *gexfReader) nodeTimes(e *Element, name string, n gexfNode) {
	spans := append([]gexfTimes(nil), n.Spells...)
	if !n.gexfTimes.empty() {
		spans = append(spans, n.gexfTimes)
	}
	switch {
	case len(spans) == 0:
		return
	case len(spans) > 1:
		gr.out.drop(gr.file, "spells", "nodes that exist over several periods (spells) cannot keep them: an actor holds one start and end; their periods were left out")
		return
	}
	s := spans[0]
	for _, t := range []struct{ key, value string }{{"start", s.Start}, {"startopen", s.StartOpen}, {"end", s.End}, {"endopen", s.EndOpen}, {"timestamp", s.Timestamp}} {
		v := yearOnly.ReplaceAllString(strings.TrimSpace(t.value), "$1")
		if v == "" || e.Get(t.key) != "" {
			continue
		}
		e.Set(t.key, v)
		kind := domain.CustomString
		if isDate(v) {
			kind = domain.CustomDate
		}
		gr.out.declareType("actors", t.key, kind)
	}
}
