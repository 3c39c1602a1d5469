/**
 * Every Swarmdeck service's resource use for the Home tables and the topology graph, from one backend follow. The
 * follow (one engine stream per task) runs only while `follow()` has an unreleased caller and the window is shown:
 * a hidden or minimized window closes the streams, and showing it again reopens them.
 */

import { Channel } from "@tauri-apps/api/core";
import { commands } from "../../bindings";
import type { AppError, StatsEvent } from "../../bindings";
import { indexUsage, NO_USAGE, type UsageIndex } from "./stats";

export class LiveUsage {
  /** The latest figures by service and organization; empty until the first report and while nobody watches. */
  usage = $state.raw<UsageIndex>(NO_USAGE);
  /** Why the latest read failed, until the next report. */
  error = $state<AppError | null>(null);

  #watchers = 0;
  #windowShown = typeof document === "undefined" || document.visibilityState !== "hidden";
  /** The running follow's id (a promise, as it may still be starting), or null when none runs. */
  #follow: Promise<number | null> | null = null;
  /** Counts started follows, so reports of one already stopped are told apart. */
  #generation = 0;

  constructor() {
    if (typeof document !== "undefined") {
      document.addEventListener("visibilitychange", () => {
        this.#windowShown = document.visibilityState !== "hidden";
        this.#reconcile();
      });
    }
  }

  /** Keeps the figures live until the returned function is called (for `$effect` cleanup). */
  follow(): () => void {
    this.#watchers += 1;
    this.#reconcile();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#watchers -= 1;
      this.#reconcile();
    };
  }

  #reconcile(): void {
    const wanted = this.#watchers > 0 && this.#windowShown;
    if (wanted && !this.#follow) {
      this.#follow = this.#start();
    } else if (!wanted && this.#follow) {
      const running = this.#follow;
      this.#follow = null;
      this.#generation += 1;
      this.usage = NO_USAGE;
      void running.then((id) => {
        if (id !== null) void commands.stopStats(id);
      });
    }
  }

  async #start(): Promise<number | null> {
    const mine = ++this.#generation;
    const channel = new Channel<StatsEvent>();
    channel.onmessage = (event) => {
      // Reports of a follow already stopped would bring back figures nobody watches.
      if (this.#generation !== mine || !this.#follow) return;
      if (event.kind === "report") {
        this.usage = indexUsage(event.report);
        this.error = null;
      } else {
        this.error = event.error;
      }
    };
    const outcome = await commands.followStats({ kind: "all" }, channel);
    if (outcome.status === "error") {
      this.error = outcome.error;
      return null;
    }
    return outcome.data;
  }
}
