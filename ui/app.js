// The console's entry point: asks for the API key once per tab, routes between the Files and
// Cluster views by the URL hash (#/browse/<path>, #/cluster), and owns the error banner and
// the live-update indicator.
import * as api from './api.js';
import { createBrowser } from './browse.js';
import { createClusterView } from './cluster.js';
import { createTree } from './tree.js';

const $ = (id) => document.getElementById(id);
const views = ['key-view', 'browse-view', 'cluster-view'];

function showView(id) {
  for (const v of views) $(v).hidden = v !== id;
  for (const [nav, view] of [
    ['nav-browse', 'browse-view'],
    ['nav-cluster', 'cluster-view'],
  ]) {
    if (id === view) $(nav).setAttribute('aria-current', 'page');
    else $(nav).removeAttribute('aria-current');
  }
}

function showError(err) {
  if (err?.status === 401) {
    api.setApiKey('');
    askKey(err.describe());
    return;
  }
  $('alert-text').textContent = err?.describe ? err.describe() : String(err?.message ?? err);
  $('alert').hidden = false;
}

function clearError() {
  $('alert').hidden = true;
  $('alert-text').textContent = '';
}

function setLive(state, err) {
  const text = {
    live: 'Live',
    reconnecting: 'Reconnecting…',
    stopped: 'Live updates stopped',
    '': '',
  }[state];
  $('live-state').textContent = text ?? '';
  $('live-state').dataset.state = state;
  if (err && state !== 'live') $('live-state').title = err.describe ? err.describe() : String(err);
}

/** The live node ids (membership only: a scan of one path keeps this cheap). */
let liveCache = { at: 0, ids: null };
async function liveNodes() {
  if (liveCache.ids && Date.now() - liveCache.at < 3000) return liveCache.ids;
  const c = await api.cluster(1);
  $('node-name').textContent = `via ${c.answered_by}`;
  liveCache = { at: Date.now(), ids: new Set(c.nodes.map((n) => n.instance_id)) };
  return liveCache.ids;
}

// On a phone the folder tree starts folded, so the listing comes first.
if (matchMedia('(max-width: 640px)').matches) $('tree-panel').open = false;
const tree = createTree({ showError });
const browser = createBrowser({ showError, clearError, setLive, liveNodes, tree });
const clusterView = createClusterView({ showError, clearError });

function askKey(message = '') {
  browser.hide();
  clusterView.hide();
  showView('key-view');
  $('sign-out').hidden = true;
  $('key-error').textContent = message;
  $('key-input').value = '';
  $('key-input').focus();
}

function decodeHashPath(rest) {
  const segs = rest.split('/').filter(Boolean);
  try {
    return `/${segs.map(decodeURIComponent).join('/')}`;
  } catch {
    return '/';
  }
}

function route() {
  if (!api.apiKey()) return askKey();
  $('sign-out').hidden = false;
  const hash = location.hash.replace(/^#/, '') || '/browse/';
  if (hash.startsWith('/cluster')) {
    browser.hide();
    showView('cluster-view');
    clusterView.show();
    return;
  }
  clusterView.hide();
  showView('browse-view');
  const path = hash.startsWith('/browse') ? decodeHashPath(hash.slice('/browse'.length)) : '/';
  document.title = `${path} — CallFS console`;
  browser.show(path);
}

$('key-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = $('key-input').value.trim();
  api.setApiKey(key);
  try {
    liveCache = { at: 0, ids: null };
    await liveNodes();
  } catch (err) {
    api.setApiKey('');
    $('key-error').textContent = err.describe ? err.describe() : String(err);
    return;
  }
  $('key-error').textContent = '';
  route();
  $('main').focus();
});
$('sign-out').addEventListener('click', () => {
  api.setApiKey('');
  askKey();
});
$('alert-close').addEventListener('click', clearError);
window.addEventListener('hashchange', route);
route();
