// The actions on one entry or on the folder shown, each through the public API and each
// asking first in a dialog: download (a single-use link the browser downloads), a link to give
// away, a new folder, rename or move (also to another node: PATCH with `instance`), delete.
// `changed` tells the Files view to reload once an action succeeded.
import * as api from './api.js';
import { ask, field } from './dialog.js';
import { dateTime, el, join } from './format.js';

export function createActions({ showError, clearError, folder, liveIds, changed }) {
  async function download(item) {
    clearError();
    try {
      // A single-use link streams the file to the browser's downloads (no key in the URL,
      // nothing held in memory), where a fetch() would have to buffer it into a Blob.
      const { token } = await api.generateLink(item.path, 60);
      const a = el('a', { href: `/download/${encodeURIComponent(token)}`, download: item.name });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (err) {
      showError(err);
    }
  }

  async function link(item) {
    const expiry = el(
      'select',
      {},
      el('option', { value: '300' }, '5 minutes'),
      el('option', { value: '3600', selected: true }, '1 hour'),
      el('option', { value: '86400' }, '24 hours'),
    );
    const made = await ask({
      title: `Single-use link to ${item.name}`,
      body: [
        el('p', {}, 'Anyone with the link can download the file once, without a key.'),
        field('Expires after', expiry),
      ],
      ok: 'Create link',
      submit: () => api.generateLink(item.path, Number(expiry.value)),
    });
    if (!made) return;
    const out = el('input', { type: 'text', readonly: true, value: made.url, class: 'link-url' });
    await ask({
      title: 'Link created',
      body: [field('Link (single use)', out), el('p', {}, `Expires ${dateTime(made.expires)}.`)],
      ok: 'Copy',
      submit: async () => {
        out.select();
        try {
          await navigator.clipboard.writeText(made.url);
        } catch {
          throw new Error(
            'The browser refused the clipboard: the link is selected, copy it with Ctrl+C.',
          );
        }
        return true;
      },
    });
  }

  async function mkdirDialog() {
    const name = el('input', { type: 'text', required: true, autocomplete: 'off' });
    const made = await ask({
      title: `New folder in ${folder()}`,
      body: [field('Name', name)],
      ok: 'Create',
      submit: () => api.mkdir(join(folder(), name.value)),
    });
    if (made) changed(0);
  }

  async function moveDialog(item) {
    const dest = el('input', {
      type: 'text',
      required: true,
      value: item.path,
      autocomplete: 'off',
    });
    const node = el('select', {}, el('option', { value: '' }, `Keep on ${item.instance_id}`));
    for (const id of [...liveIds()].sort()) {
      if (id !== item.instance_id) node.append(el('option', { value: id }, `Move to node ${id}`));
    }
    const overwrite = el('input', { type: 'checkbox' });
    const done = await ask({
      title: `Rename or move ${item.name}`,
      body: [
        field('New path', dest),
        field('Node', node),
        el('label', { class: 'check' }, overwrite, ' Replace the destination if it exists'),
      ],
      ok: 'Move',
      submit: () =>
        api.move(item.path, dest.value, { instance: node.value, overwrite: overwrite.checked }),
    });
    if (done) changed(0);
  }

  async function deleteDialog(item) {
    const isDir = item.type === 'directory';
    const recursive = el('input', { type: 'checkbox' });
    const done = await ask({
      title: `Delete ${item.name}?`,
      body: [
        el('p', {}, `${item.path} will be deleted on ${item.instance_id}. This cannot be undone.`),
        isDir ? el('label', { class: 'check' }, recursive, ' With everything in it') : null,
      ].filter(Boolean),
      ok: 'Delete',
      danger: true,
      submit: async () => (await api.remove(item.path, isDir && recursive.checked), true),
    });
    if (done) changed(0);
  }

  return { download, link, mkdirDialog, moveDialog, deleteDialog };
}
