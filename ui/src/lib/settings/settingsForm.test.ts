import { describe, expect, it } from "vitest";
import type { AppError, Settings } from "../../bindings";
import type { ProfileRow } from "./settingsForm";
import {
  describeRow,
  formToSettings,
  isDirty,
  kindInputs,
  managerRow,
  newRow,
  settingsFieldError,
  settingsToForm,
} from "./settingsForm";

const stored: Settings = {
  profiles: [
    { name: "local", kind: { kind: "local" }, registries: [] },
    { name: "lab", kind: { kind: "host", url: "tcp://lab:2375" }, registries: [{ server: "registry.lab:5000", username: "ci" }] },
    {
      name: "prod",
      kind: { kind: "tls", url: "tcp://prod:2376", ca_path: "/certs/ca.pem", cert_path: "/certs/cert.pem", key_path: "/certs/key.pem" },
      registries: [],
    },
  ],
  active_profile: "lab",
  preferences: { theme: "dark", mask_env_values: true },
};

const invalid = (field: string, rule = "is wrong"): AppError => ({ type: "Invalid", data: { field, rule } });

describe("settingsToForm / formToSettings", () => {
  it("round-trips stored settings", () => {
    const form = settingsToForm(stored, 1);
    expect(form.profiles.map((row) => row.id)).toEqual([1, 2, 3]);
    expect(form.activeId).toBe(2);
    expect(formToSettings(form)).toEqual(stored);
  });

  it("keeps the active profile through a rename and trims names and paths", () => {
    const form = settingsToForm(stored, 1);
    form.profiles[1]!.name = "  staging ";
    form.profiles[2]!.ca_path = " /certs/ca.pem\n";
    const settings = formToSettings(form);
    expect(settings.active_profile).toBe("staging");
    expect(settings.profiles[1]!.name).toBe("staging");
    expect(settings.profiles[2]!.kind).toMatchObject({ ca_path: "/certs/ca.pem" });
  });

  it("sends an empty active profile when none is picked, so the backend names the field", () => {
    const form = settingsToForm({ ...stored, active_profile: "gone" }, 1);
    expect(form.activeId).toBeNull();
    expect(formToSettings(form).active_profile).toBe("");
  });

  it("does not share the preferences object with the stored settings", () => {
    const form = settingsToForm(stored, 1);
    form.preferences.theme = "light";
    expect(stored.preferences.theme).toBe("dark");
  });
});

describe("switching a profile's kind", () => {
  it("keeps the URL, and the certificate paths for a switch back", () => {
    const form = settingsToForm(stored, 1);
    const prod = form.profiles[2]!;
    prod.kind = "host";
    expect(formToSettings(form).profiles[2]!.kind).toEqual({ kind: "host", url: "tcp://prod:2376" });
    prod.kind = "local";
    expect(formToSettings(form).profiles[2]!.kind).toEqual({ kind: "local" });
    prod.kind = "tls";
    expect(formToSettings(form).profiles[2]).toEqual(stored.profiles[2]);
  });

  it("gives a local profile a URL to fill in when it becomes a host profile", () => {
    const form = settingsToForm(stored, 1);
    form.profiles[0]!.kind = "host";
    expect(formToSettings(form).profiles[0]!.kind).toEqual({ kind: "host", url: "" });
  });

  it("shows each kind's inputs", () => {
    expect(kindInputs("local")).toEqual([]);
    expect(kindInputs("host")).toEqual(["url"]);
    expect(kindInputs("tls")).toEqual(["url", "ca_path", "cert_path", "key_path"]);
  });
});

describe("isDirty", () => {
  it("is false for the stored settings and true after any change", () => {
    const form = settingsToForm(stored, 7);
    expect(isDirty(form, stored)).toBe(false);
    form.preferences.mask_env_values = false;
    expect(isDirty(form, stored)).toBe(true);
  });

  it("notices added profiles and a changed active profile", () => {
    const added = settingsToForm(stored, 1);
    added.profiles.push(newRow(10));
    expect(isDirty(added, stored)).toBe(true);
    const switched = settingsToForm(stored, 1);
    switched.activeId = 3;
    expect(isDirty(switched, stored)).toBe(true);
  });

  it("ignores whitespace the save would trim", () => {
    const form = settingsToForm(stored, 1);
    form.profiles[1]!.url = "tcp://lab:2375 ";
    expect(isDirty(form, stored)).toBe(false);
  });
});

