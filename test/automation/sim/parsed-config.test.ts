import { expect } from "chai";
import { ConfigError, parseSiteConfig } from "../../../stacks/config";
import { parseSiteConfigCached } from "../../../automation/sim/parsed-config";
import { readStackFileConfig } from "../../../stacks/stack-files";
import { PROJECT_DIR } from "../helpers";

describe("parseSiteConfigCached", () => {
  const raw = () => structuredClone(readStackFileConfig(PROJECT_DIR, "dr")!);

  it("gives what parseSiteConfig gives, a new copy each call", () => {
    const first = parseSiteConfigCached("dr", raw());
    const second = parseSiteConfigCached("dr", raw());
    expect(first).to.deep.equal(parseSiteConfig("dr", raw()));
    expect(second).to.deep.equal(first);
    expect(second).to.not.equal(first);
    first.database.readers.standby = 99;
    expect(parseSiteConfigCached("dr", raw()).database.readers.standby).to.not.equal(99);
  });

  it("keys on the config as it is now and on the stack", () => {
    const changed = raw();
    changed.role = "active";
    expect(parseSiteConfigCached("dr", changed).role).to.equal("active");
    expect(parseSiteConfigCached("dr", raw()).role).to.equal(parseSiteConfig("dr", raw()).role);
    // The stack is part of the key: a problem names that stack's file.
    const bad = { ...raw(), role: "leader" };
    expect(() => parseSiteConfigCached("dr", bad)).to.throw(ConfigError, /Pulumi\.dr\.yaml/);
    expect(() => parseSiteConfigCached("primary", bad)).to.throw(ConfigError, /Pulumi\.primary\.yaml/);
  });

  it("throws the schema's error every time, naming the key, and an undefined key is not read as absent", () => {
    const bad = { ...raw(), role: "leader" };
    expect(() => parseSiteConfigCached("dr", bad)).to.throw(ConfigError, /role/);
    expect(() => parseSiteConfigCached("dr", bad)).to.throw(ConfigError, /role/);
    const typo = { ...raw(), rol: undefined };
    expect(() => parseSiteConfig("dr", typo)).to.throw(ConfigError, /rol/);
    expect(() => parseSiteConfigCached("dr", typo)).to.throw(ConfigError, /rol/);
  });
});
