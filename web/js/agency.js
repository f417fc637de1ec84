// The agency console: sign in with the agency's API key, long-poll the agency's own queue
// (GET /v1/agency/cases), acknowledge each delivery (…/ack with its receipt), post
// responses (…/responses) or decline a case that is not the agency's (…/decline, with the
// bodies it suggests, found by name), see each case's state, deadlines and lateness, the
// citizen's updates, reminders and withdrawals, and get attachment links.

import {
  initPage, api, ApiError, showErrors, clearErrors, say, h, $, L, applyLang, fmtTime, fmtDate, categories,
  label, KIND, CHANNEL, RESPONSE_KIND, statusLabel,
} from './core.js';
import { locationText } from './geo.js';
import { bodyPicker, CASE_STATE, DECLINE_REASON } from './directory.js';

initPage();

const KEY = 'lapor-agency-key';
let key = null;
let controller = null;
let loopRunning = false;
/** case id → { c: the latest delivery, acked: its receipt was acknowledged, log: [] } */
const cases = new Map();
let catNames = {};
categories().then((cs) => { catNames = Object.fromEntries(cs.map((c) => [c.code, c])); rerender(true); }).catch(() => {});

const agencyApi = (path, opts = {}) => api(path, { ...opts, headers: { Authorization: `Bearer ${key}`, ...(opts.headers || {}) } });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- Sign-in ----

$('#signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  clearErrors(form);
  const k = form.elements.key.value.trim().replace(/^Bearer\s+/i, '');
  if (!k) {
    showErrors(form, { message: L('Isi kunci API instansi.', 'Enter the agency API key.'), code: 'required', fields: [] }, { required: 'key' });
    return;
  }
  key = k;
  say($('#signin-status'), L('Memeriksa kunci…', 'Checking the key…'));
  try {
    await poll(0);
  } catch (err) {
    key = null;
    say($('#signin-status'), '');
    showErrors(form, err.status === 401
      ? { message: L('Kunci tidak dikenal, sudah diganti, atau instansi tidak aktif.', 'The key is unknown, was rotated, or the agency is inactive.'), code: 'bad', fields: [] }
      : err, { bad: 'key', unauthorized: 'key' });
    return;
  }
  sessionStorage.setItem(KEY, k);
  form.reset();
  say($('#signin-status'), '');
  showConsole();
});

function showConsole() {
  $('#signin').hidden = true;
  $('#console').hidden = false;
  rerender(true);
  startLoop();
}

function signOut(message) {
  key = null;
  controller?.abort();
  cases.clear();
  sessionStorage.removeItem(KEY);
  $('#console').hidden = true;
  $('#signin').hidden = false;
  if (message) say($('#signin-status'), message, 'error');
}
$('#signout').addEventListener('click', () => signOut());

// ---- Polling ----

async function poll(wait) {
  controller = new AbortController();
  const page = await agencyApi(`/v1/agency/cases?wait=${wait}&max=10`, { signal: controller.signal });
  for (const c of page.cases) {
    const known = cases.get(c.case_id);
    // A new delivery (new receipt) needs its own acknowledgement.
    cases.set(c.case_id, { c, acked: known && known.c.receipt === c.receipt ? known.acked : false, log: known?.log || [], el: known?.el, dirty: true });
  }
  if (page.cases.length) rerender();
  return page.cases.length;
}

async function startLoop() {
  if (loopRunning) return;
  loopRunning = true;
  const status = $('#poll-status');
  while (key && $('#autopoll').checked) {
    try {
      say(status, L('Menunggu kasus baru…', 'Waiting for new cases…'));
      await poll(20);
    } catch (err) {
      if (err?.name === 'AbortError') break;
      if (err instanceof ApiError && err.status === 401) { signOut(L('Kunci ditolak. Silakan masuk lagi.', 'The key was refused. Sign in again.')); break; }
      say(status, err.message, 'error');
      await sleep(5000);
    }
  }
  if (key) say(status, L('Pemeriksaan otomatis dihentikan.', 'Automatic checking is off.'));
  loopRunning = false;
  // Signed in again (another key) while the last loop was stopping: check for that key.
  if (key && $('#autopoll').checked) startLoop();
}

