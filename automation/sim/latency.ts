/**
 * How long each simulated step takes: the sourced table (shown in docs/latency.md) as data, triangular sampling with
 * a seeded RNG, and overrides from a user's file of measured figures.
 *
 * All figures are seconds in the table and in override files; `sample` returns milliseconds.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Rng } from "./rng";

export const LATENCY_STEPS = [
  "aurora-failover",
  "aurora-switchover",
  "aurora-headless-instance",
  "aurora-rebuild",
  "efs-replication-delete",
  "nodegroup-ready",
  "karpenter-ready",
  // A backup-only standby's up as a full site creates its cluster, then its node groups.
  "eks-cluster-create",
  "nodegroup-create",
  // From a node Ready to the site serving on it: the pod, its readiness probe, its ALB target.
  "pod-start",
  "readiness-probe",
  "alb-target-registration",
  "alb-target-health-check",
  "route53-unhealthy",
  "dns-ttl",
  "pulumi-up",
  // Rows the model needs beyond the steps a failover runs, sourced the same way.
  "efs-sync",
  "api-call",
  // Backups: the copy to the peer's vault, and restores from recovery points (restore.ts, world/backups.ts).
  "backup-copy",
  "efs-restore",
  "efs-restore-per-gib",
  "aurora-snapshot-restore",
  "aurora-snapshot-restore-per-gib",
  // The program's Job that moves a restored file system's files out of AWS Backup's recovery directory.
  "restored-files-move",
  // Velero: a scheduled backup, its S3 replica in the peer's bucket, a restore of its objects (world/velero.ts).
  "velero-backup",
  "s3-replication",
  "velero-restore",
] as const;
export type LatencyStep = (typeof LATENCY_STEPS)[number];

export interface LatencyRange {
  minSeconds: number;
  typicalSeconds: number;
  maxSeconds: number;
  /** Where the figures come from; an override names its file. */
  source: string;
}

export interface LatencyRow extends LatencyRange {
  /** What the step measures, from its start to its end. */
  description: string;
  /** The range is [0, TTL, TTL] of the record's TTL; the figures here are for a 60 s TTL. */
  fromTtl?: true;
  /**
   * The range follows the health check's config: Route 53 changes a status after `failureThreshold`
   * consecutive results, one every `requestIntervalSeconds`, and its checkers are staggered within
   * an interval: [(threshold - 1) x interval, threshold x interval, (threshold + 1) x interval].
   * The figures here cover every config (10 or 30 s, threshold 1-10; default 30 s x 3 = 90 s).
   */
  fromHealthCheck?: true;
  /**
   * The range follows the pod's readiness probe (read from the program's Deployment): the pod is
   * Ready at the first of `successThreshold` consecutive passing probes, one every `periodSeconds`
   * after `initialDelaySeconds`, the first at any moment of a period once the app answers:
   * [delay + (threshold - 1) x period, + period / 2, + period]. The figures here are Kubernetes'
   * defaults (period 10 s, threshold 1, no delay).
   */
  fromProbe?: true;
  /**
   * The range follows the ALB target group's health check (read from the program's Ingress): a
   * newly registered target is healthy after one passing check, sent at some moment of an interval:
   * [0, interval / 2, interval]. The figures here are the load balancer controller's default (15 s).
   */
  fromTargetHealthCheck?: true;
}

/** Health-check settings that set the `route53-unhealthy` range (from `dns.healthCheck`). */
export interface HealthCheckTiming {
  requestIntervalSeconds: number;
  failureThreshold: number;
}

/** A container's readiness probe (Kubernetes Probe fields), which sets the `readiness-probe` range. */
export interface ProbeTiming {
  periodSeconds: number;
  successThreshold: number;
  initialDelaySeconds: number;
}

/** An ALB target group's health check, which sets the `alb-target-health-check` range. */
export interface TargetHealthCheckTiming {
  intervalSeconds: number;
}

