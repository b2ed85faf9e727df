// docs/configuration.md's reference is what the schema generates: a key added, removed or
// changed in src/config/schema.ts (type, default, bounds) fails here until `npm run gen:docs`
// rewrites the file, and every key says what it is for.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  configurationDoc,
  keysWithoutMeaning,
  schemaKeys,
} from '../../../devkit/config-reference.js';

const file = new URL('../../../docs/configuration.md', import.meta.url);

describe('the configuration reference', function () {
  this.timeout(20_000);

  it('should equal what the schema generates when docs/configuration.md is read', async () => {
    const doc = readFileSync(file, 'utf8');
    expect(doc).to.equal(await configurationDoc(doc));
  });

  it('should list every key of the schema with its environment variable', () => {
    const doc = readFileSync(file, 'utf8');
    const missing = schemaKeys().filter((key) => {
      const [section, name] = key.split('.') as [string, string];
      const env = `CALLFS_${section.toUpperCase()}__${name.toUpperCase()}`;
      return !doc.includes(`\`${key}\``) || !doc.includes(env);
    });
    expect(missing).to.deep.equal([]);
  });

  it('should give every key of the schema a meaning', () => {
    expect(keysWithoutMeaning()).to.deep.equal([]);
  });
});