$('#autopoll').addEventListener('change', (e) => { if (e.currentTarget.checked) startLoop(); else controller?.abort(); });
$('#poll-now').addEventListener('click', async () => {
  const status = $('#poll-status');
  try {
    const n = await poll(0);
    say(status, n ? L(`${n} kasus diterima.`, `${n} case(s) received.`) : L('Tidak ada kasus baru.', 'No new cases.'));
  } catch (err) {
    if (err?.name !== 'AbortError') say(status, err.message, 'error');
  } finally {
    if ($('#autopoll').checked) startLoop();
  }
});

// ---- Cases ----

const catLabel = (code) => (code && catNames[code] ? L(catNames[code].name_id, catNames[code].name_en) : code || '–');
/** A case the agency can still answer or decline. */
const isOpen = (c) => ['forwarded', 'acknowledged', 'answered'].includes(c.state || 'forwarded');

/** Cards are rebuilt only when their case changed (typing in another card is kept). */
function rerender(all = false) {
  const list = $('#cases');
  const sorted = [...cases.values()].sort((a, b) => (a.c.due_date || '9999').localeCompare(b.c.due_date || '9999'));
  for (const entry of sorted) {
    if (!all && entry.el && !entry.dirty) continue;
    const old = entry.el;
    entry.el = card(entry);
    entry.dirty = false;
    applyLang(entry.el);
    if (old?.parentNode) old.replaceWith(entry.el);
  }
  const want = sorted.map((e) => e.el);
  if (want.length !== list.children.length || want.some((el, i) => list.children[i] !== el)) list.replaceChildren(...want);
  $('#no-cases').hidden = cases.size > 0;
}
document.addEventListener('langchange', () => rerender(true));

/** What this delivery is about, as badges. */
function badges(entry) {
  const { c } = entry;
  const state = c.state || 'forwarded';
  const trigger = {
    citizen_update: h('span', { class: 'badge approaching' }, L('Informasi baru dari pelapor', 'New information from the reporter')),
    withdrawn: h('span', { class: 'badge', 'data-state': 'withdrawn' }, L('Ditarik oleh Setwapres', 'Withdrawn by the Secretariat')),
    reminder: h('span', { class: 'badge overdue' }, L('Pengingat: kasus terlambat', 'Reminder: the case is late')),
  }[c.trigger] || (state === 'forwarded' ? h('span', { class: 'badge', 'data-status': 'forwarded' }, L('Kasus baru', 'New case')) : '');
  return h('p', { class: 'badges' },
    trigger, ' ',
    c.trigger !== 'withdrawn' ? h('span', { class: 'badge', 'data-state': state }, label(CASE_STATE, state)) : '', ' ',
    c.late_since && isOpen(c) && c.trigger !== 'reminder' ? h('span', { class: 'badge overdue' }, L('Terlambat', 'Late')) : '', ' ',
    entry.acked ? h('span', { class: 'badge', 'data-status': 'completed' }, L('Sudah diterima', 'Acknowledged')) : '');
}

