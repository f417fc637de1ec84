// The whole directory of bodies a case can go to, for the two consoles (GET /v1/agencies: the
// ministries and agencies, the 38 provincial governments and the 514 regency and city
// governments), and a picker that finds one by name (an input with a shared datalist); the
// labels of case states and decline reasons.

import { api, h, L } from './core.js';

/** Where an agency's case stands (the citizen's view has its labels from the API). */
export const CASE_STATE = {
  forwarded: ['Diteruskan', 'Forwarded'],
  acknowledged: ['Diterima instansi', 'Received by the body'],
  answered: ['Sudah menjawab', 'Answered'],
  completed: ['Selesai ditangani', 'Completed'],
  declined: ['Menyatakan bukan kewenangannya', 'Declined'],
  withdrawn: ['Ditarik oleh Setwapres', 'Withdrawn'],
};
export const DECLINE_REASON = {
  not_our_authority: ['Bukan kewenangan instansi ini', 'Not within this body’s authority'],
  duplicate_elsewhere: ['Sudah ditangani melalui laporan atau saluran lain', 'Already handled through another report or channel'],
  needs_other_agency: ['Memerlukan penanganan instansi lain', 'Needs another body to handle it'],
};

let directoryPromise = null;
/** `[{code, name}]` of `GET /v1/agencies`: the ministries and agencies, then the provincial,
 *  regency and city governments (fetched once). */
export function directory() {
  directoryPromise ??= api('/v1/agencies')
    .then((r) => r.agencies.map(({ code, name }) => ({ code, name })))
    .catch((e) => { directoryPromise = null; throw e; });
  return directoryPromise;
}

const LIST_ID = 'agency-directory';

/** The one datalist of the page (filled once the directory is in). */
function datalist() {
  let list = document.getElementById(LIST_ID);
  if (!list) {
    list = h('datalist', { id: LIST_ID });
    document.body.append(list);
    directory().then((all) => list.replaceChildren(...all.map((a) => h('option', { value: a.name }, a.code)))).catch(() => {});
  }
  return list;
}

/** The body a typed text names: its name (any case), its code, or the one name containing it. */
export function findBody(all, text) {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!t) return undefined;
  const exact = all.find((a) => a.name.toLowerCase() === t || a.code === t);
  if (exact) return exact;
  const some = all.filter((a) => a.name.toLowerCase().includes(t));
  return some.length === 1 ? some[0] : undefined;
}

let seq = 0;
/**
 * A searchable field to pick a body by name: `onPick({code, name})` when the analyst or
 * officer adds one (button or Enter). `exclude` lists codes that may not be picked.
 */
export function bodyPicker({ labelId, labelEn, onPick, exclude = [] }) {
  const id = `body-pick-${++seq}`;
  datalist();
  const input = h('input', { id, list: LIST_ID, autocomplete: 'off', spellcheck: 'false', class: 'body-pick', 'aria-describedby': `${id}-hint ${id}-err` });
  const error = h('p', { class: 'field-error', id: `${id}-err`, role: 'alert', hidden: true });
  const add = async () => {
    error.hidden = true;
    input.removeAttribute('aria-invalid');
    let all = [];
    try { all = await directory(); } catch (err) { error.textContent = err.message; error.hidden = false; return; }
    const hit = findBody(all, input.value);
    const why = !input.value.trim() ? L('Ketik nama instansi.', 'Type the name of a body.')
      : !hit ? L('Tidak ada satu instansi pun yang cocok dengan tepat. Pilih salah satu nama dari daftar.', 'No single body matches. Choose one of the names in the list.')
        : exclude.includes(hit.code) ? L('Instansi ini tidak dapat dipilih di sini.', 'This body cannot be chosen here.') : '';
    if (why) {
      error.textContent = why;
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    input.value = '';
    onPick(hit);
  };
  const button = h('button', { type: 'button', class: 'secondary', onclick: add }, L('Tambah', 'Add'));
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  return h('div', { class: 'field picker' },
    h('label', { class: 'label', for: id }, L(labelId, labelEn)),
    h('p', { class: 'hint', id: `${id}-hint` }, L('Ketik sebagian nama, misalnya “Kota Bandung” atau “Kesehatan”, lalu pilih dari daftar. Semua kementerian, lembaga, provinsi, dan kabupaten/kota ada di sini.',
      'Type part of the name, e.g. “Kota Bandung” or “Kesehatan”, then choose from the list. Every ministry, agency, province, regency and city is here.')),
    h('div', { class: 'picker-row' }, input, button),
    error);
}
