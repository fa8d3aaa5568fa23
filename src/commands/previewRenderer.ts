/**
 * The editor's preview: the saving pipeline without saving, with the student's own pictures sized and described
 * as the saved page will have them (a snippet without words shows the picture's description from Media).
 */
import { renderArtifactBody } from '../core/markdown/render.ts';
import type { AppContext } from '../server/context.ts';
import { ownMediaRows, sizeImages } from './artifactSaver.ts';

export type PreviewResult =
  | { ok: true; html: string }
  | { ok: false; errors: { line: number; column: number; message: string }[] };

/** Renders `body` for its owner's preview; others' media ids stay unresolved, as saving would refuse them. */
export function renderPreview(app: AppContext, props: { ownerId: string; body: string; format: string | undefined }): PreviewResult {
  const rendered = renderArtifactBody({ source: props.body, format: props.format === 'mdx' ? 'mdx' : 'markdown' });
  if (!rendered.ok) return { ok: false, errors: rendered.errors };
  const rows = rendered.mediaRefs.length ? ownMediaRows(app, props.ownerId, rendered.mediaRefs) : [];
  return { ok: true, html: sizeImages(rendered.html, rows) };
}
