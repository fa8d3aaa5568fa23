/**
 * Drafts: every change is copied into this browser's storage at once, and sent to the server as a draft a few
 * seconds after typing stops and when the page is left. A copy in the browser that differs from what the page shows
 * is offered back (the server or the network may have been down while it was typed). Closing the page with changes
 * that are not saved as a revision asks first.
 */
import { EDITOR_FIELDS, type EditorFields } from '../../core/editor/fields.ts';

/** Quiet time after the last keystroke before a draft is sent. */
const DRAFT_DELAY_MS = 2500;
const STORAGE_PREFIX = 'potluck:draft:';

interface LocalCopy {
  /** Which piece (an artifact id or a `new-…` key). */
  draftKey?: string;
  values: EditorFields;
  baseRevision: string;
  /** When it was typed (ISO). */
  keptAt: string;
}

interface DraftAnswer {
  savedAt?: string;
  kept?: boolean;
  signIn?: string;
  error?: { code: string; message: string };
}

function valuesOf(form: HTMLFormElement): EditorFields {
  const data = new FormData(form);
  const values: EditorFields = {};
  for (const name of EDITOR_FIELDS) {
    const value = data.get(name);
    if (typeof value === 'string') values[name] = value.replace(/\r\n?/g, '\n');
  }
  return values;
}

function same(a: EditorFields, b: EditorFields): boolean {
  return EDITOR_FIELDS.every((name) => (a[name] ?? '') === (b[name] ?? ''));
}

function fill(form: HTMLFormElement, values: EditorFields): void {
  for (const name of EDITOR_FIELDS) {
    const value = values[name];
    if (value === undefined) continue;
    for (const el of form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(`[name="${name}"]`)) {
      if (el instanceof HTMLInputElement && (el.type === 'radio' || el.type === 'checkbox')) el.checked = el.value === value;
      else el.value = value;
    }
  }
  form.querySelector('#f-body')?.dispatchEvent(new Event('input', { bubbles: true }));
}

function readLocal(key: string): LocalCopy | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as LocalCopy) : null;
  } catch {
    return null;
  }
}

function writeLocal(key: string, copy: LocalCopy): boolean {
  try {
    localStorage.setItem(key, JSON.stringify(copy));
    return true;
  } catch {
    // Storage full or turned off: the server draft still works.
    return false;
  }
}

function removeLocal(key: string): void {
  try {
    localStorage.removeItem(key);
  } catch {
    /* storage turned off */
  }
}

// Each tab keeps its own copy (`potluck:draft:<user>:<draftKey>:<tab>`), so two tabs on one piece never overwrite
// each other's words in this browser; sessionStorage keeps a tab's id across reloads of that tab.
function tabId(): string {
  try {
    let id = sessionStorage.getItem('potluck:tab');
    if (!id) {
      id = Math.random().toString(36).slice(2, 10);
      sessionStorage.setItem('potluck:tab', id);
    }
    return id;
  } catch {
    return 'tab';
  }
}

interface StoredCopy {
  storage: string;
  draftKey: string;
  copy: LocalCopy;
}

/** This browser's copies of the user's drafts whose piece `wanted` accepts (copies of every tab). */
function storedCopies(user: string, wanted: (draftKey: string) => boolean): StoredCopy[] {
  const prefix = `${STORAGE_PREFIX}${user}:`;
  const found: StoredCopy[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const storage = localStorage.key(i);
      if (!storage?.startsWith(prefix)) continue;
      const draftKey = storage.slice(prefix.length).split(':')[0];
      if (!wanted(draftKey)) continue;
      const copy = readLocal(storage);
      if (copy) found.push({ storage, draftKey, copy });
    }
  } catch {
    /* storage turned off */
  }
  return found;
}

const timeOf = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const dateTimeOf = (iso: string) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

