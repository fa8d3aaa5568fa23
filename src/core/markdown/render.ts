// The one Markdown pipeline of Potluck: an artifact body (Markdown or the safe MDX subset) becomes sanitized HTML
// plus what the rest of the app needs from it (hashtags for hubs, headings for a table of contents, media
// references for export, word count for lists). It runs once, on save; pages serve the stored HTML. The plain-text
// excerpt feeds and rivers show is made from that HTML (core/feeds/excerpt.ts), so it holds only what pages show.
//
//   remark-parse + remark-gfm (+ remark-mdx and the safe-subset check for MDX)
//   -> our mdast steps (media references, remote images)
//   -> remark-rehype -> rehype-slug -> rehype-autolink-headings -> rehype-highlight
//   -> rehype-sanitize (the explicit allowlist in sanitize.ts) -> finishing touches -> HTML
//
// Raw HTML written in Markdown is never passed through: remark-rehype drops `html` nodes unless told otherwise
// (we don't), which is the safest choice and leaves Markdown as the one way to format. MDX has no raw HTML
// either: `<div>` there is JSX, which mdx.ts refuses.
import { toHtml } from 'hast-util-to-html';
import { toString } from 'mdast-util-to-string';
import rehypeAutolinkHeadings from 'rehype-autolink-headings';
import rehypeHighlight from 'rehype-highlight';
import rehypeSanitize from 'rehype-sanitize';
import rehypeSlug from 'rehype-slug';
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { mediaIdOf, mediaSchemeLink } from './conventions.ts';
import { extractHashtags } from './hashtags.ts';
import { checkMdx, lowerMdx, mdxSyntaxError } from './mdx.ts';
import { clobberPrefix, finishSafeTree, isExternalUrl, potluckSanitizeSchema } from './sanitize.ts';
import type { BodyError } from './mdx.ts';
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import type {
  Definition,
  Image,
  ImageReference,
  Link,
  LinkReference,
  Nodes,
  Parent,
  Root as MdastRoot,
  Text,
} from 'mdast';

export type { BodyError } from './mdx.ts';

/** How an artifact body is written. */
export type BodyFormat = 'markdown' | 'mdx';

/** One heading of a rendered body, for a table of contents: `id` is the element id in the HTML. */
export type BodyHeading = { depth: number; id: string; text: string };

/** A body that rendered: safe HTML and what was found in it. */
export type RenderedBody = {
  ok: true;
  html: string;
  hashtags: string[];
  headings: BodyHeading[];
  mediaRefs: string[];
  wordCount: number;
};

/** Outcome of rendering a body: the rendered body, or located errors (MDX outside the safe subset, absurd nesting). */
export type RenderResult = RenderedBody | { ok: false; errors: BodyError[] };


// Processors are built once: building them (grammars, micromark extensions) costs far more than a render.
const markdownParser = unified().use(remarkParse).use(remarkGfm).freeze();
const mdxParser = unified().use(remarkParse).use(remarkGfm).use(remarkMdx).freeze();

const footnoteLabelId = 'footnote-label';

const htmlPipeline = unified()
  .use(remarkRehype, {
    // Ids are prefixed once, by the sanitizer, for every id alike; prefixing here too would double it.
    clobberPrefix: '',
    footnoteLabelProperties: { className: ['pl-sr-only'] },
  })
  .use(rehypeSlug)
  .use(rehypeAutolinkHeadings, {
    // The link sits after the heading, not inside it, so the heading's accessible name stays its own text; the
    // link's name says where it goes. (The Starlight pattern.)
    behavior: 'after',
    test: (node: Element) => node.properties.id !== footnoteLabelId,
    group: (heading: Element): Element => ({
      type: 'element',
      tagName: 'div',
      properties: { className: ['pl-heading', `pl-heading-${heading.tagName}`] },
      children: [],
    }),
    properties: { className: ['pl-heading-anchor'] },
    content: (heading: Element): ElementContent[] => [
      {
        type: 'element',
        tagName: 'span',
        properties: { ariaHidden: 'true', className: ['pl-heading-anchor-icon'] },
        children: [{ type: 'text', value: '#' }],
      },
      {
        type: 'element',
        tagName: 'span',
        properties: { className: ['pl-sr-only'] },
        children: [{ type: 'text', value: `Section titled “${hastText(heading)}”` }],
      },
    ],
  })
  // Class-based token spans (`hljs-keyword`) work under a CSP without inline styles. The default language set
  // is lowlight's `common` (37 widely used languages: Python, JavaScript/TypeScript, Java, C/C++/C#, R, SQL,
  // shell, HTML/CSS, …), not all 190; no auto-detection, which is slow and guesses wrong on short snippets.
  .use(rehypeHighlight, { detect: false, plainText: ['text', 'txt', 'plain', 'plaintext'] })
  .use(rehypeSanitize, potluckSanitizeSchema)
  .use(() => finishSafeTree)
  .freeze();