/** What a config-derived row is derived from; each row reads only its own field. */
export interface RangeInputs {
  ttlSeconds?: number;
  healthCheck?: HealthCheckTiming;
  probe?: ProbeTiming;
  targetHealthCheck?: TargetHealthCheckTiming;
}

export type LatencyTable = Record<LatencyStep, LatencyRow>;

/** The sourced ranges, one row per step; docs/latency.md shows them (a test keeps the two in step). */
export const LATENCY_TABLE: Readonly<LatencyTable> = Object.freeze({
  "aurora-failover": {
    description: "Aurora unplanned failover, secondary becomes writer (FailoverGlobalCluster, AllowDataLoss)",
    minSeconds: 30,
    typicalSeconds: 60,
    maxSeconds: 300,
    source:
      'AWS Well-Architected Labs DR workshop: "promote a secondary region ... in under a minute"; Aurora User Guide: global database RTO "in the order of minutes"',
  },
  "aurora-switchover": {
    description: "Aurora planned switchover (SwitchoverGlobalCluster)",
    minSeconds: 60,
    typicalSeconds: 180,
    maxSeconds: 600,
    source: "Aurora User Guide (minutes); one public benchmark measured about 8 min end to end for a cross-Region switch",
  },
  "aurora-headless-instance": {
    description: "Aurora headless secondary: create a first instance before promotion (used for any instance creation)",
    minSeconds: 300,
    typicalSeconds: 600,
    maxSeconds: 900,
    source: "estimate (typical Aurora instance creation); no single public figure",
  },
  "aurora-rebuild": {
    description: "Aurora rebuilds the old primary as a secondary after an unplanned failover (new storage volume), from when its Region answers again",
    minSeconds: 300,
    typicalSeconds: 1200,
    maxSeconds: 14400,
    source:
      'Aurora User Guide, "Using switchover or failover in Amazon Aurora Global Database": rebuilding "can take a few minutes to several hours, depending on the size of the storage volume and the distance between the Regions"; typical: estimate for a small volume',
  },
  "efs-replication-delete": {
    description: "EFS replication deletion until the destination is writable",
    minSeconds: 60,
    typicalSeconds: 180,
    maxSeconds: 600,
    source: 'Amazon EFS User Guide: "can take several minutes to complete"',
  },
  "nodegroup-ready": {
    description: "EKS managed node group from 0 to nodes Ready (Auto Scaling group path)",
    minSeconds: 120,
    typicalSeconds: 180,
    maxSeconds: 300,
    source: "commonly reported 3-5 min for ASG-based node registration",
  },
  "eks-cluster-create": {
    description: "EKS control plane creation (CreateCluster until ACTIVE)",
    minSeconds: 360,
    typicalSeconds: 600,
    maxSeconds: 900,
    source:
      'EKS API Reference, CreateCluster: "In most cases, it takes several minutes to create a cluster"; the AWS containers roadmap item "Reduction in EKS cluster creation time": provisioning "currently averages 15 minutes" (max)',
  },
  "nodegroup-create": {
    description: "EKS managed node group creation until ACTIVE with its nodes Ready (CreateNodegroup, from an ACTIVE control plane)",
    minSeconds: 120,
    typicalSeconds: 240,
    maxSeconds: 480,
    source: "estimate: the node registration of nodegroup-ready (3-5 min) plus the group's Auto Scaling group and launch template; measure and override",
  },
  "karpenter-ready": {
    description: "Karpenter node provisioning to Ready",
    minSeconds: 45,
    typicalSeconds: 60,
    maxSeconds: 90,
    source: "Karpenter guides: nodes online in about 45-60 s, 45-90 s added by new-node provisioning",
  },
  "pod-start": {
    description:
      "A Pending pod scheduled on a node that just turned Ready until its app answers the readiness path: image pulled from the site's ECR, container started (app pods also mount EFS)",
    minSeconds: 10,
    typicalSeconds: 30,
    maxSeconds: 60,
    source: "estimate: the image pull dominates and grows with the image's size (a new node has no image cached); measure your pods' start and override",
  },
  "readiness-probe": {
    description: "From the app answering until the kubelet's readiness probe marks the pod Ready",
    minSeconds: 0,
    typicalSeconds: 5,
    maxSeconds: 10,
    fromProbe: true,
    source:
      "Kubernetes API reference, Probe: periodSeconds (default 10, minimum 1), successThreshold (default 1), initialDelaySeconds (default 0); the Deployment's own values",
  },
  "alb-target-registration": {
    description: "The AWS Load Balancer Controller registers a Ready pod's IP in the ALB target group (RegisterTargets) until the ALB checks it",
    minSeconds: 2,
    typicalSeconds: 5,
    maxSeconds: 20,
    source:
      "estimate: the controller registers pods whose endpoint is ready, on the EndpointSlice change (controller v2.11 pkg/backend/endpoint_resolver.go); ELB publishes no ALB registration time",
  },
  "alb-target-health-check": {
    description: "A newly registered ALB target passing its one health check (healthy, so the ALB routes to it)",
    minSeconds: 0,
    typicalSeconds: 7.5,
    maxSeconds: 15,
    fromTargetHealthCheck: true,
    source:
      'ELB guide, "Health checks for Application Load Balancer target groups": "After your target is registered, it must pass one health check to be considered healthy", one every HealthCheckIntervalSeconds (5-300 s; the controller\'s default 15 s); the Ingress\'s own interval',
  },
  "route53-unhealthy": {
    description: "Route 53 health check declares the endpoint unhealthy (also used for healthy again)",
    minSeconds: 10,
    typicalSeconds: 90,
    maxSeconds: 300,
    fromHealthCheck: true,
    source: "Route 53: request interval 10 s or 30 s, failure threshold 1-10 (default 3)",
  },
  "dns-ttl": {
    description: "DNS clients follow a changed answer",
    minSeconds: 0,
    typicalSeconds: 60,
    maxSeconds: 60,
    fromTtl: true,
    source: "the record's TTL (config)",
  },
  "pulumi-up": {
    description: "`pulumi up` of one site for a role change",
    minSeconds: 30,
    typicalSeconds: 90,
    maxSeconds: 300,
    source: "estimate: engine, provider diff and the changed resources; measure on a real stack and override",
  },
  "efs-sync": {
    description: "One EFS replication sync cycle (LastReplicatedTimestamp advances at its end)",
    minSeconds: 15,
    typicalSeconds: 60,
    maxSeconds: 900,
    source:
      'AWS News Blog "New - Replication for Amazon EFS" (2022): "most changes are replicated within a minute, with an overall RPO of 15 minutes for most file systems"',
  },
  "api-call": {
    description: "One AWS control-plane API round trip",
    minSeconds: 0.05,
    typicalSeconds: 0.15,
    maxSeconds: 1,
    source: "estimate: regional API latency seen from a client in another Region",
  },
  "backup-copy": {
    description: "AWS Backup cross-Region copy job: from the recovery point's completion until its copy is in the peer's vault",
    minSeconds: 300,
    typicalSeconds: 1800,
    maxSeconds: 14400,
    source:
      'AWS Backup Developer Guide, "Creating backup copies across AWS Regions" (a copy job starts once the backup job completes and its duration grows with the data copied; no published figure): estimate, measure your copy jobs and override',
  },
  "efs-restore": {
    description: "AWS Backup EFS full restore: job start and file system creation, before the data (plus efs-restore-per-gib x size)",
    minSeconds: 60,
    typicalSeconds: 180,
    maxSeconds: 900,
    source:
      'AWS Backup Developer Guide, "Restore an Amazon EFS file system" (full restore into a new file system, or a recovery directory aws-backup-restore_<datetime> in an existing one; never destructive): estimate of the fixed part',
  },
  "efs-restore-per-gib": {
    description: "AWS Backup EFS restore: seconds per GiB restored (about 10 s for large files; a GiB of 10 KiB files is about 100,000 files)",
    minSeconds: 10,
    typicalSeconds: 20,
    maxSeconds: 210,
    source:
      'Amazon EFS User Guide, "Using AWS Backup with Amazon EFS", Performance: "100 MB/s for file systems composed of mostly large files, 500 files/s for file systems composed of mostly small files" (1 GiB of large files: about 11 s; of 100 KiB files: about 21 s; of 10 KiB files: about 210 s); a restore lasts at most seven days',
  },
  "aurora-snapshot-restore": {
    description:
      "Aurora DB cluster restored from a snapshot (AWS Backup StartRestoreJob / RestoreDBClusterFromSnapshot) until the cluster is available, before its first instance",
    minSeconds: 300,
    typicalSeconds: 900,
    maxSeconds: 10800,
    source:
      're:Post Knowledge Center "Why is my Aurora MySQL-Compatible DB cluster snapshot taking so long to restore?" (https://repost.aws/knowledge-center/aurora-mysql-snapshot-restore-options): storage provisioned in three AZs and downloaded from S3 before the cluster is available; "Aurora restores are non-linear"; "Why is my Amazon Aurora DB cluster clone, snapshot restore, or point in time restore taking so long?" (https://repost.aws/knowledge-center/aurora-mysql-slow-snapshot-restore): RestoreDBClusterFromSnapshot "can take up to a few hours to complete": estimate of the fixed part',
  },
  "aurora-snapshot-restore-per-gib": {
    description: "Aurora snapshot restore: seconds per GiB of cluster volume (small: restores are non-linear in size)",
    minSeconds: 0.1,
    typicalSeconds: 0.5,
    maxSeconds: 3,
    source:
      're:Post Knowledge Center (https://repost.aws/knowledge-center/aurora-mysql-snapshot-restore-options): "the larger data set takes only a little longer than the smaller data set to restore"; long-running transactions at backup time lengthen crash recovery (https://repost.aws/knowledge-center/aurora-mysql-slow-snapshot-restore): estimate',
  },
  "restored-files-move": {
    description:
      "The Job moving a restored file system's files from its aws-backup-restore_<datetime> directory to the root: pod scheduled on a Ready node, a small image pulled, one rename per top-level entry, Job Complete",
    minSeconds: 3,
    typicalSeconds: 10,
    maxSeconds: 60,
    source:
      'estimate: a pod start dominated by pulling a ~2 MB busybox image; the renames are metadata operations that copy no data (POSIX rename(2) on one file system) at EFS\'s per-operation latency (Amazon EFS User Guide, "Amazon EFS performance specifications"), whatever the data size; measure your Job and override',
  },
  "velero-backup": {
    description: "A scheduled Velero backup of the listed namespaces' objects (no volumes), from its start until velero-backup.json is written to the bucket",
    minSeconds: 10,
    typicalSeconds: 30,
    maxSeconds: 300,
    source:
      'Velero docs, "How Velero works" (a backup queries the API server for the objects, tars them and uploads them to object storage; volumes are not snapshotted here): no published figure, estimate for a few hundred objects; measure with `velero backup describe` and override',
  },
  "s3-replication": {
    description: "S3 replication of a Velero backup's objects from the active site's bucket into the peer's (without S3 Replication Time Control)",
    minSeconds: 5,
    typicalSeconds: 60,
    maxSeconds: 3600,
    source:
      'Amazon S3 User Guide, "Meeting compliance requirements with S3 Replication Time Control": with S3 RTC most objects replicate in seconds and 99.99% within 15 minutes; without it (this bucket) replication is asynchronous with no time guarantee: estimate, watch ReplicationLatency and override',
  },
  "velero-restore": {
    description: "A Velero Restore of a synced backup's objects into the cluster, from its creation until phase Completed",
    minSeconds: 20,
    typicalSeconds: 60,
    maxSeconds: 600,
    source:
      'Velero docs, "Restore Reference" (objects are created in priority order: CRDs and namespaces first, then the rest; existing ones are skipped): no published figure, estimate for a few hundred objects; measure with `velero restore describe` and override',
  },
});

