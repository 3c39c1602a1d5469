/** A profile's name as the header shows it; the backend already says "(docker context)" for a context. */
export function profileLabel(profile: string): string {
  return profile === "" ? "…" : profile;
}
