// How the map is drawn. Colours are the Okabe–Ito palette, which stays
// distinguishable under the common forms of colour blindness; kinds also
// differ in shape and size, and the legend names every colour and shape.
import type { Shape } from "./shapes";

export const kindColours: Record<string, string> = {
  COMMUNITY: "#E69F00",
  STATE_INSTITUTION: "#0072B2",
  SECURITY_FORCE: "#D55E00",
  MOVEMENT: "#009E73",
  CIVIL_SOCIETY: "#56B4E9",
  CUSTOMARY_AUTHORITY: "#CC79A7",
  INTERNATIONAL: "#000000",
};

export const kindShapes: Record<string, Shape> = {
  COMMUNITY: "circle",
  STATE_INSTITUTION: "square",
  SECURITY_FORCE: "triangle",
  MOVEMENT: "diamond",
  CIVIL_SOCIETY: "hexagon",
  CUSTOMARY_AUTHORITY: "triangle-down",
  INTERNATIONAL: "cross",
};

export const kindSizes: Record<string, number> = {
  COMMUNITY: 9,
  STATE_INSTITUTION: 8,
  SECURITY_FORCE: 8,
  MOVEMENT: 6,
  CIVIL_SOCIETY: 6,
  CUSTOMARY_AUTHORITY: 6,
  INTERNATIONAL: 7,
};

/** The families of relationship types, each with its colour. */
const typeFamilies: { name: string; colour: string; types: string[] }[] = [
  { name: "trust", colour: "#56B4E9", types: ["TRUSTS"] },
  { name: "threat", colour: "#D55E00", types: ["THREATENS", "IN_TENSION_WITH"] },
  { name: "protection", colour: "#009E73", types: ["PROVIDES_SECURITY"] },
  { name: "leverage", colour: "#E69F00", types: ["ACCOUNTABLE_TO", "PARTICIPATES_IN", "INFLUENCES", "DIALOGUE", "REPRESENTS"] },
  { name: "power", colour: "#0072B2", types: ["CONTROLS"] },
  { name: "cooperation", colour: "#999999", types: ["SUPPORTS", "COOPERATES_WITH"] },
];

export function typeFamily(type: string): { name: string; colour: string } {
  return typeFamilies.find((f) => f.types.includes(type)) ?? { name: "other", colour: "#999999" };
}

export const families = typeFamilies.map(({ name, colour }) => ({ name, colour }));

/** Every relationship type the explorer knows. */
export const knownTypes = typeFamilies.flatMap((f) => f.types);

/** A colour with an opacity: trust is graded by its strength. */
export function withAlpha(hex: string, alpha: number): string {
  const a = Math.round(Math.max(0.15, Math.min(1, alpha)) * 255)
    .toString(16)
    .padStart(2, "0");
  return hex + a;
}

export function label(kindOrType: string): string {
  return kindOrType.toLowerCase().replace(/_/g, " ");
}

export const highlight = "#000000";
export const dimmed = "#dddddd";

/** Proposed relationships (gap closures), apart from every family. */
export const proposed = "#CC79A7";
