/**
 * Redaction shared by the audit log and the server's log lines: secrets never reach either. A field whose name says
 * password, token, secret, code, key, cookie, hash or recovery is replaced by "[redacted]" at any depth, and strings
 * are cleared of what looks like a credential whatever field it sits in (GitHub tokens, bearer headers, secrets in
 * URL query strings), because an error message can quote one.
 */

const SECRET_NAME = /pass(word)?|token|secret|code|otp|key|cookie|hash|recovery|authorization|credential/i;

const SECRET_TEXT: [RegExp, string][] = [
  // GitHub's token formats: classic, fine-grained, OAuth, app and refresh tokens.
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, '[redacted]'],
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{12,}/gi, '$1 [redacted]'],
  [/([?&;](?:[a-z_]*(?:token|secret|password|pass|code|key)[a-z_]*)=)[^&#\s"']+/gi, '$1[redacted]'],
  [/(\/\/[^/:@\s]+:)[^@/\s]+@/g, '$1[redacted]@'],
];

/** A string with anything that looks like a credential replaced. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of `value` with every secret-named field replaced, at any depth, and credentials cut out of strings. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[too deep]';
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return redact({ name: value.name, message: value.message, stack: value.stack }, depth);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_NAME.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}