/** Renders an artifact body (Markdown or safe-subset MDX) to sanitized HTML plus hashtags, headings and media. */
export function renderArtifactBody(input: { source: string; format: BodyFormat }): RenderResult {
  const parser = input.format === 'mdx' ? mdxParser : markdownParser;
  let tree: MdastRoot;
  try {
    tree = parser.parse(input.source);
  } catch (error) {
    // Only the MDX syntax can fail to parse; CommonMark/GFM accepts any text.
    if (input.format !== 'mdx') throw error;
    return { ok: false, errors: [mdxSyntaxError(error)] };
  }
  const tooDeep = tooDeeplyNested(tree);
  if (tooDeep) return { ok: false, errors: [tooDeep] };
  if (input.format === 'mdx') {
    const errors = checkMdx(tree);
    if (errors.length > 0) return { ok: false, errors };
    lowerMdx(tree);
  }

  const { mediaRefs, definitions } = rewriteMedia(tree);
  const { tagText, wordText } = collectText(tree, definitions);

  const hast = htmlPipeline.runSync(tree) as HastRoot;
  return {
    ok: true,
    html: toHtml(hast),
    hashtags: extractHashtags(tagText),
    headings: collectHeadings(hast),
    mediaRefs,
    wordCount: countWords(wordText),
  };
}

/** Deepest nesting of the syntax tree a body may have (about 50 nested lists, or 100 nested quotes). */
export const maxNestingDepth = 100;

// Later stages (mdast -> hast, sanitizing, serializing) recurse once per level, so a body of thousands of nested
// `>` would overflow the stack. Nobody nests that deep on purpose; say so instead of crashing.
function tooDeeplyNested(tree: MdastRoot): BodyError | undefined {
  const stack: Array<{ node: Nodes; depth: number }> = [{ node: tree, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: Nodes; depth: number };
    if (depth > maxNestingDepth) {
      return {
        line: node.position?.start.line ?? 1,
        column: node.position?.start.column ?? 1,
        message: `Lists or quotes are nested too deeply here (more than ${maxNestingDepth} levels). Flatten them, for example by starting a new list.`,
      };
    }
    if ('children' in node) for (const child of node.children) stack.push({ node: child as Nodes, depth: depth + 1 });
  }
  return undefined;
}

// Potluck media links (`media:ID`, `/media/ID/…`) are rewritten to `/media/ID/` and reported in `mediaRefs`; the
// syntax is in conventions.ts.

// A plain recursive walk: the trees are small but this runs on every save, and unist-util-visit allocates an
// ancestor list per node.
function eachNode(node: Nodes, fn: (node: Nodes) => void): void {
  fn(node);
  if ('children' in node) for (const child of node.children) eachNode(child as Nodes, fn);
}

// Rewrites `media:ID` URLs (images, links, reference definitions) and returns the media ids, in order of first
// use, with the definitions by identifier for the next pass.
function rewriteMedia(tree: MdastRoot): { mediaRefs: string[]; definitions: Map<string, Definition> } {
  const refs = new Set<string>();
  const definitions = new Map<string, Definition>();
  eachNode(tree, (node) => {
    if (node.type !== 'image' && node.type !== 'link' && node.type !== 'definition') return;
    if (node.type === 'definition' && !definitions.has(node.identifier)) definitions.set(node.identifier, node);
    const id = mediaIdOf(node.url);
    if (id === undefined) return;
    refs.add(id);
    const scheme = mediaSchemeLink(node.url);
    if (scheme) node.url = `/media/${id}/${scheme.fragment}`;
  });
  return { mediaRefs: [...refs], definitions };
}

