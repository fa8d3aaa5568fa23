/**
 * Progressive enhancement for MediaPicker (runs in the browser, bundled by Astro into a file: the CSP allows no
 * inline script). Without it the picker is a plain form that still works. With it: drag and drop, an upload with
 * a progress bar straight to /api/media, the Markdown snippet with a Copy button, and a `potluck:media-uploaded`
 * event for the page around it. Visibility is toggled with the `hidden` attribute and classes, never style=.
 * `sendUpload` is the one upload client: the editor's drop and paste use it too.
 */

/** What /api/media answers after an upload (the fields the picker uses). */
export interface UploadedMedia {
  id: string;
  kind: 'image' | 'attachment';
  filename: string;
  alt: string;
  url: string;
  markdown: string;
  width: number | null;
  height: number | null;
  variants: { width: number; height: number; url: string }[];
}

function part<T extends HTMLElement>(root: HTMLElement, name: string): T | null {
  return root.querySelector<T>(`[data-${name}]`);
}

/** Wires every picker on the page that is not wired yet. */
export function initMediaPickers(): void {
  for (const root of document.querySelectorAll<HTMLElement>('[data-media-picker]')) {
    if (root.dataset.ready) continue;
    root.dataset.ready = 'true';
    wire(root);
  }
}

function wire(root: HTMLElement): void {
  const endpoint = root.dataset.endpoint || '/api/media';
  const fileInput = part<HTMLInputElement>(root, 'file-input')!;
  const cameraInput = part<HTMLInputElement>(root, 'camera-input');
  const altInput = part<HTMLInputElement>(root, 'alt-input');
  const dropzone = part<HTMLElement>(root, 'dropzone');
  const dropHint = part<HTMLElement>(root, 'drop-hint');
  const chosen = part<HTMLElement>(root, 'chosen');
  const preview = part<HTMLImageElement>(root, 'chosen-preview');
  const button = part<HTMLButtonElement>(root, 'upload-button');
  const progress = part<HTMLProgressElement>(root, 'progress');
  const status = part<HTMLElement>(root, 'status');
  const errorBox = part<HTMLElement>(root, 'error');
  const result = part<HTMLElement>(root, 'result');
  const resultText = part<HTMLElement>(root, 'result-text');
  const markdown = part<HTMLInputElement>(root, 'markdown');
  const copy = part<HTMLButtonElement>(root, 'copy');
  const idInput = part<HTMLInputElement>(root, 'media-id');

  let selected: File | null = null;
  let previewUrl: string | null = null;
  if (dropHint) dropHint.hidden = false;
  // A file that claims to be a picture but is not one shows nothing rather than a broken image.
  if (preview) preview.addEventListener('error', () => (preview.hidden = true));

  const say = (text: string) => {
    if (status) status.textContent = text;
  };
  const fail = (text: string) => {
    if (errorBox) {
      errorBox.textContent = text;
      errorBox.hidden = text === '';
    }
    fileInput.setAttribute('aria-invalid', text ? 'true' : 'false');
  };

  const choose = (file: File | null) => {
    selected = file;
    fail('');
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    if (chosen) {
      chosen.textContent = file ? `Chosen: ${file.name} (${formatSize(file.size)})` : '';
      chosen.hidden = !file;
    }
    if (preview) {
      if (file && file.type.startsWith('image/')) {
        previewUrl = URL.createObjectURL(file);
        preview.src = previewUrl;
        preview.hidden = false;
      } else {
        preview.removeAttribute('src');
        preview.hidden = true;
      }
    }
  };

  fileInput.addEventListener('change', () => {
    if (cameraInput) cameraInput.value = '';
    choose(fileInput.files?.[0] ?? null);
  });
  cameraInput?.addEventListener('change', () => {
    fileInput.value = '';
    choose(cameraInput.files?.[0] ?? null);
  });

  if (dropzone) {
    const over = (event: DragEvent) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      dropzone.classList.add('dragover');
    };
    dropzone.addEventListener('dragenter', over);
    dropzone.addEventListener('dragover', over);
    dropzone.addEventListener('dragleave', (event) => {
      if (!dropzone.contains(event.relatedTarget as Node | null)) dropzone.classList.remove('dragover');
    });
    dropzone.addEventListener('drop', (event) => {
      event.preventDefault();
      dropzone.classList.remove('dragover');
      const file = event.dataTransfer?.files[0];
      if (!file) return;
      // Put the dropped file into the input too, so that a plain form submission would carry it.
      try {
        const transfer = new DataTransfer();
        transfer.items.add(file);
        fileInput.files = transfer.files;
      } catch {
        // Older browsers cannot set input.files; the upload below uses `selected` anyway.
      }
      if (cameraInput) cameraInput.value = '';
      choose(file);
      altInput?.focus();
    });
  }

  button?.addEventListener('click', (event) => {
    event.preventDefault();
    if (!selected) {
      fail('Choose a file first (or drop one onto the box).');
      fileInput.focus();
      return;
    }
    upload(selected);
  });

  copy?.addEventListener('click', async () => {
    if (!markdown) return;
    try {
      await navigator.clipboard.writeText(markdown.value);
      say('Markdown copied. Paste it into your text where the picture or link should go.');
    } catch {
      markdown.focus();
      markdown.select();
      say('Press Ctrl+C (or ⌘C) to copy the selected Markdown.');
    }
  });

  function upload(file: File): void {
    if (button) button.disabled = true;
    if (result) result.hidden = true;
    fail('');
    if (progress) {
      progress.value = 0;
      progress.hidden = false;
    }
    say(`Uploading ${file.name}…`);
    const finish = () => {
      if (button) button.disabled = false;
      if (progress) progress.hidden = true;
    };
    sendUpload(file, altInput?.value ?? '', {
      endpoint,
      onProgress: (percent) => {
        if (progress) {
          progress.value = percent;
          progress.textContent = `${percent}%`;
        }
        say(percent < 100 ? `Uploading ${file.name}: ${percent}%` : 'Uploaded; preparing the picture sizes…');
      },
    }).done.then((outcome) => {
      finish();
      if (outcome.ok) return done(outcome.item);
      say('');
      fail(outcome.message);
    });
  }

  function done(item: UploadedMedia): void {
    say(`Uploaded ${item.filename}.`);
    if (markdown) markdown.value = item.markdown;
    if (resultText) {
      resultText.textContent =
        item.kind === 'image' && !item.alt
          ? `Uploaded ${item.filename}. It has no description yet: add alt text in Media so everyone knows what it shows.`
          : `Uploaded ${item.filename}.`;
    }
    if (result) result.hidden = false;
    if (idInput) idInput.value = item.id;
    fileInput.value = '';
    if (cameraInput) cameraInput.value = '';
    if (altInput) altInput.value = '';
    choose(null);
    root.dispatchEvent(new CustomEvent<UploadedMedia>('potluck:media-uploaded', { detail: item, bubbles: true }));
    copy?.focus();
  }
}

