// The folder tree beside the listing: each folder has a button that shows or hides its
// subfolders (aria-expanded) and a link that opens it. Subfolders are read when first shown,
// from the first page of the folder's listing (up to 1000 entries; the tree says when there
// are more), and refreshed from the listing whenever the Files view reloads that folder.
import * as api from './api.js';
import { encodeHashPath } from './browse.js';
import { el, join } from './format.js';

const PAGE = 1000;

export function createTree({ showError }) {
  /** path → { li, button, list, loaded } */
  const nodes = new Map();
  let current = '/';

  function node(path, name) {
    const list = el('ul', { role: 'group', hidden: true });
    const button = el(
      'button',
      {
        type: 'button',
        class: 'twisty',
        'aria-expanded': 'false',
        'aria-label': `Show folders in ${name}`,
      },
      '▸',
    );
    const link = el('a', { href: `#/browse${encodeHashPath(path)}` }, name);
    const li = el('li', { 'data-path': path }, button, link, list);
    const entry = { li, button, link, list, loaded: false };
    button.addEventListener('click', () => void toggle(path));
    nodes.set(path, entry);
    return entry;
  }

  function fill(path, dirs, more) {
    const entry = nodes.get(path);
    if (!entry) return;
    for (const [p] of nodes) {
      if (p !== path && p.startsWith(path === '/' ? '/' : `${path}/`)) {
        // Deeper entries are rebuilt below when their parent is shown again.
        if (!dirs.some((d) => p === d.path || p.startsWith(`${d.path}/`))) nodes.delete(p);
      }
    }
    const items = dirs.map((d) => {
      const known = nodes.get(d.path);
      return (known ?? node(d.path, d.name)).li;
    });
    if (more) items.push(el('li', { class: 'more' }, 'first 1000 entries only'));
    if (items.length === 0) items.push(el('li', { class: 'more' }, 'no folders'));
    entry.list.replaceChildren(...items);
    entry.loaded = true;
    mark();
  }

  async function load(path) {
    const page = await api.listPage(path, { limit: PAGE });
    fill(
      path,
      page.items.filter((i) => i.type === 'directory'),
      page.next_cursor !== undefined,
    );
  }

  async function expand(path) {
    const entry = nodes.get(path);
    if (!entry) return;
    if (!entry.loaded) await load(path);
    entry.list.hidden = false;
    entry.button.setAttribute('aria-expanded', 'true');
    entry.button.textContent = '▾';
  }

  async function toggle(path) {
    const entry = nodes.get(path);
    if (!entry) return;
    if (entry.button.getAttribute('aria-expanded') === 'true') {
      entry.list.hidden = true;
      entry.button.setAttribute('aria-expanded', 'false');
      entry.button.textContent = '▸';
      return;
    }
    try {
      await expand(path);
    } catch (err) {
      showError(err);
    }
  }

  function mark() {
    for (const [p, e] of nodes) {
      if (p === current) e.link.setAttribute('aria-current', 'page');
      else e.link.removeAttribute('aria-current');
    }
  }

  const root = node('/', 'root');
  document.getElementById('tree').replaceChildren(root.li);

  return {
    /** Opens the folders down to `path` and marks it as the one shown. */
    async reveal(path) {
      current = path;
      mark();
      const parts = path.split('/').filter(Boolean);
      let at = '/';
      try {
        await expand('/');
        for (const part of parts) {
          at = join(at, part);
          if (!nodes.has(at)) break;
          await expand(at);
        }
      } catch (err) {
        showError(err);
      }
      mark();
    },
    /** The folders of a folder's whole listing (one page): the tree follows the view. */
    update(path, items) {
      if (!nodes.get(path)?.loaded) return;
      fill(
        path,
        items.filter((i) => i.type === 'directory'),
        false,
      );
    },
  };
}
