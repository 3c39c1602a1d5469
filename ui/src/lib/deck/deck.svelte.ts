/**
 * The app's view of the backend: what it last heard, kept in runes so components re-render.
 *
 * It holds no business logic: every value comes from a command in `../bindings` and is shown as
 * it came. The refresh model is event-driven, without polling:
 * - on start: `connectionState`, `swarmInfo` and `topology`;
 * - on `clusterChanged`: `swarmInfo` and `topology` again, coalesced (see `./refresh`);
 * - on `connectionChanged`: the new state; on becoming connected, everything again.
 */

import { commands, events } from "../../bindings";
import type { AppError, ConnectionState, Preferences, SwarmInfo, Topology } from "../../bindings";
import { cachedTheme, rememberTheme } from "../settings/theme";
import { ipcError } from "../shared/errors";
import { settle, type Fetched, type Outcome } from "../shared/outcome";
import { coalesce } from "./refresh";

export class Deck {
  /** The engine connection, as last reported. */
  connection = $state<ConnectionState>({ state: "connecting", profile: "" });
  /** When `connection` was last set (ms since the epoch), for the retry countdown. */
  connectionSince = $state(Date.now());
  swarm = $state<Fetched<SwarmInfo>>({ status: "loading" });
  topology = $state<Fetched<Topology>>({ status: "loading" });
  /** Whether an "initialize swarm" request is under way. */
  initializing = $state(false);
  /** The last "initialize swarm" outcome, until the next attempt. */
  initOutcome = $state<Outcome<SwarmInfo> | null>(null);
  /** Set when the backend itself could not be called (not an engine problem: the app's own IPC failed). */
  backendError = $state<AppError | null>(null);
  /** The user's UI preferences as stored; the defaults until the settings are read. */
  preferences = $state<Preferences>({ theme: cachedTheme(), mask_env_values: true });
  /** Why the stored settings could not be used, when they could not. */
  settingsProblem = $state<AppError | null>(null);
  /**
   * While set, refreshes leave `topology` alone: the benchmarks show a synthetic topology that the
   * engine's own answers must not replace (see `./bench`).
   */
  frozen = false;

  #cluster = coalesce(() => this.#fetchCluster());
  #heardConnectionEvent = false;

  /**
   * Subscribes to the backend's events, then loads everything once. Returns the function that
   * unsubscribes (for `$effect` / `onMount` cleanup).
   */
  start(): () => void {
    const subscriptions = [
      events.clusterChanged.listen(() => {
        void this.refreshCluster();
      }),
      events.connectionChanged.listen((event) => {
        this.#heardConnectionEvent = true;
        this.setConnection(event.payload);
      }),
    ];
    // Subscribed first, so nothing that happens while these load is missed.
    void this.#loadConnection();
    void this.refreshCluster();
    void this.#loadPreferences();

    return () => {
      for (const subscription of subscriptions) {
        subscription.then((unlisten) => unlisten()).catch(() => {});
      }
    };
  }

  /** Applies a new connection state; becoming connected refetches everything (unless told not to). */
  setConnection(next: ConnectionState, refetchOnConnect = true): void {
    const wasConnected = this.connection.state === "connected";
    this.connection = next;
    this.connectionSince = Date.now();
    if (refetchOnConnect && next.state === "connected" && !wasConnected) {
      void this.refreshCluster();
    }
  }

  /** Refetches swarm info and topology (coalesced: bursts cost at most one extra fetch). */
  refreshCluster(): Promise<void> {
    return this.#cluster.request();
  }

  /** Initializes the swarm; the outcome is kept in `initOutcome`. */
  async initSwarm(): Promise<void> {
    if (this.initializing) return;
    this.initializing = true;
    this.initOutcome = null;
    try {
      const outcome = await settle(() => commands.initSwarm());
      this.initOutcome = outcome;
      if (outcome.status === "ok") {
        this.swarm = outcome;
        void this.refreshCluster();
      }
    } finally {
      this.initializing = false;
    }
  }

  async #loadConnection(): Promise<void> {
    try {
      const answer = await commands.connectionState();
      // An event that arrived meanwhile is newer than this answer. No refetch here: the first
      // fetch is already under way, and a later connect arrives as an event.
      if (answer.status === "ok" && !this.#heardConnectionEvent) this.setConnection(answer.data, false);
    } catch (error) {
      this.backendError = ipcError(error);
    }
  }

  async #loadPreferences(): Promise<void> {
    const outcome = await settle(() => commands.getSettings());
    if (outcome.status === "ok") {
      this.preferences = outcome.data.settings.preferences;
      // The next start paints in this theme before the backend answers.
      rememberTheme(this.preferences.theme);
    }
    else this.settingsProblem = outcome.error;
  }

  async #fetchCluster(): Promise<void> {
    const [swarm, topology] = await Promise.all([
      settle(() => commands.swarmInfo()),
      settle(() => commands.topology()),
    ]);
    this.swarm = swarm;
    // Checked after the fetch, so an answer already in flight when the deck froze is dropped too.
    if (!this.frozen) this.topology = topology;
    if (topology.status === "ok") markFirstData();
  }
}

/** The mark the start-up benchmark reads: the first frame painted with the engine's data in it. */
export const FIRST_DATA_MARK = "swarmdeck-first-data";

function markFirstData(): void {
  if (typeof performance === "undefined" || typeof requestAnimationFrame === "undefined") return;
  if (performance.getEntriesByName(FIRST_DATA_MARK, "mark").length > 0) return;
  // The second frame callback runs once the frame holding the data has been painted.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      if (performance.getEntriesByName(FIRST_DATA_MARK, "mark").length === 0) performance.mark(FIRST_DATA_MARK);
    }),
  );
}
