/**
 * The engine's plan for one `up`: what the program registers, diffed against the stack's state.
 *
 * - A registration not in the state is created; one in the state is compared input by input with
 *   the outputs the provider read back last (a bridged provider diffs the new inputs against the
 *   prior state), except the paths in its `ignoreChanges`: the engine copies their old input values
 *   into the new inputs, and the provider leaves them out of the diff (pulumi/pulumi
 *   pkg/resource/deploy/step_generator.go `processIgnoreChanges`, `diffResource` passing
 *   IgnoreChanges to the provider; pulumi-terraform-bridge pkg/tfbridge/ignore_changes_test.go
 *   `TestIgnoreChanges_UsesOlds`: an ignored path that differs from the state is no diff).
 *   Outputs the provider computes and the program does not set are not diffs. A component resource
 *   has no provider to diff it: its new inputs are compared with its old inputs (step_generator.go,
 *   "If there is no provider for this resource ... which should only happen for component resources").
 * - A change to a property the provider cannot update in place is a replacement (REPLACED_ON);
 *   replacing or deleting a protected resource fails, with the engine's messages.
 * - A resource in the state the program no longer registers is deleted. The engine generates the
 *   deletions once the program has finished, after every create and update (deployment_executor.go
 *   `performPostSteps` -> step_generator.go `GenerateDeletes`), dependents first: here in reverse
 *   order of creation.
 * - A `.get()` is a read step at every `up`: the provider reads the resource by id, and the update
 *   fails when it does not exist ("resource '<id>' does not exist", pkg/resource/deploy/step.go
 *   ReadStep). One no longer read leaves the state without being deleted (a discard), protected or not.
 * - `--target` limits the steps to the listed URNs, `--exclude` leaves URNs out; a targeted step
 *   that depends on an untargeted create fails the update before anything is done, and a target
 *   neither in the state nor registered fails it (deployment_executor.go `checkTargets`,
 *   step_generator.go "untargeted create"; sdk/go/common/diag/errors.go 2010, 2013).
 */
import type { Registration } from "../program/run";
import { findResource, type ResourceState, type StackState } from "./state";

export type StepOp = "create" | "update" | "replace" | "delete" | "read" | "discard";

export interface Step {
  op: StepOp;
  urn: string;
  type: string;
  /** The registration (all but deletes). */
  desired?: Registration;
  /** What is applied: the registration's inputs with ignored paths taken from the state. */
  inputs?: Record<string, unknown>;
  old?: ResourceState;
  /** Top-level input keys that differ (updates and replacements). */
  changed: string[];
  /** A replacement deletes the old resource first (else it creates the new one first). */
  deleteBeforeReplace?: boolean;
  /** Why the engine refuses this step; the step fails without being applied. */
  refused?: string;
}

export interface Plan {
  /** Creates, updates and replacements in registration order, then deletions. */
  steps: Step[];
  /** Registrations without changes, in scope: their state takes the new inputs and options. */
  same: { desired: Registration; inputs: Record<string, unknown> }[];
  /** Resources left as they are (unchanged, or out of the target/exclude scope). */
  sameCount: number;
  /** Errors that stop the update before any step runs. */
  fatal: string[];
  /** Errors reported once the steps have run (unknown targets). */
  afterwards: string[];
}

export interface PlanOptions {
  target?: string[];
  exclude?: string[];
}

/**
 * Properties whose change forces a replacement, per resource type (top-level input names). Only
 * the types the simulation models are listed, each from the provider's schema (`ForceNew`):
 * terraform-provider-aws internal/service/efs/file_system.go, efs/replication_configuration.go,
 * efs/mount_target.go, kms/replica_key.go, and pulumi-kubernetes for a Job. Other changes are in-place updates.
 */
const REPLACED_ON: Record<string, string[]> = {
  "aws:efs/fileSystem:FileSystem": ["availabilityZoneName", "creationToken", "encrypted", "kmsKeyId", "performanceMode"],
  "aws:efs/replicationConfiguration:ReplicationConfiguration": ["destination", "sourceFileSystemId"],
  "aws:efs/mountTarget:MountTarget": ["fileSystemId", "ipAddress", "subnetId"],
  "aws:kms/replicaKey:ReplicaKey": ["primaryKeyArn"],
  // pulumi-kubernetes replaces an object whose `.metadata.name` or `.metadata.namespace` changes
  // (provider/pkg/provider/provider.go, forceNewFields), and a Job whose `.spec.template`,
  // `.completions`, `.parallelism` or `.selector` does (provider/pkg/provider/diff.go, `job`): at
  // the top level here, any change of either (a superset).
  "kubernetes:batch/v1:Job": ["metadata", "spec"],
};

