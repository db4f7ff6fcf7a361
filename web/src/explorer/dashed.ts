// A dashed arrow for relationships of low confidence. sigma.js 3 draws
// edges with WebGL programs and has no dashed one, nor does any package
// of its family, so this one is written here: sigma's own clamped-edge
// program (the body of its arrows) with two lines added to its shaders,
// a coordinate along the edge in the vertex shader and a fragment shader
// that leaves every other stretch of it out. The head is sigma's own.
import { EdgeProgramType, createEdgeArrowHeadProgram, createEdgeClampedProgram, createEdgeCompoundProgram } from "sigma/rendering";

// Dashes per unit of clip space (the viewport is 2 units across).
const dashesPerClipUnit = 60.0;

function patch(source: string, anchor: string, replacement: string): string {
  if (!source.includes(anchor)) {
    // A sigma upgrade changed its shaders: fail loudly, not with solid lines.
    throw new Error(`the dashed edge program cannot find ${JSON.stringify(anchor)} in sigma's edge shader`);
  }
  return source.replace(anchor, replacement);
}

interface Shaders {
  VERTEX_SHADER_SOURCE: string;
  FRAGMENT_SHADER_SOURCE: string;
}

// sigma types the program factories' classes as abstract; the class is
// concrete and getDefinition is its own.
const Clamped = createEdgeClampedProgram() as unknown as new (...args: any[]) => { getDefinition(): Shaders };

class DashedClampedProgram extends Clamped {
  getDefinition() {
    const d = super.getDefinition();
    let vertex = patch(d.VERTEX_SHADER_SOURCE, "varying float v_feather;", "varying float v_feather;\nvarying float v_along;");
    vertex = patch(
      vertex,
      "v_color.a *= bias;",
      `v_color.a *= bias;
  vec2 clipStart = (u_matrix * vec3(a_positionStart, 1)).xy;
  vec2 clipEnd = (u_matrix * vec3(a_positionEnd, 1)).xy;
  v_along = a_positionCoef * length(clipEnd - clipStart) * ${dashesPerClipUnit.toFixed(1)};`,
    );
    let fragment = patch(d.FRAGMENT_SHADER_SOURCE, "varying float v_feather;", "varying float v_feather;\nvarying float v_along;");
    fragment = patch(fragment, "void main(void) {", "void main(void) {\n  if (fract(v_along) > 0.5) discard;");
    return { ...d, VERTEX_SHADER_SOURCE: vertex, FRAGMENT_SHADER_SOURCE: fragment };
  }
}

export const DashedArrowProgram = createEdgeCompoundProgram([
  DashedClampedProgram as unknown as EdgeProgramType,
  createEdgeArrowHeadProgram(),
]);
