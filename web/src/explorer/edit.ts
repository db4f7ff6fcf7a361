// Editing from the page: actors and relationships are created, changed and
// deleted through the API's own mutations, and the service's validation
// message is shown next to the field it names (extensions.field).
import { $, explain, state, status } from "./app";
import { ApiError } from "./api";
import { kinds, relationshipTypes, sensitivities } from "./model";
import { label } from "./style";

/** What the page does after a write: read the map again. */
type Reload = () => Promise<void>;

function options(select: HTMLSelectElement, values: string[], names: (v: string) => string = label) {
  select.replaceChildren(...values.map((v) => new Option(names(v), v)));
}

function clearErrors(form: HTMLFormElement) {
  form.querySelectorAll<HTMLElement>(".field-error, .form-error").forEach((el) => (el.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
}

/** Shows err next to its field when the service names one that the form
 * has, else under the form. */
function showError(form: HTMLFormElement, prefix: string, err: unknown) {
  const field = err instanceof ApiError ? err.field?.split(".").pop() : undefined;
  const input = field ? form.querySelector<HTMLElement>(`#${prefix}-${field}`) : null;
  const slot = field ? form.querySelector<HTMLElement>(`#${prefix}-${field}-error`) : null;
  if (input && slot) {
    slot.textContent = explain(err);
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  form.querySelector<HTMLElement>(".form-error")!.textContent = explain(err);
}

function value(id: string): string {
  return $<HTMLInputElement>(id).value.trim();
}

/** Fills the actor form with the focused actor, or empties it. */
export function fillActorForm(id?: string) {
  const a = id ? state.actors.get(id) : undefined;
  $<HTMLInputElement>("actor-name").value = a?.name ?? "";
  $<HTMLSelectElement>("actor-kind").value = a?.kind ?? "COMMUNITY";
  $<HTMLSelectElement>("actor-kind").disabled = !!a; // a kind is fixed once created
  $<HTMLInputElement>("actor-region").value = a?.region ?? "";
  $<HTMLInputElement>("actor-tags").value = a?.tags.join(", ") ?? "";
  $<HTMLTextAreaElement>("actor-description").value = a?.description ?? "";
  $<HTMLSelectElement>("actor-sensitivity").value = a?.sensitivity ?? "PUBLIC";
  $("actor-save").textContent = a ? `Save ${a.name}` : "Create actor";
  $("actor-delete").hidden = !a;
  clearErrors($<HTMLFormElement>("actor-form"));
}

export function fillRelationshipForm(id?: string) {
  const r = id ? state.relationships.get(id) : undefined;
  const actors = [...state.actors.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const end of ["rel-from", "rel-to"]) {
    const select = $<HTMLSelectElement>(end);
    select.replaceChildren(...actors.map((a) => new Option(a.name, a.id)));
    select.disabled = !!r; // the ends are fixed once created
  }
  if (r) {
    $<HTMLSelectElement>("rel-from").value = r.fromId;
    $<HTMLSelectElement>("rel-to").value = r.toId;
  }
  $<HTMLSelectElement>("rel-type").value = r?.type ?? "TRUSTS";
  $<HTMLSelectElement>("rel-type").disabled = !!r;
  $<HTMLInputElement>("rel-strength").value = String(r?.strength ?? 0.5);
  $<HTMLInputElement>("rel-confidence").value = String(r?.confidence ?? 1);
  $<HTMLInputElement>("rel-validFrom").value = r?.validFrom ?? "";
  $<HTMLInputElement>("rel-validTo").value = r?.validTo ?? "";
  $<HTMLInputElement>("rel-notes").value = r?.notes ?? "";
  $("rel-save").textContent = r ? "Save relationship" : "Create relationship";
  $("rel-delete").hidden = !r;
  clearErrors($<HTMLFormElement>("rel-form"));
}

async function saveActor(reload: Reload) {
  const form = $<HTMLFormElement>("actor-form");
  clearErrors(form);
  const id = state.focus.actor;
  const tags = value("actor-tags")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  const known = id ? state.actors.get(id) : undefined;
  const fields: Record<string, unknown> = {
    name: value("actor-name"),
    region: value("actor-region"),
    tags,
    sensitivity: value("actor-sensitivity"),
  };
  // The description is read with the actor's details: it is sent only
  // when the form was filled with it, so that it is never cleared unseen.
  if (!known || known.description !== undefined) fields.description = $<HTMLTextAreaElement>("actor-description").value;
  try {
    if (id) {
      await state.api.query(`mutation($id: ID!, $input: UpdateActorInput!) { updateActor(id: $id, input: $input) { id } }`, {
        id,
        input: fields,
      });
    } else {
      const out = await state.api.query<{ createActor: { id: string } }>(
        `mutation($ws: ID!, $input: CreateActorInput!) { createActor(workspace: $ws, input: $input) { id } }`,
        { ws: state.workspace, input: { ...fields, kind: value("actor-kind") } },
      );
      state.focus = { actor: out.createActor.id };
    }
  } catch (e) {
    showError(form, "actor", e);
    return;
  }
  status(id ? `Saved ${fields.name}.` : `Created ${fields.name}.`);
  await reload();
  fillActorForm(state.focus.actor);
}

async function deleteActor(reload: Reload) {
  const id = state.focus.actor;
  const a = id ? state.actors.get(id) : undefined;
  if (!id || !a || !confirm(`Delete ${a.name} and its relationships?`)) return;
  try {
    await state.api.query(`mutation($id: ID!) { deleteActor(id: $id) { id } }`, { id });
  } catch (e) {
    showError($<HTMLFormElement>("actor-form"), "actor", e);
    return;
  }
  state.focus = {};
  status(`Deleted ${a.name}.`);
  await reload();
  fillActorForm();
}

async function saveRelationship(reload: Reload) {
  const form = $<HTMLFormElement>("rel-form");
  clearErrors(form);
  const id = state.focus.relationship;
  const num = (v: string) => (v === "" ? null : Number(v));
  const known = id ? state.relationships.get(id) : undefined;
  const fields: Record<string, unknown> = {
    strength: num(value("rel-strength")),
    confidence: num(value("rel-confidence")),
    validFrom: value("rel-validFrom") || null,
    validTo: value("rel-validTo") || null,
  };
  // As an actor's description: notes are sent only when they were read.
  if (!known || known.notes !== undefined) fields.notes = $<HTMLInputElement>("rel-notes").value;
  try {
    if (id) {
      await state.api.query(`mutation($id: ID!, $input: UpdateRelationshipInput!) { updateRelationship(id: $id, input: $input) { id } }`, {
        id,
        input: fields,
      });
    } else {
      const out = await state.api.query<{ createRelationship: { id: string } }>(
        `mutation($input: CreateRelationshipInput!) { createRelationship(input: $input) { id } }`,
        { input: { ...fields, from: value("rel-from"), to: value("rel-to"), type: value("rel-type") } },
      );
      state.focus = { relationship: out.createRelationship.id };
    }
  } catch (e) {
    showError(form, "rel", e);
    return;
  }
  status(id ? "Saved the relationship." : "Created the relationship.");
  await reload();
  fillRelationshipForm(state.focus.relationship);
}

async function deleteRelationship(reload: Reload) {
  const id = state.focus.relationship;
  if (!id || !confirm("Delete this relationship?")) return;
  try {
    await state.api.query(`mutation($id: ID!) { deleteRelationship(id: $id) { id } }`, { id });
  } catch (e) {
    showError($<HTMLFormElement>("rel-form"), "rel", e);
    return;
  }
  state.focus = {};
  status("Deleted the relationship.");
  await reload();
  fillRelationshipForm();
}

export function wireEditing(reload: Reload) {
  options($<HTMLSelectElement>("actor-kind"), kinds);
  options($<HTMLSelectElement>("actor-sensitivity"), sensitivities);
  options($<HTMLSelectElement>("rel-type"), relationshipTypes);
  $("actor-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void saveActor(reload);
  });
  $("actor-delete").addEventListener("click", () => void deleteActor(reload));
  $("actor-new").addEventListener("click", () => {
    state.focus = {};
    fillActorForm();
  });
  $("rel-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void saveRelationship(reload);
  });
  $("rel-delete").addEventListener("click", () => void deleteRelationship(reload));
  $("rel-new").addEventListener("click", () => {
    state.focus = {};
    fillRelationshipForm();
  });
}
