// The agency console: sign in with the agency's API key, long-poll the agency's own queue
// (GET /v1/agency/cases), acknowledge each delivery (…/ack with its receipt), post
// responses (…/responses), see the citizen's updates and get attachment links.

import {
  initPage, api, ApiError, showErrors, clearErrors, say, h, $, L, applyLang, fmtTime, fmtDate, categories,
  label, KIND, CHANNEL, RESPONSE_KIND, statusLabel,
} from './core.js';
import { locationText } from './geo.js';

initPage();

const KEY = 'lapor-agency-key';
let key = null;
let controller = null;
let loopRunning = false;
/** case id → { c: the latest delivery, acked: its receipt was acknowledged, log: [] } */
const cases = new Map();
let catNames = {};
categories().then((cs) => { catNames = Object.fromEntries(cs.map((c) => [c.code, c])); rerender(); }).catch(() => {});

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
  rerender();
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
    cases.set(c.case_id, { c, acked: known && known.c.receipt === c.receipt ? known.acked : false, log: known?.log || [] });
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

function rerender() {
  const list = $('#cases');
  const sorted = [...cases.values()].sort((a, b) => (a.c.due_date || '9999').localeCompare(b.c.due_date || '9999'));
  list.replaceChildren(...sorted.map(card));
  applyLang(list);
  $('#no-cases').hidden = cases.size > 0;
}
document.addEventListener('langchange', rerender);

function card(entry) {
  const { c } = entry;
  const r = c.report;
  const id = `case-${c.case_id.replace(/[^A-Za-z0-9]/g, '-')}`;
  const facts = [
    [L('Nomor registrasi', 'Registration number'), c.registration_number],
    [L('Diteruskan', 'Forwarded'), fmtTime(c.forwarded_at)],
    [L('Batas waktu', 'Due date'), fmtDate(c.due_date)],
    [L('Jenis', 'Kind'), label(KIND, r.kind)],
    [L('Kategori', 'Category'), catLabel(r.category)],
    [L('Lokasi', 'Location'), locationText(r.location)],
    [L('Tanggal kejadian', 'Date of the event'), r.incident_date ? fmtDate(r.incident_date, { weekday: false }) : '–'],
    [L('Saluran', 'Channel'), label(CHANNEL, r.channel)],
    [L('Status laporan', 'Report status'), statusLabel(r.status)],
  ];
  const status = h('p', { class: 'status-line', role: 'status', hidden: true });
  const ack = h('button', { type: 'button', class: 'primary' }, L('Terima kasus', 'Acknowledge'));
  ack.hidden = entry.acked;
  ack.addEventListener('click', async () => {
    ack.disabled = true;
    say(status, L('Menerima…', 'Acknowledging…'));
    try {
      const res = await agencyApi(`/v1/agency/cases/${encodeURIComponent(c.case_id)}/ack`, { method: 'POST', body: { receipt: c.receipt } });
      entry.acked = true;
      entry.log.push(L(`Diterima ${fmtTime(res.acknowledged_at)}`, `Acknowledged ${fmtTime(res.acknowledged_at)}`));
      rerender();
      say($(`#${id} .status-line`), L('Kasus diterima.', 'Case acknowledged.'), 'ok');
    } catch (err) {
      ack.disabled = false;
      say(status, err.message, 'error');
    }
  });

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
      entry.c = { ...entry.c, report: { ...entry.c.report, status: res.report_status } };
      rerender();
      say($(`#${id} .status-line`), L('Respons terkirim.', 'Response sent.'), 'ok');
    } catch (err) {
      say(status, err.message, 'error');
      showErrors(form, err);
    }
  });

  return h('article', { class: `card case${entry.acked ? ' acknowledged' : ''}`, id, 'aria-labelledby': `${id}-t` },
    h('h3', { id: `${id}-t` }, `${r.title} `, h('span', { class: 'muted mono' }, `(${c.case_id})`)),
    h('p', {},
      c.trigger === 'citizen_update'
        ? h('span', { class: 'badge approaching' }, L('Informasi baru dari pelapor', 'New information from the reporter'))
        : h('span', { class: 'badge', 'data-status': 'forwarded' }, L('Kasus baru', 'New case')), ' ',
      entry.acked ? h('span', { class: 'badge', 'data-status': 'completed' }, L('Sudah diterima', 'Acknowledged')) : ''),
    h('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
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
    entry.log.length ? h('ul', { class: 'muted' }, entry.log.map((l) => h('li', {}, l))) : '',
    h('div', { class: 'actions' }, ack),
    form,
    status);
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
