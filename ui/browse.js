// The Files view: one directory of the cluster-wide namespace, page by page (the API's cursor),
// with breadcrumbs, sorting of the page, a path-prefix search, the owning node of every entry
// (marked when that node is down), and a button per action (actions.js; uploads in
// uploads.js). The listing follows the change feed of the directory and reloads itself when
// something in it changes.
import * as api from './api.js';
import { createActions } from './actions.js';
import { bytes, dateTime, el, join, parentOf } from './format.js';
import { createUploads } from './uploads.js';

/** How many listing pages a prefix search reads at most (a page is up to 1000 entries). */
const SEARCH_PAGES = 20;

const $ = (id) => document.getElementById(id);

export function createBrowser({ showError, clearError, setLive, liveNodes, tree }) {
  const state = {
    path: '/',
    limit: 100,
    /** Cursors of the pages before the current one (the first page's is undefined). */
    cursors: [],
    cursor: undefined,
    next: undefined,
    items: [],
    count: 0,
    sort: { key: 'name', dir: 1 },
    search: null,
    live: new Set(),
    stopWatch: null,
    reloadTimer: undefined,
    stale: false,
    active: false,
  };

  const changed = (ms) => scheduleReload(ms);
  const actions = createActions({
    showError,
    clearError,
    folder: () => state.path,
    liveIds: () => state.live,
    changed,
  });
  createUploads({ folder: () => state.path, changed });

  // ---- loading -------------------------------------------------------------------------

  async function load() {
    clearError();
    try {
      const [page, live] = await Promise.all([
        api.listPage(state.path, { limit: state.limit, cursor: state.cursor }),
        liveNodes().catch(() => null),
      ]);
      if (live) state.live = live;
      state.items = page.items;
      state.count = page.count;
      state.next = page.next_cursor;
      state.search = null;
      state.stale = false;
      if (!state.cursor && !page.next_cursor) tree?.update(state.path, page.items);
      render();
    } catch (err) {
      if (err?.status === 410 && state.cursor) {
        // The pages' revision was compacted: the listing restarts from its first page.
        state.cursors = [];
        state.cursor = undefined;
        return load();
      }
      showError(err);
      state.items = [];
      render();
    }
  }

  /** Lists the folder of a path prefix and keeps the names that start with its last part. */
  async function search(prefix) {
    clearError();
    const canonical = prefix.startsWith('/') ? prefix : join(state.path, prefix);
    const dir = canonical.endsWith('/')
      ? canonical.replace(/\/+$/, '') || '/'
      : parentOf(canonical);
    const start = canonical.endsWith('/') ? '' : canonical.slice(canonical.lastIndexOf('/') + 1);
    const found = [];
    let cursor;
    let pages = 0;
    let truncated = false;
    try {
      for (;;) {
        const page = await api.listPage(dir, { limit: 1000, cursor });
        pages++;
        let passed = false;
        for (const item of page.items) {
          if (item.name.startsWith(start)) found.push(item);
          // Names come sorted by their bytes: once past the prefix, nothing later matches.
          else if (start && item.name > start) passed = true;
        }
        cursor = page.next_cursor;
        if (!cursor || passed) break;
        if (pages >= SEARCH_PAGES) {
          truncated = true;
          break;
        }
      }
    } catch (err) {
      showError(err);
      return;
    }
    navigate(dir, false);
    state.items = found;
    state.count = found.length;
    state.next = undefined;
    state.search = { prefix: start, dir, truncated };
    render();
  }

  // ---- rendering -----------------------------------------------------------------------

  function sorted(items) {
    const { key, dir } = state.sort;
    return [...items].sort((a, b) => {
      if (a.type !== b.type) return a.type === 'directory' ? -1 : 1;
      const x = a[key];
      const y = b[key];
      return (x < y ? -1 : x > y ? 1 : 0) * dir || (a.name < b.name ? -1 : 1);
    });
  }

  function renderCrumbs() {
    const parts = state.path.split('/').filter(Boolean);
    const crumbs = [el('li', {}, el('a', { href: '#/browse/' }, 'root'))];
    let acc = '';
    parts.forEach((p, i) => {
      acc += `/${p}`;
      const last = i === parts.length - 1;
      crumbs.push(
        el(
          'li',
          {},
          el(
            'a',
            { href: `#/browse${encodeHashPath(acc)}`, 'aria-current': last ? 'page' : undefined },
            p,
          ),
        ),
      );
    });
    $('crumbs').replaceChildren(...crumbs);
  }

  function nodeCell(item) {
    const down = state.live.size > 0 && !state.live.has(item.instance_id);
    return el(
      'td',
      { class: down ? 'node-cell dead' : 'node-cell', 'data-label': 'Node' },
      item.instance_id,
      el('span', { class: 'backend' }, ` · ${item.backend_type}`),
      down ? el('strong', { class: 'down-badge' }, ' down') : null,
    );
  }

  function row(item) {
    const isDir = item.type === 'directory';
    const name = isDir
      ? el('a', { href: `#/browse${encodeHashPath(item.path)}`, class: 'dir' }, `${item.name}/`)
      : el('span', { class: 'file' }, item.name);
    const cell = el('td', { class: 'row-actions' });
    const button = (label, fn, extra = {}) =>
      el(
        'button',
        { type: 'button', 'aria-label': `${label} ${item.name}`, onclick: fn, ...extra },
        label,
      );
    if (!isDir) {
      cell.append(
        button('Download', () => actions.download(item)),
        button('Link', () => actions.link(item)),
      );
    }
    cell.append(
      button('Move', () => actions.moveDialog(item)),
      button('Delete', () => actions.deleteDialog(item), { class: 'danger' }),
    );
    return el(
      'tr',
      { 'data-path': item.path, 'data-type': item.type },
      el('th', { scope: 'row', class: 'name-cell' }, name),
      el('td', { class: 'num', 'data-label': 'Size' }, isDir ? '—' : bytes(item.size)),
      el(
        'td',
        { 'data-label': 'Modified' },
        el('time', { datetime: item.mtime }, dateTime(item.mtime)),
      ),
      el('td', { 'data-label': 'User' }, item.owner),
      nodeCell(item),
      cell,
    );
  }

  function render() {
    renderCrumbs();
    const rows = sorted(state.items).map(row);
    if (rows.length === 0) {
      rows.push(el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'Nothing here yet.')));
    }
    $('listing-body').replaceChildren(...rows);
    for (const th of document.querySelectorAll('#listing th[data-sort]')) {
      const on = th.dataset.sort === state.sort.key;
      if (on) th.setAttribute('aria-sort', state.sort.dir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    const s = state.search;
    const pageNo = state.cursors.length + 1;
    $('listing-summary').textContent = s
      ? `${state.items.length} in ${s.dir} starting with “${s.prefix}”${s.truncated ? ` (first ${SEARCH_PAGES * 1000} entries searched)` : ''}.`
      : `${state.count} ${state.count === 1 ? 'entry' : 'entries'} in ${state.path}` +
        (state.count > state.items.length ? `, page ${pageNo}` : '') +
        (state.stale ? ' — changed since this page was read.' : '.');
    $('page-first').disabled = !!s || state.cursors.length === 0;
    $('page-prev').disabled = !!s || state.cursors.length === 0;
    $('page-next').disabled = !!s || !state.next;
    $('page-info').textContent = s ? '' : `Page ${pageNo}`;
  }

  // ---- live updates --------------------------------------------------------------------

  function scheduleReload(ms) {
    clearTimeout(state.reloadTimer);
    state.reloadTimer = setTimeout(() => {
      if (!state.active || state.search) return;
      // A later page is pinned to its revision by its cursor: say it changed instead.
      if (state.cursor) {
        state.stale = true;
        render();
        return;
      }
      void load();
    }, ms);
  }

  function affects(change) {
    const inDir = (p) => p !== undefined && parentOf(p) === state.path;
    return (
      change.type === 'ready' ||
      inDir(change.path) ||
      inDir(change.from) ||
      change.path === state.path
    );
  }

  function follow() {
    state.stopWatch?.();
    state.stopWatch = api.watch(state.path, {
      onChange: (change) => {
        if (change.type === 'ready' && !state.firstReadySeen) {
          state.firstReadySeen = true;
          return;
        }
        if (affects(change)) scheduleReload(150);
      },
      onState: (s, err) => {
        setLive(s, err);
      },
    });
  }

  // ---- navigation ----------------------------------------------------------------------

  function navigate(path, reload = true) {
    const changed = path !== state.path || !state.stopWatch;
    state.path = path;
    state.cursors = [];
    state.cursor = undefined;
    if (changed) {
      state.firstReadySeen = false;
      follow();
      void tree?.reveal(path);
    }
    if (reload) void load();
  }

  function wire() {
    $('mkdir-button').addEventListener('click', () => actions.mkdirDialog());
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const q = $('search-input').value.trim();
      if (q) void search(q);
      else void load();
    });
    $('page-next').addEventListener('click', () => {
      state.cursors.push(state.cursor);
      state.cursor = state.next;
      void load();
    });
    $('page-prev').addEventListener('click', () => {
      state.cursor = state.cursors.pop();
      void load();
    });
    $('page-first').addEventListener('click', () => {
      state.cursors = [];
      state.cursor = undefined;
      void load();
    });
    $('page-size').addEventListener('change', (e) => {
      state.limit = Number(e.target.value);
      state.cursors = [];
      state.cursor = undefined;
      void load();
    });
    for (const th of document.querySelectorAll('#listing th[data-sort]')) {
      th.querySelector('button').addEventListener('click', () => {
        const key = th.dataset.sort;
        state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
        render();
      });
    }
  }

  wire();
  return {
    show(path) {
      state.active = true;
      navigate(path);
    },
    hide() {
      state.active = false;
      state.stopWatch?.();
      state.stopWatch = null;
      setLive('');
    },
  };
}

/** A namespace path in the page's hash (#/browse/...), each segment encoded. */
export function encodeHashPath(path) {
  const enc = api.encodePath(path);
  return enc ? `/${enc}` : '/';
}
