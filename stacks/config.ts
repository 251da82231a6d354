/**
 * The one config schema of eks-dr.
 *
 * The Pulumi program, the test harness and the failover driver all import this module, so a key
 * cannot drift between them. Every key lives in the project namespace (`eks-dr:<key>`).
 *
 * Parsing is pure (`parseSiteConfig`) so it can be tested and reused by the driver; reading from
 * Pulumi's runtime config lives in `loadSiteConfig` in `stacks/config-source.ts`.
 */
import { closest, distance } from "fastest-levenshtein";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { checkRegion, partitionOf } from "./aws-regions";
import { ConfigError, pairFileNames, stackFileName, type ConfigProblem } from "./config-problems";
import { seconds } from "./duration";
import { nodeGroupSizeProblems } from "./roles";

export { ConfigError, formatConfigProblem, stackFileName, type ConfigProblem } from "./config-problems";
export { partitionOf } from "./aws-regions";

export const PROJECT = "eks-dr";

export const ROLES = ["active", "standby"] as const;
export type Role = (typeof ROLES)[number];

/** The node groups every site runs. `system` hosts controllers; `web` and `app` host the workload. */
export const NODE_GROUPS = ["system", "web", "app"] as const;
export type NodeGroupName = (typeof NODE_GROUPS)[number];

/** Fully qualified config key for a schema key, e.g. `eks-dr:role`. */
export const configKey = (key: string): string => `${PROJECT}:${key}`;

/**
 * An AWS Region code the SDK's partition data lists, or one shaped like a Region that it does not
 * list yet (accepted; `siteConfigWarnings` asks to check it). A typo of a listed Region is refused
 * with the Region meant.
 */
const regionCode = z.string().superRefine((value, ctx) => {
  const verdict = checkRegion(value);
  if (verdict.kind !== "invalid") return;
  const hint = verdict.suggestion
    ? `; did you mean ${verdict.suggestion.region} (${verdict.suggestion.description})?`
    : "; use an AWS Region code such as us-east-1";
  ctx.addIssue({ code: "custom", message: `"${value}" is not an AWS Region${hint}` });
});

