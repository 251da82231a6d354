/**
 * What a step of a simulated `up` does to the world, by resource type, and what the provider reads
 * back afterwards. A type not listed here changes nothing the world models: its step only reaches
 * its Region (stacks/regions.ts). Every value comes from the resource's registration; nothing here
 * knows what a role means.
 */
import { FILES_DIR_ENV, MOVE_RESTORED_FILES_SCRIPT } from "../../../components/restored-files-move";
import { READ_ONLY_ENV } from "../../../components/sample-workload";
import type { NodeGroupName } from "../../../stacks/config";
import { AwsError } from "../errors";
import type { WorkloadStores, World } from "../world";
import type { Step } from "./diff";
import { servingSettingsOf } from "./serving-settings";
import { findResource, type ResourceState, type StackState } from "./state";
import { networkOf } from "./world-spec";

export interface EffectContext {
  world: World;
  stack: string;
  /** The state as the steps before this one left it. */
  state: StackState;
  /** Records one API call of the provider in the world's call log. */
  log: (api: string, outcome: string, args?: Record<string, unknown>) => void;
}

export interface Applied {
  /** When the provider's wait for the change ends (virtual ms), if it waits. */
  doneAt?: number;
  /** Outputs the provider read back after the change, replacing the mocks' ones. */
  readBack?: Record<string, unknown>;
}

