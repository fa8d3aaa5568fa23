/**
 * Pictures in the editor, in the browser (bundled by Astro; the CSP allows no inline script). A picture dropped onto
 * the text box or pasted into it opens a dialog that asks for its description, uploads it with a progress bar through
 * the picker's upload client, and puts its snippet where the cursor was (replacing a selection). The picker's own
 * upload and the list of earlier pictures insert at the cursor too. Every insertion fires an `input` event on the
 * text box, so the live preview, the word count and the draft see it like typing. Without this script the component
 * is a plain upload that submits the editor form.
 */
import { editorSnippet } from '../../core/markdown/snippets.ts';
import { formatSize, sendUpload, type UploadHandle, type UploadedMedia } from '../mediaPicker.client.ts';

function part<T extends HTMLElement>(root: ParentNode, name: string): T {
  const element = root.querySelector<T>(`[data-${name}]`);
  if (!element) throw new Error(`The editor's picture tools are missing [data-${name}].`);
  return element;
}

/** Wires every picture tool on the page that is not wired yet. */
export function initEditorPictures(): void {
  for (const root of document.querySelectorAll<HTMLElement>('[data-editor-pictures]')) {
    if (root.dataset.ready) continue;
    const textarea = document.getElementById(root.dataset.target || 'f-body');
    if (!(textarea instanceof HTMLTextAreaElement)) continue;
    root.dataset.ready = 'true';
    wire(root, textarea);
  }
}

/** Where a snippet goes: the selection the student had when they dropped, pasted or chose. */
interface Spot {
  start: number;
  end: number;
}

/** What the dialog is asked for: a new file to upload, or words for an earlier picture that has no description. */
type Request = { kind: 'upload'; file: File; spot: Spot } | { kind: 'describe'; item: { id: string; filename: string }; spot: Spot };

