package mapio

import (
	"encoding/json"
	"encoding/xml"
	"strings"
)

// GEXF and GraphML have no element for sources, so exports carry them as
// the JSON object {"sources": [{"id": ..., "title": ..., ...}]}: in GEXF
// the meta description, in GraphML the graph's data of the key named
// "sources" (see sourcesJSON). These read them back.

// readSourcesJSON reads the sources from text, if it is that object; it
// says whether it was.
func readSourcesJSON(text string, sources *[]Element) bool {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, `{"sources"`) {
		return false
	}
	var doc struct {
		Sources []map[string]any `json:"sources"`
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return false
	}
	for _, s := range doc.Sources {
		var e Element
		for _, name := range sourceFieldOrder {
			v, ok := s[name]
			if !ok {
				continue
			}
			switch text := Untyped(v); {
			case name == "id":
				e.ID = text
			case text != "":
				e.Set(name, text)
			}
		}
		*sources = append(*sources, e)
	}
	return true
}

// sourceFieldOrder is the order of a source's fields in files: its key,
// then the sources file's columns.
var sourceFieldOrder = append([]string{"id"}, templates["sources.csv"][0][1:]...)

// readGEXFMeta reads GEXF's <meta>, for the sources in its description.
func readGEXFMeta(dec *xml.Decoder, se xml.StartElement, sources *[]Element) error {
	var meta struct {
		Descriptions []string `xml:"description"`
	}
	if err := dec.DecodeElement(&meta, &se); err != nil {
		return err
	}
	for _, d := range meta.Descriptions {
		readSourcesJSON(d, sources)
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
		readSourcesJSON(d.Value, &gr.out.Sources)
	}
	return nil
}
