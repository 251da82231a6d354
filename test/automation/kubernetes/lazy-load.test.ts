/** The CLI does not pay for `@kubernetes/client-node` (about 0.6 s to load) until a Kubernetes call needs it. */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..", "..");

describe("Kubernetes port: its client library is loaded on first use", function () {
  this.timeout(30_000);

  it("loading the real AWS cloud (as every command does) leaves @kubernetes/client-node unloaded", () => {
    const script =
      'require("./automation/cloud/aws-cloud"); process.stdout.write(String(Object.keys(require.cache).some((k) => k.includes("@kubernetes/client-node"))))';
    const out = execFileSync(process.execPath, ["--require", "tsx/cjs", "-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(out).to.equal("false");
  });
});
