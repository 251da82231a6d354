/**
 * Shared setup for the driver's tests: a simulation of the project's two sites (from the real
 * stack files, or a warm/headless variant), an in-memory journal, the driver's dependencies, and
 * a summary of the final state that two runs can be compared on.
 */
import * as path from "node:path";
import { expect as chaiExpect } from "chai";
import { RefusedError } from "../../automation/errors";
import { readStackFileConfig } from "../../stacks/stack-files";
import type { DriverDeps } from "../../automation/driver";
import { MemoryJournal, MemoryJournalStore } from "../../automation/journal/memory-journal";
import type { JournalPort } from "../../automation/ports";
import { parseSiteConfigCached } from "../../automation/sim/parsed-config";
import { createSimulation, type FaultPlan, type Simulation, type SimulationOptions } from "../../automation/sim";
import { driverDeps, simWiring } from "../../automation/wiring";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export interface Variant {
  /**
   * Standby sites run no web/app pods (workload.replicas.*.standby: 0), so the target serves only
   * after its up as active. The stack files are warm (same replicas in both roles, decision 4).
   */
  cold?: boolean;
  /** The standby's DB cluster has no instance (database.readers.standby: 0). */
  headless?: boolean;
  /** `eks-dr:clusterAccess` of both stack files (access entries of the Kubernetes API). */
  clusterAccess?: { principalArn: string; policy: string; namespaces?: string[] }[];
  /** `eks-dr:dns.ttlSeconds` of both stack files. */
  dnsTtlSeconds?: number;
}

/** The project's stack files, read once per test process (each simulation gets its own copy). */
const stackFiles = new Map<string, Record<string, unknown>>();
function projectStackFile(stack: string): Record<string, unknown> {
  let raw = stackFiles.get(stack);
  if (!raw) stackFiles.set(stack, (raw = readStackFileConfig(PROJECT_DIR, stack)!));
  return structuredClone(raw);
}

export function variantConfigs(v: Variant): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const stack of ["primary", "dr"]) {
    const raw = projectStackFile(stack);
    if (v.cold) {
      const w = raw.workload as { replicas: Record<string, { active: number; standby: number }> };
      for (const tier of ["web", "app"]) w.replicas[tier].standby = 0;
    }
    if (v.headless) {
      const db = raw.database as { readers: { active: number; standby: number } };
      db.readers.standby = 0;
    }
    if (v.clusterAccess) raw.clusterAccess = structuredClone(v.clusterAccess);
    if (v.dnsTtlSeconds !== undefined) (raw.dns as { ttlSeconds: number }).ttlSeconds = v.dnsTtlSeconds;
    parseSiteConfigCached(stack, raw);
    out[stack] = raw;
  }
  return out;
}

export interface TestSim {
  sim: Simulation;
  journal: JournalPort;
  store: MemoryJournalStore;
  deps: DriverDeps;
}

export async function simulate(
  opts: { seed?: number; faults?: FaultPlan; journal?: JournalPort } & Variant &
    Pick<SimulationOptions, "program" | "principal" | "deployedBy" | "stateBackendRegion" | "tuning" | "latencyOverrides"> = {},
): Promise<TestSim> {
  const sim = await createSimulation({
    seed: opts.seed ?? 1,
    configs: variantConfigs(opts),
    faults: opts.faults,
    tuning: opts.tuning,
    latencyOverrides: opts.latencyOverrides,
    program: opts.program,
    principal: opts.principal,
    deployedBy: opts.deployedBy,
    stateBackendRegion: opts.stateBackendRegion,
  });
  const store = new MemoryJournalStore();
  const journal = opts.journal ?? new MemoryJournal(store, { pid: process.pid, host: "simulation", process: () => sim.process });
  const deps = driverDeps(simWiring(sim, { journal, stackNames: ["primary", "dr"], seed: opts.seed ?? 1 }));
  return { sim, journal, store, deps };
}

/** What must be the same after any two runs of the same command: the logical end state. */
export async function finalState(t: TestSim) {
  const { sim } = t;
  const world = sim.world;
  const dns = (await sim.stacks.readConfig("primary")).dns!;
  const records = world.getFailoverRecords(dns.hostedZoneId, dns.hostname);
  const site = async (stack: string) => {
    const snap = world.site(stack);
    const cfg = await sim.stacks.readConfig(stack);
    const outputs = await sim.stacks.outputs(stack);
    return {
      role: cfg.role,
      replicateToPeer: cfg.replicateToPeer,
      quiesced: cfg.quiesced,
      readersStandby: cfg.database.readers.standby,
      outputsRole: outputs?.role,
      replicatesTo: outputs?.efsReplication?.destinationFileSystemId,
      nodes: Object.fromEntries(Object.entries(snap.nodeGroups).map(([g, n]) => [g, `${n.minSize}/${n.desiredSize}/${n.maxSize}`])),
      db: snap.db.role,
      fsProtection: snap.fs.protection,
      serving: snap.serving,
      record: records.find((r) => r.setIdentifier === stack)?.failover,
    };
  };
  return {
    writer: world.writer(),
    replications: world.replicationsNow().map((r) => `${r.sourceStack}->${r.destStack} [${r.sides.join(",")}]`),
    primary: await site("primary"),
    dr: await site("dr"),
  };
}

/** Side effects that succeeded, counted by origin and API (e.g. "cloud FailoverGlobalCluster"). */
export function sideEffectCounts(sim: Simulation): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of sim.world.sideEffects()) {
    const key = `${c.origin} ${c.api}${c.args.nodeGroupName ? ` ${String(c.args.nodeGroupName)}` : ""}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** The refusal a run ends with (exit 2, nothing changed); fails the test if it did not refuse. */
export async function refusal(p: Promise<unknown>): Promise<RefusedError> {
  try {
    await p;
  } catch (err) {
    chaiExpect(err).to.be.instanceOf(RefusedError);
    return err as RefusedError;
  }
  throw new Error("expected a refusal");
}
