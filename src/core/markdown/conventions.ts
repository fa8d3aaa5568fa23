// Small facts of Potluck's Markdown that other parts share (public pages, the static export) without loading the
// Markdown pipeline itself: that pipeline registers every highlighting grammar when it loads, which a page that
// only shows stored HTML has no use for.

// Student-facing syntax for Potluck media is `![alt](media:ID)` (also `[file](media:ID)` and Figure's
// `src="media:ID"`): it survives a change of site URL and an export/import, because the id is stable. In the HTML
// it becomes `/media/ID/`, the URL where the server serves that item. Links already written as `/media/ID/...`
// are kept as they are.
// A fragment may follow (`media:ID#page=2` opens a PDF at a page) and is kept.
const mediaScheme = /^media:([A-Za-z0-9_-]{1,128})(#[^\s]*)?$/;
const mediaPath = /^\/media\/([A-Za-z0-9_-]{1,128})(?:[/?#]|$)/;

/** The id and fragment of a `media:ID#fragment` link, if the URL is one. */
export function mediaSchemeLink(url: string): { id: string; fragment: string } | undefined {
  const match = mediaScheme.exec(url);
  return match ? { id: match[1], fragment: match[2] ?? '' } : undefined;
}

/** The id of the Potluck media item a URL points to (`media:ID` or `/media/ID/…`), if any. */
export function mediaIdOf(url: string): string | undefined {
  return (mediaScheme.exec(url) ?? mediaPath.exec(url))?.[1];
}
