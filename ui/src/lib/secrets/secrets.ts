/** The secrets card's pure parts: versions grouped by name, and where a file goes by default. */

import type { FileKind, OrgFile } from "../../bindings";

/** One name's versions, newest first, and everyone using any of them. */
export type NamedFile = { kind: FileKind; name: string; versions: OrgFile[]; services: string[] };

/** `files` grouped by kind and name, keeping the backend's order (newest version first within a name). */
export function groupByName(files: OrgFile[]): NamedFile[] {
  const groups = new Map<string, NamedFile>();
  for (const file of files) {
    const key = `${file.kind}/${file.name}`;
    const group = groups.get(key) ?? { kind: file.kind, name: file.name, versions: [], services: [] };
    group.versions.push(file);
    for (const service of file.services) if (!group.services.includes(service)) group.services.push(service);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The engine's default place for a secret, the root for a config (as compose does). */
export function defaultTarget(kind: FileKind, name: string): string {
  return kind === "secret" ? `/run/secrets/${name}` : `/${name}`;
}
