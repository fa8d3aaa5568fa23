/** Live preview: the same server-side renderer as saving, so the preview is exactly what readers will see. */

interface PreviewAnswer {
  ok: boolean;
  html?: string;
  errors?: { line: number; column: number; message: string }[];
}

/** Re-renders the preview pane 400 ms after the text or its format changes. */
export function initPreview(form: HTMLFormElement): void {
  const pane = document.querySelector<HTMLElement>('[data-preview]');
  const status = document.getElementById('preview-status');
  if (!pane) return;
  let timer: number | undefined;
  let controller: AbortController | undefined;
  const refresh = async () => {
    controller?.abort();
    controller = new AbortController();
    const data = new FormData(form);
    try {
      const response = await fetch('/api/preview', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ body: data.get('body'), format: data.get('format') }),
        signal: controller.signal,
      });
      const result = (await response.json()) as PreviewAnswer;
      if (result.ok && typeof result.html === 'string') {
        // Sanitized on the server by the saving pipeline; written inside the .prose wrapper so styles still apply.
        const prose = pane.querySelector<HTMLElement>('.prose') ?? pane;
        prose.innerHTML = result.html;
        if (status) status.textContent = 'Preview updated.';
      } else if (status) {
        // The last good preview stays; every problem is listed, not just the first.
        const errors = result.errors ?? [];
        status.textContent = errors.length
          ? `${errors.length === 1 ? 'One problem' : `${errors.length} problems`} in the text: ${errors.map((e) => `line ${e.line}, column ${e.column}: ${e.message}`).join('; ')}`
          : 'The preview could not be made.';
      }
    } catch {
      /* aborted by a newer keystroke, or offline: the Preview button still works */
    }
  };
  form.addEventListener('input', (event) => {
    const name = (event.target as HTMLElement).getAttribute('name');
    if (name !== 'body' && name !== 'format') return;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
}
