import { describe, expect, it } from "vitest";
import type { TaskInfo } from "../../bindings";
import { inOrder, parseCommand, runningSlots } from "./console";

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

describe("inOrder", () => {
  const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

  it("sends one call at a time, in order, joining what was typed meanwhile", async () => {
    const sent: string[] = [];
    const answers: (() => void)[] = [];
    const input = inOrder((data) => {
      sent.push(data);
      return new Promise<void>((resolve) => answers.push(resolve));
    });
    input("e");
    input("c");
    input("h");
    expect(sent).toEqual(["e"]);
    answers[0]?.();
    await settled();
    expect(sent).toEqual(["e", "ch"]);
    answers[1]?.();
    await settled();
    input("o");
    expect(sent).toEqual(["e", "ch", "o"]);
  });

  it("goes on after a failed call", async () => {
    const sent: string[] = [];
    let fail = true;
    const input = inOrder((data) => {
      sent.push(data);
      const outcome = fail ? Promise.reject(new Error("gone")) : Promise.resolve();
      fail = false;
      return outcome;
    });
    input("a");
    input("b");
    await settled();
    expect(sent).toEqual(["a", "b"]);
  });
});