/** A CIDR block of /16 to /20: large enough for public + private subnets in up to three AZs. */
const vpcCidr = z.string().superRefine((value, ctx) => {
  if (!ipaddr.isValidCIDR(value)) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a CIDR block; use a private block such as 10.0.0.0/16` });
    return;
  }
  const [address, prefix] = ipaddr.parseCIDR(value);
  if (address.kind() !== "ipv4") {
    ctx.addIssue({ code: "custom", message: `"${value}" is IPv6; the VPC needs an IPv4 block such as 10.0.0.0/16` });
    return;
  }
  if (prefix < 16 || prefix > 20) {
    ctx.addIssue({ code: "custom", message: `"${value}" is a /${prefix}; use a block from /16 to /20 (e.g. 10.0.0.0/16)` });
    return;
  }
  if (ipaddr.IPv4.networkAddressFromCIDR(value).toString() !== address.toString()) {
    const network = ipaddr.IPv4.networkAddressFromCIDR(value).toString();
    ctx.addIssue({ code: "custom", message: `"${value}" has host bits set; did you mean ${network}/${prefix}?` });
  }
});

const nodeGroupSize = z
  .strictObject({
    min: z.int().min(0),
    desired: z.int().min(0),
    max: z.int().min(1),
  })
  .superRefine((s, ctx) => {
    if (s.min <= s.desired && s.desired <= s.max) return;
    ctx.addIssue({ code: "custom", message: `sizes must satisfy min <= desired <= max (min ${s.min}, desired ${s.desired}, max ${s.max})` });
  });
export type NodeGroupSize = z.infer<typeof nodeGroupSize>;

const nodeGroup = z.strictObject({
  /** EC2 instance types, first one preferred. */
  instanceTypes: z.array(z.string().min(1)).min(1),
  /** Root volume size in GiB. @default 50 */
  diskSizeGib: z.int().min(20).max(16384).default(50),
  /** `ON_DEMAND` or `SPOT`. @default ON_DEMAND */
  capacityType: z.enum(["ON_DEMAND", "SPOT"]).default("ON_DEMAND"),
  /** Sizes when the site is active. */
  active: nodeGroupSize,
  /** Sizes when the site is standby: web/app at 0 is pilot light, small non-zero is warm standby. */
  standby: nodeGroupSize,
});
export type NodeGroupConfig = z.infer<typeof nodeGroup>;

const efs = z
  .strictObject({
    /** `elastic` (pay per use), `bursting` or `provisioned`. @default elastic */
    throughputMode: z.enum(["elastic", "bursting", "provisioned"]).default("elastic"),
    /** Required when throughputMode is `provisioned`, in MiB/s. */
    provisionedThroughputMibps: z.number().positive().optional(),
  })
  .refine((e) => e.throughputMode !== "provisioned" || e.provisionedThroughputMibps !== undefined, {
    message: "provisioned throughput needs provisionedThroughputMibps (e.g. 64)",
    path: ["provisionedThroughputMibps"],
  });

const healthCheck = z.strictObject({
  /** Path the Route 53 health check requests on the site's ALB. @default /healthz */
  path: z.string().startsWith("/").default("/healthz"),
  /** `HTTP` or `HTTPS` (HTTPS needs dns.certificateArn). @default HTTP */
  protocol: z.enum(["HTTP", "HTTPS"]).default("HTTP"),
  /** Route 53 allows 10 (fast, extra cost) or 30 seconds (`10`, `"30s"`). @default 10 */
  requestIntervalSeconds: seconds(z.literal([10, 30], { error: "Route 53 health checks run every 10 or 30 seconds" })).default(10),
  /** Consecutive failures before unhealthy, 1-10. @default 3 */
  failureThreshold: z.int().min(1).max(10).default(3),
});

const dns = z.strictObject({
  /** Route 53 hosted zone that holds the application hostname (same zone for both sites). */
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]+$/, "a Route 53 hosted zone id looks like Z0123456789ABCDEFGHIJ"),
  /** Application hostname, e.g. app.example.com. */
  hostname: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/i, "use a fully qualified hostname such as app.example.com"),
  /** TTL of the failover records (`60`, `"1m"`); Route 53 accepts 0-2147483647 s; low values make failover visible sooner. @default 60 */
  ttlSeconds: seconds(
    z
      .int({ error: "use a whole number of seconds" })
      .min(0, "Route 53 TTLs range from 0 to 2147483647 seconds")
      .max(2147483647, "Route 53 TTLs range from 0 to 2147483647 seconds"),
  ).default(60),
  /** ACM certificate for an HTTPS listener on the ALB (optional). */
  certificateArn: z.string().startsWith("arn:").optional(),
  healthCheck: healthCheck.prefault({}),
});
export type DnsConfig = z.infer<typeof dns>;

const database = z.strictObject({
  /** Aurora MySQL engine version shared by the global cluster and both regional clusters. */
  engineVersion: z.string().min(1).default("8.0.mysql_aurora.3.08.2"),
  /** Instance class for writer and readers (global database needs r-class or larger). */
  instanceClass: z.string().startsWith("db.").default("db.r6g.large"),
  /** Initial database name. */
  databaseName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/)
    .default("app"),
  /** Master user name (the password is generated and kept in Secrets Manager, never in config). */
  masterUsername: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,15}$/)
    .default("dbadmin"),
  /** Readers per role, besides the writer: standby 0 is headless (cheapest, minutes more RTO). */
  readers: z
    .object({
      active: z.int().min(1, "the active site needs at least one reader in another AZ for in-Region HA"),
      standby: z.int().min(0, "reader count cannot be negative; use 0 for a headless secondary"),
    })
    .prefault({ active: 1, standby: 1 }),
  /** Automated backups kept, 1-35 days. @default 7 */
  backupRetentionDays: z.int().min(1).max(35).default(7),
});
export type DatabaseConfig = z.infer<typeof database>;

/**
 * EKS access policies a principal can be given, narrowest last (EKS User Guide, "Review access
 * policy permissions"): `clusterAdmin` is `*` on everything; `admin` most namespaced resources
 * including RBAC roles; `edit` workloads, services and secrets; `view` read-only, without Secrets.
 */
export const CLUSTER_ACCESS_POLICIES = {
  clusterAdmin: "AmazonEKSClusterAdminPolicy",
  admin: "AmazonEKSAdminPolicy",
  edit: "AmazonEKSEditPolicy",
  view: "AmazonEKSViewPolicy",
} as const;
export type ClusterAccessPolicy = keyof typeof CLUSTER_ACCESS_POLICIES;

const clusterAccessEntry = z.strictObject({
  /** IAM role or user ARN (`arn:<partition>:iam::<account>:role/<path/name>`), not an STS session. */
  principalArn: z.string().min(1),
  /** The narrowest access policy that does the job. */
  policy: z.enum(Object.keys(CLUSTER_ACCESS_POLICIES) as [ClusterAccessPolicy, ...ClusterAccessPolicy[]]),
  /** Limit the policy to these namespaces; the whole cluster when absent. */
  namespaces: z
    .array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "use a Kubernetes namespace name (lowercase letters, digits and -, at most 63)"))
    .min(1)
    .optional(),
});
export type ClusterAccessEntry = z.infer<typeof clusterAccessEntry>;

const IAM_PRINCIPAL_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)\/(.+)$/;
const STS_SESSION_ARN = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;

/** What is wrong with an access entry's principal in a site of `region`, or undefined. */
function principalProblem(arn: string, region: string): string | undefined {
  const session = STS_SESSION_ARN.exec(arn);
  if (session) {
    const [, partition, account, role] = session;
    return (
      `"${arn}" is an STS session of role ${role}, not an IAM principal; an access entry names the role, so every session of it ` +
      `gets in. Use the role's ARN instead: arn:${partition}:iam::${account}:role/${role} (with its path if it has one: ` +
      `aws iam get-role --role-name ${role} --query Role.Arn)`
    );
  }
  const m = IAM_PRINCIPAL_ARN.exec(arn);
  if (!m) return `"${arn}" is not an IAM role or user ARN; use arn:aws:iam::<account>:role/<name> (or :user/<name>)`;
  const [, partition, , kind, name] = m;
  if (partition !== partitionOf(region)) {
    return `"${arn}" is in partition ${partition}, but the site's Region ${region} is in partition ${partitionOf(region)}; use the principal's ARN in ${partitionOf(region)}`;
  }
  if (kind === "role" && name.startsWith("aws-service-role/")) {
    return `"${arn}" is a service-linked role, which EKS access entries do not support; name the role that deploys or operates instead`;
  }
  return undefined;
}

