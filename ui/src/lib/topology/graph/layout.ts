/**
 * Positions for the topology graph, computed in a worker (see `layout.worker.ts`). Pure and
 * deterministic: organizations are packed as boxes in rows; inside each, the network sits on
 * top and the services in a grid below it, with their task groups in two columns under each
 * service. Given the previous result, organizations keep their place and services their order,
 * so a deploy moves only what it must.
 */

import type { GraphElement, NodeData } from "./graphModel";

export type Position = { x: number; y: number };
export type Box = { x: number; y: number; w: number; h: number };

export type LayoutResult = {
  /** Model positions of every non-compound node. */
  positions: Record<string, Position>;
  /** Each organization's box (top-left corner, size including its padding), by organization node id. */
  orgs: Record<string, Box>;
};

/** Node sizes; the stylesheet draws nodes at exactly these so the layout's spacing holds. */
export const SIZES = {
  service: { w: 180, h: 56 },
  network: { w: 200, h: 38 },
  tasks: { w: 87, h: 20 },
  orgPadding: 22,
} as const;

const TASK_GAP = SIZES.service.w - 2 * SIZES.tasks.w;
const H_GAP = 36;
const V_GAP = 34;
const NETWORK_GAP = 44;
/** Room between organizations, including the organization label drawn above each box. */
const ORG_GAP = 64;
const CELL_W = SIZES.service.w + H_GAP;
const TASK_ROWS = 2;
const CELL_H = SIZES.service.h + TASK_ROWS * (SIZES.tasks.h + TASK_GAP) + V_GAP;
/** Width over height the packing aims at: a landscape canvas. */
const ASPECT = 1.6;

type OrgPlan = {
  id: string;
  w: number;
  h: number;
  /** Positions relative to the box's top-left corner. */
  positions: Record<string, Position>;
};

function planOrg(
  id: string,
  children: NodeData[],
  tasksOf: Map<string, NodeData[]>,
  previous: Record<string, Position> | undefined,
): OrgPlan {
  const network = children.find((node) => node.kind === "network");
  const services = children.filter((node) => node.kind === "service");
  // Services seen before keep their reading order; new ones follow in input order.
  const seen = services.filter((node) => previous?.[node.id]);
  const fresh = services.filter((node) => !previous?.[node.id]);
  seen.sort((a, b) => {
    const p = previous?.[a.id] ?? { x: 0, y: 0 };
    const q = previous?.[b.id] ?? { x: 0, y: 0 };
    return p.y - q.y || p.x - q.x;
  });
  const ordered = [...seen, ...fresh];

  const count = ordered.length;
  const cols = Math.max(1, Math.min(count, Math.ceil(Math.sqrt(count * ASPECT))));
  const rows = Math.ceil(count / cols);
  const gridW = cols * CELL_W - H_GAP;
  const innerW = Math.max(SIZES.network.w, count > 0 ? gridW : 0);
  const innerH = SIZES.network.h + (rows > 0 ? NETWORK_GAP + rows * CELL_H - V_GAP : 0);
  const pad = SIZES.orgPadding;
  const gridLeft = pad + (innerW - gridW) / 2;
  const gridTop = pad + SIZES.network.h + NETWORK_GAP;

  const positions: Record<string, Position> = {};
  if (network) positions[network.id] = { x: pad + innerW / 2, y: pad + SIZES.network.h / 2 };
  ordered.forEach((service, index) => {
    const x = gridLeft + (index % cols) * CELL_W + SIZES.service.w / 2;
    const y = gridTop + Math.floor(index / cols) * CELL_H + SIZES.service.h / 2;
    positions[service.id] = { x, y };
    (tasksOf.get(service.id) ?? []).forEach((group, slot) => {
      positions[group.id] = {
        x: x - SIZES.service.w / 2 + SIZES.tasks.w / 2 + (slot % 2) * (SIZES.tasks.w + TASK_GAP),
        y: y + SIZES.service.h / 2 + TASK_GAP + SIZES.tasks.h / 2 + Math.floor(slot / 2) * (SIZES.tasks.h + TASK_GAP),
      };
    });
  });
  return { id, w: innerW + 2 * pad, h: innerH + 2 * pad, positions };
}

const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.w + ORG_GAP && b.x < a.x + a.w + ORG_GAP && a.y < b.y + b.h + ORG_GAP && b.y < a.y + a.h + ORG_GAP;

