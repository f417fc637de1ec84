// Shared by every page: the language (Bahasa Indonesia by default, English on request), the
// API client (same origin: /v1/... locally and behind CloudFront), error display and small
// DOM and date helpers. No framework, no build step.

const LANG_KEY = 'lapor-lang';

function initialLang() {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'en' || q === 'id') {
    try { localStorage.setItem(LANG_KEY, q); } catch { /* private mode */ }
    return q;
  }
  try { return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'id'; } catch { return 'id'; }
}

export let lang = initialLang();

/** The text in the current language. */
export const L = (id, en) => (lang === 'en' ? en : id);

const ATTRS = ['placeholder', 'aria-label', 'title', 'content', 'alt'];

/**
 * Applies the current language to `root`: an element's Indonesian text is in the markup and
 * its English text in `data-en` (text), `data-en-html` (our own markup) or
 * `data-en-<attribute>`; the Indonesian is kept in `data-id*` the first time it is replaced.
 */
export function applyLang(root = document) {
  if (root === document) document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-en]')) {
    if (el.dataset.id === undefined) el.dataset.id = el.textContent;
    el.textContent = lang === 'en' ? el.dataset.en : el.dataset.id;
  }
  for (const el of root.querySelectorAll('[data-en-html]')) {
    if (el.dataset.idHtml === undefined) el.dataset.idHtml = el.innerHTML;
    el.innerHTML = lang === 'en' ? el.dataset.enHtml : el.dataset.idHtml;
  }
  for (const a of ATTRS) {
    const key = 'en' + a.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase());
    const keep = 'id' + key.slice(2);
    for (const el of root.querySelectorAll(`[data-en-${a}]`)) {
      if (el.dataset[keep] === undefined) el.dataset[keep] = el.getAttribute(a) ?? '';
      el.setAttribute(a, lang === 'en' ? el.dataset[key] : el.dataset[keep]);
    }
  }
}

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'id';
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* private mode */ }
  applyLang();
  document.dispatchEvent(new CustomEvent('langchange', { detail: lang }));
}

/** Wires the language switch of the header and applies the language to the page. */
export function initPage() {
  applyLang();
  const button = document.getElementById('lang-switch');
  if (button) {
    const label = () => {
      button.textContent = lang === 'en' ? 'Bahasa Indonesia' : 'English';
      button.setAttribute('lang', lang === 'en' ? 'id' : 'en');
      button.setAttribute('aria-label', lang === 'en' ? 'Tampilkan dalam Bahasa Indonesia' : 'Show in English');
    };
    label();
    button.addEventListener('click', () => { setLang(lang === 'en' ? 'id' : 'en'); label(); });
  }
  const here = location.pathname.replace(/\/$/, '/index.html').split('/').pop();
  for (const a of document.querySelectorAll('.site-nav a')) {
    if (a.getAttribute('href') === here) a.setAttribute('aria-current', 'page');
  }
}

// ---- API ----

/** An error answer of the API (`{"error":{"code","message","fields"}}`), the gateway's own
 *  (`{"message"}`) or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, body) {
    const e = body && typeof body === 'object' ? body.error : null;
    let message = e?.message || body?.message;
    if (!message) {
      message = status === 0
        ? L('Tidak dapat terhubung ke layanan. Periksa koneksi internet Anda lalu coba lagi.',
          'Cannot reach the service. Check your internet connection and try again.')
        : status === 429
          ? L('Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi.', 'Too many requests. Wait a moment and try again.')
          : L(`Terjadi kesalahan (HTTP ${status}). Coba lagi nanti.`, `Something went wrong (HTTP ${status}). Try again later.`);
    }
    super(message);
    this.status = status;
    this.code = e?.code || (status === 401 ? 'unauthorized' : status === 0 ? 'network' : 'http_' + status);
    this.fields = Array.isArray(e?.fields) ? e.fields : [];
  }
}

/**
 * Calls the API. `body` is sent as JSON; `headers` are added (X-Tracking-Token,
 * Authorization, Idempotency-Key). Answers the parsed JSON, or throws an ApiError.
 */