const replicas = z.strictObject({ active: z.int().min(0), standby: z.int().min(0) });
const workload = z.strictObject({
  /** Container images of the sample 3-tier application (pushed to the site's ECR repositories). */
  images: z.strictObject({ web: z.string().min(1), app: z.string().min(1) }),
  /** Replica counts by role. */
  replicas: z.strictObject({ web: replicas, app: replicas }),
});
export type WorkloadConfig = z.infer<typeof workload>;

/**
 * DR tiers (AWS whitepaper "Disaster Recovery of Workloads on AWS: Recovery in the Cloud"). The
 * first two are sizes of a standby site that replicates continuously; `backup-restore` keeps no
 * standby at all: the DR Region holds the backup vault, the Velero bucket, the network and the
 * replicated images and secrets, and is rebuilt from backups when needed (RTO in hours).
 */
export const DR_TIERS = ["pilot-light", "warm-standby", "backup-restore"] as const;
export type DrTier = (typeof DR_TIERS)[number];

/** AWS Backup schedule expressions are six-field cron expressions, e.g. `cron(0 5 ? * * *)`. */
const AWS_BACKUP_CRON = /^cron\((\S+\s+){5}\S+\)$/;
/** Velero schedules: five-field cron or a descriptor such as `@every 6h` / `@daily`. */
const VELERO_SCHEDULE = /^((\S+\s+){4}\S+|@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every\s+\d+[smh](\d+[smh])*)$/;
/** AWS Backup keeps a recovery point in cold storage for at least 90 days (AWS Backup API Reference, Lifecycle). */
export const COLD_STORAGE_MINIMUM_DAYS = 90;
/** AWS Backup enforces a 72-hour cooling-off period before a vault lock is immutable: ChangeableForDays >= 3 (PutBackupVaultLockConfiguration). */
export const VAULT_LOCK_MINIMUM_GRACE_DAYS = 3;

const vaultLock = z
  .strictObject({
    /** Backup and copy jobs with a shorter retention fail (PutBackupVaultLockConfiguration). */
    minRetentionDays: z.int().min(1, "AWS Backup's shortest minimum retention is 1 day"),
    /** Optional upper bound: jobs with a longer retention fail. */
    maxRetentionDays: z.int().min(1).optional(),
    /**
     * Grace time in days: until then the lock can be changed or removed; from then on it is
     * permanent (compliance mode). @default 3, AWS Backup's minimum
     */
    changeableForDays: z
      .int()
      .min(
        VAULT_LOCK_MINIMUM_GRACE_DAYS,
        `AWS Backup enforces a 72-hour cooling-off period: changeableForDays must be ${VAULT_LOCK_MINIMUM_GRACE_DAYS} or more`,
      )
      .default(VAULT_LOCK_MINIMUM_GRACE_DAYS),
  })
  .refine((l) => l.maxRetentionDays === undefined || l.maxRetentionDays >= l.minRetentionDays, {
    message: "maxRetentionDays must be at least minRetentionDays",
    path: ["maxRetentionDays"],
  });
export type VaultLockConfig = z.infer<typeof vaultLock>;

const backup = z.strictObject({
  /** When the active site's plan runs, as an AWS Backup cron expression in UTC. @default "cron(0 5 ? * * *)" (daily, 05:00 UTC) */
  schedule: z.string().regex(AWS_BACKUP_CRON, 'use an AWS Backup cron expression such as "cron(0 5 ? * * *)" (six fields, UTC)').default("cron(0 5 ? * * *)"),
  /** Days a recovery point is kept, in the site's vault and in the peer's. @default 35 */
  retentionDays: z.int().min(1, "keep recovery points at least 1 day").default(35),
  /** Move recovery points to cold storage after this many days (EFS supports it; AWS Backup ignores it for the others). Optional. */
  coldStorageAfterDays: z.int().min(1).optional(),
  /**
   * Vault lock in compliance mode on both sites' vaults (ransomware protection): recovery points
   * cannot be deleted before their retention by anyone, and after `changeableForDays` the lock
   * itself can never be changed or removed. Optional; off when absent.
   */
  vaultLock: vaultLock.optional(),
});
export type BackupConfig = z.infer<typeof backup>;

const velero = z.strictObject({
  /** Namespaces whose Kubernetes objects Velero backs up (objects this program creates are rebuilt by `pulumi up`). @default ["app"] */
  namespaces: z
    .array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "use a Kubernetes namespace name (lowercase letters, digits and -, at most 63)"))
    .default(["app"]),
  /**
   * Velero schedule (five-field cron, UTC). @default "50 4 * * *", ten minutes before the AWS Backup
   * plan: a restore applies only objects not newer than the data's recovery points, so the same
   * night's objects qualify
   */
  schedule: z
    .string()
    .regex(VELERO_SCHEDULE, 'use a five-field cron expression such as "50 4 * * *" or a descriptor such as "@every 6h"')
    .default("50 4 * * *"),
  /** Days Velero keeps a backup (its TTL). @default 30 */
  retentionDays: z.int().min(1).max(3650).default(30),
});
export type VeleroConfig = z.infer<typeof velero>;

