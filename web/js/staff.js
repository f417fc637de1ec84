// The Secretariat's console: sign-in (Cognito hosted UI with authorization code + PKCE in
// production; a pasted dev token locally), the triage queue by due date (reports back for
// re-routing first; filtered by assignee), a report's detail with identity, its cases
// (state, deadlines, lateness, declines with the bodies they suggest, withdrawal), the
// decisions (analysis, forward or add bodies chosen by name from the whole directory,
// request info and reject from answer templates), assignment and internal notes; the
// supervisors' escalations; and the walk-in desk's intake form.

import {
  initPage, api, ApiError, showErrors, clearErrors, say, h, $, $$, L, applyLang, fmtTime, fmtDate, categories,
  label, actorLabel, eventLabel, KIND, PRIVACY, CHANNEL, RESPONSE_KIND,
} from './core.js';
import { attachmentList } from './links.js';
import { locationText } from './geo.js';
import { bodyPicker, CASE_STATE } from './directory.js';
import { mountReportForm, idempotency } from './report-form.js';

initPage();

const TOKEN_KEY = 'lapor-staff-token';
const PKCE_KEY = 'lapor-staff-pkce';
let token = null;
let config = { staff_auth: { kind: 'dev-token' } };

// ---- Tokens ----

function b64urlDecode(part) {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}
function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
/** The token's claims (read for display and to choose the tabs; the API verifies it). */
function claims(t) {
  try { return JSON.parse(b64urlDecode(t.split('.')[1])); } catch { return null; }
}
function groups(c) {
  let g = c?.['cognito:groups'] ?? [];
  if (typeof g === 'string') g = g.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
  return g;
}
const expired = (c) => !c || (typeof c.exp === 'number' && c.exp * 1000 < Date.now());

const auth = () => ({ Authorization: `Bearer ${token}` });

// ---- Cognito hosted UI: authorization code with PKCE ----

const redirectUri = () => config.staff_auth.redirect_uri || `${location.origin}${location.pathname}`;

async function cognitoSignIn() {
  const a = config.staff_auth;
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const q = new URLSearchParams({
    response_type: 'code', client_id: a.client_id, redirect_uri: redirectUri(), scope: a.scope || 'openid email',
    state, code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(`${a.domain}/oauth2/authorize?${q}`);
}

/** Back from the hosted UI with ?code&state: exchange the code for tokens. */
async function cognitoCallback() {
  const q = new URLSearchParams(location.search);
  const code = q.get('code');
  if (!code) return false;
  history.replaceState(null, '', location.pathname);
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || 'null');
  sessionStorage.removeItem(PKCE_KEY);
  if (!saved || saved.state !== q.get('state')) throw new Error(L('Proses masuk tidak sah. Coba lagi.', 'The sign-in could not be verified. Try again.'));
  const res = await fetch(`${config.staff_auth.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', client_id: config.staff_auth.client_id, code, redirect_uri: redirectUri(), code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(L('Gagal masuk. Coba lagi.', 'Sign-in failed. Try again.'));
  const tokens = await res.json();
  // The access token carries the groups and the client id the API's authorizer checks.
  signIn(tokens.access_token);
  return true;
}

function signIn(t) {
  token = t;
  sessionStorage.setItem(TOKEN_KEY, t);
  showConsole();
}

function signOut(message) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('#console').hidden = true;
  showSignIn();
  if (message) say($('#signin-status'), message, 'error');
  if (config.staff_auth.kind === 'cognito' && !message) {
    const q = new URLSearchParams({ client_id: config.staff_auth.client_id, logout_uri: redirectUri() });
    location.assign(`${config.staff_auth.domain}/logout?${q}`);
  }
}

function showSignIn() {
  $('#signin').hidden = false;
  const cognito = config.staff_auth.kind === 'cognito';
  $('#signin-cognito').hidden = !cognito;
  $('#signin-dev').hidden = cognito;
}

$('#cognito-signin').addEventListener('click', () => cognitoSignIn());
$('#signin-dev').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const t = form.elements.token.value.trim().replace(/^Bearer\s+/i, '');
  const c = claims(t);
  clearErrors(form);
  if (!c || expired(c)) {
    showErrors(form, { message: L('Token tidak dapat dibaca atau sudah kedaluwarsa.', 'The token cannot be read or has expired.'), code: 'bad', fields: [] }, { bad: 'token' });
    return;
  }
  form.reset();
  signIn(t);
});
$('#signout').addEventListener('click', () => signOut());

/** Staff API call; a 401 (expired or refused token) signs out. */
async function staffApi(path, opts = {}) {
  try {
    return await api(path, { ...opts, headers: { ...auth(), ...(opts.headers || {}) } });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signOut(L('Sesi berakhir atau token ditolak. Silakan masuk lagi.', 'The session ended or the token was refused. Sign in again.'));
    }
    throw err;
  }
}

// ---- Console ----

let isAnalyst = false;
let isDesk = false;
let isSupervisor = false;
let me = '';
const TABS = ['queue', 'desk', 'escalations'];

function showConsole() {
  const c = claims(token);
  const g = groups(c);
  isAnalyst = g.includes('analyst');
  isDesk = g.includes('desk');
  isSupervisor = g.includes('supervisor');
  // The user name the API records (`username` of an access token, `cognito:username` of an ID token).
  me = c?.username || c?.['cognito:username'] || c?.sub || '';
  $('#signin').hidden = true;
  say($('#signin-status'), '');
  $('#console').hidden = false;
  $('#whoami').textContent = L(`Masuk sebagai ${c?.email || c?.username || c?.sub || '?'} (grup: ${g.join(', ') || '–'})`,
    `Signed in as ${c?.email || c?.username || c?.sub || '?'} (groups: ${g.join(', ') || '–'})`);
  $('#queue-forbidden').hidden = isAnalyst;
  $('#queue-area').hidden = !isAnalyst;
  $('#desk-forbidden').hidden = isDesk;
  $('#desk-form').hidden = !isDesk;
  $('#tab-escalations').hidden = !isSupervisor;
  selectTab(isAnalyst ? 'queue' : isSupervisor ? 'escalations' : isDesk ? 'desk' : 'queue');
  if (isAnalyst) loadQueue();
}

function selectTab(name) {
  for (const t of TABS) {
    const tab = $(`#tab-${t}`);
    tab.setAttribute('aria-selected', String(t === name));
    tab.tabIndex = t === name ? 0 : -1;
    $(`#panel-${t}`).hidden = t !== name;
  }
  if (name === 'escalations' && isSupervisor) loadEscalations();
}
for (const t of TABS) $(`#tab-${t}`).addEventListener('click', () => selectTab(t));
$('.tabs').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
  const shown = TABS.filter((t) => !$(`#tab-${t}`).hidden);
  const at = shown.findIndex((t) => $(`#tab-${t}`).getAttribute('aria-selected') === 'true');
  const next = shown[(at + (e.key === 'ArrowRight' ? 1 : shown.length - 1)) % shown.length];
  selectTab(next);
  $(`#tab-${next}`).focus();
});

