/**
 * The columns every list of work reads of a piece (the workspace, search results, portfolio pages): never its body
 * or HTML. All of them are in the `artifacts_owner_cards` index (migration 0019), so a list reads no row's text.
 */
import { artifacts } from '../db/schema.ts';

export const ARTIFACT_CARD_COLUMNS = {
  id: artifacts.id,
  slug: artifacts.slug,
  title: artifacts.title,
  summary: artifacts.summary,
  kind: artifacts.kind,
  visibility: artifacts.visibility,
  tags: artifacts.tags,
  date: artifacts.date,
};
