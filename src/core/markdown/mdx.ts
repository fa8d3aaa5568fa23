// The safe MDX subset. Student MDX is untrusted: it is parsed to a syntax tree (remark-mdx) and only ever read as
// data. Nothing is compiled or evaluated; the few components a student may use are lowered here to plain HTML
// elements (classes prefixed `pl-`), which then go through the same sanitizer as Markdown. Anything outside the
// subset (import/export, `{expressions}`, expression or spread attributes, unknown components, HTML elements)
// is reported with its 1-based line and column and a message that says what to write instead.
import type { Root } from 'mdast';
import type { Point, Position } from 'unist';

/** One problem in a body, at a 1-based line and column, worded for the student who wrote it. */
export type BodyError = { line: number; column: number; message: string };

type PropKind = { kind: 'string'; required: boolean; values?: readonly string[] } | { kind: 'boolean' };

type ComponentSpec = {
  props: Record<string, PropKind>;
  // Where the component may appear: `Column` only directly inside `Columns`.
  parent?: string;
};

// The components students may use, and the literal props each takes.
const components: Record<string, ComponentSpec> = {
  Callout: { props: { type: { kind: 'string', required: false, values: ['note', 'tip', 'warning'] } } },
  Details: { props: { summary: { kind: 'string', required: true }, open: { kind: 'boolean' } } },
  Figure: {
    props: {
      src: { kind: 'string', required: true },
      alt: { kind: 'string', required: true },
      caption: { kind: 'string', required: false },
    },
  },
  Columns: { props: {} },
  Column: { props: {}, parent: 'Columns' },
};

/** Names of the components allowed in student MDX, in the order error messages list them. */
export const allowedComponents: readonly string[] = Object.keys(components);

const allowedList = allowedComponents.join(', ');

// A loose view of mdast/MDX nodes: we only read the fields below, and unknown node types must not crash the check.
type Attribute = {
  type: string;
  name?: string;
  value?: string | null | { type: string; value: string };
  position?: Position;
};
type MdNode = {
  type: string;
  name?: string | null;
  value?: string;
  attributes?: Attribute[];
  children?: MdNode[];
  position?: Position | undefined;
  data?: Record<string, unknown>;
  url?: string;
  alt?: string | null;
  title?: string | null;
};
type EstreeNode = { type: string; loc?: { start: { line: number; column: number } } };

function at(point: Point | undefined, message: string): BodyError {
  return { line: point?.line ?? 1, column: point?.column ?? 1, message };
}

function isJsxElement(node: MdNode): boolean {
  return node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement';
}

function isBlank(node: MdNode): boolean {
  return node.type === 'text' && (node.value ?? '').trim() === '';
}

// `{/* a note to self */}` is how MDX writes comments; it holds no code, so we accept and drop it.
function isCommentOnly(node: MdNode): boolean {
  const estree = node.data?.estree as { body?: unknown[] } | undefined;
  return Array.isArray(estree?.body) && estree.body.length === 0;
}

// The MDX parser puts a component written on one line (`<Callout>Cite your sources.</Callout>`) inside a
// paragraph; when it is the paragraph's only content we treat it as the block the student meant.
function soleElementOf(paragraph: MdNode): MdNode | undefined {
  const content = (paragraph.children ?? []).filter((child) => !isBlank(child));
  const [only] = content;
  return content.length === 1 && only?.type === 'mdxJsxTextElement' ? only : undefined;
}

/** Checks a parsed MDX tree against the safe subset and returns every problem found (empty when it is safe). */
export function checkMdx(tree: Root): BodyError[] {
  const errors: BodyError[] = [];
  walk(tree as unknown as MdNode, [], errors);
  return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}

function walk(node: MdNode, componentStack: string[], errors: BodyError[]): void {
  for (const child of node.children ?? []) {
    switch (child.type) {
      case 'mdxjsEsm':
        errors.push(...esmErrors(child));
        continue;
      case 'mdxFlowExpression':
      case 'mdxTextExpression':
        if (!isCommentOnly(child)) {
          errors.push(
            at(
              child.position?.start,
              `Expressions in curly braces ({${abbreviate(child.value ?? '')}}) are not allowed: Potluck never runs code from a page. To show a brace as text, write \\{ instead.`,
            ),
          );
        }
        continue;
      case 'mdxJsxFlowElement':
      case 'mdxJsxTextElement': {
        const blockLike =
          child.type === 'mdxJsxFlowElement' ||
          isJsxElement(node) ||
          (node.type === 'paragraph' && soleElementOf(node) === child);
        checkElement(child, componentStack, blockLike, errors);
        walk(child, child.name ? [...componentStack, child.name] : componentStack, errors);
        continue;
      }
      default:
        walk(child, componentStack, errors);
    }
  }
}

