/**
 * Updating what a portfolio says about its owner: name, bio, links, photo, site title, licence, indexing and the
 * canonical home. Only the owner, and the photo must be one of their own pictures. The portfolio is marked changed.
 */
import { and, eq } from 'drizzle-orm';
import { invalid, issuesFromZod, notFound } from '../core/errors.ts';
import { profileInputSchema, type ProfileInput } from '../core/profile.ts';
import type { AppContext } from '../server/context.ts';
import { media, users, type User } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

export type { ProfileInput };

/** Validates and stores the profile of `userId`; throws VALIDATION with field messages. Returns the updated account. */
export function updateProfile(app: AppContext, props: { userId: string; input: ProfileInput }): User {
  const parsed = profileInputSchema.safeParse(props.input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const input = parsed.data;
  return inTransaction(app, () => {
    const user = app.db.select({ id: users.id }).from(users).where(eq(users.id, props.userId)).get();
    if (!user) throw notFound('That account');
    if (input.avatarMediaId) {
      const picture = app.db
        .select({ kind: media.kind })
        .from(media)
        .where(and(eq(media.id, input.avatarMediaId), eq(media.ownerId, props.userId)))
        .get();
      if (picture?.kind !== 'image') {
        throw invalid([
          { field: 'avatarMediaId', message: 'Choose one of your own pictures as your photo (upload it in Media first), or “No photo”.' },
        ]);
      }
    }
    bumpContentVersion(app, props.userId);
    return app.db
      .update(users)
      .set({
        name: input.name,
        bio: input.bio,
        links: input.links,
        avatarMediaId: input.avatarMediaId,
        siteTitle: input.siteTitle,
        siteLicense: input.siteLicense,
        noindex: input.noindex,
        canonicalBaseUrl: input.canonicalBaseUrl,
      })
      .where(eq(users.id, props.userId))
      .returning()
      .get();
  });
}
