/**
 * HTML into a hast tree, as rehype-parse makes it but without source positions. rehype-parse always asks parse5 to
 * track where each node starts and ends in the source and turns that into `position` fields; nothing in Potluck
 * reads them from HTML (the sanitizer, the feed and Webmention readers, the link rewriters and the importers work
 * on the tree alone), and tracking them is close to half of the parse: sanitizing an item of a feed (every save and
 * every polled item goes through the sanitizer) costs about a quarter less without them. Same parse5 version and
 * settings as rehype-parse (scripting off, so `<noscript>` content is parsed as markup), so the trees are the same
 * apart from `position`; tests/unit/html/parse.test.ts compares them on the sanitizer and feed corpora.
 */
import type { Root } from 'hast';
import { fromParse5 } from 'hast-util-from-parse5';
import { parse, parseFragment } from 'parse5';
import type { Plugin } from 'unified';

export interface HtmlParseOptions {
  /** A fragment (the content of a `<body>`, no `<html>` and `<head>` added); a whole document otherwise. */
  fragment?: boolean;
}

/** The hast tree of `html`, without positions. */
export function parseHtmlTree(html: string, options: HtmlParseOptions = {}): Root {
  const settings = { sourceCodeLocationInfo: false, scriptingEnabled: false } as const;
  const document = options.fragment ? parseFragment(html, settings) : parse(html, settings);
  return fromParse5(document) as Root;
}

/** A unified parser plugin in place of rehype-parse: `unified().use(rehypeParseHtml, { fragment: true })`. */
export const rehypeParseHtml: Plugin<[HtmlParseOptions?], string, Root> = function (options = {}) {
  this.parser = (document) => parseHtmlTree(document, options);
};
