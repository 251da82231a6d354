/**
 * The simulated Kubernetes port: the simulated cluster's API server. A site in an impaired Region
 * does not answer (the call hangs until its bound); a cluster that does not exist is a 404 of
 * DescribeCluster, as the real adapter meets it before its first request.
 */
import type { SimCall } from "../../sim/cloud-call";
import type { CallOptions } from "../call-options";
import type { KubernetesPort, VeleroRestoreReadiness, VeleroRestoreState } from "./port";

export class SimKubernetes implements KubernetesPort {
  constructor(private readonly sim: SimCall) {}

  readVeleroRestore(region: string, clusterName: string, namespace: string, name: string, opts?: CallOptions): Promise<VeleroRestoreState | undefined> {
    return this.sim.call(
      { method: "readVeleroRestore", service: "kubernetes", api: "GET restores.velero.io", region, args: { clusterName, namespace, name }, sideEffect: false },
      opts,
      () => {
        const r = this.sim.world.readVeleroRestore(region, clusterName, name);
        if (!r) return undefined;
        return {
          name: r.name,
          phase: r.phase,
          errors: r.errors ?? 0,
          warnings: r.warnings ?? 0,
          ...(r.failureReason ? { failureReason: r.failureReason } : {}),
          validationErrors: r.validationErrors ?? [],
        };
      },
    );
  }

  veleroRestoreReadiness(
    region: string,
    clusterName: string,
    namespace: string,
    backupName: string,
    location: string,
    opts?: CallOptions,
  ): Promise<VeleroRestoreReadiness> {
    return this.sim.call(
      {
        method: "veleroRestoreReadiness",
        service: "kubernetes",
        api: "GET backups.velero.io",
        region,
        args: { clusterName, namespace, backupName, location },
        sideEffect: false,
      },
      opts,
      () => this.sim.world.veleroRestoreReadiness(region, clusterName, backupName),
    );
  }

  /** The simulated node groups do not model labels: the group is named. */
  countReadyNodes(region: string, clusterName: string, nodeGroupName: string, labels: Record<string, string>, opts?: CallOptions): Promise<number> {
    return this.sim.call(
      { method: "countReadyNodes", service: "kubernetes", api: "GET nodes", region, args: { clusterName, nodeGroupName, labels }, sideEffect: false },
      opts,
      () => this.sim.world.describeNodeGroup(region, clusterName, nodeGroupName).readyNodes ?? 0,
    );
  }
}
