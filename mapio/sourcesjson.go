package mapio

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// GEXF and GraphML have no element for sources, so exports carry them as
// the JSON object {"sources": [{"id": ..., "title": ..., ...}]}: in GEXF
// the meta description, in GraphML the graph's data of the key named
// "sources" (see sourcesJSON). These read them back.

// readSourcesJSON reads the sources from text, if it is that object; it
// says whether it was. Every member of a source is read, in the file's
// order, as JGF's sources are: one that is none of a source's fields is
// listed as dropped when the import reads the sources (droppedColumns),
// not dropped here unseen. A member that holds a JSON object, which no
// attribute can, is a problem, as in JGF.
func (x *xmlGraph) readSourcesJSON(text string) bool {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, `{"sources"`) {
		return false
	}
	root, p := readJSON(x.file, strings.NewReader(text))
	if p != nil {
		return false
	}
	list, ok := root.(jsonObject).get("sources") // the prefix makes it an object
	if !ok {
		return false
	}
	var sources []jsonObject
	switch l := list.(type) {
	case nil:
	case []any:
		for _, s := range l {
			o, ok := s.(jsonObject)
			if !ok {
				return false
			}
			sources = append(sources, o)
		}
	default:
		return false
	}
	role := x.role
	x.role = "sources"
	defer func() { x.role = role }()
	for n, o := range sources {
		var e Element
		if v, ok := o.get("id"); ok {
			e.ID, _ = cellText(v)
		}
		for _, m := range o {
			if m.Key == "id" || m.Value == nil {
				continue
			}
			v, ok := cellText(m.Value)
			if !ok {
				x.problem(elementName(e.ID, "", n), CodeEnum,
					fmt.Sprintf("attribute %q of a source holds a JSON object; give it text, a number, true/false or a list of these", m.Key))
				continue
			}
			if v = strings.TrimSpace(v); v != "" {
				e.Set(m.Key, v)
			}
		}
		x.out.Sources = append(x.out.Sources, e)
	}
	return true
}

// readGEXFMeta reads GEXF's <meta>, for the sources in its description.
func (gr *gexfReader) readGEXFMeta(se xml.StartElement) error {
	var meta struct {
		Descriptions []string `xml:"description"`
	}
	if err := gr.dec.DecodeElement(&meta, &se); err != nil {
		return err
	}
	for _, d := range meta.Descriptions {
		gr.readSourcesJSON(d)
	}
	return nil
}

// readGraphData reads a GraphML graph's <data>, for the sources.
func (gr *graphmlReader) readGraphData(se xml.StartElement) error {
	var d graphmlData
	if err := gr.dec.DecodeElement(&d, &se); err != nil {
		return err
	}
	if k, ok := gr.keys[d.Key]; ok && k.name() == "sources" {
		gr.readSourcesJSON(d.Value)
	}
	return nil
}
