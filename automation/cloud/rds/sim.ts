/** The simulated RDS port: the Aurora global database of the simulated world. */
import type { SimCall } from "../../sim/cloud-call";
import type { CallOptions } from "../call-options";
import type { DbCluster, GlobalCluster, RdsPort } from "./port";

export class SimRds implements RdsPort {
  constructor(private readonly sim: SimCall) {}

  describeGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster> {
    return this.sim.call(
      { method: "describeGlobalCluster", service: "rds", api: "DescribeGlobalClusters", region, args: { globalClusterIdentifier }, sideEffect: false },
      opts,
      () => this.sim.world.describeGlobalCluster(region, globalClusterIdentifier),
    );
  }

  describeDbCluster(region: string, clusterIdentifier: string, opts?: CallOptions): Promise<DbCluster> {
    return this.sim.call(
      { method: "describeDbCluster", service: "rds", api: "DescribeDBClusters", region, args: { clusterIdentifier }, sideEffect: false },
      opts,
      () => this.sim.world.describeDbCluster(region, clusterIdentifier),
    );
  }

  async switchoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    await this.sim.call(
      {
        method: "switchoverGlobalCluster",
        service: "rds",
        api: "SwitchoverGlobalCluster",
        region,
        args: { globalClusterIdentifier, targetClusterArn },
        sideEffect: true,
      },
      opts,
      () => this.sim.world.switchoverGlobalCluster(region, globalClusterIdentifier, targetClusterArn),
    );
  }

  async failoverGlobalCluster(region: string, globalClusterIdentifier: string, targetClusterArn: string, opts?: CallOptions): Promise<void> {
    await this.sim.call(
      {
        method: "failoverGlobalCluster",
        service: "rds",
        api: "FailoverGlobalCluster",
        region,
        args: { globalClusterIdentifier, targetClusterArn, allowDataLoss: true },
        sideEffect: true,
      },
      opts,
      () => this.sim.world.failoverGlobalCluster(region, globalClusterIdentifier, targetClusterArn),
    );
  }

  findGlobalCluster(region: string, globalClusterIdentifier: string, opts?: CallOptions): Promise<GlobalCluster | undefined> {
    return this.sim.call(
      { method: "findGlobalCluster", service: "rds", api: "DescribeGlobalClusters", region, args: { globalClusterIdentifier }, sideEffect: false },
      opts,
      () => this.sim.world.findGlobalCluster(region, globalClusterIdentifier),
    );
  }

  async createGlobalCluster(region: string, globalClusterIdentifier: string, sourceClusterArn: string, opts?: CallOptions): Promise<void> {
    await this.sim.call(
      {
        method: "createGlobalCluster",
        service: "rds",
        api: "CreateGlobalCluster",
        region,
        args: { globalClusterIdentifier, sourceClusterArn },
        sideEffect: true,
      },
      opts,
      () => this.sim.world.createGlobalCluster(region, globalClusterIdentifier, sourceClusterArn),
    );
  }
}