function card(entry) {
  const { c } = entry;
  const r = c.report;
  const id = `case-${c.case_id.replace(/[^A-Za-z0-9]/g, '-')}`;
  const open = isOpen(c);
  const withdrawn = c.trigger === 'withdrawn' || c.state === 'withdrawn';
  const facts = [
    [L('Nomor registrasi', 'Registration number'), c.registration_number],
    [L('Tahap kasus', 'Case state'), label(CASE_STATE, c.state || 'forwarded')],
    [L('Diteruskan', 'Forwarded'), fmtTime(c.forwarded_at)],
    [L('Batas respons awal', 'First response due'), c.response_due_date ? fmtDate(c.response_due_date) : '–'],
    [L('Batas jawaban akhir', 'Final answer due'), c.completion_due_date ? fmtDate(c.completion_due_date) : '–'],
    [L('Batas laporan (14 hari kerja)', 'Report due (14 working days)'), fmtDate(c.due_date)],
    [L('Jenis', 'Kind'), label(KIND, r.kind)],
    [L('Kategori', 'Category'), catLabel(r.category)],
    [L('Lokasi', 'Location'), locationText(r.location)],
    [L('Tanggal kejadian', 'Date of the event'), r.incident_date ? fmtDate(r.incident_date, { weekday: false }) : '–'],
    [L('Saluran', 'Channel'), label(CHANNEL, r.channel)],
    [L('Status laporan', 'Report status'), statusLabel(r.status)],
  ];
  const status = h('p', { class: 'status-line', role: 'status', hidden: true });
  const ack = h('button', { type: 'button', class: 'primary' },
    withdrawn ? L('Terima pemberitahuan', 'Acknowledge the notice') : L('Terima kasus', 'Acknowledge'));
  ack.hidden = entry.acked;
  ack.addEventListener('click', async () => {
    ack.disabled = true;
    say(status, L('Menerima…', 'Acknowledging…'));
    try {
      const res = await agencyApi(`/v1/agency/cases/${encodeURIComponent(c.case_id)}/ack`, { method: 'POST', body: { receipt: c.receipt } });
      entry.acked = true;
      entry.dirty = true;
      if (!c.state || c.state === 'forwarded') entry.c = { ...c, state: 'acknowledged' };
      entry.log.push(withdrawn
        ? L(`Pemberitahuan penarikan diterima ${fmtTime(res.acknowledged_at)}`, `Withdrawal notice acknowledged ${fmtTime(res.acknowledged_at)}`)
        : L(`Diterima ${fmtTime(res.acknowledged_at)}`, `Acknowledged ${fmtTime(res.acknowledged_at)}`));
      rerender();
      say($(`#${id} .status-line`), withdrawn ? L('Pemberitahuan diterima.', 'Notice acknowledged.') : L('Kasus diterima.', 'Case acknowledged.'), 'ok');
    } catch (err) {
      ack.disabled = false;
      say(status, err.message, 'error');
    }
  });

  return h('article', { class: `card case${entry.acked ? ' acknowledged' : ''}${withdrawn ? ' withdrawn' : ''}`, id, 'aria-labelledby': `${id}-t`, 'data-case': c.case_id },
    h('h3', { id: `${id}-t` }, `${r.title} `, h('span', { class: 'muted mono' }, `(${c.case_id})`)),
    badges(entry),
    withdrawn ? h('div', { class: 'danger' },
      h('p', {}, h('strong', {}, L('Setwapres menarik kasus ini dari instansi Anda', 'The Secretariat took this case back from your body')),
        c.withdrawal ? ` (${fmtTime(c.withdrawal.at)}).` : '.'),
      c.withdrawal ? h('p', {}, h('strong', {}, L('Alasan: ', 'Reason: ')), c.withdrawal.reason) : '',
      h('p', {}, L('Kasus ini tidak perlu dijawab lagi. Terima pemberitahuan ini agar tidak dikirim ulang.', 'It needs no answer any more. Acknowledge this notice so that it is not delivered again.'))) : '',
    c.trigger === 'reminder' && open ? h('p', { class: 'danger' },
      L(`Kasus ini melewati batas waktu (${fmtDate(c.late_since)}). Kirim respons secepatnya.`, `This case is past its deadline (${fmtDate(c.late_since)}). Send a response as soon as possible.`)) : '',
    c.trigger !== 'reminder' && c.late_since && open ? h('p', { class: 'danger' },
      L(`Terlambat: batas ${fmtDate(c.late_since)} sudah lewat.`, `Late: the deadline of ${fmtDate(c.late_since)} has passed.`)) : '',
    h('dl', { class: 'facts' }, (withdrawn ? facts.slice(0, 3) : facts).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    withdrawn ? '' : [
      c.note ? h('p', { class: 'note' }, h('strong', {}, L('Catatan Setwapres: ', 'Note from the Secretariat: ')), c.note) : '',
      h('p', { class: 'prewrap' }, r.description),
      h('h4', {}, L('Pelapor', 'Reporter')),
      c.reporter
        ? h('p', {}, `${c.reporter.name} · NIK ${c.reporter.nik} · ${c.reporter.phone}${c.reporter.email ? ` · ${c.reporter.email}` : ''}`)
        : h('p', { class: 'muted' }, r.privacy === 'anonymous'
          ? L('Anonim: tidak ada identitas.', 'Anonymous: no identity.')
          : L('Rahasia: identitas pelapor hanya diketahui Setwapres.', 'Confidential: only the Secretariat knows who reported.')),
      attachments(c),
      c.updates.length ? h('div', {}, h('h4', {}, L('Informasi tambahan dari pelapor', 'More information from the reporter')),
        h('ul', {}, c.updates.map((u) => h('li', {}, h('time', { datetime: u.at, class: 'muted' }, fmtTime(u.at)), ' ', u.message,
          u.attachments.length ? h('span', { class: 'muted' }, L(` (${u.attachments.length} lampiran)`, ` (${u.attachments.length} attachment(s))`)) : '')))) : '',
    ],
    entry.log.length ? h('ul', { class: 'muted' }, entry.log.map((l) => h('li', {}, l))) : '',
    h('div', { class: 'actions' }, ack),
    open && !withdrawn ? [responseForm(entry, id, status), declineForm(entry, id, status)] : '',
    status);
}

function responseForm(entry, id, status) {
  const { c } = entry;
  const form = h('form', { novalidate: true, class: 'response-form', 'aria-label': L(`Kirim respons untuk ${c.case_id}`, `Respond to ${c.case_id}`) },
    h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true }),
    h('div', { class: 'field' },
      h('label', { class: 'label', for: `${id}-kind` }, L('Jenis respons', 'Kind of response')),
      h('select', { id: `${id}-kind`, name: 'kind' },
        ['initial', 'progress', 'final'].map((k) => h('option', { value: k }, label(RESPONSE_KIND, k))))),
    h('div', { class: 'field' },
      h('label', { class: 'label', for: `${id}-msg` }, L('Pesan untuk pelapor (tanpa data pribadi)', 'Message to the reporter (no personal data)')),
      h('textarea', { id: `${id}-msg`, name: 'message', rows: 3, maxlength: 4000 })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, L('Kirim respons', 'Send response'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    say(status, L('Mengirim…', 'Sending…'));
    const body = { kind: form.elements.kind.value, message: form.elements.message.value.trim() };
    try {
      const res = await agencyApi(`/v1/agency/cases/${encodeURIComponent(c.case_id)}/responses`, { method: 'POST', body });
      entry.log.push(L(`${label(RESPONSE_KIND, res.kind)} terkirim ${fmtTime(res.at)} (status laporan: ${statusLabel(res.report_status)})`,
        `${label(RESPONSE_KIND, res.kind)} sent ${fmtTime(res.at)} (report status: ${statusLabel(res.report_status)})`));
      entry.c = { ...entry.c, state: res.kind === 'final' ? 'completed' : 'answered', report: { ...entry.c.report, status: res.report_status } };
      entry.dirty = true;
      rerender();
      say($(`#${id} .status-line`), L('Respons terkirim.', 'Response sent.'), 'ok');
    } catch (err) {
      say(status, err.message, 'error');
      showErrors(form, err);
    }
  });
  return form;
}