/** Wires drafts for the editor form (data-draft-key, data-editor-user, data-base-revision on the form). */
export function initDrafts(form: HTMLFormElement): void {
  const user = form.dataset.editorUser ?? '';
  let draftKey = form.dataset.draftKey ?? '';
  if (!user || !draftKey) return;
  const status = form.querySelector<HTMLElement>('[data-draft-status]');
  const keyInput = form.querySelector<HTMLInputElement>('input[name="draftKey"]');
  const baseInput = form.querySelector<HTMLInputElement>('input[name="baseRevision"]');
  const tab = tabId();
  const storageKey = () => `${STORAGE_PREFIX}${user}:${draftKey}:${tab}`;
  const say = (text: string, link?: { href: string; label: string }) => {
    if (!status) return;
    status.textContent = text;
    if (link) {
      const a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.label;
      status.append(' ', a);
    }
  };

  // What the page showed when it loaded: the saved revision, unless the server filled in a draft or a kept save.
  const shown = valuesOf(form);
  const startsUnsaved = form.dataset.unsaved === 'true';
  let saved = startsUnsaved ? null : shown;
  let sentToServer: EditorFields = shown;
  let submitting = false;
  let timer: number | undefined;
  let inFlight: Promise<void> | null = null;

  // A save just succeeded: the browser's copy of the piece as it was before saving is done with.
  const params = new URLSearchParams(location.search);
  const from = params.get('from');
  if (params.get('saved') === '1') {
    for (const stored of storedCopies(user, (key) => key === draftKey || key === from)) {
      if (same(stored.copy.values, shown)) removeLocal(stored.storage);
    }
  }

  offerLocalCopies();

  form.addEventListener('input', () => {
    const values = valuesOf(form);
    writeLocal(storageKey(), { draftKey, values, baseRevision: baseInput?.value ?? '', keptAt: new Date().toISOString() });
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void send(false), DRAFT_DELAY_MS);
  });
  form.addEventListener('change', () => form.dispatchEvent(new Event('input')));
  form.addEventListener('submit', () => {
    submitting = true;
    window.clearTimeout(timer);
  });
  window.addEventListener('online', () => void send(false));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void send(true);
  });
  window.addEventListener('pagehide', () => void send(true));
  window.addEventListener('beforeunload', (event) => {
    if (submitting) return;
    if (saved && same(valuesOf(form), saved)) return;
    event.preventDefault();
    // Older browsers show the dialog only when returnValue is set.
    event.returnValue = '';
  });

  async function send(leaving: boolean): Promise<void> {
    if (submitting) return;
    const values = valuesOf(form);
    if (same(values, sentToServer)) return;
    if (inFlight && !leaving) await inFlight;
    const request = fetch('/api/drafts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: draftKey, baseRevision: baseInput?.value ? Number(baseInput.value) : null, values, editor: user }),
      // keepalive lets the last draft go out while the page closes (bodies up to 64 KB; larger ones try anyway).
      keepalive: leaving && JSON.stringify(values).length < 60_000,
      credentials: 'same-origin',
    });
    inFlight = request
      .then(async (response) => {
        const answer = (await response.json().catch(() => ({}))) as DraftAnswer;
        if (response.ok && answer.savedAt) {
          sentToServer = values;
          say(`Draft kept at ${timeOf(answer.savedAt)}. Not saved as a revision until you press Save.`);
        } else if (response.status === 401) {
          say(
            answer.kept
              ? 'You are signed out. Your text is kept in this browser and, for an hour, on the server.'
              : 'You are signed out. Your text is kept in this browser.',
            { href: answer.signIn ?? `/signin?next=${encodeURIComponent(location.pathname + '?kept=1')}`, label: 'Sign in again' },
          );
        } else {
          say(answer.error?.message ?? 'The draft could not be kept on the server; it is kept in this browser.');
        }
      })
      .catch(() => {
        say('Potluck cannot be reached right now. Your text is kept in this browser and will be sent when the connection is back.');
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  // Copies in this browser that differ from what the page shows: this piece's own, and on the new-piece page the
  // unsaved pieces of other tabs.
  function offerLocalCopies(): void {
    const offers: StoredCopy[] = [];
    const isNewPage = draftKey.startsWith('new-');
    for (const stored of storedCopies(user, (key) => key === draftKey || (isNewPage && key.startsWith('new-')))) {
      const { values } = stored.copy;
      if (same(values, shown)) {
        if (stored.draftKey === draftKey) removeLocal(stored.storage);
        continue;
      }
      if (stored.draftKey !== draftKey && !values.title && !values.body) continue;
      // Two tabs that ended with the same words need one offer.
      if (offers.some((o) => same(o.copy.values, values))) continue;
      offers.push(stored);
    }
    if (offers.length === 0) return;
    offers.sort((a, b) => b.copy.keptAt.localeCompare(a.copy.keptAt));
    const panel = document.createElement('section');
    panel.className = 'notice notice-info draft-offers';
    panel.setAttribute('aria-labelledby', 'local-copy-heading');
    const heading = document.createElement('h2');
    heading.id = 'local-copy-heading';
    heading.textContent = 'Text kept in this browser';
    const list = document.createElement('ul');
    panel.append(heading, list);
    for (const offer of offers.slice(0, 5)) {
      const item = document.createElement('li');
      const label = document.createElement('span');
      const title = offer.copy.values.title ? `“${offer.copy.values.title}”, ` : '';
      label.textContent = `${title}typed ${dateTimeOf(offer.copy.keptAt)} and not saved yet.`;
      const restore = document.createElement('button');
      restore.type = 'button';
      restore.textContent = 'Restore it';
      const discard = document.createElement('button');
      discard.type = 'button';
      discard.className = 'secondary';
      discard.textContent = 'Discard it';
      restore.addEventListener('click', () => {
        if (offer.draftKey !== draftKey) {
          draftKey = offer.draftKey;
          form.dataset.draftKey = draftKey;
          if (keyInput) keyInput.value = draftKey;
        }
        if (baseInput && offer.copy.baseRevision) baseInput.value = offer.copy.baseRevision;
        // From now on this tab keeps the words under its own key.
        if (offer.storage !== storageKey()) removeLocal(offer.storage);
        fill(form, offer.copy.values);
        saved = null;
        panel.remove();
        say('Restored from this browser. Not saved yet: press Save to keep it.');
        form.querySelector<HTMLTextAreaElement>('#f-body')?.focus();
      });
      discard.addEventListener('click', () => {
        removeLocal(offer.storage);
        item.remove();
        if (!list.children.length) panel.remove();
      });
      item.append(label, ' ', restore, ' ', discard);
      list.append(item);
    }
    // Above the editor and its preview, like the server's offers (inside the two-column layout it took the form's column).
    (form.closest('.editor-layout') ?? form).before(panel);
  }
}
