// The eks-dr CrossGuard policy pack: `pulumi preview --policy-pack policy`.
// Each policy's logic is a pure function in lib/policies (tested in test/policy); this file only registers them.
import { PolicyPack } from "@pulumi/policy";
import { toPackPolicy } from "./lib/adapter";
import { DR_POLICIES } from "./lib/policies";

new PolicyPack("eks-dr", {
  description: "Invariants multi-Region DR depends on: encrypted, protected, replicated data; no public data ports; failover that can fail over.",
  enforcementLevel: "mandatory",
  policies: DR_POLICIES.map(toPackPolicy),
});
