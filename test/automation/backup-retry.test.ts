/**
 * One retry layer for the AWS Backup port too: `restore`'s calls go through the driver's guard
 * (cloud/guard.ts: its classification of retryable errors, its attempts and backoff on the driver's
 * Clock), and the port's SDK clients make one attempt each, as the CloudPort's do. Counted on the
 * real adapter's clients, mocked with aws-sdk-client-mock.
 */
import { BackupClient, BackupServiceException, ListRecoveryPointsByBackupVaultCommand, ResourceNotFoundException } from "@aws-sdk/client-backup";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { AwsBackup } from "../../automation/cloud/backup/real";
import type { DryRunResult } from "../../automation/driver";
import { DEFAULT_RETRY } from "../../automation/engine/retry";
import { restore, type RestoreDeps } from "../../automation/restore";
import { simulate, type TestSim } from "./helpers";

/**
 * AWS's answer to a throttled call (ThrottlingException, HTTP 400: AWS Backup Developer Guide,
 * "Common Errors"), as the SDK raises an error its model does not name.
 */
const throttled = () =>
  new BackupServiceException({ name: "ThrottlingException", $fault: "client", $metadata: { httpStatusCode: 400 }, message: "Rate exceeded" });

describe("the AWS Backup port behind the driver's one retry layer", () => {
  const backup = mockClient(BackupClient);
  let t: TestSim;
  let deps: RestoreDeps;

  before(async () => {
    t = await simulate({ seed: 81 });
  });

  beforeEach(() => {
    backup.reset();
    // The real adapter, building its clients as outside tests (only their send is mocked).
    deps = Object.assign(Object.create(t.deps) as RestoreDeps, { backup: new AwsBackup() });
  });
  after(() => backup.restore());

  /** Both stores' points an hour before now, in dr's vault. */
  const points = () => {
    const at = new Date(t.sim.clock.now() - 3_600_000);
    return {
      RecoveryPoints: [
        { RecoveryPointArn: "arn:rp:efs", ResourceType: "EFS", ResourceArn: "arn:fs", CreationDate: at, Status: "COMPLETED" as const },
        { RecoveryPointArn: "arn:rp:db", ResourceType: "Aurora", ResourceArn: "arn:db", CreationDate: at, Status: "COMPLETED" as const },
      ],
    };
  };
  const dryRun = () => restore(deps, { to: "dr", point: { latest: true }, maxSkewMs: 3_600_000 }, { dryRun: true }) as Promise<DryRunResult>;

  it("the port's SDK clients make one attempt per call", async () => {
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves(points());
    await dryRun();
    const client = backup.send.firstCall.thisValue as BackupClient;
    expect(await client.config.maxAttempts()).to.equal(1);
  });

  it("a throttled call is retried by the guard: two throttles, then the answer, in three calls", async () => {
    backup.on(ListRecoveryPointsByBackupVaultCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves(points());
    const r = await dryRun();
    expect(r.refusal, r.refusal).to.equal(undefined);
    expect(backup.commandCalls(ListRecoveryPointsByBackupVaultCommand)).to.have.length(3);
  });

  it("throttling that does not stop gets the guard's attempts, no more", async () => {
    backup.on(ListRecoveryPointsByBackupVaultCommand).rejects(throttled());
    const r = await dryRun();
    expect(r.refusal).to.match(/ThrottlingException/);
    expect(backup.commandCalls(ListRecoveryPointsByBackupVaultCommand)).to.have.length(DEFAULT_RETRY.maxAttempts);
  });

  it("an error that is not retryable is not retried", async () => {
    backup
      .on(ListRecoveryPointsByBackupVaultCommand)
      .rejects(new ResourceNotFoundException({ $metadata: { httpStatusCode: 400 }, message: "Backup vault eks-dr-dr does not exist" }));
    const r = await dryRun();
    expect(r.refusal).to.match(/ResourceNotFoundException/);
    expect(backup.commandCalls(ListRecoveryPointsByBackupVaultCommand)).to.have.length(1);
  });
});
