/**
 * The error catalog: every failure a person can hit has a permanent code, an HTTP status and a message that says
 * what happened and what to do. Expected outcomes are return values; these are thrown only across boundaries
 * (commands -> routes/CLI) where unwinding is what we want.
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'VALIDATION'
  | 'CONFLICT'
  | 'EDIT_CONFLICT'
  | 'RATE_LIMITED'
  | 'CROSS_ORIGIN'
  | 'TOO_LARGE'
  | 'UNSUPPORTED_MEDIA'
  | 'ACCOUNT_DISABLED'
  | 'BAD_ARCHIVE'
  | 'POLICY'
  | 'UPSTREAM';

const statusByCode: Record<ErrorCode, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  VALIDATION: 400,
  CONFLICT: 409,
  EDIT_CONFLICT: 409,
  RATE_LIMITED: 429,
  CROSS_ORIGIN: 403,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  ACCOUNT_DISABLED: 403,
  BAD_ARCHIVE: 400,
  POLICY: 403,
  UPSTREAM: 502,
};

/** One problem with one field of the input, phrased so that the person can fix it. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** A failure with a permanent code; `issues` lists field problems for forms and archives. */
export class PotluckError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: FieldIssue[];

  constructor(code: ErrorCode, message: string, options: { issues?: FieldIssue[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PotluckError';
    this.code = code;
    this.status = statusByCode[code];
    this.issues = options.issues ?? [];
  }
}

/** The same 404 for "does not exist" and "not yours", so that ids and slugs of other people's work cannot be probed. */
export const notFound = (what = 'That page') =>
  new PotluckError('NOT_FOUND', `${what} was not found. Check the address, or sign in with the account that owns it.`);

/** Refusal for a signed-in person who may see a thing but not change it. */
export const forbidden = (message: string) => new PotluckError('FORBIDDEN', message);

/** Input that failed validation, with one message per field. */
export const invalid = (issues: FieldIssue[], message = 'Some fields need fixing.') =>
  new PotluckError('VALIDATION', `${message} ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`.trim(), {
    issues,
  });

/** Turns zod issues into field issues with readable paths ("tags.2", "title"). */
export function issuesFromZod(error: { issues: { path: PropertyKey[]; message: string }[] }): FieldIssue[] {
  return error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(input)', message: i.message }));
}
