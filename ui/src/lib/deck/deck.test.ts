import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ClusterChanged, ConnectionState, SwarmInfo, Topology } from "../../bindings";

// The bindings are the only way to the backend; here they are fakes the test drives.
const backend = vi.hoisted(() => ({
  swarmInfo: vi.fn(),
  initSwarm: vi.fn(),
  connectionState: vi.fn(),
  topology: vi.fn(),
  getSettings: vi.fn(),
  listeners: {} as Record<string, (event: { payload: unknown }) => void>,
  unlistened: [] as string[],
}));

vi.mock("../../bindings", () => {
  const event = (name: string) => ({
    listen: (cb: (event: { payload: unknown }) => void) => {
      backend.listeners[name] = cb;
      return Promise.resolve(() => backend.unlistened.push(name));
    },
  });
  return {
    commands: {
      swarmInfo: backend.swarmInfo,
      initSwarm: backend.initSwarm,
      connectionState: backend.connectionState,
      topology: backend.topology,
      getSettings: backend.getSettings,
    },
    events: { clusterChanged: event("clusterChanged"), connectionChanged: event("connectionChanged") },
  };
});

const { Deck } = await import("./deck.svelte");
const { installBenchHooks, offerTerminal } = await import("./bench");

const swarm: SwarmInfo = {
  initialized: true,
  local_node_state: "active",
  swarm_id: "abc123",
  node_id: "node1",
  nodes: 1,
  managers: 1,
  advertise_addr: "10.0.0.2",
  engine_version: "27.1.1",
  created: false,
};
const topology: Topology = { nodes: [], orgs: [] };
const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function emitCluster(change: ClusterChanged) {
  backend.listeners.clusterChanged?.({ payload: change });
}
function emitConnection(state: ConnectionState) {
  backend.listeners.connectionChanged?.({ payload: state });
}

beforeEach(() => {
  vi.clearAllMocks();
  backend.listeners = {};
  backend.unlistened = [];
  backend.swarmInfo.mockResolvedValue({ status: "ok", data: swarm });
  backend.topology.mockResolvedValue({ status: "ok", data: topology });
  backend.getSettings.mockResolvedValue({
    status: "ok",
    data: {
      settings: { profiles: [], active_profile: "local", preferences: { theme: "dark", mask_env_values: false } },
      notice: null,
    },
  });
  backend.connectionState.mockResolvedValue({ status: "ok", data: { state: "connected", profile: "local", engine_version: "27.1.1", notices: [], manager_hosts: [] } });
});