/**
 * Smallest figure a step accepts, in seconds. An EFS sync cycle starts as soon as the previous one
 * ends: a cycle of 0 s (or less than a millisecond, which rounds to 0) would repeat at one instant
 * forever. Other steps happen once per action, so 0 is a valid figure for them (a DNS TTL of 0).
 */
export const MIN_SECONDS: Partial<Record<LatencyStep, number>> = { "efs-sync": 1 };

/**
 * A triangular draw on [min, max] with mode `typical`, from one uniform number `u` in [0, 1).
 * Pure, so tests can check the inverse CDF directly.
 */
export function triangular(u: number, min: number, typical: number, max: number): number {
  if (max <= min) return min;
  const split = (typical - min) / (max - min);
  if (u < split) return min + Math.sqrt(u * (max - min) * (typical - min));
  return max - Math.sqrt((1 - u) * (max - min) * (max - typical));
}

/** Draws step durations from a table, one independent RNG stream per step. */
export class LatencyModel {
  private readonly streams = new Map<LatencyStep, Rng>();

  constructor(
    private readonly rng: Rng,
    readonly table: Readonly<LatencyTable> = LATENCY_TABLE,
  ) {}

  /**
   * The range used for `step`; for `dns-ttl` pass the record's TTL, for `route53-unhealthy` the
   * health check's timing, for `readiness-probe` the pod's probe, for `alb-target-health-check` the
   * target group's health check. Without them, the row's own figures.
   */
  range(step: LatencyStep, opts: RangeInputs = {}): LatencyRange {
    const row = this.table[step];
    if (row.fromTtl && opts.ttlSeconds !== undefined) {
      return { minSeconds: 0, typicalSeconds: opts.ttlSeconds, maxSeconds: opts.ttlSeconds, source: row.source };
    }
    if (row.fromHealthCheck && opts.healthCheck !== undefined) {
      const { requestIntervalSeconds: interval, failureThreshold: threshold } = opts.healthCheck;
      return { minSeconds: (threshold - 1) * interval, typicalSeconds: threshold * interval, maxSeconds: (threshold + 1) * interval, source: row.source };
    }
    if (row.fromProbe && opts.probe !== undefined) {
      const { periodSeconds: period, successThreshold, initialDelaySeconds } = opts.probe;
      const min = initialDelaySeconds + (successThreshold - 1) * period;
      return { minSeconds: min, typicalSeconds: min + period / 2, maxSeconds: min + period, source: row.source };
    }
    if (row.fromTargetHealthCheck && opts.targetHealthCheck !== undefined) {
      const interval = opts.targetHealthCheck.intervalSeconds;
      return { minSeconds: 0, typicalSeconds: interval / 2, maxSeconds: interval, source: row.source };
    }
    return row;
  }

