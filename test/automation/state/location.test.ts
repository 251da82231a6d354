/**
 * Where the Pulumi state backend and the driver's lock and journal live: status warns when either
 * would not survive the loss of a site's Region (a local file, or a bucket in one of the two sites'
 * Regions), and finds the backend as the Pulumi CLI does.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { status } from "../../../automation/driver";
import { formatReadiness } from "../../../automation/readiness";
import { checkLocation, pulumiBackendUrl } from "../../../automation/state/location";
import { bucketRegionOf } from "../../../automation/state/s3-journal";
import { simulate } from "../helpers";
import { FakeBucket } from "./fake-bucket";
import { tempDir } from "../../harness/temp-dir";

describe("state: where the state lives, and status's warnings", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir("loc")));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("finds the backend as the Pulumi CLI does: PULUMI_BACKEND_URL, then Pulumi.yaml, then the current login", () => {
    const home = path.join(dir, "home");
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, "credentials.json"), JSON.stringify({ current: "s3://from-login" }));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: eks-dr\nruntime: nodejs\n");
    expect(pulumiBackendUrl({}, dir, home)).to.include({ url: "s3://from-login" });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: eks-dr\nruntime: nodejs\nbackend:\n  url: s3://from-project\n");
    expect(pulumiBackendUrl({}, dir, home)).to.include({ url: "s3://from-project", source: "backend.url in Pulumi.yaml" });
    expect(pulumiBackendUrl({ PULUMI_BACKEND_URL: "file://~" }, dir, home)).to.include({ url: "file://~", source: "PULUMI_BACKEND_URL" });
    expect(pulumiBackendUrl({}, path.join(dir, "none"), path.join(dir, "nohome")).url).to.equal(undefined);
  });

  describe("a location survives the loss of either site's Region, or status warns", () => {
    let bucket: FakeBucket;
    beforeEach(() => (bucket = new FakeBucket("tf-state", "us-east-1")));
    afterEach(() => bucket.restore());
    const regions = ["us-east-1", "us-west-2"];
    const lookup = (b: string) => bucketRegionOf(new S3Client({ region: "us-east-1" }), b);
    const cases: [string, boolean, RegExp][] = [
      ["file://~", false, /local file/],
      ["s3://tf-state", false, /in us-east-1, one of the two sites' Regions/],
      ["s3://tf-state/eks?region=eu-central-1", true, /in eu-central-1, outside both/],
      ["https://api.pulumi.com", true, /Pulumi Cloud/],
    ];
    for (const [url, ok, pattern] of cases) {
      it(`${url}: ${ok ? "ok" : "warning"}`, async () => {
        const c = await checkLocation({ what: "Pulumi state backend", url, siteRegions: regions, bucketRegion: lookup, fix: "Move it." });
        expect(c).to.include({ ok, severity: "warning" });
        expect(c.detail).to.match(pattern);
      });
    }

    it("reads a bucket's Region with HeadBucket when the URL does not name it", async () => {
      await checkLocation({ what: "x", url: "s3://tf-state", siteRegions: regions, bucketRegion: lookup, fix: "" });
      expect(bucket.mock.commandCalls(HeadBucketCommand)[0].args[0].input).to.deep.equal({ Bucket: "tf-state" });
    });
  });

  it("status lists the warnings without making the pair not ready", async () => {
    const t = await simulate({ seed: 5 });
    t.deps.locationChecks = async () => [
      await checkLocation({
        what: "Pulumi state backend",
        url: "file://~",
        siteRegions: ["us-east-1", "us-west-2"],
        bucketRegion: async () => "",
        fix: "Use Pulumi Cloud or a bucket in a third Region.",
      }),
    ];
    const r = await status(t.deps);
    expect(r.readiness.ready).to.equal(true);
    const text = formatReadiness(r.readiness).join("\n");
    expect(text).to.match(/! Pulumi state backend: file:\/\/~ is a local file/);
  });
});
