/**
 * The first `up` of a pair finishes although the application images are pushed only after it (the
 * repositories it pushes to are created by that same `up`): the program looks in the site's own
 * registry and, while an image is missing, creates the Deployments without waiting for them and
 * says what to run next.
 */
import { expect } from "chai";
import { evaluateSite, type Evaluation } from "../../automation/sim/program/evaluate";
import { MockCloud, type RecordedResource } from "../../automation/sim/program/mock-cloud";

const GET_IMAGES = "aws:ecr/getImages:getImages";
const deployments = (ev: Evaluation): RecordedResource[] => ev.cloud.ofType("kubernetes:apps/v1:Deployment");
const imageWarnings = (ev: Evaluation): string[] => ev.warnings.filter((w) => /not in the site's registry/.test(w));

/** Evaluates with the site's registry answering ListImages with `tags` in every repository. */
async function withPushedImages(tags: string[], evaluate: () => Promise<Evaluation>): Promise<Evaluation> {
  const original = MockCloud.prototype.call;
  MockCloud.prototype.call = function (this: MockCloud, args) {
    const result = original.call(this, args);
    return args.token === GET_IMAGES
      ? { ...result, repositoryName: args.inputs.repositoryName, imageIds: tags.map((imageTag) => ({ imageTag, imageDigest: `sha256:${imageTag}` })) }
      : result;
  };
  try {
    return await evaluate();
  } finally {
    MockCloud.prototype.call = original;
  }
}

describe("first deploy, before the images are pushed", function () {
  this.timeout(60_000);
  let first: Evaluation;
  before(async () => {
    first = await evaluateSite({ stack: "primary" });
  });

  it("creates the active site's Deployments without waiting for pods that cannot pull their image", () => {
    const created = deployments(first);
    expect(created.map((d) => d.inputs.metadata.name).sort()).to.deep.equal(["app", "web"]);
    for (const d of created) expect(d.inputs.metadata.annotations, d.name).to.deep.equal({ "pulumi.com/skipAwait": "true" });
  });

  it("says which image is missing where, and what to run next", () => {
    const warnings = imageWarnings(first).join("\n");
    expect(warnings).to.match(/web:1\.0\.0 is not in the site's registry yet \(123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/eks-dr\/web\)/);
    expect(warnings).to.match(/app:1\.0\.0 is not in the site's registry yet/);
    expect(warnings).to.match(/push the images.*then `pulumi up -s primary` again/s);
  });

  it("looks for them in the site's own repositories, through the site's provider", () => {
    const lookups = first.cloud.calls.filter((c) => c.token === GET_IMAGES);
    expect(lookups.map((c) => c.inputs.repositoryName).sort()).to.deep.equal(["eks-dr/app", "eks-dr/web"]);
    for (const c of lookups) expect(c.region).to.equal("us-east-1");
  });

  it("waits for the Deployments again, and says nothing, once the configured tags are there", async () => {
    const later = await withPushedImages(["0.9.0", "1.0.0"], () => evaluateSite({ stack: "primary" }));
    for (const d of deployments(later)) expect(d.inputs.metadata.annotations, d.name).to.equal(undefined);
    expect(imageWarnings(later)).to.deep.equal([]);
  });
});
