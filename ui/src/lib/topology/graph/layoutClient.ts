/**
 * Hands layouts to the worker and matches answers to requests. Should the worker fail to
 * start (a webview without module workers), layouts run inline instead: slower, still correct.
 */

import type { GraphElement } from "./graphModel";
import { layoutGraph, type LayoutResult } from "./layout";
import type { LayoutRequest, LayoutResponse } from "./layout.worker";

export class LayoutClient {
  #worker: Worker | null = null;
  #sequence = 0;
  #pending = new Map<number, { request: LayoutRequest; resolve: (result: LayoutResult) => void }>();

  constructor() {
    try {
      this.#worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
      this.#worker.onmessage = (event: MessageEvent<LayoutResponse>) => {
        const { id, result } = event.data;
        this.#pending.get(id)?.resolve(result);
        this.#pending.delete(id);
      };
      this.#worker.onerror = () => this.#fallBack();
    } catch {
      this.#worker = null;
    }
  }

  run(elements: GraphElement[], previous?: LayoutResult): Promise<LayoutResult> {
    const request: LayoutRequest = { id: ++this.#sequence, elements, previous };
    if (!this.#worker) return Promise.resolve(layoutGraph(elements, previous));
    return new Promise((resolve) => {
      this.#pending.set(request.id, { request, resolve });
      this.#worker?.postMessage(request);
    });
  }

  #fallBack() {
    this.#worker?.terminate();
    this.#worker = null;
    for (const { request, resolve } of this.#pending.values()) resolve(layoutGraph(request.elements, request.previous));
    this.#pending.clear();
  }

  dispose() {
    this.#worker?.terminate();
    this.#worker = null;
    this.#pending.clear();
  }
}