const DECLINE_REASONS = ['not_our_authority', 'needs_other_agency', 'duplicate_elsewhere'];

/** Not for this body: the reason, a note for the Secretariat, and the bodies it suggests
 *  (the form is built when first opened: most cases are answered, not declined). */
function declineForm(entry, id, status) {
  const details = h('details', { class: 'decline' },
    h('summary', {}, L('Bukan kewenangan instansi Anda? Kembalikan ke Setwapres', 'Not for your body? Return it to the Secretariat')));
  details.addEventListener('toggle', () => { if (details.open && details.children.length === 1) details.append(buildDeclineForm(entry, id, status)); });
  return details;
}

function buildDeclineForm(entry, id, status) {
  const { c } = entry;
  const own = c.case_id.slice(c.registration_number.length + 1);
  const chosen = [];
  const list = h('ul', { class: 'picked', 'aria-live': 'polite' });
  const draw = () => list.replaceChildren(...chosen.map((a, i) => h('li', {},
    `${a.name} `, h('span', { class: 'muted mono' }, `(${a.code})`), ' ',
    h('button', {
      type: 'button', class: 'link-button', 'aria-label': L(`Hapus ${a.name}`, `Remove ${a.name}`),
      onclick: () => { chosen.splice(i, 1); draw(); },
    }, L('hapus', 'remove')))));
  const picker = bodyPicker({
    labelId: 'Tambah instansi (cari dengan nama)', labelEn: 'Add a body (search by name)', exclude: [own],
    onPick: (a) => { if (!chosen.some((x) => x.code === a.code)) chosen.push(a); draw(); },
  });
  const form = h('form', { novalidate: true, class: 'decline-form' },
    h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true }),
    h('p', { class: 'hint' }, L('Kasus ditutup untuk instansi Anda dan kembali ke Setwapres, yang meneruskannya ke instansi yang berwenang. Pelapor melihat bahwa instansi Anda bukan yang berwenang, tanpa catatan Anda.',
      'The case closes for your body and goes back to the Secretariat, which forwards it to the body with authority. The reporter sees that your body is not the one, without your note.')),
    h('div', { class: 'field' },
      h('label', { class: 'label', for: `${id}-dreason` }, L('Alasan', 'Reason')),
      h('select', { id: `${id}-dreason`, name: 'reason' }, DECLINE_REASONS.map((r) => h('option', { value: r }, label(DECLINE_REASON, r))))),
    h('div', { class: 'field' },
      h('label', { class: 'label', for: `${id}-dnote` }, L('Penjelasan untuk Setwapres (tidak terlihat pelapor)', 'Explanation for the Secretariat (not seen by the reporter)')),
      h('textarea', { id: `${id}-dnote`, name: 'note', rows: 2, maxlength: 2000 })),
    h('fieldset', { class: 'field', 'data-field': 'suggested_agencies' },
      h('legend', {}, L('Instansi yang berwenang menurut Anda (opsional, paling banyak 10)', 'The bodies you think have authority (optional, at most 10)')),
      list, picker),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, L('Kembalikan ke Setwapres', 'Return to the Secretariat'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    say(status, L('Mengirim…', 'Sending…'));
    const body = { reason: form.elements.reason.value, suggested_agencies: chosen.map((a) => a.code) };
    const note = form.elements.note.value.trim();
    if (note) body.note = note;
    try {
      const res = await agencyApi(`/v1/agency/cases/${encodeURIComponent(c.case_id)}/decline`, { method: 'POST', body });
      entry.log.push(L(`Dikembalikan ke Setwapres ${fmtTime(res.declined_at)}: ${label(DECLINE_REASON, res.reason)}${chosen.length ? ` (usulan: ${chosen.map((a) => a.name).join(', ')})` : ''}`,
        `Returned to the Secretariat ${fmtTime(res.declined_at)}: ${label(DECLINE_REASON, res.reason)}${chosen.length ? ` (suggested: ${chosen.map((a) => a.name).join(', ')})` : ''}`));
      entry.c = { ...entry.c, state: res.state, report: { ...entry.c.report, status: res.report_status } };
      entry.dirty = true;
      rerender();
      say($(`#${id} .status-line`), L('Kasus dikembalikan ke Setwapres.', 'The case was returned to the Secretariat.'), 'ok');
    } catch (err) {
      say(status, err.message, 'error');
      showErrors(form, err);
    }
  });
  return form;
}

