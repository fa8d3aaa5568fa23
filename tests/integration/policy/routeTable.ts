/**
 * The declared answer of every route in src/pages to every kind of person (the route × role table of issue #11).
 * Keys are route files relative to src/pages; `path` fills the dynamic segments with real ids of the rows the test
 * makes; `expect` is the status each person gets for a GET: 200, 303 (to sign in, or on to the page that fits),
 * 403 (may see, may not do), 404 (must not know it exists), 405 (not a GET address).
 */

/** The people every route is requested as. */
export const PEOPLE = ['anonymous', 'owner', 'otherStudent', 'hubMate', 'teacherOf', 'teacherNotOf', 'admin', 'guardianToBe'] as const;
export type Person = (typeof PEOPLE)[number];

/** The real rows a path may name. */
export interface Ids {
  handle: string;
  classSlug: string;
  year: number;
  tag: string;
  showcaseSlug: string;
  showcaseId: string;
  hubSlug: string;
  hubItemId: string;
  mediaId: string;
  artifactId: string;
  jobId: string;
  /** A finished archive export of the owner's, its file on disk. */
  archiveJobId: string;
  /** An account an admin page acts on (the guardian-to-be's). */
  targetUserId: string;
}

export interface RouteEntry {
  path: (ids: Ids) => string;
  expect: Record<Person, number>;
  /** Where a 303 goes (its location starts with this), when it is not the sign-in page. */
  redirect?: string;
}

type Row = Record<Person, number>;
const row = (anonymous: number, owner: number, otherStudent: number, hubMate: number, teacherOf: number, teacherNotOf: number, admin: number, guardianToBe: number): Row => ({
  anonymous,
  owner,
  otherStudent,
  hubMate,
  teacherOf,
  teacherNotOf,
  admin,
  guardianToBe,
});

/** Anyone, signed in or not. */
const everyone = (status = 200) => row(status, status, status, status, status, status, status, status);
/** Anyone signed in; others are sent to sign in. */
const signedIn = (status = 200) => row(303, status, status, status, status, status, status, status);
/** The owner's own workspace pages about one thing of theirs: everyone else signed in gets the same 404 as missing. */
const ownersOnly = row(303, 200, 404, 404, 404, 404, 404, 404);
/**
 * The owner's editor pages of a class-only piece: those who may read it are told they may not change it (403);
 * everyone else gets the 404 of a piece that does not exist.
 */
const ownersWork = row(303, 200, 404, 403, 403, 404, 404, 404);
/** Class-only work: its owner, the hub-mate and the teacher by consented enrolment; nobody else may know it exists. */
const classOnly = row(404, 200, 404, 200, 200, 404, 404, 404);
/** Teachers' and admins' pages: students may not. */
const staff = row(303, 403, 403, 403, 200, 200, 200, 403);
/** Admin pages. */
const admins = row(303, 403, 403, 403, 403, 403, 200, 403);
/** A members-only hub: its members (consented) and admins; the same 404 for everyone else. */
const hubMembers = row(404, 200, 404, 200, 200, 404, 200, 404);
/** A members-only hub's teachers' pages: teachers and admins; members 403; everyone else the hub's 404. */
const hubTeachers = row(404, 403, 404, 403, 200, 404, 200, 404);

