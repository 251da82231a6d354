import { expect } from "chai";
import { anySignal } from "../../../automation/util/time";

describe("anySignal", () => {
  it("fires when any of its signals does, with that signal's reason", () => {
    const a = new AbortController();
    const b = new AbortController();
    const either = anySignal(a.signal, undefined, b.signal);
    expect(either.aborted).to.equal(false);
    const why = new Error("b first");
    b.abort(why);
    a.abort(new Error("a later"));
    expect(either.aborted).to.equal(true);
    expect(either.reason).to.equal(why);
  });

  it("gives one distinct signal back as it is (a step's call passing the step's own signal again)", () => {
    const step = new AbortController();
    expect(anySignal(step.signal, step.signal)).to.equal(step.signal);
    expect(anySignal(undefined, step.signal, step.signal)).to.equal(step.signal);
    const other = new AbortController();
    const both = anySignal(step.signal, other.signal, step.signal);
    expect(both).to.not.equal(step.signal);
    other.abort("other");
    expect(both.reason).to.equal("other");
  });
});
