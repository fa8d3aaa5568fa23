// Conditional GET as RFC 9110 §13 describes it: what a feed reader or a browser sends back, and what it gets.
import { describe, expect, it } from 'vitest';
import {
  PERSONAL_CACHE_CONTROL,
  PUBLIC_CACHE_CONTROL,
  conditional,
  makeEtag,
  parseEntityTagList,
  strongMatch,
  weakMatch,
} from '../../../src/server/http/caching.ts';

const etag = makeEtag(['portfolio', 'maya', 7, '/@maya/']);
const lastModified = new Date('2024-09-14T10:00:00.750Z');
const validators = { etag, lastModified };

function get(headers: Record<string, string>, method = 'GET') {
  return new Request('https://school.example/@maya/', { method, headers });
}

describe('makeEtag', () => {
  it('is a quoted strong tag that depends on every part, and weak on request', () => {
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(makeEtag(['portfolio', 'maya', 7, '/@maya/'])).toBe(etag);
    expect(makeEtag(['portfolio', 'maya', 8, '/@maya/'])).not.toBe(etag);
    expect(makeEtag(['a', 'bc'])).not.toBe(makeEtag(['ab', 'c']));
    expect(makeEtag(['x'], { weak: true })).toBe(`W/${makeEtag(['x'])}`);
  });
});

describe('entity tag comparison', () => {
  it('compares strongly only between strong tags, weakly by opaque part', () => {
    const [a, wa, b] = parseEntityTagList('"a", W/"a", "b"') as { weak: boolean; opaque: string }[];
    expect(strongMatch(a!, a!)).toBe(true);
    expect(strongMatch(a!, wa!)).toBe(false);
    expect(weakMatch(a!, wa!)).toBe(true);
    expect(weakMatch(a!, b!)).toBe(false);
  });

  it('reads lists whose tags contain commas, and the wildcard', () => {
    expect(parseEntityTagList('"x,y", W/"z"')).toEqual([
      { weak: false, opaque: '"x,y"' },
      { weak: true, opaque: '"z"' },
    ]);
    expect(parseEntityTagList(' * ')).toBe('*');
  });
});

describe('conditional', () => {
  it('answers 304 to If-None-Match with the current tag, alone or in a list, strong or weak', () => {
    for (const header of [etag, `"old", ${etag}`, `W/${etag}`, '*']) {
      const response = conditional(get({ 'if-none-match': header }), validators);
      expect(response?.status, header).toBe(304);
    }
  });

  it('sends the full response when If-None-Match names only other versions', () => {
    expect(conditional(get({ 'if-none-match': '"old", W/"older"' }), validators)).toBeNull();
  });

  it('lets If-None-Match decide even when If-Modified-Since alone would say 304', () => {
    const request = get({ 'if-none-match': '"old"', 'if-modified-since': 'Sat, 14 Sep 2024 10:00:00 GMT' });
    expect(conditional(request, validators)).toBeNull();
  });

  it('answers If-Modified-Since to the second: 304 at or after the change, 200 before it', () => {
    expect(conditional(get({ 'if-modified-since': 'Sat, 14 Sep 2024 10:00:00 GMT' }), validators)?.status).toBe(304);
    expect(conditional(get({ 'if-modified-since': 'Sun, 15 Sep 2024 00:00:00 GMT' }), validators)?.status).toBe(304);
    expect(conditional(get({ 'if-modified-since': 'Sat, 14 Sep 2024 09:59:59 GMT' }), validators)).toBeNull();
  });

  it('ignores an If-Modified-Since that is not a date, and one when nothing is known to have changed', () => {
    expect(conditional(get({ 'if-modified-since': 'yesterday-ish' }), validators)).toBeNull();
    expect(
      conditional(get({ 'if-modified-since': 'Sat, 14 Sep 2024 10:00:00 GMT' }), { etag, lastModified: null }),
    ).toBeNull();
  });

  it('only applies to GET and HEAD', () => {
    expect(conditional(get({ 'if-none-match': etag }, 'HEAD'), validators)?.status).toBe(304);
    expect(conditional(get({ 'if-none-match': etag }, 'POST'), validators)).toBeNull();
  });

  it('repeats the validators and caching rules on the 304, with no body', async () => {
    const anonymous = conditional(get({ 'if-none-match': etag }), validators)!;
    expect(anonymous.headers.get('etag')).toBe(etag);
    expect(anonymous.headers.get('last-modified')).toBe('Sat, 14 Sep 2024 10:00:00 GMT');
    expect(anonymous.headers.get('cache-control')).toBe(PUBLIC_CACHE_CONTROL);
    expect(anonymous.headers.get('vary')).toBe('Cookie');
    expect(await anonymous.text()).toBe('');
    const personal = conditional(get({ 'if-none-match': etag }), validators, { personal: true })!;
    expect(personal.headers.get('cache-control')).toBe(PERSONAL_CACHE_CONTROL);
  });
});