/**
 * A Kubernetes object is replaced when its `metadata.name` or `metadata.namespace` changes
 * (pulumi-kubernetes pkg/provider/forcenew.go, `metadataForceNewProperties`), whatever its kind.
 */
function kubernetesIdentityChanges(type: string, inputs: Record<string, unknown>, oldInputs: Record<string, unknown>): string[] {
  if (!type.startsWith("kubernetes:")) return [];
  const meta = (v: unknown) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {});
  const now = meta(inputs.metadata);
  const before = meta(oldInputs.metadata);
  return ["name", "namespace"].filter((k) => now[k] !== undefined && before[k] !== undefined && now[k] !== before[k]).map((k) => `metadata.${k}`);
}

/**
 * Updates the provider refuses. An existing Aurora cluster never moves into a global cluster: the
 * provider's update of `global_cluster_identifier` fails from "" ("existing RDS Clusters cannot be
 * added to an existing RDS Global Cluster") and from one identifier to another ("cannot be migrated
 * between existing RDS Global Clusters"); only a change to "" acts (RemoveFromGlobalCluster)
 * (terraform-provider-aws internal/service/rds/cluster.go, resourceClusterUpdate).
 */
function providerRefusal(type: string, changed: string[], inputs: Record<string, unknown>, old: ResourceState): string | undefined {
  if (type !== "aws:rds/cluster:Cluster" || !changed.includes("globalClusterIdentifier")) return undefined;
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const before = text("globalClusterIdentifier" in old.outputs ? old.outputs.globalClusterIdentifier : old.inputs.globalClusterIdentifier);
  const after = text(inputs.globalClusterIdentifier);
  if (before === "") return "updating RDS Cluster: existing RDS Clusters cannot be added to an existing RDS Global Cluster";
  if (after !== "") return "updating RDS Cluster: existing RDS Clusters cannot be migrated between existing RDS Global Clusters";
  return undefined;
}

export function planUp(desired: readonly Registration[], state: StackState, opts: PlanOptions = {}): Plan {
  const inScope = (urn: string) => (!opts.target || opts.target.includes(urn)) && !(opts.exclude ?? []).includes(urn);
  const registered = new Set(desired.map((d) => d.urn));
  const steps: Step[] = [];
  const same: Plan["same"] = [];
  const skippedCreates = new Set<string>();
  const fatal: string[] = [];
  let sameCount = 0;

  for (const d of desired) {
    const old = findResource(state, d.urn);
    if (d.read) {
      // Counted as unchanged, as the engine's summary does for a read of the same id.
      if (inScope(d.urn)) steps.push({ op: "read", urn: d.urn, type: d.type, desired: d, inputs: d.inputs, ...(old ? { old } : {}), changed: [] });
      sameCount++;
      continue;
    }
    if (!old) {
      if (inScope(d.urn)) steps.push({ op: "create", urn: d.urn, type: d.type, desired: d, inputs: d.inputs, changed: [] });
      else skippedCreates.add(d.urn);
      continue;
    }
    if (!inScope(d.urn)) {
      sameCount++;
      continue;
    }
    const inputs = withIgnoredFromOld(d.inputs, old.inputs, d.options.ignoreChanges);
    const changed = changedKeys(inputs, d.custom ? old : { ...old, outputs: {} }, d.options.ignoreChanges);
    if (changed.length === 0) {
      same.push({ desired: d, inputs });
      sameCount++;
      continue;
    }
    const forcing = [...changed.filter((k) => (REPLACED_ON[d.type] ?? []).includes(k)), ...kubernetesIdentityChanges(d.type, inputs, old.inputs)];
    if (forcing.length === 0) {
      const refused = providerRefusal(d.type, changed, inputs, old);
      steps.push({ op: "update", urn: d.urn, type: d.type, desired: d, inputs, old, changed, ...(refused ? { refused } : {}) });
      continue;
    }
    const step: Step = { op: "replace", urn: d.urn, type: d.type, desired: d, inputs, old, changed, deleteBeforeReplace: d.options.deleteBeforeReplace };
    if (d.options.protect && old.options.protect) {
      step.refused =
        `unable to replace resource "${d.urn}"\nas it is currently marked for protection. To unprotect the resource, ` +
        "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`";
    }
    steps.push(step);
  }

  for (const old of [...state].reverse()) {
    if (registered.has(old.urn)) continue;
    if (!inScope(old.urn)) {
      sameCount++;
      continue;
    }
    if (old.read) {
      steps.push({ op: "discard", urn: old.urn, type: old.type, old, changed: [] });
      continue;
    }
    const step: Step = { op: "delete", urn: old.urn, type: old.type, old, changed: [] };
    if (old.options.protect) {
      step.refused =
        `resource "${old.urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, either remove the \`protect\` flag ` +
        `from the resource in your Pulumi program and run \`pulumi up\`, or use the command:\n\`pulumi state unprotect '${old.urn}'\``;
    }
    steps.push(step);
  }

  for (const step of steps) {
    const d = step.desired;
    if (!d) continue;
    for (const dep of [...d.dependencies, ...(d.parent ? [d.parent] : []), ...(d.providerUrn ? [d.providerUrn] : [])]) {
      if (skippedCreates.has(dep)) fatal.push(`Resource '${d.urn}' depends on '${dep}' which was was not specified in --target list.`);
    }
  }

  const afterwards = (opts.target ?? [])
    .filter((urn) => !registered.has(urn) && !findResource(state, urn))
    .map((urn) => `Target '${urn}' could not be found in the stack.`);
  return { steps, same, sameCount, fatal, afterwards };
}

