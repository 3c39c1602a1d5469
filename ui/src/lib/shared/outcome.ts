/** The shapes every view reads a backend answer in, and the one way a command's call is turned into one. */

import type { AppError } from "../../bindings";
import { ipcError } from "./errors";

/** A value fetched from the backend: not yet, the value, or why not. */
export type Fetched<T> = { status: "loading" } | { status: "ok"; data: T } | { status: "error"; error: AppError };

/** The outcome of a command the user started. */
export type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

/** Runs a command returning a tauri-specta result, turning a thrown IPC failure into an `AppError`. */
export async function settle<T>(call: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await call();
  } catch (error) {
    return { status: "error", error: ipcError(error) };
  }
}

/** The error of an outcome, if it failed. */
export function failure(outcome: Outcome<unknown> | null | undefined): AppError | null {
  return outcome?.status === "error" ? outcome.error : null;
}