describe("describeRow", () => {
  it("says where a profile points", () => {
    const [local, lab, prod] = settingsToForm(stored, 1).profiles as [ProfileRow, ProfileRow, ProfileRow];
    expect(describeRow(local)).toMatch(/local engine/);
    expect(describeRow(lab)).toBe("tcp://lab:2375");
    expect(describeRow(prod)).toBe("tcp://prod:2376 with TLS");
    expect(describeRow(newRow(1))).toBe("no URL yet");
  });
});

describe("settingsFieldError", () => {
  const sent = settingsToForm(stored, 1).profiles;

  it("places active_profile next to the active profile choice", () => {
    expect(settingsFieldError(invalid("active_profile", "must name one of the profiles"), sent, sent)).toEqual({
      field: "active_profile",
      rule: "must name one of the profiles",
      at: "active_profile",
    });
  });

  it("places a profile field at the input of its row, in either path style", () => {
    expect(settingsFieldError(invalid("profiles.1.url"), sent, sent)).toEqual({
      field: "profiles.1.url",
      rule: "is wrong",
      at: "profile",
      rowId: 2,
      input: "url",
    });
    expect(settingsFieldError(invalid("profiles[2].key_path"), sent, sent)).toMatchObject({ rowId: 3, input: "key_path" });
    expect(settingsFieldError(invalid("profiles.0.name"), sent, sent)).toMatchObject({ rowId: 1, input: "name" });
  });

  it("follows the row that was sent when rows are removed or added afterwards", () => {
    const current = [sent[0]!, sent[2]!, newRow(9)];
    expect(settingsFieldError(invalid("profiles.2.url"), sent, current)).toMatchObject({ rowId: 3, input: "url" });
    expect(settingsFieldError(invalid("profiles.1.url"), sent, current)).toBeNull();
  });

  it("is null when the row no longer shows the input", () => {
    const current = sent.map((row) => (row.id === 3 ? { ...row, kind: "host" as const } : row));
    expect(settingsFieldError(invalid("profiles.2.ca_path"), sent, current)).toBeNull();
    expect(settingsFieldError(invalid("profiles.2.url"), sent, current)).toMatchObject({ rowId: 3 });
  });

  it("is null for errors the form cannot place", () => {
    expect(settingsFieldError(invalid("profiles.9.url"), sent, sent)).toBeNull();
    expect(settingsFieldError(invalid("profiles.1.colour"), sent, sent)).toBeNull();
    expect(settingsFieldError(invalid("profiles"), sent, sent)).toBeNull();
    expect(settingsFieldError(invalid("preferences.theme"), sent, sent)).toBeNull();
    expect(settingsFieldError({ type: "Other", data: { code: "settings_store", message: "disk full", engine_status: null } }, sent, sent)).toBeNull();
  });
});

describe("Docker contexts as the active profile", () => {
  it("round-trips a context reference and leaves every row inactive", () => {
    const settings = {
      profiles: [{ name: "local", kind: { kind: "local" as const }, registries: [] }],
      active_profile: "context:prod",
      preferences: { theme: "system" as const, mask_env_values: true },
    };
    const form = settingsToForm(settings, 1);
    expect(form.activeId).toBeNull();
    expect(form.activeContext).toBe("context:prod");
    expect(formToSettings(form).active_profile).toBe("context:prod");
    expect(formToSettings({ ...form, activeContext: null, activeId: 1 }).active_profile).toBe("local");
  });

  it("offers a worker's manager as a TLS profile on the usual port", () => {
    const row = managerRow(7, "10.0.0.5");
    expect(row).toMatchObject({ id: 7, kind: "tls", url: "tcp://10.0.0.5:2376", name: "manager 10.0.0.5" });
  });
});
