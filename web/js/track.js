// Track a report: the number alone → GET /v1/reports/{n} (stage and due date only); with
// the tracking token (X-Tracking-Token) → the full view: content, history, every body that
// handled the report (by name, with its state, a decline's reason and its answers); adding
// information (POST …/updates) and rating a completed report (POST …/feedback).

import {
  initPage, api, showErrors, clearErrors, say, h, $, L, fmtTime, fmtDate, categories, tidyNumber,
  label, actorLabel, eventLabel, KIND, PRIVACY, CHANNEL, RESPONSE_KIND,
} from './core.js';
import { attachmentList } from './links.js';
import { locationText } from './geo.js';
import { Attachments } from './upload.js';

initPage();

const lookup = $('#lookup');
const lookupStatus = $('#lookup-status');
const CODE_FIELDS = {
  invalid_registration_number: 'registration_number',
  report_not_found: 'registration_number',
  invalid_tracking_token: 'tracking_token',
};
let current = null; // { number, token, view }
let catNames = {};
categories().then((cs) => { catNames = Object.fromEntries(cs.map((c) => [c.code, c])); if (current) render(); }).catch(() => {});
const updateAttachments = new Attachments($('#u-attachments'));

const tokenKey = (n) => `lapor-token:${n}`;
const storedToken = (n) => { try { return sessionStorage.getItem(tokenKey(n)) || ''; } catch { return ''; } };

// ?nomor=… (the receipt's link): the number, and the token this tab was given at submission.
const fromUrl = new URLSearchParams(location.search).get('nomor');
if (fromUrl) {
  lookup.elements.registration_number.value = fromUrl;
  lookup.elements.tracking_token.value = storedToken(tidyNumber(fromUrl));
  load();
}

lookup.addEventListener('submit', (e) => { e.preventDefault(); load(); });
document.addEventListener('langchange', () => { if (current) load({ quiet: true }); });

async function load({ quiet = false } = {}) {
  const number = tidyNumber(lookup.elements.registration_number.value);
  const token = lookup.elements.tracking_token.value.trim().toUpperCase().replace(/\s+/g, '');
  clearErrors(lookup);
  if (!number) {
    showErrors(lookup, { message: L('Isi nomor registrasi.', 'Enter the registration number.'), code: 'required', fields: [] }, { required: 'registration_number' });
    return;
  }
  if (!quiet) say(lookupStatus, L('Mencari laporan…', 'Looking up the report…'));
  try {
    const view = await api(`/v1/reports/${encodeURIComponent(number)}`, { headers: token ? { 'X-Tracking-Token': token } : {} });
    current = { number: view.registration_number, token, view };
    if (token) { try { sessionStorage.setItem(tokenKey(view.registration_number), token); } catch { /* private mode */ } }
    say(lookupStatus, '');
    render();
    if (!quiet) $('#result').focus();
  } catch (err) {
    say(lookupStatus, err.message, 'error');
    showErrors(lookup, err, CODE_FIELDS);
    if (!quiet) { $('#result').hidden = true; current = null; }
  }
}

const MAIN_PATH = ['received', 'in_analysis', 'forwarded', 'responded', 'completed'];
const STAGE_TEXT = {
  received: ['Diterima', 'Received'],
  in_analysis: ['Dalam analisis Setwapres', 'Being analysed by the Secretariat'],
  needs_info: ['Menunggu kelengkapan data dari Anda', 'Waiting for more information from you'],
  forwarded: ['Diteruskan ke instansi terkait', 'Forwarded to the agencies concerned'],
  responded: ['Mendapat respons awal dari instansi', 'Initial response from an agency'],
  completed: ['Selesai', 'Completed'],
  rejected: ['Tidak dapat diproses', 'Cannot be processed'],
};

function stages(status) {
  let path = [...MAIN_PATH];
  if (status === 'needs_info') path = ['received', 'in_analysis', 'needs_info', 'forwarded', 'responded', 'completed'];
  if (status === 'rejected') path = ['received', 'rejected'];
  const at = path.indexOf(status);
  return path.map((s, i) => {
    const state = i < at || (status === 'completed' && s === 'completed') ? 'done' : i === at ? 'current' : 'todo';
    const text = L(...STAGE_TEXT[s]);
    return h('li', { class: state === 'todo' ? '' : state, 'aria-current': state === 'current' ? 'step' : null },
      text, state === 'done' ? h('span', { class: 'visually-hidden' }, L(' (sudah)', ' (done)')) : '');
  });
}

