/**
 * Dates as feeds write them: RFC 822/1123 in RSS (often with two-digit years, full month names or zone
 * abbreviations), W3C-DTF/ISO 8601 in Atom, RSS 1.0's Dublin Core and JSON Feed, and the odd variant of both.
 * `Date.parse` alone reads "local time" for anything without a zone, which would make the same feed sort
 * differently on two servers; here a missing zone means UTC.
 */

// prettier-ignore
const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

// Minutes east of UTC for the zone names RFC 822 allows plus the few others feeds use.
// prettier-ignore
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  AKST: -540, AKDT: -480, HST: -600, AST: -240, ADT: -180, NST: -210, NDT: -150,
  BST: 60, IST: 330, CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180, WET: 0, WEST: 60,
  JST: 540, KST: 540, AEST: 600, AEDT: 660, ACST: 570, AWST: 480, NZST: 720, NZDT: 780,
};

function offsetMinutes(zone: string | undefined): number | undefined {
  if (!zone) return 0;
  const numeric = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (numeric) {
    const sign = numeric[1] === '-' ? -1 : 1;
    return sign * (Number(numeric[2]) * 60 + Number(numeric[3] ?? 0));
  }
  const named = ZONES[zone.toUpperCase()];
  if (named !== undefined) return named;
  // RFC 822 military zones are unreliable (the RFC itself got their signs backwards); treat them as UTC.
  if (/^[A-IK-Z]$/i.test(zone)) return 0;
  return undefined;
}

function build(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  offset: number,
): Date | undefined {
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return undefined;
  const time = Date.UTC(year, month, day, hour, minute, Math.min(second, 59), millis) - offset * 60_000;
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const ISO =
  /^(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?(?:[T\s]+(\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?|[A-Z]{2,5})?)?$/i;

const RFC822 =
  /^(?:[A-Za-z]+,?\s*)?(\d{1,2})[\s-]+([A-Za-z]+)\.?[\s-]+(\d{2,4})(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(?:([+-]\d{2}:?\d{2})|\(?([A-Za-z]{1,5})\)?)?$/;

// "Mon Dec 31 2003 10:14:55 GMT" and "December 31, 2003 10:14:55 GMT": month before day.
const MONTH_FIRST =
  /^(?:[A-Za-z]+,?\s+)?([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(?:([+-]\d{2}:?\d{2})|([A-Za-z]{1,5}))?$/;

function twoDigitYear(text: string): number {
  const year = Number(text);
  if (text.length === 4) return year;
  // RFC 2822: two-digit years 00-49 are 20xx, 50-99 are 19xx.
  return year < 50 ? 2000 + year : 1900 + year;
}

/** Parses a feed date; undefined when the text is not a date we can read. */
export function parseFeedDate(raw: string | undefined | null): Date | undefined {
  if (!raw) return undefined;
  const text = raw.trim().replace(/\s+/g, ' ');
  if (!text) return undefined;

  const iso = ISO.exec(text);
  if (iso) {
    const offset = offsetMinutes(iso[8]);
    if (offset === undefined) return undefined;
    const fraction = iso[7] ? Math.round(Number(`0.${iso[7]}`) * 1000) : 0;
    return build(
      Number(iso[1]),
      Number(iso[2] ?? 1) - 1,
      Number(iso[3] ?? 1),
      Number(iso[4] ?? 0),
      Number(iso[5] ?? 0),
      Number(iso[6] ?? 0),
      fraction,
      offset,
    );
  }

  const rfc = RFC822.exec(text);
  if (rfc) {
    const month = MONTHS[rfc[2]!.slice(0, 3).toLowerCase()];
    const offset = offsetMinutes(rfc[7] ?? rfc[8]);
    if (month === undefined || offset === undefined) return undefined;
    return build(
      twoDigitYear(rfc[3]!),
      month,
      Number(rfc[1]),
      Number(rfc[4] ?? 0),
      Number(rfc[5] ?? 0),
      Number(rfc[6] ?? 0),
      0,
      offset,
    );
  }

  const monthFirst = MONTH_FIRST.exec(text);
  if (monthFirst) {
    const month = MONTHS[monthFirst[1]!.slice(0, 3).toLowerCase()];
    const offset = offsetMinutes(monthFirst[7] ?? monthFirst[8]);
    if (month !== undefined && offset !== undefined) {
      return build(
        Number(monthFirst[3]),
        month,
        Number(monthFirst[2]),
        Number(monthFirst[4] ?? 0),
        Number(monthFirst[5] ?? 0),
        Number(monthFirst[6] ?? 0),
        0,
        offset,
      );
    }
  }

  // Last resort for spellings nobody planned for; only accepted when it names a zone, so it is not local time.
  if (/(?:Z|GMT|UTC|[+-]\d{2}:?\d{2})$/i.test(text)) {
    const time = Date.parse(text);
    if (!Number.isNaN(time)) return new Date(time);
  }
  return undefined;
}
