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
});