function render() {
  const v = current.view;
  const full = 'timeline' in v;
  $('#result').hidden = false;
  $('#result-title').textContent = L(`Laporan ${v.registration_number}`, `Report ${v.registration_number}`);
  const badge = $('#r-status');
  badge.textContent = v.status_label;
  badge.dataset.status = v.status;
  $('#r-overdue').hidden = !v.overdue;
  $('#r-overdue-note').hidden = !v.overdue;
  $('#r-submitted').textContent = fmtTime(v.submitted_at);
  $('#r-due').textContent = fmtDate(v.due_date);
  $('#r-stages').replaceChildren(...stages(v.status));
  $('#r-stage-only').hidden = full;
  $('#full').hidden = !full;
  if (full) renderFull(v);
}


function renderFull(v) {
  $('#c-title').textContent = v.title;
  const facts = [
    [L('Jenis', 'Kind'), label(KIND, v.kind)],
    [L('Kategori', 'Category'), v.category ? (catNames[v.category] ? L(catNames[v.category].name_id, catNames[v.category].name_en) : v.category) : '–'],
    [L('Lokasi', 'Location'), locationText(v.location)],
    [L('Tanggal kejadian', 'Date of the event'), v.incident_date ? fmtDate(v.incident_date, { weekday: false }) : '–'],
    [L('Kerahasiaan', 'Privacy'), label(PRIVACY, v.privacy)],
    [L('Saluran', 'Channel'), label(CHANNEL, v.channel)],
  ];
  $('#c-facts').replaceChildren(...facts.flatMap(([k, val]) => [h('dt', {}, k), h('dd', {}, val)]));
  $('#c-description').textContent = v.description;
  $('#c-attachments').replaceChildren(...attachmentList(v.attachments, tokenLink));

  $('#reject-card').hidden = !v.reject_reason;
  if (v.reject_reason) {
    // The Secretariat's message beside the reason, when it wrote one (the latest rejection's).
    const msg = v.timeline.filter((ev) => ev.type === 'status_changed' && ev.status === 'rejected').pop()?.note;
    $('#reject-reason').textContent = v.reject_reason.label;
    $('#reject-message').textContent = msg || '';
    $('#reject-message').hidden = !msg;
  }

  const bodies = bodiesOf(v);
  const agencyNames = Object.fromEntries(bodies.map((b) => [b.code, b.name]));
  $('#bodies').replaceChildren(...bodies.map(bodyCard));
  $('#no-bodies').hidden = bodies.length > 0;
  $('#bodies-hint').hidden = bodies.length === 0;

  $('#timeline').replaceChildren(...v.timeline.map((ev) => h('li', {},
    h('time', { datetime: ev.at }, fmtTime(ev.at)),
    h('strong', {}, eventLabel(ev)), ' ',
    h('span', { class: 'who' }, `— ${actorLabel(ev.actor, agencyNames)}`),
    ev.type === 'status_changed' && ev.status === 'rejected' && v.reject_reason ? h('p', {}, v.reject_reason.label) : '',
    ev.note ? h('blockquote', {}, ev.note) : '',
    ev.attachments ? h('div', {}, attachmentList(ev.attachments, tokenLink)) : '')));

  const open = !['completed', 'rejected'].includes(v.status);
  $('#update-card').hidden = !open;
  $('#needs-info-note').hidden = v.status !== 'needs_info';

  // Rated since the last completion?
  let rated = false;
  for (const ev of v.timeline) {
    if (ev.type === 'status_changed' && ev.status === 'completed') rated = false;
    if (ev.type === 'feedback') rated = true;
  }
  $('#feedback-card').hidden = v.status !== 'completed';
  $('#feedback-done').hidden = !rated;
  $('#feedback-form').hidden = rated;
}

/** Every body that handled the report (`bodies`, oldest forwarding first), each with the
 *  answers it gave while it had the report (a body forwarded in two rounds appears twice). */
function bodiesOf(v) {
  const list = v.bodies || v.agencies.map((a) => ({ ...a, state: null, state_label: null, reason: null, responses: v.responses.filter((r) => r.agency.code === a.code) }));
  const time = (iso) => new Date(iso).getTime() || 0;
  return list.map((b, i) => {
    const next = list.slice(i + 1).find((o) => o.code === b.code);
    const responses = b.forwarded_at && next
      ? b.responses.filter((r) => time(r.at) >= time(b.forwarded_at) && time(r.at) < time(next.forwarded_at))
      : b.forwarded_at ? b.responses.filter((r) => time(r.at) >= time(b.forwarded_at)) : b.responses;
    return { ...b, responses };
  });
}

