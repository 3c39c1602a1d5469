import { describe, expect, it } from "vitest";
import { formatUsage, indexUsage, NO_USAGE, pushSample, sparklinePoints } from "./stats";

describe("pushSample", () => {
  it("keeps the newest samples up to the limit", () => {
    expect(pushSample([1, 2, 3], 4, 3)).toEqual([2, 3, 4]);
    expect(pushSample([], 7, 3)).toEqual([7]);
  });
});

describe("sparklinePoints", () => {
  it("puts the newest sample at the right edge and scales to the ceiling", () => {
    expect(sparklinePoints([0, 50, 100], 100, 10, 100, 3)).toBe("0,10 50,5 100,0");
    expect(sparklinePoints([200], 100, 10, 100, 3)).toBe("100,0");
    expect(sparklinePoints([], 100, 10, 100)).toBe("");
  });
});

describe("usage figures", () => {
  const total = (cpu: number | null, memory: number) => ({
    cpu_percent: cpu,
    memory_bytes: memory,
    memory_limit_bytes: 0,
    network_rx_bytes: 0,
    network_tx_bytes: 0,
  });

  it("index services with figures of a running task, and organizations", () => {
    const index = indexUsage({
      total: total(3, 30),
      services: [
        { service_name: "a-web", org_id: "alpha", total: total(2, 20), tasks: [] },
        { service_name: "a-api", org_id: "alpha", total: total(0, 0), tasks: [{ task_id: "w", slot: 1, cpu_percent: 0, memory_bytes: 0, memory_limit_bytes: null, network_rx_bytes: 0, network_tx_bytes: 0, unavailable: "waiting for the engine's first figures" }] },
        { service_name: "a-db", org_id: "alpha", total: total(1, 10), tasks: [{ task_id: "t", slot: 1, cpu_percent: 1, memory_bytes: 10, memory_limit_bytes: null, network_rx_bytes: 0, network_tx_bytes: 0, unavailable: null }] },
      ],
      orgs: [{ org_id: "alpha", total: total(3, 30) }],
    });
    expect([...index.services.keys()]).toEqual(["a-db"]);
    expect(index.orgs.get("alpha")?.cpu_percent).toBe(3);
    expect(indexUsage(null)).toBe(NO_USAGE);
  });

  it("read short, a missing figure as zero", () => {
    expect(formatUsage(total(12.34, 40 * 1024 * 1024))).toBe("CPU 12.3% · 40 MiB");
    expect(formatUsage(total(null, 0))).toBe("CPU 0.0% · 0 B");
  });
});
