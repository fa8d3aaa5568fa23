/**
 * Making stored work again when something it shows changes outside its text. Pages serve the HTML stored on save,
 * and a picture written without alt text (`![](media:ID)`) takes its words from the picture's description in Media,
 * so when that description changes, every piece that uses the picture is rendered again from its stored body (the
 * same steps as a save: render, size and describe the pictures, excerpt). The student's text did not change, so no
 * revision is made and `updatedAt` stays as it was.
 */
import { and, eq } from 'drizzle-orm';
import { htmlExcerpt } from '../core/feeds/excerpt.ts';
import { renderArtifactBody } from '../core/markdown/render.ts';
import type { AppContext } from '../server/context.ts';
import { artifactMedia, artifacts } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { ownMediaRows, sizeImages } from './artifactSaver.ts';

export interface RerenderArtifactsProps {
  ownerId: string;
  /** The media item whose facts changed. */
  mediaId: string;
}

/**
 * Renders again, from the stored body, each of the owner's artifacts that uses `mediaId`, and stores the new HTML and
 * excerpt where they differ; returns how many changed. Runs inside the caller's transaction when there is one (the
 * description and the pages that show it change together) and bumps the portfolio's content version when anything
 * changed, so cached public pages are made again.
 */
export function rerenderArtifactsUsingMedia(app: AppContext, props: RerenderArtifactsProps): number {
  return inTransaction(app, () => {
    const using = app.db
      .select({
        id: artifacts.id,
        body: artifacts.body,
        format: artifacts.format,
        coverMediaId: artifacts.coverMediaId,
        html: artifacts.html,
        excerpt: artifacts.excerpt,
        visibility: artifacts.visibility,
      })
      .from(artifactMedia)
      .innerJoin(artifacts, eq(artifacts.id, artifactMedia.artifactId))
      .where(and(eq(artifactMedia.mediaId, props.mediaId), eq(artifacts.ownerId, props.ownerId)))
      .all();
    let changed = 0;
    const touched: (typeof using)[number]['visibility'][] = [];
    for (const artifact of using) {
      const rendered = renderArtifactBody({ source: artifact.body, format: artifact.format });
      // A body saved under older rules that no longer renders keeps the HTML it was saved with: a description must
      // never make a published piece disappear. The next save reports the problem to the student.
      if (!rendered.ok) continue;
      const ids = [...new Set([...rendered.mediaRefs, ...(artifact.coverMediaId ? [artifact.coverMediaId] : [])])];
      const html = sizeImages(rendered.html, ids.length ? ownMediaRows(app, props.ownerId, ids) : []);
      const excerpt = htmlExcerpt(html);
      if (html === artifact.html && excerpt === artifact.excerpt) continue;
      app.db.update(artifacts).set({ html, excerpt }).where(eq(artifacts.id, artifact.id)).run();
      changed++;
      touched.push(artifact.visibility);
    }
    if (changed) bumpContentVersion(app, props.ownerId, touched);
    return changed;
  });
}
