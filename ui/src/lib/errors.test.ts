import { describe, expect, it } from "vitest";
import type { AppError } from "../bindings";
import { describeError, ipcError } from "./errors";

describe("describeError", () => {
  it("shows the field and the rule of a validation error", () => {
    const error: AppError = { type: "Invalid", data: { field: "slug", rule: "must be an RFC 1123 label" } };
    expect(describeError(error)).toEqual({
      title: "Invalid input",
      field: "slug",
      detail: "must be an RFC 1123 label",
    });
  });

  it("names the kind of every other error and keeps its message", () => {
    expect(describeError({ type: "EngineUnavailable", data: { message: "no socket" } })).toEqual({
      title: "Docker engine unavailable",
      detail: "no socket",
    });
    expect(describeError({ type: "NotFound", data: { message: "no service x" } }).title).toBe("Not found");
    expect(describeError({ type: "Other", data: { code: "capacity", message: "too big" } })).toEqual({
      title: "Error (capacity)",
      detail: "too big",
    });
  });

  it("still shows a variant the UI does not know yet", () => {
    const unknown = { type: "DeployFailed", data: { message: "rolled back", rolled_back: true } } as unknown as AppError;
    expect(describeError(unknown)).toEqual({ title: "DeployFailed", detail: "rolled back" });
    expect(describeError({ type: "Cancelled" } as unknown as AppError)).toEqual({ title: "Cancelled", detail: "" });
  });

  it("wraps a failed IPC call as an Other error", () => {
    expect(ipcError(new Error("no backend"))).toEqual({ type: "Other", data: { code: "ipc", message: "no backend" } });
  });
});
