/**
 * The Markdown toolbar and its keyboard shortcuts. Edits go through the browser's own text insertion, so Undo
 * undoes them like typing; every change fires `input`, so preview, word count and drafts follow.
 */

type Format = 'bold' | 'italic' | 'heading' | 'link' | 'list' | 'quote' | 'picture';

function replaceSelection(body: HTMLTextAreaElement, text: string, selectFrom: number, selectTo: number): void {
  const start = body.selectionStart;
  body.focus();
  // execCommand keeps the edit in the undo history; setRangeText is the fallback where it is gone.
  const done = typeof document.execCommand === 'function' && document.execCommand('insertText', false, text);
  if (!done) {
    body.setRangeText(text, body.selectionStart, body.selectionEnd, 'end');
    body.dispatchEvent(new Event('input', { bubbles: true }));
  }
  body.setSelectionRange(start + selectFrom, start + selectTo);
}

function wrap(body: HTMLTextAreaElement, before: string, after: string, placeholder: string): void {
  const selected = body.value.slice(body.selectionStart, body.selectionEnd) || placeholder;
  replaceSelection(body, `${before}${selected}${after}`, before.length, before.length + selected.length);
}

// Whole lines: the selection grows to the lines it touches, and each gets the prefix (or loses it, when all have it).
function prefixLines(body: HTMLTextAreaElement, prefix: string): void {
  const value = body.value;
  const from = value.lastIndexOf('\n', body.selectionStart - 1) + 1;
  const endBreak = value.indexOf('\n', body.selectionEnd);
  const to = endBreak === -1 ? value.length : endBreak;
  body.setSelectionRange(from, to);
  const lines = value.slice(from, to).split('\n');
  // On an empty line the prefix goes in and the cursor after it, ready for the heading, item or quote to be typed.
  if (lines.length === 1 && lines[0].trim() === '') {
    const text = prefix + lines[0];
    replaceSelection(body, text, text.length, text.length);
    return;
  }
  const all = lines.every((l) => l.startsWith(prefix));
  const text = lines.map((l) => (all ? l.slice(prefix.length) : l.trim() === '' ? l : prefix + l)).join('\n');
  replaceSelection(body, text, 0, text.length);
}

function link(body: HTMLTextAreaElement): void {
  const selected = body.value.slice(body.selectionStart, body.selectionEnd) || 'link text';
  const text = `[${selected}](https://)`;
  // The address is what is left to type: it is selected.
  replaceSelection(body, text, selected.length + 3, text.length - 1);
}

function apply(form: HTMLFormElement, body: HTMLTextAreaElement, format: Format): void {
  switch (format) {
    case 'bold':
      return wrap(body, '**', '**', 'bold text');
    case 'italic':
      return wrap(body, '_', '_', 'italic text');
    case 'heading':
      return prefixLines(body, '## ');
    case 'list':
      return prefixLines(body, '- ');
    case 'quote':
      return prefixLines(body, '> ');
    case 'link':
      return link(body);
    case 'picture':
      // The pictures panel below the text listens for this and opens its picker.
      form.dispatchEvent(new CustomEvent('potluck:pick-picture', { bubbles: true }));
      return;
  }
}

function shortcut(event: KeyboardEvent): Format | 'save' | null {
  if (!(event.ctrlKey || event.metaKey)) return null;
  const key = event.key.toLowerCase();
  if (!event.shiftKey && !event.altKey) {
    if (key === 'b') return 'bold';
    if (key === 'i') return 'italic';
    if (key === 'k') return 'link';
    if (key === 's') return 'save';
  }
  if (event.altKey && !event.shiftKey && (event.code === 'Digit2' || key === '2')) return 'heading';
  if (event.shiftKey && !event.altKey) {
    if (event.code === 'Digit8' || key === '*') return 'list';
    if (event.code === 'Period' || key === '>') return 'quote';
  }
  return null;
}

/** Shows the toolbar and wires its buttons (one tab stop, arrow keys between buttons) and the shortcuts. */
export function initToolbar(form: HTMLFormElement, body: HTMLTextAreaElement): void {
  const toolbar = form.querySelector<HTMLElement>('[data-toolbar]');
  if (!toolbar) return;
  toolbar.hidden = false;
  const buttons = [...toolbar.querySelectorAll<HTMLButtonElement>('button[data-format]')];
  for (const button of buttons) {
    // Keep the text's selection: a click on a button must not move focus before the format is applied.
    button.addEventListener('mousedown', (event) => event.preventDefault());
    button.addEventListener('click', () => apply(form, body, button.dataset.format as Format));
  }
  toolbar.addEventListener('keydown', (event) => {
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (index === -1) return;
    const next =
      event.key === 'ArrowRight' ? (index + 1) % buttons.length
      : event.key === 'ArrowLeft' ? (index - 1 + buttons.length) % buttons.length
      : event.key === 'Home' ? 0
      : event.key === 'End' ? buttons.length - 1
      : -1;
    if (next === -1) return;
    event.preventDefault();
    buttons[index].tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  });
  body.addEventListener('keydown', (event) => {
    const action = shortcut(event);
    if (!action) return;
    event.preventDefault();
    if (action === 'save') form.querySelector<HTMLButtonElement>('button[data-save]')?.click();
    else apply(form, body, action);
  });
}
