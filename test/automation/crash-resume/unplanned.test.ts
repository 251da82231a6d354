import { crashAfterEachStep } from "./scenarios";

describe("unplanned: driver under faults", () => {
  crashAfterEachStep(["unplanned failover", "unplanned failover, cold headless standby"]);
});
