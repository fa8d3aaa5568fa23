/**
 * The editor's scripts (bundled; the CSP allows no inline script). Without them the editor is a plain form that
 * still saves, previews and uploads; with them: live preview, drafts kept on the server and in this browser, a
 * warning before unsaved changes are closed, the formatting toolbar and shortcuts, and the word count.
 */
import { initDrafts } from './drafts.client.ts';
import { initPreview } from './preview.client.ts';
import { initToolbar } from './toolbar.client.ts';
import { countWords, describeLength } from '../../core/editor/wordCount.ts';

/** Shows `<time data-local-time>` in the reader's own time zone (the server writes UTC). */
export function localizeTimes(root: ParentNode = document): void {
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  for (const el of root.querySelectorAll<HTMLTimeElement>('time[data-local-time]')) {
    const when = new Date(el.dateTime);
    if (!Number.isNaN(when.getTime())) el.textContent = format.format(when);
  }
}

function initWordCount(body: HTMLTextAreaElement, out: HTMLElement): void {
  let timer: number | undefined;
  body.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => (out.textContent = describeLength(countWords(body.value))), 150);
  });
}

/** Wires the editor form on this page, once. */
export function initEditor(): void {
  const form = document.querySelector<HTMLFormElement>('form[data-editor]');
  const body = form?.querySelector<HTMLTextAreaElement>('#f-body');
  if (!form || !body || form.dataset.ready) return;
  form.dataset.ready = 'true';
  localizeTimes();
  const count = form.querySelector<HTMLElement>('[data-word-count]');
  if (count) initWordCount(body, count);
  initPreview(form);
  initToolbar(form, body);
  initDrafts(form);
}
