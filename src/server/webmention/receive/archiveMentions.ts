/**
 * Approved Webmentions coming back from an archive (mentions/<folder>.json, core/archive/mentions.ts), written inside
 * the import's transaction: each goes on its piece in the importing account, approved as it was, with the piece's
 * address on this site as its target. Its HTML is made safe again here (the file could say anything); a mention
 * already here (same source and target) is left as it is, so importing twice adds nothing.
 */
import { and, eq } from 'drizzle-orm';
import type { ArchiveMentions } from '../../../core/archive/reader.ts';
import { sitePaths } from '../../../core/urls.ts';
import { comparableUrl, mentionContent } from '../../../core/webmentions/interpret.ts';
import type { AppContext } from '../../context.ts';
import { artifacts, webmentions, type User } from '../../db/schema.ts';

/** Writes the archive's mentions; returns how many were added and how many were already here. */
export function importArchiveMentions(
  app: AppContext,
  props: { mentions: ArchiveMentions[]; ids: Map<string, string>; owner: User },
): { added: number; alreadyHere: number } {
  let added = 0;
  let alreadyHere = 0;
  for (const file of props.mentions) {
    const artifactId = props.ids.get(file.artifactSlug);
    if (!artifactId) continue;
    const piece = app.db.select({ slug: artifacts.slug }).from(artifacts).where(eq(artifacts.id, artifactId)).get();
    if (!piece) continue;
    const target = new URL(sitePaths.artifact(props.owner.handle, piece.slug), app.config.siteUrl).href;
    for (const m of file.mentions) {
      const source = comparableUrl(m.source);
      if (!source) continue;
      const here = app.db.select({ id: webmentions.id }).from(webmentions).where(and(eq(webmentions.source, source), eq(webmentions.target, target))).get();
      if (here) {
        alreadyHere++;
        continue;
      }
      const verifiedAt = new Date(m.verifiedAt);
      app.db
        .insert(webmentions)
        .values({
          id: app.newId(),
          artifactId,
          ownerId: props.owner.id,
          source,
          target,
          sourceHost: new URL(source).hostname.toLowerCase().replace(/^www\./, ''),
          status: 'verified',
          kind: m.kind,
          decision: 'approved',
          // The student's approval travels with their archive; a teacher's cannot be vouched for by the student's
          // file, so where the school asks for one, an imported mention waits for it again.
          teacherApprovedAt: null,
          authorName: m.author.name,
          authorUrl: m.author.url ? comparableUrl(m.author.url) : null,
          url: m.url ? comparableUrl(m.url) : null,
          published: m.published ? new Date(m.published) : null,
          contentHtml: m.content ? mentionContent(m.content, source) : null,
          receivedAt: new Date(m.receivedAt),
          verifiedAt,
        })
        .run();
      added++;
    }
  }
  return { added, alreadyHere };
}
