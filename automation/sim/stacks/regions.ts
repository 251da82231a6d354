/**
 * The Regions a simulated `up` reaches, derived from what the program registers. An `up` fails
 * when one of them does not answer (stacks/sim-stacks.ts); the message names each resource,
 * provider or invoke and its Region.
 *
 * - Every provider the program registers is configured during the up. pulumi-aws validates the
 *   credentials with STS (GetCallerIdentity) and then looks the account up, both in the provider's
 *   Region (or `stsRegion`), unless `skipCredentialsValidation` and `skipRequestingAccountId` are
 *   both set (pulumi-aws provider/config.go `preConfigureCallback`; terraform-provider-aws
 *   internal/conns/config.go `ConfigureProvider`; aws-sdk-go-base `GetAwsAccountIDAndPartition`).
 *   `skipRegionValidation` (pulumi-aws's default) is a static check and `skipMetadataApiCheck`
 *   (pulumi-aws's default) concerns the instance metadata service, not a Region.
 * - Every invoke goes to its provider's Region. (Some functions, e.g. getPartition, answer from the
 *   provider's configuration; counting them is the safe side: the program can always route them
 *   through a provider whose Region answers.)
 * - A resource step goes to its provider's Region, except for global services, whose control plane
 *   lives in one Region: Route 53 and IAM in us-east-1 (AWS Fault Isolation Boundaries whitepaper,
 *   "Global services"; IAM User Guide, "Resilience in IAM"). Some API calls reach a second Region:
 *   creating an EFS replication (the provider waits until it is ENABLED, which needs the
 *   destination) and deleting one (the provider deletes it in the destination's Region first:
 *   terraform-provider-aws efs/replication_configuration.go); creating a KMS replica key (ReplicateKey
 *   runs in the primary key's Region: kms/replica_key.go); a Secrets Manager secret's replicas
 *   (counted on the safe side, as the replica Region is where the copy is written).
 * - The stack's state (and the peer's outputs its StackReference reads) live in the state backend.
 */
import type { Registration, ProgramRun } from "../program/run";
import { ROUTE53 } from "../world";
import type { Step } from "./diff";
import { describeUrn } from "./state";

/** One place an `up` reaches, and why. */
export interface Reach {
  what: string;
  region: string;
}

const IAM_CONTROL_PLANE = "us-east-1";
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
/** pulumi-aws's SDKs send the provider's boolean settings as JSON text. */
const isTrue = (v: unknown): boolean => v === true || v === "true";

/** Providers whose configuration calls STS, and in which Region. */
export function providerReaches(run: ProgramRun): Reach[] {
  return run.resources
    .filter((r) => r.type === "pulumi:providers:aws")
    .filter((r) => !(isTrue(r.inputs.skipCredentialsValidation) && isTrue(r.inputs.skipRequestingAccountId)))
    .map((r) => {
      const region = str(r.inputs.stsRegion) || str(r.inputs.region);
      return {
        what: `provider ${r.name} (pulumi:providers:aws): configure validates credentials with STS in ${region} (skipCredentialsValidation and skipRequestingAccountId are not both set)`,
        region,
      };
    });
}

/** Invokes, each in its provider's Region. */
export function invokeReaches(run: ProgramRun): Reach[] {
  const names = new Map(run.resources.map((r) => [r.urn, r.name]));
  const seen = new Set<string>();
  const out: Reach[] = [];
  for (const i of run.invokes) {
    if (!i.region) continue;
    const what = `invoke ${i.token} through provider ${names.get(i.providerUrn ?? "") ?? i.providerUrn}`;
    if (seen.has(`${what}@${i.region}`)) continue;
    seen.add(`${what}@${i.region}`);
    out.push({ what, region: i.region });
  }
  return out;
}

/** The state backend, when it lives in a Region: every up reads and writes it. */
export function backendReaches(stack: string, backendRegion: string | undefined): Reach[] {
  return backendRegion ? [{ what: `the state backend (checkpoints of ${stack}, outputs read by its stack reference)`, region: backendRegion }] : [];
}

/** Regions one resource step reaches. */
export function stepReaches(step: Step): Reach[] {
  if (step.op === "discard") return []; // forgetting a read resource calls nothing
  const res: Registration | undefined = step.desired;
  const type = step.type;
  const custom = (res ?? step.old)?.custom ?? false;
  if (!custom || type.startsWith("pulumi:") || type.startsWith("random:")) return [];
  const what = `${describeUrn(step.urn)} (${step.op})`;
  if (type.startsWith("aws:route53/")) return [{ what, region: ROUTE53 }];
  if (type.startsWith("aws:iam/")) return [{ what, region: IAM_CONTROL_PLANE }];
  const region = (res ?? step.old)?.region;
  const out: Reach[] = region ? [{ what, region }] : [];
  const inputs = step.inputs ?? step.old?.inputs ?? {};
  if (type === "aws:efs/replicationConfiguration:ReplicationConfiguration" && step.op !== "update") {
    for (const dest of [obj(inputs.destination).region, obj(step.old?.inputs.destination).region]) {
      if (str(dest)) out.push({ what: `${what}: the replication's destination`, region: str(dest) });
    }
  }
  if (type === "aws:kms/replicaKey:ReplicaKey" && (step.op === "create" || step.op === "replace")) {
    const primaryRegion = str(inputs.primaryKeyArn).split(":")[3];
    if (primaryRegion) out.push({ what: `${what}: ReplicateKey in the primary key's Region`, region: primaryRegion });
  }
  if (type === "aws:secretsmanager/secret:Secret" && step.op !== "delete" && (step.op !== "update" || step.changed.includes("replicas"))) {
    for (const r of Array.isArray(inputs.replicas) ? inputs.replicas : []) {
      if (str(obj(r).region)) out.push({ what: `${what}: its replica`, region: str(obj(r).region) });
    }
  }
  return dedupe(out);
}

function dedupe(reaches: Reach[]): Reach[] {
  const seen = new Set<string>();
  return reaches.filter((r) => !seen.has(r.region) && seen.add(r.region));
}