// ---- Queue ----

let cursor = null;
let selected = null;
let catNames = {};
categories().then((cs) => { catNames = Object.fromEntries(cs.map((c) => [c.code, c])); }).catch(() => {});
let templatesPromise = null;
/** The answer templates (`GET /v1/staff/templates`), once. */
const templates = () => {
  templatesPromise ??= staffApi('/v1/staff/templates').then((r) => r.templates).catch(() => { templatesPromise = null; return []; });
  return templatesPromise;
};

const catLabel = (code) => (code && catNames[code] ? L(catNames[code].name_id, catNames[code].name_en) : code || L('Belum diklasifikasi', 'Not classified'));
const who = (name) => (name ? (name === me ? L(`${name} (Anda)`, `${name} (you)`) : name) : '–');

$('#filters').addEventListener('submit', (e) => { e.preventDefault(); loadQueue(); });
for (const f of ['#f-status', '#f-overdue', '#f-assignee']) $(f).addEventListener('change', () => loadQueue());
$('#more').addEventListener('click', () => loadQueue({ more: true }));
document.addEventListener('langchange', () => {
  if (!token) return;
  if (isAnalyst) loadQueue();
  if (selected) openReport(selected, { focus: false });
  if (isSupervisor && !$('#panel-escalations').hidden) loadEscalations();
});

async function loadQueue({ more = false } = {}) {
  const q = new URLSearchParams({ limit: '25' });
  const f = $('#filters').elements;
  if (f.status.value) q.set('status', f.status.value);
  if (f.overdue.value) q.set('overdue', f.overdue.value);
  if (f.assignee.value) q.set('assignee', f.assignee.value);
  if (more && cursor) q.set('cursor', cursor);
  const status = $('#queue-status');
  say(status, L('Memuat antrean…', 'Loading the queue…'));
  try {
    const page = await staffApi(`/v1/staff/reports?${q}`);
    cursor = page.next_cursor;
    const body = $('#queue tbody');
    if (!more) body.replaceChildren();
    for (const r of page.reports) body.append(queueRow(r));
    $('#more').hidden = !cursor;
    say(status, body.children.length ? '' : L('Tidak ada laporan untuk saringan ini.', 'No reports for this filter.'));
  } catch (err) {
    say(status, err.message, 'error');
  }
}

function slaBadges(r) {
  return [
    r.rerouting ? h('span', { class: 'badge rerouting' }, L('Perlu dialihkan', 'To re-route')) : '',
    r.overdue ? h('span', { class: 'badge overdue' }, L('Terlambat', 'Overdue')) : '',
    !r.overdue && r.sla_flag === 'approaching' ? h('span', { class: 'badge approaching' }, L('Mendekati batas', 'Due soon')) : '',
  ];
}