  /** A duration in whole milliseconds. */
  sample(step: LatencyStep, opts: RangeInputs = {}): number {
    const { minSeconds, typicalSeconds, maxSeconds } = this.range(step, opts);
    const u = this.stream(step).next();
    return Math.round(triangular(u, minSeconds, typicalSeconds, maxSeconds) * 1000);
  }

  private stream(step: LatencyStep): Rng {
    let s = this.streams.get(step);
    if (!s) {
      s = this.rng.fork(`latency:${step}`);
      this.streams.set(step, s);
    }
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Overrides: a JSON or YAML file mapping step ids to the user's own measured figures.
//
//   # latency.yaml, seconds
//   aurora-failover: { minSeconds: 25, typicalSeconds: 40, maxSeconds: 110, source: "drill 2025-05-12" }
//   pulumi-up: { typicalSeconds: 70 }        # partial: other fields keep the default

const overrideRow = z.strictObject({
  minSeconds: z.number().nonnegative().optional(),
  typicalSeconds: z.number().nonnegative().optional(),
  maxSeconds: z.number().nonnegative().optional(),
  source: z.string().min(1).optional(),
});
export type LatencyOverride = z.infer<typeof overrideRow>;
export type LatencyOverrides = Partial<Record<LatencyStep, LatencyOverride>>;

const overridesSchema = z.record(z.string(), z.unknown());

/** Steps of earlier versions of the table, with what replaced them. */
const RENAMED_STEPS: Record<string, string> = {
  "pods-ready":
    "is now split: pod-start (scheduled, image pulled, app answering), readiness-probe (from the Deployment's probe), alb-target-registration and alb-target-health-check (from the Ingress); put your measured pod start under pod-start",
};

export class LatencyOverrideError extends Error {
  constructor(
    readonly origin: string,
    readonly problems: string[],
  ) {
    super(`Invalid latency overrides in ${origin}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "LatencyOverrideError";
  }
}

/**
 * Validates an overrides document and merges it over `base`. Errors name the step and the field,
 * e.g. `aurora-failover.typicalSeconds: must be <= maxSeconds (300)`.
 */
export function applyLatencyOverrides(doc: unknown, origin = "overrides", base: Readonly<LatencyTable> = LATENCY_TABLE): LatencyTable {
  const top = overridesSchema.safeParse(doc ?? {});
  if (!top.success) {
    throw new LatencyOverrideError(origin, [`(root): expected a map of step ids to { minSeconds, typicalSeconds, maxSeconds, source }`]);
  }
  const problems: string[] = [];
  const table = { ...base } as LatencyTable;
  for (const [step, value] of Object.entries(top.data)) {
    if (step in RENAMED_STEPS) {
      problems.push(`${step}: ${RENAMED_STEPS[step]}`);
      continue;
    }
    if (!(LATENCY_STEPS as readonly string[]).includes(step)) {
      problems.push(`${step}: is not a known step; known steps are ${LATENCY_STEPS.join(", ")}`);
      continue;
    }
    const parsed = overrideRow.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.map(String).join(".");
        const message =
          issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}; use minSeconds, typicalSeconds, maxSeconds, source` : issue.message;
        problems.push(`${step}${field ? `.${field}` : ""}: ${message}`);
      }
      continue;
    }
    const id = step as LatencyStep;
    const merged: LatencyRow = {
      ...base[id],
      ...Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)),
      source: parsed.data.source ?? `override from ${origin}`,
    };
    const floor = MIN_SECONDS[id];
    if (floor !== undefined && merged.minSeconds < floor) {
      problems.push(`${step}.minSeconds: ${merged.minSeconds} must be at least ${floor}: a shorter cycle repeats without time moving`);
    } else if (merged.typicalSeconds < merged.minSeconds) {
      problems.push(`${step}.typicalSeconds: ${merged.typicalSeconds} must be >= minSeconds (${merged.minSeconds})`);
    } else if (merged.typicalSeconds > merged.maxSeconds) {
      problems.push(`${step}.typicalSeconds: ${merged.typicalSeconds} must be <= maxSeconds (${merged.maxSeconds})`);
    }
    // A measured figure replaces the config-derived range.
    if (id === "dns-ttl") delete merged.fromTtl;
    if (id === "route53-unhealthy") delete merged.fromHealthCheck;
    if (id === "readiness-probe") delete merged.fromProbe;
    if (id === "alb-target-health-check") delete merged.fromTargetHealthCheck;
    table[id] = merged;
  }
  if (problems.length > 0) throw new LatencyOverrideError(origin, problems);
  return table;
}

/** Reads a JSON or YAML overrides file (YAML is a superset of JSON) and merges it over the defaults. */
export function loadLatencyOverrides(file: string, base: Readonly<LatencyTable> = LATENCY_TABLE): LatencyTable {
  const origin = path.basename(file);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new LatencyOverrideError(origin, [`cannot read ${file}: ${(err as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new LatencyOverrideError(origin, [`not valid JSON or YAML: ${(err as Error).message.split("\n")[0]}`]);
  }
  return applyLatencyOverrides(doc, origin, base);
}
