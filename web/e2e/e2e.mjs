// End-to-end test of the web front end in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core; no browser download), against a running local stack:
//
//   citizen submits with an attachment (after seeing field errors beside the fields) →
//   tracks with the number, then with the token → staff starts the analysis and forwards →
//   the agency acknowledges and gives an initial response → the citizen sees it and adds
//   information with another attachment → the agency sees the update and gives the final
//   response → the citizen sees the report completed and rates it; the desk form answers
//   (a receipt, or "desk closed" outside opening hours); the statistics page draws its
//   charts with the numbers of GET /v1/stats.
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
    await citizen.waitForSelector('#responses .response');
    assert((await citizen.textContent('#responses')).includes(MSG_INITIAL), 'the agency response');
    assert((await citizen.textContent('#agencies')).includes('Kementerian Pendidikan Dasar dan Menengah'), 'the agency by name');
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
    assert((await citizen.textContent('#responses')).includes(MSG_FINAL), 'the final response');
    await docShot(citizen, 'track-response', PHONE, '#resp-title');
    await citizen.click('.rating label:has(input[value="5"])');
    await citizen.fill('#f-comment', 'Terima kasih, ijazah sudah diterima.');
    await citizen.click('#feedback-form button[type=submit]');
    await citizen.waitForSelector('#feedback-done:not([hidden])');
    await audit(citizen, 'track (completed)');
    await shots(citizen, 'track-completed');
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
