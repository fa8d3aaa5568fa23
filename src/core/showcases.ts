/** Showcase rules: an ordered collection of the student's own artifacts with an intro. Pure. */
import { z } from 'zod';
import { VISIBILITIES } from './visibility.ts';
import { slugSchema } from './artifacts.ts';

export const showcaseInputSchema = z.object({
  title: z.string().trim().min(1, 'Give the showcase a title.').max(200, 'Keep the title under 200 characters.'),
  intro: z.string().max(20_000, 'Keep the intro under 20,000 characters.').default(''),
  visibility: z.enum(VISIBILITIES, { error: 'Choose who can see it.' }),
  /** Artifact ids in the order they appear. */
  items: z.array(z.string().min(1)).max(200, 'A showcase can hold at most 200 pieces.').default([]),
  slug: slugSchema.optional(),
});
export type ShowcaseInput = z.input<typeof showcaseInputSchema>;

/** Moves the item at `index` up (-1) or down (+1), for the no-JavaScript reorder buttons. */
export function moveItem<T>(items: T[], index: number, delta: -1 | 1): T[] {
  const target = index + delta;
  if (index < 0 || index >= items.length || target < 0 || target >= items.length) return items;
  const copy = [...items];
  [copy[index], copy[target]] = [copy[target], copy[index]];
  return copy;
}
