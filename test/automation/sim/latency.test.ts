import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  LATENCY_STEPS,
  LATENCY_TABLE,
  LatencyModel,
  LatencyOverrideError,
  applyLatencyOverrides,
  loadLatencyOverrides,
  triangular,
} from "../../../automation/sim/latency";
import { createRng } from "../../../automation/sim/rng";
import { tempDir } from "../../harness/temp-dir";

describe("sim: latency model", () => {
  it("keeps the sourced table as data, with a source on every row", () => {
    expect(LATENCY_TABLE["aurora-failover"]).to.include({ minSeconds: 30, typicalSeconds: 60, maxSeconds: 300 });
    expect(LATENCY_TABLE["nodegroup-ready"]).to.include({ minSeconds: 120, typicalSeconds: 180, maxSeconds: 300 });
    expect(LATENCY_TABLE["route53-unhealthy"]).to.include({ minSeconds: 10, typicalSeconds: 90, maxSeconds: 300 });
    for (const step of LATENCY_STEPS) {
      const row = LATENCY_TABLE[step];
      expect(row.source.length, step).to.be.greaterThan(0);
      expect(row.minSeconds <= row.typicalSeconds && row.typicalSeconds <= row.maxSeconds, step).to.equal(true);
    }
  });

  it("inverts the triangular CDF at its ends and at the mode", () => {
    expect(triangular(0, 60, 180, 600)).to.equal(60);
    expect(triangular(1 - 1e-12, 60, 180, 600)).to.be.closeTo(600, 0.01);
    expect(triangular((180 - 60) / (600 - 60), 60, 180, 600)).to.be.closeTo(180, 1e-9);
    expect(triangular(0.5, 5, 5, 5)).to.equal(5);
  });

  it("samples every step within [min, max]", () => {
    const model = new LatencyModel(createRng("bounds"));
    for (const step of LATENCY_STEPS) {
      const { minSeconds, maxSeconds } = LATENCY_TABLE[step];
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < 2000; i++) {
        const v = model.sample(step) / 1000;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect(lo, step).to.be.at.least(minSeconds - 0.001);
      expect(hi, step).to.be.at.most(maxSeconds + 0.001);
    }
  });

  it("puts the mode near the typical value", () => {
    const model = new LatencyModel(createRng("mode"));
    const binS = 30;
    const bins = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const b = Math.floor(model.sample("aurora-switchover") / 1000 / binS);
      bins.set(b, (bins.get(b) ?? 0) + 1);
    }
    const top = [...bins.entries()].sort((a, b) => b[1] - a[1])[0][0];
    expect(top * binS + binS / 2).to.be.closeTo(180, binS * 1.5);
    // The mean of a triangular distribution is (min + typical + max) / 3.
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += model.sample("nodegroup-ready");
    expect(sum / 20_000 / 1000).to.be.closeTo((120 + 180 + 300) / 3, 3);
  });

  it("is deterministic for a seed, and each step has its own stream", () => {
    const a = new LatencyModel(createRng(42));
    const b = new LatencyModel(createRng(42));
    const c = new LatencyModel(createRng(43));
    const seqA = Array.from({ length: 5 }, () => a.sample("aurora-failover"));
    // Extra draws of another step do not shift this step's sequence.
    b.sample("pod-start");
    b.sample("pod-start");
    const seqB = Array.from({ length: 5 }, () => b.sample("aurora-failover"));
    const seqC = Array.from({ length: 5 }, () => c.sample("aurora-failover"));
    expect(seqA).to.deep.equal(seqB);
    expect(seqA).to.not.deep.equal(seqC);
  });

  it("draws DNS client switch-over from [0, TTL] of the record", () => {
    const model = new LatencyModel(createRng("ttl"));
    for (let i = 0; i < 500; i++) expect(model.sample("dns-ttl", { ttlSeconds: 20 })).to.be.within(0, 20_000);
    expect(model.range("dns-ttl", { ttlSeconds: 20 })).to.include({ minSeconds: 0, typicalSeconds: 20, maxSeconds: 20 });
  });

  it("draws a pod's readiness from its probe: the first of successThreshold passing probes, one a period, after the initial delay", () => {
    const model = new LatencyModel(createRng("probe"));
    const probe = { periodSeconds: 2, successThreshold: 3, initialDelaySeconds: 5 };
    expect(model.range("readiness-probe", { probe })).to.include({ minSeconds: 9, typicalSeconds: 10, maxSeconds: 11 });
    for (let i = 0; i < 200; i++) expect(model.sample("readiness-probe", { probe })).to.be.within(9_000, 11_000);
    // Without a probe the pod is Ready once it runs.
    expect(model.range("readiness-probe", { probe: { periodSeconds: 0, successThreshold: 1, initialDelaySeconds: 0 } })).to.include({ maxSeconds: 0 });
  });

  it("draws a new ALB target's one passing health check within one interval of its registration", () => {
    const model = new LatencyModel(createRng("target"));
    expect(model.range("alb-target-health-check", { targetHealthCheck: { intervalSeconds: 5 } })).to.include({ minSeconds: 0, maxSeconds: 5 });
    for (let i = 0; i < 200; i++) expect(model.sample("alb-target-health-check", { targetHealthCheck: { intervalSeconds: 5 } })).to.be.within(0, 5_000);
  });

  describe("overrides file", () => {
    const dir = tempDir("latency");
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    };
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("merges measured figures from YAML, partial rows keeping the defaults", () => {
      const file = write(
        "ok.yaml",
        ["aurora-failover: { minSeconds: 20, typicalSeconds: 40, maxSeconds: 120, source: drill 2025-05 }", "pulumi-up: { typicalSeconds: 70 }"].join("\n"),
      );
      const table = loadLatencyOverrides(file);
      expect(table["aurora-failover"]).to.include({ minSeconds: 20, typicalSeconds: 40, maxSeconds: 120, source: "drill 2025-05" });
      expect(table["pulumi-up"]).to.include({ minSeconds: 30, typicalSeconds: 70, maxSeconds: 300, source: "override from ok.yaml" });
      expect(table["nodegroup-ready"]).to.deep.equal(LATENCY_TABLE["nodegroup-ready"]);
      const model = new LatencyModel(createRng(1), table);
      for (let i = 0; i < 200; i++) expect(model.sample("aurora-failover")).to.be.within(20_000, 120_000);
    });

    it("reads JSON too", () => {
      const file = write("ok.json", JSON.stringify({ "pod-start": { minSeconds: 5, typicalSeconds: 8, maxSeconds: 12 } }));
      expect(loadLatencyOverrides(file)["pod-start"]).to.include({ typicalSeconds: 8 });
    });

    it("says what replaced a step of an earlier table (pods-ready), instead of only that it is unknown", () => {
      const problems = problemsOf(() => loadLatencyOverrides(write("old.yaml", "pods-ready: { typicalSeconds: 20 }")));
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(/^pods-ready: is now split: pod-start .*readiness-probe.*alb-target-registration.*alb-target-health-check/);
    });

    it("a measured readiness-probe or alb-target-health-check replaces the range the program's settings would give", () => {
      const table = loadLatencyOverrides(write("measured.yaml", "alb-target-health-check: { minSeconds: 1, typicalSeconds: 2, maxSeconds: 3 }"));
      const model = new LatencyModel(createRng(1), table);
      expect(model.range("alb-target-health-check", { targetHealthCheck: { intervalSeconds: 30 } })).to.include({ minSeconds: 1, maxSeconds: 3 });
      expect(new LatencyModel(createRng(1)).range("alb-target-health-check", { targetHealthCheck: { intervalSeconds: 30 } })).to.include({ maxSeconds: 30 });
    });

    const problemsOf = (fn: () => unknown): string[] => {
      try {
        fn();
      } catch (err) {
        expect(err).to.be.instanceOf(LatencyOverrideError);
        return (err as LatencyOverrideError).problems;
      }
      return expect.fail("expected a LatencyOverrideError") as never;
    };

    it("names the step and the field of each problem", () => {
      const file = write(
        "bad.yaml",
        [
          "aurora-failover: { typicalSeconds: 400 }", // above the default max (300)
          "pod-start: { minSeconds: -1 }",
          "karpenter-ready: { typical: 50 }",
          "efs-replication-delete: { maxSeconds: soon }",
          "aurora-promote: { minSeconds: 1 }",
        ].join("\n"),
      );
      const problems = problemsOf(() => loadLatencyOverrides(file));
      expect(problems.find((p) => p.startsWith("aurora-failover.typicalSeconds:"))).to.match(/<= maxSeconds \(300\)/);
      expect(problems.some((p) => p.startsWith("pod-start.minSeconds:"))).to.equal(true);
      expect(problems.find((p) => p.startsWith("karpenter-ready"))).to.match(/unknown field\(s\) typical/);
      expect(problems.some((p) => p.startsWith("efs-replication-delete.maxSeconds:"))).to.equal(true);
      expect(problems.find((p) => p.startsWith("aurora-promote"))).to.match(/not a known step/);
    });

    it("reports unreadable and malformed files, and a non-map document", () => {
      expect(problemsOf(() => loadLatencyOverrides(path.join(dir, "missing.yaml")))[0]).to.match(/cannot read/);
      expect(problemsOf(() => loadLatencyOverrides(write("broken.yaml", "aurora-failover: { minSeconds: [")))[0]).to.match(/not valid JSON or YAML/);
      expect(problemsOf(() => applyLatencyOverrides([1, 2], "list.yaml"))[0]).to.match(/\(root\)/);
    });
  });
});

