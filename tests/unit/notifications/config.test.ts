/** Email configuration (POTLUCK_SMTP_URL, POTLUCK_MAIL_FROM) and the digest day's rules. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { digestDayStart, digestDue } from '../../../src/server/notifications/schedule.ts';

describe('email configuration', () => {
  it('is off when POTLUCK_SMTP_URL is unset or empty', () => {
    expect(loadConfig({}).smtpUrl).toBeNull();
    expect(loadConfig({ POTLUCK_SMTP_URL: '' }).smtpUrl).toBeNull();
  });

  it('takes smtp:// and smtps:// URLs and refuses anything else with the variable named', () => {
    expect(loadConfig({ POTLUCK_SMTP_URL: 'smtp://user:pass@mail.school.example:587' }).smtpUrl).toBe('smtp://user:pass@mail.school.example:587');
    expect(loadConfig({ POTLUCK_SMTP_URL: 'smtps://mail.school.example' }).smtpUrl).toBe('smtps://mail.school.example');
    expect(() => loadConfig({ POTLUCK_SMTP_URL: 'http://mail.school.example' })).toThrow(/POTLUCK_SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(() => loadConfig({ POTLUCK_SMTP_URL: 'mail.school.example' })).toThrow(/POTLUCK_SMTP_URL/);
  });

  it("sends from potluck@ the site's host unless POTLUCK_MAIL_FROM says otherwise", () => {
    expect(loadConfig({ POTLUCK_SITE_URL: 'https://portfolios.school.example/' }).mailFrom).toBe('Potluck <potluck@portfolios.school.example>');
    expect(loadConfig({ POTLUCK_MAIL_FROM: 'Lincoln High <no-reply@lincoln.example>' }).mailFrom).toBe('Lincoln High <no-reply@lincoln.example>');
  });
});

describe('the digest day', () => {
  it('starts at 07:00 (the instance time zone; UTC in tests) and allows one digest per day', () => {
    expect(digestDayStart(new Date('2025-05-08T06:59:00Z')).toISOString()).toBe('2025-05-07T07:00:00.000Z');
    expect(digestDayStart(new Date('2025-05-08T07:00:00Z')).toISOString()).toBe('2025-05-08T07:00:00.000Z');
    expect(digestDue(new Date('2025-05-08T10:00:00Z'), null)).toBe(true);
    expect(digestDue(new Date('2025-05-08T10:00:00Z'), new Date('2025-05-08T07:30:00Z'))).toBe(false);
    expect(digestDue(new Date('2025-05-08T06:00:00Z'), new Date('2025-05-07T10:00:00Z'))).toBe(false);
    expect(digestDue(new Date('2025-05-08T07:01:00Z'), new Date('2025-05-07T23:00:00Z'))).toBe(true);
  });
});