const OPEN_STATES = ['forwarded', 'acknowledged', 'answered'];

function bodyCard(b) {
  return h('article', { class: 'body', 'data-code': b.code, 'data-state': b.state || '' },
    h('h4', {}, b.name),
    h('p', {},
      b.state_label ? h('span', { class: 'badge', 'data-state': b.state }, b.state_label) : '',
      b.forwarded_at ? h('span', { class: 'muted' }, ` ${L('Diteruskan', 'Forwarded')} ${fmtTime(b.forwarded_at)}`) : ''),
    b.reason ? h('p', { class: 'body-reason' }, h('strong', {}, L('Alasan: ', 'Reason: ')), b.reason.label) : '',
    b.state === 'declined'
      ? h('p', { class: 'muted' }, L('Setwapres memastikan laporan Anda ditangani instansi yang berwenang.', 'The Secretariat makes sure a body with authority handles your report.'))
      : '',
    ...b.responses.map((r) => h('div', { class: 'response' },
      h('p', { class: 'muted' }, `${label(RESPONSE_KIND, r.kind)} · ${fmtTime(r.at)}`),
      h('blockquote', {}, r.message))),
    !b.responses.length && OPEN_STATES.includes(b.state) ? h('p', { class: 'muted' }, L('Belum ada jawaban.', 'No answer yet.')) : '');
}

// The citizen's links: with the tracking token.
const tokenLink = (id) => api(`/v1/reports/${encodeURIComponent(current.number)}/attachments/${encodeURIComponent(id)}`,
  { headers: { 'X-Tracking-Token': current.token } });

// ---- Add information ----
const updateForm = $('#update-form');
const updateStatus = $('#update-status');
updateForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (updateAttachments.busy()) {
    say(updateStatus, L('Tunggu hingga semua lampiran selesai diunggah.', 'Wait until every attachment has been uploaded.'), 'error');
    return;
  }
  const body = { message: updateForm.elements.message.value.trim() };
  const ids = updateAttachments.ids();
  if (ids.length) body.attachments = ids;
  clearErrors(updateForm);
  say(updateStatus, L('Mengirim…', 'Sending…'));
  try {
    await api(`/v1/reports/${encodeURIComponent(current.number)}/updates`, {
      method: 'POST', body, headers: { 'X-Tracking-Token': current.token },
    });
    updateForm.reset();
    updateAttachments.reset();
    await load({ quiet: true });
    say(updateStatus, L('Informasi Anda sudah ditambahkan ke laporan.', 'Your information has been added to the report.'), 'ok');
  } catch (err) {
    say(updateStatus, err.message, 'error');
    showErrors(updateForm, err);
  }
});

// ---- Rating ----
const feedbackForm = $('#feedback-form');
const feedbackStatus = $('#feedback-status');
feedbackForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const rating = Number(feedbackForm.elements.rating.value);
  const body = { rating };
  const comment = feedbackForm.elements.comment.value.trim();
  if (comment) body.comment = comment;
  if (feedbackForm.elements.reopen.checked) body.reopen = true;
  clearErrors(feedbackForm);
  if (!rating) {
    showErrors(feedbackForm, { message: L('Pilih nilai 1 sampai 5.', 'Choose a rating from 1 to 5.'), code: 'required', fields: [] }, { required: 'rating' });
    return;
  }
  say(feedbackStatus, L('Mengirim…', 'Sending…'));
  try {
    const r = await api(`/v1/reports/${encodeURIComponent(current.number)}/feedback`, {
      method: 'POST', body, headers: { 'X-Tracking-Token': current.token },
    });
    feedbackForm.reset();
    await load({ quiet: true });
    say(feedbackStatus, r.status === 'in_analysis'
      ? L('Terima kasih. Laporan dibuka kembali dan dianalisis ulang.', 'Thank you. The report has been reopened for another analysis.')
      : L('Terima kasih atas penilaian Anda.', 'Thank you for your rating.'), 'ok');
  } catch (err) {
    say(feedbackStatus, err.message, 'error');
    showErrors(feedbackForm, err);
  }
});