describe("Deck", () => {
  it("subscribes, then loads connection state, swarm info and topology once", async () => {
    const deck = new Deck();
    const stop = deck.start();
    expect(Object.keys(backend.listeners).sort()).toEqual(["clusterChanged", "connectionChanged"]);
    await flush();
    expect(backend.connectionState).toHaveBeenCalledTimes(1);
    expect(deck.connection).toEqual({ state: "connected", profile: "local", engine_version: "27.1.1", notices: [], manager_hosts: [] });
    expect(deck.swarm).toEqual({ status: "ok", data: swarm });
    expect(deck.topology).toEqual({ status: "ok", data: topology });
    // The first answer is not a reconnect: one fetch each, not two.
    expect(backend.topology).toHaveBeenCalledTimes(1);
    expect(backend.swarmInfo).toHaveBeenCalledTimes(1);
    stop();
    await flush();
    expect(backend.unlistened.sort()).toEqual(["clusterChanged", "connectionChanged"]);
  });

  it("coalesces a burst of cluster events into one more fetch", async () => {
    const deck = new Deck();
    deck.start();
    await flush();
    const before = backend.topology.mock.calls.length;
    for (let i = 0; i < 20; i++) emitCluster({ kind: "container", action: "start", id: `c${i}` });
    await flush();
    // The first event starts a fetch; the other 19 arrive while it is in flight: one more.
    expect(backend.topology.mock.calls.length - before).toBe(2);
    expect(backend.swarmInfo.mock.calls.length).toBe(backend.topology.mock.calls.length);
  });

  it("shows errors by value and keeps the connection from events", async () => {
    backend.topology.mockResolvedValue({ status: "error", error: { type: "Other", data: { code: "not_swarm_manager", message: "not a manager", engine_status: null } } });
    const deck = new Deck();
    deck.start();
    await flush();
    expect(deck.topology).toEqual({ status: "error", error: { type: "Other", data: { code: "not_swarm_manager", message: "not a manager", engine_status: null } } });

    emitConnection({ state: "disconnected", profile: "local", reason: "connection refused", retry_in_ms: 4000 });
    expect(deck.connection).toEqual({ state: "disconnected", profile: "local", reason: "connection refused", retry_in_ms: 4000 });
  });

  it("refetches everything when the connection comes back", async () => {
    const deck = new Deck();
    deck.start();
    await flush();
    emitConnection({ state: "disconnected", profile: "local", reason: "gone", retry_in_ms: 1000 });
    await flush();
    const before = backend.topology.mock.calls.length;
    emitConnection({ state: "connected", profile: "local", engine_version: "27.1.1", notices: [], manager_hosts: [] });
    await flush();
    expect(backend.topology.mock.calls.length).toBe(before + 1);
    expect(backend.swarmInfo.mock.calls.length).toBe(before + 1);
    // Staying connected is not a reconnect.
    emitConnection({ state: "connected", profile: "local", engine_version: "27.1.1", notices: [], manager_hosts: [] });
    await flush();
    expect(backend.topology.mock.calls.length).toBe(before + 1);
  });

  it("ignores a stale connection answer once an event has arrived", async () => {
    type Answer = { status: "ok"; data: ConnectionState };
    let answer: (state: Answer) => void = () => {};
    backend.connectionState.mockReturnValue(new Promise<Answer>((resolve) => (answer = resolve)));
    const deck = new Deck();
    deck.start();
    emitConnection({ state: "disconnected", profile: "local", reason: "refused", retry_in_ms: 2000 });
    answer({ status: "ok", data: { state: "connecting", profile: "local" } });
    await flush();
    expect(deck.connection.state).toBe("disconnected");
  });

  it("initializes the swarm with a busy state and keeps the outcome", async () => {
    const deck = new Deck();
    deck.start();
    await flush();
    let finish: (value: unknown) => void = () => {};
    backend.initSwarm.mockReturnValue(new Promise((resolve) => (finish = resolve)));
    const pending = deck.initSwarm();
    expect(deck.initializing).toBe(true);
    void deck.initSwarm(); // a second click while busy does nothing
    expect(backend.initSwarm).toHaveBeenCalledTimes(1);
    finish({ status: "ok", data: { ...swarm, created: true } });
    await pending;
    expect(deck.initializing).toBe(false);
    expect(deck.initOutcome).toEqual({ status: "ok", data: { ...swarm, created: true } });

    backend.initSwarm.mockResolvedValue({ status: "error", error: { type: "Other", data: { code: "advertise_address", message: "no address", engine_status: null } } });
    await deck.initSwarm();
    expect(deck.initOutcome?.status).toBe("error");
  });

  it("reports a failed IPC call as a backend error, not as an engine state", async () => {
    backend.connectionState.mockRejectedValue(new Error("window.__TAURI_INTERNALS__ is undefined"));
    backend.swarmInfo.mockRejectedValue(new Error("window.__TAURI_INTERNALS__ is undefined"));
    const deck = new Deck();
    deck.start();
    await flush();
    expect(deck.backendError?.type).toBe("Other");
    expect(deck.connection.state).toBe("connecting");
    expect(deck.swarm.status).toBe("error");
  });

  it("loads the stored preferences, and keeps the defaults with the reason when it cannot", async () => {
    const deck = new Deck();
    expect(deck.preferences.mask_env_values).toBe(true);
    deck.start();
    await flush();
    expect(deck.preferences).toEqual({ theme: "dark", mask_env_values: false });

    backend.getSettings.mockResolvedValue({ status: "error", error: { type: "Other", data: { code: "settings", message: "bad file", engine_status: null } } });
    const fallback = new Deck();
    fallback.start();
    await flush();
    expect(fallback.preferences.theme).toBe("system");
    expect(fallback.settingsProblem?.type).toBe("Other");
  });

  it("keeps a frozen topology through refreshes, even one already in flight, until released", async () => {
    const deck = new Deck();
    deck.start();
    await flush();
    const synthetic: Topology = { nodes: [], orgs: [{ org_id: "bench", network: null, services: [] }] };
    let answer: (value: unknown) => void = () => {};
    backend.topology.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    emitCluster({ kind: "container", action: "start", id: "c1" });
    deck.frozen = true;
    deck.topology = { status: "ok", data: synthetic };
    answer({ status: "ok", data: topology });
    emitCluster({ kind: "container", action: "die", id: "c1" });
    await flush();
    expect(deck.topology).toEqual({ status: "ok", data: synthetic });
    // The swarm card is not part of the freeze.
    expect(deck.swarm).toEqual({ status: "ok", data: swarm });
    deck.frozen = false;
    await deck.refreshCluster();
    expect(deck.topology).toEqual({ status: "ok", data: topology });
  });

  it("installs the bench hooks only on a page opened with ?bench", async () => {
    const deck = new Deck();
    deck.start();
    await flush();
    const plain: Parameters<typeof installBenchHooks>[1] = { location: { search: "" } };
    installBenchHooks(deck, plain);
    expect(plain.__swarmdeckBench).toBeUndefined();

    const page: Parameters<typeof installBenchHooks>[1] = { location: { search: "?bench=1" } };
    installBenchHooks(deck, page);
    const hooks = page.__swarmdeckBench;
    const synthetic: Topology = { nodes: [], orgs: [{ org_id: "bench", network: null, services: [] }] };
    hooks?.showTopology(synthetic);
    emitCluster({ kind: "service", action: "update", id: "s1" });
    await flush();
    expect(deck.topology).toEqual({ status: "ok", data: synthetic });
    hooks?.showTopology(null);
    expect(deck.topology).toEqual({ status: "loading" });

    // A console's terminal reaches the bench page only.
    const terminal = {} as NonNullable<NonNullable<typeof hooks>["terminal"]>;
    offerTerminal(terminal, plain);
    expect(plain.__swarmdeckBench).toBeUndefined();
    offerTerminal(terminal, page);
    expect(hooks?.terminal).toBe(terminal);
    offerTerminal(null, page);
    expect(hooks?.terminal).toBeNull();
  });
});
