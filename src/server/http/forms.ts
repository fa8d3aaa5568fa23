/**
 * Form handling for pages that work without JavaScript: a page POSTs to itself, the submission is validated with
 * zod, a command runs, and the page either redirects (POST-redirect-GET) or renders again with the student's own
 * values and a message per field. Nothing a student typed is lost to a validation error.
 */
import type { z } from 'zod';
import { PotluckError, issuesFromZod, type FieldIssue } from '../../core/errors.ts';

export interface FormState {
  /** What was submitted, as strings, to fill the form again. */
  values: Record<string, string>;
  /** One message per field ('' for the form as a whole). */
  errors: Record<string, string>;
  /** A message for the top of the form. */
  message: string;
}

/** An empty form state with default values. */
export function emptyForm(values: Record<string, string> = {}): FormState {
  return { values, errors: {}, message: '' };
}

/** FormData -> plain object; repeated names become arrays; files are kept as File. */
export function formToObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    const all = form.getAll(key);
    out[key] = all.length > 1 ? all : all[0];
  }
  return out;
}

function stringValues(form: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of form) if (typeof value === 'string' && !/password/i.test(key)) values[key] = value;
  return values;
}

function errorsFrom(issues: FieldIssue[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const field = issue.field.split('.')[0];
    // Every problem of a field is listed (a text with three MDX mistakes shows all three), each once.
    const known = errors[field];
    if (known === undefined) errors[field] = issue.message;
    else if (!known.includes(issue.message)) errors[field] = `${known} ${issue.message}`;
  }
  return errors;
}

/** What a form submission came to; `status` is the HTTP status to answer a refused one with (400, or 429). */
export type Submission<T> = { ok: true; result: T; state: FormState; status: 200 } | { ok: false; state: FormState; status: number };

/**
 * Validates a form against a schema and runs `action` with the typed data. Validation problems and PotluckErrors
 * of kind VALIDATION/CONFLICT/RATE_LIMITED/POLICY come back as form state; other errors (404, 403) propagate.
 */
export async function submitForm<S extends z.ZodType, T>(
  form: FormData,
  schema: S,
  action: (data: z.infer<S>) => T | Promise<T>,
  /** What to validate, when a form needs shaping first (ordered checkboxes); defaults to the fields as they came. */
  raw: Record<string, unknown> = formToObject(form),
): Promise<Submission<T>> {
  const values = stringValues(form);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    return {
      ok: false,
      status: 400,
      state: { values, errors: errorsFrom(issues), message: 'Please fix the fields marked below.' },
    };
  }
  try {
    const result = await action(parsed.data);
    return { ok: true, result, status: 200, state: { values, errors: {}, message: '' } };
  } catch (error) {
    if (
      error instanceof PotluckError &&
      ['VALIDATION', 'CONFLICT', 'RATE_LIMITED', 'POLICY', 'UNSUPPORTED_MEDIA', 'TOO_LARGE', 'BAD_ARCHIVE', 'UNAUTHENTICATED', 'UPSTREAM'].includes(error.code)
    ) {
      return {
        ok: false,
        // The form is shown again with the reason: 400, except "too many, try later" (429), which clients may retry.
        status: error.code === 'RATE_LIMITED' ? 429 : 400,
        state: {
          values,
          errors: errorsFrom(error.issues),
          message: error.issues.length ? 'Please fix the fields marked below.' : error.message,
        },
      };
    }
    throw error;
  }
}
