import { expect } from "chai";
import { ImageRegistry, resolveImage } from "../../components/image-registry";
import { componentChildren, evaluateComponent } from "../harness/component";
import { resolve } from "../../automation/sim/program/evaluate";
import { ACCOUNT_ID } from "../../automation/sim/program/mock-cloud";

const SITES = [
  { region: "eu-west-3", peerRegion: "eu-central-1" },
  { region: "us-west-2", peerRegion: "us-east-1" },
];

describe("ImageRegistry", () => {
  for (const site of SITES) {
    describe(`in ${site.region}`, () => {
      it("creates immutable, scanned, KMS-encrypted web and app repositories in the site's Region", async () => {
        const { cloud, value } = await evaluateComponent((ctx) => new ImageRegistry("images", { peerRegion: site.peerRegion }, { providers: [ctx.aws] }), {
          region: site.region,
        });
        const repos = cloud.ofType("aws:ecr/repository:Repository");
        expect(repos.map((r) => r.inputs.name).sort()).to.deep.equal(["eks-dr/app", "eks-dr/web"]);
        for (const repo of repos) {
          expect(repo.inputs.imageTagMutability, repo.name).to.equal("IMMUTABLE");
          expect(repo.inputs.imageScanningConfiguration, repo.name).to.deep.equal({ scanOnPush: true });
          expect(repo.inputs.encryptionConfigurations[0].encryptionType, repo.name).to.equal("KMS");
        }
        const urls = await resolve(value.repositoryUrls);
        expect(urls.web).to.equal(`${ACCOUNT_ID}.dkr.ecr.${site.region}.amazonaws.com/eks-dr/web`);
        expect(urls.app).to.equal(`${ACCOUNT_ID}.dkr.ecr.${site.region}.amazonaws.com/eks-dr/app`);
      });

      it("replicates exactly these repositories to the peer Region of the same account", async () => {
        const { cloud } = await evaluateComponent((ctx) => new ImageRegistry("images", { peerRegion: site.peerRegion }, { providers: [ctx.aws] }), {
          region: site.region,
        });
        const replication = cloud.one("aws:ecr/replicationConfiguration:ReplicationConfiguration");
        const rules = replication.inputs.replicationConfiguration.rules;
        expect(rules).to.have.length(1);
        expect(rules[0].destinations).to.deep.equal([{ region: site.peerRegion, registryId: ACCOUNT_ID }]);
        expect(rules[0].repositoryFilters).to.deep.equal([
          { filter: "eks-dr/web", filterType: "PREFIX_MATCH" },
          { filter: "eks-dr/app", filterType: "PREFIX_MATCH" },
        ]);
        expect(replication.region).to.equal(site.region);
      });

      it("parents every child and keeps it in the site's Region", async () => {
        const { cloud } = await evaluateComponent((ctx) => new ImageRegistry("images", { peerRegion: site.peerRegion }, { providers: [ctx.aws] }), {
          region: site.region,
        });
        const children = componentChildren(cloud).filter((r) => r.type !== "eks-dr:index:ImageRegistry");
        expect(children).to.have.length(3);
        for (const r of children) {
          expect(r.region, r.name).to.equal(site.region);
          expect(r.urn, r.name).to.contain("eks-dr:index:ImageRegistry$");
        }
        // The registry id comes from the caller identity, asked through the site's provider.
        const identityCalls = cloud.calls.filter((c) => c.token === "aws:index/getCallerIdentity:getCallerIdentity");
        expect(identityCalls.map((c) => c.region)).to.deep.equal([site.region]);
      });
    });
  }

  it("uses a given KMS key and name prefix, and leaves replication alone when told to", async () => {
    const keyArn = "arn:aws:kms:eu-west-3:123456789012:key/mrk-abc";
    const { cloud, value } = await evaluateComponent(
      (ctx) =>
        new ImageRegistry("images", { peerRegion: "eu-central-1", kmsKeyArn: keyArn, namePrefix: "shop/", manageReplication: false }, { providers: [ctx.aws] }),
    );
    expect(
      cloud
        .ofType("aws:ecr/repository:Repository")
        .map((r) => r.inputs.name)
        .sort(),
    ).to.deep.equal(["shop/app", "shop/web"]);
    expect(cloud.one("aws:ecr/repository:Repository", "images-web").inputs.encryptionConfigurations).to.deep.equal([{ encryptionType: "KMS", kmsKey: keyArn }]);
    expect(cloud.ofType("aws:ecr/replicationConfiguration:ReplicationConfiguration")).to.have.length(0);
    expect(value.replication).to.equal(undefined);
  });
});

describe("resolveImage", () => {
  const urls = {
    web: "123456789012.dkr.ecr.eu-west-3.amazonaws.com/eks-dr/web",
    app: "123456789012.dkr.ecr.eu-west-3.amazonaws.com/eks-dr/app",
  };

  it("resolves a name:tag without a registry host to this site's repository", () => {
    expect(resolveImage("web:1.0.0", urls)).to.equal(`${urls.web}:1.0.0`);
    expect(resolveImage("app:2024-06-01", urls)).to.equal(`${urls.app}:2024-06-01`);
  });

  it("keeps a digest, alone or after a tag", () => {
    const digest = "sha256:" + "a".repeat(64);
    expect(resolveImage(`app@${digest}`, urls)).to.equal(`${urls.app}@${digest}`);
    expect(resolveImage(`web:1.0.0@${digest}`, urls)).to.equal(`${urls.web}:1.0.0@${digest}`);
  });

  it("uses a reference with a registry host unchanged", () => {
    for (const ref of [
      "public.ecr.aws/docker/library/nginx:1.27",
      "999999999999.dkr.ecr.us-east-1.amazonaws.com/eks-dr/web:1.0.0",
      "localhost:5000/web:dev",
      "localhost/web:dev",
      "registry.example.com/team/app@sha256:" + "b".repeat(64),
    ]) {
      expect(resolveImage(ref, urls), ref).to.equal(ref);
    }
  });

  it("follows the site's own URLs, so the two Regions pull from different registries", () => {
    const dr = { web: "123456789012.dkr.ecr.us-west-2.amazonaws.com/eks-dr/web", app: "x" };
    expect(resolveImage("web:1.0.0", dr)).to.equal("123456789012.dkr.ecr.us-west-2.amazonaws.com/eks-dr/web:1.0.0");
  });

  it("rejects a local reference that names no repository of the site, or has no tag", () => {
    expect(() => resolveImage("nginx:1.27", urls)).to.throw(/must name one of this site's repositories \(web, app\)/);
    expect(() => resolveImage("library/nginx:1.27", urls)).to.throw(/no registry host/);
    expect(() => resolveImage("web", urls)).to.throw(/no tag or digest/);
    expect(() => resolveImage("web:", urls)).to.throw(/empty tag/);
    expect(() => resolveImage("  ", urls)).to.throw(/empty/);
  });
});
