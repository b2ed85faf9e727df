// Mocha reporter: the usual spec output, then one closing line `N passed, N failed` that CI
// reads (skipped tests, if any, are counted on the line before it).
'use strict';
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  epilogue() {
    super.epilogue();
    const s = this.stats;
    if (s.pending) process.stdout.write(`${s.pending} skipped\n`);
    process.stdout.write(`${s.passes} passed, ${s.failures} failed\n`);
  }
}
module.exports = SummaryReporter;
