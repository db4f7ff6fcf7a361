// Importing a researcher's files from the page: the files dropped (or
// chosen) are sent to importActorMap as a dry run first, and its plan and
// problems are shown; only then can the researcher import them for real.
// Uploads follow the GraphQL multipart request spec, with the
// GraphQL-Require-Preflight header the service asks of them.
import { $, explain, state, status } from "./app";

interface Counts {
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
}

interface Report {
  dryRun: boolean;
  written: boolean;
  actors: Counts;
  relationships: Counts;
  sources: Counts;
  problemCount: number;
  problems: { file: string; row: number | null; column: string | null; place: string | null; code: string; message: string }[];
}

const importMutation = `mutation Import($ws: ID!, $files: [Upload!]!, $dryRun: Boolean) {
  importActorMap(workspace: $ws, files: $files, dryRun: $dryRun) {
    dryRun written problemCount
    actors { created updated unchanged removed }
    relationships { created updated unchanged removed }
    sources { created updated unchanged removed }
    problems { file row column place code message }
  }
}`;

let pending: File[] = [];

async function send(files: File[], dryRun: boolean): Promise<Report> {
  const body = new FormData();
  body.append(
    "operations",
    JSON.stringify({ query: importMutation, variables: { ws: state.workspace, files: files.map(() => null), dryRun } }),
  );
  const map: Record<string, string[]> = {};
  files.forEach((_, i) => (map[String(i)] = [`variables.files.${i}`]));
  body.append("map", JSON.stringify(map));
  files.forEach((f, i) => body.append(String(i), f, f.name));
  const data = await state.api.upload<{ importActorMap: Report }>(body);
  return data.importActorMap;
}

function counts(what: string, c: Counts): string {
  return `${what}: ${c.created} new, ${c.updated} changed, ${c.unchanged} unchanged, ${c.removed} removed`;
}

/** Where a problem is: the file, then its row and column, or the graph
 * format's own words for the place. */
function where(p: Report["problems"][number]): string {
  const parts = [p.file];
  if (p.row != null) parts.push(`row ${p.row}`);
  if (p.column) parts.push(`column ${p.column}`);
  if (p.place) parts.push(p.place);
  return parts.join(", ");
}

function show(r: Report) {
  const out = $("import-report");
  const summary = document.createElement("p");
  summary.textContent = r.problemCount
    ? `${r.problemCount} problem${r.problemCount === 1 ? "" : "s"}: nothing ${r.dryRun ? "would be" : "was"} imported.`
    : r.dryRun
      ? "No problems. The import would write:"
      : r.written
        ? "Imported:"
        : "Nothing to change.";
  const plan = document.createElement("ul");
  for (const [what, c] of [["actors", r.actors], ["relationships", r.relationships], ["sources", r.sources]] as const) {
    plan.append(Object.assign(document.createElement("li"), { textContent: counts(what, c) }));
  }
  const problems = document.createElement("ul");
  problems.className = "problems";
  for (const p of r.problems) {
    problems.append(
      Object.assign(document.createElement("li"), { textContent: `${where(p)}: ${p.message} (${p.code})` }),
    );
  }
  out.replaceChildren(summary, plan, problems);
  $("import-confirm").hidden = !(r.dryRun && r.problemCount === 0);
}

async function dryRun(files: File[]) {
  pending = files;
  $("import-report").textContent = `Checking ${files.map((f) => f.name).join(", ")}…`;
  try {
    show(await send(files, true));
  } catch (e) {
    $("import-report").textContent = `The files could not be checked: ${explain(e)}`;
  }
}

export function wireImport(reload: () => Promise<void>) {
  const zone = $("drop-zone");
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) void dryRun(files);
  });
  $<HTMLInputElement>("import-files").addEventListener("change", (e) => {
    const files = [...((e.target as HTMLInputElement).files ?? [])];
    if (files.length) void dryRun(files);
  });
  $("import-confirm").addEventListener("click", async () => {
    try {
      const r = await send(pending, false);
      show(r);
      if (r.written) {
        status("Imported.");
        await reload();
      }
    } catch (e) {
      $("import-report").textContent = `The import failed: ${explain(e)}`;
    }
  });
}
