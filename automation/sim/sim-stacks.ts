/**
 * `StackPort` over the simulated world: each stack's config, Pulumi state and outputs.
 *
 * Config is validated with the shared schema (`parseSiteConfig`), all or nothing. `up` does what
 * the real program does for the config (`siteIntent`: node group sizes by role, EFS protection by
 * role, the EFS replication owned by the active site, DNS designation by role, DB instance counts,
 * workload replicas / quiesce) the way Pulumi does it: it diffs the desired resources against the
 * stack's *state* (not against reality), so a resource the driver changed directly is only seen
 * if it is in `refreshTargets`; `target` and `exclude` limit the steps (as in Pulumi, a target or
 * refresh target the stack does not know fails the up; an empty target list is refused, as the
 * real adapter refuses it); deletions run after
 * creates and updates; steps that reach an unreachable Region hang until the up fails after
 * `unreachableFailAfterMs`. Rejections come from the world's AWS rules (a second PRIMARY record,
 * a replication into a protected file system...). The up takes the `pulumi-up` latency, plus the
 * waits the AWS provider makes (DB instance creation, replication deletion, node group updates).
 */
import { ConfigError, pairProblems, parseSiteConfig, type NodeGroupName, NODE_GROUPS, type SiteConfig } from "../../stacks/config";
import { OUTPUTS_CONTRACT_VERSION, siteOutputsSchema, type SiteOutputs } from "../../stacks/outputs";
import type { Clock, ConfigChange, NodeGroupScaling, StackPort, UpOptions, UpResult } from "../ports";
import { AwsError, StackUpError } from "./errors";
import type { LatencyModel } from "./latency";
import { GLOBAL_CLUSTER_ID, SIM_ACCOUNT_ID, siteIntent, siteNames, siteUrns } from "./naming";
import { DriverProcess } from "./process";
import { ROUTE53, type World } from "./world";

type Resource =
  | { kind: "nodeGroup"; nodeGroup: NodeGroupName; scaling: NodeGroupScaling }
  | { kind: "fileSystem"; protection: "ENABLED" | "DISABLED" }
  | { kind: "replication"; destStack: string; destinationFileSystemId: string }
  | { kind: "dbInstance"; index: number }
  | { kind: "dnsRecord"; failover: "PRIMARY" | "SECONDARY" }
  | { kind: "deployment"; tier: "web" | "app"; replicas: number; quiesced: boolean };

type Op = "create" | "update" | "delete";
interface Step {
  op: Op;
  urn: string;
  res: Resource;
}

const CONFIG_KEYS: ConfigChange["key"][] = ["role", "replicateToPeer", "quiesced", "database.readers.standby", "database.readers.active"];

/** Resource type tokens for engine output lines. */
const TYPE_TOKEN: Record<Resource["kind"], string> = {
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  fileSystem: "aws:efs/fileSystem:FileSystem",
  replication: "aws:efs/replicationConfiguration:ReplicationConfiguration",
  dbInstance: "aws:rds/clusterInstance:ClusterInstance",
  dnsRecord: "aws:route53/record:Record",
  deployment: "kubernetes:apps/v1:Deployment",
};

export interface SimStacksOptions {
  world: World;
  /** The root (virtual) clock. */
  clock: Clock;
  latency: LatencyModel;
  /** Raw project config per stack, namespace stripped (as `readStackFileConfig` returns it). */
  configs: Record<string, Record<string, unknown>>;
  process?: DriverProcess;
  /** An `up` with a step into an unreachable Region fails after this long. @default 300000 */
  unreachableFailAfterMs?: number;
  /** Shared between the ports of successive driver processes (see Simulation.restart). */
  shared?: SimStacksState;
}

/** What survives a driver crash: config files, Pulumi state and outputs live outside the process. */
export interface SimStacksState {
  raw: Map<string, Record<string, unknown>>;
  state: Map<string, Map<string, Resource>>;
  outputs: Map<string, SiteOutputs>;
  running: Set<string>;
}

