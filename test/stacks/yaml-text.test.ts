import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, YAMLParseError } from "yaml";
import { parseYamlText } from "../../stacks/yaml-text";

const ROOT = path.resolve(__dirname, "..", "..");

describe("YAML text parsed once per distinct text", () => {
  it("gives what yaml's parse gives, a new copy each time", () => {
    const text = fs.readFileSync(path.join(ROOT, "Pulumi.primary.yaml"), "utf8");
    const first = parseYamlText(text) as { config: Record<string, unknown> };
    expect(first).to.deep.equal(parse(text));
    first.config["eks-dr:region"] = "changed by a caller";
    const second = parseYamlText(text);
    expect(second).to.deep.equal(parse(text));
    expect(second).to.not.equal(first);
  });

  it("keeps aliases and scalars as parse does", () => {
    const text = "base: &b { a: 1, list: [x, 2, true, null] }\ncopy: *b\nempty:\n";
    expect(parseYamlText(text)).to.deep.equal(parse(text));
    expect(parseYamlText("")).to.deep.equal(parse(""));
  });

  it("throws parse's error for text that does not parse, every time", () => {
    const text = "config:\n  a: [1, 2\n";
    for (let i = 0; i < 2; i++) expect(() => parseYamlText(text)).to.throw(YAMLParseError);
  });
});