/** A Velero backup's name: a Kubernetes object name (DNS subdomain, 253), short enough for the Restore's `restore-<name>-<attempt>`. */
export const VELERO_BACKUP_NAME = /^[a-z0-9]([-a-z0-9.]{0,239}[a-z0-9])?$/;

const veleroRestore = z.strictObject({
  /** The Velero backup (in this site's bucket, synced by its Velero) whose objects are restored. */
  backupName: z
    .string()
    .regex(VELERO_BACKUP_NAME, "use the name of a Velero backup (lowercase letters, digits, - and ., at most 241), as `velero backup get` lists it"),
  /** Which attempt of the restore: a new Restore for each (set by `restore` after a failed one). @default 1 */
  attempt: z.int().min(1).max(999).optional(),
});
export type VeleroRestoreConfig = z.infer<typeof veleroRestore>;

/**
 * The schema of one site's config. Field docs are the reference for the README table.
 */
export const siteConfigSchema = z
  .object({
    /** AWS Region of this site, e.g. us-east-1 (checked against the AWS SDK's partition data). */
    region: regionCode,
    /** `active` serves traffic and owns replication sources; `standby` receives them. */
    role: z.enum(ROLES),
    /** Stack name of the other site (e.g. `dr` for the primary stack). */
    peerStack: z.string().regex(/^[A-Za-z0-9_.\-/]+$/, "use the peer's stack name, e.g. dr"),
    /** VPC CIDR block, /16 to /20, not overlapping the peer's. */
    vpcCidr,
    /** Availability Zones to spread subnets, NAT, EFS mount targets and nodes over. @default 3 */
    azCount: z.int().min(2, "at least 2 AZs are needed for EKS and in-Region HA").max(3).default(3),
    /** NAT gateways: `perAz` (AZ-independent egress) or `single` (cheaper). @default perAz when active, single when standby */
    natGateways: z.enum(["perAz", "single"]).optional(),
    /** EKS Kubernetes minor version, e.g. "1.33". */
    kubernetesVersion: z
      .string()
      .regex(/^1\.\d{2}$/, 'use a minor version string such as "1.33"')
      .default("1.33"),
    /**
     * Who may use the Kubernetes API besides the cluster's creator (API authentication mode): one
     * EKS access entry per IAM principal with the narrowest access policy that works, optionally
     * limited to namespaces. The CI deploy role and every operator who runs the driver need
     * `clusterAdmin`; the CI preview role `view`. Do not list the identity that creates the
     * cluster: EKS already gave it an entry, and a principal can have only one.
     */
    clusterAccess: z.array(clusterAccessEntry).default([]),
    nodeGroups: z.strictObject({ system: nodeGroup, web: nodeGroup, app: nodeGroup }),
    efs: efs.prefault({}),
    /** Route 53 failover settings; optional until the application has a hostname. */
    dns: dns.optional(),
    database: database.prefault({}),
    /**
     * This site owns the resources that exist once for the pair (the Aurora global cluster and
     * the multi-Region KMS primary key). Exactly one site owns them, whatever its role: moving
     * them with the role would delete and recreate the global database. @default false
     */
    ownsGlobalResources: z.boolean().default(false),
    /**
     * The active site replicates EFS to the peer, copies its recovery points into the peer's vault
     * and replicates Velero's bucket. The driver turns this off during an unplanned failover (the
     * peer Region is impaired) and back on during failback. @default true
     */
    replicateToPeer: z.boolean().default(true),
    /**
     * Stops the site taking writes while it keeps serving reads: the workload runs in read-only
     * mode (the app gets `READ_ONLY=true`), replicas unchanged. The driver sets it on the old active
     * site during a planned failover, before waiting for replication to drain. @default false
     */
    quiesced: z.boolean().default(false),
    /**
     * Recovery point objective in seconds (`900`, `"15m"`); replication alarms fire at half of it.
     * Amazon EFS replication is designed for a 15-minute RPO (Aurora's lag is usually under a
     * second), so a lower target warns at deploy time. @default 900
     */
    rpoTargetSeconds: seconds(z.int({ error: "use a whole number of seconds" }).positive("the RPO target must be a positive number of seconds")).default(900),
    /** Email subscribed to the site's alarm topic (optional). */
    alarmEmail: z.email().optional(),
    workload: workload.optional(),
    /** AWS Backup: point-in-time copies of EFS, Aurora and EBS volumes, copied to the peer's vault. */
    backup: backup.prefault({}),
    /** Velero: backups of the Kubernetes objects this program does not create. */
    velero: velero.prefault({}),
    /**
     * Restore the Kubernetes objects of this Velero backup into the site's cluster: the program
     * creates a Velero Restore of it and its up waits until the Restore completed. Set by
     * `restore` (the backup it chose); optional, nothing is restored when absent.
     */
    veleroRestore: veleroRestore.optional(),
    /**
     * The pair's DR tier, the same in both stack files. `backup-restore` makes the standby a site with
     * only its network, backup vault, Velero bucket and replicas of images and secrets. Without it the
     * tier follows the standby sizes (web/app at 0: pilot light); `pilot-light` and `warm-standby`
     * state it and are checked against those sizes.
     */
    drTier: z.enum(DR_TIERS).optional(),
    /**
     * Bounds on the failover driver's steps, whole minutes; the larger of the two sites' values
     * applies. Unset keys keep the driver's defaults (up 60, nodes 20, database 30, efs 30,
     * serving 20, drain 20, auroraRebuild 360).
     */
    driverTimeouts: z
      .strictObject({
        upMinutes: z.int().positive().optional(),
        nodesMinutes: z.int().positive().optional(),
        databaseMinutes: z.int().positive().optional(),
        efsMinutes: z.int().positive().optional(),
        servingMinutes: z.int().positive().optional(),
        drainMinutes: z.int().positive().optional(),
        auroraRebuildMinutes: z.int().positive().optional(),
      })
      .optional(),
    /**
     * The data a `restore` brought back, adopted by the site in place of its own stores: the file
     * system and DB cluster AWS Backup restored, and the global database that cluster writes (the
     * driver sets it from the restore jobs and the global cluster it created). The
     * site's own file system and cluster stay as they are. Unset: the site serves from its own.
     */
    restoredData: z
      .strictObject({
        fileSystemId: z.string().regex(/^fs-[0-9a-f]{8,40}$/, "must be an EFS file system id such as fs-0123456789abcdef0"),
        dbClusterIdentifier: z
          .string()
          .regex(
            /^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$/,
            "must be a DB cluster identifier: 1-63 lowercase letters, digits or single hyphens, starting with a letter (RDS lowercases identifiers)",
          ),
        /**
         * The global database the restored cluster writes (created by `restore` from it). Absent on a
         * restore made before the driver created one: the cluster is then standalone.
         */
        globalClusterIdentifier: z
          .string()
          .regex(
            /^[a-z][0-9a-z\-:._]{0,254}$/,
            "must be a global cluster identifier: a letter, then up to 254 lowercase letters, digits or - : . _ (RDS CreateGlobalCluster; stored lowercase)",
          )
          .optional(),
      })
      .optional(),
    /** Tags applied to every taggable resource of the site. */
    tags: z.record(z.string(), z.string()).default({}),
    /**
     * Impaired Regions this site's `up` must not reach (the peer's Region during an unplanned
     * failover): their providers are configured without any AWS call and what the site has there
     * keeps its last inputs (nothing created, changed or deleted there). The driver sets it on the
     * site taking over and clears it at failback; the policy pack reads it too. @default []
     */
    impairedRegions: z.array(regionCode).default([]),
  })
  .superRefine((cfg, ctx) => {
    // Sizing rules of the roles (stacks/roles.ts).
    nodeGroupSizeProblems(cfg.nodeGroups).forEach((issue) => ctx.addIssue({ code: "custom", ...issue }));
    if (cfg.impairedRegions.includes(cfg.region)) {
      ctx.addIssue({
        code: "custom",
        path: ["impairedRegions"],
        message: `lists ${cfg.region}, this site's own Region; a site cannot run without its own Region`,
      });
    }
    // One access entry per principal (EKS User Guide, "Create access entries"), of this partition.
    const firstIndex = new Map<string, number>();
    cfg.clusterAccess.forEach((entry, i) => {
      const path = ["clusterAccess", i, "principalArn"];
      const problem = principalProblem(entry.principalArn, cfg.region);
      if (problem) ctx.addIssue({ code: "custom", path, message: problem });
      const first = firstIndex.get(entry.principalArn);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `"${entry.principalArn}" is already listed as entry ${first}; a principal has exactly one access entry, so merge them (one policy, or namespaces on one entry)`,
        });
      } else firstIndex.set(entry.principalArn, i);
      if (entry.namespaces && new Set(entry.namespaces).size !== entry.namespaces.length) {
        ctx.addIssue({ code: "custom", path: ["clusterAccess", i, "namespaces"], message: "lists a namespace twice" });
      }
    });
    backupProblems(cfg).forEach((issue) => ctx.addIssue({ code: "custom", ...issue }));
    if (cfg.dns?.healthCheck.protocol === "HTTPS" && !cfg.dns.certificateArn) {
      ctx.addIssue({ code: "custom", path: ["dns", "certificateArn"], message: "an HTTPS health check needs an ACM certificate on the ALB" });
    }
  });