function queueRow(r) {
  const open = h('button', { type: 'button', class: 'row-open mono' }, r.registration_number);
  open.addEventListener('click', () => openReport(r.registration_number));
  return h('tr', {
    class: [r.overdue ? 'is-overdue' : '', r.rerouting ? 'is-rerouting' : ''].join(' ').trim() || null,
    'data-number': r.registration_number, 'aria-selected': String(selected === r.registration_number),
  },
  h('td', {}, open),
  h('td', {}, h('div', {}, r.title),
    h('div', { class: 'muted' }, [label(KIND, r.kind), catLabel(r.category), label(CHANNEL, r.channel), label(PRIVACY, r.privacy)].join(' · '))),
  h('td', {}, h('span', { class: 'badge', 'data-status': r.status }, r.status_label), ' ', slaBadges(r)[0],
    h('div', { class: 'muted assignee' }, r.assignee ? L(`Ditangani ${who(r.assignee)}`, `With ${who(r.assignee)}`) : L('Belum ditugaskan', 'Unassigned'))),
  h('td', {}, h('div', {}, fmtDate(r.due_date, { weekday: false })), ...slaBadges(r).slice(1)));
}

// ---- Detail ----

async function openReport(number, { focus = true } = {}) {
  if (selected !== number) {
    say($('#d-status'), '');
    for (const id of ['#assign-status', '#note-status']) say($(id), '');
  }
  selected = number;
  for (const tr of $$('#queue tbody tr')) tr.setAttribute('aria-selected', String(tr.dataset.number === number));
  const detail = $('#detail');
  detail.hidden = false;
  try {
    const v = await staffApi(`/v1/staff/reports/${encodeURIComponent(number)}`);
    renderDetail(v);
    if (focus) detail.focus();
  } catch (err) {
    $('#d-title').textContent = number;
    $('#d-actions').replaceChildren(h('p', { class: 'status-line', 'data-kind': 'error' }, err.message));
  }
}

// The report's evidence: the submission's files and those sent with updates.
function attachmentLinks(v) {
  const ids = [...new Set([...(v.attachments || []), ...(v.timeline || []).flatMap((ev) => ev.attachments || [])])];
  return attachmentList(ids, (id) => staffApi(`/v1/staff/reports/${encodeURIComponent(v.registration_number)}/attachments/${encodeURIComponent(id)}`));
}

function renderDetail(v) {
  $('#d-title').textContent = `${v.registration_number} — ${v.title}`;
  $('#d-badges').replaceChildren(h('span', { class: 'badge', 'data-status': v.status }, v.status_label), ' ', ...slaBadges(v));
  $('#d-rerouting').hidden = !v.rerouting;
  $('#d-assignee').textContent = v.assignee
    ? L(`Ditugaskan ke: ${who(v.assignee)}`, `Assigned to: ${who(v.assignee)}`)
    : L('Belum ditugaskan ke analis mana pun.', 'Not assigned to any analyst yet.');
  $('#assign-me').hidden = v.assignee === me;
  $('#unassign').hidden = !v.assignee;
  const facts = [
    [L('Jenis', 'Kind'), label(KIND, v.kind)],
    [L('Kategori', 'Category'), catLabel(v.category)],
    [L('Lokasi', 'Location'), locationText(v.location)],
    [L('Tanggal kejadian', 'Date of the event'), v.incident_date ? fmtDate(v.incident_date, { weekday: false }) : '–'],
    [L('Saluran', 'Channel'), label(CHANNEL, v.channel)],
    [L('Kerahasiaan', 'Privacy'), label(PRIVACY, v.privacy)],
    [L('Diterima', 'Received'), fmtTime(v.submitted_at)],
    [L('Batas waktu', 'Due date'), fmtDate(v.due_date)],
    [L('Lampiran', 'Attachments'), String(v.attachments.length)],
  ];
  if (v.needs_info_since) facts.push([L('Data diminta', 'Information requested'), fmtTime(v.needs_info_since)]);
  if (v.reject_reason) facts.push([L('Alasan penolakan', 'Rejection reason'), v.reject_reason.label]);
  $('#d-facts').replaceChildren(...facts.flatMap(([k, x]) => [h('dt', {}, k), h('dd', {}, x)]));
  $('#d-description').textContent = v.description;
  $('#d-attachments').replaceChildren(...attachmentLinks(v));

  const rep = v.reporter;
  $('#d-reporter').replaceChildren(rep
    ? h('dl', { class: 'facts' },
      h('dt', {}, L('Nama', 'Name')), h('dd', {}, rep.name),
      h('dt', {}, 'NIK'), h('dd', { class: 'mono' }, rep.nik),
      h('dt', {}, L('Telepon', 'Phone')), h('dd', { class: 'mono' }, rep.phone),
      h('dt', {}, L('Surel', 'E-mail')), h('dd', {}, rep.email || '–'))
    : h('p', { class: 'muted' }, L('Anonim: tidak ada identitas.', 'Anonymous: no identity.')));
  if (rep && v.privacy === 'confidential') {
    $('#d-reporter').append(h('p', { class: 'note' }, L('Rahasia: identitas ini tidak diteruskan ke instansi.', 'Confidential: this identity is not passed on to the agencies.')));
  }

  $('#d-actions').replaceChildren(...actions(v));
  applyLang($('#d-actions'));

  $('#d-cases').replaceChildren(v.cases.length
    ? h('ul', { class: 'cases' }, v.cases.map((c) => caseItem(v, c)))
    : h('p', { class: 'muted' }, L('Belum diteruskan.', 'Not forwarded yet.')));

  const names = Object.fromEntries(v.cases.map((c) => [c.agency.code, c.agency.name]));
  $('#d-timeline').replaceChildren(...v.timeline.map((ev) => h('li', {},
    h('time', { datetime: ev.at }, fmtTime(ev.at)),
    h('strong', {}, eventLabel(ev)), ' ', h('span', { class: 'who' }, `— ${actorLabel(ev.actor, names)}`),
    ev.note ? h('blockquote', {}, ev.note) : '')));
  $('#d-notes').replaceChildren(...(v.internal_notes.length
    ? v.internal_notes.map((n) => h('li', {}, h('span', { class: 'muted' }, `${fmtTime(n.at)} · ${n.by || actorLabel(n.actor, names)}: `), n.note))
    : [h('li', { class: 'muted' }, L('Tidak ada.', 'None.'))]));
}

