// Prefixes every generated TypeScript file under the given folder with a DO NOT EDIT banner
// and rewrites its relative imports to the `.js` form that NodeNext ESM resolution needs.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const banner = '// DO NOT EDIT: generated from proto/ by `npm run gen:proto`.\n';
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) {
      let text = readFileSync(p, 'utf8');
      text = text.replace(/from '(\.{1,2}\/[^']+?)'/g, (m, spec) =>
        spec.endsWith('.js') ? m : `from '${spec}.js'`,
      );
      text = text.replace(/^import type \{/gm, 'import type {');
      if (!text.startsWith(banner)) text = banner + text;
      writeFileSync(p, text);
    }
  }
}
walk(process.argv[2]);
