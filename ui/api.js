// The console's only way to the node: the public HTTP API of the origin that served the page,
// with the API key from sessionStorage in an Authorization header (never in a URL). Errors
// carry the API's own code and message, shown to the user as they are.

const KEY_ITEM = 'callfs.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY_ITEM) ?? '';
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }

  /** What the user sees: the API's code and message, unchanged. */
  describe() {
    return this.code ? `${this.status} ${this.code}: ${this.message}` : this.message;
  }
}

/** An API path segment by segment, each percent-encoded once (the API decodes once). */
export function encodePath(path) {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');
}

async function errorOf(res) {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    return new ApiError(res.status, body.code ?? '', body.message ?? text, body);
  } catch {
    return new ApiError(res.status, '', text || `HTTP ${res.status} ${res.statusText}`);
  }
}

/** A fetch to the API; resolves to the Response when it is 2xx, else throws ApiError. */
export async function call(method, url, { body, headers = {}, signal } = {}) {
  let res;
  try {
    res = await fetch(url, {
      method,
      body,
      signal,
      cache: 'no-store',
      headers: { Authorization: `Bearer ${apiKey()}`, ...headers },
    });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError(0, '', `the node did not answer (${err?.message ?? err})`);
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

async function json(method, url, payload) {
  const res = await call(method, url, {
    body: payload === undefined ? undefined : JSON.stringify(payload),
    headers: payload === undefined ? {} : { 'Content-Type': 'application/json' },
  });
  return res.status === 204 ? null : res.json();
}

/** One page of a directory (GET /v1/directories). */
export function listPage(path, { limit, cursor } = {}) {
  const q = new URLSearchParams();
  if (limit) q.set('limit', String(limit));
  if (cursor) q.set('cursor', cursor);
  const qs = q.toString();
  return json('GET', `/v1/directories/${encodePath(path)}${qs ? `?${qs}` : ''}`);
}

export function cluster(scanLimit) {
  return json('GET', `/v1/cluster${scanLimit ? `?scan_limit=${scanLimit}` : ''}`);
}

export function mkdir(path) {
  return json('POST', `/v1/files/${encodePath(path)}/`);
}

export function remove(path, recursive) {
  return json('DELETE', `/v1/files/${encodePath(path)}${recursive ? '?recursive=true' : ''}`);
}

/** PATCH: rename or move, optionally moving the bytes to another node (`instance`). */
export function move(path, destination, { instance, overwrite } = {}) {
  const body = { destination };
  if (instance) body.instance = instance;
  if (overwrite) body.overwrite = true;
  return json('PATCH', `/v1/files/${encodePath(path)}`, body);
}

export function generateLink(path, expirySeconds) {
  return json('POST', '/v1/links/generate', { path, expiry_seconds: expirySeconds });
}

/**
 * Uploads a File with XMLHttpRequest, the only browser API that reports upload progress; the
 * browser streams the File from disk, it is never read into memory here. POST creates (409 when
 * the path exists), PUT creates or replaces. Returns { promise, abort }.
 */
export function upload(path, file, { replace, onProgress }) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open(replace ? 'PUT' : 'POST', `/v1/files/${encodePath(path)}`);
    xhr.setRequestHeader('Authorization', `Bearer ${apiKey()}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(file.size, file.size);
        resolve(JSON.parse(xhr.responseText || 'null'));
        return;
      }
      try {
        const body = JSON.parse(xhr.responseText);
        reject(new ApiError(xhr.status, body.code ?? '', body.message ?? xhr.responseText, body));
      } catch {
        reject(new ApiError(xhr.status, '', xhr.responseText || `HTTP ${xhr.status}`));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, '', 'the upload was cut (network error)'));
    xhr.onabort = () => reject(new ApiError(0, '', 'upload cancelled'));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

/**
 * Follows the change feed of a directory (GET /v1/watch) by streaming the SSE body through
 * fetch, because an EventSource cannot send the Authorization header and the key must not go
 * in a URL. Reconnects with `since` = the last revision seen, backing off up to 10 s; a 410
 * (the resume point was compacted) restarts without `since` after telling the caller to list
 * again. Returns a function that stops it.
 */
export function watch(path, { onChange, onState }) {
  const ac = new AbortController();
  let since = '';
  let delay = 500;
  const run = async () => {
    while (!ac.signal.aborted) {
      try {
        const q = since ? `?since=${encodeURIComponent(since)}` : '';
        const res = await call('GET', `/v1/watch/${encodePath(path)}${q}`, { signal: ac.signal });
        onState?.('live');
        delay = 500;
        for await (const ev of readSse(res.body, ac.signal)) {
          if (ev.id) since = ev.id;
          if (ev.event === 'ready') onChange?.({ type: 'ready' });
          else if (ev.event === 'error') throw new ApiError(0, '', ev.data);
          else onChange?.(JSON.parse(ev.data));
        }
      } catch (err) {
        if (ac.signal.aborted) return;
        if (err instanceof ApiError && err.status === 410) since = '';
        if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
          onState?.('stopped', err);
          return;
        }
        onState?.('reconnecting', err);
      }
      if (ac.signal.aborted) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void run();
  return () => ac.abort();
}

/** Server-Sent Events from a fetch body: { event, data, id } per event; comments skipped. */
async function* readSse(body, signal) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data = [];
  let id = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || signal.aborted) return;
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (data.length > 0 || event)
            yield { event: event || 'message', data: data.join('\n'), id };
          event = '';
          data = [];
          id = '';
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let v = colon < 0 ? '' : line.slice(colon + 1);
        if (v.startsWith(' ')) v = v.slice(1);
        if (field === 'event') event = v;
        else if (field === 'data') data.push(v);
        else if (field === 'id') id = v;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