const ACTIVE = ['forwarded', 'acknowledged', 'answered'];
const WITH_AGENCIES = ['forwarded', 'responded'];

/** Codes of the bodies whose case of the latest round still counts. */
function activeBodies(v) {
  const round = Math.max(0, ...v.cases.map((c) => c.round));
  return new Set(v.cases.filter((c) => c.round === round && !['declined', 'withdrawn'].includes(c.state)).map((c) => c.agency.code));
}

/** Forwards (in analysis) or adds (with agencies) one body: the one-click of a suggestion. */
async function sendTo(v, agency, status) {
  const n = v.registration_number;
  const path = v.status === 'in_analysis' ? 'forward' : 'agencies';
  say($('#d-status'), '');
  say(status, L('Meneruskan…', 'Forwarding…'));
  try {
    const r = await staffApi(`/v1/staff/reports/${encodeURIComponent(n)}/${path}`, { method: 'POST', body: { agencies: [agency.code] } });
    say(status, '');
    await Promise.all([loadQueue(), openReport(n, { focus: false })]);
    say($('#d-status'), L(`Diteruskan ke ${agency.name}. Status sekarang: ${r.status_label}.`, `Forwarded to ${agency.name}. The status is now: ${r.status_label}.`), 'ok');
  } catch (err) {
    say(status, err.message, 'error');
  }
}

/** One case: its body, state, deadlines, lateness, and a decline's or withdrawal's details. */
function caseItem(v, c) {
  const status = h('p', { class: 'status-line', role: 'status', hidden: true });
  const active = activeBodies(v);
  const canSend = ['in_analysis', ...WITH_AGENCIES].includes(v.status);
  const dates = [
    L(`putaran ${c.round}`, `round ${c.round}`),
    L(`diteruskan ${fmtTime(c.forwarded_at)}`, `forwarded ${fmtTime(c.forwarded_at)}`),
    c.acknowledged_at ? L(`diterima ${fmtTime(c.acknowledged_at)}`, `acknowledged ${fmtTime(c.acknowledged_at)}`) : L('belum diterima instansi', 'not acknowledged yet'),
    c.last_response_kind ? label(RESPONSE_KIND, c.last_response_kind) : '',
    c.final_at ? L(`selesai ${fmtTime(c.final_at)}`, `final ${fmtTime(c.final_at)}`) : '',
  ].filter(Boolean).join(' · ');
  const out = h('li', { class: 'case-item', 'data-agency': c.agency.code, 'data-state': c.state },
    h('p', {}, h('strong', {}, c.agency.name), ' ',
      h('span', { class: 'badge', 'data-state': c.state }, label(CASE_STATE, c.state)), ' ',
      c.late ? h('span', { class: 'badge overdue' }, c.late.deadline === 'response'
        ? L(`Terlambat: respons awal (batas ${fmtDate(c.late.due_date, { weekday: false })})`, `Late: first response (due ${fmtDate(c.late.due_date, { weekday: false })})`)
        : L(`Terlambat: jawaban akhir (batas ${fmtDate(c.late.due_date, { weekday: false })})`, `Late: final answer (due ${fmtDate(c.late.due_date, { weekday: false })})`)) : '', ' ',
      c.escalated ? h('span', { class: 'badge approaching' }, L('Sudah dieskalasi', 'Escalated')) : ''),
    h('p', { class: 'muted' }, dates),
    ACTIVE.includes(c.state) || c.state === 'completed' ? h('p', { class: 'muted' },
      L(`Batas respons awal: ${fmtDate(c.response_due_date, { weekday: false })} · batas jawaban akhir: ${fmtDate(c.completion_due_date, { weekday: false })}`,
        `First response due: ${fmtDate(c.response_due_date, { weekday: false })} · final answer due: ${fmtDate(c.completion_due_date, { weekday: false })}`)) : '');
  if (c.declined) {
    const d = c.declined;
    out.append(h('div', { class: 'declined' },
      h('p', {}, h('strong', {}, L('Ditolak instansi: ', 'Declined by the body: ')), d.reason.label, h('span', { class: 'muted' }, ` (${fmtTime(d.at)})`)),
      d.note ? h('blockquote', {}, d.note) : '',
      d.suggested_agencies.length
        ? h('div', {}, h('p', { class: 'label' }, L('Instansi yang diusulkan:', 'Bodies it suggests:')),
          h('ul', { class: 'suggested' }, d.suggested_agencies.map((a) => h('li', {}, `${a.name} `, h('span', { class: 'muted mono' }, `(${a.code})`), ' ',
            canSend && !active.has(a.code)
              ? h('button', { type: 'button', class: 'secondary small', onclick: () => sendTo(v, a, status) },
                L(`Teruskan ke ${a.name}`, `Forward to ${a.name}`))
              : active.has(a.code) ? h('span', { class: 'muted' }, L('(sudah menangani)', '(already has it)')) : ''))))
        : h('p', { class: 'muted' }, L('Tidak ada usulan instansi lain.', 'No other body suggested.'))));
  }
  if (c.withdrawn) {
    out.append(h('p', { class: 'declined' }, h('strong', {}, L('Ditarik Setwapres: ', 'Withdrawn by the Secretariat: ')), c.withdrawn.reason,
      h('span', { class: 'muted' }, ` (${fmtTime(c.withdrawn.at)})`)));
  }
  if (ACTIVE.includes(c.state) && WITH_AGENCIES.includes(v.status)) out.append(withdrawForm(v, c, status));
  out.append(status);
  return out;
}

