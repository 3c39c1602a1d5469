import { describe, expect, it } from "vitest";
import type { Topology } from "../../../bindings";
import { node, org, scaleTopology, service, task } from "./fixtures";
import { toElements } from "./graphModel";
import { layoutGraph, SIZES, type Box, type LayoutResult } from "./layout";
import { LayoutClient } from "./layoutClient";

const boxesOverlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function expectNoOverlap(result: LayoutResult) {
  const boxes = Object.values(result.orgs);
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => expect(boxesOverlap(a, b)).toBe(false)));
}

function topology(orgs: number, servicesPerOrg: number): Topology {
  return {
    nodes: [node("n1", "alpha")],
    orgs: Array.from({ length: orgs }, (_, o) =>
      org(
        `o${o}`,
        Array.from({ length: servicesPerOrg }, (_, s) => service(`o${o}-s${s}`, { tasks: [task(`t${o}-${s}`, "n1")] })),
      ),
    ),
  };
}

describe("layoutGraph", () => {
  it("positions every non-compound node, inside its organization's box", () => {
    const elements = toElements(topology(3, 4));
    const result = layoutGraph(elements);
    for (const element of elements) {
      if (element.group !== "nodes" || element.data.kind === "org") continue;
      const at = result.positions[element.data.id];
      const box = result.orgs[element.data.parent];
      expect(at, element.data.id).toBeDefined();
      expect(box).toBeDefined();
      if (!at || !box) continue;
      expect(at.x).toBeGreaterThan(box.x);
      expect(at.x).toBeLessThan(box.x + box.w);
      expect(at.y).toBeGreaterThan(box.y);
      expect(at.y).toBeLessThan(box.y + box.h);
    }
    expect(Object.keys(result.orgs)).toEqual(["org:o0", "org:o1", "org:o2"]);
    expectNoOverlap(result);
  });

  it("puts the network above the services and task groups under their service", () => {
    const result = layoutGraph(toElements(topology(1, 2)));
    const network = result.positions["net:o0"];
    const first = result.positions["svc:id-o0-s0"];
    const second = result.positions["svc:id-o0-s1"];
    const tasks = result.positions["tasks:id-o0-s0:n1"];
    if (!network || !first || !second || !tasks) throw new Error("missing position");
    expect(network.y).toBeLessThan(first.y);
    expect(first.y).toBe(second.y);
    expect(second.x - first.x).toBeGreaterThanOrEqual(SIZES.service.w);
    expect(tasks.y).toBeGreaterThan(first.y + SIZES.service.h / 2);
    expect(Math.abs(tasks.x - first.x)).toBeLessThan(SIZES.service.w / 2);
  });

  it("is deterministic", () => {
    const elements = toElements(topology(5, 3));
    expect(layoutGraph(elements)).toEqual(layoutGraph(elements));
  });

  it("keeps organizations and services in place when a service or organization is added", () => {
    const before = topology(6, 3);
    const first = layoutGraph(toElements(before));

    const after = topology(6, 3);
    after.orgs[5]?.services.push(service("o5-late", { networks: ["net-o5"] }));
    after.orgs.push(org("zz", [service("zz-s0")]));
    const second = layoutGraph(toElements(after), first);

    for (let o = 0; o < 5; o += 1) expect(second.orgs[`org:o${o}`]).toEqual(first.orgs[`org:o${o}`]);
    for (let s = 0; s < 3; s += 1) {
      expect(second.positions[`svc:id-o5-s${s}`]).toEqual(first.positions[`svc:id-o5-s${s}`]);
    }
    const bottom = Math.max(...Object.values(first.orgs).map((box) => box.y + box.h));
    expect(second.orgs["org:zz"]?.y).toBeGreaterThan(bottom);
    expectNoOverlap(second);
  });

  it("pushes organizations down rather than overlapping one that grew", () => {
    const before = topology(4, 1);
    const first = layoutGraph(toElements(before));
    const after = topology(4, 1);
    const grown = after.orgs[0];
    if (!grown) throw new Error("fixture");
    for (let s = 1; s < 12; s += 1) grown.services.push(service(`o0-more${s}`, { networks: ["net-o0"] }));
    const second = layoutGraph(toElements(after), first);
    expect(second.orgs["org:o0"]).toMatchObject({ x: first.orgs["org:o0"]?.x, y: first.orgs["org:o0"]?.y });
    expect(second.orgs["org:o1"]?.x).toBe(first.orgs["org:o1"]?.x);
    expect(second.orgs["org:o1"]?.y).toBeGreaterThan(first.orgs["org:o1"]?.y ?? 0);
    expectNoOverlap(second);
  });

  it("lays out the 50/200/400 case without overlaps in a landscape-ish area", () => {
    const result = layoutGraph(toElements(scaleTopology()));
    expect(Object.keys(result.orgs)).toHaveLength(50);
    expectNoOverlap(result);
    const boxes = Object.values(result.orgs);
    const width = Math.max(...boxes.map((box) => box.x + box.w));
    const height = Math.max(...boxes.map((box) => box.y + box.h));
    expect(width / height).toBeGreaterThan(0.8);
    expect(width / height).toBeLessThan(4);
  });

  it("lays out an empty topology", () => {
    expect(layoutGraph([])).toEqual({ positions: {}, orgs: {} });
  });
});

describe("LayoutClient", () => {
  it("lays out inline where no worker can start", async () => {
    const elements = toElements(topology(2, 2));
    const client = new LayoutClient();
    await expect(client.run(elements)).resolves.toEqual(layoutGraph(elements));
    client.dispose();
  });
});
