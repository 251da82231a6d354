/** The bridge between the policy engine's arguments and the pure policies. */
import { expect } from "chai";
import { toResourceLike, unwrapProps } from "../../policy/lib/adapter";

// The proxy @pulumi/policy wraps properties in; it throws when an unknown value is read.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: (o: object) => Record<string, unknown> };
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("policy adapter", () => {
  it("reads unknown values through the engine's proxy instead of throwing", () => {
    const props = unknownCheckingProxy({ kmsKeyId: UNKNOWN_STRING, encrypted: true });
    expect(() => props.kmsKeyId).to.throw(/can't be known during preview/);
    expect(unwrapProps(props).kmsKeyId).to.equal(UNKNOWN_STRING);
  });

  it("takes the Region from the resource's own region property, else from its provider, and the protect option", () => {
    const base = { type: "aws:efs/fileSystem:FileSystem", name: "fs", urn: "urn:x", opts: { protect: true } };
    const withProvider = {
      ...base,
      props: unknownCheckingProxy({}),
      provider: { type: "pulumi:providers:aws", name: "p", urn: "urn:p", props: unknownCheckingProxy({ region: "us-west-2" }) },
    };
    expect(toResourceLike(withProvider)).to.deep.include({ region: "us-west-2", protect: true });
    expect(toResourceLike({ ...withProvider, props: { region: "eu-west-1" } }).region).to.equal("eu-west-1");
    expect(toResourceLike({ ...base, props: {}, opts: {} })).to.deep.include({ region: undefined, protect: false });
  });
});