function withdrawForm(v, c, status) {
  const id = `wd-${c.case_id.replace(/[^A-Za-z0-9]/g, '-')}`;
  const form = h('form', { novalidate: true, class: 'withdraw-form' },
    h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true }),
    h('div', { class: 'field' },
      h('label', { class: 'label', for: id }, L('Alasan penarikan (dikirim ke instansi; tidak terlihat pelapor)', 'Why it is withdrawn (sent to the body; not seen by the reporter)')),
      h('textarea', { id, name: 'reason', rows: 2, maxlength: 2000, required: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, L(`Tarik dari ${c.agency.name}`, `Withdraw from ${c.agency.name}`))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    say($('#d-status'), '');
    say(status, L('Menarik…', 'Withdrawing…'));
    const n = v.registration_number;
    try {
      const r = await staffApi(`/v1/staff/reports/${encodeURIComponent(n)}/cases/${encodeURIComponent(c.agency.code)}/withdraw`, { method: 'POST', body: { reason: form.elements.reason.value.trim() } });
      await Promise.all([loadQueue(), openReport(n, { focus: false })]);
      say($('#d-status'), L(`Ditarik dari ${c.agency.name}. Status sekarang: ${r.status_label}.`, `Withdrawn from ${c.agency.name}. The status is now: ${r.status_label}.`), 'ok');
    } catch (err) {
      say(status, err.message, 'error');
      showErrors(form, err);
    }
  });
  return h('details', { class: 'withdraw' }, h('summary', {}, L('Tarik kasus dari instansi ini', 'Withdraw the case from this body')), form);
}

// ---- Assignment and internal notes ----

async function assign(body) {
  const status = $('#assign-status');
  const n = selected;
  const form = $('#assign-form');
  clearErrors(form);
  say(status, L('Menyimpan…', 'Saving…'));
  try {
    const r = await staffApi(`/v1/staff/reports/${encodeURIComponent(n)}/assign`, { method: 'POST', body });
    form.reset();
    await Promise.all([loadQueue(), openReport(n, { focus: false })]);
    say(status, r.assignee ? L(`Ditugaskan ke ${who(r.assignee)}.`, `Assigned to ${who(r.assignee)}.`) : L('Penugasan dilepas.', 'Unassigned.'), 'ok');
  } catch (err) {
    say(status, err.message, 'error');
    showErrors(form, err);
  }
}
$('#assign-me').addEventListener('click', () => assign({}));
$('#unassign').addEventListener('click', () => assign({ analyst: null }));
$('#assign-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = e.currentTarget.elements.analyst.value.trim();
  if (!name) {
    showErrors(e.currentTarget, { message: L('Isi nama pengguna analis.', 'Enter the analyst’s user name.'), code: 'required', fields: [] }, { required: 'analyst' });
    return;
  }
  assign({ analyst: name });
});

$('#note-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const status = $('#note-status');
  const n = selected;
  clearErrors(form);
  say(status, L('Menyimpan…', 'Saving…'));
  try {
    await staffApi(`/v1/staff/reports/${encodeURIComponent(n)}/notes`, { method: 'POST', body: { text: form.elements.text.value.trim() } });
    form.reset();
    await openReport(n, { focus: false });
    say(status, L('Catatan tersimpan (hanya untuk petugas).', 'Note saved (staff only).'), 'ok');
  } catch (err) {
    say(status, err.message, 'error');
    showErrors(form, err);
  }
});

