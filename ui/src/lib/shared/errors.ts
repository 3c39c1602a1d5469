/** How an `AppError` is shown. Decisions are made on `type` only, never on message text. */

import type { AppError } from "../../bindings";

export interface ErrorDescription {
  /** Short heading. */
  title: string;
  /** The sentence for people (the backend's message, or the rule that was broken). */
  detail: string;
  /** For validation errors: the offending field. */
  field?: string;
}

/** Headings for the codes people meet most; the rest show their code. */
const CODE_TITLES: Record<string, string> = {
  capacity: "Not enough capacity",
  unplaceable: "Cannot be placed",
  registry_auth: "The registry wants a login",
};

export function describeError(error: AppError): ErrorDescription {
  switch (error.type) {
    case "Invalid":
      return { title: "Invalid input", field: error.data.field, detail: error.data.rule };
    case "EngineUnavailable":
      return { title: "Docker engine unavailable", detail: error.data.message };
    case "NotFound":
      return { title: `No such ${error.data.kind}`, detail: error.data.message };
    case "NetworkInUse":
      return {
        title: "Network in use",
        detail: `${error.data.network} is still used by ${error.data.services.join(", ")}.`,
      };
    case "DeployFailed":
      return {
        title: error.data.rolled_back ? "Rolled back" : "Deployment failed",
        detail: error.data.message,
      };
    case "Compose":
      return {
        title: "Compose file error",
        detail: `${error.data.file}:${error.data.line}:${error.data.column}: ${error.data.message}`,
      };
    case "StackRolledBack":
      return {
        title: error.data.complete ? "Stack rolled back" : "Stack failed; not every service could be put back",
        detail: error.data.message,
      };
    case "Cancelled":
      return { title: "Cancelled", detail: "The operation was cancelled; what it started was cleaned up." };
    case "Other":
      return {
        title:
          error.data.engine_status !== null
            ? `The engine refused (HTTP ${error.data.engine_status})`
            : (CODE_TITLES[error.data.code] ?? `Error (${error.data.code})`),
        detail: error.data.message,
      };
    default:
      return describeUnknown(error);
  }
}

/**
 * A variant this UI does not know yet (the backend may add some before the UI learns them):
 * show its type and any message it carries rather than nothing.
 */
function describeUnknown(error: unknown): ErrorDescription {
  const shape = (error ?? {}) as { type?: unknown; data?: { message?: unknown } };
  const type = typeof shape.type === "string" ? shape.type : "Unknown";
  const message = typeof shape.data?.message === "string" ? shape.data.message : "";
  return { title: type, detail: message };
}

/**
 * A failure that is not an `AppError` (the IPC call itself threw: no backend, a bug) as one,
 * so the UI has a single error shape to render.
 */
export function ipcError(error: unknown): Extract<AppError, { type: "Other" }> {
  const message = error instanceof Error ? error.message : String(error);
  return { type: "Other", data: { code: "ipc", message, engine_status: null } };
}
