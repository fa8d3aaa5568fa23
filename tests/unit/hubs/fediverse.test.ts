// Following a hashtag on a Mastodon-compatible server: what teachers paste becomes a server and a tag (or an error
// that says what is wrong), a post's link names its account, and title-less posts are named by their first words.
import { describe, expect, it } from 'vitest';
import { FediverseInputError, accountOfPost, parseFediverseAccount, parseFediverseTag } from '../../../src/core/hubs/fediverse.ts';
import { itemDisplayTitle } from '../../../src/core/hubs/itemTitle.ts';

const expected = { origin: 'https://mastodon.social', server: 'mastodon.social', tag: 't509massive', feedUrl: 'https://mastodon.social/tags/t509massive.rss' };

describe('a tag on a server, as people paste it', () => {
  it.each([
    [{ server: 'mastodon.social', tag: 't509massive' }],
    [{ server: 'mastodon.social', tag: '#t509massive' }],
    [{ server: '@mastodon.social', tag: '#t509massive' }],
    [{ server: '@ms_lee@mastodon.social', tag: 't509massive' }],
    [{ server: 'https://mastodon.social/', tag: 't509massive' }],
    [{ server: 'MASTODON.social', tag: 't509massive' }],
    [{ tag: 'https://mastodon.social/tags/t509massive' }],
    [{ tag: 'https://mastodon.social/tags/t509massive.rss' }],
    [{ tag: 'mastodon.social/tags/t509massive' }],
    [{ server: 'https://mastodon.social/tags/t509massive', tag: '' }],
    [{ tag: '#t509massive@mastodon.social' }],
    [{ tag: 't509massive@mastodon.social' }],
  ])('%o', (input) => {
    expect(parseFediverseTag(input)).toEqual(expected);
  });

  it('keeps a port and plain http only when written so, and encodes a tag with letters of any script', () => {
    expect(parseFediverseTag({ tag: 'http://127.0.0.1:8080/tags/Week3' })).toEqual({ origin: 'http://127.0.0.1:8080', server: '127.0.0.1:8080', tag: 'Week3', feedUrl: 'http://127.0.0.1:8080/tags/Week3.rss' });
    expect(parseFediverseTag({ server: 'mastodon.social', tag: '#élève' }).feedUrl).toBe('https://mastodon.social/tags/%C3%A9l%C3%A8ve.rss');
  });

  it.each([
    [{ server: '', tag: '' }, 'tag', /Write the server and the hashtag/],
    [{ server: '', tag: 't509massive' }, 'server', /Which server\?/],
    [{ server: 'mastodon.social', tag: '' }, 'tag', /Write the hashtag/],
    [{ server: 'mastodon.social', tag: 'two words' }, 'tag', /letters, digits and _ only/],
    [{ server: 'mastodon.social', tag: 't509-massive' }, 'tag', /letters, digits and _ only/],
    [{ server: 'mastodon.social', tag: '#2025' }, 'tag', /at least one letter/],
    [{ server: 'not a server', tag: 'x1' }, 'server', /not a server/],
    [{ server: 'ftp://mastodon.social', tag: 'x1' }, 'server', /https:\/\//],
    [{ server: 'https://me:secret@mastodon.social', tag: 'x1' }, 'server', /user name or password/],
  ])('%o is refused with a reason', (input, field, message) => {
    let error: unknown;
    try {
      parseFediverseTag(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FediverseInputError);
    expect((error as FediverseInputError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
  });
});

describe('accounts', () => {
  it('a post’s link names its account; other shapes name none', () => {
    expect(accountOfPost('https://mastodon.social/@Maya/113912345678900001')).toEqual({ acct: 'maya@mastodon.social', profileUrl: 'https://mastodon.social/@Maya' });
    expect(accountOfPost('https://other.social/users/bob/statuses/1139')).toEqual({ acct: 'bob@other.social', profileUrl: 'https://other.social/@bob' });
    expect(accountOfPost('https://pleroma.example/notice/AbCd')).toBeNull();
    expect(accountOfPost('https://mastodon.social/@maya')).toBeNull();
    expect(accountOfPost(undefined)).toBeNull();
  });

  it('a teacher may write an account as @name@server, name@server or its profile address', () => {
    for (const input of ['@Maya@Mastodon.social', 'maya@mastodon.social', 'https://mastodon.social/@maya', 'https://mastodon.social/users/maya/']) {
      expect(parseFediverseAccount(input)).toBe('maya@mastodon.social');
    }
    expect(parseFediverseAccount('maya')).toBeNull();
    expect(parseFediverseAccount('https://mastodon.social/@maya/1234')).toBeNull();
  });
});

describe('the title of a post without one', () => {
  it('is its first words then …, never “(untitled)”', () => {
    expect(itemDisplayTitle('', 'Week three of the massive open course: I mapped every character in Hamlet by who they lie to')).toBe('Week three of the massive open course: I mapped every…');
    expect(itemDisplayTitle('  ', 'Cut, at a comma, here and then some more words after that')).toBe('Cut, at a comma, here and then some more words…');
    expect(itemDisplayTitle('', 'A short post')).toBe('A short post');
    expect(itemDisplayTitle('', 'An excerpt cut by the poller…')).toBe('An excerpt cut by the poller…');
    expect(itemDisplayTitle('', '')).toBe('A post without text');
    expect(itemDisplayTitle('A real title', 'text')).toBe('A real title');
    for (const text of ['', ' ', 'x']) expect(itemDisplayTitle(null, text)).not.toContain('untitled');
  });
});