/** A select of the answer templates of `kind`; choosing one calls `onPick(template)`. */
function templateSelect(id, kind, onPick) {
  const select = h('select', { id }, h('option', { value: '' }, L('— Tanpa templat —', '— No template —')));
  let list = [];
  templates().then((all) => {
    list = all.filter((t) => t.kind === kind);
    select.append(...list.map((t) => h('option', { value: t.id }, L(t.title.id, t.title.en))));
  });
  select.addEventListener('change', () => { const t = list.find((x) => x.id === select.value); if (t) onPick(t); });
  return h('div', { class: 'field' },
    h('label', { class: 'label', for: id }, L('Templat jawaban', 'Answer template')),
    h('p', { class: 'hint' }, L('Mengisi pesan di bawah dalam Bahasa Indonesia; ubah bila perlu sebelum mengirim.', 'Fills the message below in Bahasa Indonesia; edit it as needed before sending.')),
    select);
}

/** The decisions the report's status allows (the API refuses any other: 409). */
function actions(v) {
  const out = [];
  const n = v.registration_number;
  const done = async (form, status, path, body) => {
    clearErrors(form);
    say($('#d-status'), '');
    say(status, L('Menyimpan…', 'Saving…'));
    try {
      const r = await staffApi(`/v1/staff/reports/${encodeURIComponent(n)}/${path}`, { method: 'POST', body });
      say(status, '');
      await Promise.all([loadQueue(), openReport(n)]);
      say($('#d-status'), L(`Tersimpan. Status sekarang: ${r.status_label}.`, `Saved. The status is now: ${r.status_label}.`), 'ok');
    } catch (err) {
      say(status, err.message, 'error');
      showErrors(form, err);
    }
  };
  const section = (id, titleId, titleEn, ...children) => {
    const status = h('p', { class: 'status-line', role: 'status', hidden: true });
    const form = h('form', { class: 'card', novalidate: true, id, 'aria-labelledby': `${id}-t` },
      h('h3', { id: `${id}-t`, 'data-en': titleEn }, titleId),
      h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true }),
      ...children, status);
    return { form, status };
  };
  /** Ticked bodies and a picker for any body of the directory, by name. */
  const agencyPicks = (legendId, legendEn, pickId = 'Instansi lain (cari dengan nama)', pickEn = 'Another body (search by name)') => {
    const picks = h('div', { class: 'agency-picks' });
    const addPick = (code, name, checked, note = '') => {
      const existing = $(`input[value="${CSS.escape(code)}"]`, picks);
      if (existing) { if (checked) existing.checked = true; return; }
      picks.append(h('label', { class: 'choice block' },
        h('input', { type: 'checkbox', name: 'agencies', value: code, checked }),
        h('span', {}, `${name} `, h('span', { class: 'muted mono' }, `(${code})`), note ? h('span', { class: 'muted' }, ` — ${note}`) : '')));
    };
    const fieldset = h('fieldset', { class: 'field', 'data-field': 'agencies' },
      h('legend', { 'data-en': legendEn }, legendId),
      picks,
      bodyPicker({ labelId: pickId, labelEn: pickEn, onPick: (a) => addPick(a.code, a.name, true) }));
    return { fieldset, addPick };
  };

  if (v.status === 'received') {
    const { form, status } = section('act-analysis', 'Mulai analisis', 'Start the analysis',
      field('textarea', 'note', 'Catatan internal (opsional)', 'Internal note (optional)', { rows: 2, maxlength: 2000 }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', 'data-en': 'Start analysis' }, 'Mulai analisis')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const note = form.elements.note.value.trim();
      done(form, status, 'analysis', note ? { note } : {});
    });
    out.push(form);
  }

  if (v.status === 'in_analysis') {
    const { fieldset, addPick } = agencyPicks(
      v.rerouting ? 'Instansi (usulan instansi yang menolak sudah dicentang)' : 'Instansi (yang disarankan sudah dicentang)',
      v.rerouting ? 'Bodies (those suggested by the declining bodies are ticked)' : 'Bodies (suggested ones are ticked)');
    // Back for re-routing: the bodies that declined or were withdrawn are not ticked again;
    // those they suggested are.
    const round = Math.max(0, ...v.cases.map((c) => c.round));
    const closed = new Map(v.cases.filter((c) => c.round === round && ['declined', 'withdrawn'].includes(c.state)).map((c) => [c.agency.code, c.state]));
    const fromDeclines = v.cases.filter((c) => c.round === round && c.declined).flatMap((c) => c.declined.suggested_agencies);
    for (const a of fromDeclines) addPick(a.code, a.name, true, L('diusulkan instansi yang menolak', 'suggested by a declining body'));
    for (const a of v.suggested_agencies) {
      const state = v.rerouting ? closed.get(a.code) : undefined;
      addPick(a.code, a.name, !state && !(v.rerouting && fromDeclines.length), state ? label(CASE_STATE, state) : '');
    }
    const catSelect = h('select', { name: 'category', id: 'fw-category' },
      h('option', { value: '', 'data-en': `Keep: ${catLabel(v.category)}` }, `Tetap: ${catLabel(v.category)}`),
      ...Object.values(catNames).map((c) => h('option', { value: c.code, 'data-en': c.name_en }, c.name_id)));
    const { form, status } = section('act-forward', 'Teruskan ke instansi', 'Forward to agencies',
      fieldset,
      h('div', { class: 'field' }, h('label', { class: 'label', for: 'fw-category', 'data-en': 'Category' }, 'Kategori'), catSelect),
      field('textarea', 'note', 'Catatan untuk instansi (opsional; tidak terlihat pelapor)', 'Note to the agencies (optional; not seen by the reporter)', { rows: 2, maxlength: 2000 }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', 'data-en': 'Forward' }, 'Teruskan')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { agencies: $$('input[name=agencies]:checked', form).map((c) => c.value) };
      if (form.elements.category.value) body.category = form.elements.category.value;
      const note = form.elements.note.value.trim();
      if (note) body.note = note;
      done(form, status, 'forward', body);
    });
    out.push(form);

    const message = field('textarea', 'message', 'Apa yang perlu dilengkapi pelapor (terlihat oleh pelapor; 10–2.000 karakter, tanpa data pribadi)', 'What the reporter should add (seen by the reporter; 10–2,000 characters, no personal data)', { rows: 3, maxlength: 2000 });
    const ri = section('act-info', 'Minta kelengkapan data', 'Ask for more information',
      templateSelect('ri-template', 'request_info', (t) => { $('textarea', message).value = t.text.id; }),
      message,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary', 'data-en': 'Send the request' }, 'Kirim permintaan')));
    ri.form.addEventListener('submit', (e) => {
      e.preventDefault();
      done(ri.form, ri.status, 'request-info', { message: ri.form.elements.message.value.trim() });
    });
    out.push(ri.form);
  }

  if (WITH_AGENCIES.includes(v.status)) {
    const { fieldset } = agencyPicks('Instansi tambahan', 'Bodies to add', 'Instansi (cari dengan nama)', 'Body (search by name)');
    const { form, status } = section('act-add', 'Teruskan juga ke instansi lain', 'Also forward to other bodies',
      h('p', { class: 'hint' }, L('Instansi yang sedang menangani tetap menangani; yang ditambahkan mendapat kasus baru dengan batas waktunya sendiri.', 'The bodies handling it keep their cases; each one added gets a new case with its own deadlines.')),
      fieldset,
      field('textarea', 'note', 'Catatan untuk instansi (opsional; tidak terlihat pelapor)', 'Note to the agencies (optional; not seen by the reporter)', { rows: 2, maxlength: 2000 }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary', 'data-en': 'Add the bodies' }, 'Tambahkan instansi')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { agencies: $$('input[name=agencies]:checked', form).map((c) => c.value) };
      const note = form.elements.note.value.trim();
      if (note) body.note = note;
      done(form, status, 'agencies', body);
    });
    out.push(form);
  }

  if (['received', 'in_analysis', 'needs_info'].includes(v.status)) {
    const reasons = [
      ['not_within_authority', 'Bukan kewenangan instansi pemerintah mana pun', 'Not within any government body’s authority'],
      ['duplicate', 'Sama dengan laporan lain', 'Duplicate of another report'],
      ['in_court', 'Sedang dalam proses peradilan', 'Before a court'],
      ['out_of_scope', 'Di luar cakupan layanan pengaduan', 'Outside the complaint service'],
    ];
    const dup = field('input', 'duplicate_of', 'Nomor laporan yang sama', 'Number of the duplicated report', { class: 'mono', autocomplete: 'off' });
    dup.hidden = true;
    const reason = h('select', { name: 'reason', id: 'rj-reason' }, reasons.map(([c, i, e]) => h('option', { value: c, 'data-en': e }, i)));
    reason.addEventListener('change', () => { dup.hidden = reason.value !== 'duplicate'; });
    const message = field('textarea', 'message', 'Pesan untuk pelapor (opsional; terlihat oleh pelapor di samping alasannya, 10–2.000 karakter)', 'Message to the reporter (optional; seen by the reporter beside the reason, 10–2,000 characters)', { rows: 3, maxlength: 2000 });
    const rj = section('act-reject', 'Tolak laporan', 'Reject the report',
      templateSelect('rj-template', 'reject', (t) => {
        if (t.reason && [...reason.options].some((o) => o.value === t.reason)) reason.value = t.reason;
        dup.hidden = reason.value !== 'duplicate';
        $('textarea', message).value = t.text.id;
      }),
      h('div', { class: 'field' }, h('label', { class: 'label', for: 'rj-reason', 'data-en': 'Reason (the reporter sees it)' }, 'Alasan (terlihat oleh pelapor)'), reason),
      dup,
      message,
      field('textarea', 'note', 'Catatan internal (opsional)', 'Internal note (optional)', { rows: 2, maxlength: 2000 }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary', 'data-en': 'Reject' }, 'Tolak')));
    rj.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { reason: reason.value };
      if (reason.value === 'duplicate') body.duplicate_of = rj.form.elements.duplicate_of.value.trim();
      const msg = rj.form.elements.message.value.trim();
      if (msg) body.message = msg;
      const note = rj.form.elements.note.value.trim();
      if (note) body.note = note;
      done(rj.form, rj.status, 'reject', body);
    });
    out.push(rj.form);
  }
  if (!out.length) out.push(h('p', { class: 'muted' }, L('Tidak ada keputusan yang menunggu pada status ini.', 'No decision is pending in this status.')));
  return out;
}