function esmErrors(node: MdNode): BodyError[] {
  const body = (node.data?.estree as { body?: EstreeNode[] } | undefined)?.body;
  const statements = body && body.length > 0 ? body : [undefined];
  return statements.map((statement) => {
    const isImport = statement
      ? statement.type === 'ImportDeclaration'
      : (node.value ?? '').trimStart().startsWith('import');
    const word = isImport ? 'import' : 'export';
    // acorn counts columns from 0, unist from 1.
    const point = statement?.loc
      ? { line: statement.loc.start.line, column: statement.loc.start.column + 1 }
      : node.position?.start;
    const advice = isImport
      ? `The components ${allowedList} are available without importing them.`
      : 'Write the content itself instead.';
    return at(
      point as Point | undefined,
      `\`${word}\` statements are not allowed: Potluck never runs code from a page. ${advice}`,
    );
  });
}

function checkElement(node: MdNode, componentStack: string[], blockLike: boolean, errors: BodyError[]): void {
  const start = node.position?.start;
  const name = node.name;
  if (!name) {
    errors.push(at(start, 'Fragments (<>…</>) are not allowed. Remove the <> and </> and keep what is between them.'));
    return;
  }
  if (/^[a-z]/.test(name)) {
    errors.push(
      at(
        start,
        `HTML elements such as <${name}> are not allowed here. Use Markdown instead (**bold**, _italic_, lists, tables, [links](https://example.org)), or one of the components: ${allowedList}.`,
      ),
    );
    return;
  }
  const spec = Object.hasOwn(components, name) ? components[name] : undefined;
  if (!spec) {
    errors.push(at(start, `<${name}> is not a component Potluck knows. Components allowed here: ${allowedList}.`));
    return;
  }
  if (!blockLike) {
    errors.push(at(start, `<${name}> is a block: put it on its own line, with a blank line before and after it.`));
  }
  if (spec.parent && componentStack[componentStack.length - 1] !== spec.parent) {
    errors.push(at(start, `<${name}> can only be used directly inside <${spec.parent}>.`));
  }

  const seen = new Set<string>();
  const propNames = Object.keys(spec.props);
  for (const attribute of node.attributes ?? []) {
    const where = attribute.position?.start ?? start;
    if (attribute.type === 'mdxJsxExpressionAttribute') {
      errors.push(
        at(
          where,
          `Spread attributes ({${abbreviate(attribute.value as string)}}) are not allowed; write each attribute as name="value".`,
        ),
      );
      continue;
    }
    const prop = attribute.name ?? '';
    const kind = Object.hasOwn(spec.props, prop) ? spec.props[prop] : undefined;
    if (!kind) {
      const takes = propNames.length > 0 ? `It takes: ${propNames.join(', ')}.` : 'It takes no attributes.';
      errors.push(at(where, `<${name}> does not take the attribute "${prop}". ${takes}`));
      continue;
    }
    seen.add(prop);
    const value = attribute.value;
    if (value !== null && value !== undefined && typeof value === 'object') {
      const example = kind.kind === 'string' ? `${prop}="${kind.values?.[0] ?? '…'}"` : prop;
      errors.push(
        at(where, `The attribute ${prop}={…} uses an expression; write a plain value instead, for example ${example}.`),
      );
      continue;
    }
    if (kind.kind === 'boolean') {
      if (typeof value === 'string')
        errors.push(at(where, `Write ${prop} on its own, without a value (for example <${name} ${prop}>).`));
      continue;
    }
    if (typeof value !== 'string') {
      errors.push(
        at(where, `The attribute ${prop} needs a value in quotes, for example ${prop}="${kind.values?.[0] ?? '…'}".`),
      );
      continue;
    }
    if (kind.values && !kind.values.includes(value)) {
      errors.push(
        at(where, `"${value}" is not a ${name} ${prop}. Use ${orList(kind.values.map((v) => `${prop}="${v}"`))}.`),
      );
      continue;
    }
    if (name === 'Figure' && prop === 'src' && !isLocalImage(value)) {
      errors.push(
        at(
          where,
          'A Figure shows an image from your Potluck media: write src="media:ID" (the ID of an uploaded image) or a path to a file beside this artifact.',
        ),
      );
    }
  }
  for (const [prop, kind] of Object.entries(spec.props)) {
    if (kind.kind === 'string' && kind.required && !seen.has(prop)) {
      errors.push(at(start, missingPropMessage(name, prop)));
    }
  }
}

function missingPropMessage(component: string, prop: string): string {
  if (component === 'Figure' && prop === 'alt') {
    return '<Figure> needs alt="…": describe the image for readers who cannot see it (use alt="" only if it is decoration).';
  }
  if (component === 'Figure' && prop === 'src') return '<Figure> needs src="media:ID": the image to show.';
  if (component === 'Details' && prop === 'summary') {
    return '<Details> needs summary="…": the line readers click to open it, for example summary="Show the answer".';
  }
  return `<${component}> needs ${prop}="…".`;
}

