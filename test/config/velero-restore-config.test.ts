import { expect } from "chai";
import { ConfigError, parseSiteConfig } from "../../stacks/config";
import { siteRawConfig } from "../../automation/sim/program/evaluate";

const problems = (overrides: Record<string, unknown>) => {
  let err: unknown;
  try {
    parseSiteConfig("dr", siteRawConfig("dr", overrides));
  } catch (e) {
    err = e;
  }
  expect(err).to.be.instanceOf(ConfigError);
  return String((err as ConfigError).message);
};

describe("config veleroRestore", () => {
  it("is optional (nothing restored) and takes a Velero backup's name", () => {
    expect(parseSiteConfig("dr", siteRawConfig("dr")).veleroRestore).to.equal(undefined);
    const cfg = parseSiteConfig("dr", siteRawConfig("dr", { veleroRestore: { backupName: "velero-objects-20250101045000" } }));
    expect(cfg.veleroRestore).to.deep.equal({ backupName: "velero-objects-20250101045000" });
  });

  it("refuses what is not a backup name, or an unknown key, naming the key and what to do", () => {
    expect(problems({ veleroRestore: { backupName: "Nightly_Backup" } }))
      .to.include("eks-dr:veleroRestore.backupName")
      .and.include("use the name of a Velero backup");
    expect(problems({ veleroRestore: { backup: "x" } })).to.include("veleroRestore");
  });

  it("takes the attempt the driver counts (a new Restore each), a whole number from 1; the name leaves room for it", () => {
    const cfg = parseSiteConfig("dr", siteRawConfig("dr", { veleroRestore: { backupName: "velero-objects-20250101045000", attempt: 3 } }));
    expect(cfg.veleroRestore).to.deep.equal({ backupName: "velero-objects-20250101045000", attempt: 3 });
    expect(problems({ veleroRestore: { backupName: "b", attempt: 0 } })).to.include("eks-dr:veleroRestore.attempt");
    expect(problems({ veleroRestore: { backupName: "b", attempt: 1.5 } })).to.include("eks-dr:veleroRestore.attempt");
    // restore-<name>-999 is at most 253 characters, a Kubernetes object name's limit.
    expect(problems({ veleroRestore: { backupName: "a".repeat(242) } })).to.include("at most 241");
    expect(`restore-${"a".repeat(241)}-999`.length).to.be.at.most(253);
  });
});
