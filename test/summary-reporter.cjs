// Mocha's spec reporter plus a plain last line CI reads: "N passed, N failed".
"use strict";
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      // After Spec's epilogue, which is also registered on run end.
      setImmediate(() => console.log(`${runner.stats.passes} passed, ${runner.stats.failures} failed`));
    });
  }
}

module.exports = SummaryReporter;
