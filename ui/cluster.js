// The Cluster view: the live nodes of the etcd membership (GET /v1/cluster) with what each
// owns, and the owners that are down with some of the paths they hold. Refreshed every few
// seconds while shown (the membership has no change feed).
import * as api from './api.js';
import { encodeHashPath } from './browse.js';
import { bytes, duration, el, parentOf } from './format.js';

const REFRESH_MS = 5000;
const $ = (id) => document.getElementById(id);

export function createClusterView({ showError, clearError }) {
  let timer;

  async function load() {
    try {
      const c = await api.cluster();
      clearError();
      render(c);
    } catch (err) {
      showError(err);
    }
  }

  function render(c) {
    const rows = c.nodes.map((n) =>
      el(
        'tr',
        { 'data-node': n.instance_id },
        el(
          'th',
          { scope: 'row' },
          n.instance_id,
          n.instance_id === c.answered_by ? el('span', { class: 'here' }, ' (this node)') : null,
        ),
        el('td', { 'data-label': 'HTTP' }, n.http_url),
        el('td', { 'data-label': 'gRPC' }, n.grpc_addr),
        el('td', { 'data-label': 'Backends' }, n.backends.join(', ')),
        el('td', { 'data-label': 'Up for', title: `since ${n.started}` }, duration(n.up_seconds)),
        el('td', { 'data-label': 'Lease age' }, duration(n.lease_seconds)),
        el('td', { class: 'num', 'data-label': 'Files' }, n.files),
        el('td', { class: 'num', 'data-label': 'Folders' }, n.directories),
        el(
          'td',
          { class: 'num', 'data-label': 'Bytes', title: `${n.bytes} bytes` },
          bytes(n.bytes),
        ),
      ),
    );
    $('nodes-body').replaceChildren(...rows);
    const s = c.scan;
    $('cluster-summary').textContent =
      `${c.nodes.length} live ${c.nodes.length === 1 ? 'node' : 'nodes'}, answered by ${c.answered_by} at etcd revision ${c.revision}. ` +
      (s.complete
        ? `Ownership counts cover all ${s.scanned} paths.`
        : `Ownership counts cover the first ${s.scanned} of ${s.total} paths (scan limit ${s.limit}).`);
    const dead = c.dead_owners;
    $('dead-section').hidden = dead.length === 0;
    $('dead-list').replaceChildren(
      ...dead.map((d) =>
        el(
          'li',
          { class: 'dead', 'data-node': d.instance_id },
          el('strong', {}, d.instance_id),
          ` — ${d.files} files, ${d.directories} folders, ${bytes(d.bytes)}`,
          el(
            'ul',
            {},
            ...d.paths.map((p) =>
              el('li', {}, el('a', { href: `#/browse${encodeHashPath(parentOf(p))}` }, p)),
            ),
          ),
        ),
      ),
    );
  }

  $('cluster-refresh').addEventListener('click', () => void load());

  return {
    show() {
      void load();
      clearInterval(timer);
      timer = setInterval(() => void load(), REFRESH_MS);
    },
    hide() {
      clearInterval(timer);
    },
  };
}