export async function api(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const h = { Accept: 'application/json', 'Accept-Language': lang, ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError(0, null);
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

let categoriesPromise = null;
/** GET /v1/categories (both languages' names in each), once per page. */
export function categories() {
  categoriesPromise ??= api('/v1/categories').then((r) => r.categories).catch((e) => { categoriesPromise = null; throw e; });
  return categoriesPromise;
}

let regionsPromise = null;
/** The provinces with their regencies and cities (`GET /v1/regions`, fetched once). */
export function regions() {
  regionsPromise ??= api('/v1/regions').then((r) => r.provinces).catch((e) => { regionsPromise = null; throw e; });
  return regionsPromise;
}

// ---- DOM ----

/** `h('p', {class: 'x', 'data-en': 'Hello'}, 'Halo', child...)`: an element; strings become
 *  text nodes (never parsed as markup). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** Shows `message` in a status region (role="status"/"alert" in the markup). */
export function say(el, message, kind = 'info') {
  el.textContent = message || '';
  el.dataset.kind = kind;
  el.hidden = !message;
}

/**
 * Shows an API error on a form: each field error beside the control whose `name` (or
 * `data-field`) is the error's field path, and a summary linking to them; errors that
 * name no control of the form are listed in the summary only.
 */
export function showErrors(form, err, codeFields = {}) {
  clearErrors(form);
  const summary = form.querySelector('.error-summary');
  const items = [];
  // Errors about one input that name no field (a wrong number, a wrong token).
  const fields = err.fields?.length ? err.fields
    : codeFields[err.code] ? [{ field: codeFields[err.code], code: err.code, message: err.message }] : [];
  for (const f of fields) {
    const control = findControl(form, f.field);
    if (control) {
      const id = 'err-' + f.field.replace(/[^a-zA-Z0-9]+/g, '-');
      let slot = form.querySelector(`[data-error-for="${CSS.escape(f.field)}"]`);
      if (!slot) {
        slot = h('p', { class: 'field-error', 'data-error-for': f.field });
        const wrap = control.closest('.field, fieldset') || control.parentNode;
        wrap.append(slot);
      }
      slot.id = id;
      slot.textContent = slot.textContent ? slot.textContent + ' ' + f.message : f.message;
      slot.hidden = false;
      control.setAttribute('aria-invalid', 'true');
      const described = (control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      if (!described.includes(id)) control.setAttribute('aria-describedby', [...described, id].join(' '));
      if (!control.id) control.id = 'f-' + f.field.replace(/[^a-zA-Z0-9]+/g, '-');
      items.push(h('li', {}, h('a', { href: '#' + control.id }, f.message)));
    } else {
      items.push(h('li', {}, f.field ? `${f.field}: ${f.message}` : f.message));
    }
  }
  if (summary) {
    summary.replaceChildren(
      h('h2', {}, err.message),
      items.length ? h('ul', {}, items) : '',
    );
    summary.hidden = false;
    summary.focus();
  }
}

function findControl(form, field) {
  const esc = CSS.escape(field);
  return form.querySelector(`[name="${esc}"]`) || form.querySelector(`[data-field="${esc}"]`)
    || (field.includes('[') ? findControl(form, field.replace(/\[\d+\]$/, '')) : null);
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('.field-error[data-error-for]')) {
    slot.textContent = '';
    slot.hidden = true;
  }
  for (const c of form.querySelectorAll('[aria-invalid]')) {
    c.removeAttribute('aria-invalid');
    const rest = (c.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.startsWith('err-'));
    if (rest.length) c.setAttribute('aria-describedby', rest.join(' '));
    else c.removeAttribute('aria-describedby');
  }
  const summary = form.querySelector('.error-summary');
  if (summary) { summary.hidden = true; summary.replaceChildren(); }
}

// ---- Dates (every date a citizen sees is in WIB) ----

const locale = () => (lang === 'en' ? 'en-GB' : 'id-ID');

/** `2024-11-11T09:15:02+07:00` → `11 November 2024 09.15 WIB`. */
export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), {
    timeZone: 'Asia/Jakarta', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit',
  }).format(d) + ' WIB';
}

/** `2024-12-02` → `Senin, 2 Desember 2024` (a calendar date, shown as written). */
export function fmtDate(date, { weekday = true } = {}) {
  if (!date) return L('akan diberitahukan', 'to be announced');
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return new Intl.DateTimeFormat(locale(), {
    timeZone: 'UTC', weekday: weekday ? 'long' : undefined, day: 'numeric', month: 'long', year: 'numeric',
  }).format(d);
}

