// Uploads into the folder shown, from the file picker or dropped files: one at a time, each
// with a progress bar, its rate, a Cancel button and the API's answer (the owning node, or the
// error as the API wrote it). The file is the request body: the browser streams it from disk.
import * as api from './api.js';
import { bytes, el, join } from './format.js';

const $ = (id) => document.getElementById(id);

export function createUploads({ folder, changed }) {
  const queue = [];
  let uploading = false;

  function enqueue(files) {
    $('uploads-section').hidden = false;
    for (const file of files) {
      const path = join(folder(), file.name);
      const bar = el('progress', {
        max: Math.max(file.size, 1),
        value: 0,
        'aria-label': `Upload of ${file.name}`,
      });
      const status = el('span', { class: 'status' }, 'waiting');
      const li = el(
        'li',
        { 'data-path': path },
        el('span', { class: 'up-name' }, path),
        bar,
        status,
      );
      const cancel = el(
        'button',
        { type: 'button', 'aria-label': `Cancel upload of ${file.name}` },
        'Cancel',
      );
      li.append(cancel);
      $('uploads').prepend(li);
      const job = { file, path, bar, status, li, cancel, abort: null, cancelled: false };
      cancel.addEventListener('click', () => {
        job.cancelled = true;
        job.abort?.();
        status.textContent = 'cancelled';
        cancel.remove();
      });
      queue.push(job);
    }
    void pump();
  }

  async function pump() {
    if (uploading) return;
    uploading = true;
    try {
      for (let job; (job = queue.shift());) {
        if (job.cancelled) continue;
        job.status.textContent = 'uploading';
        const started = performance.now();
        const { promise, abort } = api.upload(job.path, job.file, {
          replace: $('replace-check').checked,
          onProgress: (loaded, total) => {
            job.bar.max = Math.max(total, 1);
            job.bar.value = loaded;
            const secs = (performance.now() - started) / 1000;
            job.status.textContent = `${bytes(loaded)} of ${bytes(total)}${secs > 1 ? ` · ${bytes(Math.round(loaded / secs))}/s` : ''}`;
          },
        });
        job.abort = abort;
        try {
          const info = await promise;
          job.li.classList.add('done');
          job.status.textContent = `done · ${bytes(job.file.size)} on ${info?.instance_id ?? '?'}`;
          changed(200);
        } catch (err) {
          if (job.cancelled) continue;
          job.li.classList.add('failed');
          job.status.textContent = err.describe ? err.describe() : String(err);
        } finally {
          job.cancel.remove();
        }
      }
    } finally {
      uploading = false;
    }
  }

  $('upload-input').addEventListener('change', (e) => {
    enqueue([...e.target.files]);
    e.target.value = '';
  });
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) enqueue(files);
  });
}
