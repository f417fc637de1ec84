// Submit a report: POST /v1/reports with an Idempotency-Key, field errors beside their
// fields, and on success the receipt (number, token, due date) to print or save.

import {
  initPage, api, showErrors, clearErrors, say, $, L, fmtTime, fmtDate, statusLabel, download, copy,
} from './core.js';
import { mountReportForm, idempotency } from './report-form.js';

initPage();

const form = $('#report-form');
const status = $('#submit-status');
const button = form.querySelector('button[type=submit]');
const reportForm = mountReportForm(form, { prefix: 'r-' });
const keyFor = idempotency();
let receipt = null;

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (reportForm.attachments.busy()) {
    say(status, L('Tunggu hingga semua lampiran selesai diunggah.', 'Wait until every attachment has been uploaded.'), 'error');
    return;
  }
  const body = reportForm.collect();
  clearErrors(form);
  button.disabled = true;
  say(status, L('Mengirim laporan…', 'Sending the report…'));
  try {
    const answer = await api('/v1/reports', { method: 'POST', body, headers: { 'Idempotency-Key': keyFor(body) } });
    receipt = { ...answer, title: body.title };
    say(status, '');
    showReceipt();
  } catch (err) {
    say(status, err.message, 'error');
    showErrors(form, err);
  } finally {
    button.disabled = false;
  }
});

function showReceipt() {
  const r = receipt;
  $('#rc-number').textContent = r.registration_number;
  $('#rc-token').textContent = r.tracking_token;
  $('#rc-submitted').textContent = fmtTime(r.submitted_at);
  $('#rc-due').textContent = fmtDate(r.due_date);
  $('#rc-title').textContent = r.title;
  $('#rc-status').textContent = statusLabel(r.status);
  $('#rc-track').href = `lacak.html?nomor=${encodeURIComponent(r.registration_number)}`;
  // The tracking page of this tab opens the full view without retyping the token; the
  // token leaves with the tab (sessionStorage), never in a URL.
  try { sessionStorage.setItem(`lapor-token:${r.registration_number}`, r.tracking_token); } catch { /* private mode */ }
  $('#form-section').hidden = true;
  const section = $('#receipt');
  section.hidden = false;
  section.focus();
  window.scrollTo(0, 0);
}

document.addEventListener('langchange', () => { if (receipt) showReceipt(); });

function receiptText() {
  const r = receipt;
  const site = `${location.origin}${location.pathname.replace(/[^/]*$/, '')}lacak.html`;
  return [
    L('LAPOR MAS WAPRES — Tanda terima laporan', 'LAPOR MAS WAPRES — Report receipt'),
    L('Sekretariat Wakil Presiden Republik Indonesia', "Vice President's Secretariat of the Republic of Indonesia"),
    '',
    `${L('Nomor registrasi', 'Registration number')}: ${r.registration_number}`,
    `${L('Token pelacakan', 'Tracking token')}: ${r.tracking_token}`,
    `${L('Diterima', 'Received')}: ${fmtTime(r.submitted_at)}`,
    `${L('Batas waktu (14 hari kerja)', 'Due date (14 working days)')}: ${fmtDate(r.due_date)}`,
    `${L('Judul', 'Title')}: ${r.title}`,
    '',
    L(`Lacak: ${site}`, `Track: ${site}`),
    L(`WhatsApp 0811 1704 2207: CEK ${r.registration_number}`, `WhatsApp 0811 1704 2207: CEK ${r.registration_number}`),
    L('Simpan token ini: token tidak dapat ditampilkan lagi.', 'Keep this token: it cannot be shown again.'),
    '',
  ].join('\n');
}

$('#rc-print').addEventListener('click', () => window.print());
$('#rc-download').addEventListener('click', () => download(`lapor-${receipt.registration_number}.txt`, receiptText()));
$('#rc-copy').addEventListener('click', (e) => copy(receipt.tracking_token, e.currentTarget));
$('#rc-new').addEventListener('click', () => {
  receipt = null;
  reportForm.reset();
  $('#receipt').hidden = true;
  $('#form-section').hidden = false;
  form.querySelector('input, textarea, select').focus();
});
