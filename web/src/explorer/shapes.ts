// Actors drawn by kind with a shape as well as a colour, so that a kind
// is told apart without colour vision (and in a greyscale print). sigma.js
// 3 draws nodes as discs; its family's shape packages draw one shape per
// program (@sigma/node-square) or pictures (@sigma/node-image, which would
// need image requests). So these programs are written here: sigma's own
// disc program, its triangle made larger so that every shape fits in it,
// and a fragment shader that cuts the shape out of that triangle with a
// signed distance, antialiased as sigma's disc.
import { NodeCircleProgram, type NodeProgramType } from "sigma/rendering";

/** The shapes, in the order of the fragment shader's branches. */
export const shapes = ["circle", "square", "triangle", "diamond", "hexagon", "triangle-down", "cross"] as const;
export type Shape = (typeof shapes)[number];

/** How much larger than sigma's the drawn triangle is: a shape's corners
 * reach past the disc it replaces. */
const reach = 1.3;

function patch(source: string, anchor: string, replacement: string): string {
  if (!source.includes(anchor)) {
    // A sigma upgrade changed its shaders: fail loudly, not with discs.
    throw new Error(`the shape node program cannot find ${JSON.stringify(anchor)} in sigma's node shader`);
  }
  return source.replace(anchor, replacement);
}

// Signed distances (negative inside) of shapes of about a disc's area, r
// the disc's radius; those of the hexagon and the triangle are Inigo
// Quilez's (https://iquilezles.org/articles/distfunctions2d/). One program
// per shape, each with its own straight-line shader: a shader that chose
// the shape per node ran at two-thirds the frame rate in software WebGL.
const triangle = (up: boolean) => `
  const float k = 1.7320508;
  float s = 1.1 * r;
  vec2 q = vec2(abs(p.x) - s, ${up ? "p.y" : "-p.y"} + s / k);
  if (q.x + k * q.y > 0.0) q = vec2(q.x - k * q.y, -k * q.x - q.y) / 2.0;
  q.x -= clamp(q.x, -2.0 * s, 0.0);
  return -length(q) * sign(q.y);`;

const distances: Record<Shape, string> = {
  circle: "return length(p) - r;",
  square: "vec2 q = abs(p); return max(q.x, q.y) - 0.85 * r;",
  triangle: triangle(true),
  "triangle-down": triangle(false),
  diamond: "vec2 q = abs(p); return (q.x + q.y) * 0.7071068 - 0.85 * r;",
  hexagon: `
  const vec3 k = vec3(-0.8660254, 0.5, 0.5773503);
  float s = 0.92 * r;
  vec2 q = abs(p);
  q -= 2.0 * min(dot(k.xy, q), 0.0) * k.xy;
  q -= vec2(clamp(q.x, -k.z * s, k.z * s), s);
  return length(q) * sign(q.y);`,
  cross: `
  vec2 q = abs(p);
  if (q.y > q.x) q = q.yx;
  vec2 d = q - vec2(r, 0.36 * r);
  return length(max(d, 0.0)) + min(max(d.x, d.y), 0.0);`,
};

type Definition = ReturnType<NodeCircleProgram["getDefinition"]>;

/** The program that draws nodes in shape. */
function shapeProgram(shape: Shape): NodeProgramType {
  return class extends NodeCircleProgram {
    getDefinition(): Definition {
      const d = super.getDefinition();
      const vertex = patch(d.VERTEX_SHADER_SOURCE, "vec2 diffVector = size * vec2(", `vec2 diffVector = ${reach.toFixed(2)} * size * vec2(`);
      let fragment = patch(d.FRAGMENT_SHADER_SOURCE, "void main(void) {", `float shapeDistance(vec2 p, float r) {${distances[shape]}\n}\n\nvoid main(void) {`);
      // Pointing finds the shape's disc, which is cheaper to draw.
      fragment = patch(
        fragment,
        "float dist = length(v_diffVector) - v_radius + border;",
        `#ifdef PICKING_MODE
  float dist = length(v_diffVector) - v_radius + border;
  #else
  float dist = shapeDistance(v_diffVector, v_radius) + border;
  #endif`,
      );
      return { ...d, VERTEX_SHADER_SOURCE: vertex, FRAGMENT_SHADER_SOURCE: fragment };
    }
  };
}

/** sigma's node programs by type: a node's type is its shape. */
export const shapePrograms = Object.fromEntries(shapes.map((s) => [s, shapeProgram(s)])) as Record<Shape, NodeProgramType>;

/** The same shape in SVG, centred on (x, y) with y downwards, r the disc's
 * radius: the SVG image and the legend draw what the map draws. */
export function svgShape(shape: Shape | undefined, x: number, y: number, r: number, fill: string, inner = ""): string {
  const pts = (ps: [number, number][]) =>
    `<polygon points="${ps.map(([dx, dy]) => `${(x + dx).toFixed(1)},${(y + dy).toFixed(1)}`).join(" ")}" fill="${fill}">${inner}</polygon>`;
  const k = Math.sqrt(3);
  switch (shape) {
    case "square": {
      const h = 0.85 * r;
      return `<rect x="${(x - h).toFixed(1)}" y="${(y - h).toFixed(1)}" width="${(2 * h).toFixed(1)}" height="${(2 * h).toFixed(1)}" fill="${fill}">${inner}</rect>`;
    }
    case "triangle":
    case "triangle-down": {
      const s = 1.1 * r;
      const up = shape === "triangle" ? 1 : -1;
      return pts([
        [-s, (up * s) / k],
        [s, (up * s) / k],
        [0, (-up * 2 * s) / k],
      ]);
    }
    case "diamond": {
      const h = 0.85 * r * Math.SQRT2;
      return pts([
        [0, -h],
        [h, 0],
        [0, h],
        [-h, 0],
      ]);
    }
    case "hexagon": {
      const s = 0.92 * r;
      return pts([
        [-s / k, -s],
        [s / k, -s],
        [(2 * s) / k, 0],
        [s / k, s],
        [-s / k, s],
        [(-2 * s) / k, 0],
      ]);
    }
    case "cross": {
      const a = r;
      const b = 0.36 * r;
      return pts([
        [-b, -a],
        [b, -a],
        [b, -b],
        [a, -b],
        [a, b],
        [b, b],
        [b, a],
        [-b, a],
        [-b, b],
        [-a, b],
        [-a, -b],
        [-b, -b],
      ]);
    }
    default:
      return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r.toFixed(1)}" fill="${fill}">${inner}</circle>`;
  }
}
