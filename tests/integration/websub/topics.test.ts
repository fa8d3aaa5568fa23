// Which addresses are WebSub topics of this site, and what a frozen copy (the static export) says: no hub, since
// nothing answers subscriptions there.
import { describe, expect, it } from 'vitest';
import { toJsonFeed } from '../../../src/core/feeds/jsonFeed.ts';
import { toRss } from '../../../src/core/feeds/rss.ts';
import { websubLinks } from '../../../src/server/discovery/websub.ts';
import { buildPortfolioFeed } from '../../../src/server/feeds.ts';
import { parseTopicPath, readTopic } from '../../../src/server/websub/topics.ts';
import { validSignature } from '../../../src/server/websub/subscriber.ts';
import { hubSignature } from '../../../src/server/websub/publisher.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

const SITE = 'https://school.example';

describe('topics', () => {
  it('names the portfolio, tag and hub feeds in both formats, and nothing else', () => {
    expect(parseTopicPath('/@maya/feed.xml')).toEqual({ kind: 'portfolio', handle: 'maya', format: 'xml' });
    expect(parseTopicPath('/@maya/tags/Week-3/feed.json')).toEqual({ kind: 'tag', handle: 'maya', tag: 'week-3', format: 'json' });
    expect(parseTopicPath('/hubs/english-10/feed.xml')).toEqual({ kind: 'hub', slug: 'english-10', format: 'xml' });
    for (const path of ['/@maya/', '/@maya/feed.atom', '/hubs/english-10/members.opml', '/sitemap.xml', '/@maya/poem/feed.xml']) expect(parseTopicPath(path), path).toBeNull();
  });

  it('gives live feeds rel=hub and rel=self, spelled as the feed writes its own address; static copies and pages none', () => {
    const app = createTestApp({ POTLUCK_SITE_URL: SITE });
    expect(websubLinks(app, { path: '/@maya/tags/Week-3/feed.xml', static: false })).toEqual([
      { rel: 'hub', href: `${SITE}/websub` },
      { rel: 'self', href: `${SITE}/@maya/tags/week-3/feed.xml` },
    ]);
    expect(websubLinks(app, { path: '/@maya/feed.xml', static: true })).toEqual([]);
    expect(websubLinks(app, { path: '/@maya/', static: false })).toEqual([]);
  });

  it('leaves the hub out of an exported feed', async () => {
    const app = createTestApp({ POTLUCK_SITE_URL: SITE });
    const maya = await makeUser(app, { handle: 'maya' });
    await makeArtifact(app, maya, { title: 'Poem', visibility: 'public' });
    const exported = buildPortfolioFeed(app, { owner: maya, target: { siteUrl: SITE, staticBase: 'https://maya.example/' } });
    expect(toRss(exported)).not.toContain('rel="hub"');
    expect(toJsonFeed(exported)).not.toContain('"hubs"');
    const live = buildPortfolioFeed(app, { owner: maya, target: { siteUrl: SITE, staticBase: null } });
    expect(toRss(live)).toContain(`<atom:link href="${SITE}/websub" rel="hub"/>`);
  });

  it('reads only this site’s public feeds as topics', async () => {
    const app = createTestApp({ POTLUCK_SITE_URL: SITE });
    await makeUser(app, { handle: 'theo' });
    expect(readTopic(app, `${SITE}/@theo/feed.xml`)).toMatchObject({ topic: `${SITE}/@theo/feed.xml`, contentType: 'application/rss+xml; charset=utf-8' });
    expect(readTopic(app, `${SITE}/@nobody/feed.xml`)).toHaveProperty('error');
    expect(readTopic(app, `${SITE}/@theo/feed.xml?x=1`)).toHaveProperty('error');
    expect(readTopic(app, `https://evil.example/@theo/feed.xml`)).toHaveProperty('error');
  });
});

describe('signatures', () => {
  it('checks X-Hub-Signature in constant time, for each method the spec lists, and refuses the rest', () => {
    const body = Buffer.from('<rss/>');
    expect(validSignature('s3cret', hubSignature('s3cret', body), body)).toBe(true);
    expect(validSignature('s3cret', hubSignature('other', body), body)).toBe(false);
    expect(validSignature('s3cret', hubSignature('s3cret', body), Buffer.from('<rss>changed</rss>'))).toBe(false);
    expect(validSignature('s3cret', null, body)).toBe(false);
    expect(validSignature('s3cret', 'sha256=', body)).toBe(false);
    expect(validSignature('s3cret', 'md5=00', body)).toBe(false);
  });
});
