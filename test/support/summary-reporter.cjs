// Mocha reporter: the usual spec output, then one closing line `N passed, N failed` (plus
// skipped) that CI reads.
'use strict';
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  epilogue() {
    super.epilogue();
    const s = this.stats;
    const skipped = s.pending ? `, ${s.pending} skipped` : '';
    process.stdout.write(`${s.passes} passed, ${s.failures} failed${skipped}\n`);
  }
}
module.exports = SummaryReporter;
