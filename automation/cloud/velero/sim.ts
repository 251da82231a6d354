/** The simulated Velero port: the backups in a simulated site's Velero bucket, read through S3. */
import type { SimCall } from "../../sim/cloud-call";
import type { CallOptions } from "../call-options";
import type { VeleroBackup, VeleroPort } from "./port";

export class SimVelero implements VeleroPort {
  constructor(private readonly sim: SimCall) {}

  listVeleroBackups(region: string, bucket: string, opts?: CallOptions): Promise<VeleroBackup[]> {
    return this.sim.call({ method: "listVeleroBackups", service: "s3", api: "ListObjectsV2", region, args: { bucket }, sideEffect: false }, opts, () =>
      this.sim.world.listVeleroBackups(region, bucket).map((b) => ({ name: b.name, phase: b.phase, startedAt: b.startedAt, completedAt: b.completedAt })),
    );
  }
}