export type SiteConfig = z.infer<typeof siteConfigSchema>;

/** A config problem found by a rule that spans several fields (path relative to `eks-dr:`). */
interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/** Rules between the backup settings, and between the DR tier and the standby sizes. */
function backupProblems(cfg: Pick<SiteConfig, "backup" | "drTier" | "nodeGroups">): FieldIssue[] {
  const out: FieldIssue[] = [];
  const { retentionDays, coldStorageAfterDays, vaultLock } = cfg.backup;
  if (coldStorageAfterDays !== undefined && retentionDays < coldStorageAfterDays + COLD_STORAGE_MINIMUM_DAYS) {
    out.push({
      path: ["backup", "retentionDays"],
      message:
        `is ${retentionDays} days, but recovery points moved to cold storage after ${coldStorageAfterDays} days stay there at least ` +
        `${COLD_STORAGE_MINIMUM_DAYS} days: set retentionDays to ${coldStorageAfterDays + COLD_STORAGE_MINIMUM_DAYS} or more, or drop coldStorageAfterDays`,
    });
  }
  if (vaultLock && retentionDays < vaultLock.minRetentionDays) {
    out.push({
      path: ["backup", "vaultLock", "minRetentionDays"],
      message: `is ${vaultLock.minRetentionDays} days, above backup.retentionDays (${retentionDays}): the locked vaults would fail every backup and copy job. Lower it or raise retentionDays`,
    });
  }
  if (vaultLock?.maxRetentionDays !== undefined && retentionDays > vaultLock.maxRetentionDays) {
    out.push({
      path: ["backup", "vaultLock", "maxRetentionDays"],
      message: `is ${vaultLock.maxRetentionDays} days, below backup.retentionDays (${retentionDays}): the locked vaults would fail every backup and copy job. Raise it or lower retentionDays`,
    });
  }
  const standbyNodes = (["web", "app"] as const).map((name) => [name, cfg.nodeGroups[name].standby.desired] as const);
  if (cfg.drTier === "pilot-light") {
    for (const [name, desired] of standbyNodes.filter(([, d]) => d > 0)) {
      out.push({
        path: ["nodeGroups", name, "standby", "desired"],
        message: `is ${desired}, but eks-dr:drTier is pilot-light (no web/app nodes while standby): set it to 0, or set drTier to warm-standby`,
      });
    }
  }
  if (cfg.drTier === "warm-standby") {
    for (const [name] of standbyNodes.filter(([, d]) => d === 0)) {
      out.push({
        path: ["nodeGroups", name, "standby", "desired"],
        message: `is 0, but eks-dr:drTier is warm-standby (web/app pods already running while standby): set it to 1 or more, or set drTier to pilot-light`,
      });
    }
  }
  return out;
}

