package mapio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"strings"
)

// Detection reads as little of a file as tells its format, by parsing
// rather than by looking for words in its first bytes: a Kumu blueprint
// may give a large "attributes" block before its "elements", and a
// Cytoscape.js elements array holds no telling word at all. JSON is told
// apart by its top-level keys, read with a streaming decoder that skips
// the values it passes over (so that nothing large is held); XML by its
// root element. The file is then read again from its start: a seekable
// one by seeking back, any other from what detection kept of it (only
// what it read) followed by the rest.

// maxProlog bounds what is read of an XML file before its root element
// (declarations, comments, a doctype).
const maxProlog = 1 << 20

// detectFormat recognises a file's format from its name and content: the
// extension where it is unambiguous (.csv, .xlsx, .graphml, .gexf,
// .cyjs), else the content (a zip is a workbook; XML by its root element;
// JSON by its shape: Kumu's {"elements": [...]} or {"connections": ...},
// JGF's {"graph"} or {"graphs"}, Cytoscape.js's [{"data": ...}] or
// {"elements": {"nodes", "edges"}}), else the name (actors.csv without an
// extension). "" when unknown. It returns a reader that gives the whole
// file from its start.
func detectFormat(name string, r io.Reader) (Format, io.Reader) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv", ".txt":
		return FormatCSV, r
	case ".xlsx":
		return FormatXLSX, r
	case ".graphml":
		return FormatGraphML, r
	case ".gexf":
		return FormatGEXF, r
	case ".cyjs":
		return FormatCytoscape, r
	}
	src, rewind := rewindable(r)
	f := detectContent(src)
	again, err := rewind()
	if err != nil {
		return "", again
	}
	if f == "" && role(name) != "" {
		f = FormatCSV // actors, relationships, sources without an extension
	}
	return f, again
}

// detectContent tells a format from the start of the content.
func detectContent(r io.Reader) Format {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(4); bytes.Equal(head, []byte("PK\x03\x04")) {
		return FormatXLSX
	}
	if head, _ := br.Peek(len(bom)); bytes.Equal(head, bom) {
		_, _ = br.Discard(len(bom))
	}
	first := firstByte(br)
	switch first {
	case '<':
		return xmlFormat(br)
	case '{', '[':
		// The first element is decoded whole to tell Kumu from
		// Cytoscape.js: bound its texts as the readers do. A file whose
		// format could not be told for a text over the bound goes to a
		// JSON reader, which says so.
		g := &textGuard{r: br, delim: '"'}
		if f := jsonFormat(g); f != "" || g.run <= MaxGraphTextBytes {
			return f
		}
		return FormatKumu
	}
	return ""
}

// firstByte is the first byte that is not white space, left unread.
func firstByte(br *bufio.Reader) byte {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0
		}
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			_ = br.UnreadByte()
			return b
		}
	}
}

// xmlFormat reads to the root element, which names the format.
func xmlFormat(r io.Reader) Format {
	dec := newXMLDecoder(io.LimitReader(r, maxProlog))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch strings.ToLower(se.Name.Local) {
			case "gexf":
				return FormatGEXF
			case "graphml":
				return FormatGraphML
			}
			return ""
		}
	}
}

// jsonFormat reads a JSON document's top level: for an object, its keys
// until one tells the format (skipping the values before it); for an
// array, its first element.
func jsonFormat(r io.Reader) Format {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return ""
	}
	if tok == json.Delim('[') {
		return cytoscapeArray(dec)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := tok.(string)
		switch key {
		case "connections":
			return FormatKumu
		case "graph", "graphs":
			return FormatJGF
		case "nodes", "edges":
			// Cytoscape.js's elements given as the file itself:
			// {"nodes": [{"data": ...}], "edges": [...]}.
			if next, err := dec.Token(); err != nil || next != json.Delim('[') {
				return ""
			}
			return cytoscapeArray(dec)
		case "elements":
			// Kumu's elements are a list; Cytoscape's an object of
			// nodes and edges.
			next, err := dec.Token()
			switch {
			case err != nil:
				return ""
			case next == json.Delim('['):
				return elementsArray(dec)
			case next == json.Delim('{'):
				return FormatCytoscape
			}
			return ""
		}
		if skipValue(dec) != nil {
			return ""
		}
	}
	return ""
}

// cytoscapeArray says whether an array's first element is a Cytoscape.js
// element: an object with a "data" object.
func cytoscapeArray(dec *json.Decoder) Format {
	if !dec.More() {
		return ""
	}
	var first struct {
		Data json.RawMessage `json:"data"`
	}
	if err := dec.Decode(&first); err != nil {
		return ""
	}
	if d := bytes.TrimSpace(first.Data); len(d) > 0 && d[0] == '{' {
		return FormatCytoscape
	}
	return ""
}

// elementsArray tells Kumu's "elements" list from a list of Cytoscape.js
// elements by its first element: Cytoscape's hold their attributes in
// "data", Kumu's at the top or in "attributes".
func elementsArray(dec *json.Decoder) Format {
	if !dec.More() {
		return FormatKumu
	}
	var first map[string]json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return FormatKumu // for the Kumu reader to say what is wrong
	}
	_, data := first["data"]
	_, attributes := first["attributes"]
	_, kumuID := first["_id"]
	if data && !attributes && !kumuID {
		return FormatCytoscape
	}
	return FormatKumu
}

// skipValue reads past one JSON value, token by token, holding none of it.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// rewindable returns a reader to detect from, and a function that gives
// the whole file again from its start: a seekable file is seeked back
// (so that a CSV file stays seekable, and nothing is held); any other
// keeps what detection read of it, to give back before the rest, and lets
// go of each part as it is given back (so that a reader holding the whole
// file does not hold it twice).
func rewindable(r io.Reader) (io.Reader, func() (io.Reader, error)) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			return rs, func() (io.Reader, error) {
				_, err := rs.Seek(start, io.SeekStart)
				return rs, err
			}
		}
	}
	rec := &recorder{r: r}
	return rec, func() (io.Reader, error) {
		return io.MultiReader(&replay{parts: rec.parts}, r), nil
	}
}

// recorder keeps what is read through it, in the parts it was read in.
type recorder struct {
	r     io.Reader
	parts [][]byte
}

func (rc *recorder) Read(p []byte) (int, error) {
	n, err := rc.r.Read(p)
	if n > 0 {
		rc.parts = append(rc.parts, bytes.Clone(p[:n]))
	}
	return n, err
}

// replay gives back recorded parts, dropping each once it is read.
type replay struct{ parts [][]byte }

func (rp *replay) Read(p []byte) (int, error) {
	for len(rp.parts) > 0 && len(rp.parts[0]) == 0 {
		rp.parts[0] = nil
		rp.parts = rp.parts[1:]
	}
	if len(rp.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, rp.parts[0])
	rp.parts[0] = rp.parts[0][n:]
	return n, nil
}

// errUnknownFormat is what an import says of a file whose format it
// cannot tell.
var errUnknownFormat = errors.New("cannot tell what this file holds; name CSV files actors.csv, relationships.csv and sources.csv, or give an .xlsx, Kumu .json, .graphml, .gexf, JGF .json or Cytoscape.js .cyjs/.json file")
