import { describe, expect, it } from "vitest";
import type { TaskInfo } from "../../bindings";
import { parseCommand, runningSlots } from "./console";

describe("parseCommand", () => {
  it("splits words and keeps quoted spaces", () => {
    expect(parseCommand("/bin/sh")).toEqual(["/bin/sh"]);
    expect(parseCommand("  /fixture   shell ")).toEqual(["/fixture", "shell"]);
    expect(parseCommand(`sh -c 'echo "a b"'`)).toEqual(["sh", "-c", 'echo "a b"']);
    expect(parseCommand(`echo "x \\" y" z\\ w ''`)).toEqual(["echo", 'x " y', "z w", ""]);
  });

  it("refuses an open quote", () => {
    expect(parseCommand(`echo "open`)).toBeNull();
  });
});

describe("runningSlots", () => {
  const task = (slot: number | null, state: string, desired = "running") =>
    ({ slot, state, desired_state: desired }) as TaskInfo;

  it("lists the slots of running tasks, lowest first, once each", () => {
    expect(runningSlots([task(3, "running"), task(1, "running"), task(2, "failed"), task(1, "running", "shutdown"), task(null, "running")])).toEqual([1, 3]);
  });
});
