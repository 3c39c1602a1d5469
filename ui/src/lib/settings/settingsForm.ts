/**
 * Pure mapping for the settings form: `Settings` ↔ form state, and `Invalid` errors → the input they
 * belong to. No validation here: the rules are the backend's, and its errors are shown next to the field.
 */

import type { AppError, ConnectionProfile, Preferences, ProfileKind, RegistryLogin, Settings } from "../../bindings";

export type KindName = ProfileKind["kind"];

export const KINDS: readonly { kind: KindName; label: string }[] = [
  { kind: "local", label: "Local engine" },
  { kind: "host", label: "Engine URL" },
  { kind: "tls", label: "TLS with client certificates" },
];

/**
 * One profile as the form edits it. Every kind's fields live side by side, so switching the kind back
 * and forth keeps what was typed (the URL most of all); only the chosen kind's fields are sent.
 * `id` keys the row: names change while typing, and the active profile follows its row through a rename.
 */
export interface ProfileRow {
  id: number;
  name: string;
  kind: KindName;
  url: string;
  ca_path: string;
  cert_path: string;
  key_path: string;
  /** Registry logins, kept as they are: the Registry logins card changes them, not this form. */
  registries: RegistryLogin[];
}

/** The inputs of a profile row that can carry an error. */
export type ProfileInput = "name" | "url" | "ca_path" | "cert_path" | "key_path";

/** The id of a profile row's input: stable while the row lives, so focus and the error's label can find it. */
export function inputId(rowId: number, input: ProfileInput): string {
  return `settings-${input}-${rowId}`;
}

export interface SettingsForm {
  profiles: ProfileRow[];
  /** Row id of the active profile; `null` when a Docker context is active, or the stored name matches nothing. */
  activeId: number | null;
  /** The active Docker context's reference (`context:NAME`), when one is active instead of a profile. */
  activeContext: string | null;
  preferences: Preferences;
}

/** The inputs a kind shows, besides the name. */
export function kindInputs(kind: KindName): readonly ProfileInput[] {
  switch (kind) {
    case "local":
      return [];
    case "host":
      return ["url"];
    case "tls":
      return ["url", "ca_path", "cert_path", "key_path"];
    case "docker_context":
      return [];
  }
}

export function profileToRow(profile: ConnectionProfile, id: number): ProfileRow {
  const row: ProfileRow = {
    id,
    name: profile.name,
    kind: profile.kind.kind,
    url: "",
    ca_path: "",
    cert_path: "",
    key_path: "",
    registries: profile.registries ?? [],
  };
  return { ...row, ...profile.kind };
}

/** A new, empty profile; a URL kind, since the local engine needs no second profile. */
export function newRow(id: number): ProfileRow {
  return { id, name: "", kind: "host", url: "", ca_path: "", cert_path: "", key_path: "", registries: [] };
}

export function rowToKind(row: ProfileRow): ProfileKind {
  const url = row.url.trim();
  switch (row.kind) {
    case "local":
      return { kind: "local" };
    case "host":
      return { kind: "host", url };
    case "tls":
      return { kind: "tls", url, ca_path: row.ca_path.trim(), cert_path: row.cert_path.trim(), key_path: row.key_path.trim() };
    case "docker_context":
      // Contexts are never rows (they are read from the Docker configuration); the backend refuses one saved.
      return { kind: "docker_context", context: row.name.trim() };
  }
}

/** How `active_profile` names a Docker context. */
export const CONTEXT_PREFIX = "context:";

/** A new TLS profile for a swarm manager's host, as a worker's engine names it (the usual TLS port). */
export function managerRow(id: number, host: string): ProfileRow {
  return { ...newRow(id), name: `manager ${host}`, kind: "tls", url: `tcp://${host}:2376` };
}

/** The form for stored settings; row ids start at `firstId` so they never repeat within a view. */
export function settingsToForm(settings: Settings, firstId: number): SettingsForm {
  const profiles = settings.profiles.map((profile, index) => profileToRow(profile, firstId + index));
  const activeContext = settings.active_profile.startsWith(CONTEXT_PREFIX) ? settings.active_profile : null;
  const active = activeContext ? undefined : profiles.find((row) => row.name === settings.active_profile);
  return { profiles, activeId: active?.id ?? null, activeContext, preferences: { ...settings.preferences } };
}

export function formToSettings(form: SettingsForm): Settings {
  const profiles = form.profiles.map((row) => ({ name: row.name.trim(), kind: rowToKind(row), registries: row.registries }));
  const activeIndex = form.profiles.findIndex((row) => row.id === form.activeId);
  return {
    profiles,
    active_profile: form.activeContext ?? profiles[activeIndex]?.name ?? "",
    preferences: { theme: form.preferences.theme, mask_env_values: form.preferences.mask_env_values },
  };
}

/** Whether the form would save something other than `saved`. */
export function isDirty(form: SettingsForm, saved: Settings): boolean {
  return JSON.stringify(formToSettings(form)) !== JSON.stringify(formToSettings(settingsToForm(saved, 0)));
}

/** A one-line description of where a profile points. */
export function describeRow(row: ProfileRow): string {
  if (row.kind === "local") return "the local engine (DOCKER_HOST or the local socket)";
  const url = row.url.trim() || "no URL yet";
  return row.kind === "tls" ? `${url} with TLS` : url;
}

/**
 * Where an `Invalid` error is shown: `field` is the backend's path (it names the `field-error-<field>`
 * element), and the error goes next to `active_profile`, or to `input` of the profile row `rowId`.
 */
export type SettingsFieldError =
  | { field: string; rule: string; at: "active_profile" }
  | { field: string; rule: string; at: "profile"; rowId: number; input: ProfileInput };

const PROFILE_FIELD = /^profiles(?:\.(\d+)|\[(\d+)\])\.(\w+)$/;

/**
 * The input an error belongs to, or `null` when the form cannot place it (then it is shown whole).
 * Profile paths (`profiles.1.url`, or `profiles[1].url`) index the profiles as sent, so `sent` are the
 * rows of that save: the error follows its row when rows are added or removed later, and is not
 * placed once that row is gone or no longer shows the input.
 */
export function settingsFieldError(
  error: AppError,
  sent: readonly ProfileRow[],
  current: readonly ProfileRow[],
): SettingsFieldError | null {
  if (error.type !== "Invalid") return null;
  const { field, rule } = error.data;
  if (field === "active_profile") return { field, rule, at: "active_profile" };
  const match = PROFILE_FIELD.exec(field);
  if (!match) return null;
  const index = Number(match[1] ?? match[2]);
  const input = match[3] as ProfileInput;
  const rowId = sent[index]?.id;
  const row = current.find((candidate) => candidate.id === rowId);
  if (!row || !(input === "name" || kindInputs(row.kind).includes(input))) return null;
  return { field, rule, at: "profile", rowId: row.id, input };
}
