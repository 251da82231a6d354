import { expect } from "chai";
import { jsonCopy } from "../../../automation/util/json-copy";

const roundTrip = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

describe("jsonCopy", () => {
  it("gives what a JSON round trip gives, for plain data and JSON's special cases", () => {
    const samples: unknown[] = [
      { a: 1, b: "x", c: true, d: null, e: [1, "2", { f: [] }], g: {} },
      { skipped: undefined, fn: () => 1, sym: Symbol("s"), kept: 0 },
      [undefined, () => 1, Symbol("s"), NaN, Infinity, -0],
      { nan: NaN, inf: -Infinity, when: new Date(Date.UTC(2025, 0, 1)) },
      { withToJson: { toJSON: (key: string) => ({ key }) } },
      { map: new Map([["k", 1]]), set: new Set([1]), boxed: new Number(3) },
      { 2: "two", 1: "one", b: "b", a: "a" },
      JSON.parse('{"__proto__": {"polluted": true}, "x": 1}'),
      Object.assign(Object.create(null) as object, { bare: [1, 2] }),
    ];
    for (const value of samples) {
      const copy = jsonCopy(value);
      expect(JSON.stringify(copy), JSON.stringify(value)).to.equal(JSON.stringify(roundTrip(value)));
      expect(copy).to.deep.equal(roundTrip(value));
    }
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it("shares nothing with its input", () => {
    const value = { nested: { list: [{ x: 1 }] } };
    const copy = jsonCopy(value);
    copy.nested.list[0].x = 2;
    expect(value.nested.list[0].x).to.equal(1);
  });

  it("fails where the round trip fails", () => {
    expect(() => jsonCopy({ big: 1n })).to.throw(TypeError);
  });
});