/** Shelf packing: left to right, wrapping at `rowWidth`, starting at `origin`. */
function shelve(plans: OrgPlan[], origin: Position, rowWidth: number): Record<string, Box> {
  const boxes: Record<string, Box> = {};
  let x = origin.x;
  let y = origin.y;
  let rowHeight = 0;
  for (const plan of plans) {
    if (x > origin.x && x - origin.x + plan.w > rowWidth) {
      x = origin.x;
      y += rowHeight + ORG_GAP;
      rowHeight = 0;
    }
    boxes[plan.id] = { x, y, w: plan.w, h: plan.h };
    x += plan.w + ORG_GAP;
    rowHeight = Math.max(rowHeight, plan.h);
  }
  return boxes;
}

/**
 * The row width whose packing shows largest on a landscape canvas: each candidate wraps after
 * a different number of organizations, and the one needing the least zoom-out to fit wins.
 */
function rowWidthFor(plans: OrgPlan[]): number {
  let best = { width: 0, scale: 0 };
  let width = -ORG_GAP;
  for (const plan of plans) {
    width += plan.w + ORG_GAP;
    const boxes = Object.values(shelve(plans, { x: 0, y: 0 }, width));
    const w = Math.max(...boxes.map((box) => box.x + box.w));
    const h = Math.max(...boxes.map((box) => box.y + box.h));
    const scale = Math.min(ASPECT / w, 1 / h);
    if (scale > best.scale) best = { width, scale };
  }
  return best.width;
}

/**
 * Organizations with a previous box keep its corner, pushed down only as far as needed to clear
 * the ones above that grew; new organizations are shelved below everything.
 */
function pack(plans: OrgPlan[], previous: Record<string, Box> | undefined): Record<string, Box> {
  const kept = plans.filter((plan) => previous?.[plan.id]);
  if (kept.length === 0 || !previous) return shelve(plans, { x: 0, y: 0 }, rowWidthFor(plans));

  const boxes: Record<string, Box> = {};
  const placed: Box[] = [];
  const corner = (plan: OrgPlan) => previous[plan.id] ?? { x: 0, y: 0 };
  kept.sort((a, b) => corner(a).y - corner(b).y || corner(a).x - corner(b).x);
  for (const plan of kept) {
    const box = { ...corner(plan), w: plan.w, h: plan.h };
    for (let blocker = placed.find((other) => overlaps(box, other)); blocker; blocker = placed.find((other) => overlaps(box, other))) {
      box.y = blocker.y + blocker.h + ORG_GAP;
    }
    boxes[plan.id] = box;
    placed.push(box);
  }

  const added = plans.filter((plan) => !previous[plan.id]);
  if (added.length > 0) {
    const left = Math.min(...placed.map((box) => box.x));
    const right = Math.max(...placed.map((box) => box.x + box.w));
    const bottom = Math.max(...placed.map((box) => box.y + box.h));
    Object.assign(boxes, shelve(added, { x: left, y: bottom + ORG_GAP }, Math.max(right - left, rowWidthFor(added))));
  }
  return boxes;
}

/** Lays the elements out; with `previous`, as a continuation of that layout. */
export function layoutGraph(elements: GraphElement[], previous?: LayoutResult): LayoutResult {
  const childrenOf = new Map<string, NodeData[]>();
  const tasksOf = new Map<string, NodeData[]>();
  const orgIds: string[] = [];
  for (const element of elements) {
    if (element.group !== "nodes") continue;
    const node = element.data;
    if (node.kind === "org") {
      orgIds.push(node.id);
    } else if (node.kind === "tasks") {
      const list = tasksOf.get(node.service);
      if (list) list.push(node);
      else tasksOf.set(node.service, [node]);
    } else {
      const list = childrenOf.get(node.parent);
      if (list) list.push(node);
      else childrenOf.set(node.parent, [node]);
    }
  }

  const plans = orgIds.map((id) => planOrg(id, childrenOf.get(id) ?? [], tasksOf, previous?.positions));
  const orgs = pack(plans, previous?.orgs);
  const positions: Record<string, Position> = {};
  for (const plan of plans) {
    const box = orgs[plan.id] ?? { x: 0, y: 0 };
    for (const [id, at] of Object.entries(plan.positions)) positions[id] = { x: box.x + at.x, y: box.y + at.y };
  }
  return { positions, orgs };
}