// Images from other sites are shown as links instead of being embedded: embedding would make every reader's
// browser call a third party (which can track readers, many of them minors), and the site's CSP would block
// them anyway. Uploading the image to Potluck media embeds it.
function remoteImageReplacement(
  node: Image | ImageReference,
  parent: Parent,
  definitions: Map<string, Definition>,
): Link | LinkReference | Text | undefined {
  const url = node.type === 'image' ? node.url : definitions.get(node.identifier)?.url;
  if (url === undefined || !isExternalUrl(url)) return undefined;
  const label: Text = { type: 'text', value: node.alt || url };
  // A linked remote image (a badge) keeps only its label, so links never nest.
  if (parent.type === 'link' || parent.type === 'linkReference') return label;
  if (node.type === 'image') return { type: 'link', url: node.url, title: node.title, children: [label] };
  return {
    type: 'linkReference',
    identifier: node.identifier,
    label: node.label,
    referenceType: node.referenceType,
    children: [label],
  };
}

// Hashtags and words come from prose only. Code, URLs, image alt text and raw HTML are replaced by a space so
// that neither `#include` in a code span nor `/page#section` in a bare URL counts as a tag. Emphasis and links
// add no separator, so `**C**#sharp` reads as it looks ("C#sharp": no tag). The same pass replaces remote images.
function collectText(tree: MdastRoot, definitions: Map<string, Definition>): { tagText: string; wordText: string } {
  const tags: string[] = [];
  const words: string[] = [];
  const walkChildren = (parent: Parent): void => {
    const children = parent.children as Nodes[];
    for (const [index, child] of children.entries()) {
      if (child.type === 'image' || child.type === 'imageReference') {
        const replacement = remoteImageReplacement(child, parent, definitions);
        if (replacement) children[index] = replacement;
        tags.push(' ');
        words.push(' ');
      } else {
        walk(child);
      }
    }
  };
  const walk = (node: Nodes): void => {
    switch (node.type) {
      case 'text':
        tags.push(node.value);
        words.push(node.value);
        return;
      case 'inlineCode':
        tags.push(' ');
        words.push(' ', node.value, ' ');
        return;
      case 'emphasis':
      case 'strong':
      case 'delete':
      case 'linkReference':
        walkChildren(node);
        return;
      case 'link':
        if (isBareUrlLink(node)) {
          tags.push(' ');
          words.push(' ', toString(node), ' ');
          return;
        }
        walkChildren(node);
        return;
      default:
        tags.push(' ');
        words.push(' ');
        if ('children' in node) {
          walkChildren(node);
          tags.push('\n');
          words.push('\n');
        }
    }
  };
  walk(tree);
  return { tagText: tags.join(''), wordText: words.join('') };
}

// GFM turns `https://example.org/#top` and `www.example.org` into links whose text is the URL itself.
function isBareUrlLink(link: Link): boolean {
  const label = toString(link);
  return label === link.url || `http://${label}` === link.url || `mailto:${label}` === link.url;
}

const wordSegmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

// Intl.Segmenter counts words in scripts without spaces (Chinese, Japanese, Thai) too.
function countWords(text: string): number {
  let count = 0;
  for (const segment of wordSegmenter.segment(text)) if (segment.isWordLike) count++;
  return count;
}

function collectHeadings(tree: HastRoot): BodyHeading[] {
  const headings: BodyHeading[] = [];
  const walk = (node: HastRoot | Element): void => {
    for (const child of node.children) {
      if (child.type !== 'element') continue;
      const depth = headingDepth(child.tagName);
      const id = child.properties.id;
      if (depth === 0) walk(child);
      else if (typeof id === 'string' && id !== clobberPrefix + footnoteLabelId) {
        const text = hastText(child);
        // An empty heading (`##` alone) has nothing to show in a table of contents.
        if (text !== '') headings.push({ depth, id, text });
      }
    }
  };
  walk(tree);
  return headings;
}

function headingDepth(tagName: string): number {
  return /^h[1-6]$/.test(tagName) ? Number(tagName.charAt(1)) : 0;
}

function hastText(node: Element): string {
  const parts: string[] = [];
  const walk = (parent: Element): void => {
    for (const child of parent.children) {
      if (child.type === 'text') parts.push(child.value);
      else if (child.type === 'element') walk(child);
    }
  };
  walk(node);
  return parts.join('').replace(/\s+/g, ' ').trim();
}
