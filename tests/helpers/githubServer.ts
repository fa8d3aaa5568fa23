/**
 * A local GitHub for tests, held to GitHub's own description of its REST API rather than to what Potluck expects:
 *
 * - routes come from `../shared/corpora/github-openapi/subset.deref.json` (33 operations); a request to anything
 *   else, or to an operation this server does not implement, is a violation;
 * - every request's path parameters, query and JSON body are validated against that description with ajv; a request
 *   that does not validate gets GitHub's 422 and is recorded in `violations` (tests assert it stays empty);
 * - answers are built from the description's own examples (the recorded sessions in
 *   `../shared/corpora/octokit-fixtures` for headers and error bodies) and every answer is validated against the
 *   response schema too;
 * - git objects are stored as git stores them: blob, tree and commit ids are SHA-1s of the real object encodings,
 *   so the objects can be written into a real bare repository and checked with `git fsck`, `git ls-tree`, `git archive`;
 * - tokens carry fine-grained permissions (contents, pages, administration) and repository access; a refusal says
 *   what is missing in `x-accepted-github-permissions`, as GitHub does;
 * - faults can be queued per operation: any status with headers (401, 403, 429 …) or a dropped connection.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const root = path.resolve(import.meta.dirname, '..', '..');
/** GitHub's REST description (subset), as shipped in the shared corpora. */
export const SPEC_FILE = path.resolve(root, '..', 'shared', 'corpora', 'github-openapi', 'subset.deref.json');
const FIXTURES = path.resolve(root, '..', 'shared', 'corpora', 'octokit-fixtures', 'scenarios', 'api.github.com');

// GitHub JSON as it comes over the wire, checked by the schemas rather than by TypeScript.
type Json = any;
type Level = 'read' | 'write';
type Permission = 'contents' | 'pages' | 'administration' | 'metadata';

/** What a token may do. */
export interface TokenGrant {
  login: string;
  /** Fine-grained repository permissions (metadata read is implied). */
  permissions?: Partial<Record<Permission, Level>>;
  /** Repositories ("owner/name", any case) the token can see, or 'all'. */
  repositories?: string[] | 'all';
  /** A classic token: scopes instead of permissions (sent in `x-oauth-scopes`). */
  scopes?: string[];
  /** Sent as `github-authentication-token-expiration`. */
  expires?: string;
}

/** A queued fault for an operation. */
export interface Fault {
  operationId: string;
  /** How many matching requests it applies to (default 1). */
  times?: number;
  /** Drop the connection without an answer (the request is not carried out), or answer with this status, headers and body. */
  drop?: boolean;
  /** Carry the request out, then drop the connection before answering (the answer is lost on the way). */
  dropAfter?: boolean;
  /** Answer normally, this much later (to watch a publish while it runs). */
  delayMs?: number;
  status?: number;
  headers?: Record<string, string>;
  body?: Json;
}

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  operationId: string | null;
  status: number;
  body: Json;
  token: string | null;
}

interface GitObject {
  type: 'blob' | 'tree' | 'commit';
  /** The object's content, as git hashes it (without the header). */
  content: Buffer;
}

interface TreeEntry {
  mode: string;
  name: string;
  sha: string;
}

interface CommitInfo {
  tree: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
}

/** A repository: objects, refs and GitHub Pages settings. */
export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  private: boolean;
  objects: Map<string, GitObject>;
  refs: Map<string, string>;
  pages: null | { source: { branch: string; path: string }; cname: string | null; buildType: 'legacy' | 'workflow'; builds: { id: number; commit: string; status: string; created: string }[] };
}

interface Route {
  method: string;
  template: string;
  operationId: string;
  regex: RegExp;
  names: string[];
  params: ValidateFunction;
  query: ValidateFunction | null;
  body: ValidateFunction | null;
  bodyRequired: boolean;
  operation: Json;
  score: number;
}

/** The git object id of typed content: SHA-1 of `<type> <size>\0<content>` (what `git hash-object -t <type>` prints). */
export function gitObjectSha(type: string, content: Buffer): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
}

function encodeTree(entries: TreeEntry[]): Buffer {
  // Git sorts entries by name, comparing a folder as if its name ended in '/'.
  const key = (e: TreeEntry) => Buffer.from(e.mode === '40000' ? `${e.name}/` : e.name);
  const sorted = [...entries].sort((a, b) => Buffer.compare(key(a), key(b)));
  return Buffer.concat(sorted.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.sha, 'hex')])));
}

function decodeTree(content: Buffer): TreeEntry[] {
  const out: TreeEntry[] = [];
  let i = 0;
  while (i < content.length) {
    const space = content.indexOf(0x20, i);
    const nul = content.indexOf(0, space);
    out.push({ mode: content.subarray(i, space).toString(), name: content.subarray(space + 1, nul).toString('utf8'), sha: content.subarray(nul + 1, nul + 21).toString('hex') });
    i = nul + 21;
  }
  return out;
}