function wire(root: HTMLElement, textarea: HTMLTextAreaElement): void {
  const status = part<HTMLElement>(root, 'ep-status');
  const errorBox = part<HTMLElement>(root, 'ep-error');
  const dialog = part<HTMLDialogElement>(root, 'ep-dialog');
  const dialogTitle = part<HTMLElement>(dialog, 'ep-dialog-title');
  const dialogPreview = part<HTMLImageElement>(dialog, 'ep-dialog-preview');
  const dialogFile = part<HTMLElement>(dialog, 'ep-dialog-file');
  const dialogLabel = part<HTMLElement>(dialog, 'ep-dialog-label');
  const dialogHint = part<HTMLElement>(dialog, 'ep-dialog-hint');
  const dialogAlt = part<HTMLInputElement>(dialog, 'ep-dialog-alt');
  const dialogProgress = part<HTMLProgressElement>(dialog, 'ep-dialog-progress');
  const dialogStatus = part<HTMLElement>(dialog, 'ep-dialog-status');
  const confirm = part<HTMLButtonElement>(dialog, 'ep-dialog-confirm');
  const cancel = part<HTMLButtonElement>(dialog, 'ep-dialog-cancel');
  const library = part<HTMLUListElement>(root, 'ep-library');
  const count = part<HTMLElement>(root, 'ep-count');
  const empty = part<HTMLElement>(root, 'ep-empty');
  const hintText = dialogHint.textContent ?? '';

  part<HTMLElement>(root, 'ep-drop-hint').hidden = false;
  for (const button of root.querySelectorAll<HTMLButtonElement>('[data-ep-insert]')) button.hidden = false;
  dialogPreview.addEventListener('error', () => (dialogPreview.hidden = true));

  let request: Request | null = null;
  let upload: UploadHandle | null = null;
  let previewUrl: string | null = null;

  const say = (text: string) => (status.textContent = text);
  const fail = (text: string) => {
    errorBox.textContent = text;
    errorBox.hidden = text === '';
  };
  const spotNow = (): Spot => ({ start: textarea.selectionStart, end: textarea.selectionEnd });

  /** Puts `snippet` in place of the spot, leaves the cursor after it, and tells the page the text changed. */
  function insert(snippet: string, spot: Spot): void {
    const length = textarea.value.length;
    const start = Math.min(spot.start, length);
    const end = Math.min(Math.max(spot.end, start), length);
    textarea.focus();
    textarea.setRangeText(snippet, start, end, 'end');
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  }

  // --- Dropping and pasting onto the text box ---------------------------------------------------------------------
  const carriesFiles = (event: DragEvent) => Boolean(event.dataTransfer?.types.includes('Files'));
  const over = (event: DragEvent) => {
    if (!carriesFiles(event)) return; // dragging text within the box keeps working as usual
    event.preventDefault();
    event.dataTransfer!.dropEffect = 'copy';
    textarea.classList.add('picture-dragover');
  };
  textarea.addEventListener('dragenter', over);
  textarea.addEventListener('dragover', over);
  textarea.addEventListener('dragleave', () => textarea.classList.remove('picture-dragover'));
  textarea.addEventListener('drop', (event) => {
    textarea.classList.remove('picture-dragover');
    const files = event.dataTransfer?.files;
    if (!files || files.length === 0) return;
    event.preventDefault();
    take(files, spotNow());
  });
  textarea.addEventListener('paste', (event) => {
    const data = event.clipboardData;
    // Copying from a spreadsheet or a word processor carries text and a picture of it: the text is what was meant.
    if (!data || data.files.length === 0 || data.types.includes('text/plain')) return;
    event.preventDefault();
    take(data.files, spotNow());
  });

  function take(files: FileList, spot: Spot): void {
    fail('');
    if (request) return; // one dialog at a time; the open one is modal anyway
    if (files.length > 1) say(`Adding the first of ${files.length} files; add the others one at a time.`);
    ask({ kind: 'upload', file: files[0], spot });
  }

  // --- The dialog -------------------------------------------------------------------------------------------------
  function ask(next: Request): void {
    request = next;
    const isPicture = next.kind === 'describe' || next.file.type.startsWith('image/') || next.file.type === '';
    dialogTitle.textContent = next.kind === 'upload' ? (isPicture ? 'Add a picture' : 'Add a file') : 'Describe the picture';
    dialogLabel.textContent = isPicture ? 'Describe the picture (alt text)' : 'Describe the file';
    dialogHint.textContent =
      next.kind === 'upload'
        ? hintText
        : 'It has no description yet. These words are used in this piece; to describe the picture everywhere, do it in Media.';
    confirm.textContent = next.kind === 'upload' ? (isPicture ? 'Upload and add picture' : 'Upload and add file') : 'Add picture';
    dialogFile.textContent = next.kind === 'upload' ? `${next.file.name || 'Pasted picture'} (${formatSize(next.file.size)})` : next.item.filename;
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    if (next.kind === 'upload' && next.file.type.startsWith('image/')) {
      previewUrl = URL.createObjectURL(next.file);
      dialogPreview.src = previewUrl;
      dialogPreview.hidden = false;
    } else if (next.kind === 'describe') {
      dialogPreview.src = `/media/${encodeURIComponent(next.item.id)}/`;
      dialogPreview.hidden = false;
    } else {
      dialogPreview.removeAttribute('src');
      dialogPreview.hidden = true;
    }
    dialogAlt.value = '';
    dialogStatus.textContent = '';
    dialogProgress.hidden = true;
    confirm.disabled = false;
    dialog.showModal();
    dialogAlt.focus();
  }

  function accept(): void {
    const current = request;
    if (!current || upload) return;
    const words = dialogAlt.value;
    if (current.kind === 'describe') {
      close();
      insert(editorSnippet({ id: current.item.id, kind: 'image', filename: current.item.filename }, words), current.spot);
      say(`Added “${words.trim() || current.item.filename}” to your text.`);
      return;
    }
    const file = current.file;
    const name = file.name || 'the pasted picture';
    confirm.disabled = true;
    dialogProgress.value = 0;
    dialogProgress.hidden = false;
    dialogStatus.textContent = `Uploading ${name}…`;
    upload = sendUpload(file, words, {
      onProgress: (percent) => {
        dialogProgress.value = percent;
        dialogProgress.textContent = `${percent}%`;
        dialogStatus.textContent = percent < 100 ? `Uploading ${name}: ${percent}%` : 'Uploaded; preparing the picture sizes…';
      },
    });
    upload.done.then((outcome) => {
      upload = null;
      if (request !== current) return; // cancelled meanwhile
      close();
      if (!outcome.ok) {
        if (!outcome.aborted) fail(`${name} was not added: ${outcome.message}`);
        textarea.focus();
        textarea.setSelectionRange(current.spot.start, current.spot.end);
        return;
      }
      added(outcome.item, current.spot);
    });
  }

  function close(): void {
    request = null;
    if (dialog.open) dialog.close();
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
  }

  function abandon(): void {
    const current = request;
    upload?.abort();
    upload = null;
    close();
    if (current) {
      say('Nothing was added.');
      textarea.focus();
      textarea.setSelectionRange(current.spot.start, current.spot.end);
    }
  }

  confirm.addEventListener('click', accept);
  cancel.addEventListener('click', abandon);
  dialogAlt.addEventListener('keydown', (event) => {
    // The dialog sits inside the editor form: Enter here must add the picture, never submit the form.
    if (event.key !== 'Enter') return;
    event.preventDefault();
    accept();
  });
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault(); // Escape: close through abandon() so an upload on its way stops too
    abandon();
  });

  /** A new upload is in: its snippet goes in at the spot, and it joins the list of earlier pictures. */
  function added(item: UploadedMedia, spot: Spot): void {
    insert(editorSnippet(item), spot);
    fail('');
    say(
      item.kind === 'image' && !item.alt
        ? `Added ${item.filename} to your text. It has no description yet: add one in Media so everyone knows what it shows.`
        : `Added ${item.filename} to your text.`,
    );
    if (item.kind === 'image') remember(item);
  }

  // --- The picker's upload and the earlier pictures --------------------------------------------------------------
  // The picker uploads on its own (its file and camera inputs, its alt field, its progress bar); this puts the result
  // where the cursor was when the student left the text box.
  let left: Spot | null = null;
  textarea.addEventListener('blur', () => (left = spotNow()));
  // Before the student has been in the text box, a picture goes at the end of what is there.
  const lastSpot = (): Spot => left ?? { start: textarea.value.length, end: textarea.value.length };
  root.addEventListener('potluck:media-uploaded', (event) => {
    added((event as CustomEvent<UploadedMedia>).detail, lastSpot());
  });

  // The toolbar's Picture button: the student is about to choose one; keep where the cursor was.
  (textarea.form ?? document).addEventListener('potluck:pick-picture', () => {
    left = spotNow();
    const box = part<HTMLDetailsElement>(root, 'ep-library-box');
    if (library.children.length > 0) box.open = true;
    root.scrollIntoView({ block: 'start' });
    root.querySelector<HTMLInputElement>('[data-file-input]')?.focus();
  });

  library.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-ep-insert]');
    if (!button) return;
    const item = { id: button.dataset.id ?? '', filename: button.dataset.filename ?? '' };
    if (!item.id) return;
    fail('');
    if (button.dataset.alt) {
      insert(editorSnippet({ ...item, kind: 'image' }), lastSpot());
      say(`Added “${button.dataset.alt}” to your text.`);
    } else {
      ask({ kind: 'describe', item, spot: lastSpot() });
    }
  });

  function remember(item: UploadedMedia): void {
    if (library.querySelector(`[data-ep-item="${CSS.escape(item.id)}"]`)) return;
    const name = item.alt || item.filename;
    const li = document.createElement('li');
    li.dataset.epItem = item.id;
    const img = document.createElement('img');
    img.src = item.url;
    img.alt = '';
    img.loading = 'lazy';
    const box = document.createElement('div');
    box.className = 'editor-pictures-item';
    const title = document.createElement('p');
    title.className = 'editor-pictures-name';
    title.textContent = name;
    const label = document.createElement('label');
    label.className = 'visually-hidden';
    label.htmlFor = `ep-md-${item.id}`;
    label.textContent = `Markdown for ${name}`;
    const input = document.createElement('input');
    input.id = `ep-md-${item.id}`;
    input.type = 'text';
    input.readOnly = true;
    input.value = editorSnippet(item);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary';
    button.dataset.epInsert = '';
    button.dataset.id = item.id;
    button.dataset.filename = item.filename;
    button.dataset.alt = item.alt;
    button.textContent = 'Add to text';
    const hidden = document.createElement('span');
    hidden.className = 'visually-hidden';
    hidden.textContent = `: ${name}`;
    button.append(hidden);
    box.append(title, label, input, button);
    li.append(img, box);
    library.prepend(li);
    count.textContent = String(library.children.length);
    empty.hidden = true;
  }
}
