// One modal <dialog> for every question the console asks (new folder, move, delete, link).
// showModal() gives focus trapping and Escape for free; the promise resolves with the value of
// `submit` (which may throw an ApiError: its message is shown in the dialog, which stays open),
// or null when cancelled.
import { el } from './format.js';

const dialog = () => document.getElementById('dialog');

/**
 * Opens the dialog with `body` (nodes), an OK label, and an async `submit` run on OK. Focus
 * goes to the first field (or OK) and returns to the element that had it.
 */
export function ask({ title, body, ok = 'OK', danger = false, submit }) {
  const d = dialog();
  const form = document.getElementById('dialog-form');
  const okButton = document.getElementById('dialog-ok');
  const cancel = document.getElementById('dialog-cancel');
  const error = document.getElementById('dialog-error');
  const opener = document.activeElement;
  document.getElementById('dialog-title').textContent = title;
  document.getElementById('dialog-body').replaceChildren(...body);
  error.textContent = '';
  okButton.textContent = ok;
  okButton.classList.toggle('danger', danger);
  okButton.disabled = false;
  return new Promise((resolve) => {
    const finish = (value) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      d.removeEventListener('cancel', onCancel);
      if (d.open) d.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(value);
    };
    const onSubmit = async (e) => {
      e.preventDefault();
      okButton.disabled = true;
      error.textContent = '';
      try {
        finish(await submit());
      } catch (err) {
        error.textContent = err?.describe ? err.describe() : String(err?.message ?? err);
        okButton.disabled = false;
      }
    };
    const onCancel = (e) => {
      e.preventDefault();
      finish(null);
    };
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    d.addEventListener('cancel', onCancel);
    d.showModal();
    const first = d.querySelector('#dialog-body input, #dialog-body select');
    (first ?? okButton).focus();
  });
}

/** A labelled field for a dialog body. */
export function field(label, input) {
  const id = `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return el('div', { class: 'field' }, el('label', { for: id }, label), input);
}
