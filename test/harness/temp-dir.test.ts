/** The test helpers' temporary folders are tracked and removed, so `npm test` leaves none behind. */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fakePulumiCli, noPulumiCli } from "../automation/adapters/fake-pulumi-cli";
import { REPO_ROOT } from "../../automation/sim/program/evaluate";
import { projectWith } from "./project";
import { liveTempDirs, removeTempDirs, tempDir } from "./temp-dir";

describe("test temp folders", () => {
  it("every helper that makes a folder makes it through tempDir, and removeTempDirs deletes it with its content", () => {
    const dirs = [tempDir("probe"), projectWith({}), fakePulumiCli(), noPulumiCli()];
    fs.writeFileSync(path.join(dirs[0], "file.txt"), "x");
    for (const dir of dirs) expect(liveTempDirs(), dir).to.include(dir);
    // Only these: other test files in the same process keep theirs until they end.
    removeTempDirs(dirs);
    for (const dir of dirs) expect(fs.existsSync(dir), dir).to.equal(false);
    for (const dir of dirs) expect(liveTempDirs()).to.not.include(dir);
  });

  it("no test makes a temporary folder any other way (so none is forgotten)", () => {
    const files = (fs.readdirSync(path.join(REPO_ROOT, "test"), { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
    const own = path.join("harness", "temp-dir.ts");
    const direct = files.filter((f) => f !== own && /\bmkdtemp(Sync)?\(/.test(fs.readFileSync(path.join(REPO_ROOT, "test", f), "utf8")));
    expect(direct, "use tempDir from test/harness/temp-dir.ts").to.deep.equal([]);
  });
});
