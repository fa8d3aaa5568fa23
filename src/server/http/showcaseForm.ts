/** The showcase form -> ShowcaseInput: checked items sorted by their order numbers. */
import { z } from 'zod';
import type { ShowcaseInput } from '../../core/showcases.ts';
import { formToObject } from './forms.ts';

/** Reads the showcase form. */
export function showcaseFromForm(form: FormData): Record<string, unknown> {
  const raw = formToObject(form);
  const items = form.getAll('items').filter((v): v is string => typeof v === 'string');
  const order = (id: string) => Number(form.get(`order-${id}`)) || Number.MAX_SAFE_INTEGER;
  const sorted = items.map((id, i) => ({ id, key: order(id), i })).sort((a, b) => a.key - b.key || a.i - b.i);
  return { title: raw.title, intro: raw.intro, visibility: raw.visibility, items: sorted.map((s) => s.id) };
}

export const showcaseFormSchema = z
  .object({ title: z.string().default(''), intro: z.string().default(''), visibility: z.string().default('members'), items: z.array(z.string()) })
  .transform((f): ShowcaseInput => ({ ...f, visibility: f.visibility as ShowcaseInput['visibility'], intro: f.intro.replace(/\r\n?/g, '\n') }));
