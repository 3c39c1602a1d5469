import { describe, expect, it } from "vitest";
import { coalesce } from "./refresh";

/** A task whose runs finish only when the test says so, counting calls and overlap. */
function controlledTask() {
  const pending: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  let calls = 0;
  let running = 0;
  let maxRunning = 0;
  const task = () => {
    calls += 1;
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    return new Promise<void>((resolve, reject) => {
      pending.push({
        resolve: () => {
          running -= 1;
          resolve();
        },
        reject: (error) => {
          running -= 1;
          reject(error);
        },
      });
    });
  };
  return {
    task,
    get calls() {
      return calls;
    },
    get maxRunning() {
      return maxRunning;
    },
    /** Finishes the oldest unfinished run and lets the coalescer react. */
    async finish(error?: unknown) {
      const next = pending.shift();
      if (!next) throw new Error("no run in flight");
      if (error === undefined) next.resolve();
      else next.reject(error);
      await flush();
    },
  };
}

/** Lets every queued microtask run. */
const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("coalesce", () => {
  it("runs once, immediately, for a single request", async () => {
    const t = controlledTask();
    const c = coalesce(t.task);
    const done = c.request();
    expect(t.calls).toBe(1);
    expect(c.busy).toBe(true);
    await t.finish();
    await done;
    expect(t.calls).toBe(1);
    expect(c.busy).toBe(false);
  });

  it("turns a burst during a run into exactly one more run", async () => {
    const t = controlledTask();
    const c = coalesce(t.task);
    void c.request();
    for (let i = 0; i < 10; i++) void c.request();
    expect(t.calls).toBe(1);
    await t.finish();
    expect(t.calls).toBe(2);
    await t.finish();
    expect(t.calls).toBe(2);
    expect(c.busy).toBe(false);
    expect(t.maxRunning).toBe(1);
  });

  it("runs again when requests arrive during the follow-up run", async () => {
    const t = controlledTask();
    const c = coalesce(t.task);
    void c.request();
    void c.request();
    await t.finish();
    expect(t.calls).toBe(2);
    void c.request();
    void c.request();
    await t.finish();
    expect(t.calls).toBe(3);
    await t.finish();
    expect(t.calls).toBe(3);
    expect(t.maxRunning).toBe(1);
    expect(c.busy).toBe(false);
  });

  it("resolves a request made during a run only after the follow-up run", async () => {
    const t = controlledTask();
    const c = coalesce(t.task);
    void c.request();
    let settled = false;
    void c.request().then(() => {
      settled = true;
    });
    await t.finish();
    expect(settled).toBe(false);
    await t.finish();
    expect(settled).toBe(true);
  });

  it("reports a failing run and keeps going", async () => {
    const t = controlledTask();
    const errors: unknown[] = [];
    const c = coalesce(t.task, (error) => errors.push(error));
    const first = c.request();
    void c.request();
    await t.finish(new Error("boom"));
    expect(errors).toEqual([new Error("boom")]);
    expect(t.calls).toBe(2);
    await t.finish();
    await expect(first).resolves.toBeUndefined();
    void c.request();
    expect(t.calls).toBe(3);
    await t.finish();
    expect(c.busy).toBe(false);
  });

  it("starts afresh after going idle", async () => {
    const t = controlledTask();
    const c = coalesce(t.task);
    void c.request();
    await t.finish();
    void c.request();
    expect(t.calls).toBe(2);
    await t.finish();
    expect(t.calls).toBe(2);
  });
});
