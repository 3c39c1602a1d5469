/** Runs `layoutGraph` off the main thread, so laying out hundreds of nodes never blocks a pan. */

import type { GraphElement } from "./graphModel";
import { layoutGraph, type LayoutResult } from "./layout";

export type LayoutRequest = { id: number; elements: GraphElement[]; previous?: LayoutResult };
export type LayoutResponse = { id: number; result: LayoutResult };

// The project's types are the DOM's; this is the slice of a worker's global scope used here.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null;
  postMessage(message: LayoutResponse): void;
};

scope.onmessage = (event: MessageEvent<LayoutRequest>) => {
  const { id, elements, previous } = event.data;
  scope.postMessage({ id, result: layoutGraph(elements, previous) });
};
