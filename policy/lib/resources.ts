/**
 * The resource shape every DR policy reads, and small helpers over it.
 *
 * Policies take plain objects (not @pulumi/policy's argument bags) so that tests can feed them
 * synthetic resources or the resources the real program registers under mocks. `index.ts`
 * converts the policy engine's arguments into this shape (see `adapter.ts`).
 */

/** Resource type tokens of @pulumi/aws v7 that the policies read. */
export const T = {
  efsFileSystem: "aws:efs/fileSystem:FileSystem",
  efsReplication: "aws:efs/replicationConfiguration:ReplicationConfiguration",
  efsBackupPolicy: "aws:efs/backupPolicy:BackupPolicy",
  rdsCluster: "aws:rds/cluster:Cluster",
  rdsGlobalCluster: "aws:rds/globalCluster:GlobalCluster",
  eksNodeGroup: "aws:eks/nodeGroup:NodeGroup",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  route53Record: "aws:route53/record:Record",
  kmsKey: "aws:kms/key:Key",
  kmsReplicaKey: "aws:kms/replicaKey:ReplicaKey",
  ecrRepository: "aws:ecr/repository:Repository",
  ecrReplication: "aws:ecr/replicationConfiguration:ReplicationConfiguration",
  backupVault: "aws:backup/vault:Vault",
  secret: "aws:secretsmanager/secret:Secret",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  stack: "pulumi:pulumi:Stack",
  stackReference: "pulumi:pulumi:StackReference",
} as const;

/** One resource as a policy sees it. */
export interface ResourceLike {
  type: string;
  /** Logical name, used in messages. */
  name: string;
  urn: string;
  /**
   * Resource-scoped policies read the inputs; stack-scoped policies read the outputs (inputs plus
   * what the provider computed). During `pulumi preview` some values are unknown: see `isUnknown`.
   */
  props: Record<string, unknown>;
  /** The `protect` resource option. */
  protect?: boolean;
  /** Region of the resource: its own `region` property (aws v7) or its provider's. */
  region?: string;
  /** The provider resource the engine created it through (custom resources only). */
  provider?: ProviderRef;
}

/** Identity of a provider resource: type `pulumi:providers:<package>`, its name and URN. */
export interface ProviderRef {
  type: string;
  name: string;
  urn: string;
}

/**
 * Sentinels the Pulumi engine uses for values not known until `pulumi up` (computed outputs of
 * resources not created yet). They are the same strings in @pulumi/pulumi and @pulumi/policy.
 */
const UNKNOWN_SENTINELS = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (also the generic unknown)
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** True for a value that will only be known after `pulumi up` (e.g. the ARN of a key created in the same update). */
export function isUnknown(value: unknown): boolean {
  return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/** Set to something: a non-empty value, or a value that will be computed (unknown during preview). */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  return true;
}

/** A known, non-empty string, or undefined when unset or unknown. */
export function knownString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" && !isUnknown(value) ? value : undefined;
}

/** A known number (numbers may arrive as numeric strings from some providers), else undefined. */
export function knownNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && !isUnknown(value) && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** An array's elements, or undefined when the value is not (yet) an array. */
export function knownArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** Reads a nested property; `path` such as `protection.replicationOverwrite`. Lists use their first element. */
export function prop(resource: ResourceLike, path: string): unknown {
  let current: unknown = resource.props;
  for (const key of path.split(".")) {
    if (Array.isArray(current)) current = current[0];
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function ofType(resources: readonly ResourceLike[], type: string): ResourceLike[] {
  return resources.filter((r) => r.type === type);
}

/** `name (type)` for messages. */
export function describe(resource: ResourceLike): string {
  return `${resource.name} (${resource.type})`;
}