interface Effect {
  /** Applies one step. */
  apply?(step: Step, ctx: EffectContext): Applied;
  /** Applied once per `up`, after the steps, when steps of this type ran: for counts per stack. */
  settle?(ctx: EffectContext): number | undefined;
  /** `pulumi refresh` of the resource: its outputs read back from the world. */
  read?(res: ResourceState, ctx: EffectContext): Record<string, unknown>;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Calls `fn` as the provider's API call `api`, logged with its outcome. */
function call<T>(ctx: EffectContext, api: string, args: Record<string, unknown>, fn: () => T): T {
  try {
    const r = fn();
    ctx.log(api, "ok", args);
    return r;
  } catch (err) {
    ctx.log(api, err instanceof Error ? err.name : "Error", args);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// EKS node groups: UpdateNodegroupConfig; the provider waits until the group is ACTIVE again.

function scalingOf(inputs: Record<string, unknown>) {
  const s = obj(inputs.scalingConfig);
  return { minSize: Number(s.minSize), desiredSize: Number(s.desiredSize), maxSize: Number(s.maxSize) };
}

function nodeGroup(nodeGroupNames: () => Record<string, unknown>): Effect {
  return {
    apply(step, ctx) {
      if (step.op === "delete" || !(step.op === "create" || step.changed.includes("scalingConfig"))) return {};
      const inputs = step.inputs ?? {};
      const name = str((step.old ?? step.desired)?.outputs.nodeGroupName);
      const scaling = scalingOf(inputs);
      const region = step.desired?.region ?? "";
      // A group the world does not have yet (a backup-only standby's up as a full site): CreateNodegroup.
      if (step.op === "create" && !ctx.world.hasNodeGroup(region, name)) {
        const tier = Object.entries(nodeGroupNames()).find(([, n]) => n === name)?.[0];
        if (!tier) throw new Error(`node group ${name} is not in the stack's nodeGroupNames output`);
        const doneAt = call(ctx, "CreateNodegroup", { nodeGroupName: name, ...scaling }, () =>
          ctx.world.createNodeGroup(region, str(inputs.clusterName), tier as NodeGroupName, name, scaling),
        );
        return { doneAt };
      }
      const doneAt = call(ctx, "UpdateNodegroupConfig", { nodeGroupName: name, ...scaling }, () =>
        ctx.world.scaleNodeGroup(region, str(inputs.clusterName), name, scaling),
      );
      return { doneAt };
    },
    read(res, ctx) {
      const live = ctx.world.describeNodeGroup(res.region ?? "", str(res.inputs.clusterName), str(res.outputs.nodeGroupName));
      return { ...res.outputs, scalingConfig: { minSize: live.minSize, desiredSize: live.desiredSize, maxSize: live.maxSize } };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// EKS cluster: CreateCluster; the provider waits until the control plane is ACTIVE
// (terraform-provider-aws internal/service/eks/cluster.go, waitClusterCreated). Only a site without
// a cluster creates one here: the world's sites start with the clusters their first deploy made.

const eksCluster: Effect = {
  apply(step, ctx) {
    if (step.op !== "create") return {};
    const name = str((step.inputs ?? {}).name) || str(step.desired?.outputs.name);
    const region = step.desired?.region ?? "";
    return { doneAt: call(ctx, "CreateCluster", { name }, () => ctx.world.createCluster(region, name)) };
  },
};

// ---------------------------------------------------------------------------------------------
// EFS file systems. The provider calls UpdateFileSystemProtection only when `protection` changed,
// and reads the file system back after every create and update, so the state holds what AWS
// reports: REPLICATING while the file system is a replication destination (terraform-provider-aws
// internal/service/efs/file_system.go, resourceFileSystemUpdate ends with resourceFileSystemRead).

function protectionOf(inputs: Record<string, unknown>): "ENABLED" | "DISABLED" | undefined {
  const v = obj(inputs.protection).replicationOverwrite;
  return v === "ENABLED" || v === "DISABLED" ? v : undefined;
}

/**
 * A `.get()` reads the resource by id each `up`; the engine fails the update when the provider finds
 * nothing ("resource '<id>' does not exist", pulumi/pulumi pkg/resource/deploy/step.go, ReadStep).
 */
function readExisting(kind: "fileSystem" | "dbCluster" | "globalCluster", step: Step, ctx: EffectContext): Applied {
  const id = str(step.desired?.id);
  const region = step.desired?.region ?? "";
  // A read changes nothing: it is not logged as a side effect.
  if (!ctx.world.storeExists(region, kind, id)) throw new AwsError("ReadError", `reading resource '${id}': resource '${id}' does not exist`, { status: 404 });
  return {};
}

const fileSystem: Effect = {
  apply(step, ctx) {
    if (step.op === "read") return readExisting("fileSystem", step, ctx);
    if (step.op === "delete") return {};
    const res = step.old ?? step.desired;
    const region = step.desired?.region ?? "";
    const id = str(res?.id);
    const wanted = protectionOf(step.inputs ?? {});
    if (wanted && (step.op !== "update" || step.changed.includes("protection"))) {
      call(ctx, "UpdateFileSystemProtection", { fileSystemId: id, replicationOverwrite: wanted }, () =>
        ctx.world.setFileSystemProtection(ctx.stack, wanted, id),
      );
    }
    const others = step.changed.filter((k) => k !== "protection");
    if (step.op === "update" && others.length > 0) ctx.log("UpdateFileSystem", "ok", { fileSystemId: id, changed: others });
    return { readBack: { protection: { replicationOverwrite: ctx.world.fileSystemProtection(region, id) } } };
  },
  read(res, ctx) {
    const live = ctx.world.fileSystemProtection(res.region ?? "", res.id);
    if (live === "REPLICATING") {
      // pulumi-aws#6041: the classic provider rejects the REPLICATING value it reads back.
      throw new AwsError(
        "RefreshError",
        `aws:efs/fileSystem:FileSystem (${res.name}): refreshing: expected protection.0.replication_overwrite to be one of ["ENABLED" "DISABLED"], got REPLICATING ` +
          "(pulumi-aws#6041: never refresh a replication destination)",
      );
    }
    return { ...res.outputs, protection: { replicationOverwrite: live } };
  },
};

// ---------------------------------------------------------------------------------------------
// EFS replication. Create: CreateReplicationConfiguration, then the provider waits for ENABLED.
// Delete: DeleteReplicationConfiguration in the destination's Region, then in the source's, each
// waited for until gone; a configuration already gone is done. Every argument is ForceNew (EFS has
// no update call), so any change is a replacement (efs/replication_configuration.go,
// resourceReplicationConfigurationDelete, deleteReplicationConfiguration).

const destinationOf = (inputs: Record<string, unknown>) => ({
  fileSystemId: str(obj(inputs.destination).fileSystemId),
  region: str(obj(inputs.destination).region),
});

function stackInRegion(world: World, region: string, fileSystemId: string): string {
  const stack = world.stacks().find((s) => world.site(s).region === region);
  if (!stack) throw new AwsError("FileSystemNotFound", `File system '${fileSystemId}' does not exist in ${region}.`, { status: 404 });
  return stack;
}

/** Deletes the configuration in both Regions; when the provider's wait for that ends, or undefined when it was already gone. */
function deleteReplication(ctx: EffectContext, res: ResourceState): number | undefined {
  const source = str(res.inputs.sourceFileSystemId);
  let doneAt: number | undefined;
  for (const region of [destinationOf(res.inputs).region, res.region ?? ""]) {
    try {
      const at = call(ctx, "DeleteReplicationConfiguration", { sourceFileSystemId: source, region }, () =>
        ctx.world.deleteReplication(region, source, "ALL_CONFIGURATIONS"),
      );
      if (Number.isFinite(at)) doneAt = Math.max(doneAt ?? at, at);
    } catch (err) {
      if (!(err instanceof AwsError && (err.name === "ReplicationNotFound" || err.name === "FileSystemNotFound"))) throw err;
    }
  }
  return doneAt;
}

function createReplication(ctx: EffectContext, inputs: Record<string, unknown>, region: string): number {
  const dest = destinationOf(inputs);
  const source = str(inputs.sourceFileSystemId);
  return call(ctx, "CreateReplicationConfiguration", { sourceFileSystemId: source, destinationFileSystemId: dest.fileSystemId }, () =>
    ctx.world.createReplication(stackInRegion(ctx.world, region, source), stackInRegion(ctx.world, dest.region, dest.fileSystemId), {
      source,
      destination: dest.fileSystemId,
    }),
  );
}

const replication: Effect = {
  apply(step, ctx) {
    if (step.op === "delete") return { doneAt: deleteReplication(ctx, step.old as ResourceState) };
    if (step.op === "update") return {};
    const inputs = step.inputs ?? {};
    const region = step.desired?.region ?? "";
    if (step.op !== "replace" || !step.old) return { doneAt: createReplication(ctx, inputs, region) };
    if (!step.deleteBeforeReplace) {
      // Create before delete: the new configuration shares a file system with the old one, which
      // is in a replication still, so EFS refuses it (a file system is in one replication at most).
      const created = createReplication(ctx, inputs, region);
      return { doneAt: Math.max(created, deleteReplication(ctx, step.old) ?? created) };
    }
    const deletedAt = deleteReplication(ctx, step.old);
    const dest = destinationOf(inputs);
    if (deletedAt !== undefined && destinationOf(step.old.inputs).fileSystemId === dest.fileSystemId) {
      // The provider creates once the deletion is done, and the deletion re-enabled the
      // destination's overwrite protection (EFS User Guide, "Deleting replication configurations"),
      // so EFS refuses the creation: the protection must be DISABLED again in between.
      ctx.log("CreateReplicationConfiguration", "BadRequest", {
        sourceFileSystemId: str(inputs.sourceFileSystemId),
        destinationFileSystemId: dest.fileSystemId,
      });
      throw new AwsError(
        "BadRequest",
        `Destination file system ${dest.fileSystemId} has replication overwrite protection ENABLED (re-enabled when the replication it was in was deleted); disable it (UpdateFileSystemProtection) before replicating into it.`,
      );
    }
    // A replacement sharing only the source with the old one: the provider would wait for the
    // deletion and then create; this creates at once, so EFS refuses it while the source is still
    // DELETING (stricter than AWS, on a path the program never takes).
    const created = createReplication(ctx, inputs, region);
    return { doneAt: Math.max(deletedAt ?? created, created) };
  },
};

const dbCluster: Effect = {
  apply(step, ctx) {
    return step.op === "read" ? readExisting("dbCluster", step, ctx) : {};
  },
};

/** A global cluster read by identifier (the one a restored cluster writes): it must exist. */
const globalCluster: Effect = {
  apply(step, ctx) {
    return step.op === "read" ? readExisting("globalCluster", step, ctx) : {};
  },
};

// ---------------------------------------------------------------------------------------------
// EFS mount targets: CreateMountTarget / DeleteMountTarget in the file system's Region (the site's
// subnets); a file system that does not exist there is refused (FileSystemNotFound).

const mountTarget: Effect = {
  apply(step, ctx) {
    const region = (step.desired ?? step.old)?.region ?? "";
    if (step.op === "delete" || step.op === "replace") {
      const fsId = str(step.old?.inputs.fileSystemId);
      call(ctx, "DeleteMountTarget", { fileSystemId: fsId }, () => ctx.world.removeMountTarget(region, fsId));
    }
    if (step.op === "create" || step.op === "replace") {
      const fsId = str((step.inputs ?? {}).fileSystemId);
      call(ctx, "CreateMountTarget", { fileSystemId: fsId, subnetId: str((step.inputs ?? {}).subnetId) }, () => ctx.world.addMountTarget(region, fsId));
    }
    return {};
  },
};

// ---------------------------------------------------------------------------------------------
// Aurora instances: the cluster runs as many instances as the state holds; creation is waited for.

const clusterInstances: Effect = {
  settle(ctx) {
    const count = ctx.state.filter((r) => r.type === "aws:rds/clusterInstance:ClusterInstance").length;
    const db = ctx.world.site(ctx.stack).db;
    const before = db.instanceCount + db.creatingInstances;
    const doneAt = ctx.world.setDbInstances(ctx.stack, count);
    if (count !== before) ctx.log(count > before ? "CreateDBInstance" : "DeleteDBInstance", "ok", { instances: Math.abs(count - before) });
    return doneAt;
  },
};

// ---------------------------------------------------------------------------------------------
// Route 53 failover record: an UPSERT of this site's record with its designation and health check.

const failoverRecord: Effect = {
  apply(step, ctx) {
    if (step.op === "delete") return {};
    const inputs = step.inputs ?? {};
    const policies = Array.isArray(inputs.failoverRoutingPolicies) ? inputs.failoverRoutingPolicies : [];
    const failover = str(obj(policies[0]).type);
    if (failover !== "PRIMARY" && failover !== "SECONDARY") return {};
    const args = { setIdentifier: str(inputs.setIdentifier), failover };
    call(ctx, "ChangeResourceRecordSets", args, () => ctx.world.upsertRecord(ctx.stack, failover, { withHealthCheck: Boolean(inputs.healthCheckId) }));
    return {};
  },
};

// ---------------------------------------------------------------------------------------------
// Workload: the replicas of the Deployments whose pods select a tier's node group, by the node
// groups' labels (as the scheduler matches a nodeSelector).

/** The tier (output `nodeGroupNames` key) of the node group a pod selector lands on. */
export function tierOf(selector: Record<string, unknown>, state: StackState, nodeGroupNames: Record<string, unknown>): string | undefined {
  const group = state.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && Object.entries(selector).every(([k, v]) => obj(r.inputs.labels)[k] === v));
  const name = group && str(group.outputs.nodeGroupName);
  return Object.entries(nodeGroupNames).find(([, n]) => n === name)?.[0];
}

/** Whether a pod template's containers run in read-only mode (`READ_ONLY=true`, the sample app's contract). */
function readOnlyPods(podSpec: Record<string, unknown>): boolean {
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  return containers.some((c) =>
    (Array.isArray(obj(c).env) ? (obj(c).env as unknown[]) : []).some((e) => obj(e).name === READ_ONLY_ENV && obj(e).value === "true"),
  );
}

/** The stores the state's workload names: its volume's file system (the PV's volumeHandle) and the DB cluster of its writer endpoint. */
export function workloadStoresOf(state: StackState): WorkloadStores {
  const pv = state.find((r) => r.type === "kubernetes:core/v1:PersistentVolume");
  const fileSystemId = str(obj(obj(pv?.inputs.spec).csi).volumeHandle);
  let writer = "";
  for (const d of state.filter((r) => r.type === "kubernetes:apps/v1:Deployment")) {
    const containers = obj(obj(obj(obj(d.inputs.spec).template).spec)).containers;
    for (const c of Array.isArray(containers) ? containers : []) {
      const env = Array.isArray(obj(c).env) ? (obj(c).env as unknown[]) : [];
      writer ||= str(obj(env.find((e) => obj(e).name === "DB_WRITER_HOST")).value);
    }
  }
  // An Aurora endpoint starts with the cluster identifier (`<id>.cluster-<hash>.<region>.rds.amazonaws.com`).
  const dbClusterIdentifier = writer.split(".")[0];
  return { ...(fileSystemId ? { fileSystemId } : {}), ...(dbClusterIdentifier ? { dbClusterIdentifier } : {}) };
}

/** The state's workload: replicas per tier of its Deployments, and whether its app tier is read-only; undefined when the site runs no workload. */
export function workloadOf(
  state: StackState,
  nodeGroupNames: Record<string, unknown>,
): { replicas: { web: number; app: number }; readOnly: boolean } | undefined {
  const replicas: Record<string, number> = {};
  let readOnly = false;
  for (const d of state.filter((r) => r.type === "kubernetes:apps/v1:Deployment")) {
    const spec = obj(d.inputs.spec);
    const podSpec = obj(obj(spec.template).spec);
    const tier = tierOf(obj(podSpec.nodeSelector), state, nodeGroupNames);
    if (tier) replicas[tier] = (replicas[tier] ?? 0) + Number(spec.replicas ?? 1);
    if (tier === "app" && readOnlyPods(podSpec)) readOnly = true;
  }
  return "web" in replicas && "app" in replicas ? { replicas: { web: replicas.web, app: replicas.app }, readOnly } : undefined;
}

/** The probes of the Deployments and the target health check of the Services and Ingresses routing to them. */
function servingSettings(nodeGroupNames: () => Record<string, unknown>): Effect {
  return {
    settle(ctx) {
      ctx.world.setServingSettings(ctx.stack, servingSettingsOf(ctx.state, nodeGroupNames()));
      return undefined;
    },
  };
}

/** The ALB the controller provisions for an Ingress (its status), and a health check: learnt by the world when first created. */
function ingress(nodeGroupNames: () => Record<string, unknown>): Effect {
  return {
    apply(step, ctx) {
      if (step.op !== "create") return {};
      const lb = (obj(obj(step.desired?.outputs.status).loadBalancer).ingress ?? []) as unknown[];
      const albHostname = str(obj(lb[0]).hostname);
      if (albHostname) ctx.world.siteCreated(ctx.stack, { albHostname });
      return {};
    },
    settle: servingSettings(nodeGroupNames).settle,
  };
}

const healthCheck: Effect = {
  apply(step, ctx) {
    if (step.op === "create" && step.desired?.id) ctx.world.siteCreated(ctx.stack, { healthCheckId: step.desired.id });
    return {};
  },
};

/** Whether the app tier's Deployment depends (through any chain of dependencies) on a Job that moves restored files. */
function appAfterMoveJob(state: StackState, nodeGroupNames: Record<string, unknown>): boolean {
  const moveJobs = new Set(state.filter((r) => r.type === JOB && moveOf(r.inputs) !== undefined).map((r) => r.urn));
  const apps = state.filter(
    (r) => r.type === "kubernetes:apps/v1:Deployment" && tierOf(obj(obj(obj(obj(r.inputs.spec).template).spec).nodeSelector), state, nodeGroupNames) === "app",
  );
  const seen = new Set<string>();
  const queue = apps.flatMap((a) => a.dependencies);
  while (queue.length > 0) {
    const urn = queue.pop() as string;
    if (moveJobs.has(urn)) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    queue.push(...(findResource(state, urn)?.dependencies ?? []));
  }
  return false;
}

function deployments(nodeGroupNames: () => Record<string, unknown>): Effect {
  return {
    settle(ctx) {
      const workload = workloadOf(ctx.state, nodeGroupNames());
      servingSettings(nodeGroupNames).settle?.(ctx);
      ctx.world.setAppAfterRestoredFilesMove(ctx.stack, appAfterMoveJob(ctx.state, nodeGroupNames()));
      ctx.world.setWorkload(ctx.stack, workload?.replicas, workload?.readOnly ?? false, workloadStoresOf(ctx.state));
      ctx.log("kubernetes:PatchDeployment", "ok", { replicas: workload?.replicas, readOnly: workload?.readOnly ?? false });
      return undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Velero Restore (components/velero.ts): created in the site's cluster, and the provider returns
// once it exists: it carries `pulumi.com/skipAwait: "true"`, and a custom resource has no await
// logic of its own in pulumi-kubernetes. Its outcome is Velero's, read from the cluster afterwards.
// `pulumi.com/waitFor` (the provider then waits for a condition the Restore may never meet) is not
// modelled: a registration with it fails here rather than pass for a wait that did not happen.

const veleroRestore: Effect = {
  apply(step, ctx) {
    // A replaced or deleted Restore leaves the cluster unless retained (`retainOnDelete`, from either
    // registration: the program has always set it), and Velero then deletes its logs and results.
    const retained = step.desired?.options.retainOnDelete === true || step.old?.options.retainOnDelete === true;
    if ((step.op === "replace" || step.op === "delete") && step.old && !retained) {
      const oldName = str(obj(step.old.inputs.metadata).name);
      call(ctx, "kubernetes:DeleteRestore", { name: oldName }, () => ctx.world.deleteVeleroRestore(ctx.stack, oldName));
    }
    if (step.op !== "create" && step.op !== "replace") return {};
    const inputs = step.inputs ?? {};
    const metadata = obj(inputs.metadata);
    const name = str(metadata.name);
    if (obj(metadata.annotations)["pulumi.com/waitFor"] !== undefined)
      throw new Error(`Restore velero/${name}: the simulation does not model pulumi.com/waitFor (the driver reads the Restore's phase itself)`);
    const backupName = str(obj(inputs.spec).backupName);
    call(ctx, "kubernetes:CreateRestore", { name, backupName }, () => ctx.world.createVeleroRestore(ctx.stack, name, backupName));
    return {};
  },
};

// ---------------------------------------------------------------------------------------------
// Kubernetes Jobs. pulumi-kubernetes awaits a Job until its `Complete` condition, and fails the
// step on `Failed` (provider/pkg/await/job.go, jobInitAwaiter). A Job whose container runs the
// program's move script (components/restored-files-move.ts) moves the restored files of the file
// system behind the claim mounted at its FILES_DIR (the claim's PV's volumeHandle) to the root,
// once its pod has a Ready node it may land on; other Jobs change nothing the world models.

const JOB = "kubernetes:batch/v1:Job";

/** The move a Job's inputs describe: the claim mounted where the script works, and the pod spec; undefined for another Job. */
function moveOf(inputs: Record<string, unknown>): { claimName: string; podSpec: Record<string, unknown> } | undefined {
  const podSpec = obj(obj(obj(inputs.spec).template).spec);
  const mover = arr(podSpec.containers).find((c) => arr(obj(c).command).includes(MOVE_RESTORED_FILES_SCRIPT));
  if (!mover) return undefined;
  const filesDir = str(obj(arr(obj(mover).env).find((e) => obj(e).name === FILES_DIR_ENV)).value);
  const mount = arr(obj(mover).volumeMounts).find((m) => obj(m).mountPath === filesDir);
  const volume = arr(podSpec.volumes).find((v) => obj(v).name === obj(mount).name);
  return { claimName: str(obj(obj(volume).persistentVolumeClaim).claimName), podSpec };
}

/** Whether a pod tolerates every taint of a node group (`NoSchedule` taints keep other pods off its nodes). */
function toleratesTaints(podSpec: Record<string, unknown>, group: ResourceState): boolean {
  return arr(group.inputs.taints).every((taint) =>
    arr(podSpec.tolerations).some((tol) => {
      const t = obj(tol);
      return t.key === obj(taint).key && (t.operator === "Exists" || t.value === obj(taint).value);
    }),
  );
}

function jobs(nodeGroupNames: () => Record<string, unknown>): Effect {
  return {
    apply(step, ctx) {
      if (step.op !== "create" && step.op !== "replace") return {};
      const inputs = step.inputs ?? {};
      const move = moveOf(inputs);
      if (!move) return {};
      const name = str(obj(inputs.metadata).name);
      const namespace = str(obj(inputs.metadata).namespace);
      const pv = ctx.state.find(
        (r) =>
          r.type === "kubernetes:core/v1:PersistentVolume" &&
          obj(obj(r.inputs.spec).claimRef).name === move.claimName &&
          obj(obj(r.inputs.spec).claimRef).namespace === namespace,
      );
      const fileSystemId = str(obj(obj(pv?.inputs.spec).csi).volumeHandle);
      if (!fileSystemId)
        throw new Error(`Job ${namespace}/${name}: its pod cannot mount claim "${move.claimName}" (no volume bound to it): it never completes`);
      const selector = obj(move.podSpec.nodeSelector);
      const tier = tierOf(selector, ctx.state, nodeGroupNames());
      const group = ctx.state.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && str(r.outputs.nodeGroupName) === str(nodeGroupNames()[tier ?? ""]));
      if (!tier || !group || !toleratesTaints(move.podSpec, group)) {
        throw new Error(
          `Job ${namespace}/${name}: no node group takes its pod (nodeSelector ${JSON.stringify(selector)}, tolerations included): it stays Pending`,
        );
      }
      const doneAt = call(ctx, "kubernetes:CreateJob", { name, namespace, fileSystemId }, () =>
        ctx.world.startRestoredFilesMove(ctx.stack, fileSystemId, tier as NodeGroupName),
      );
      return { doneAt, readBack: { status: { conditions: [{ type: "Complete", status: "True" }], succeeded: 1 } } };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The network a restore is placed in: DB subnet groups, security groups, subnets' AZs.

const network: Effect = {
  settle(ctx) {
    ctx.world.setNetwork(ctx.stack, networkOf(ctx.state));
    return undefined;
  },
};

/** The effect of each resource type the world models; `nodeGroupNames` is the stack's output. */
export function effectsFor(nodeGroupNames: () => Record<string, unknown>): Record<string, Effect> {
  return {
    "aws:eks/cluster:Cluster": eksCluster,
    "aws:eks/nodeGroup:NodeGroup": nodeGroup(nodeGroupNames),
    "aws:efs/fileSystem:FileSystem": fileSystem,
    "aws:efs/replicationConfiguration:ReplicationConfiguration": replication,
    "aws:rds/clusterInstance:ClusterInstance": clusterInstances,
    "aws:route53/record:Record": failoverRecord,
    "kubernetes:apps/v1:Deployment": deployments(nodeGroupNames),
    "kubernetes:velero.io/v1:Restore": veleroRestore,
    [JOB]: jobs(nodeGroupNames),
    "kubernetes:core/v1:Service": servingSettings(nodeGroupNames),
    "kubernetes:networking.k8s.io/v1:Ingress": ingress(nodeGroupNames),
    "aws:route53/healthCheck:HealthCheck": healthCheck,
    "kubernetes:core/v1:PersistentVolume": deployments(nodeGroupNames),
    "aws:efs/mountTarget:MountTarget": mountTarget,
    "aws:rds/cluster:Cluster": dbCluster,
    "aws:rds/globalCluster:GlobalCluster": globalCluster,
    "aws:rds/subnetGroup:SubnetGroup": network,
    "aws:ec2/securityGroup:SecurityGroup": network,
    "aws:ec2/subnet:Subnet": network,
  };
}

export type { Effect };
