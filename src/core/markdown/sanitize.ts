// The one HTML allowlist of Potluck. Student Markdown/MDX and foreign feed content both end here, so the rules
// live in one schema: anything not listed below is dropped (elements are unwrapped, keeping their text, except
// the `strip` list whose content is dropped too). The schema is spelled out in full on purpose: hast-util-sanitize
// fills any field we omit from GitHub's default schema, which would silently widen what we allow.
import { rehypeParseHtml } from '../html/parse.ts';
import rehypeSanitize from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import { unified } from 'unified';
import type { Element, Root } from 'hast';
import type { Options as SanitizeSchema } from 'rehype-sanitize';

/** Prefix added to every `id` (and id reference) in user content, so it cannot clobber page globals. */
export const clobberPrefix = 'user-content-';

/** Values of `rel` that every external link in user content carries. */
export const externalLinkRel = ['noopener', 'noreferrer', 'nofollow', 'ugc'] as const;

// Only classes our own pipeline emits are kept: `pl-` components and anchors, highlight.js token classes
// (`hljs-keyword`, plus modifiers such as `class_` in `hljs-title class_`), GFM's task lists and footnotes.
// Author- or feed-supplied classes could otherwise borrow the site's own styling (fake "verified" badges, overlays).
const potluckClass = /^pl-[a-z0-9-]+$/;
const highlightClass = /^(?:hljs|hljs-[a-z0-9_-]+|[a-z]+_+)$/;
const languageClass = /^language-[A-Za-z0-9_+#.-]+$/;

/** The explicit allowlist schema shared by Markdown rendering and `sanitizeHtml` (hub feed items reuse it). */
export const potluckSanitizeSchema: SanitizeSchema = {
  allowComments: false,
  allowDoctypes: false,
  // prettier-ignore
  tagNames: [
    'a', 'abbr', 'aside', 'b', 'blockquote', 'br', 'cite', 'code', 'dd', 'del', 'details', 'dfn', 'div', 'dl',
    'dt', 'em', 'figcaption', 'figure', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'input', 'ins',
    'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's', 'samp', 'section', 'small', 'span', 'strong', 'sub',
    'summary', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'var',
  ],
  // Dropped with everything inside: code, styles and embedded documents, plus containers whose text is not
  // meant to be read as prose. Everything else that is not allowed is unwrapped so its text survives.
  // prettier-ignore
  strip: [
    'script', 'style', 'template', 'noscript', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet',
    'noembed', 'noframes', 'xmp', 'plaintext', 'head', 'meta', 'link', 'base', 'param', 'audio', 'video',
    'canvas', 'map',
  ],
  // Elements that only make sense (and only stay harmless) inside their container.
  ancestors: {
    li: ['ol', 'ul'],
    tbody: ['table'],
    thead: ['table'],
    tfoot: ['table'],
    tr: ['table'],
    td: ['table'],
    th: ['table'],
    dt: ['dl'],
    dd: ['dl'],
    summary: ['details'],
    figcaption: ['figure'],
    // The only input we emit is a GFM task-list checkbox.
    input: ['li'],
  },
  attributes: {
    a: [
      'href',
      'title',
      ['rel', ...externalLinkRel],
      'ariaLabel',
      'ariaDescribedBy',
      'dataFootnoteRef',
      'dataFootnoteBackref',
      ['className', 'data-footnote-backref', potluckClass],
      'id',
    ],
    abbr: ['title'],
    aside: [
      ['role', 'note'],
      ['className', potluckClass],
    ],
    blockquote: ['cite'],
    code: [['className', languageClass, highlightClass]],
    del: ['cite'],
    details: ['open', ['className', potluckClass]],
    div: [['className', potluckClass]],
    figure: [['className', potluckClass]],
    h1: ['id'],
    h2: ['id', ['className', potluckClass]],
    h3: ['id'],
    h4: ['id'],
    h5: ['id'],
    h6: ['id'],
    img: ['src', 'alt', 'title', 'width', 'height', ['loading', 'lazy'], ['decoding', 'async']],
    input: [['type', 'checkbox'], ['disabled', true], 'checked'],
    ins: ['cite'],
    li: ['id', ['className', 'task-list-item']],
    ol: ['start', 'reversed', ['className', 'contains-task-list']],
    q: ['cite'],
    section: ['dataFootnotes', ['className', 'footnotes']],
    span: [
      ['className', highlightClass, potluckClass],
      ['ariaHidden', 'true'],
    ],
    td: [['align', 'left', 'center', 'right'], 'colSpan', 'rowSpan'],
    th: [['align', 'left', 'center', 'right'], 'colSpan', 'rowSpan', ['scope', 'row', 'col', 'rowgroup', 'colgroup']],
    ul: [['className', 'contains-task-list']],
    '*': ['lang', ['dir', 'ltr', 'rtl', 'auto']],
  },
  // Relative URLs (`/x`, `x`, `#x`, `?x`) always pass; absolute ones only with these schemes, so `javascript:`,
  // `vbscript:` and `data:` (in any letter case) never do.
  protocols: {
    href: ['http', 'https', 'mailto'],
    src: ['http', 'https'],
    cite: ['http', 'https'],
  },
  clobber: ['id', 'ariaDescribedBy', 'ariaLabelledBy'],
  clobberPrefix,
  // Whatever `<input>` survives becomes an inert checkbox, never a text field or button.
  required: {
    input: { type: 'checkbox', disabled: true },
  },
};

/** Runs after sanitizing, on a tree that is already safe: the attributes Potluck always sets on user content. */
export function finishSafeTree(tree: Root): void {
  const ids = new Set<string>();
  const fragmentLinks: Element[] = [];
  const walk = (parent: Root | Element): void => {
    for (const node of parent.children) {
      if (node.type !== 'element') continue;
      const props = node.properties;
      if (typeof props.id === 'string') ids.add(props.id);
      if (node.tagName === 'img') {
        // An image without alt is announced by its file name; empty alt at least marks it as decorative.
        if (typeof props.alt !== 'string') props.alt = '';
        props.loading = 'lazy';
        props.decoding = 'async';
      } else if (node.tagName === 'pre') {
        // A code block that scrolls sideways must be reachable by keyboard (WCAG 2.1.1; axe scrollable-region-focusable).
        props.tabIndex = 0;
      } else if (node.tagName === 'a' && typeof props.href === 'string') {
        if (isExternalUrl(props.href)) props.rel = [...externalLinkRel];
        else if (props.href.startsWith('#')) fragmentLinks.push(node);
      }
      walk(node);
    }
  };
  walk(tree);
  // The sanitizer prefixed every id; point in-page links (heading anchors, footnotes) at the prefixed ids so
  // they work without JavaScript. Links to ids that do not exist are left alone.
  for (const link of fragmentLinks) {
    const fragment = safeDecode(String(link.properties.href).slice(1));
    if (!ids.has(fragment) && ids.has(clobberPrefix + fragment)) link.properties.href = `#${clobberPrefix}${fragment}`;
  }
}

/** True for URLs that leave the page's origin: `http(s)://…` and protocol-relative `//…`. */
export function isExternalUrl(url: string): boolean {
  return /^(?:https?:)?\/\//i.test(url.trim());
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

// Re-sanitizing stored Potluck HTML must not pile up prefixes (`user-content-user-content-…`), so a prefix that
// is already there is removed first and added back by the sanitizer.
const clobberedProperties = ['id', 'ariaDescribedBy', 'ariaLabelledBy'] as const;

function unprefixClobbered(tree: Root | Element): void {
  for (const node of tree.children) {
    if (node.type !== 'element') continue;
    const props = node.properties as Record<string, unknown>;
    for (const key of clobberedProperties) {
      const value = props[key];
      if (typeof value === 'string' && value.startsWith(clobberPrefix)) {
        props[key] = value.slice(clobberPrefix.length);
      } else if (Array.isArray(value)) {
        props[key] = value.map((item) =>
          typeof item === 'string' && item.startsWith(clobberPrefix) ? item.slice(clobberPrefix.length) : item,
        );
      }
    }
    unprefixClobbered(node);
  }
}

const foreignHtmlProcessor = unified()
  .use(rehypeParseHtml, { fragment: true })
  .use(() => unprefixClobbered)
  .use(rehypeSanitize, potluckSanitizeSchema)
  .use(() => finishSafeTree)
  .use(rehypeStringify)
  .freeze();

// Most foreign HTML (every feed item) never held a prefixed id: a value can only start with the prefix when the
// HTML spells it out, or has a character reference (`&#117;ser-content-…`) that could decode to it.
const unprefixedHtmlProcessor = unified()
  .use(rehypeParseHtml, { fragment: true })
  .use(rehypeSanitize, potluckSanitizeSchema)
  .use(() => finishSafeTree)
  .use(rehypeStringify)
  .freeze();

/** Makes foreign HTML (feed items, imports) safe with the same allowlist as rendered Markdown. */
export function sanitizeHtml(html: string): string {
  const processor = html.includes(clobberPrefix) || html.includes('&') ? foreignHtmlProcessor : unprefixedHtmlProcessor;
  return String(processor.processSync(html));
}