// ---------------------------------------------------------------------------------------------
// Property paths and comparison

type PathPart = string | number | "*";

/** `a.b[0]["c.d"][*]` -> ["a", "b", 0, "c.d", "*"] (the engine's property path syntax). */
export function parsePath(path: string): PathPart[] {
  const parts: PathPart[] = [];
  const re = /([^.[\]]+)|\[(\d+|\*|"(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) parts.push(m[1] === "*" ? "*" : m[1]);
    else if (m[2] === "*") parts.push("*");
    else if (m[2].startsWith('"')) parts.push(JSON.parse(m[2]) as string);
    else parts.push(Number(m[2]));
  }
  return parts;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The new inputs with each ignored path set to its old input value (processIgnoreChanges). */
function withIgnoredFromOld(inputs: Record<string, unknown>, oldInputs: Record<string, unknown>, ignore: string[]): Record<string, unknown> {
  if (ignore.length === 0) return inputs;
  const out = JSON.parse(JSON.stringify(inputs)) as Record<string, unknown>;
  for (const p of ignore) copyPath(oldInputs, out, parsePath(p));
  return out;
}

function copyPath(from: unknown, to: unknown, path: PathPart[]): void {
  if (path.length === 0 || !(isObject(to) || Array.isArray(to)) || !(isObject(from) || Array.isArray(from))) return;
  const [head, ...rest] = path;
  const keys = head === "*" ? Object.keys(from) : [String(head)];
  for (const k of keys) {
    const src = (from as Record<string, unknown>)[k];
    if (rest.length === 0) {
      if (src === undefined) delete (to as Record<string, unknown>)[k];
      else (to as Record<string, unknown>)[k] = JSON.parse(JSON.stringify(src));
    } else {
      copyPath(src, (to as Record<string, unknown>)[k], rest);
    }
  }
}

/** Top-level keys whose new input differs from the state, outside the ignored paths. */
function changedKeys(inputs: Record<string, unknown>, old: ResourceState, ignore: string[]): string[] {
  const ignored = ignore.map(parsePath);
  const changed: string[] = [];
  for (const key of new Set([...Object.keys(inputs), ...Object.keys(old.inputs)])) {
    const paths = ignored.filter((p) => p[0] === key || p[0] === "*").map((p) => p.slice(1));
    if (paths.some((p) => p.length === 0)) continue;
    const next = inputs[key];
    if (next === undefined) {
      // The program no longer sets it: a change unless it was never set either.
      if (old.inputs[key] !== undefined) changed.push(key);
      continue;
    }
    const prior = key in old.outputs ? old.outputs[key] : old.inputs[key];
    if (!covers(next, prior, paths)) changed.push(key);
  }
  return changed;
}

/**
 * True when `actual` holds everything `wanted` sets (values the provider computes beside them are
 * not diffs), skipping the ignored sub-paths.
 */
function covers(wanted: unknown, actual: unknown, ignored: PathPart[][]): boolean {
  if (ignored.some((p) => p.length === 0)) return true;
  if (wanted === undefined) return true;
  if (Array.isArray(wanted)) {
    if (!Array.isArray(actual) || actual.length !== wanted.length) return false;
    return wanted.every((w, i) => covers(w, actual[i], sub(ignored, i)));
  }
  if (isObject(wanted)) {
    if (!isObject(actual)) return false;
    return Object.entries(wanted).every(([k, w]) => covers(w, actual[k], sub(ignored, k)));
  }
  return wanted === actual;
}

function sub(paths: PathPart[][], key: string | number): PathPart[][] {
  return paths.filter((p) => p[0] === "*" || p[0] === key || String(p[0]) === String(key)).map((p) => p.slice(1));
}
