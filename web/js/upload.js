// Attachments: each chosen file is declared to the API (POST /v1/attachments), then posted
// straight to the private bucket with the presigned form it answers, with a progress bar
// (XHR upload progress). The ids of the uploaded files go into the report or the update.

import { api, ApiError, h, L, applyLang } from './core.js';

const TYPES = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', pdf: 'application/pdf', mp4: 'video/mp4',
};
export const ACCEPT = 'image/jpeg,image/png,application/pdf,video/mp4,.jpg,.jpeg,.png,.pdf,.mp4';

function contentType(file) {
  const t = (file.type || '').toLowerCase();
  if (t === 'image/jpg') return 'image/jpeg';
  if (t) return t;
  return TYPES[(file.name.split('.').pop() || '').toLowerCase()] || 'application/octet-stream';
}

export function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** S3 answers a refused upload with XML: its Message, or a plain sentence. */
function s3Error(xhr) {
  const m = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText || '');
  return L('Unggahan ditolak penyimpanan', 'The storage refused the upload')
    + ` (HTTP ${xhr.status}${m ? ': ' + m[1] : ''}).`;
}

/** Posts `file` with the presigned form; `onProgress(fraction)`. */
function postForm(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
    form.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', upload.url);
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new Error(s3Error(xhr)));
    });
    xhr.addEventListener('error', () => reject(new Error(L(
      'Koneksi terputus saat mengunggah. Coba lagi.', 'The connection dropped while uploading. Try again.'))));
    xhr.send(form);
  });
}

/**
 * The attachments control: a file input (several files, at most `max`) and one line per
 * file with its progress. `ids()` are the uploaded files, `busy()` tells whether an upload
 * is still running.
 */
export class Attachments {
  constructor(container, { max = 10, name = 'attachments' } = {}) {
    this.max = max;
    this.items = [];
    const inputId = `${name}-${Math.random().toString(36).slice(2, 8)}`;
    this.input = h('input', {
      type: 'file', id: inputId, multiple: true, accept: ACCEPT, 'data-field': name, class: 'file-input',
      'aria-describedby': inputId + '-hint',
    });
    this.list = h('ul', { class: 'uploads', 'aria-live': 'polite' });
    container.append(
      h('label', { for: inputId, class: 'label', 'data-en': 'Attachments (optional)' }, 'Lampiran (opsional)'),
      h('p', { class: 'hint', id: inputId + '-hint', 'data-en': `Photos (JPEG, PNG) and PDF up to 10 MB, MP4 video up to 50 MB; at most ${max} files. Each file is uploaded as soon as you choose it.` },
        `Foto (JPEG, PNG) dan PDF hingga 10 MB, video MP4 hingga 50 MB; paling banyak ${max} berkas. Berkas langsung diunggah begitu dipilih.`),
      this.input,
      this.list,
    );
    applyLang(container);
    this.input.addEventListener('change', () => {
      for (const file of this.input.files) this.add(file);
      this.input.value = '';
    });
  }

  ids() { return this.items.filter((i) => i.id).map((i) => i.id); }

  busy() { return this.items.some((i) => i.state === 'uploading'); }

  reset() { this.items = []; this.list.replaceChildren(); }

  add(file) {
    if (this.items.length >= this.max) {
      this.list.append(h('li', { class: 'upload failed' }, L(`Paling banyak ${this.max} berkas.`, `At most ${this.max} files.`)));
      return;
    }
    const item = { file, id: null, state: 'uploading' };
    this.items.push(item);
    const bar = h('progress', { max: '100', value: '0', 'aria-label': L(`Mengunggah ${file.name}`, `Uploading ${file.name}`) });
    const status = h('span', { class: 'upload-status' }, L('Menyiapkan…', 'Preparing…'));
    const remove = h('button', { type: 'button', class: 'link-button', 'aria-label': L(`Hapus ${file.name}`, `Remove ${file.name}`) }, L('Hapus', 'Remove'));
    const li = h('li', { class: 'upload' },
      h('span', { class: 'upload-name' }, file.name), h('span', { class: 'upload-size' }, fmtBytes(file.size)), bar, status, remove);
    this.list.append(li);
    remove.addEventListener('click', () => {
      this.items = this.items.filter((i) => i !== item);
      item.state = 'removed';
      li.remove();
    });
    this.upload(item, bar, status, li);
  }

  async upload(item, bar, status, li) {
    try {
      const declared = await api('/v1/attachments', {
        method: 'POST',
        body: { filename: item.file.name, content_type: contentType(item.file), size: item.file.size },
      });
      status.textContent = L('Mengunggah…', 'Uploading…');
      await postForm(declared.upload, item.file, (f) => {
        bar.value = Math.round(f * 100);
        status.textContent = `${Math.round(f * 100)}%`;
      });
      if (item.state === 'removed') return;
      item.id = declared.attachment_id;
      item.state = 'done';
      bar.value = 100;
      status.textContent = L('Terunggah', 'Uploaded');
      li.classList.add('done');
      li.dataset.attachmentId = item.id;
    } catch (err) {
      item.state = 'failed';
      li.classList.add('failed');
      const msg = err instanceof ApiError && err.fields.length ? err.fields.map((f) => f.message).join(' ') : err.message;
      status.textContent = L('Gagal: ', 'Failed: ') + msg;
      this.items = this.items.filter((i) => i !== item);
    }
  }
}
