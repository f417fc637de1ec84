// Attachment download links, shared by the track page (with the tracking token) and the
// staff console (with the staff token); only those two pages load it.

import { h, L } from './core.js';

/**
 * A report's attachments as a list of buttons; each asks `fetchLink(id)` (the citizen's or
 * the staff's link endpoint) for a 5-minute download link and becomes that link.
 */
export function attachmentList(ids, fetchLink) {
  if (!ids?.length) return [];
  return [h('p', { class: 'label' }, L('Lampiran', 'Attachments')),
    h('ul', {}, ids.map((id, i) => {
      const li = h('li', {});
      const button = h('button', { type: 'button', class: 'link-button' },
        L(`Lampiran ${i + 1}: buka tautan unduhan`, `Attachment ${i + 1}: get a download link`));
      button.addEventListener('click', async () => {
        try {
          const link = await fetchLink(id);
          const a = h('a', { href: link.url, target: '_blank', rel: 'noopener noreferrer' },
            L(`Unduh lampiran ${i + 1} (berlaku 5 menit)`, `Download attachment ${i + 1} (valid for 5 minutes)`));
          button.replaceWith(a);
          a.focus();
        } catch (err) {
          li.append(h('span', { class: 'field-error' }, err.message));
        }
      });
      li.append(button);
      return li;
    }))];
}