const clone = <T>(v: T): T => structuredClone(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class SimStacks implements StackPort {
  private readonly world: World;
  private readonly clock: Clock;
  private readonly latency: LatencyModel;
  private readonly process: DriverProcess;
  private readonly failAfterMs: number;
  /** Shared with the ports of later driver processes. */
  readonly shared: SimStacksState;

  constructor(opts: SimStacksOptions) {
    this.world = opts.world;
    this.clock = opts.clock;
    this.latency = opts.latency;
    this.process = opts.process ?? new DriverProcess();
    this.failAfterMs = opts.unreachableFailAfterMs ?? 300_000;
    if (opts.shared) {
      this.shared = opts.shared;
      return;
    }
    this.shared = { raw: new Map(), state: new Map(), outputs: new Map(), running: new Set() };
    const parsed = new Map<string, SiteConfig>();
    for (const [stack, raw] of Object.entries(opts.configs)) {
      if (!this.world.stacks().includes(stack)) throw new Error(`stack "${stack}" has no site in the simulated world (${this.world.stacks().join(", ")})`);
      parsed.set(stack, parseSiteConfig(stack, raw));
      this.shared.raw.set(stack, clone(raw));
    }
    // Both sites start deployed: their state is what the program makes of their config.
    for (const [stack, cfg] of parsed) this.shared.state.set(stack, this.desired(stack, cfg, parsed.get(cfg.peerStack)));
    for (const [stack, cfg] of parsed) this.shared.outputs.set(stack, this.computeOutputs(stack, cfg));
  }

  private config(stack: string): SiteConfig {
    const raw = this.shared.raw.get(stack);
    if (!raw) throw new Error(`no stack "${stack}" in this project; stacks are ${[...this.shared.raw.keys()].join(", ")}`);
    return parseSiteConfig(stack, raw);
  }

  private async engineTime(ms: number, signal: AbortSignal): Promise<void> {
    await this.clock.sleep(ms, signal);
  }

  async readConfig(stack: string): Promise<SiteConfig> {
    this.process.assertAlive();
    return this.config(stack);
  }

  /** `pulumi config set` of each change, validated together with the shared schema; nothing changes on error. */
  async setConfig(stack: string, changes: ConfigChange[]): Promise<void> {
    this.process.assertAlive();
    const signal = this.process.bind();
    const current = this.shared.raw.get(stack);
    if (!current) throw new Error(`no stack "${stack}" in this project; stacks are ${[...this.shared.raw.keys()].join(", ")}`);
    const next = clone(current);
    for (const change of changes) {
      if (!CONFIG_KEYS.includes(change.key)) throw new Error(`config key "${change.key}" is not one the driver may change (${CONFIG_KEYS.join(", ")})`);
      const path = change.key.split(".");
      let node = next as Record<string, unknown>;
      for (const part of path.slice(0, -1)) {
        let child = node[part];
        if (typeof child === "string") child = JSON.parse(child);
        if (typeof child !== "object" || child === null) child = {};
        node[part] = child;
        node = child as Record<string, unknown>;
      }
      node[path[path.length - 1]] = change.value;
    }
    parseSiteConfig(stack, next); // throws ConfigError naming the key; nothing written
    await this.engineTime(this.latency.sample("api-call"), signal);
    this.shared.raw.set(stack, next);
    this.world.recordCall({ origin: `pulumi:${stack}`, api: "pulumi:config-set", region: "local", args: { changes }, sideEffect: true, outcome: "ok" });
  }

  async outputs(stack: string): Promise<SiteOutputs | undefined> {
    this.process.assertAlive();
    if (!this.shared.raw.has(stack)) throw new Error(`no stack "${stack}" in this project; stacks are ${[...this.shared.raw.keys()].join(", ")}`);
    const out = this.shared.outputs.get(stack);
    return out && siteOutputsSchema.parse(clone(out));
  }

  /** Pulumi state of a stack (URN -> last applied inputs), for tests. */
  stateOf(stack: string): Map<string, Resource> {
    return clone(this.shared.state.get(stack) ?? new Map());
  }

  // -------------------------------------------------------------------------------------------
  // The program, as far as the failover cares

  private desired(stack: string, cfg: SiteConfig, peerCfg: SiteConfig | undefined): Map<string, Resource> {
    const intent = siteIntent(cfg);
    const urns = siteUrns(stack);
    const out = new Map<string, Resource>();
    for (const ng of NODE_GROUPS) out.set(urns.nodeGroup(ng), { kind: "nodeGroup", nodeGroup: ng, scaling: intent.nodeGroups[ng] });
    out.set(urns.fileSystem, { kind: "fileSystem", protection: intent.fsProtection });
    // The peer's file system id comes through the stack reference (its outputs), when it has any.
    const peerFsId = this.shared.outputs.get(cfg.peerStack)?.fileSystemId ?? (peerCfg && siteNames(cfg.peerStack, peerCfg.region).fileSystemId);
    if (intent.ownsReplication && peerFsId) out.set(urns.replication, { kind: "replication", destStack: cfg.peerStack, destinationFileSystemId: peerFsId });
    for (let i = 0; i < intent.dbInstances; i++) out.set(urns.dbInstance(i), { kind: "dbInstance", index: i });
    if (cfg.dns) out.set(urns.dnsRecord, { kind: "dnsRecord", failover: intent.recordFailover });
    if (intent.replicas) {
      for (const tier of ["web", "app"] as const) out.set(urns.deployment(tier), { kind: "deployment", tier, replicas: intent.replicas[tier], quiesced: cfg.quiesced });
    }
    return out;
  }

  /** Regions a step has to reach. */
  private touches(stack: string, step: Step): string[] {
    const region = this.world.regionOf(stack);
    if (step.res.kind === "dnsRecord") return [ROUTE53];
    if (step.res.kind === "replication") return [region, this.world.regionOf(step.res.destStack)];
    return [region];
  }

  private reachable(region: string): boolean {
    return region === ROUTE53 ? !this.world.isRoute53Impaired() : !this.world.isImpaired(region);
  }

  // -------------------------------------------------------------------------------------------
  // up

  async up(stack: string, opts: UpOptions = {}): Promise<UpResult> {
    this.process.assertAlive();
    const signal = this.process.bind(opts.signal);
    if (signal.aborted) throw signal.reason;
    const say = (line: string) => opts.onOutput?.(line);
    if (opts.target !== undefined && opts.target.length === 0) {
      // As the real adapter (PulumiStacks.up) refuses it: the CLI reads an empty --target list as no targeting at all.
      throw new Error(`up on stack "${stack}": an empty target list would update every resource; pass no target for a full up`);
    }
    if (this.shared.running.has(stack)) {
      throw new StackUpError(stack, `error: [409] Conflict: Another update is currently in progress (stack ${stack})`, {});
    }
    this.shared.running.add(stack);
    try {
      return await this.runUp(stack, opts, signal, say);
    } finally {
      this.shared.running.delete(stack);
    }
  }

  private async runUp(stack: string, opts: UpOptions, signal: AbortSignal, say: (line: string) => void): Promise<UpResult> {
    const started = this.clock.now();
    const total = this.latency.sample("pulumi-up");
    const preamble = Math.round(total * 0.4);
    say(`Updating (${stack}):`);
    const changes: Record<string, number> = {};
    const log = (api: string, outcome: string, args: Record<string, unknown> = {}) =>
      this.world.recordCall({ origin: `pulumi:${stack}`, api, region: this.world.regionOf(stack), args, sideEffect: api !== "pulumi:up", outcome });

    // The program validates its config (and the pair's) before registering anything.
    let cfg: SiteConfig;
    let peerCfg: SiteConfig | undefined;
    try {
      cfg = this.config(stack);
      peerCfg = this.shared.raw.has(cfg.peerStack) ? this.config(cfg.peerStack) : undefined;
      if (peerCfg) {
        const problems = pairProblems({ stack, config: cfg }, { stack: cfg.peerStack, config: peerCfg });
        if (problems.length > 0) throw new ConfigError(stack, problems);
      }
    } catch (err) {
      await this.engineTime(Math.min(preamble, 5_000), signal);
      log("pulumi:up", err instanceof Error ? err.name : "Error");
      throw err;
    }
    await this.engineTime(preamble, signal);

    const state = this.shared.state.get(stack) as Map<string, Resource>;
    const priorUrns = new Set(state.keys());
    const urns = siteUrns(stack);
    const names = siteNames(stack, cfg.region);
    const unreachable: string[] = [];
    const errors: string[] = [];
    let firstCause: unknown;

    // Refresh exactly the requested URNs. Like Pulumi (deployment_executor.go, checkTargets before a
    // refresh), a refresh target that is not in the stack's state fails the refresh; nothing is done.
    const notInState = (opts.refreshTargets ?? []).filter((urn) => !state.has(urn));
    if (notInState.length > 0) {
      log("pulumi:up", "RefreshError");
      throw new StackUpError(stack, notInState.map((urn) => `error: Resource to refresh '${urn}' could not be found in the stack.`).join("\n"), changes);
    }
    for (const urn of opts.refreshTargets ?? []) {
      const res = state.get(urn) as Resource;
      if (!this.reachable(cfg.region)) {
        unreachable.push(urn);
        continue;
      }
      if (res.kind === "nodeGroup") {
        const live = this.world.describeNodeGroup(cfg.region, names.clusterName, names.nodeGroupName(res.nodeGroup));
        state.set(urn, { ...res, scaling: { minSize: live.minSize, desiredSize: live.desiredSize, maxSize: live.maxSize } });
        say(`    ~ ${TYPE_TOKEN.nodeGroup} ${stack}-${res.nodeGroup} refreshed`);
      } else if (res.kind === "fileSystem") {
        const live = this.world.fileSystemProtection(cfg.region, names.fileSystemId);
        if (live === "REPLICATING") {
          // pulumi-aws#6041: the classic provider rejects the REPLICATING value it reads back.
          const message = `${TYPE_TOKEN.fileSystem} (${stack}-files): refreshing: expected protection.0.replication_overwrite to be one of ["ENABLED" "DISABLED"], got REPLICATING`;
          log("pulumi:up", "RefreshError");
          throw new StackUpError(stack, `error: ${message} (pulumi-aws#6041: never refresh a replication destination)`, changes);
        }
        state.set(urn, { ...res, protection: live });
      }
    }

    // Diff the program's resources against the state.
    const desired = this.desired(stack, cfg, peerCfg);
    const steps: Step[] = [];
    for (const [urn, res] of desired) {
      const prev = state.get(urn);
      if (!prev) steps.push({ op: "create", urn, res });
      else if (!same(prev, res)) steps.push({ op: "update", urn, res });
    }
    for (const [urn, res] of state) if (!desired.has(urn)) steps.push({ op: "delete", urn, res });
    const inScope = (urn: string) => (!opts.target || opts.target.includes(urn)) && !(opts.exclude ?? []).includes(urn);
    const planned = steps.filter((s) => inScope(s.urn));
    changes.same = desired.size - steps.filter((s) => s.op !== "delete").length + steps.filter((s) => !inScope(s.urn)).length;
    // Pulumi runs deletions after creates and updates; the replication depends on the file system.
    planned.sort((a, b) => (a.op === "delete" ? 1 : 0) - (b.op === "delete" ? 1 : 0));

    let waitUntil = started + total;
    let fsFailed = false;
    const dbTouched = planned.some((s) => s.res.kind === "dbInstance");
    const workloadTouched = planned.some((s) => s.res.kind === "deployment");
    for (const step of planned) {
      const label = `${TYPE_TOKEN[step.res.kind]} ${step.urn.split("::").pop()}`;
      if (!this.touches(stack, step).every((r) => this.reachable(r))) {
        say(`    ${step.op === "delete" ? "-" : step.op === "create" ? "+" : "~"} ${label} ${step.op}ing... (no response)`);
        unreachable.push(step.urn);
        continue;
      }
      if (step.res.kind === "replication" && step.op !== "delete" && fsFailed) continue; // its dependency failed
      try {
        const doneAt = this.apply(stack, cfg, step, log);
        if (Number.isFinite(doneAt)) waitUntil = Math.max(waitUntil, doneAt);
        if (step.op === "delete") state.delete(step.urn);
        else state.set(step.urn, clone(step.res));
        changes[step.op] = (changes[step.op] ?? 0) + 1;
        say(`    ${step.op === "delete" ? "-" : step.op === "create" ? "+" : "~"} ${label} ${step.op}d`);
      } catch (err) {
        if (step.res.kind === "fileSystem") fsFailed = true;
        firstCause ??= err;
        errors.push(`${label}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
        changes.failed = (changes.failed ?? 0) + 1;
      }
    }
    // DB instances and Deployments are applied per stack (count and replicas).
    if (dbTouched || workloadTouched) {
      try {
        if (dbTouched && this.reachable(cfg.region)) {
          const count = [...state.values()].filter((r) => r.kind === "dbInstance").length;
          const db = this.world.site(stack).db;
          const before = db.instanceCount + db.creatingInstances;
          const doneAt = this.world.setDbInstances(stack, count);
          if (count !== before) log(count > before ? "CreateDBInstance" : "DeleteDBInstance", "ok", { instances: Math.abs(count - before) });
          waitUntil = Math.max(waitUntil, doneAt);
        }
        if (workloadTouched && this.reachable(cfg.region)) {
          const web = state.get(urns.deployment("web"));
          const app = state.get(urns.deployment("app"));
          const replicas = web?.kind === "deployment" && app?.kind === "deployment" ? { web: web.replicas, app: app.replicas } : undefined;
          this.world.setWorkload(stack, replicas, cfg.quiesced);
          log("kubernetes:PatchDeployment", "ok", { replicas, quiesced: cfg.quiesced });
        }
      } catch (err) {
        firstCause ??= err;
        errors.push(`${TYPE_TOKEN.dbInstance}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      }
    }

    if (unreachable.length > 0) {
      await this.engineTime(Math.max(0, started + preamble + this.failAfterMs - this.clock.now()), signal);
      log("pulumi:up", "RequestError");
      throw new StackUpError(
        stack,
        `error: update failed: ${unreachable.length} resource(s) got no response from AWS within ${this.failAfterMs / 1000} s ` +
          `(${unreachable.map((u) => u.split("::").pop()).join(", ")}): dial tcp: i/o timeout`,
        changes,
        new AwsError("RequestError", "send request failed: dial tcp: i/o timeout", { status: 503 }),
      );
    }
    await this.engineTime(Math.max(0, waitUntil - this.clock.now()), signal);
    // Like Pulumi (deployment_executor.go, checkTargets after the steps ran): a --target URN that is
    // neither in the state nor registered by the program fails the update ("could not be found").
    for (const urn of opts.target ?? []) {
      if (!desired.has(urn) && !priorUrns.has(urn)) errors.push(`Target '${urn}' could not be found in the stack.`);
    }
    if (errors.length > 0) {
      log("pulumi:up", "UpdateFailed");
      throw new StackUpError(stack, `error: update of stack "${stack}" failed:\n  ${errors.join("\n  ")}`, changes, firstCause);
    }
    this.shared.outputs.set(stack, this.computeOutputs(stack, cfg));
    log("pulumi:up", "ok", { changes });
    say(`Resources: ${Object.entries(changes).map(([k, v]) => `${v} ${k}`).join(", ")}`);
    return { changes };
  }

  /** Applies one resource step to the world; returns when the provider's wait ends. */
  private apply(stack: string, cfg: SiteConfig, step: Step, log: (api: string, outcome: string, args?: Record<string, unknown>) => void): number {
    const names = siteNames(stack, cfg.region);
    const res = step.res;
    const attempt = <T>(api: string, args: Record<string, unknown>, fn: () => T): T => {
      try {
        const r = fn();
        log(api, "ok", args);
        return r;
      } catch (err) {
        log(api, err instanceof Error ? err.name : "Error", args);
        throw err;
      }
    };
    switch (res.kind) {
      case "nodeGroup":
        return attempt("UpdateNodegroupConfig", { nodeGroupName: names.nodeGroupName(res.nodeGroup), ...res.scaling }, () =>
          this.world.scaleNodeGroup(cfg.region, names.clusterName, names.nodeGroupName(res.nodeGroup), res.scaling),
        );
      case "fileSystem":
        attempt("UpdateFileSystemProtection", { fileSystemId: names.fileSystemId, replicationOverwrite: res.protection }, () =>
          this.world.setFileSystemProtection(stack, res.protection),
        );
        return this.clock.now();
      case "replication": {
        if (step.op === "delete") {
          try {
            return attempt("DeleteReplicationConfiguration", { sourceFileSystemId: names.fileSystemId, deletionMode: "ALL_CONFIGURATIONS" }, () =>
              this.world.deleteReplication(cfg.region, names.fileSystemId, "ALL_CONFIGURATIONS"),
            );
          } catch (err) {
            if (err instanceof AwsError && err.name === "ReplicationNotFound") return this.clock.now(); // already gone: the provider accepts
            throw err;
          }
        }
        return attempt("CreateReplicationConfiguration", { sourceFileSystemId: names.fileSystemId, destinationFileSystemId: res.destinationFileSystemId }, () =>
          this.world.createReplication(stack, res.destStack),
        );
      }
      case "dnsRecord":
        attempt("ChangeResourceRecordSets", { setIdentifier: stack, failover: res.failover }, () => this.world.upsertRecord(stack, res.failover));
        return this.clock.now();
      case "dbInstance":
      case "deployment":
        return this.clock.now(); // applied per stack after the loop
    }
  }

  // -------------------------------------------------------------------------------------------
  // Outputs

  private computeOutputs(stack: string, cfg: SiteConfig): SiteOutputs {
    const n = siteNames(stack, cfg.region);
    const urns = siteUrns(stack);
    const state = this.shared.state.get(stack) ?? new Map<string, Resource>();
    const repl = state.get(urns.replication);
    const azs = ["a", "b", "c"].slice(0, cfg.azCount).map((s) => `${cfg.region}${s}`);
    const id = (prefix: string, i = 0) => `${prefix}-${n.fileSystemId.slice(3, 12)}${i}`;
    const outputs: SiteOutputs = {
      contractVersion: OUTPUTS_CONTRACT_VERSION,
      stack,
      region: cfg.region,
      role: cfg.role,
      vpcId: id("vpc"),
      vpcCidr: cfg.vpcCidr,
      availabilityZones: azs,
      privateSubnetIds: azs.map((_, i) => id("subnet", i)),
      publicSubnetIds: azs.map((_, i) => id("subnet", i + 5)),
      clusterName: n.clusterName,
      clusterArn: n.clusterArn,
      clusterEndpoint: `https://${n.fileSystemId.slice(3).toUpperCase()}.gr7.${cfg.region}.eks.amazonaws.com`,
      kubeconfig: JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: n.clusterName }], users: [{ name: "aws", user: { exec: { command: "aws", args: ["eks", "get-token", "--region", cfg.region, "--cluster-name", n.clusterName] } } }] }),
      clusterSecurityGroupId: id("sg", 1),
      nodeSecurityGroupId: id("sg", 2),
      oidcIssuerUrl: `https://oidc.eks.${cfg.region}.amazonaws.com/id/${n.fileSystemId.slice(3).toUpperCase()}`,
      nodeGroupNames: { system: n.nodeGroupName("system"), web: n.nodeGroupName("web"), app: n.nodeGroupName("app") },
      outOfBandUrns: NODE_GROUPS.map((ng) => urns.nodeGroup(ng)),
      fileSystemId: n.fileSystemId,
      fileSystemArn: n.fileSystemArn,
      efsReplication:
        repl?.kind === "replication" ? { destinationFileSystemId: repl.destinationFileSystemId, destinationRegion: this.world.regionOf(repl.destStack) } : undefined,
      kmsKeyArn: n.kmsKeyArn,
      kmsPrimaryKeyArn: cfg.ownsGlobalResources ? n.kmsKeyArn : undefined,
      globalClusterIdentifier: cfg.ownsGlobalResources ? GLOBAL_CLUSTER_ID : undefined,
      dbClusterIdentifier: n.dbClusterIdentifier,
      dbClusterArn: n.dbClusterArn,
      dbWriterEndpoint: `${n.dbClusterIdentifier}.cluster-c${n.fileSystemId.slice(3, 13)}.${cfg.region}.rds.amazonaws.com`,
      dbReaderEndpoint: `${n.dbClusterIdentifier}.cluster-ro-c${n.fileSystemId.slice(3, 13)}.${cfg.region}.rds.amazonaws.com`,
      promotionInstanceUrn: urns.dbInstance(0),
      dbSecretArn: `arn:aws:secretsmanager:${cfg.region}:${SIM_ACCOUNT_ID}:secret:eks-dr/db-master-AbCdEf`,
      albHostname: cfg.workload ? n.albHostname : undefined,
      healthCheckId: cfg.dns ? n.healthCheckId : undefined,
      dnsRecordUrn: cfg.dns ? urns.dnsRecord : undefined,
      endpointUrl: cfg.workload ? `${cfg.dns?.healthCheck.protocol === "HTTPS" ? "https" : "http"}://${n.albHostname}${cfg.dns?.healthCheck.path ?? "/healthz"}` : undefined,
      alarmTopicArn: `arn:aws:sns:${cfg.region}:${SIM_ACCOUNT_ID}:eks-dr-${stack}-alarms`,
      ecrRepositoryUrls: { web: `${SIM_ACCOUNT_ID}.dkr.ecr.${cfg.region}.amazonaws.com/web`, app: `${SIM_ACCOUNT_ID}.dkr.ecr.${cfg.region}.amazonaws.com/app` },
    };
    for (const key of Object.keys(outputs) as (keyof SiteOutputs)[]) if (outputs[key] === undefined) delete outputs[key];
    return siteOutputsSchema.parse(outputs);
  }
}
