import { describe, expect, it } from "vitest";
import type { AppError } from "../../bindings";
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
    expect(describeError({ type: "NotFound", data: { kind: "service", name: "x", message: "no service x" } }).title).toBe("No such service");
    expect(describeError({ type: "Other", data: { code: "capacity", message: "too big", engine_status: null } })).toEqual({
      title: "Not enough capacity",
      detail: "too big",
    });
    expect(describeError({ type: "Other", data: { code: "timeout", message: "slow", engine_status: null } }).title).toBe("Error (timeout)");
  });

  it("still shows a variant the UI does not know yet", () => {
    const unknown = { type: "SomethingNew", data: { message: "new trouble" } } as unknown as AppError;
    expect(describeError(unknown)).toEqual({ title: "SomethingNew", detail: "new trouble" });
    expect(describeError({ type: "Bare" } as unknown as AppError)).toEqual({ title: "Bare", detail: "" });
  });

  it("keeps what the backend knows: the engine's status, the services using a network, a rollback", () => {
    const refused: AppError = { type: "Other", data: { code: "engine", message: "conflict", engine_status: 409 } };
    expect(describeError(refused).title).toBe("The engine refused (HTTP 409)");
    const inUse: AppError = { type: "NetworkInUse", data: { network: "org-a-network", services: ["org-a-web", "org-a-db"] } };
    expect(describeError(inUse).detail).toBe("org-a-network is still used by org-a-web, org-a-db.");
    const rolledBack: AppError = { type: "DeployFailed", data: { message: "unhealthy", rolled_back: true } };
    expect(describeError(rolledBack)).toEqual({ title: "Rolled back", detail: "unhealthy" });
  });

  it("wraps a failed IPC call as an Other error", () => {
    expect(ipcError(new Error("no backend"))).toEqual({ type: "Other", data: { code: "ipc", message: "no backend", engine_status: null } });
  });
});
