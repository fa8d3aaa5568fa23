/**
 * Feeds of a portfolio with 60 public 1,500-word posts (the feed carries the newest 50): building the model from
 * SQLite and serializing RSS and JSON Feed, versus the validators a returning reader's 304 costs.
 * Targets: full feed median < 100 ms; 304 validators median < 1 ms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { createUser } from '../../src/commands/userCreator.ts';
import { toJsonFeed } from '../../src/core/feeds/jsonFeed.ts';
import { toRss } from '../../src/core/feeds/rss.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { buildPortfolioFeed } from '../../src/server/feeds.ts';
import { portfolioValidators } from '../../src/server/http/publicCache.ts';
import { getPortfolioOwner } from '../../src/server/repositories/portfolio.ts';
import { samplePost, stats, time } from './lib.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-feeds-'));
const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir, POTLUCK_SITE_URL: 'https://school.example' }), { migrate: true });
await createUser(app, { handle: 'bench', name: 'Bench', role: 'student' });
const ownerId = getPortfolioOwner(app, 'bench').id;
const body = samplePost(1500);
for (let i = 0; i < 60; i++) {
  await saveArtifact(app, {
    ownerId,
    input: { title: `Post ${i}`, kind: 'post', visibility: 'public', body, date: new Date(Date.UTC(2024, 0, 1 + i)) },
  });
}
const target = { siteUrl: app.config.siteUrl, staticBase: null };
const render = { static: false, staticBase: null };

const full = await time(() => {
  const owner = getPortfolioOwner(app, 'bench');
  const feed = buildPortfolioFeed(app, { owner, target });
  return [toRss(feed), toJsonFeed(feed)];
}, 30);
const notModified = await time(() => portfolioValidators(app, getPortfolioOwner(app, 'bench'), { path: '/@bench/feed.xml', variant: 'rss', render }), 200);
const bytes = toRss(buildPortfolioFeed(app, { owner: getPortfolioOwner(app, 'bench'), target })).length;

app.db.$client.close();
fs.rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ name: 'feed: build 50 items + RSS + JSON Feed', rss_bytes: bytes, ...stats(full), target: 'median < 100 ms' }));
console.log(JSON.stringify({ name: 'feed: validators for a 304 (no build)', ...stats(notModified), target: 'median < 1 ms' }));