/** Top-level keys of the schema, i.e. what may follow `eks-dr:`. */
export const SITE_CONFIG_KEYS = Object.keys(siteConfigSchema.shape) as (keyof SiteConfig)[];

/** The CloudWatch metric that measures how far an Aurora global secondary is behind. */
export type AuroraLagMetric = "AuroraGlobalDBRPOLag" | "AuroraGlobalDBReplicationLag";

/**
 * `AuroraGlobalDBRPOLag` from Aurora MySQL 3.04 (the Aurora User Guide's switchover/failover page
 * says to check it), `AuroraGlobalDBReplicationLag` on older versions. The alarms and the driver's
 * RPO evidence read the same metric.
 */
export function auroraLagMetric(engineVersion: string): AuroraLagMetric {
  const m = /mysql_aurora\.(\d+)\.(\d+)/.exec(engineVersion);
  if (!m) return "AuroraGlobalDBReplicationLag";
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 3 || (major === 3 && minor >= 4) ? "AuroraGlobalDBRPOLag" : "AuroraGlobalDBReplicationLag";
}

/** Example values shown when a required key is missing. */
const EXAMPLES: Partial<Record<keyof SiteConfig, string>> = {
  region: "us-east-1",
  role: "active",
  peerStack: "dr",
  vpcCidr: "10.0.0.0/16",
  nodeGroups: "a map with system, web and app groups (see Pulumi.primary.yaml)",
};

/** A zod schema seen through its definition, to find which keys an object at a path allows. */
interface SchemaNode {
  _zod: {
    def: {
      type: string;
      innerType?: SchemaNode;
      in?: SchemaNode;
      element?: SchemaNode;
      valueType?: SchemaNode;
      shape?: Record<string, SchemaNode>;
      options?: SchemaNode[];
    };
  };
}

/** The schemas a value at `node` may have, wrappers (optional, default, pipe...) removed. */
function unwrap(node: SchemaNode): SchemaNode[] {
  const def = node._zod.def;
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === "pipe" && def.in) return unwrap(def.in);
  if (def.type === "union" && def.options) return def.options.flatMap(unwrap);
  return [node];
}

/** The keys an object at `path` of the site schema allows (empty when it is not an object). */
function knownKeysAt(path: PropertyKey[]): string[] {
  let nodes = unwrap(siteConfigSchema as unknown as SchemaNode);
  for (const segment of path) {
    nodes = nodes.flatMap((n) => {
      const def = n._zod.def;
      const child =
        def.type === "object" ? def.shape?.[String(segment)] : def.type === "array" ? def.element : def.type === "record" ? def.valueType : undefined;
      return child ? unwrap(child) : [];
    });
  }
  return [...new Set(nodes.flatMap((n) => (n._zod.def.type === "object" ? Object.keys(n._zod.def.shape ?? {}) : [])))];
}

/** The known key a misspelled one most likely meant: a small edit away, or the same but for case. */
function closestKey(key: string, known: string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(key, known);
  const allowed = Math.max(1, Math.floor(Math.max(key.length, best.length) / 3));
  return best.toLowerCase() === key.toLowerCase() || distance(key, best) <= allowed ? best : undefined;
}

