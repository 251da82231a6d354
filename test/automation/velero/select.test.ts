import { expect } from "chai";
import type { VeleroBackup } from "../../../automation/cloud/velero/port";
import { selectVeleroBackup } from "../../../automation/cloud/velero/select";

const T = Date.parse("2025-01-10T05:00:00Z");
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const b = (name: string, phase: string, completedAt?: number): VeleroBackup => ({
  name,
  phase,
  startedAt: (completedAt ?? T) - MIN,
  ...(completedAt !== undefined ? { completedAt } : {}),
});

describe("the Velero backup a restore applies", () => {
  const where = "dr-velero (us-west-2)";

  it("is the newest Completed one that finished at or before the recovery points, not a newer one", () => {
    const backups = [
      b("d-2", "Completed", T - 2 * DAY),
      b("d-1", "Completed", T - DAY - 10 * MIN),
      b("d0", "Completed", T - 10 * MIN),
      b("d0-late", "Completed", T + 30 * MIN),
    ];
    const r = selectVeleroBackup(backups, { notAfter: T, where });
    expect(r.ok && r.backup.name).to.equal("d0");
    // At exactly the points' time it still qualifies.
    expect(selectVeleroBackup([b("same", "Completed", T)], { notAfter: T, where })).to.deep.include({ ok: true });
  });

  it("passes over a PartiallyFailed (or unfinished) newest backup for the newest complete one", () => {
    const r = selectVeleroBackup([b("older", "Completed", T - DAY), b("partial", "PartiallyFailed", T - 5 * MIN), b("running", "InProgress")], {
      notAfter: T,
      where,
    });
    expect(r.ok && r.backup.name).to.equal("older");
  });

  it("says so when the bucket holds none, or only newer or incomplete ones", () => {
    const none = selectVeleroBackup([], { notAfter: T, where });
    expect(none).to.deep.equal({ ok: false, problem: `no Velero backup in ${where}` });
    const newer = selectVeleroBackup([b("late", "Completed", T + MIN), b("partial", "PartiallyFailed", T - MIN)], { notAfter: T, where });
    expect(newer.ok).to.equal(false);
    const problem = (newer as { problem: string }).problem;
    expect(problem)
      .to.include("2025-01-10T05:00:00.000Z")
      .and.include("1 finished later (the oldest: late at 2025-01-10T05:01:00.000Z)")
      .and.include("partial PartiallyFailed");
  });
});
