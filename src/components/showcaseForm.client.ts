/**
 * Progressive enhancement for ShowcaseForm (bundled by Astro; the CSP allows no inline script): when the student
 * changes who can see the showcase, the note beside each piece says at once whether its readers will see it.
 * Without JavaScript the notes are right for the saved choice and the page after saving counts what is left out.
 */
import { leftOutNote } from '../core/showcaseReaders.ts';
import { VISIBILITIES, type Visibility } from '../core/visibility.ts';

const isVisibility = (v: string | undefined): v is Visibility => VISIBILITIES.includes(v as Visibility);

/** Keeps every piece's "left out" note in step with the showcase's visibility select. */
export function initShowcaseForms(root: ParentNode = document): void {
  for (const form of root.querySelectorAll<HTMLFormElement>('form[data-showcase-form]')) {
    const select = form.querySelector<HTMLSelectElement>('select[name="visibility"]');
    if (!select) continue;
    const update = () => {
      const showcase = select.value;
      if (!isVisibility(showcase)) return;
      for (const note of form.querySelectorAll<HTMLElement>('[data-left-out-for]')) {
        const piece = note.dataset.leftOutFor;
        if (!isVisibility(piece)) continue;
        const text = leftOutNote(showcase, piece);
        note.textContent = text ?? '';
        note.hidden = text === null;
        const box = note.id ? form.querySelector<HTMLInputElement>(`input[data-note="${note.id}"]`) : null;
        if (box) {
          if (text) box.setAttribute('aria-describedby', note.id);
          else box.removeAttribute('aria-describedby');
        }
      }
    };
    select.addEventListener('change', update);
  }
}