/** How an upload ended: the stored item, or the endpoint's message (or why the request stopped). */
export type UploadOutcome = { ok: true; item: UploadedMedia } | { ok: false; message: string; aborted: boolean };

/** An upload on its way: its outcome, and a way to stop it. */
export interface UploadHandle {
  done: Promise<UploadOutcome>;
  abort(): void;
}

/**
 * Sends one file and its description to the upload endpoint (multipart, as the form would), reporting progress in
 * percent. XMLHttpRequest rather than fetch: only it reports upload progress. Never rejects: every ending is an outcome.
 */
export function sendUpload(
  file: File,
  alt: string,
  options: { endpoint?: string; onProgress?: (percent: number) => void } = {},
): UploadHandle {
  const body = new FormData();
  body.append('file', file, file.name);
  body.append('alt', alt);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', options.endpoint || '/api/media');
  xhr.responseType = 'json';
  xhr.setRequestHeader('accept', 'application/json');
  const done = new Promise<UploadOutcome>((resolve) => {
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) options.onProgress?.(Math.round((event.loaded / event.total) * 100));
    });
    xhr.addEventListener('load', () => {
      const data = xhr.response as (UploadedMedia & { error?: { message: string } }) | null;
      if (xhr.status === 201 && data) resolve({ ok: true, item: data });
      else resolve({ ok: false, aborted: false, message: data?.error?.message ?? `The upload did not work (error ${xhr.status}). Try again.` });
    });
    xhr.addEventListener('error', () =>
      resolve({ ok: false, aborted: false, message: 'The upload stopped: the connection was lost. Check your connection and try again.' }),
    );
    xhr.addEventListener('abort', () => resolve({ ok: false, aborted: true, message: 'The upload was stopped.' }));
  });
  xhr.send(body);
  return { done, abort: () => xhr.abort() };
}

/** A file size as people read it ("1.2 MB"). */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
