/**
 * Hooks for `make bench` (tests/benches/ui.rs), which drives the real app over WebDriver.
 *
 * Creating 200 real services is too heavy for a small machine, so the bench hands the UI a
 * synthetic topology of that shape instead. The hooks exist only on a page opened with the
 * `bench` query parameter: a normal start never has them.
 */

import type { Terminal } from "@xterm/xterm";
import type { Topology } from "../../bindings";
import type { Deck } from "./deck.svelte";

export interface BenchHooks {
  /**
   * Shows `topology` as if the engine had answered it, or `null` for the loading state (which
   * unmounts the graph, so the next topology mounts it afresh). Either way the deck's own
   * refreshes stop replacing it until the page is loaded again.
   */
  showTopology(topology: Topology | null): void;
  /** The open console's terminal, for the keystroke echo measure; null while no console is open. */
  terminal: Terminal | null;
}

export type BenchWindow = { __swarmdeckBench?: BenchHooks };

export function installBenchHooks(deck: Deck, target: { location: { search: string } } & BenchWindow = window): void {
  if (!new URLSearchParams(target.location.search).has("bench")) return;
  target.__swarmdeckBench = {
    showTopology(topology) {
      deck.frozen = true;
      deck.topology = topology ? { status: "ok", data: topology } : { status: "loading" };
    },
    terminal: null,
  };
}

/** Hands the console's terminal (or null when it closes) to the bench; nothing happens on a normal page. */
export function offerTerminal(terminal: Terminal | null, target: BenchWindow = window as BenchWindow): void {
  if (target.__swarmdeckBench) target.__swarmdeckBench.terminal = terminal;
}
