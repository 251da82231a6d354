import { crashAfterEachStep } from "./scenarios";

describe("failback: driver under faults", () => {
  crashAfterEachStep(["failback"]);
});