/** Today's calendar date in WIB, `YYYY-MM-DD`. */
export function todayWib() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date());
}

export function fmtNumber(n) {
  return typeof n === 'number' ? new Intl.NumberFormat(locale()).format(n) : '–';
}

// ---- Labels of the API's codes (the API gives status labels; the rest are ours) ----

export const STATUS = {
  received: ['Diterima', 'Received'],
  in_analysis: ['Dalam analisis', 'Under analysis'],
  needs_info: ['Menunggu kelengkapan data', 'Awaiting more information'],
  forwarded: ['Diteruskan ke instansi terkait', 'Forwarded to the agencies concerned'],
  responded: ['Mendapat respons awal dari instansi', 'Initial response from an agency'],
  completed: ['Selesai', 'Completed'],
  rejected: ['Tidak dapat diproses', 'Cannot be processed'],
};
export const statusLabel = (code) => (STATUS[code] ? L(...STATUS[code]) : code);

export const KIND = {
  complaint: ['Pengaduan', 'Complaint'],
  suggestion: ['Saran', 'Suggestion'],
  idea: ['Gagasan', 'Idea'],
};
export const PRIVACY = {
  standard: ['Biasa', 'Standard'],
  confidential: ['Rahasia', 'Confidential'],
  anonymous: ['Anonim', 'Anonymous'],
};
export const CHANNEL = {
  web: ['Situs web', 'Website'],
  whatsapp: ['WhatsApp', 'WhatsApp'],
  desk: ['Loket pengaduan', 'Walk-in desk'],
};
export const RESPONSE_KIND = {
  initial: ['Respons awal', 'Initial response'],
  progress: ['Perkembangan', 'Progress update'],
  final: ['Jawaban akhir', 'Final answer'],
};
export const label = (table, code) => (table[code] ? L(...table[code]) : code ?? '–');

/** Who acted, in words (`agency:kemenkes` → the agency's name when known). */
export function actorLabel(actor, agencyNames = {}) {
  if (!actor) return '–';
  if (actor.startsWith('agency:')) {
    const code = actor.slice(7);
    return agencyNames[code] || code;
  }
  return {
    citizen: L('Pelapor', 'Reporter'),
    desk: L('Loket pengaduan', 'Walk-in desk'),
    analyst: L('Analis Setwapres', 'Secretariat analyst'),
    system: L('Sistem', 'System'),
  }[actor] || actor;
}

/** What a timeline event was, in words. */
export function eventLabel(ev) {
  switch (ev.type) {
    case 'submitted': return L('Laporan diterima', 'Report received');
    case 'status_changed': return L('Status: ', 'Status: ') + statusLabel(ev.status);
    case 'citizen_update': return L('Informasi tambahan dari pelapor', 'More information from the reporter');
    case 'agency_acknowledged': return L('Instansi menerima laporan', 'Agency acknowledged the report');
    case 'agency_response': return L('Respons instansi', 'Agency response');
    case 'feedback': return L('Penilaian pelapor', 'Reporter’s rating');
    case 'sla_flagged': return L('Penanda batas waktu', 'Deadline flag');
    case 'agency_added': return L('Diteruskan juga ke instansi lain', 'Also forwarded to another body');
    case 'agency_declined': return L('Instansi menyatakan bukan kewenangannya', 'A body declined the report');
    case 'case_withdrawn': return L('Setwapres menarik laporan dari instansi', 'The Secretariat took the report back from a body');
    case 'due_date_moved': return L('Batas waktu diubah', 'Due date moved');
    default: return ev.type;
  }
}

/** Registration numbers are forgiving on input (case, dashes, spaces, O/0, I/L/1); the API
 *  checks them. We only tidy what the citizen typed. */
export const tidyNumber = (s) => s.trim().toUpperCase().replace(/\s+/g, '');

/** Downloads `text` as a file. */
export function download(filename, text, type = 'text/plain;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    if (button) {
      const old = button.textContent;
      button.textContent = L('Tersalin', 'Copied');
      setTimeout(() => { button.textContent = old; }, 1500);
    }
  } catch { /* clipboard unavailable: the text is on screen to select */ }
}
