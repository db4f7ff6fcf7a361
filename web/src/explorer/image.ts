// Saving the current view for a report: PNG through @sigma/export-image
// (which redraws the WebGL layers off screen), SVG written here from what
// sigma displays (no library writes SVG from sigma 3's display data).
import { toBlob } from "@sigma/export-image";
import type Sigma from "sigma";
import { graph } from "./app";
import { type Shape, svgShape } from "./shapes";

function escapeXML(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** The view as SVG: every displayed edge as a line, every node as its
 * kind's shape with its label, in the viewport's coordinates. */
export function toSVG(renderer: Sigma): Blob {
  const { width, height } = renderer.getDimensions();
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  const at = (node: string) => {
    const d = renderer.getNodeDisplayData(node);
    return d && !d.hidden ? { ...renderer.framedGraphToViewport(d), d } : null;
  };
  graph.forEachEdge((edge, _attrs, source, target) => {
    const e = renderer.getEdgeDisplayData(edge);
    const a = at(source);
    const b = at(target);
    if (!e || e.hidden || !a || !b) return;
    parts.push(
      `<line x1="${a.x.toFixed(1)}" y1="${a.y.toFixed(1)}" x2="${b.x.toFixed(1)}" y2="${b.y.toFixed(1)}" stroke="${e.color}" stroke-width="${Math.max(1, e.size).toFixed(1)}"/>`,
    );
  });
  graph.forEachNode((node) => {
    const p = at(node);
    if (!p) return;
    const r = renderer.scaleSize(p.d.size);
    const shape = graph.getNodeAttribute(node, "shape") as Shape | undefined;
    const title = `<title>${escapeXML(String(p.d.label ?? node))}</title>`;
    parts.push(`<g class="actor">${svgShape(shape, p.x, p.y, r, p.d.color, title)}</g>`);
    if (p.d.label) {
      parts.push(`<text x="${(p.x + r + 3).toFixed(1)}" y="${(p.y + 4).toFixed(1)}" font-family="sans-serif" font-size="12">${escapeXML(p.d.label)}</text>`);
    }
  });
  parts.push("</svg>");
  return new Blob([parts.join("\n")], { type: "image/svg+xml" });
}

export async function image(renderer: Sigma, format: "png" | "svg"): Promise<Blob> {
  return format === "svg" ? toSVG(renderer) : toBlob(renderer, { format: "png", backgroundColor: "#ffffff" });
}

export function download(blob: Blob, name: string) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