describe("sim: health-check timing from config", () => {
  it("derives the route53-unhealthy range from the interval and failure threshold", () => {
    const model = new LatencyModel(createRng("hc"));
    expect(model.range("route53-unhealthy", { healthCheck: { requestIntervalSeconds: 10, failureThreshold: 3 } })).to.include({
      minSeconds: 20,
      typicalSeconds: 30,
      maxSeconds: 40,
    });
    expect(model.range("route53-unhealthy", { healthCheck: { requestIntervalSeconds: 30, failureThreshold: 3 } })).to.include({ typicalSeconds: 90 });
    // Without config, the table's range applies.
    expect(model.range("route53-unhealthy")).to.include({ minSeconds: 10, typicalSeconds: 90, maxSeconds: 300 });
    for (let i = 0; i < 200; i++) {
      const ms = model.sample("route53-unhealthy", { healthCheck: { requestIntervalSeconds: 10, failureThreshold: 3 } });
      expect(ms).to.be.within(20_000, 40_000);
    }
  });

  it("lets a measured override replace the config-derived range", () => {
    const table = applyLatencyOverrides({ "route53-unhealthy": { minSeconds: 5, typicalSeconds: 6, maxSeconds: 7 } }, "test");
    const model = new LatencyModel(createRng("hc"), table);
    expect(model.range("route53-unhealthy", { healthCheck: { requestIntervalSeconds: 30, failureThreshold: 10 } })).to.include({ typicalSeconds: 6 });
  });
});