function attachments(c) {
  if (!c.attachments.length) return '';
  return h('div', {}, h('h4', {}, L('Lampiran', 'Attachments')),
    h('ul', {}, c.attachments.map((a, i) => {
      const link = h('a', { href: a.url, target: '_blank', rel: 'noopener noreferrer' }, L(`Lampiran ${i + 1}`, `Attachment ${i + 1}`));
      const fresh = h('button', { type: 'button', class: 'link-button' }, L('tautan baru', 'new link'));
      fresh.addEventListener('click', async () => {
        try {
          const r = await agencyApi(`/v1/agency/cases/${encodeURIComponent(c.case_id)}/attachments/${encodeURIComponent(a.id)}`);
          a.url = r.url;
          link.href = r.url;
          link.focus();
        } catch (err) {
          fresh.textContent = err.message;
        }
      });
      return h('li', {}, link, ' ', h('span', { class: 'muted' }, L('(berlaku 5 menit) ', '(valid for 5 minutes) ')), fresh);
    })));
}

// ---- A case acknowledged earlier, by its id ----
const byId = $('#by-id');
byId.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors(byId);
  const status = $('#by-id-status');
  const caseId = byId.elements.case_id.value.trim();
  if (!caseId) {
    showErrors(byId, { message: L('Isi nomor kasus.', 'Enter the case id.'), code: 'required', fields: [] }, { required: 'case_id' });
    return;
  }
  say(status, L('Mengirim…', 'Sending…'));
  try {
    const res = await agencyApi(`/v1/agency/cases/${encodeURIComponent(caseId)}/responses`, {
      method: 'POST', body: { kind: byId.elements.kind.value, message: byId.elements.message.value.trim() },
    });
    byId.elements.message.value = '';
    say(status, L(`Respons terkirim (status laporan: ${statusLabel(res.report_status)}).`, `Response sent (report status: ${statusLabel(res.report_status)}).`), 'ok');
  } catch (err) {
    say(status, err.message, 'error');
    showErrors(byId, err, { case_not_found: 'case_id' });
  }
});

// ---- Start ----
const saved = sessionStorage.getItem(KEY);
if (saved) { key = saved; showConsole(); }
