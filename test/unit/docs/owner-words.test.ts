// One word per thing in the contract and its docs: the "owning node" holds a file's bytes
// (instance_id); the "owner" is the user who created it (FileInfo.owner, X-CallFS-Owner). Only
// the error codes OWNER_UNAVAILABLE and WRONG_OWNER, upstream CallFS's names, say "owner" for a
// node. The proto is held to an allow-list; the prose of the docs to a list of the phrasings
// that used "owner" for a node before.
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';

const ROOT = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

/** What may say "owner" in files.proto: the user field and the sentences that define it. */
const PROTO_ALLOWED = [
  /\b(OWNER_UNAVAILABLE|WRONG_OWNER)\b/g,
  /\bstring owner = \d+;/g,
  /\(FileInfo\.owner\)/g,
  /the "owner" of a file or directory/g,
  /"owner" for the owning node/g,
];

/** Phrasings that make "owner" a node. */
const NODE_SENSE = [
  /\b(on|to|from|by) (the|its|their) owners?\b(?! \(the user| may)/i,
  /\bowner node\b/i,
  /\b(every|other|old|dead|unavailable|hung|live) owners?\b/i,
  /\bowner's (advertised|url|storage|answer|instance|rename|status|peer)/i,
  /\b(an|the) owners? that (is|are) (down|not registered)/i,
  /\bowners? that hold paths\b/i,
  /"the owner" in these docs/i,
  /\bor "owner", when\b/i,
];

const DOCS = [
  'README.md',
  'openapi.yaml',
  'proto/callfs/v1/files.proto',
  'proto/callfs/v1/node.proto',
  'examples/python/README.md',
  'examples/python/callfs_client.py',
  ...readdirSync(new URL('docs/', ROOT))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('the words "owner" and "owning node"', () => {
  it('should say "owner" in files.proto only for the user when its comments are read', () => {
    let text = read('proto/callfs/v1/files.proto');
    for (const allowed of PROTO_ALLOWED) text = text.replace(allowed, '');
    const left = text.split('\n').filter((l) => /\bowners?\b/i.test(l));
    expect(left).to.deep.equal([]);
  });

  it('should never call a node "owner" when the docs, openapi.yaml and the protos are read', () => {
    const found = DOCS.flatMap((doc) =>
      // Sentences wrap: join each paragraph's lines so that a phrase split over two is found.
      read(doc)
        .split(/\n\s*\n/)
        .map((p) => p.replace(/\s*\n\s*(\/\/\s*|#\s*)?/g, ' '))
        .flatMap((p) =>
          NODE_SENSE.map((re) => re.exec(p)?.[0])
            .filter((m): m is string => m !== undefined)
            .map((m) => `${doc}: ${m}`),
        ),
    );
    expect(found).to.deep.equal([]);
  });
});
