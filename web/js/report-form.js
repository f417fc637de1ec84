// The report form (the body of POST /v1/reports, also of the desk's POST
// /v1/staff/desk-reports). Control names are the API's field paths (`reporter.nik`,
// `location.province_code`), so an error's `field` finds its control.

import { applyLang, categories, h, $, $$, L, regions, todayWib } from './core.js';
import { PROVINCES } from './geo.js';
import { Attachments } from './upload.js';


const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

/** Markup of the form's fields; `p` prefixes the ids (two forms may share a page). */
function fieldsHtml(p, { forDesk }) {
  const you = forDesk ? ['pelapor', 'the reporter'] : ['Anda', 'you'];
  const provinceOptions = PROVINCES.map(([c, n]) => `<option value="${c}">${esc(n)}</option>`).join('');
  return `
<div class="error-summary" role="alert" tabindex="-1" hidden></div>
<fieldset class="field">
  <legend data-en="What would you like to send?">Apa yang ingin disampaikan?</legend>
  <div class="choices">
    <label class="choice"><input type="radio" name="kind" value="complaint" checked> <span data-en="Complaint">Pengaduan</span></label>
    <label class="choice"><input type="radio" name="kind" value="suggestion"> <span data-en="Suggestion">Saran</span></label>
    <label class="choice"><input type="radio" name="kind" value="idea"> <span data-en="Idea">Gagasan</span></label>
  </div>
</fieldset>
<div class="field">
  <label class="label" for="${p}title" data-en="Title">Judul</label>
  <p class="hint" id="${p}title-hint" data-en="In a few words, e.g. “School withholds my child’s certificate” (5–150 characters).">Dalam beberapa kata, misalnya “Ijazah anak ditahan sekolah” (5–150 karakter).</p>
  <input id="${p}title" name="title" required minlength="5" maxlength="150" aria-describedby="${p}title-hint" autocomplete="off">
</div>
<div class="field">
  <label class="label" for="${p}description" data-en="What happened?">Uraian</label>
  <p class="hint" id="${p}description-hint" data-en="What happened, where, when and who was involved; what you have already tried (20–5,000 characters). Do not write your NIK or phone number here.">Apa yang terjadi, di mana, kapan, siapa yang terlibat, dan apa yang sudah dicoba (20–5.000 karakter). Jangan menulis NIK atau nomor telepon di sini.</p>
  <textarea id="${p}description" name="description" rows="6" required minlength="20" maxlength="5000" aria-describedby="${p}description-hint ${p}description-count"></textarea>
  <p class="hint counter" id="${p}description-count" aria-live="polite"></p>
</div>
<div class="field">
  <label class="label" for="${p}category" data-en="Category (optional)">Kategori (opsional)</label>
  <select id="${p}category" name="category">
    <option value="" data-en="— Choose a category —">— Pilih kategori —</option>
  </select>
</div>
<fieldset class="field">
  <legend data-en="Where did it happen? (optional)">Lokasi kejadian (opsional)</legend>
  <p class="hint" data-en="The province decides which regional government is involved.">Provinsi menentukan pemerintah daerah yang dilibatkan.</p>
  <div class="grid-2">
    <div class="field">
      <label class="label" for="${p}province" data-en="Province">Provinsi</label>
      <select id="${p}province" name="location.province_code">
        <option value="" data-en="— Choose a province —">— Pilih provinsi —</option>${provinceOptions}
      </select>
    </div>
    <div class="field">
      <label class="label" for="${p}regency" data-en="Regency or city">Kabupaten/kota</label>
      <select id="${p}regency" name="location.regency_code" aria-describedby="${p}regency-hint" disabled>
        <option value="" data-en="— Choose the province first —">— Pilih provinsi dahulu —</option>
      </select>
      <p class="hint" id="${p}regency-hint" data-en="The regency or city government is involved as well.">Pemerintah kabupaten/kota juga dilibatkan.</p>
    </div>
  </div>
  <div class="field">
    <label class="label" for="${p}address" data-en="Address or place (optional)">Alamat atau tempat (opsional)</label>
    <input id="${p}address" name="location.address" maxlength="500" autocomplete="off">
  </div>
</fieldset>
<div class="field">
  <label class="label" for="${p}incident" data-en="Date of the event (optional)">Tanggal kejadian (opsional)</label>
  <input id="${p}incident" name="incident_date" type="date" max="${todayWib()}">
</div>
<fieldset class="field privacy">
  <legend data-en="Who may see ${you[1] === 'you' ? 'your' : 'the reporter’s'} identity?">Siapa yang boleh melihat identitas ${you[0]}?</legend>
  <label class="choice block"><input type="radio" name="privacy" value="standard" checked aria-describedby="${p}pv-standard">
    <span><strong data-en="Standard">Biasa</strong>
    <span class="hint" id="${p}pv-standard" data-en="The Secretariat and the agencies handling the report see the name and contact, so they can get in touch.">Setwapres dan instansi yang menindaklanjuti laporan melihat nama dan kontak, sehingga dapat menghubungi bila perlu.</span></span></label>
  <label class="choice block"><input type="radio" name="privacy" value="confidential" aria-describedby="${p}pv-confidential">
    <span><strong data-en="Confidential">Rahasia</strong>
    <span class="hint" id="${p}pv-confidential" data-en="Only the Secretariat sees the identity. The agencies get the report without name, NIK or phone number.">Hanya Setwapres yang melihat identitas. Instansi menerima laporan tanpa nama, NIK, dan nomor telepon.</span></span></label>
  <label class="choice block"><input type="radio" name="privacy" value="anonymous" aria-describedby="${p}pv-anonymous">
    <span><strong data-en="Anonymous">Anonim</strong>
    <span class="hint" id="${p}pv-anonymous" data-en="No identity is given at all. Nobody can contact the reporter; the report can be followed only with the tracking token, so keep it safe.">Identitas tidak diisi sama sekali. Tidak ada yang dapat menghubungi pelapor; laporan hanya dapat diikuti dengan token pelacakan, jadi simpan token itu baik-baik.</span></span></label>
</fieldset>
<fieldset class="field identity" data-field="reporter">
  <legend data-en="Identity">Identitas</legend>
  <p class="hint" data-en="Protected under Law 27/2022 on personal data protection: never published, never shown on the tracking page.">Dilindungi UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi: tidak pernah dipublikasikan dan tidak tampil di halaman pelacakan.</p>
  <div class="field">
    <label class="label" for="${p}name" data-en="Full name">Nama lengkap</label>
    <input id="${p}name" name="reporter.name" autocomplete="${forDesk ? 'off' : 'name'}" minlength="2" maxlength="100">
  </div>
  <div class="field">
    <label class="label" for="${p}nik" data-en="NIK (16 digits, on the KTP)">NIK (16 angka, tertera di KTP)</label>
    <input id="${p}nik" name="reporter.nik" inputmode="numeric" pattern="[0-9]{16}" maxlength="16" autocomplete="off">
  </div>
  <div class="field">
    <label class="label" for="${p}phone" data-en="Phone number">Nomor telepon</label>
    <p class="hint" id="${p}phone-hint" data-en="An Indonesian number, e.g. 0812-3456-7890. Status updates may come by WhatsApp.">Nomor Indonesia, misalnya 0812-3456-7890. Kabar perkembangan dapat dikirim lewat WhatsApp.</p>
    <input id="${p}phone" name="reporter.phone" type="tel" autocomplete="${forDesk ? 'off' : 'tel'}" aria-describedby="${p}phone-hint">
  </div>
  <div class="field">
    <label class="label" for="${p}email" data-en="E-mail (optional)">Surel (opsional)</label>
    <input id="${p}email" name="reporter.email" type="email" autocomplete="${forDesk ? 'off' : 'email'}" maxlength="254">
  </div>
</fieldset>
<div class="field attachments" data-field="attachments"></div>
<div class="field consent">
  <label class="choice block"><input type="checkbox" name="consent" value="true" required>
    <span data-en="${forDesk ? 'The reporter agrees' : 'I agree'} to the processing of this report and the personal data in it by the Vice President’s Secretariat and the agencies it is forwarded to, under Law 27/2022.">${forDesk ? 'Pelapor menyetujui' : 'Saya menyetujui'} pemrosesan laporan ini beserta data pribadi di dalamnya oleh Sekretariat Wakil Presiden dan instansi penerima terusan, sesuai UU No. 27 Tahun 2022.</span></label>
</div>`;
}