let fieldSeq = 0;
function field(tag, name, labelId, labelEn, attrs = {}) {
  const id = `fld-${name}-${++fieldSeq}`;
  return h('div', { class: 'field' },
    h('label', { class: 'label', for: id, 'data-en': labelEn }, labelId),
    h(tag, { id, name, ...attrs }));
}

// ---- Escalations (supervisors) ----

$('#esc-refresh').addEventListener('click', () => loadEscalations());

async function loadEscalations() {
  const status = $('#esc-status');
  const body = $('#escalations tbody');
  say(status, L('Memuat eskalasi…', 'Loading the escalations…'));
  try {
    const { escalations } = await staffApi('/v1/staff/escalations');
    body.replaceChildren(...escalations.map(escalationRow));
    $('#escalations').hidden = !escalations.length;
    say(status, escalations.length ? '' : L('Tidak ada kasus terlambat atau laporan yang melewati batas waktu.', 'No late cases and no overdue reports.'), escalations.length ? 'info' : 'ok');
  } catch (err) {
    say(status, err.message, 'error');
  }
}

function escalationRow(x) {
  const number = isAnalyst
    ? h('button', { type: 'button', class: 'row-open mono', onclick: () => { selectTab('queue'); openReport(x.registration_number); } }, x.registration_number)
    : h('span', { class: 'mono' }, x.registration_number);
  const what = x.kind === 'case_late'
    ? (x.deadline === 'response' ? L('Instansi belum memberi respons awal', 'No first response from the body') : L('Instansi belum memberi jawaban akhir', 'No final answer from the body'))
    : L('Laporan melewati 14 hari kerja', 'Report past 14 working days');
  return h('tr', { class: 'is-overdue', 'data-number': x.registration_number, 'data-kind': x.kind },
    h('td', {}, number),
    h('td', {}, what, x.escalated ? [' ', h('span', { class: 'badge approaching' }, x.kind === 'case_late' ? L('Sudah diingatkan', 'Reminded') : L('Sudah ditandai', 'Flagged'))] : ''),
    h('td', {}, x.agency ? x.agency.name : '–'),
    h('td', {}, fmtDate(x.due_date, { weekday: false })),
    h('td', {}, L(`${x.working_days_late} hari kerja`, `${x.working_days_late} working day(s)`)),
    h('td', {}, x.status_label));
}

