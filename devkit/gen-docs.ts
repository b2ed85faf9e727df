// `npm run gen:docs`: writes the generated documentation, docs/tour.sh (from the docs' tour
// blocks) and the reference of docs/configuration.md (from the configuration schema). The
// suite fails while either differs from what this writes.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationDoc } from './config-reference.js';
import { tourScript } from './docs-tour.js';
import { REPO } from './node-process.js';

const tour = join(REPO, 'docs/tour.sh');
writeFileSync(tour, tourScript());
chmodSync(tour, 0o755);
const configuration = join(REPO, 'docs/configuration.md');
writeFileSync(configuration, await configurationDoc(readFileSync(configuration, 'utf8')));
process.stdout.write('wrote docs/tour.sh and docs/configuration.md\n');
