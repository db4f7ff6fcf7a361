package mapio

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// What GraphML tools add beside plain <data>: yEd's drawings, Gephi's
// layout keys, and the keys' declared types.
//
// yEd desktop draws each node in a <data> of a key with
// yfiles.type="nodegraphics": a y:ShapeNode, y:GenericNode (or others)
// holding y:Geometry (x, y, width, height: the top-left corner and the
// box), y:Fill (color) and y:NodeLabel (the text shown: the actor's
// name, unless a data key gives one). Edges have y:EdgeLabel in their
// edgegraphics, read as the edge's "label" attribute (which a mapping
// may read as the relationship's type). yEd Live writes labels as
// <x:List><y:Label><y:Label.Text>text</y:Label.Text></y:Label></x:List>
// (or y:Label Text="...") and the box as y:RectD (X, Y, Width, Height).
// The box becomes the actor's layout: its centre the position, its width
// the size; the fill its colour. What else a drawing holds (shapes,
// borders, edge bends and arrows) is listed as dropped.

// xmlElement is any XML element, read whole, for yEd's drawings.
type xmlElement struct {
	XMLName  xml.Name
	Attrs    []xml.Attr   `xml:",any,attr"`
	Text     string       `xml:",chardata"`
	Children []xmlElement `xml:",any"`
}

// get is an attribute's value by local name (any case, since yEd Live
// capitalises X and Width where yEd desktop does not).
func (x xmlElement) get(name string) string {
	for _, a := range x.Attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// walk visits x and everything within it, depth first, in file order.
func (x xmlElement) walk(visit func(xmlElement)) {
	visit(x)
	for _, c := range x.Children {
		c.walk(visit)
	}
}

// yedDrawing is what a drawing gives: a label, a box and a fill.
type yedDrawing struct {
	label               string
	x, y, width, height string
	fill                string
}

// readDrawing finds a drawing's first label, box and fill.
func readDrawing(inner []xmlElement) yedDrawing {
	var d yedDrawing
	for _, top := range inner {
		top.walk(func(x xmlElement) {
			switch x.XMLName.Local {
			case "NodeLabel", "EdgeLabel", "Label.Text":
				if d.label == "" && x.get("visible") != "false" {
					d.label = strings.TrimSpace(x.Text)
				}
			case "Label":
				if d.label == "" {
					d.label = x.get("Text")
				}
			case "Geometry", "RectD":
				if d.x == "" && d.width == "" {
					d.x, d.y, d.width, d.height = x.get("x"), x.get("y"), x.get("width"), x.get("height")
				}
			case "Fill":
				if d.fill == "" && x.get("transparent") != "true" {
					d.fill = x.get("color")
				}
			}
		})
	}
	return d
}

// graphics reads a <data> that holds elements (yEd's drawings) into the
// element: its label, and for a node its box and fill as the layout.
func (gr *graphmlReader) graphics(e *Element, role string, k graphmlKey, inner []xmlElement) {
	d := readDrawing(inner)
	if d.label != "" {
		if role == "node" {
			if e.Get("name") == "" && e.Get("label") == "" {
				e.Set("label", d.label)
			}
		} else if e.Get("label") == "" {
			e.Set("label", d.label)
		}
	}
	if k.YFiles == "" { // yEd Live: a key per aspect (labels, geometry, style)
		if d == (yedDrawing{}) {
			gr.out.drop(gr.file, k.ID, fmt.Sprintf("key %q (attr.name %q) holds yEd's drawing (styles, ports, folding), which the service does not keep; it was left out", k.ID, k.Name))
		}
		if role != "node" {
			return
		}
	}
	what := fmt.Sprintf("yEd's drawing of %ss (in key %q)", role, k.ID)
	if role != "node" {
		gr.out.drop(gr.file, k.ID, what+": its bends, arrows and line styles are not kept; its labels were read as the edge's label")
		return
	}
	if x, y, ok := centre(d); ok {
		e.Set(layoutX, x)
		e.Set(layoutY, y)
	}
	if w, err := strconv.ParseFloat(d.width, 64); err == nil && w > 0 {
		e.Set(layoutSize, d.width)
	}
	if c := yedColor(d.fill); c != "" {
		e.Set(layoutColor, c)
	}
	if k.YFiles != "" {
		gr.out.drop(gr.file, k.ID, what+": shapes, borders and label styles are not kept; labels were read as names, the box and fill colour as the layout")
	}
}

// centre is the middle of a drawing's box: yEd gives the top-left corner.
func centre(d yedDrawing) (string, string, bool) {
	x, err1 := strconv.ParseFloat(d.x, 64)
	y, err2 := strconv.ParseFloat(d.y, 64)
	if err1 != nil || err2 != nil {
		return "", "", false
	}
	w, _ := strconv.ParseFloat(d.width, 64)
	h, _ := strconv.ParseFloat(d.height, 64)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return f(x + w/2), f(y + h/2), true
}

// yedColor reads yEd's colours: #RRGGBB, or #RRGGBBAA with an opacity.
func yedColor(c string) string {
	if _, _, _, _, err := domain.RGBA(c); err != nil {
		return ""
	}
	return strings.ToLower(c)
}

// declare notes a key's type and how problems name it.
func (gr *graphmlReader) declare(k graphmlKey) {
	name := k.name()
	words := fmt.Sprintf("key %q", k.ID)
	if n := strings.TrimSpace(k.Name); n != "" && n != k.ID {
		words = fmt.Sprintf("key %q (attr.name %q)", k.ID, n)
	}
	for _, role := range keyRoles(k.For) {
		gr.out.Names[role][name] = words
		if kind, ok := graphmlKinds[strings.ToLower(strings.TrimSpace(k.Type))]; ok && k.YFiles == "" {
			gr.out.declareType(role, name, kind)
		}
	}
}

// keyRoles are the roles a key's "for" applies to.
func keyRoles(f string) []string {
	switch f {
	case "node":
		return []string{"actors"}
	case "edge":
		return []string{"relationships"}
	case "all", "":
		return []string{"actors", "relationships"}
	}
	return nil
}

// graphmlKinds are GraphML's attr.types as custom attribute types.
var graphmlKinds = map[string]domain.CustomKind{
	"boolean": domain.CustomBoolean, "int": domain.CustomNumber, "long": domain.CustomNumber,
	"float": domain.CustomNumber, "double": domain.CustomNumber, "string": domain.CustomString,
}

// gephiLayout reads the node keys Gephi's GraphML export writes for its
// layout (x, y, z, size, and the colour as r, g and b) as the actor's
// layout, when they hold numbers.
func (gr *graphmlReader) gephiLayout(e *Element) {
	num := func(name string) (float64, bool) {
		v := e.Get(name)
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil && v != ""
	}
	for _, c := range []struct{ from, to string }{{"x", layoutX}, {"y", layoutY}, {"z", layoutZ}, {"size", layoutSize}} {
		if _, ok := num(c.from); ok {
			e.Set(c.to, e.Get(c.from))
			e.Attrs = without(e.Attrs, c.from)
		}
	}
	r, okR := num("r")
	g, okG := num("g")
	b, okB := num("b")
	if okR && okG && okB && inByte(r) && inByte(g) && inByte(b) {
		e.Set(layoutColor, domain.HexColor(uint8(r), uint8(g), uint8(b), 255))
		for _, n := range []string{"r", "g", "b"} {
			e.Attrs = without(e.Attrs, n)
		}
	}
}

func inByte(f float64) bool { return f >= 0 && f <= 255 && f == float64(int(f)) }
