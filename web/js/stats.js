// Public statistics: GET /v1/stats (aggregates kept up to date as reports move; cached for
// a minute) drawn as SVG charts; labels of categories from GET /v1/categories.

import { initPage, api, $, L, say, fmtTime, fmtNumber, categories, STATUS, CHANNEL } from './core.js';
import { bars, columns, donut, stack, PALETTE } from './charts.js';

initPage();

let data = null;
let cats = [];

const STATUS_COLOURS = {
  received: '#0b4f8a', in_analysis: '#2f6f9f', needs_info: '#7a4a00', forwarded: '#47256e',
  responded: '#6d2f6f', completed: '#17603a', rejected: '#8c1c13',
};
const CHANNEL_COLOURS = { web: '#0b4f8a', whatsapp: '#17603a', desk: '#7a4a00' };

async function load() {
  say($('#stats-status'), L('Memuat statistik…', 'Loading statistics…'));
  try {
    const [stats, categoryList] = await Promise.all([api('/v1/stats'), categories().catch(() => [])]);
    if (!stats || typeof stats.total !== 'number') throw new Error(L('Jawaban tidak dikenal.', 'Unexpected answer.'));
    data = stats;
    cats = categoryList;
    say($('#stats-status'), '');
    $('#stats-unavailable').hidden = true;
    $('#stats').hidden = false;
    render();
  } catch (err) {
    say($('#stats-status'), '');
    $('#stats').hidden = true;
    $('#stats-unavailable').hidden = false;
    $('#stats-error').textContent = err.message;
  }
}

function monthLabel(ym, short) {
  const [y, m] = ym.split('-').map(Number);
  return new Intl.DateTimeFormat(L('id-ID', 'en-GB'), { timeZone: 'UTC', month: short ? 'short' : 'long', year: 'numeric' })
    .format(new Date(Date.UTC(y, m - 1, 1)));
}

function render() {
  if (!data) return;
  const d = data;
  $('#stats-generated').textContent = L(`Data per ${fmtTime(d.generated_at)}.`, `Figures as of ${fmtTime(d.generated_at)}.`);
  $('#k-total').textContent = fmtNumber(d.total);
  const share = d.within_standard?.share;
  $('#k-share').textContent = typeof share === 'number' ? `${(share * 100).toFixed(1).replace('.', L(',', '.'))}%` : '–';
  const median = d.first_response?.median_working_days;
  $('#k-median').textContent = typeof median === 'number' ? fmtNumber(median) : '–';
  $('#k-completed').textContent = fmtNumber(d.by_status?.completed ?? 0);

  const months = (d.by_month || []).map((m) => ({ label: monthLabel(m.month, false), short: monthLabel(m.month, true), value: m.submitted }));
  columns($('#ch-month .plot'), { title: L('Laporan per bulan', 'Reports per month'), rows: months });

  const statusRows = Object.keys(STATUS).map((code) => ({
    label: L(...STATUS[code]), value: d.by_status?.[code] ?? 0, color: STATUS_COLOURS[code],
  }));
  const all = statusRows.reduce((a, r) => a + r.value, 0);
  bars($('#ch-status .plot'), { title: L('Posisi laporan saat ini', 'Where reports are now'), rows: statusRows, total: all });

  const ws = d.within_standard || { processed: 0, within: 0, overdue_unprocessed: 0 };
  const whole = ws.processed + ws.overdue_unprocessed;
  stack($('#ch-standard .plot'), {
    title: L('Standar 14 hari kerja', 'The 14-working-day standard'),
    whole,
    parts: [
      { label: L('Ditangani tepat waktu', 'Handled in time'), value: ws.within, color: '#17603a' },
      { label: L('Ditangani terlambat', 'Handled late'), value: Math.max(0, ws.processed - ws.within), color: '#7a4a00' },
      { label: L('Lewat batas, belum ditangani', 'Past due, not handled yet'), value: ws.overdue_unprocessed, color: '#8c1c13' },
    ],
  });

  const names = Object.fromEntries(cats.map((c) => [c.code, L(c.name_id, c.name_en)]));
  const catRows = Object.entries(d.by_category || {})
    .map(([code, value], i) => ({
      label: names[code] || (code === 'unclassified' ? L('Belum diklasifikasi', 'Not classified yet') : code),
      value, color: PALETTE[i % PALETTE.length],
    }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
  const catTotal = catRows.reduce((a, r) => a + r.value, 0);
  bars($('#ch-category .plot'), { title: L('Laporan menurut kategori', 'Reports by category'), rows: catRows.map((r) => ({ ...r, color: PALETTE[0] })), total: catTotal });

  const chRows = Object.keys(CHANNEL).map((code) => ({
    label: L(...CHANNEL[code]), value: d.by_channel?.[code] ?? 0, color: CHANNEL_COLOURS[code],
  }));
  donut($('#ch-channel .plot'), { title: L('Laporan menurut saluran', 'Reports by channel'), rows: chRows, total: chRows.reduce((a, r) => a + r.value, 0) });
}

document.addEventListener('langchange', render);
let resizeTimer = 0;
window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(render, 150); });
$('#stats-retry').addEventListener('click', load);
load();
