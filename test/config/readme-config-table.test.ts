/** The README's config table documents every key of the schema, so docs cannot drift from code. */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { SITE_CONFIG_KEYS } from "../../stacks/config";
import { REPO_ROOT } from "../../automation/sim/program/evaluate";

describe("README configuration table", () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## DR strategy"));

  it("has a row for every key of the schema", () => {
    const rows = table.split("\n").filter((l) => l.startsWith("| `"));
    for (const key of SITE_CONFIG_KEYS) {
      expect(
        rows.some((r) => r.startsWith(`| \`${key}\``) || r.startsWith(`| \`${key}.`)),
        `README's configuration table has no row for eks-dr:${key}`,
      ).to.equal(true);
    }
  });
});
