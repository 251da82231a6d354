/**
 * The real RDS port (AWS SDK v3): Aurora global clusters, their members, switchover and failover.
 *
 * - `SwitchoverGlobalCluster` is sent to the Region of the current primary (user guide: "--region:
 *   the AWS Region where the primary DB cluster ... is running"); `FailoverGlobalCluster` with
 *   `AllowDataLoss=true` is sent to the Region of the secondary being promoted (user guide:
 *   `--region region_of_selected_secondary`), since the primary's Region is the one that is down.
 *   Both name the target by ARN "so that Aurora can locate the cluster in its Region" (API ref).
 * - A member's Region is read from its `DBClusterArn` (arn:partition:rds:REGION:account:cluster:id);
 *   its `SynchronizationStatus` (GlobalClusterMember: connected | pending-resync) says whether Aurora
 *   is still rebuilding it.
 *
 * The replication lag of a secondary is a CloudWatch metric: ../cloudwatch/real.ts.
 */
import {
  CreateGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
  type GlobalCluster as SdkGlobalCluster,
} from "@aws-sdk/client-rds";
import type { CallOptions } from "../call-options";
import { AwsCallError, awsErrorCode, boundedCall, type CallSite } from "../aws/call";
import { type AwsContext, required } from "../aws/context";
import type { DbCluster, GlobalCluster, RdsPort } from "./port";

export class RdsApi implements RdsPort {
  constructor(private readonly ctx: AwsContext) {}

  async describeGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster> {
    const site: CallSite = { service: "RDS", api: "DescribeGlobalClusters", region, resource: `global cluster "${globalClusterIdentifier}"` };
    const out = await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients.client("rds", region).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: globalClusterIdentifier }), { abortSignal }),
    );
    const gc = out.GlobalClusters?.find((g) => g.GlobalClusterIdentifier === globalClusterIdentifier) ?? out.GlobalClusters?.[0];
    if (!gc) throw new AwsCallError(site, new Error("the response lists no global cluster"));
    return globalClusterOf(site, gc, globalClusterIdentifier);
  }

  async findGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster | undefined> {
    try {
      return await this.describeGlobalCluster(region, globalClusterIdentifier, opts);
    } catch (err) {
      // DescribeGlobalClusters answers GlobalClusterNotFoundFault for an identifier that names none (RDS API reference, DescribeGlobalClusters).
      if (awsErrorCode(err) === "GlobalClusterNotFoundFault") return undefined;
      throw err;
    }
  }

  async createGlobalCluster(region: string, globalClusterIdentifier: string, sourceClusterArn: string, opts?: CallOptions): Promise<void> {
    const site: CallSite = {
      service: "RDS",
      api: "CreateGlobalCluster",
      region,
      resource: `global cluster "${globalClusterIdentifier}" from ${sourceClusterArn}`,
      mutating: true,
    };
    const clusterRegion = requireClusterArn(site, sourceClusterArn);
    if (clusterRegion !== region) {
      throw new Error(`${site.service} ${site.api}: send it to ${clusterRegion}, the Region of the source cluster ${sourceClusterArn}, not to ${region}`);
    }
    // Only the identifier and the source: Engine, EngineVersion, DatabaseName and StorageEncrypted
    // come from the source cluster and must not be given with it (RDS API reference, CreateGlobalCluster).
    await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients
        .client("rds", region)
        .send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: globalClusterIdentifier, SourceDBClusterIdentifier: sourceClusterArn }), {
          abortSignal,
        }),
    );
  }

  async describeDbCluster(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<DbCluster> {
    const site: CallSite = { service: "RDS", api: "DescribeDBClusters", region, resource: `DB cluster "${clusterIdentifier}"` };
    const out = await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients.client("rds", region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterIdentifier }), { abortSignal }),
    );
    const c = out.DBClusters?.[0];
    if (!c) throw new AwsCallError(site, new Error("the response lists no DB cluster"));
    return {
      identifier: c.DBClusterIdentifier ?? clusterIdentifier,
      arn: required(site, c.DBClusterArn, "DBClusters[].DBClusterArn"),
      status: c.Status ?? "unknown",
      instanceCount: c.DBClusterMembers?.length ?? 0,
    };
  }

  async switchoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    const site: CallSite = {
      service: "RDS",
      api: "SwitchoverGlobalCluster",
      region,
      resource: `global cluster "${globalClusterIdentifier}" to ${targetClusterArn}`,
      mutating: true,
    };
    const targetRegion = requireClusterArn(site, targetClusterArn);
    if (targetRegion === region) {
      throw new Error(
        `${site.service} ${site.api}: send it to the Region of the current primary, not to ${region} where the target ` +
          `${targetClusterArn} is (Aurora user guide, "Performing switchovers")`,
      );
    }
    await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients
        .client("rds", region)
        .send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: globalClusterIdentifier, TargetDbClusterIdentifier: targetClusterArn }), {
          abortSignal,
        }),
    );
  }

  async failoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    const site: CallSite = {
      service: "RDS",
      api: "FailoverGlobalCluster",
      region,
      resource: `global cluster "${globalClusterIdentifier}" to ${targetClusterArn}`,
      mutating: true,
    };
    const targetRegion = requireClusterArn(site, targetClusterArn);
    if (targetRegion !== region) {
      throw new Error(
        `${site.service} ${site.api}: send it to ${targetRegion}, the Region of the secondary being promoted, not to ${region} ` +
          `(Aurora user guide, "Performing managed failovers"; the primary's Region may be down)`,
      );
    }
    await boundedCall(site, this.ctx.bound(opts), (abortSignal) =>
      this.ctx.clients.client("rds", region).send(
        new FailoverGlobalClusterCommand({
          GlobalClusterIdentifier: globalClusterIdentifier,
          TargetDbClusterIdentifier: targetClusterArn,
          AllowDataLoss: true,
        }),
        { abortSignal },
      ),
    );
  }
}