function gitTime(iso: string): string {
  return `${Math.floor(Date.parse(iso) / 1000)} +0000`;
}

function encodeCommit(c: CommitInfo): Buffer {
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`)];
  lines.push(`author ${c.author.name} <${c.author.email}> ${gitTime(c.author.date)}`);
  lines.push(`committer ${c.committer.name} <${c.committer.email}> ${gitTime(c.committer.date)}`);
  return Buffer.from(`${lines.join('\n')}\n\n${c.message}`, 'utf8');
}

function decodeCommit(content: Buffer): CommitInfo {
  const text = content.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = text.slice(0, split).split('\n');
  const person = (line: string) => {
    const m = /^\w+ (.*) <(.*)> (\d+) [+-]\d{4}$/.exec(line)!;
    return { name: m[1], email: m[2], date: new Date(Number(m[3]) * 1000).toISOString().replace('.000Z', 'Z') };
  };
  return {
    tree: head.find((l) => l.startsWith('tree '))!.slice(5),
    parents: head.filter((l) => l.startsWith('parent ')).map((l) => l.slice(7)),
    author: person(head.find((l) => l.startsWith('author '))!),
    committer: person(head.find((l) => l.startsWith('committer '))!),
    message: text.slice(split + 2),
  };
}

/**
 * OpenAPI 3.0 reads `nullable: true` as "null is allowed too", also next to an `enum`; ajv's `nullable` keyword
 * does not extend the enum, so null is added to such enums here (the description itself is not changed on disk).
 */
function allowNullInNullableEnums(node: Json): void {
  if (Array.isArray(node)) return node.forEach(allowNullInNullableEnums);
  if (!node || typeof node !== 'object') return;
  if (node.nullable === true && Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
  for (const value of Object.values(node)) allowNullInNullableEnums(value);
}

/** Which permission each implemented operation needs, as GitHub documents for fine-grained tokens. */
const NEEDS: Record<string, [Permission, Level] | null> = {
  'users/get-authenticated': null,
  'repos/get': ['metadata', 'read'],
  'repos/create-for-authenticated-user': ['administration', 'write'],
  'repos/create-or-update-file-contents': ['contents', 'write'],
  'git/get-ref': ['contents', 'read'],
  'git/get-commit': ['contents', 'read'],
  'git/get-tree': ['contents', 'read'],
  'git/get-blob': ['contents', 'read'],
  'git/create-blob': ['contents', 'write'],
  'git/create-tree': ['contents', 'write'],
  'git/create-commit': ['contents', 'write'],
  'git/create-ref': ['contents', 'write'],
  'git/update-ref': ['contents', 'write'],
  'repos/get-pages': ['pages', 'read'],
  'repos/create-pages-site': ['pages', 'write'],
  'repos/update-information-about-pages-site': ['pages', 'write'],
  'repos/get-latest-pages-build': ['pages', 'read'],
};

function loadFixture(name: string): Json[] {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'normalized-fixture.json'), 'utf8'));
}

export interface GitHubTestServer {
  url: string;
  spec: Json;
  /** Requests that broke GitHub's description (request or answer); tests expect none. */
  violations: string[];
  requests: SeenRequest[];
  addToken(token: string, grant: TokenGrant): void;
  addRepo(owner: string, name: string, options?: { empty?: boolean; private?: boolean; defaultBranch?: string; files?: Record<string, string> }): FakeRepo;
  repo(owner: string, name: string): FakeRepo | undefined;
  fault(fault: Fault): void;
  clearFaults(): void;
  /** How many requests reached an operation (faulted ones included), optionally only since `from` (an index into requests). */
  count(operationId: string, from?: number): number;
  /** Pages build status reported for new builds ('built' by default). */
  setBuildStatus(status: string): void;
  /** Serves Pages sites from another host, as GitHub Enterprise Server does (`https://HOST/pages/owner/repo/`); null: github.io. */
  setPagesHost(host: string | null): void;
  /** Makes a commit on a branch as someone pushing from elsewhere would. */
  pushCommit(owner: string, name: string, branch: string, files: Record<string, string>, message?: string): string;
  /** Every blob on a branch: path -> bytes. */
  files(owner: string, name: string, branch: string): Map<string, Buffer>;
  /** Writes a repository's objects and refs into a new bare git repository at `dir` (for real git to check). */
  writeBareRepo(owner: string, name: string, dir: string): void;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (a free port). */
export async function startGitHubServer(): Promise<GitHubTestServer> {
  const spec = JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8'));
  allowNullInNullableEnums(spec);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<object, ValidateFunction | null>();
  const compile = (schema: object): ValidateFunction | null => {
    if (!compiled.has(schema)) {
      try {
        compiled.set(schema, ajv.compile(schema));
      } catch {
        compiled.set(schema, null);
      }
    }
    return compiled.get(schema)!;
  };

  const routes: Route[] = [];
  for (const [template, item] of Object.entries<Json>(spec.paths)) {
    for (const [method, operation] of Object.entries<Json>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters: Json[] = operation.parameters ?? [];
      const names: string[] = [];
      const pattern = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
        names.push(name);
        const multi = parameters.find((p) => p.name === name && p.in === 'path')?.['x-multi-segment'];
        return multi ? '(.+)' : '([^/]+)';
      });
      const pathParams = parameters.filter((p) => p.in === 'path');
      const queryParams = parameters.filter((p) => p.in === 'query');
      const jsonBody = operation.requestBody?.content?.['application/json']?.schema;
      routes.push({
        method: method.toUpperCase(),
        template,
        operationId: operation.operationId,
        regex: new RegExp(`^${pattern}$`),
        names,
        params: ajv.compile({
          type: 'object',
          properties: Object.fromEntries(pathParams.map((p) => [p.name, p.schema])),
          required: pathParams.filter((p) => p.required).map((p) => p.name),
        }),
        query: queryParams.length
          ? ajv.compile({ type: 'object', properties: Object.fromEntries(queryParams.map((p) => [p.name, p.schema])), required: queryParams.filter((p) => p.required).map((p) => p.name) })
          : null,
        body: jsonBody ? compile(jsonBody) : null,
        bodyRequired: Boolean(operation.requestBody?.required),
        operation,
        // Literal segments win over parameters (`pages/builds/latest` over `pages/builds/{build_id}`).
        score: template.split('/').filter((s) => s && !s.startsWith('{')).length * 10 - names.length,
      });
    }
  }
  routes.sort((a, b) => b.score - a.score);

  // Header and error shapes as recorded from real GitHub sessions.
  const recordedHeaders = loadFixture('git-refs')[0].headers as Record<string, string | number>;
  const validationFailed = loadFixture('errors')[0].response as Json;

  const violations: string[] = [];
  const requests: SeenRequest[] = [];
  const tokens = new Map<string, TokenGrant>();
  const repos = new Map<string, FakeRepo>();
  const faults: (Fault & { left: number })[] = [];
  let buildStatus = 'built';
  let pagesHost: string | null = null;
  let nextId = 1000;
  let base = '';
  const accountIds = new Map<string, number>();
  const accountId = (login: string) => {
    if (!accountIds.has(login.toLowerCase())) accountIds.set(login.toLowerCase(), nextId++);
    return accountIds.get(login.toLowerCase())!;
  };

  const example = (operationId: string, status: string, name?: string): Json => {
    const route = routes.find((r) => r.operationId === operationId)!;
    const examples = route.operation.responses[status].content['application/json'].examples;
    return structuredClone((name ? examples[name] : Object.values<Json>(examples)[0]).value);
  };

  const put = (repo: FakeRepo, type: GitObject['type'], content: Buffer) => {
    const sha = gitObjectSha(type, content);
    repo.objects.set(sha, { type, content });
    return sha;
  };

  function userJson(login: string): Json {
    const u = example('users/get-authenticated', '200', 'response-with-public-and-private-profile-information');
    const id = accountId(login);
    for (const [k, v] of Object.entries<Json>(u)) if (typeof v === 'string') u[k] = v.replace(/octocat/g, login);
    return { ...u, login, id, node_id: Buffer.from(`04:User${id}`).toString('base64'), name: `${login} (test)`, email: `${login}@example.org` };
  }

  function repoJson(repo: FakeRepo): Json {
    const r = example('repos/get', '200', 'default-response');
    for (const k of ['source', 'parent', 'organization', 'template_repository']) delete r[k];
    const full = `${repo.owner}/${repo.name}`;
    for (const [k, v] of Object.entries<Json>(r)) {
      if (typeof v === 'string') r[k] = v.replace(/octocat\/Hello-World/g, full);
    }
    return {
      ...r,
      id: repo.id,
      name: repo.name,
      full_name: full,
      owner: { ...r.owner, login: repo.owner, id: accountId(repo.owner), html_url: `https://github.com/${repo.owner}` },
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      default_branch: repo.defaultBranch,
      has_pages: Boolean(repo.pages),
      homepage: null,
      description: null,
      language: null,
      size: repo.objects.size,
    };
  }

  function pagesJson(repo: FakeRepo): Json {
    const p = example('repos/get-pages', '200');
    const host = `${repo.owner.toLowerCase()}.github.io`;
    const htmlUrl = repo.pages!.cname
      ? `https://${repo.pages!.cname}/`
      : pagesHost
        ? `https://${pagesHost}/pages/${repo.owner}/${repo.name}/`
      : repo.name.toLowerCase() === host
        ? `https://${host}/`
        : `https://${host}/${repo.name}/`;
    const latest = repo.pages!.builds.at(-1);
    return {
      ...p,
      url: `${base}/repos/${repo.owner}/${repo.name}/pages`,
      status: latest?.status ?? null,
      cname: repo.pages!.cname,
      html_url: htmlUrl,
      build_type: repo.pages!.buildType,
      source: repo.pages!.source,
      https_certificate: undefined,
      protected_domain_state: undefined,
      pending_domain_unverified_at: undefined,
    };
  }

  function refJson(repo: FakeRepo, ref: string): Json {
    const sha = repo.refs.get(ref)!;
    return {
      ref,
      node_id: Buffer.from(`ref:${ref}`).toString('base64'),
      url: `${base}/repos/${repo.owner}/${repo.name}/git/${ref}`,
      object: { type: 'commit', sha, url: `${base}/repos/${repo.owner}/${repo.name}/git/commits/${sha}` },
    };
  }

  function commitJson(repo: FakeRepo, sha: string): Json {
    const c = decodeCommit(repo.objects.get(sha)!.content);
    const at = `${base}/repos/${repo.owner}/${repo.name}`;
    return {
      sha,
      node_id: Buffer.from(`commit:${sha}`).toString('base64'),
      url: `${at}/git/commits/${sha}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${sha}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: { sha: c.tree, url: `${at}/git/trees/${c.tree}` },
      parents: c.parents.map((p) => ({ sha: p, url: `${at}/git/commits/${p}`, html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${p}` })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  }

  function treeItems(repo: FakeRepo, sha: string, recursive: boolean, prefix = ''): Json[] {
    const out: Json[] = [];
    for (const e of decodeTree(repo.objects.get(sha)!.content)) {
      const isTree = e.mode === '40000';
      const full = prefix + e.name;
      const item: Json = { path: full, mode: isTree ? '040000' : e.mode, type: isTree ? 'tree' : 'blob', sha: e.sha, url: `${base}/repos/${repo.owner}/${repo.name}/git/${isTree ? 'trees' : 'blobs'}/${e.sha}` };
      if (!isTree) item.size = repo.objects.get(e.sha)!.content.length;
      out.push(item);
      if (isTree && recursive) out.push(...treeItems(repo, e.sha, true, `${full}/`));
    }
    return out;
  }

  type Dir = Map<string, { mode: string; sha: string } | { dir: Dir }>;
  const loadDir = (repo: FakeRepo, sha: string): Dir => {
    const dir: Dir = new Map();
    for (const e of decodeTree(repo.objects.get(sha)!.content)) dir.set(e.name, e.mode === '40000' ? { dir: loadDir(repo, e.sha) } : { mode: e.mode, sha: e.sha });
    return dir;
  };
  const writeDir = (repo: FakeRepo, dir: Dir): string | null => {
    const entries: TreeEntry[] = [];
    for (const [name, node] of dir) {
      if ('dir' in node) {
        const sha = writeDir(repo, node.dir);
        // Git has no empty folders: a folder whose last file was removed disappears.
        if (sha) entries.push({ mode: '40000', name, sha });
      } else entries.push({ mode: node.mode, name, sha: node.sha });
    }
    if (entries.length === 0) return null;
    return put(repo, 'tree', encodeTree(entries));
  };
  const setPath = (dir: Dir, parts: string[], node: { mode: string; sha: string } | null) => {
    const [head, ...rest] = parts;
    if (rest.length === 0) {
      if (node) dir.set(head, node);
      else dir.delete(head);
      return;
    }
    let child = dir.get(head);
    if (!child || !('dir' in child)) {
      if (!node) return;
      child = { dir: new Map() };
      dir.set(head, child);
    }
    setPath(child.dir, rest, node);
  };

  const isAncestor = (repo: FakeRepo, ancestor: string, sha: string): boolean => {
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length) {
      const s = queue.shift()!;
      if (s === ancestor) return true;
      if (seen.has(s)) continue;
      seen.add(s);
      const obj = repo.objects.get(s);
      if (obj?.type === 'commit') queue.push(...decodeCommit(obj.content).parents);
    }
    return false;
  };

  function makeCommit(repo: FakeRepo, info: Omit<CommitInfo, 'author' | 'committer'> & { author?: CommitInfo['author'] }, login: string): string {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const person = info.author ?? { name: login, email: `${login}@users.noreply.github.com`, date: now };
    return put(repo, 'commit', encodeCommit({ ...info, author: person, committer: { ...person, date: now } }));
  }

  function repoFor(owner: string, name: string): FakeRepo | undefined {
    return repos.get(`${owner}/${name}`.toLowerCase());
  }

  function addRepo(owner: string, name: string, options: { empty?: boolean; private?: boolean; defaultBranch?: string; files?: Record<string, string> } = {}): FakeRepo {
    const repo: FakeRepo = {
      id: nextId++,
      owner,
      name,
      defaultBranch: options.defaultBranch ?? 'main',
      private: options.private ?? false,
      objects: new Map(),
      refs: new Map(),
      pages: null,
    };
    repos.set(`${owner}/${name}`.toLowerCase(), repo);
    if (!options.empty) {
      const files = options.files ?? { 'README.md': `# ${name}\n` };
      const dir: Dir = new Map();
      for (const [p, text] of Object.entries(files)) setPath(dir, p.split('/'), { mode: '100644', sha: put(repo, 'blob', Buffer.from(text)) });
      const tree = writeDir(repo, dir) ?? put(repo, 'tree', Buffer.alloc(0));
      repo.refs.set(`refs/heads/${repo.defaultBranch}`, makeCommit(repo, { tree, parents: [], message: 'Initial commit' }, owner));
    }
    return repo;
  }

  const errorBody = (status: number, message: string, docs = 'https://docs.github.com/rest') => ({ message, documentation_url: docs, status: String(status) });

  interface Answer {
    status: number;
    body?: Json;
    headers?: Record<string, string>;
  }

  function handle(route: Route, p: Record<string, string>, query: URLSearchParams, body: Json, grant: TokenGrant): Answer {
    const notFound = (): Answer => ({ status: 404, body: errorBody(404, 'Not Found', `https://docs.github.com/rest`) });
    const op = route.operationId;
    if (op === 'users/get-authenticated') return { status: 200, body: userJson(grant.login) };

    if (op === 'repos/create-for-authenticated-user') {
      if (repoFor(grant.login, body.name)) {
        return {
          status: 422,
          body: {
            message: 'Repository creation failed.',
            errors: [{ resource: 'Repository', code: 'custom', field: 'name', message: 'name already exists on this account' }],
            documentation_url: 'https://docs.github.com/rest/repos/repos#create-a-repository-for-the-authenticated-user',
            status: '422',
          },
        };
      }
      const repo = addRepo(grant.login, body.name, { empty: !body.auto_init, private: Boolean(body.private) });
      if (Array.isArray(grant.repositories)) grant.repositories.push(`${grant.login}/${body.name}`);
      const created = example('repos/create-for-authenticated-user', '201');
      const r = repoJson(repo);
      return { status: 201, body: { ...created, ...r, has_discussions: false, homepage: body.homepage ?? null, description: body.description ?? null } };
    }

    const repo = repoFor(p.owner, p.repo);
    const visible = repo && (grant.repositories === undefined || grant.repositories === 'all' || grant.repositories.some((r) => r.toLowerCase() === `${p.owner}/${p.repo}`.toLowerCase()));
    if (!repo || !visible) return notFound();
    const at = `${base}/repos/${repo.owner}/${repo.name}`;
    const empty = repo.refs.size === 0;
    const emptyAnswer: Answer = { status: 409, body: errorBody(409, 'Git Repository is empty.', 'https://docs.github.com/rest/git') };

    switch (op) {
      case 'repos/get':
        return { status: 200, body: repoJson(repo) };
      case 'git/get-ref': {
        if (empty) return emptyAnswer;
        const ref = `refs/${p.ref}`;
        return repo.refs.has(ref) ? { status: 200, body: refJson(repo, ref) } : notFound();
      }
      case 'git/get-commit': {
        const obj = repo.objects.get(p.commit_sha);
        return obj?.type === 'commit' ? { status: 200, body: commitJson(repo, p.commit_sha) } : notFound();
      }
      case 'git/get-tree': {
        const obj = repo.objects.get(p.tree_sha);
        if (obj?.type !== 'tree') return notFound();
        return { status: 200, body: { sha: p.tree_sha, url: `${at}/git/trees/${p.tree_sha}`, tree: treeItems(repo, p.tree_sha, query.has('recursive')), truncated: false } };
      }
      case 'git/get-blob': {
        const obj = repo.objects.get(p.file_sha);
        if (obj?.type !== 'blob') return notFound();
        return { status: 200, body: { content: obj.content.toString('base64'), encoding: 'base64', url: `${at}/git/blobs/${p.file_sha}`, sha: p.file_sha, size: obj.content.length, node_id: 'blob' } };
      }
      case 'git/create-blob': {
        if (empty) return emptyAnswer;
        const encoding = body.encoding ?? 'utf-8';
        if (encoding !== 'utf-8' && encoding !== 'base64') return { status: 422, body: { ...validationFailed, errors: [{ resource: 'Blob', code: 'invalid', field: 'encoding' }] } };
        const bytes = encoding === 'base64' ? Buffer.from(body.content, 'base64') : Buffer.from(body.content, 'utf8');
        const sha = put(repo, 'blob', bytes);
        return { status: 201, body: { url: `${at}/git/blobs/${sha}`, sha }, headers: { location: `${at}/git/blobs/${sha}` } };
      }
      case 'git/create-tree': {
        if (empty) return emptyAnswer;
        let dir: Dir = new Map();
        if (body.base_tree) {
          if (repo.objects.get(body.base_tree)?.type !== 'tree') return { status: 422, body: { ...validationFailed, message: 'Invalid tree info', errors: [{ resource: 'Tree', code: 'invalid', field: 'base_tree' }] } };
          dir = loadDir(repo, body.base_tree);
        }
        for (const entry of body.tree as Json[]) {
          const parts = String(entry.path ?? '').split('/');
          if (parts.some((s) => s === '' || s === '.' || s === '..')) {
            return { status: 422, body: { ...validationFailed, message: `tree.path contains a malformed path component`, errors: [] } };
          }
          if (entry.sha !== undefined && entry.content !== undefined) return { status: 422, body: { ...validationFailed, message: 'Must supply either tree.sha or tree.content, not both.' } };
          if (entry.sha === null) {
            setPath(dir, parts, null);
            continue;
          }
          let sha: string = entry.sha;
          if (entry.content !== undefined) sha = put(repo, 'blob', Buffer.from(entry.content, 'utf8'));
          if (entry.type !== 'blob' || repo.objects.get(sha)?.type !== 'blob') {
            return { status: 422, body: { ...validationFailed, message: `tree.sha ${sha} is not a valid blob`, errors: [] } };
          }
          setPath(dir, parts, { mode: entry.mode === '100755' ? '100755' : '100644', sha });
        }
        const sha = writeDir(repo, dir) ?? put(repo, 'tree', Buffer.alloc(0));
        return { status: 201, body: { sha, url: `${at}/git/trees/${sha}`, tree: treeItems(repo, sha, false), truncated: false } };
      }
      case 'git/create-commit': {
        if (repo.objects.get(body.tree)?.type !== 'tree') return { status: 422, body: { ...validationFailed, message: 'Tree SHA does not exist', errors: [] } };
        for (const parent of body.parents ?? []) {
          if (repo.objects.get(parent)?.type !== 'commit') return { status: 422, body: { ...validationFailed, message: 'Parent SHA does not exist or is not a commit object', errors: [] } };
        }
        const sha = makeCommit(repo, { tree: body.tree, parents: body.parents ?? [], message: body.message, author: body.author ? { ...body.author, date: body.author.date ?? new Date().toISOString() } : undefined }, grant.login);
        return { status: 201, body: commitJson(repo, sha), headers: { location: `${at}/git/commits/${sha}` } };
      }
      case 'git/create-ref': {
        if (empty) return emptyAnswer;
        if (!/^refs\/.+\/.+/.test(body.ref)) return { status: 422, body: { ...validationFailed, message: 'Reference name is not valid', errors: [] } };
        if (repo.refs.has(body.ref)) return { status: 422, body: { ...validationFailed, message: 'Reference already exists', errors: [] } };
        if (repo.objects.get(body.sha)?.type !== 'commit') return { status: 422, body: { ...validationFailed, message: 'Object does not exist', errors: [] } };
        repo.refs.set(body.ref, body.sha);
        return { status: 201, body: refJson(repo, body.ref), headers: { location: `${at}/git/${body.ref}` } };
      }
      case 'git/update-ref': {
        const ref = `refs/${p.ref}`;
        const current = repo.refs.get(ref);
        if (!current) return { status: 422, body: { ...validationFailed, message: 'Reference does not exist', errors: [] } };
        if (repo.objects.get(body.sha)?.type !== 'commit') return { status: 422, body: { ...validationFailed, message: 'Object does not exist', errors: [] } };
        if (!body.force && !isAncestor(repo, current, body.sha)) return { status: 422, body: { ...validationFailed, message: 'Update is not a fast forward', errors: [] } };
        repo.refs.set(ref, body.sha);
        if (repo.pages && repo.pages.source.branch === p.ref.replace(/^heads\//, '')) {
          repo.pages.builds.push({ id: nextId++, commit: body.sha, status: buildStatus, created: new Date().toISOString() });
        }
        return { status: 200, body: refJson(repo, ref) };
      }
      case 'repos/create-or-update-file-contents': {
        const branch = body.branch ?? repo.defaultBranch;
        const ref = `refs/heads/${branch}`;
        const head = repo.refs.get(ref);
        if (!head && !empty) return notFound();
        const dir = head ? loadDir(repo, decodeCommit(repo.objects.get(head)!.content).tree) : new Map();
        const blob = put(repo, 'blob', Buffer.from(body.content, 'base64'));
        setPath(dir, p.path.split('/'), { mode: '100644', sha: blob });
        const tree = writeDir(repo, dir)!;
        const commit = makeCommit(repo, { tree, parents: head ? [head] : [], message: body.message }, grant.login);
        repo.refs.set(ref, commit);
        const answer = example('repos/create-or-update-file-contents', '201', 'example-for-creating-a-file');
        const name = p.path.split('/').at(-1)!;
        answer.content = { ...answer.content, name, path: p.path, sha: blob, size: Buffer.from(body.content, 'base64').length };
        answer.commit = { ...answer.commit, ...commitJson(repo, commit) };
        delete answer.commit.verification;
        answer.commit.verification = { verified: false, reason: 'unsigned', signature: null, payload: null };
        return { status: 201, body: answer };
      }
      case 'repos/get-pages':
        return repo.pages ? { status: 200, body: pagesJson(repo) } : notFound();
      case 'repos/create-pages-site': {
        if (repo.pages) return { status: 409, body: errorBody(409, 'GitHub Pages is already enabled.') };
        const branch = body.source?.branch ?? repo.defaultBranch;
        if (!repo.refs.has(`refs/heads/${branch}`)) return { status: 422, body: { ...validationFailed, message: 'The source branch does not exist', errors: [] } };
        repo.pages = { source: { branch, path: body.source?.path ?? '/' }, cname: null, buildType: body.build_type ?? 'legacy', builds: [] };
        repo.pages.builds.push({ id: nextId++, commit: repo.refs.get(`refs/heads/${branch}`)!, status: buildStatus, created: new Date().toISOString() });
        return { status: 201, body: pagesJson(repo) };
      }
      case 'repos/update-information-about-pages-site': {
        if (!repo.pages) return notFound();
        if (body.source && typeof body.source === 'object') repo.pages.source = body.source;
        if (body.build_type) repo.pages.buildType = body.build_type;
        if (body.cname !== undefined) repo.pages.cname = body.cname;
        return { status: 204 };
      }
      case 'repos/get-latest-pages-build': {
        const latest = repo.pages?.builds.at(-1);
        if (!latest) return notFound();
        const b = example('repos/get-latest-pages-build', '200');
        return {
          status: 200,
          body: { ...b, url: `${at}/pages/builds/${latest.id}`, status: latest.status, error: { message: latest.status === 'errored' ? 'Page build failed.' : null }, commit: latest.commit, created_at: latest.created, updated_at: latest.created },
        };
      }
    }
    return { status: 501, body: errorBody(501, `Not implemented by the test server: ${op}`) };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://127.0.0.1');
      const method = req.method!.toUpperCase();
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Json = undefined;
      const auth = req.headers.authorization ?? '';
      const token = /^(?:token|bearer)\s+(.+)$/i.exec(auth)?.[1] ?? null;
      const seen: SeenRequest = { method, path: url.pathname, operationId: null, status: 0, body: undefined, token };
      requests.push(seen);

      const send = (answer: Answer, route?: Route) => {
        seen.status = answer.status;
        const grant = token ? tokens.get(token) : undefined;
        const headers: Record<string, string> = {
          'content-type': 'application/json; charset=utf-8',
          'x-github-media-type': String(recordedHeaders['x-github-media-type']),
          'x-github-request-id': String(recordedHeaders['x-github-request-id']),
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '4999',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
          'x-ratelimit-used': '1',
          'x-ratelimit-resource': 'core',
          ...(grant?.scopes ? { 'x-oauth-scopes': grant.scopes.join(', ') } : {}),
          ...(grant?.expires ? { 'github-authentication-token-expiration': grant.expires } : {}),
          ...answer.headers,
        };
        if (route && answer.body !== undefined) {
          const schema = route.operation.responses?.[String(answer.status)]?.content?.['application/json']?.schema;
          const check = schema ? compile(schema) : null;
          if (check && !check(answer.body)) {
            violations.push(`answer to ${method} ${url.pathname} (${answer.status}) does not match GitHub's description: ${ajv.errorsText(check.errors)}`);
          }
        }
        if (answer.status === 204 || answer.body === undefined) {
          res.writeHead(answer.status, headers);
          res.end();
          return;
        }
        const text = JSON.stringify(answer.body);
        res.writeHead(answer.status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
      };

      const match = routes
        .filter((r) => r.method === method)
        .map((r) => ({ r, m: r.regex.exec(url.pathname) }))
        .find((x) => x.m);
      if (!match) {
        violations.push(`${method} ${url.pathname} is not an operation in GitHub's description`);
        return send({ status: 404, body: errorBody(404, 'Not Found') });
      }
      const route = match.r;
      seen.operationId = route.operationId;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(match.m![i + 1])));

      const problems: string[] = [];
      if (!route.params(params)) problems.push(`path: ${ajv.errorsText(route.params.errors)}`);
      if (route.query && !route.query(Object.fromEntries(url.searchParams))) problems.push(`query: ${ajv.errorsText(route.query.errors)}`);
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          problems.push('body: not JSON');
        }
      }
      seen.body = body;
      if (route.body) {
        if (body === undefined && route.bodyRequired) problems.push('body: required');
        else if (body !== undefined && !route.body(body)) problems.push(`body: ${ajv.errorsText(route.body.errors)}`);
      } else if (body !== undefined && method !== 'GET') {
        problems.push('body: this operation takes none');
      }

      const fault = faults.find((f) => f.operationId === route.operationId && f.left > 0);
      if (fault?.delayMs !== undefined) {
        // A slow answer: carried out normally, later.
        fault.left--;
        setTimeout(() => finish(undefined), fault.delayMs);
        return;
      }
      if (fault && !fault.dropAfter) {
        fault.left--;
        if (fault.drop) {
          seen.status = -1;
          req.socket.destroy();
          return;
        }
        return send({ status: fault.status ?? 500, headers: fault.headers, body: fault.body ?? errorBody(fault.status ?? 500, 'Fault') });
      }

      finish(fault);

      function finish(fault: (Fault & { left: number }) | undefined) {
        if (!token || !tokens.has(token)) return send({ status: 401, body: errorBody(401, 'Bad credentials') });
        const grant = tokens.get(token)!;

        if (problems.length) {
          violations.push(`${method} ${url.pathname} (${route.operationId}) does not match GitHub's description: ${problems.join('; ')}`);
          return send({ status: 422, body: { message: `Invalid request.\n\n${problems.join('\n')}`, documentation_url: 'https://docs.github.com/rest', status: '422' } }, route);
        }
        if (!(route.operationId in NEEDS)) {
          violations.push(`${method} ${url.pathname}: ${route.operationId} is described but not implemented by the test server`);
          return send({ status: 501, body: errorBody(501, 'Not implemented') });
        }
        const need = NEEDS[route.operationId];
        if (need && !grant.scopes) {
          const [permission, level] = need;
          const has = permission === 'metadata' ? 'read' : grant.permissions?.[permission];
          if (!has || (level === 'write' && has !== 'write')) {
            return send(
              {
                status: 403,
                headers: { 'x-accepted-github-permissions': `${permission}=${level}` },
                body: errorBody(403, 'Resource not accessible by personal access token', `https://docs.github.com/rest`),
              },
              route,
            );
          }
        }
        if (need && grant.scopes && !grant.scopes.includes('repo')) {
          return send({ status: 403, headers: { 'x-accepted-oauth-scopes': 'repo' }, body: errorBody(403, 'Resource not accessible by integration') }, route);
        }
        try {
          const answer = handle(route, params, url.searchParams, body, grant);
          if (fault?.dropAfter) {
            fault.left--;
            seen.status = -1;
            req.socket.destroy();
            return;
          }
          send(answer, route);
        } catch (error) {
          violations.push(`the test server failed on ${method} ${url.pathname}: ${(error as Error).stack}`);
          send({ status: 500, body: errorBody(500, 'Server Error') });
        }
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function branchFiles(owner: string, name: string, branch: string): Map<string, Buffer> {
    const repo = repoFor(owner, name)!;
    const out = new Map<string, Buffer>();
    const head = repo.refs.get(`refs/heads/${branch}`);
    if (!head) return out;
    const walk = (sha: string, prefix: string) => {
      for (const e of decodeTree(repo.objects.get(sha)!.content)) {
        if (e.mode === '40000') walk(e.sha, `${prefix}${e.name}/`);
        else out.set(prefix + e.name, repo.objects.get(e.sha)!.content);
      }
    };
    walk(decodeCommit(repo.objects.get(head)!.content).tree, '');
    return out;
  }

  return {
    url: base,
    spec,
    violations,
    requests,
    addToken: (token, grant) => tokens.set(token, grant),
    addRepo,
    repo: repoFor,
    fault: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    clearFaults: () => faults.splice(0),
    count: (operationId, from = 0) => requests.slice(from).filter((r) => r.operationId === operationId).length,
    setBuildStatus: (status) => (buildStatus = status),
    setPagesHost: (host) => (pagesHost = host),
    pushCommit(owner, name, branch, files, message = 'Someone else pushed') {
      const repo = repoFor(owner, name)!;
      const ref = `refs/heads/${branch}`;
      const head = repo.refs.get(ref);
      const dir = head ? loadDir(repo, decodeCommit(repo.objects.get(head)!.content).tree) : new Map();
      for (const [p, text] of Object.entries(files)) setPath(dir, p.split('/'), { mode: '100644', sha: put(repo, 'blob', Buffer.from(text)) });
      const tree = writeDir(repo, dir) ?? put(repo, 'tree', Buffer.alloc(0));
      const commit = makeCommit(repo, { tree, parents: head ? [head] : [], message }, 'someone-else');
      repo.refs.set(ref, commit);
      return commit;
    },
    files: branchFiles,
    writeBareRepo(owner, name, dir) {
      const repo = repoFor(owner, name)!;
      execFileSync('git', ['init', '--bare', '--quiet', dir]);
      for (const [sha, obj] of repo.objects) {
        const file = path.join(dir, 'objects', sha.slice(0, 2), sha.slice(2));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, zlib.deflateSync(Buffer.concat([Buffer.from(`${obj.type} ${obj.content.length}\0`), obj.content])));
      }
      fs.writeFileSync(path.join(dir, 'HEAD'), `ref: refs/heads/${repo.defaultBranch}\n`);
      for (const [ref, sha] of repo.refs) {
        fs.mkdirSync(path.dirname(path.join(dir, ref)), { recursive: true });
        fs.writeFileSync(path.join(dir, ref), `${sha}\n`);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
