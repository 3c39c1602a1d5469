import { describe, expect, it } from "vitest";
import { describeUpdateState, formatBytes, formatCpus, plural, retrySeconds, secondsLeft } from "./format";

describe("format", () => {
  it("labels every update state", () => {
    expect(describeUpdateState("none")).toEqual({ label: "no update", tone: "muted" });
    expect(describeUpdateState("rollback_completed").tone).toBe("bad");
    expect(describeUpdateState("completed").tone).toBe("ok");
  });

  it("formats bytes in binary units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512 * 1024 * 1024)).toBe("512 MiB");
    expect(formatBytes(1.5 * 1024 ** 3)).toBe("1.5 GiB");
    expect(formatBytes(16 * 1024 ** 3)).toBe("16 GiB");
  });

  it("formats nano-CPUs", () => {
    expect(formatCpus(4e9)).toBe("4");
    expect(formatCpus(5e8)).toBe("0.5");
    expect(formatCpus(2.25e9)).toBe("2.25");
  });

  it("counts the retry down in whole seconds and stops at zero", () => {
    expect(secondsLeft(5000, 1000, 1000)).toBe(5);
    expect(secondsLeft(5000, 1000, 2500)).toBe(4);
    expect(secondsLeft(5000, 1000, 6000)).toBe(0);
    expect(secondsLeft(5000, 1000, 9000)).toBe(0);
    expect(retrySeconds(500)).toBe(1);
    expect(retrySeconds(10_000)).toBe(10);
  });
});

describe("plural", () => {
  it("counts one in the singular and any other number in the plural", () => {
    expect(plural(1, "pair")).toBe("1 pair");
    expect(plural(0, "pair")).toBe("0 pairs");
    expect(plural(3, "leak")).toBe("3 leaks");
    expect(plural(2, "entry", "entries")).toBe("2 entries");
  });
});
