// End-to-end test of the web front end in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core; no browser download), against a running local stack:
//
//   citizen submits with an attachment (after seeing field errors beside the fields) →
//   tracks with the number, then with the token → staff starts the analysis and forwards →
//   the agency acknowledges and gives an initial response → the citizen sees it and adds
//   information with another attachment → the agency sees the update and gives the final
//   response → the citizen sees the report completed and rates it; the desk form answers
//   (a receipt, or "desk closed" outside opening hours); the statistics page draws its
//   charts with the numbers of GET /v1/stats. Re-routing: a report in Kota Bandung forwarded
//   to a ministry without authority is assigned and noted internally, declined in the agency
//   console with a suggestion found by name → it heads the staff queue marked for re-routing →
//   the analyst forwards it to "Pemerintah Kota Bandung" chosen by name → the city government
//   answers finally → the tracking page lists both bodies, their states and the answer, and
//   never the internal notes; answer templates fill a request and a rejection; supervisors
//   see the escalations.
//
// Every page is screenshotted at phone (390 px) and desktop (1280 px) width, checked for
// accessible names, contrast and Content-Security-Policy violations, and measured (bytes
// shipped, raw and gzip).
//
// Environment: LAPOR_WEB_URL (the stack, e.g. http://127.0.0.1:3000), LAPOR_CREDENTIALS
// (its dev-credentials.json), LAPOR_E2E_ARTIFACTS (where screenshots and bytes.json go),
// LAPOR_E2E_DOCS (optional: also write the README's screenshots there).

import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';

const BASE = (process.env.LAPOR_WEB_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');
const CREDS = JSON.parse(readFileSync(process.env.LAPOR_CREDENTIALS || '.local/dev-credentials.json', 'utf8'));
const OUT = process.env.LAPOR_E2E_ARTIFACTS || join(tmpdir(), 'lapor-e2e');
const DOCS = process.env.LAPOR_E2E_DOCS || '';
const ROOT = new URL('../..', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });
if (DOCS) mkdirSync(DOCS, { recursive: true });

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
let passed = 0;
let failed = 0;
const problems = [];

// ---- Test files: a real PNG and a real PDF (the service sniffs the first bytes) ----

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function png(width, height) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([140, 28 + ((x * 3) % 200), 19 + y], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
const PHOTO = { name: 'ijazah-ditahan.png', mimeType: 'image/png', buffer: png(320, 200) };
const PDF = {
  name: 'surat-keterangan-lulus.pdf', mimeType: 'application/pdf',
  buffer: Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
};

// ---- Harness ----

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(err?.stack || err).split('\n').slice(0, 6).join('\n     ')}`);
    throw err;
  }
}

async function api(path, { headers = {} } = {}) {
  const res = await fetch(BASE + path, { headers: { Accept: 'application/json', ...headers } });
  assert(res.ok, `GET ${path}: HTTP ${res.status}`);
  return res.json();
}

async function eventually(what, fn, { timeout = 60000, every = 500 } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) { last = err; }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** Screenshots of the page at phone and desktop width (full page), back to `restore`. */
async function shots(page, name, restore = PHONE) {
  for (const [label, size] of [['390', PHONE], ['1280', DESKTOP]]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(350); // charts redraw on resize
    await page.screenshot({ path: join(OUT, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(restore);
  await page.waitForTimeout(350);
}

/** One README screenshot: the visible part of the page only (kept small), from the top or
 *  from the element `from`. */
async function docShot(page, name, size = PHONE, from = null) {
  if (!DOCS) return;
  const before = page.viewportSize();
  await page.setViewportSize(size);
  await page.waitForTimeout(350);
  await page.evaluate((sel) => {
    const el = sel && document.querySelector(sel);
    if (el) { el.scrollIntoView({ block: 'start' }); window.scrollBy(0, -12); } else window.scrollTo(0, 0);
  }, from);
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(DOCS, `${name}.png`) });
  await page.setViewportSize(before);
  await page.waitForTimeout(350);
}

/** Accessible names, lang, alt texts, unique ids and text contrast of what is visible. */
async function audit(page, name) {
  const found = await page.evaluate(() => {
    const out = [];
    if (!['id', 'en'].includes(document.documentElement.lang)) out.push('html has no lang');
    const visible = (el) => el.getClientRects().length > 0 && !el.closest('[hidden]');
    for (const el of document.querySelectorAll('input, select, textarea, button, a[href]')) {
      if (el.type === 'hidden' || !visible(el)) continue;
      const named = el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
        || (['BUTTON', 'A'].includes(el.tagName) && el.textContent.trim());
      if (!named) out.push(`${el.tagName.toLowerCase()}[name=${el.name || ''}]#${el.id} has no accessible name`);
    }
    for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) out.push(`img ${img.src} has no alt`);
    for (const svg of document.querySelectorAll('svg[role=img]')) if (!svg.getAttribute('aria-label')) out.push('chart without a text alternative');
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    for (const id of new Set(ids.filter((x, i) => ids.indexOf(x) !== i))) out.push(`duplicate id ${id}`);
    // Contrast (WCAG 2): each visible element with its own text against its effective background.
    const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bg = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length >= 3 && (c.length === 3 || c[3] > 0.5)) return c;
      }
      return [255, 255, 255];
    };
    for (const el of document.querySelectorAll('body *:not(svg):not(svg *)')) {
      if (!visible(el) || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
      const st = getComputedStyle(el);
      if (st.visibility === 'hidden' || el.closest('.visually-hidden')) continue;
      const l1 = lum(rgb(st.color));
      const l2 = lum(bg(el));
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(st.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) out.push(`contrast ${ratio.toFixed(2)} of "${el.textContent.trim().slice(0, 40)}"`);
    }
    return out;
  });
  for (const p of found) problems.push(`${name}: ${p}`);
  assert(!found.length, `${name}: ${found.join('; ')}`);
}

// ---- Browser ----

const profile = mkdtempSync(join(tmpdir(), 'lapor-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: PHONE,
  locale: 'id-ID',
  timezoneId: 'Asia/Jakarta',
});
context.setDefaultTimeout(20000);
const cspViolations = [];
const pageErrors = [];
function watch(page, name) {
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) cspViolations.push(`${name}: ${m.text()}`); });
  page.on('pageerror', (e) => pageErrors.push(`${name}: ${e.message}`));
  return page;
}
const citizen = watch(context.pages()[0] || await context.newPage(), 'citizen');
const pageUrls = {}; // page → the URLs it loaded (for the bytes shipped)
function record(page, key) {
  pageUrls[key] = new Set();
  const on = (req) => pageUrls[key].add(req.url());
  page.on('request', on);
  return () => page.off('request', on);
}