function unknownKeyMessage(key: string, known: string[]): string {
  const suggestion = closestKey(key, known);
  return suggestion ? `is not a known key; did you mean ${suggestion}?` : `is not a known key; known keys here: ${known.join(", ")}`;
}

/** How a value a string key received as a number was most likely typed (YAML drops a version's trailing zero). */
function typedAs(path: string[], n: number): string {
  return path.join(".") === "kubernetesVersion" && /^\d+\.\d$/.test(String(n)) ? n.toFixed(2) : String(n);
}

function problemsFromZod(file: string, error: z.ZodError): ConfigProblem[] {
  // A misspelled key is reported once, as unknown, with the key it meant; the "missing" problem of
  // that key would only send the reader looking for something that is there, misspelled.
  const meant = new Set<string>();
  const unknown: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const known = knownKeysAt(issue.path);
    for (const key of issue.keys) {
      const path = [...issue.path.map(String), key];
      unknown.push({ file, key: configKey(path.join(".")), message: unknownKeyMessage(key, known) });
      const suggestion = closestKey(key, known);
      if (suggestion) meant.add([...issue.path.map(String), suggestion].join("."));
    }
  }
  const rest = error.issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === "unrecognized_keys") return [];
    const path = issue.path.map(String);
    const key = configKey(path.join("."));
    if (issue.input === undefined && ["invalid_type", "invalid_value", "invalid_union"].includes(issue.code)) {
      if (meant.has(path.join("."))) return [];
      const example = path.length === 1 ? EXAMPLES[path[0] as keyof SiteConfig] : undefined;
      return [{ file, key, message: `is required but not set${example ? `; e.g. ${example}` : ""}` }];
    }
    if (issue.code === "invalid_type" && issue.expected === "string" && typeof issue.input === "number") {
      const typed = typedAs(path, issue.input);
      return [
        {
          file,
          key,
          message: `is the number ${issue.input}, not text: YAML reads an unquoted ${typed} as a number (and Pulumi passes it on as one); quote it: ${key}: "${typed}"`,
        },
      ];
    }
    const shown = issue.input === undefined || typeof issue.input === "object" || issue.message.includes(JSON.stringify(issue.input));
    const got = shown ? "" : ` (got ${JSON.stringify(issue.input)})`;
    return [{ file, key, message: `${issue.message.replace(/^Invalid input: /, "")}${got}` }];
  });
  return [...unknown, ...rest];
}

/**
 * Reads raw config values: strings stay strings, everything else (numbers, booleans, objects)
 * arrives from Pulumi as JSON text. A value is tried as-is first so that a string such as
 * `"1.30"` is not turned into the number 1.3.
 */
export function coerceRawConfig(raw: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SITE_CONFIG_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    const field = siteConfigSchema.shape[key];
    if (field.safeParse(value).success) {
      out[key] = value;
      continue;
    }
    try {
      out[key] = JSON.parse(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

/** Keys an earlier version read, with what replaced them. */
const RETIRED_KEYS: Record<string, (value: unknown) => string> = {
  clusterAdminArns: (value) => {
    const arns = Array.isArray(value) ? value.map(String) : typeof value === "string" ? [value] : [];
    const example =
      arns.length > 0 ? arns.map((a) => `{ principalArn: ${a}, policy: clusterAdmin }`).join(", ") : "{ principalArn: <arn>, policy: clusterAdmin }";
    return (
      `was replaced by eks-dr:clusterAccess, where each principal gets the narrowest access policy that works ` +
      `(clusterAdmin, admin, edit, view). Move it: eks-dr:clusterAccess: [${example}] and delete eks-dr:clusterAdminArns`
    );
  },
};

/** Unknown keys in the project namespace are almost always typos: report them with the key meant. */
function unknownKeyProblems(file: string, raw: Record<string, unknown>): ConfigProblem[] {
  const known = new Set<string>(SITE_CONFIG_KEYS);
  return Object.keys(raw)
    .filter((k) => !known.has(k))
    .map((k) => {
      const retired = RETIRED_KEYS[k];
      if (retired) {
        let value = raw[k];
        if (typeof value === "string") {
          try {
            value = JSON.parse(value);
          } catch {
            // a plain string: shown as is
          }
        }
        return { file, key: configKey(k), message: retired(value) };
      }
      return { file, key: configKey(k), message: unknownKeyMessage(k, SITE_CONFIG_KEYS) };
    });
}

/**
 * Validates one site's config. `raw` maps keys without the namespace to either JSON text
 * (as Pulumi stores it) or already-parsed values. Problems name the stack's file,
 * `Pulumi.<stack>.yaml`, where the values live whichever way they were read.
 */
export function parseSiteConfig(stack: string, raw: Record<string, unknown>): SiteConfig {
  const file = stackFileName(stack);
  const asText = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === "string" || v === undefined ? v : JSON.stringify(v)])) as Record<
    string,
    string | undefined
  >;
  const problems = unknownKeyProblems(file, raw);
  const result = siteConfigSchema.safeParse(coerceRawConfig(asText), { reportInput: true });
  if (!result.success) problems.push(...problemsFromZod(file, result.error));
  if (result.success && result.data.peerStack === stack) {
    problems.push({ file, key: configKey("peerStack"), message: `is "${stack}", the stack itself; set it to the other site's stack name` });
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(stack, problems);
  return result.data;
}

/**
 * What is valid but worth a second look, reported as warnings (the program logs them, validate
 * prints them): a Region the installed AWS SDK does not list yet.
 */
export function siteConfigWarnings(stack: string, cfg: SiteConfig): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  const region = checkRegion(cfg.region);
  if (region.kind === "unlisted") {
    warnings.push({
      file: stackFileName(stack),
      key: configKey("region"),
      message:
        `${cfg.region} is not in the AWS SDK's list of Regions (partition ${region.partition} by its name); check the spelling. ` +
        "A Region newer than the installed SDK is used as given: update the AWS SDK packages (npm update @aws-sdk/util-endpoints) to have it checked",
    });
  }
  return warnings;
}

