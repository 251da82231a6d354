import { expect } from "chai";
import { KEEP_UNUSED_MS, KEEP_VERSIONS, staleVersions } from "../../../automation/sim/program/run-cache";

describe("sim: program runs kept on disk, shared by checkouts of several code versions", () => {
  const now = Date.UTC(2026, 0, 31);
  const DAY = 24 * 3600_000;

  it("a new version removes the versions unused for longer than a week, never the current one", () => {
    const versions = [
      { name: "current", mtimeMs: now - 30 * DAY },
      { name: "yesterday", mtimeMs: now - DAY },
      { name: "last-month", mtimeMs: now - KEEP_UNUSED_MS - 1 },
    ];
    expect(staleVersions(versions, "current", now)).to.deep.equal(["last-month"]);
  });

  it(`keeps at most the ${KEEP_VERSIONS} most recently used other versions`, () => {
    const versions = Array.from({ length: KEEP_VERSIONS + 3 }, (_, i) => ({ name: `v${i}`, mtimeMs: now - i * 60_000 }));
    // v0 is the current version; of the others the newest are kept, the oldest removed.
    const stale = versions.slice(KEEP_VERSIONS + 1).map((v) => v.name);
    expect(stale).to.have.length(2);
    expect(staleVersions(versions, "v0", now)).to.deep.equal(stale);
  });
});