// ---- Desk ----

const deskForm = $('#desk-form');
const desk = mountReportForm(deskForm, { prefix: 'dk-', forDesk: true });
const deskKey = idempotency();
const deskStatus = $('#desk-status');
deskForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (desk.attachments.busy()) {
    say(deskStatus, L('Tunggu hingga semua lampiran selesai diunggah.', 'Wait until every attachment has been uploaded.'), 'error');
    return;
  }
  const body = desk.collect();
  clearErrors(deskForm);
  say(deskStatus, L('Mencatat…', 'Recording…'));
  try {
    const r = await staffApi('/v1/staff/desk-reports', { method: 'POST', body, headers: { 'Idempotency-Key': deskKey(body) } });
    say(deskStatus, L(`Tercatat: ${r.registration_number}`, `Recorded: ${r.registration_number}`), 'ok');
    $('#desk-receipt-text').textContent = r.receipt_text;
    deskForm.hidden = true;
    $('#desk-receipt').hidden = false;
    $('#desk-receipt').focus();
  } catch (err) {
    say(deskStatus, err.message, 'error');
    showErrors(deskForm, err);
  }
});
$('#desk-print').addEventListener('click', () => window.print());
$('#desk-new').addEventListener('click', () => {
  desk.reset();
  say(deskStatus, '');
  $('#desk-receipt').hidden = true;
  deskForm.hidden = false;
  deskForm.querySelector('input').focus();
});

// ---- Start ----

(async () => {
  try {
    const res = await fetch('config.json', { cache: 'no-cache' });
    if (res.ok) config = await res.json();
  } catch { /* defaults: dev token */ }
  try {
    if (config.staff_auth.kind === 'cognito' && await cognitoCallback()) return;
  } catch (err) {
    showSignIn();
    say($('#signin-status'), err.message, 'error');
    return;
  }
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved && !expired(claims(saved))) { token = saved; showConsole(); } else showSignIn();
})();