export const ROUTES: Record<string, RouteEntry> = {
  'index.astro': { path: () => '/', expect: everyone() },
  'healthz.ts': { path: () => '/healthz', expect: everyone() },
  'readyz.ts': { path: () => '/readyz', expect: everyone() },
  'robots.txt.ts': { path: () => '/robots.txt', expect: everyone() },
  'feed.xsl.ts': { path: () => '/feed.xsl', expect: everyone() },
  'sitemap.xml.ts': { path: () => '/sitemap.xml', expect: everyone() },
  'signin.astro': { path: () => '/signin', expect: everyone() },
  'signin/code.astro': { path: () => '/signin/code', expect: everyone(303), redirect: '/signin' },
  'signin/two-factor.astro': { path: () => '/signin/two-factor', expect: everyone(303), redirect: '/signin' },
  'signup.astro': { path: () => '/signup', expect: everyone() },
  'signout.ts': { path: () => '/signout', expect: everyone(405) },
  // The Webmention endpoint takes POSTs only; a status address that names no mention is 404 for everyone.
  'webmention/index.ts': { path: () => '/webmention', expect: everyone(405) },
  'webmention/photos/[id].ts': { path: () => '/webmention/photos/no-such-mention', expect: everyone(404) },
  'webmention/status/[id].ts': { path: () => '/webmention/status/no-such-mention', expect: everyone(404) },
  // WebSub: the hub takes POSTs only; a callback nobody was given is the same 404 for everyone.
  'websub/index.ts': { path: () => '/websub', expect: everyone(405) },
  'websub/callback/[id].ts': { path: () => '/websub/callback/00000000-0000-4000-8000-000000000000', expect: everyone(404) },

  // The portfolio: public lists for everyone; the class-only piece only for those it was shared with.
  '@[handle]/index.astro': { path: (i) => `/@${i.handle}/`, expect: everyone() },
  '@[handle]/[slug]/index.astro': { path: (i) => `/@${i.handle}/${i.classSlug}/`, expect: classOnly },
  '@[handle]/archive/index.astro': { path: (i) => `/@${i.handle}/archive/`, expect: everyone() },
  '@[handle]/archive/[year].astro': { path: (i) => `/@${i.handle}/archive/${i.year}/`, expect: everyone() },
  '@[handle]/page/[n].astro': { path: (i) => `/@${i.handle}/page/2/`, expect: everyone(404) },
  '@[handle]/feed.json.ts': { path: (i) => `/@${i.handle}/feed.json`, expect: everyone() },
  '@[handle]/feed.xml.ts': { path: (i) => `/@${i.handle}/feed.xml`, expect: everyone() },
  '@[handle]/showcases/index.astro': { path: (i) => `/@${i.handle}/showcases/`, expect: everyone() },
  '@[handle]/showcases/[slug].astro': { path: (i) => `/@${i.handle}/showcases/${i.showcaseSlug}/`, expect: classOnly },
  '@[handle]/tags/index.astro': { path: (i) => `/@${i.handle}/tags/`, expect: everyone() },
  '@[handle]/tags/[tag]/index.astro': { path: (i) => `/@${i.handle}/tags/${i.tag}/`, expect: everyone() },
  '@[handle]/tags/[tag]/feed.json.ts': { path: (i) => `/@${i.handle}/tags/${i.tag}/feed.json`, expect: everyone() },
  '@[handle]/tags/[tag]/feed.xml.ts': { path: (i) => `/@${i.handle}/tags/${i.tag}/feed.xml`, expect: everyone() },
  // A picture used only by the class-only piece is as private as the piece.
  'media/[id]/index.ts': { path: (i) => `/media/${i.mediaId}/`, expect: classOnly },
  'media/[id]/[file].ts': { path: (i) => `/media/${i.mediaId}/original.jpg`, expect: classOnly },

  // Course hubs: english-10 is members-only; Maya and Theo joined it with a code, Ms Okafor owns it.
  'hubs/index.astro': { path: () => '/hubs/', expect: everyone() },
  'hubs/new.astro': { path: () => '/hubs/new', expect: staff },
  'hubs/[slug]/index.astro': { path: (i) => `/hubs/${i.hubSlug}/`, expect: hubMembers },
  'hubs/[slug]/feed.json.ts': { path: (i) => `/hubs/${i.hubSlug}/feed.json`, expect: everyone(404) },
  'hubs/[slug]/feed.xml.ts': { path: (i) => `/hubs/${i.hubSlug}/feed.xml`, expect: everyone(404) },
  'hubs/[slug]/members.opml.ts': { path: (i) => `/hubs/${i.hubSlug}/members.opml`, expect: hubMembers },
  // The stored picture of an external item in the members-only river: the hub's members and admins, like the river.
  'hubs/[slug]/thumbnails/[item].ts': { path: (i) => `/hubs/${i.hubSlug}/thumbnails/${i.hubItemId}`, expect: hubMembers },
  // The hub's page for one external item of the members-only river: the same readers as the river.
  'hubs/[slug]/items/[id].astro': { path: (i) => `/hubs/${i.hubSlug}/items/${i.hubItemId}`, expect: hubMembers },
  // The owner sees the page that says they cannot leave (and how to delete the hub instead).
  'hubs/[slug]/leave.astro': { path: (i) => `/hubs/${i.hubSlug}/leave`, expect: row(303, 200, 404, 200, 200, 404, 404, 404) },
  'hubs/[slug]/sources.astro': { path: (i) => `/hubs/${i.hubSlug}/sources`, expect: row(303, 200, 404, 200, 200, 404, 200, 404) },
  'hubs/[slug]/members.astro': { path: (i) => `/hubs/${i.hubSlug}/members`, expect: { ...hubTeachers, anonymous: 303 } },
  'hubs/[slug]/progress.astro': { path: (i) => `/hubs/${i.hubSlug}/progress`, expect: { ...hubTeachers, anonymous: 303 } },
  'hubs/[slug]/hidden.astro': { path: (i) => `/hubs/${i.hubSlug}/hidden`, expect: { ...hubTeachers, anonymous: 303 } },
  // Posts on the hub's hashtags waiting for approval: the hub's teachers (and admins) only, like the hidden list.
  'hubs/[slug]/held.astro': { path: (i) => `/hubs/${i.hubSlug}/held`, expect: { ...hubTeachers, anonymous: 303 } },
  'hubs/[slug]/settings.astro': { path: (i) => `/hubs/${i.hubSlug}/settings`, expect: { ...hubTeachers, anonymous: 303 } },
  'hubs/[slug]/delete.astro': { path: (i) => `/hubs/${i.hubSlug}/delete`, expect: { ...hubTeachers, anonymous: 303 } },

  // The workspace: everyone's own; a thing of Maya's is hers alone.
  'workspace/index.astro': { path: () => '/workspace', expect: signedIn() },
  'workspace/hubs.astro': { path: () => '/workspace/hubs', expect: signedIn() },
  // Incoming Webmentions to approve: everyone signed in has their own list; guardians have no workspace.
  'workspace/mentions.astro': { path: () => '/workspace/mentions', expect: row(303, 200, 200, 200, 200, 200, 200, 200) },
  'workspace/media/index.astro': { path: () => '/workspace/media', expect: signedIn() },
  'workspace/showcases/index.astro': { path: () => '/workspace/showcases', expect: signedIn() },
  'workspace/showcases/new.astro': { path: () => '/workspace/showcases/new', expect: signedIn() },
  'workspace/showcases/[id].astro': { path: (i) => `/workspace/showcases/${i.showcaseId}`, expect: ownersOnly },
  'workspace/artifacts/new.astro': { path: () => '/workspace/artifacts/new', expect: signedIn() },
  'workspace/artifacts/[id]/index.astro': { path: (i) => `/workspace/artifacts/${i.artifactId}`, expect: ownersWork },
  'workspace/artifacts/[id]/revisions.astro': { path: (i) => `/workspace/artifacts/${i.artifactId}/revisions`, expect: ownersWork },
  // The feedback thread: its owner and the owner's teacher who may read the piece; everyone else the 404 of nothing.
  'workspace/artifacts/[id]/feedback.astro': { path: (i) => `/workspace/artifacts/${i.artifactId}/feedback`, expect: row(303, 200, 404, 404, 200, 404, 404, 404) },
  'workspace/artifacts/[id]/delete.astro': { path: (i) => `/workspace/artifacts/${i.artifactId}/delete`, expect: ownersWork },
  'workspace/export.astro': { path: () => '/workspace/export', expect: signedIn() },
  'workspace/import.astro': { path: () => '/workspace/import', expect: signedIn() },
  'workspace/import/[id].astro': { path: () => '/workspace/import/0123456789abcdef01234567', expect: signedIn(404) },
  'workspace/site.astro': { path: () => '/workspace/site', expect: signedIn() },
  'workspace/publish/index.astro': { path: () => '/workspace/publish', expect: signedIn() },
  'workspace/publish/[job].astro': { path: (i) => `/workspace/publish/${i.jobId}`, expect: ownersOnly },
  'workspace/export/[job].astro': { path: (i) => `/workspace/export/${i.archiveJobId}`, expect: ownersOnly },
  'workspace/export/[job]/download.ts': { path: (i) => `/workspace/export/${i.archiveJobId}/download`, expect: ownersOnly },
  'workspace/publish/github/start.ts': { path: () => '/workspace/publish/github/start', expect: signedIn(404) },
  'workspace/publish/github/callback.ts': { path: () => '/workspace/publish/github/callback', expect: signedIn(404) },
  'workspace/students.astro': { path: () => '/workspace/students', expect: staff },
  'workspace/teaching.astro': { path: () => '/workspace/teaching', expect: staff },
  'workspace/joincodes.astro': { path: () => '/workspace/joincodes', expect: staff },

  // A guardian's home; anyone else signed in is pointed to their workspace (nobody here is a guardian).
  'family/index.astro': { path: () => '/family', expect: signedIn() },

  'account/index.astro': { path: () => '/account', expect: signedIn() },
  'account/profile.astro': { path: () => '/account/profile', expect: signedIn() },
  'account/consent.astro': { path: () => '/account/consent', expect: signedIn() },
  'account/delete.astro': { path: () => '/account/delete', expect: signedIn() },
  'account/two-factor.astro': { path: () => '/account/two-factor', expect: signedIn() },
  // POST only (sign out one session or all others): a GET is no page.
  'account/sessions.ts': { path: () => '/account/sessions', expect: signedIn(404) },
  'account/apps.astro': { path: () => '/account/apps', expect: signedIn() },

  // IndieAuth and Micropub: the metadata is public; the consent page needs a signed-in member and an app's request
  // (without one it says so, 400); the token and Micropub endpoints answer only Bearer tokens (401 without).
  '.well-known/oauth-authorization-server.ts': { path: () => '/.well-known/oauth-authorization-server', expect: everyone() },
  'auth.astro': { path: () => '/auth', expect: signedIn(400) },
  'token.ts': { path: () => '/token', expect: everyone(401) },
  'token/revoke.ts': { path: () => '/token/revoke', expect: everyone(404) },
  'token/introspect.ts': { path: () => '/token/introspect', expect: everyone(404) },
  'micropub.ts': { path: () => '/micropub', expect: everyone(401) },
  'micropub/media.ts': { path: () => '/micropub/media', expect: everyone(404) },

  'admin/index.astro': { path: () => '/admin', expect: admins },
  'admin/policy.astro': { path: () => '/admin/policy', expect: admins },
  'admin/audit.astro': { path: () => '/admin/audit', expect: admins },
  'admin/guardians.astro': { path: () => '/admin/guardians', expect: admins },
  'admin/confirm.astro': { path: (i) => `/admin/confirm?action=disable&user=${i.targetUserId}`, expect: admins },
  'admin/delete-account.astro': { path: (i) => `/admin/delete-account?user=${i.targetUserId}`, expect: admins },

  // Notifications: everyone's own inbox and settings; someone else's (or a missing) notification is a 404; a feed
  // address with a wrong secret is a 404 for everyone.
  'notifications/index.astro': { path: () => '/notifications', expect: signedIn() },
  'notifications/settings.astro': { path: () => '/notifications/settings', expect: signedIn() },
  'notifications/[id].ts': { path: (i) => `/notifications/${i.artifactId}`, expect: signedIn(404) },
  'notifications/feed/[token].atom.ts': { path: () => '/notifications/feed/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.atom', expect: everyone(404) },

  // JSON endpoints for the editor's scripts: POST only (a GET is no page); signed out, 401 rather than a redirect.
  'api/drafts.ts': { path: () => '/api/drafts', expect: { ...signedIn(404), anonymous: 401 } },
  'api/media.ts': { path: () => '/api/media', expect: { ...signedIn(404), anonymous: 401 } },
  'api/preview.ts': { path: () => '/api/preview', expect: { ...signedIn(404), anonymous: 401 } },
};
