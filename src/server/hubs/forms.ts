/** The hub settings form: a hub's values as form strings, and a submitted form as hub input (assignment rows included). */
import { MAX_ASSIGNMENTS, assignmentFieldNames, assignmentsFromForm, type HubInput } from '../../core/hubs/input.ts';
import { POLL_INTERVAL } from '../../core/hubs/schedule.ts';
import type { Hub, HubAssignment } from '../db/schema.ts';
import { formToObject } from '../http/forms.ts';

const day = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : '');

/** A hub's settings as the form shows them. */
export function hubFormValues(hub: Hub | null, assignments: HubAssignment[] = []): Record<string, string> {
  const values: Record<string, string> = hub
    ? {
        title: hub.title,
        slug: hub.slug,
        description: hub.description,
        tags: hub.tags.join(' '),
        visibility: hub.visibility,
        termStart: day(hub.termStart),
        termEnd: day(hub.termEnd),
        pollIntervalMinutes: String(hub.pollIntervalMinutes),
      }
    : { visibility: 'members', pollIntervalMinutes: String(POLL_INTERVAL.default) };
  assignments.forEach((a, i) => {
    const names = assignmentFieldNames(i);
    values[names.title] = a.title;
    values[names.tag] = a.tag;
    values[names.due] = day(a.dueAt);
  });
  return values;
}

/** How many assignment rows the form shows: every filled one, and two empty ones to add more. */
export function assignmentRows(values: Record<string, string>): number {
  let last = -1;
  for (let i = 0; i < MAX_ASSIGNMENTS; i++) {
    const names = assignmentFieldNames(i);
    if (values[names.title] || values[names.tag] || values[names.due]) last = i;
  }
  return Math.min(MAX_ASSIGNMENTS, last + 3);
}

/** A submitted settings form as hub input (what hubInputSchema validates). */
export function hubInputFromForm(form: FormData): HubInput & Record<string, unknown> {
  const raw = formToObject(form);
  const text = (name: string) => (typeof raw[name] === 'string' ? (raw[name] as string) : '');
  return {
    title: text('title'),
    slug: text('slug'),
    description: text('description'),
    tags: text('tags'),
    visibility: (text('visibility') || 'members') as 'public' | 'members',
    termStart: text('termStart'),
    termEnd: text('termEnd'),
    pollIntervalMinutes: text('pollIntervalMinutes'),
    assignments: assignmentsFromForm(raw, MAX_ASSIGNMENTS),
  };
}
