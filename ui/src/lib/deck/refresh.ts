/**
 * Coalesced refresh: turns a burst of "something changed" signals into as few fetches as
 * correctness allows.
 *
 * - At most one run of `task` is in flight at any time.
 * - A request while idle starts a run at once (synchronously calls `task`).
 * - Any number of requests while a run is in flight cause exactly one more run after it, so
 *   the last change is always seen by a fetch that started after it arrived.
 * - A failing run is reported to `onError` and does not stop later runs.
 *
 * `request()` resolves once a run that started after the request has finished (never rejects).
 */
export interface Coalescer {
  /** Asks for a run; see the rules above. */
  request(): Promise<void>;
  /** Whether a run is in flight. */
  readonly busy: boolean;
}

export function coalesce(task: () => Promise<void>, onError: (error: unknown) => void = () => {}): Coalescer {
  let inFlight: Promise<void> | null = null;
  let again = false;

  async function loop(): Promise<void> {
    try {
      do {
        again = false;
        try {
          await task();
        } catch (error) {
          onError(error);
        }
      } while (again);
    } finally {
      inFlight = null;
    }
  }

  return {
    request(): Promise<void> {
      if (inFlight) {
        again = true;
        return inFlight;
      }
      inFlight = loop();
      return inFlight;
    },
    get busy(): boolean {
      return inFlight !== null;
    },
  };
}