let number = '';
let deskRecorded = false;
let token = '';
const MSG_INITIAL = 'Kasus diterima; sekolah sedang kami hubungi.';
const MSG_UPDATE = 'Saya lampirkan surat keterangan lulus dari sekolah.';
const MSG_FINAL = 'Ijazah sudah diserahkan kepada pelapor pada hari ini.';

try {
  await step('the provinces of the web match shared/data/provinces.json', async () => {
    const { PROVINCES } = await import(join(ROOT, 'web/js/geo.js'));
    const shared = JSON.parse(readFileSync(join(ROOT, 'shared/data/provinces.json'), 'utf8'));
    assert(JSON.stringify(PROVINCES) === JSON.stringify(shared.map((p) => [p.code, p.name])), 'province lists differ');
  });

  await step('home: Indonesian by default, English on the switch, keyboard skip link', async () => {
    const stop = record(citizen, 'index.html');
    await citizen.goto(`${BASE}/`);
    await citizen.waitForLoadState('networkidle');
    stop();
    assert(await citizen.getAttribute('html', 'lang') === 'id', 'lang is not id');
    assert((await citizen.textContent('h1')).includes('Wakil Presiden'), 'Indonesian heading');
    const body = await citizen.textContent('main');
    for (const fact of ['0811 1704 2207', 'Jl. Kebon Sirih No. 14', '08.00–14.00 WIB', '14 hari kerja']) assert(body.includes(fact), `home mentions ${fact}`);
    await citizen.keyboard.press('Tab');
    assert(await citizen.evaluate(() => document.activeElement.classList.contains('skip')), 'first Tab reaches the skip link');
    await audit(citizen, 'home');
    await shots(citizen, 'home');
    await docShot(citizen, 'home');
    await citizen.click('#lang-switch');
    assert(await citizen.getAttribute('html', 'lang') === 'en', 'lang is not en after the switch');
    assert((await citizen.textContent('h1')).includes('Vice President'), 'English heading');
    assert((await citizen.title()).includes('complaints'), 'English title');
    await shots(citizen, 'home-en');
    await citizen.click('#lang-switch');
    assert(await citizen.getAttribute('html', 'lang') === 'id', 'back to Indonesian');
  });

  await step('submit: the API\'s field errors appear beside their fields', async () => {
    const stop = record(citizen, 'lapor.html');
    await citizen.goto(`${BASE}/lapor.html`);
    await citizen.waitForSelector('#r-category option[value=pendidikan]', { state: 'attached' });
    await citizen.waitForLoadState('networkidle');
    stop();
    await citizen.fill('#r-title', 'Ijazah ditahan sekolah');
    await citizen.fill('#r-description', 'Ijazah anak saya ditahan oleh sekolah karena tunggakan biaya, padahal sudah lulus sejak tahun lalu.');
    await citizen.selectOption('#r-category', 'pendidikan');
    await citizen.selectOption('#r-province', '31');
    await citizen.waitForSelector('#r-regency option[value="3171"]', { state: 'attached' });
    await citizen.selectOption('#r-regency', '3171');
    await citizen.fill('#r-address', 'Jl. Medan Merdeka Selatan, Jakarta Pusat');
    await citizen.fill('#r-incident', '2026-10-01');
    await citizen.check('input[name=privacy][value=confidential]');
    await citizen.fill('#r-name', 'Siti Aminah');
    await citizen.fill('#r-nik', '1234');
    await citizen.fill('#r-phone', '0812-3456-7890');
    await citizen.click('#report-form button[type=submit]');
    const nikError = citizen.locator('[data-error-for="reporter.nik"]');
    await nikError.waitFor();
    await citizen.locator('[data-error-for="consent"]').waitFor();
    assert(await citizen.locator('.error-summary').isVisible(), 'error summary shown');
    assert(await citizen.evaluate(() => document.querySelector('#r-nik').closest('.field').contains(document.querySelector('[data-error-for="reporter.nik"]'))), 'NIK error beside the NIK field');
    assert(await citizen.getAttribute('#r-nik', 'aria-invalid') === 'true', 'NIK marked invalid');
    assert((await citizen.getAttribute('#r-nik', 'aria-describedby')).includes('err-reporter-nik'), 'NIK error announced with the field');
    assert((await nikError.textContent()).length > 5, 'NIK error has a message');
    await audit(citizen, 'submit (errors)');
    await shots(citizen, 'submit-errors');
    await docShot(citizen, 'submit-errors', PHONE, '.identity');
  });

  await step('submit: attachment uploaded straight to the bucket with progress, report recorded', async () => {
    await citizen.fill('#r-nik', '3171015208900001');
    await citizen.setInputFiles('.attachments input[type=file]', PHOTO);
    await citizen.waitForSelector('.uploads li.done');
    assert(await citizen.$eval('.uploads li.done progress', (p) => p.value) === 100, 'progress at 100');
    await citizen.check('input[name=consent]');
    await citizen.click('#report-form button[type=submit]');
    await citizen.waitForSelector('#receipt:not([hidden])');
    number = (await citizen.textContent('#rc-number')).trim();
    token = (await citizen.textContent('#rc-token')).trim();
    assert(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/.test(number), `registration number ${number}`);
    assert(/^[0-9A-Z]{32}$/.test(token), 'tracking token');
    assert(/\d{4}/.test(await citizen.textContent('#rc-due')), 'due date shown');
    const full = await api(`/v1/reports/${number}`, { headers: { 'X-Tracking-Token': token } });
    assert(full.attachments.length === 1, 'the report keeps the attachment');
    const [download] = await Promise.all([citizen.waitForEvent('download'), citizen.click('#rc-download')]);
    const text = readFileSync(await download.path(), 'utf8');
    assert(text.includes(number) && text.includes(token), 'the saved receipt has the number and the token');
    await audit(citizen, 'receipt');
    await shots(citizen, 'submit-receipt');
    await docShot(citizen, 'receipt');
  });

  await step('track: the number alone shows only the stage; with the token the whole report', async () => {
    const track = watch(await context.newPage(), 'track');
    const stop = record(track, 'lacak.html');
    await track.goto(`${BASE}/lacak.html`);
    await track.waitForLoadState('networkidle');
    stop();
    await track.fill('#t-number', number.toLowerCase().replace('-', ' '));
    await track.click('#lookup button[type=submit]');
    await track.waitForSelector('#result:not([hidden])');
    assert(await track.isHidden('#full'), 'no content without the token');
    assert((await track.textContent('#r-status')).includes('Diterima'), 'stage Diterima');
    await shots(track, 'track-stage');
    await track.fill('#t-token', 'X'.repeat(32));
    await track.click('#lookup button[type=submit]');
    await track.waitForSelector('[data-error-for="tracking_token"]');
    await track.fill('#t-token', token);
    await track.click('#lookup button[type=submit]');
    await track.waitForSelector('#full:not([hidden])');
    assert((await track.textContent('#timeline')).includes('Laporan diterima'), 'timeline');
    assert((await track.textContent('#c-title')) === 'Ijazah ditahan sekolah', 'content');
    assert((await track.textContent('#full')).includes('DKI Jakarta · Kota Administrasi Jakarta Pusat'), 'the regency by name, not its code');
    assert(!(await track.textContent('main')).includes('3171015208900001'), 'no identity in the full view');
    // The attachment link (presigned, from the API with the token).
    await track.click('#c-attachments button');
    const href = await track.getAttribute('#c-attachments a', 'href');
    const file = Buffer.from(await (await fetch(href)).arrayBuffer());
    assert(file.equals(PHOTO.buffer), 'the attachment link serves the uploaded bytes');
    // English: the page asks the API in English (Accept-Language) and shows its labels.
    await track.click('#lang-switch');
    const en = await api(`/v1/reports/${number}`, { headers: { 'Accept-Language': 'en' } });
    await eventually('the English status label', async () => (await track.textContent('#r-status')) === en.status_label, { timeout: 10000 });
    assert(en.status_label !== 'Diterima', 'the API answered in English');
    await track.click('#lang-switch');
    await audit(track, 'track');
    await shots(track, 'track-full');
    await track.close();
  });

  const staff = watch(await context.newPage(), 'staff');
  await step('staff: sign in with the dev token, queue by due date, detail with identity', async () => {
    const stop = record(staff, 'staf.html');
    await staff.goto(`${BASE}/staf.html`);
    await staff.waitForSelector('#signin-dev:not([hidden])');
    await staff.waitForLoadState('networkidle');
    stop();
    await shots(staff, 'staff-signin');
    await staff.fill('#dev-token', CREDS.staff_tokens.analyst);
    await staff.click('#signin-dev button[type=submit]');
    const row = staff.locator(`#queue tr[data-number="${number}"]`);
    await row.waitFor();
    await row.locator('button').click();
    await staff.waitForSelector('#detail:not([hidden]) #act-analysis');
    const reporter = await staff.textContent('#d-reporter');
    assert(reporter.includes('Siti Aminah') && reporter.includes('3171015208900001'), 'staff see the identity');
    assert(reporter.includes('Rahasia') || reporter.includes('Confidential'), 'confidential is explained');
    // The evidence: a button asks for a 5-minute link, and the link serves the photo.
    await staff.locator('#d-attachments button').first().click();
    const evidence = await staff.locator('#d-attachments a[href]').first().getAttribute('href');
    assert(Buffer.from(await (await fetch(evidence)).arrayBuffer()).equals(PHOTO.buffer), 'staff open the attachment');
    await audit(staff, 'staff');
  });

  await step('staff: start the analysis, forward to the suggested ministry', async () => {
    await staff.click('#act-analysis button[type=submit]');
    await staff.waitForSelector('#act-forward');
    const picks = await staff.$$eval('#act-forward input[name=agencies]', (cs) => cs.map((c) => c.value));
    for (const code of ['kemendikdasmen', 'pemprov-31']) assert(picks.includes(code), `suggested ${code}`);
    for (const code of picks) {
      if (code === 'kemendikdasmen') await staff.check(`#act-forward input[value="${code}"]`);
      else await staff.uncheck(`#act-forward input[value="${code}"]`);
    }
    await staff.fill('#act-forward textarea[name=note]', 'Mohon ditindaklanjuti dengan sekolah terkait.');
    await shots(staff, 'staff-detail', DESKTOP);
    await docShot(staff, 'staff-console', DESKTOP);
    await staff.click('#act-forward button[type=submit]');
    await staff.waitForSelector('#d-status[data-kind=ok]');
    assert((await staff.textContent('#d-badges')).includes('Diteruskan'), 'forwarded');
    await staff.setViewportSize(PHONE);
  });

  const agency = watch(await context.newPage(), 'agency');
  const caseCard = agency.locator(`article.case:has-text("${number}")`);
  await step('agency: sign in with the key, the case arrives (poll), acknowledge, initial response', async () => {
    const stop = record(agency, 'instansi.html');
    await agency.goto(`${BASE}/instansi.html`);
    await agency.waitForLoadState('networkidle');
    stop();
    await shots(agency, 'agency-signin');
    await agency.fill('#a-key', CREDS.agency_keys.kemendikdasmen);
    await agency.click('#signin button[type=submit]');
    await agency.waitForSelector('#console:not([hidden])');
    await caseCard.waitFor({ timeout: 90000 });
    const text = await caseCard.textContent();
    assert(!text.includes('3171015208900001') && !text.includes('Siti Aminah'), 'a confidential report reaches the agency without identity');
    assert(text.includes('Mohon ditindaklanjuti'), 'the forwarding note');
    const href = await caseCard.locator('a[href]').first().getAttribute('href');
    assert(Buffer.from(await (await fetch(href)).arrayBuffer()).equals(PHOTO.buffer), 'the agency gets the attachment');
    await caseCard.locator('button', { hasText: 'Terima kasus' }).click();
    await caseCard.locator('.badge', { hasText: 'Sudah diterima' }).waitFor();
    await caseCard.locator('select[name=kind]').selectOption('initial');
    await caseCard.locator('textarea[name=message]').fill(MSG_INITIAL);
    await caseCard.locator('button[type=submit]').click();
    await caseCard.locator('.status-line[data-kind=ok]', { hasText: 'Respons terkirim' }).waitFor();
    await audit(agency, 'agency');
  });

  await step('citizen: sees the response, adds information with a PDF', async () => {
    await citizen.goto(`${BASE}/lacak.html?nomor=${number}`); // the token of this tab is remembered
    await citizen.waitForSelector('#bodies .response');
    const body = citizen.locator('#bodies .body[data-code=kemendikdasmen]');
    assert((await body.textContent()).includes(MSG_INITIAL), 'the agency response, with its body');
    assert((await body.locator('h4').textContent()).includes('Kementerian Pendidikan Dasar dan Menengah'), 'the agency by name');
    assert((await body.locator('.badge').textContent()).includes('Sudah menjawab'), 'the body\'s state');
    assert((await citizen.textContent('#r-status')).includes('respons'), 'status responded');
    await citizen.fill('#u-message', MSG_UPDATE);
    await citizen.setInputFiles('#u-attachments input[type=file]', PDF);
    await citizen.waitForSelector('#u-attachments li.done');
    await citizen.click('#update-form button[type=submit]');
    await citizen.waitForSelector('#update-status[data-kind=ok]');
    assert((await citizen.textContent('#timeline')).includes(MSG_UPDATE), 'the update in the timeline');
  });

  await step('agency: the citizen\'s update arrives, final response', async () => {
    const update = caseCard.locator('.badge', { hasText: 'Informasi baru dari pelapor' });
    await update.waitFor({ timeout: 90000 });
    assert((await caseCard.textContent()).includes(MSG_UPDATE), 'the update is shown');
    await caseCard.locator('button', { hasText: 'Terima kasus' }).click();
    await caseCard.locator('.badge', { hasText: 'Sudah diterima' }).waitFor();
    // A progress note through the "by case id" form (for cases acknowledged before a reload).
    await agency.click('details:has(#by-id) summary');
    await agency.fill('#b-case', `${number}.kemendikdasmen`);
    await agency.selectOption('#b-kind', 'progress');
    await agency.fill('#b-message', 'Sekolah bersedia menyerahkan ijazah minggu ini.');
    await agency.click('#by-id button[type=submit]');
    await agency.waitForSelector('#by-id-status[data-kind=ok]');
    await caseCard.locator('select[name=kind]').selectOption('final');
    await caseCard.locator('textarea[name=message]').fill(MSG_FINAL);
    await caseCard.locator('button[type=submit]').click();
    await caseCard.locator('.status-line[data-kind=ok]', { hasText: 'Respons terkirim' }).waitFor();
    assert((await caseCard.textContent()).includes('Selesai'), 'the report is completed');
    await shots(agency, 'agency-cases', PHONE);
    await docShot(agency, 'agency-console', DESKTOP, '#cases-title');
  });

  await step('citizen: sees the final answer and rates the outcome', async () => {
    await citizen.goto(`${BASE}/lacak.html?nomor=${number}`);
    await citizen.waitForSelector('#feedback-card:not([hidden])');
    assert((await citizen.textContent('#r-status')).includes('Selesai'), 'completed');
    assert((await citizen.textContent('#bodies')).includes(MSG_FINAL), 'the final response');
    await docShot(citizen, 'track-response', PHONE, '#ag-title');
    await citizen.click('.rating label:has(input[value="5"])');
    await citizen.fill('#f-comment', 'Terima kasih, ijazah sudah diterima.');
    await citizen.click('#feedback-form button[type=submit]');
    await citizen.waitForSelector('#feedback-done:not([hidden])');
    await audit(citizen, 'track (completed)');
    await shots(citizen, 'track-completed');
  });

  // ---- Re-routing: a body without authority declines; the analyst forwards to the one with it ----
  const NOTE_INTERNAL = 'Catatan internal: pelapor sudah dihubungi lewat telepon, jangan dikutip.';
  const NOTE_DECLINE = 'Penerbitan KTP-el warga Kota Bandung dilayani Disdukcapil Kota Bandung.';
  const MSG_BANDUNG = 'KTP elektronik pelapor sudah dicetak dan dapat diambil di kantor Disdukcapil Kota Bandung.';
  const DUKCAPIL = 'Direktorat Jenderal Kependudukan dan Pencatatan Sipil, Kementerian Dalam Negeri';
  let reroute = '';
  let rerouteToken = '';
  let other = '';
  const ofReroute = (page) => page.locator(`article.case:has-text("${reroute}")`);

  await step('re-routing: a report in Kota Bandung is forwarded to a ministry without authority, assigned, with an internal note', async () => {
    // Another open report, so that the queue holds more than the one re-routed.
    const res = await fetch(`${BASE}/v1/reports`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'complaint', title: 'Puskesmas tutup siang hari', description: 'Puskesmas di kecamatan kami sering tutup pada siang hari kerja.', category: 'kesehatan', privacy: 'anonymous', consent: true }),
    });
    assert(res.status === 201, `the other report: HTTP ${res.status}`);
    other = (await res.json()).registration_number;
    await citizen.goto(`${BASE}/lapor.html`);
    await citizen.waitForSelector('#r-category option[value=adminduk]', { state: 'attached' });
    await citizen.fill('#r-title', 'KTP elektronik belum jadi');
    await citizen.fill('#r-description', 'KTP elektronik saya belum jadi sejak enam bulan, padahal perekaman sudah dilakukan.');
    await citizen.selectOption('#r-category', 'adminduk');
    await citizen.selectOption('#r-province', '32');
    await citizen.waitForSelector('#r-regency option[value="3273"]', { state: 'attached' });
    await citizen.selectOption('#r-regency', '3273');
    await citizen.check('input[name=privacy][value=anonymous]');
    await citizen.check('input[name=consent]');
    await citizen.click('#report-form button[type=submit]');
    await citizen.waitForSelector('#receipt:not([hidden])');
    reroute = (await citizen.textContent('#rc-number')).trim();
    rerouteToken = (await citizen.textContent('#rc-token')).trim();

    await staff.click('#filters button[type=submit]');
    await staff.locator(`#queue tr[data-number="${reroute}"] button`).click();
    await staff.waitForSelector('#detail:not([hidden]) #act-analysis');
    assert(await staff.isHidden('#tab-escalations'), 'no escalations tab without the supervisor group');
    await staff.click('#act-analysis button[type=submit]');
    await staff.waitForSelector('#act-forward');
    for (const c of await staff.$$('#act-forward input[name=agencies]')) {
      if (await c.getAttribute('value') === 'kemendagri-dukcapil') await c.check(); else await c.uncheck();
    }
    await staff.click('#act-forward button[type=submit]');
    await staff.waitForSelector('#d-status[data-kind=ok]');
    assert((await staff.textContent('#d-badges')).includes('Diteruskan'), 'forwarded to the ministry');
    // Assigned to oneself, and a note for the staff only.
    await staff.click('#assign-me');
    await staff.waitForSelector('#assign-status[data-kind=ok]');
    assert((await staff.textContent('#d-assignee')).includes('local-analyst'), 'assigned to the analyst');
    assert(await staff.isHidden('#assign-me'), 'nothing more to take');
    await staff.fill('#n-text', NOTE_INTERNAL);
    await staff.click('#note-form button[type=submit]');
    await staff.waitForSelector('#note-status[data-kind=ok]');
    assert((await staff.textContent('#d-notes')).includes(NOTE_INTERNAL), 'the note is listed');
    assert((await staff.textContent('#d-notes')).includes('local-analyst'), 'with who wrote it');
    // The queue by assignee: mine, then nobody's.
    const shows = (a, b) => staff.waitForFunction(([x, y]) => document.querySelector(`#queue tr[data-number="${x}"]`)
      && !document.querySelector(`#queue tr[data-number="${y}"]`), [a, b]);
    await staff.selectOption('#f-assignee', 'me');
    await shows(reroute, other);
    await staff.selectOption('#f-assignee', 'none');
    await shows(other, reroute);
    await staff.selectOption('#f-assignee', '');
    await staff.waitForSelector(`#queue tr[data-number="${reroute}"]`);
  });

  await step('agency: the ministry declines the case, suggesting the city government found by name', async () => {
    await agency.click('#signout');
    await agency.fill('#a-key', CREDS.agency_keys['kemendagri-dukcapil']);
    await agency.click('#signin button[type=submit]');
    await agency.waitForSelector('#console:not([hidden])');
    const card = ofReroute(agency);
    await card.waitFor({ timeout: 90000 });
    const text = await card.textContent();
    assert(text.includes('Batas respons awal') && text.includes('Batas jawaban akhir'), 'the case\'s two deadlines');
    assert(text.includes('Diteruskan'), 'the case\'s state');
    assert(!text.includes(NOTE_INTERNAL), 'an internal note never reaches an agency');
    await card.locator('button', { hasText: 'Terima kasus' }).click();
    await card.locator('.badge', { hasText: 'Sudah diterima' }).waitFor();
    await card.locator('details.decline summary').click();
    await card.locator('select[name=reason]').selectOption('not_our_authority');
    await card.locator('textarea[name=note]').fill(NOTE_DECLINE);
    await card.locator('input.body-pick').fill('Pemerintah Kota Bandung');
    await card.locator('.picker button').click();
    await card.locator('ul.picked li', { hasText: 'Pemerintah Kota Bandung' }).waitFor();
    await audit(agency, 'agency (decline)');
    await shots(agency, 'agency-decline', PHONE);
    await card.locator('.decline-form button[type=submit]').click();
    await card.locator('.status-line[data-kind=ok]', { hasText: 'dikembalikan' }).waitFor();
    const after = await card.textContent();
    assert(after.includes('Menyatakan bukan kewenangannya'), 'the case is declined');
    assert(await card.locator('form').count() === 0, 'a declined case takes no answer');
  });

  await step('staff: the declined report heads the queue, marked for re-routing; forwarded to the city government chosen by name', async () => {
    const first = staff.locator('#queue tbody tr').first();
    await eventually('the re-routed report at the top of the queue', async () => {
      await staff.click('#filters button[type=submit]');
      await staff.waitForSelector('#queue-status[hidden]', { state: 'attached' });
      return (await first.getAttribute('data-number')) === reroute && (await first.textContent()).includes('Perlu dialihkan');
    }, { timeout: 30000, every: 1000 });
    assert(await staff.locator(`#queue tr[data-number="${other}"]`).count() === 1, 'another open report is in the queue below it');
    await first.locator('button.row-open').click();
    await staff.waitForSelector('#d-rerouting:not([hidden])');
    const declined = staff.locator('#d-cases li[data-agency="kemendagri-dukcapil"]');
    const text = await declined.textContent();
    assert(text.includes('Menyatakan bukan kewenangannya') && text.includes('Bukan kewenangan instansi ini'), 'the case\'s state and the reason');
    assert(text.includes(NOTE_DECLINE), 'the agency\'s note to the analysts');
    assert(await declined.locator('button', { hasText: 'Teruskan ke Pemerintah Kota Bandung' }).count() === 1, 'one click forwards to the suggested body');
    // Any body of the directory, by name: 566 of them.
    assert(await staff.$$eval('#agency-directory option', (os) => os.length) === 566, 'the whole directory');
    for (const c of await staff.$$('#act-forward input[name=agencies]')) await c.uncheck();
    await staff.fill('#act-forward input.body-pick', 'Kabupaten Bandung Barat');
    await staff.click('#act-forward .picker button');
    assert(await staff.isChecked('#act-forward input[value="pemkab-3217"]'), 'a regency found by part of its name');
    await staff.uncheck('#act-forward input[value="pemkab-3217"]');
    await staff.fill('#act-forward input.body-pick', 'Pemerintah Kota Bandung');
    await staff.press('#act-forward input.body-pick', 'Enter');
    assert(await staff.isChecked('#act-forward input[value="pemkot-3273"]'), 'the city government chosen by name');
    assert((await staff.$$eval('#act-forward input[name=agencies]:checked', (cs) => cs.map((c) => c.value))).join() === 'pemkot-3273', 'only it');
    await audit(staff, 'staff (re-routing)');
    await shots(staff, 'staff-rerouting', DESKTOP);
    await staff.click('#act-forward button[type=submit]');
    await staff.waitForSelector('#d-status[data-kind=ok]');
    assert((await staff.textContent('#d-badges')).includes('Diteruskan'), 'forwarded again');
    assert(await staff.isHidden('#d-rerouting'), 'no longer to re-route');
    const bandung = await staff.textContent('#d-cases li[data-agency="pemkot-3273"]');
    assert(bandung.includes('Pemerintah Kota Bandung') && bandung.includes('Batas respons awal'), 'the new case with its deadlines');
    assert(await staff.locator('#d-cases li[data-agency="pemkot-3273"] details.withdraw').count() === 1, 'it can be withdrawn');
    assert(await staff.locator('#act-add').count() === 1, 'more bodies can be added');
    await staff.setViewportSize(PHONE);
  });

  await step('agency: the city government gets the case and gives the final answer', async () => {
    await agency.click('#signout');
    await agency.fill('#a-key', CREDS.agency_keys['pemkot-3273']);
    await agency.click('#signin button[type=submit]');
    await agency.waitForSelector('#console:not([hidden])');
    const card = ofReroute(agency);
    await card.waitFor({ timeout: 90000 });
    const text = await card.textContent();
    assert(!text.includes(NOTE_INTERNAL) && !text.includes(NOTE_DECLINE), 'neither the internal note nor the other body\'s note');
    await card.locator('button', { hasText: 'Terima kasus' }).click();
    await card.locator('.badge', { hasText: 'Sudah diterima' }).waitFor();
    await card.locator('select[name=kind]').selectOption('final');
    await card.locator('textarea[name=message]').fill(MSG_BANDUNG);
    await card.locator('.response-form button[type=submit]').click();
    await card.locator('.status-line[data-kind=ok]', { hasText: 'Respons terkirim' }).waitFor();
    assert((await card.textContent()).includes('Selesai'), 'the report is completed');
  });

  await step('citizen: the tracking page shows both bodies with their states and the answer, and no internal note', async () => {
    await citizen.goto(`${BASE}/lacak.html?nomor=${reroute}`);
    await citizen.waitForSelector('#bodies .body[data-code="pemkot-3273"] .response');
    assert((await citizen.textContent('#r-status')).includes('Selesai'), 'completed');
    const codes = await citizen.$$eval('#bodies .body', (bs) => bs.map((b) => b.dataset.code));
    assert(codes.join() === 'kemendagri-dukcapil,pemkot-3273', `both bodies, in the order they got it: ${codes}`);
    const dukcapil = citizen.locator('#bodies .body[data-code="kemendagri-dukcapil"]');
    const bandung = citizen.locator('#bodies .body[data-code="pemkot-3273"]');
    assert((await dukcapil.locator('h4').textContent()) === DUKCAPIL, 'the ministry by name');
    assert((await dukcapil.locator('.badge').textContent()) === 'Menyatakan bukan kewenangannya', 'its state');
    assert((await dukcapil.textContent()).includes('Bukan kewenangan instansi ini'), 'its reason');
    assert((await bandung.locator('h4').textContent()) === 'Pemerintah Kota Bandung', 'the city government by name');
    assert((await bandung.locator('.badge').textContent()) === 'Selesai ditangani', 'its state');
    assert((await bandung.textContent()).includes(MSG_BANDUNG), 'its answer');
    assert((await citizen.textContent('#timeline')).includes('Instansi menyatakan bukan kewenangannya'), 'the decline in the history');
    const main = await citizen.textContent('main');
    assert(!main.includes(NOTE_INTERNAL) && !main.includes(NOTE_DECLINE), 'internal notes never show on the tracking page');
    const full = JSON.stringify(await api(`/v1/reports/${reroute}`, { headers: { 'X-Tracking-Token': rerouteToken } }));
    assert(!full.includes(NOTE_INTERNAL) && !full.includes(NOTE_DECLINE), 'nor in what the page gets');
    await audit(citizen, 'track (re-routed)');
    await shots(citizen, 'track-bodies');
    await citizen.click('#lang-switch');
    await eventually('the states in English', async () => (await dukcapil.locator('.badge').textContent()) === 'Declined', { timeout: 10000 });
    assert((await bandung.locator('.badge').textContent()) === 'Completed', 'completed, in English');
    await citizen.click('#lang-switch');
    await eventually('back in Indonesian', async () => (await dukcapil.locator('.badge').textContent()) === 'Menyatakan bukan kewenangannya', { timeout: 10000 });
  });

  await step('staff: answer templates fill the request for information and the rejection', async () => {
    await staff.click('#filters button[type=submit]');
    await staff.locator(`#queue tr[data-number="${other}"] button`).click();
    await staff.waitForSelector('#detail:not([hidden]) #act-analysis');
    await staff.click('#act-analysis button[type=submit]');
    await staff.waitForSelector('#ri-template option[value="request-info-photos"]', { state: 'attached' });
    await staff.selectOption('#ri-template', 'request-info-photos');
    assert((await staff.inputValue('#act-info textarea[name=message]')).includes('foto'), 'the request filled from its template');
    await staff.waitForSelector('#rj-template option[value="reject-out-of-scope"]', { state: 'attached' });
    await staff.selectOption('#rj-template', 'reject-out-of-scope');
    assert(await staff.inputValue('#rj-reason') === 'out_of_scope', 'the template sets its reason');
    const message = await staff.inputValue('#act-reject textarea[name=message]');
    assert(message.length > 20, 'the rejection message filled from its template');
    await audit(staff, 'staff (templates)');
    await staff.click('#act-reject button[type=submit]');
    await staff.waitForSelector('#d-status[data-kind=ok]');
    assert((await staff.textContent('#d-badges')).includes('Tidak dapat diproses'), 'rejected');
    assert((await staff.textContent('#d-timeline')).includes(message.slice(0, 40)), 'the message the reporter gets');
  });

  await step('staff: a body added by name, then withdrawn with a reason; the agency sees the withdrawal', async () => {
    // A report the agencies work on (set up through the API).
    const post = async (path, body, headers = {}) => {
      const res = await fetch(BASE + path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
      assert(res.ok, `POST ${path}: HTTP ${res.status}`);
      return res.json();
    };
    const analyst = { Authorization: `Bearer ${CREDS.staff_tokens.analyst}` };
    const { registration_number: n } = await post('/v1/reports', {
      kind: 'complaint', title: 'Banjir di jalan protokol', description: 'Jalan protokol di Jakarta Pusat tergenang setiap hujan deras sejak bulan lalu.',
      category: 'infrastruktur', location: { province_code: '31' }, privacy: 'anonymous', consent: true,
    });
    await post(`/v1/staff/reports/${n}/analysis`, {}, analyst);
    await post(`/v1/staff/reports/${n}/forward`, { agencies: ['kemen-pu'] }, analyst);
    await staff.click('#filters button[type=submit]');
    await staff.locator(`#queue tr[data-number="${n}"] button`).click();
    await staff.waitForSelector('#detail:not([hidden]) #act-add');
    await staff.fill('#act-add input.body-pick', 'Pemerintah Provinsi DKI Jakarta');
    await staff.press('#act-add input.body-pick', 'Enter');
    assert(await staff.isChecked('#act-add input[value="pemprov-31"]'), 'the province chosen by name');
    await staff.click('#act-add button[type=submit]');
    await staff.waitForSelector('#d-status[data-kind=ok]');
    const item = staff.locator('#d-cases li[data-agency="pemprov-31"]');
    await item.locator('details.withdraw summary').click();
    await item.locator('textarea[name=reason]').fill('Jalan protokol ini jalan nasional, bukan jalan provinsi.');
    await item.locator('button[type=submit]').click();
    await staff.waitForSelector('#d-status[data-kind=ok]');
    const text = await staff.textContent('#d-cases li[data-agency="pemprov-31"]');
    assert(text.includes('Ditarik oleh Setwapres') && text.includes('bukan jalan provinsi'), 'withdrawn, with its reason');
    assert((await staff.textContent('#d-badges')).includes('Diteruskan'), 'still with the ministry');
    await agency.click('#signout');
    await agency.fill('#a-key', CREDS.agency_keys['pemprov-31']);
    await agency.click('#signin button[type=submit]');
    await agency.waitForSelector('#console:not([hidden])');
    const card = agency.locator(`article.case:has-text("${n}")`);
    await card.waitFor({ timeout: 90000 });
    assert((await card.locator('.badge').first().textContent()) === 'Ditarik oleh Setwapres', 'marked as a withdrawal');
    assert((await card.textContent()).includes('bukan jalan provinsi'), 'with the reason');
    assert(await card.locator('form').count() === 0 && await card.locator('details.decline').count() === 0, 'nothing to answer');
    await card.locator('button', { hasText: 'Terima pemberitahuan' }).click();
    await card.locator('.badge', { hasText: 'Sudah diterima' }).waitFor();
    await audit(agency, 'agency (withdrawn)');
  });

  await step('desk: the intake form answers with a receipt, or says the desk is closed', async () => {
    await staff.click('#signout');
    await staff.fill('#dev-token', CREDS.staff_tokens.desk);
    await staff.click('#signin-dev button[type=submit]');
    await staff.waitForSelector('#panel-desk:not([hidden]) #desk-form');
    await staff.fill('#dk-title', 'Bantuan sosial tidak cair');
    await staff.fill('#dk-description', 'Bantuan sosial PKH untuk keluarga kami tidak cair sejak tiga bulan terakhir.');
    await staff.check('#desk-form input[name=privacy][value=anonymous]');
    await staff.check('#desk-form input[name=consent]');
    await staff.click('#desk-form button[type=submit]');
    await staff.waitForSelector('#desk-receipt:not([hidden]), #desk-status[data-kind=error]');
    if (await staff.isVisible('#desk-receipt')) {
      deskRecorded = true;
      assert((await staff.textContent('#desk-receipt-text')).length > 40, 'receipt text');
    } else {
      const msg = await staff.textContent('#desk-status');
      assert(/08[.:]00/.test(msg), `a desk_closed / capacity message naming the opening time: ${msg}`);
      assert(!(await staff.isVisible('[data-error-for]:not([hidden])')), 'no field errors: the body was valid');
    }
    await audit(staff, 'desk');
    await shots(staff, 'staff-desk');
  });

  await step('supervisor: the escalations tab, without the triage queue', async () => {
    await staff.click('#signout');
    await staff.fill('#dev-token', CREDS.staff_tokens.supervisor);
    await staff.click('#signin-dev button[type=submit]');
    await staff.waitForSelector('#panel-escalations:not([hidden])');
    assert(await staff.isVisible('#tab-escalations'), 'the tab shows for supervisors');
    await staff.waitForSelector('#esc-status[data-kind=ok], #esc-status[data-kind=error], #escalations tbody tr');
    assert(await staff.getAttribute('#esc-status', 'data-kind') !== 'error', `escalations: ${await staff.textContent('#esc-status')}`);
    const rows = await staff.$$eval('#escalations tbody tr', (rs) => rs.length);
    assert(rows > 0 || /Tidak ada/.test(await staff.textContent('#esc-status')), 'rows, or a word that nothing is late');
    await staff.click('#tab-queue');
    assert(await staff.isVisible('#queue-forbidden'), 'the triage queue is for analysts');
    // How late cases and overdue reports show (the API's answer stood in for: nothing is late
    // in a fresh run).
    await staff.route('**/v1/staff/escalations', (r) => r.fulfill({ json: { escalations: [
      { kind: 'case_late', registration_number: 'ABCDE-FGHJK', case_id: 'ABCDE-FGHJK.kemenkes', agency: { code: 'kemenkes', name: 'Kementerian Kesehatan' }, deadline: 'response', due_date: '2026-11-02', working_days_late: 3, status: 'forwarded', status_label: 'Diteruskan', escalated: true },
      { kind: 'report_overdue', registration_number: 'MNPQR-STVWX', case_id: null, agency: null, deadline: null, due_date: '2026-11-04', working_days_late: 1, status: 'in_analysis', status_label: 'Dalam analisis', escalated: false },
    ] } }));
    await staff.click('#tab-escalations');
    await staff.waitForSelector('#escalations tbody tr[data-kind=report_overdue]');
    const late = await staff.textContent('#escalations tbody tr[data-kind=case_late]');
    assert(late.includes('Kementerian Kesehatan') && late.includes('3 hari kerja') && late.includes('respons awal') && late.includes('Sudah diingatkan'), `a late case: ${late}`);
    await audit(staff, 'supervisor');
    await shots(staff, 'staff-escalations');
    await staff.unroute('**/v1/staff/escalations');
  });

  await step('staff: production sign-in (Cognito hosted UI, authorization code + PKCE) against a stand-in', async () => {
    // config.json as web/deploy.sh writes it, with a stand-in for the hosted UI on this origin
    // (the pages' CSP allows only their own origin locally).
    const page = watch(await context.newPage(), 'cognito');
    const cognito = `${BASE}/_cognito`;
    const seen = {};
    await page.route('**/config.json', (r) => r.fulfill({ json: { staff_auth: { kind: 'cognito', domain: cognito, client_id: 'web-client', scope: 'openid email' } } }));
    await page.route(`${cognito}/oauth2/authorize*`, (r) => {
      const q = new URL(r.request().url()).searchParams;
      Object.assign(seen, Object.fromEntries(q));
      r.fulfill({ status: 302, headers: { location: `${q.get('redirect_uri')}?code=one-time-code&state=${q.get('state')}` } });
    });
    await page.route(`${cognito}/oauth2/token`, async (r) => {
      const f = new URLSearchParams(r.request().postData());
      const { createHash } = await import('node:crypto');
      const challenge = createHash('sha256').update(f.get('code_verifier') || '').digest('base64url');
      const ok = f.get('grant_type') === 'authorization_code' && f.get('code') === 'one-time-code'
        && f.get('client_id') === 'web-client' && f.get('redirect_uri') === seen.redirect_uri && challenge === seen.code_challenge;
      seen.exchanged = ok;
      r.fulfill(ok ? { json: { access_token: CREDS.staff_tokens.analyst, id_token: 'unused', token_type: 'Bearer', expires_in: 3600 } }
        : { status: 400, json: { error: 'invalid_grant' } });
    });
    await page.route(`${cognito}/logout*`, (r) => {
      seen.logout = Object.fromEntries(new URL(r.request().url()).searchParams);
      r.fulfill({ status: 302, headers: { location: seen.logout.logout_uri } });
    });
    await page.goto(`${BASE}/staf.html`);
    await page.click('#cognito-signin');
    await page.waitForSelector('#console:not([hidden])');
    // The queue answered (rows, or "no reports" once every report of this run is closed).
    await page.waitForFunction(() => document.querySelector('#queue tbody tr')
      || /Tidak ada laporan|No reports/.test(document.querySelector('#queue-status').textContent));
    assert((await page.textContent('#whoami')).includes('local-analyst'), 'signed in with the access token');
    assert(seen.response_type === 'code' && seen.code_challenge_method === 'S256' && seen.client_id === 'web-client', 'authorization request');
    assert(seen.redirect_uri === `${BASE}/staf.html` && seen.state && seen.code_challenge, 'redirect, state and challenge');
    assert(seen.exchanged === true, 'the code was exchanged with its PKCE verifier');
    assert(!page.url().includes('code='), 'the code is removed from the address bar');
    await page.click('#signout');
    await page.waitForSelector('#signin-cognito:not([hidden])');
    assert(seen.logout?.client_id === 'web-client', 'signed out at the hosted UI');
    await page.close();
  });

  await step('statistics: charts drawn with the numbers of GET /v1/stats', async () => {
    // A few more reports (anonymous, through the API) so that every chart has several bars.
    const seeds = ['pertanahan', 'pertanahan', 'kesehatan', 'bansos', 'adminduk', 'infrastruktur', null];
    for (const [i, category] of seeds.entries()) {
      const body = {
        kind: ['complaint', 'suggestion', 'idea'][i % 3], title: `Laporan contoh ${i + 1}`,
        description: 'Laporan contoh untuk statistik publik pada uji ujung ke ujung.', privacy: 'anonymous', consent: true,
      };
      if (category) body.category = category;
      const res = await fetch(`${BASE}/v1/reports`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      assert(res.status === 201, `seed report: HTTP ${res.status}`);
    }
    // Counted asynchronously (the table's stream): wait until every report of this run is
    // in and two reads a moment apart agree.
    const created = 1 + seeds.length + (deskRecorded ? 1 : 0);
    let previous = null;
    const stats = await eventually('the statistics to count every report', async () => {
      const s = await api('/v1/stats');
      const key = JSON.stringify({ ...s, generated_at: null });
      const settled = previous === key;
      previous = key;
      return settled && s.total >= created && s.by_status.completed >= 1 && s.by_category.pendidikan >= 1 ? s : null;
    }, { every: 1500 });
    const stop = record(citizen, 'statistik.html');
    await citizen.goto(`${BASE}/statistik.html`);
    await citizen.waitForSelector('#stats:not([hidden])');
    await citizen.waitForLoadState('networkidle');
    stop();
    const shown = await api('/v1/stats'); // what the page got (cached a minute)
    assert((await citizen.textContent('#k-total')).trim() === String(shown.total), `total ${shown.total}`);
    assert((await citizen.textContent('#k-completed')).trim() === String(shown.by_status.completed), 'completed');
    const bars = await citizen.$$eval('#ch-category rect[data-value]', (rs) => rs.map((r) => [Number(r.dataset.value), Number(r.getAttribute('width'))]));
    assert(bars.some(([v, w]) => v === shown.by_category.pendidikan && w > 0), 'a category bar with the count of pendidikan');
    const months = await citizen.$$eval('#ch-month rect[data-value]', (rs) => rs.map((r) => Number(r.dataset.value)));
    assert(months.reduce((a, b) => a + b, 0) === shown.by_month.reduce((a, m) => a + m.submitted, 0), 'month columns add up');
    assert(await citizen.$$eval('#ch-channel [data-value]', (xs) => xs.length) >= 1, 'channel ring');
    assert(await citizen.$$eval('#ch-status rect[data-value]', (xs) => xs.length) === 7, 'seven statuses');
    assert(shown.total === stats.total, 'the page shows the settled figures');
    await audit(citizen, 'statistics');
    await shots(citizen, 'statistics');
    await docShot(citizen, 'statistics', { width: 1280, height: 1180 });
    // Without the endpoint the page says so instead of drawing empty charts.
    const down = await context.newPage();
    await down.route('**/v1/stats', (r) => r.fulfill({ status: 503, json: { error: { code: 'service_unavailable', message: 'Layanan sedang sibuk.', fields: [] } } }));
    await down.goto(`${BASE}/statistik.html`);
    await down.waitForSelector('#stats-unavailable:not([hidden])');
    assert(await down.isHidden('#stats'), 'no charts without figures');
    assert((await down.textContent('#stats-unavailable')).includes('Statistik belum tersedia'), 'says the statistics are unavailable');
    await down.close();
  });

  await step('no Content-Security-Policy violations and no script errors on any page', async () => {
    assert(!cspViolations.length, cspViolations.join('\n'));
    assert(!pageErrors.length, pageErrors.join('\n'));
  });

  await step('bytes shipped per page (cold load, site files only)', async () => {
    const rows = [];
    for (const [page, urls] of Object.entries(pageUrls)) {
      let raw = 0;
      let gz = 0;
      const files = [];
      for (const u of urls) {
        const url = new URL(u);
        if (url.origin !== BASE || url.pathname.startsWith('/v1/') || files.includes(url.pathname)) continue;
        const body = Buffer.from(await (await fetch(url.origin + url.pathname)).arrayBuffer());
        files.push(url.pathname);
        raw += body.length;
        gz += gzipSync(body, { level: 9 }).length;
      }
      rows.push({ page, files: files.length, raw, gzip: gz });
    }
    writeFileSync(join(OUT, 'bytes.json'), JSON.stringify(rows, null, 2));
    console.log('     page              files   bytes   gzip');
    for (const r of rows) console.log(`     ${r.page.padEnd(17)} ${String(r.files).padStart(5)} ${String(r.raw).padStart(7)} ${String(r.gzip).padStart(6)}`);
    assert(rows.every((r) => r.gzip < 60000), 'every page under 60 kB gzip');
  });
} catch {
  // The failing step printed itself; keep a picture of where it stopped.
  for (const [i, p] of context.pages().entries()) {
    try { await p.screenshot({ path: join(OUT, `failure-${i}.png`), fullPage: true }); } catch { /* closed */ }
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`\nweb end-to-end: ${passed} passed, ${failed} failed (screenshots in ${OUT})`);
process.exit(failed ? 1 : 0);
