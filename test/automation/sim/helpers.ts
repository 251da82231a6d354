import { expect } from "chai";
import * as path from "node:path";
import { readStackFileConfig } from "../../../stacks/stack-files";
import { createSimulation, type Simulation, type SimulationOptions } from "../../../automation/sim";
import type { Clock } from "../../../automation/ports";

export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const SEC = 1000;
export const MIN = 60 * SEC;

/** The project's own stack files, with edits (e.g. a headless standby). */
export function configs(edit: (stack: string, raw: Record<string, any>) => void = () => {}): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, any>> = {};
  for (const stack of ["primary", "dr"]) {
    const raw = structuredClone(readStackFileConfig(ROOT, stack)) as Record<string, any>;
    edit(stack, raw);
    out[stack] = raw;
  }
  return out;
}

export function headless(): Record<string, Record<string, unknown>> {
  return configs((_, raw) => {
    raw.database = { ...raw.database, readers: { active: 1, standby: 0 } };
  });
}

export function sim(opts: SimulationOptions = {}): Promise<Simulation> {
  return createSimulation({ seed: 7, ...opts });
}

/** The Aurora global cluster the program names for the pair (`<project>-global`, stacks/program.ts). */
export const GLOBAL_CLUSTER_ID = "eks-dr-global";

/** Resolves to the rejection of `p`; fails the test if it resolves. */
export async function rejection(p: Promise<unknown> | (() => unknown), name?: string): Promise<Error & Record<string, any>> {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  if (err === undefined) expect.fail(`expected a rejection${name ? ` with ${name}` : ""}`);
  if (name) expect((err as Error).name, (err as Error).message).to.equal(name);
  return err as Error & Record<string, any>;
}

/** Polls `pred` every `everyMs` of virtual time until true; fails after `maxMs`. */
export async function until(clock: Clock, pred: () => boolean | Promise<boolean>, maxMs = 60 * MIN, everyMs = 5 * SEC): Promise<number> {
  const start = clock.now();
  while (!(await pred())) {
    if (clock.now() - start > maxMs) expect.fail(`condition not met within ${maxMs / MIN} min`);
    await clock.sleep(everyMs);
  }
  return clock.now();
}

/**
 * Restores primary's newest EFS point into a new file system (or into the existing `into`) and,
 * without `into`, its newest Aurora point into a new cluster with two instances, from its own vault.
 */
export async function restoreIntoPrimary(s: Simulation, into?: string): Promise<{ fileSystemId: string; dbClusterIdentifier: string; pointAt: number }> {
  const outputs = (await s.stacks.outputs("primary"))!;
  const points = s.world.listRecoveryPoints("us-east-1", outputs.backupVaultName!);
  const newest = (type: "EFS" | "Aurora") => points.filter((p) => p.resourceType === type).at(-1)!;
  const role = outputs.backupRoleArn!;
  const efs = s.world.startRestoreJob("us-east-1", {
    recoveryPointArn: newest("EFS").arn,
    resourceType: "EFS",
    iamRoleArn: role,
    metadata: {
      "file-system-id": into ?? "fs-1",
      newFileSystem: into ? "false" : "true",
      Encrypted: "true",
      KmsKeyId: outputs.kmsKeyArn,
      PerformanceMode: "generalPurpose",
      CreationToken: `t-${s.world.restoreJobs().length}`,
    },
  });
  const db = into
    ? undefined
    : s.world.startRestoreJob("us-east-1", {
        recoveryPointArn: newest("Aurora").arn,
        resourceType: "Aurora",
        iamRoleArn: role,
        metadata: {
          DBClusterIdentifier: "primary-restored-1",
          Engine: "aurora-mysql",
          DBSubnetGroupName: outputs.dbSubnetGroupName!,
          VpcSecurityGroupIds: JSON.stringify([outputs.dbSecurityGroupId]),
        },
      });
  await s.clock.sleep(Math.max(efs.completesAt, db?.completesAt ?? 0) - s.clock.now() + 1);
  if (db) {
    s.world.setDbInstances("primary", 2);
    await s.clock.sleep(30 * MIN);
  }
  return {
    fileSystemId: s.world.describeRestoreJob("us-east-1", efs.id).createdResourceArn!.split("/").at(-1)!,
    dbClusterIdentifier: "primary-restored-1",
    pointAt: newest("EFS").createdAt,
  };
}
