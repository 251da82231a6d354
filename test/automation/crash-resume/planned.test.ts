import { crashAfterEachStep } from "./scenarios";

describe("planned: driver under faults", () => {
  crashAfterEachStep(["planned failover", "planned failover, cold standby"]);
});
