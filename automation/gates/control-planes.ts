/**
 * The control planes a planned switch calls, each with the steps that need it, so that a run
 * checks them all before its first side effect, again at its point of no return (those the switch
 * still needs), and on a resume (those the remaining steps need). A planned run that starts and
 * then meets a control plane that does not answer would switch the database, delete the file
 * replication and stop at the DNS swap, with every resume failing the same way.
 */
import { errorMessage, isTimeout } from "../errors";
import type { CallOptions, CloudPort } from "../ports";
import type { Pair } from "../plan/sites";
import { formatDuration } from "../util/duration";

export interface ControlPlane {
  /** e.g. "RDS in us-east-1", "Route 53 (global, in us-east-1)". */
  name: string;
  /** The Region it lives in (Route 53's control plane is in us-east-1). */
  region: string;
  /** Ids of the plan's steps that call it. */
  neededBy: string[];
  /** A cheap read of the API the steps call. */
  read(cloud: CloudPort, opts: CallOptions): Promise<unknown>;
}

/** The control planes of a planned switch `pair.source` -> `pair.target`; step ids with the plan's prefix. */
export function plannedControlPlanes(pair: Pair, prefix = ""): ControlPlane[] {
  const { source, target } = pair;
  const gid = pair.globalClusterIdentifier;
  const p = (ids: string[]) => ids.map((i) => `${prefix}${i}`);
  const dns = target.config.dns ?? source.config.dns;
  return [
    {
      name: `EKS in ${target.region}`,
      region: target.region,
      neededBy: p(["scale-nodes-system", "scale-nodes-web", "scale-nodes-app"]),
      read: (c, o) => c.eks.describeNodeGroup(target.region, target.outputs.clusterName, target.outputs.nodeGroupNames.web, o),
    },
    {
      name: `RDS in ${source.region}`,
      region: source.region,
      // SwitchoverGlobalCluster is sent to the current primary's Region.
      neededBy: p(["switchover-db"]),
      read: (c, o) => c.rds.describeGlobalCluster(source.region, gid, o),
    },
    {
      name: `RDS in ${target.region}`,
      region: target.region,
      neededBy: p(["add-db-instance", "wait-aurora-lag", "switchover-db"]),
      read: (c, o) => c.rds.describeDbCluster(target.region, target.outputs.dbClusterIdentifier, o),
    },
    {
      name: `CloudWatch in ${target.region}`,
      region: target.region,
      neededBy: p(["wait-aurora-lag"]),
      read: (c, o) => c.cloudWatch.auroraLag(target.region, target.outputs.dbClusterIdentifier, o),
    },
    {
      name: `EFS in ${source.region}`,
      region: source.region,
      neededBy: p(["wait-efs-sync", "delete-efs-replication"]),
      read: (c, o) => c.efs.describeReplication(source.region, source.outputs.fileSystemId, o),
    },
    {
      name: `EFS in ${target.region}`,
      region: target.region,
      neededBy: p(["delete-efs-replication"]),
      read: (c, o) => c.efs.describeReplication(target.region, target.outputs.fileSystemId, o),
    },
    ...(dns
      ? [
          {
            name: "Route 53 (global, in us-east-1)",
            region: "us-east-1",
            neededBy: p(["swap-dns"]),
            read: (c: CloudPort, o: CallOptions) => c.route53.getFailoverRecords(dns.hostedZoneId, dns.hostname, o),
          },
        ]
      : []),
  ];
}

/** The planes some step of `stepIds` needs. */
export function neededBy(planes: ControlPlane[], stepIds: Iterable<string>): ControlPlane[] {
  const ids = new Set(stepIds);
  return planes.filter((p) => p.neededBy.some((s) => ids.has(s)));
}

export interface Unanswered {
  plane: ControlPlane;
  error: unknown;
}

/** Reads every plane at once, each bounded; the ones that did not answer. */
export async function unanswered(cloud: CloudPort, planes: ControlPlane[], opts: CallOptions): Promise<Unanswered[]> {
  const results = await Promise.all(
    planes.map((plane) =>
      plane.read(cloud, opts).then(
        () => undefined,
        (error: unknown) => ({ plane, error }),
      ),
    ),
  );
  return results.filter((r): r is Unanswered => r !== undefined);
}

/** "RDS in us-east-1 did not answer within 5s (...); Route 53 ... " */
export function describeUnanswered(list: Unanswered[], timeoutMs: number): string {
  return list
    .map(
      ({ plane, error }) =>
        `${plane.name} ${isTimeout(error) ? `did not answer within ${formatDuration(timeoutMs)}` : `refused the read (${errorMessage(error)})`}`,
    )
    .join("; ");
}

/**
 * Whether every failure is a timeout in `region`: the signature of that Region being down (an
 * unplanned failover's case). Errors that are answers (access denied, bad credentials) are not.
 */
export function onlyRegionDown(list: Unanswered[], region: string): boolean {
  return list.length > 0 && list.every(({ plane, error }) => plane.region === region && isTimeout(error));
}
