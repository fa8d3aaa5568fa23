/**
 * Profile rules: what a student may say about themselves on their portfolio (name, bio, links with rel=me, photo,
 * site title, licence, whether search engines may index it, where its canonical copy lives). Pure; one validator
 * per field, shared by the command's schema and the no-JavaScript form's flat schema.
 */
import { z } from 'zod';

/** Most links a profile shows. */
export const MAX_PROFILE_LINKS = 10;

const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .max(500, `Keep ${what} under 500 characters.`)
    .pipe(z.url({ protocol: /^https?$/, error: `Enter ${what} as a full web address starting with https://` }));

const optionalText = (max: number, what: string) =>
  z
    .string()
    .trim()
    .max(max, `Keep ${what} under ${max} characters.`)
    .transform((v) => (v === '' ? null : v));

export const profileFields = {
  name: z.string().trim().min(1, 'Enter the name to show on your portfolio.').max(100, 'Keep your name under 100 characters.'),
  bio: z.string().trim().max(1000, 'Keep your bio under 1,000 characters.'),
  linkLabel: z.string().trim().min(1, 'Give this link a label, like “My GitHub”.').max(60, 'Keep a link label under 60 characters.'),
  linkUrl: httpUrl('the link'),
  siteTitle: optionalText(120, 'the site title'),
  siteLicense: optionalText(120, 'the licence'),
  canonicalBaseUrl: z.union([
    z.literal('').transform(() => null),
    httpUrl('the address of your site')
      .refine((url) => !/[?#]/.test(url), 'Leave out anything after ? or # in the address of your site.')
      .transform((url) => url.replace(/\/+$/, '')),
  ]),
};

/** What a student (or an import) gives to update a profile. */
export const profileInputSchema = z.object({
  name: profileFields.name,
  bio: profileFields.bio.default(''),
  links: z
    .array(z.object({ label: profileFields.linkLabel, url: profileFields.linkUrl }))
    .max(MAX_PROFILE_LINKS, `A profile shows at most ${MAX_PROFILE_LINKS} links.`)
    .default([]),
  /** One of the student's own pictures, or null for none. */
  avatarMediaId: z.string().min(1).nullable().default(null),
  siteTitle: profileFields.siteTitle.prefault(''),
  siteLicense: profileFields.siteLicense.prefault(''),
  noindex: z.boolean().default(false),
  // prefault, not default: zod 4 returns a default as it is, and '' must become null through the transform.
  canonicalBaseUrl: profileFields.canonicalBaseUrl.prefault(''),
});
export type ProfileInput = z.input<typeof profileInputSchema>;
export type ValidProfileInput = z.output<typeof profileInputSchema>;

/** Names of the form's link fields for row `i` (the form has MAX_PROFILE_LINKS rows; empty rows are skipped). */
export const linkFieldNames = (i: number) => ({ label: `linkLabel${i}`, url: `linkUrl${i}` });

const formLinkFields: Record<string, z.ZodOptional<z.ZodString>> = {};
for (let i = 0; i < MAX_PROFILE_LINKS; i++) {
  formLinkFields[linkFieldNames(i).label] = z.string().optional();
  formLinkFields[linkFieldNames(i).url] = z.string().optional();
}

/**
 * The profile form as posted (flat fields, a checkbox that is absent when off): every message lands on the field it
 * is about, row by row, and the result is a ProfileInput.
 */
export const profileFormSchema = z
  .object({
    name: z.string().default(''),
    bio: z.string().default(''),
    avatarMediaId: z.string().default(''),
    siteTitle: z.string().default(''),
    siteLicense: z.string().default(''),
    canonicalBaseUrl: z.string().default(''),
    noindex: z.string().optional(),
    ...formLinkFields,
  })
  .transform((form, ctx): ProfileInput => {
    const check = <T>(field: string, schema: z.ZodType<T>, value: unknown): T | undefined => {
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      ctx.addIssue({ code: 'custom', path: [field], message: result.error.issues[0]?.message ?? 'Check this field.' });
      return undefined;
    };
    const links: { label: string; url: string }[] = [];
    for (let i = 0; i < MAX_PROFILE_LINKS; i++) {
      const names = linkFieldNames(i);
      const row = form as Record<string, string | undefined>;
      const label = (row[names.label] ?? '').trim();
      const url = (row[names.url] ?? '').trim();
      if (label === '' && url === '') continue;
      if (url === '') {
        ctx.addIssue({ code: 'custom', path: [names.url], message: `Enter the address for “${label}”, or clear its label.` });
        continue;
      }
      const checkedUrl = check(names.url, profileFields.linkUrl, url);
      const checkedLabel = check(names.label, profileFields.linkLabel, label || hostnameOf(url));
      if (checkedUrl && checkedLabel) links.push({ label: checkedLabel, url: checkedUrl });
    }
    return {
      name: check('name', profileFields.name, form.name) ?? '',
      bio: check('bio', profileFields.bio, form.bio) ?? '',
      links,
      avatarMediaId: form.avatarMediaId.trim() || null,
      siteTitle: check('siteTitle', profileFields.siteTitle, form.siteTitle) ?? '',
      siteLicense: check('siteLicense', profileFields.siteLicense, form.siteLicense) ?? '',
      noindex: form.noindex === 'on',
      canonicalBaseUrl: check('canonicalBaseUrl', profileFields.canonicalBaseUrl, form.canonicalBaseUrl) ?? '',
    };
  });

// A link typed without a label is shown by its site's name rather than refused.
function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return '';
  }
}