/** True when two IPv4 CIDR blocks share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [addrA, lenA] = ipaddr.IPv4.parseCIDR(a);
  const [addrB, lenB] = ipaddr.IPv4.parseCIDR(b);
  const shorter = Math.min(lenA, lenB);
  return addrA.match(addrB, shorter);
}

/**
 * Rules between the two sites, checked whenever the peer's config is known (its stack file is in
 * the project directory). Each problem names both files and the key, as set in either of them.
 */
export function pairProblems(self: { stack: string; config: SiteConfig }, peer: { stack: string; config: SiteConfig }): ConfigProblem[] {
  const file = pairFileNames(self.stack, peer.stack);
  const problems: ConfigProblem[] = [];
  const a = self.config;
  const b = peer.config;
  if (a.peerStack !== peer.stack) {
    problems.push({ key: configKey("peerStack"), message: `is "${a.peerStack}" but the peer file is for "${peer.stack}"` });
  }
  if (b.peerStack !== self.stack) {
    problems.push({
      key: configKey("peerStack"),
      message: `stack "${peer.stack}" names "${b.peerStack}" as its peer, not "${self.stack}"; the two sites must name each other`,
    });
  }
  if (a.region === b.region) {
    problems.push({
      key: configKey("region"),
      message: `is ${a.region}, the same Region as stack "${peer.stack}"; a DR site must be in another Region`,
    });
  }
  if (cidrsOverlap(a.vpcCidr, b.vpcCidr)) {
    problems.push({
      key: configKey("vpcCidr"),
      message: `${a.vpcCidr} overlaps ${b.vpcCidr} of stack "${peer.stack}"; give each site its own block (e.g. 10.0.0.0/16 and 10.1.0.0/16)`,
    });
  }
  if (a.role === b.role) {
    problems.push({
      key: configKey("role"),
      message:
        a.role === "active"
          ? `both sites are active; two writers would split the data. Set one site to standby (the driver does this during failover)`
          : `both sites are standby; nothing would serve traffic. Set one site to active`,
    });
  }
  if (a.ownsGlobalResources === b.ownsGlobalResources) {
    problems.push({
      key: configKey("ownsGlobalResources"),
      message: a.ownsGlobalResources
        ? `is true on both sites; exactly one site (usually the first primary) owns the global database and KMS primary key`
        : `is false on both sites; set it to true on exactly one site (usually the first primary)`,
    });
  }
  if (a.dns && b.dns && (a.dns.hostname !== b.dns.hostname || a.dns.hostedZoneId !== b.dns.hostedZoneId)) {
    problems.push({
      key: configKey("dns"),
      message: `hostname/zone (${a.dns.hostname} in ${a.dns.hostedZoneId}) differ from stack "${peer.stack}" (${b.dns.hostname} in ${b.dns.hostedZoneId}); both failover records must share them`,
    });
  }
  if (a.drTier !== b.drTier) {
    const show = (t: DrTier | undefined) => t ?? "not set";
    problems.push({
      key: configKey("drTier"),
      message:
        `is ${show(a.drTier)} but ${show(b.drTier)} in stack "${peer.stack}"; the tier belongs to the pair (the roles move between the sites), ` +
        `so set the same value in both stack files`,
    });
  }
  if (a.database.engineVersion !== b.database.engineVersion) {
    problems.push({
      key: configKey("database.engineVersion"),
      message: `${a.database.engineVersion} differs from stack "${peer.stack}" (${b.database.engineVersion}); a global database runs one version`,
    });
  }
  return problems.map((p) => ({ file, ...p }));
}

/**
 * Both sites' config and the rules between them, all or nothing: one ConfigError listing every
 * problem of either file and of the pair, each naming its file and key. For readers of both stack
 * files at once (the simulated Regions, tools).
 */
export function parseSitePair(
  sites: [{ stack: string; raw: Record<string, unknown> }, { stack: string; raw: Record<string, unknown> }],
): [{ stack: string; config: SiteConfig }, { stack: string; config: SiteConfig }] {
  const problems: ConfigProblem[] = [];
  const parsed = sites.map(({ stack, raw }) => {
    try {
      return { stack, config: parseSiteConfig(stack, raw) };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  });
  const [a, b] = parsed;
  if (a && b) problems.push(...pairProblems(a, b));
  if (problems.length > 0 || !a || !b) throw new ConfigError(sites.map((s) => s.stack).join(" and "), problems);
  return [a, b];
}