// Figures are for the student's own media; remote images would make readers' browsers call third parties.
function isLocalImage(src: string): boolean {
  if (/^media:[A-Za-z0-9_-]+$/.test(src)) return true;
  return !/^[a-z][a-z0-9+.-]*:/i.test(src) && !src.startsWith('//') && !src.startsWith('\\');
}

function orList(items: string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}` : (items[0] ?? '');
}

function abbreviate(code: string): string {
  const flat = code.replace(/\s+/g, ' ').trim();
  return flat.length > 24 ? `${flat.slice(0, 23)}…` : flat;
}

/** Replaces the (already checked) components with plain HTML elements and drops MDX comments, in place. */
export function lowerMdx(tree: Root): void {
  lowerChildren(tree as unknown as MdNode);
}

function lowerChildren(parent: MdNode): void {
  const children = parent.children;
  if (!children) return;
  const result: MdNode[] = [];
  for (const child of children) {
    if ((child.type === 'mdxFlowExpression' || child.type === 'mdxTextExpression') && isCommentOnly(child)) continue;
    const target = child.type === 'paragraph' ? (soleElementOf(child) ?? child) : child;
    if (isJsxElement(target)) {
      lowerChildren(target);
      result.push(lowerElement(target));
    } else {
      lowerChildren(target);
      result.push(target);
    }
  }
  parent.children = result;
}

// Lowered nodes use a node type no mdast handler knows, so remark-rehype builds exactly the element named in
// `data.hName`, with `data.hProperties`, from the node's children.
function element(
  tagName: string,
  properties: Record<string, unknown>,
  children: MdNode[],
  position?: Position,
): MdNode {
  return { type: 'potluckElement', data: { hName: tagName, hProperties: properties }, children, position };
}

function text(value: string): MdNode {
  return { type: 'text', value };
}

function attributeOf(node: MdNode, name: string): string | null | undefined {
  const attribute = node.attributes?.find((a) => a.type === 'mdxJsxAttribute' && a.name === name);
  if (!attribute) return undefined;
  return typeof attribute.value === 'string' ? attribute.value : null;
}

function lowerElement(node: MdNode): MdNode {
  const children = (node.children ?? []).filter((child) => !isBlank(child));
  switch (node.name) {
    case 'Callout': {
      const type = attributeOf(node, 'type') ?? 'note';
      return element(
        'aside',
        { className: ['pl-callout', `pl-callout-${type}`], role: 'note' },
        children,
        node.position,
      );
    }
    case 'Details': {
      const summary = element('summary', {}, [text(attributeOf(node, 'summary') ?? '')]);
      const open = attributeOf(node, 'open') !== undefined;
      return element(
        'details',
        { className: ['pl-details'], ...(open ? { open: true } : {}) },
        [summary, ...children],
        node.position,
      );
    }
    case 'Figure': {
      // `media:ID` stays as written here; the renderer rewrites it to `/media/ID/` and records the reference.
      const image: MdNode = {
        type: 'image',
        url: attributeOf(node, 'src') ?? '',
        alt: attributeOf(node, 'alt') ?? '',
        title: null,
      };
      const caption = attributeOf(node, 'caption');
      const captionContent = [...(caption ? [text(caption)] : []), ...children];
      const parts = captionContent.length > 0 ? [image, element('figcaption', {}, captionContent)] : [image];
      return element('figure', { className: ['pl-figure'] }, parts, node.position);
    }
    case 'Columns':
      return element('div', { className: ['pl-columns'] }, children, node.position);
    case 'Column':
      return element('div', { className: ['pl-column'] }, children, node.position);
    default:
      // Unreachable after `checkMdx`; drop rather than render something unchecked.
      return element('div', {}, [], node.position);
  }
}

/** Turns an exception from the MDX parser (a syntax error) into a located error instead of letting it escape. */
export function mdxSyntaxError(error: unknown): BodyError {
  const e = error as { line?: number; column?: number; reason?: string; message?: string; source?: string };
  const reason = (e.reason ?? e.message ?? String(error)).replace(/\.$/, '');
  let hint = '';
  if (e.source === 'micromark-extension-mdx-expression' || e.source === 'micromark-extension-mdxjs-esm') {
    hint = ' In MDX a { starts code; to write a brace as text, escape it as \\{.';
  } else if (e.source === 'micromark-extension-mdx-jsx' || e.source === 'mdast-util-mdx-jsx') {
    hint =
      ' In MDX a < starts a component; to write it as text, escape it as \\< (and check every component is closed, e.g. <Callout>…</Callout> or <Figure … />).';
  }
  return { line: e.line ?? 1, column: e.column ?? 1, message: `This MDX could not be read: ${reason}.${hint}` };
}
