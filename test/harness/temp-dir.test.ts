/** The test helpers' temporary folders are tracked and removed, so `npm test` leaves none behind. */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fakePulumiCli, noPulumiCli } from "../automation/adapters/fake-pulumi-cli";
import { projectWith } from "./project";
import { liveTempDirs, removeTempDirs, tempDir } from "./temp-dir";

describe("test temp folders", () => {
  it("every helper that makes a folder makes it through tempDir, and removeTempDirs deletes it with its content", () => {
    const dirs = [tempDir("probe"), projectWith({}), fakePulumiCli(), noPulumiCli()];
    fs.writeFileSync(path.join(dirs[0], "file.txt"), "x");
    for (const dir of dirs) expect(liveTempDirs(), dir).to.include(dir);
    removeTempDirs();
    for (const dir of dirs) expect(fs.existsSync(dir), dir).to.equal(false);
    expect(liveTempDirs()).to.deep.equal([]);
  });
});