/** A global cluster as the port describes it. */
function globalClusterOf(site: CallSite, gc: SdkGlobalCluster, globalClusterIdentifier: string): GlobalCluster {
  const failover = gc.FailoverState;
  return {
    identifier: gc.GlobalClusterIdentifier ?? globalClusterIdentifier,
    status: gc.Status ?? "unknown",
    members: (gc.GlobalClusterMembers ?? []).map((m) => {
      const clusterArn = required(site, m.DBClusterArn, "GlobalClusterMembers[].DBClusterArn");
      return {
        clusterArn,
        region: rdsClusterArnRegion(clusterArn) ?? "unknown",
        isWriter: m.IsWriter === true,
        // "pending-resync" while Aurora rebuilds the member (e.g. an old primary after a failover).
        ...(m.SynchronizationStatus ? { synchronizationStatus: m.SynchronizationStatus } : {}),
      };
    }),
    failoverState: failover?.Status
      ? {
          status: failover.Status,
          fromClusterArn: failover.FromDbClusterArn ?? "",
          toClusterArn: failover.ToDbClusterArn ?? "",
          isDataLossAllowed: failover.IsDataLossAllowed === true,
        }
      : undefined,
  };
}

/** Region of an RDS cluster ARN: arn:partition:rds:REGION:account:cluster:id. */
export function rdsClusterArnRegion(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):\d{12}:cluster:[^:]+$/.exec(arn);
  return m?.[1];
}

function requireClusterArn(site: CallSite, arn: string): string {
  const region = rdsClusterArnRegion(arn);
  if (!region) {
    throw new Error(
      `${site.service} ${site.api}: the target must be a DB cluster ARN (arn:aws:rds:<region>:<account>:cluster:<id>) so that ` +
        `Aurora can locate the cluster in its Region; got "${arn}"`,
    );
  }
  return region;
}
