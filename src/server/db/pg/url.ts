/** PostgreSQL connection URLs in messages: the password never shows. */

/** The URL with its password (in the user part or as ?password=) replaced by ***. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  if (copy.searchParams.has('password')) copy.searchParams.set('password', '***');
  return copy.href.replace('password=%2A%2A%2A', 'password=***');
}

/** Text that should be a URL (and may not parse as one) with a user:password@ part's password replaced by ***. */
export function redactUrlText(text: string): string {
  return text.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@');
}

/** A connection URL for a message, redacted whether or not it parses. */
export function redact(url: string): string {
  try {
    return redactUrl(new URL(url));
  } catch {
    return redactUrlText(url);
  }
}
