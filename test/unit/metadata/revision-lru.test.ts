// The rules of the cache's map: bounded LRU, changes applied only when newer, and reads from
// etcd admitted only when no change can have been missed while they were in flight.
import { expect } from 'chai';
import { RevisionLru } from '../../../src/metadata/revision-lru.js';

function filled(keys: string[], max = 10): RevisionLru<string> {
  const lru = new RevisionLru<string>(max);
  keys.forEach((k, i) => lru.beginFill(k).end(`v-${k}`, BigInt(i + 1)));
  return lru;
}

describe('RevisionLru', () => {
  it('should drop the least recently used key when more keys than its size are stored', () => {
    const lru = filled(['a', 'b', 'c', 'd'], 3);
    expect([lru.size, lru.get('a'), lru.get('d')]).to.deep.equal([3, undefined, 'v-d']);
  });

  it('should keep a key that was read recently when the map overflows', () => {
    const lru = filled(['a', 'b', 'c'], 3);
    lru.get('a');
    lru.beginFill('d').end('v-d', 9n);
    expect([lru.get('a'), lru.get('b')]).to.deep.equal(['v-a', undefined]);
  });

  it('should apply a change when it is newer than the entry', () => {
    const lru = filled(['a']);
    lru.change('a', 'new', 5n);
    expect(lru.get('a')).to.equal('new');
  });

  it('should ignore a change when it is older than the entry', () => {
    const lru = new RevisionLru<string>(10);
    lru.change('a', 'own write', 7n, true);
    lru.change('a', 'late event', 6n);
    expect(lru.get('a')).to.equal('own write');
  });

  it('should remove the entry when a newer delete arrives', () => {
    const lru = filled(['a']);
    lru.change('a', null, 5n);
    expect(lru.get('a')).to.equal(undefined);
  });

  it('should not add a key when a change arrives for a key it does not hold', () => {
    const lru = new RevisionLru<string>(10);
    lru.change('a', 'v', 5n);
    expect(lru.size).to.equal(0);
  });

  it('should not store a read when a newer change of its key arrived while it was in flight', () => {
    const lru = new RevisionLru<string>(10);
    const fill = lru.beginFill('a');
    lru.change('a', 'newer', 8n);
    fill.end('read', 5n);
    expect(lru.get('a')).to.equal(undefined);
  });

  it('should store a read when only older changes of its key arrived while it was in flight', () => {
    const lru = new RevisionLru<string>(10);
    const fill = lru.beginFill('a');
    lru.change('a', 'older', 4n);
    fill.end('read', 5n);
    expect(lru.get('a')).to.equal('read');
  });

  it('should not store a read when its key was invalidated while it was in flight', () => {
    const lru = new RevisionLru<string>(10);
    const fill = lru.beginFill('a');
    lru.invalidate('a');
    fill.end('read', 5n);
    expect(lru.get('a')).to.equal(undefined);
  });

  it('should not store a read begun before a clear when it ends after', () => {
    const lru = new RevisionLru<string>(10);
    const fill = lru.beginFill('a');
    lru.clear();
    fill.end('read', 5n);
    expect(lru.get('a')).to.equal(undefined);
  });

  it('should keep a newer entry when a read of an older revision ends', () => {
    const lru = new RevisionLru<string>(10);
    const fill = lru.beginFill('a');
    fill.end('read', 5n);
    lru.beginFill('a').end('older read', 3n);
    expect(lru.get('a')).to.equal('read');
  });

  it('should drop the entry and store nothing when a read finds the key absent', () => {
    const lru = filled(['a']);
    lru.beginFill('a').end(null, 0n);
    expect([lru.get('a'), lru.size, lru.tracks('a')]).to.deep.equal([undefined, 0, false]);
  });
});