/**
 * Builds the form's fields into `form` (before its buttons) and wires them. Answers
 * `{ collect(), attachments, reset() }`.
 */
export function mountReportForm(form, { prefix = 'r-', forDesk = false } = {}) {
  const slot = form.querySelector('.report-fields');
  slot.innerHTML = fieldsHtml(prefix, { forDesk });
  const attachments = new Attachments($('.attachments', slot));
  const identity = $('.identity', slot);
  const syncPrivacy = () => {
    const anonymous = form.elements.privacy.value === 'anonymous';
    identity.hidden = anonymous;
    for (const c of $$('input', identity)) c.disabled = anonymous;
    const req = ['reporter.name', 'reporter.nik', 'reporter.phone'];
    for (const n of req) form.elements[n].required = !anonymous;
  };
  for (const r of form.elements.privacy) r.addEventListener('change', syncPrivacy);
  syncPrivacy();

  const desc = form.elements.description;
  const counter = $(`#${prefix}description-count`, slot);
  const count = () => { counter.textContent = L(`${desc.value.length} dari 5.000 karakter`, `${desc.value.length} of 5,000 characters`); };
  desc.addEventListener('input', count);
  document.addEventListener('langchange', count);
  count();

  // The regencies and cities of the chosen province, by name; the one of the NIK (its first
  // four digits) chosen when the province matches and none is chosen yet.
  const nik = form.elements['reporter.nik'];
  const regency = form.elements['location.regency_code'];
  const province = form.elements['location.province_code'];
  const suggest = () => {
    const fromNik = /^\d{16}$/.test(nik.value) ? nik.value.slice(0, 4) : '';
    if (!regency.value && fromNik.slice(0, 2) === province.value
        && [...regency.options].some((o) => o.value === fromNik)) regency.value = fromNik;
  };
  const fillRegencies = async () => {
    const chosen = province.value;
    const keep = regency.value;
    regency.replaceChildren(h('option', { value: '', 'data-en': chosen ? '— Choose a regency or city (optional) —' : '— Choose the province first —' },
      chosen ? '— Pilih kabupaten/kota (opsional) —' : '— Pilih provinsi dahulu —'));
    regency.disabled = !chosen;
    if (chosen) {
      try {
        const p = (await regions()).find((r) => r.code === chosen);
        for (const r of p ? p.regencies : []) regency.append(h('option', { value: r.code }, r.name));
        if (keep.startsWith(chosen)) regency.value = keep;
      } catch { /* without the list the field stays empty: a location needs no regency */ }
    }
    applyLang(regency);
    suggest();
  };
  nik.addEventListener('change', suggest);
  province.addEventListener('change', fillRegencies);

  applyLang(slot);
  categories().then((cats) => {
    const select = form.elements.category;
    for (const c of cats) select.append(h('option', { value: c.code, 'data-en': c.name_en }, c.name_id));
    applyLang(select);
  }).catch(() => { /* the field stays optional; the API names a bad category */ });

  const value = (name) => (form.elements[name]?.value ?? '').trim();
  return {
    attachments,
    /** The request body, optional parts omitted when empty. */
    collect() {
      const body = {
        kind: form.elements.kind.value,
        title: value('title'),
        description: value('description'),
        privacy: form.elements.privacy.value,
        consent: form.elements.consent.checked,
      };
      if (value('category')) body.category = value('category');
      const loc = {};
      if (value('location.province_code')) loc.province_code = value('location.province_code');
      if (value('location.regency_code')) loc.regency_code = value('location.regency_code');
      if (value('location.address')) loc.address = value('location.address');
      if (Object.keys(loc).length) body.location = loc;
      if (value('incident_date')) body.incident_date = value('incident_date');
      if (body.privacy !== 'anonymous') {
        body.reporter = { name: value('reporter.name'), nik: value('reporter.nik'), phone: value('reporter.phone') };
        if (value('reporter.email')) body.reporter.email = value('reporter.email');
      }
      const ids = attachments.ids();
      if (ids.length) body.attachments = ids;
      return body;
    },
    reset() {
      form.reset();
      attachments.reset();
      syncPrivacy();
      count();
      fillRegencies();
    },
  };
}

/** One Idempotency-Key per distinct body: a retry of the same body replays the first answer;
 *  a corrected body after an error is a new request. */
export function idempotency() {
  let last = null;
  return (body) => {
    const text = JSON.stringify(body);
    if (!last || last.text !== text) last = { text, key: crypto.randomUUID() };
    return last.key;
  };
}
