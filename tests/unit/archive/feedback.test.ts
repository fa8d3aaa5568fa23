import { describe, expect, it } from 'vitest';
import { parseFeedbackThread, stringifyFeedbackThread, type ArchiveFeedbackThread } from '../../../src/core/archive/feedback.ts';
import { readArchive, textFilesOf } from '../../../src/core/archive/reader.ts';
import { archiveReadme } from '../../../src/core/archive/readme.ts';

const thread: ArchiveFeedbackThread = {
  artifact: '0b9c5e0e-1111-4222-8333-444455556666',
  slug: 'poem',
  messages: [
    {
      id: 'm-1',
      author: 'Ms Lee: English',
      handle: 'mrs-lee',
      role: 'teacher',
      hub: 'english-10',
      revision: 3,
      date: new Date('2025-03-02T14:30:00.000Z'),
      body: 'Lovely imagery.\n\n## A heading inside\n\n- a list\n\n```\ncode\n```',
    },
    { id: 'm-2', author: 'Maya', role: 'owner', revision: 3, date: new Date('2025-03-03T09:00:00.000Z'), body: 'Thank you! <!-- feedback:m-9 --> stays text' },
    { id: 'm-3', author: 'Sam', role: 'reviewer', revision: 4, date: new Date('2025-03-04T00:00:00.000Z'), body: '---\nA line that looks like a fence.' },
  ],
};

describe('feedback/<folder>.md', () => {
  it('round-trips every field and every body, headings and fences inside messages included', () => {
    const text = stringifyFeedbackThread(thread);
    const read = parseFeedbackThread(text, 'feedback/poem.md', 'poem');
    expect(read).toEqual({ ok: true, thread });
    // And the same bytes when written again.
    if (read.ok) expect(stringifyFeedbackThread(read.thread)).toBe(text);
  });

  it('is readable as written: the piece first, each message under a heading that names who wrote it', () => {
    const text = stringifyFeedbackThread(thread);
    expect(text.startsWith('---\nartifact: 0b9c5e0e-1111-4222-8333-444455556666\nslug: poem\nmessages:\n')).toBe(true);
    expect(text).toContain('<!-- feedback:m-1 -->\n## Ms Lee: English (teacher), on revision 3, 2 March 2025\n\nLovely imagery.');
    expect(text).toContain('## Maya (the student), on revision 3, 3 March 2025');
  });

  it('a file written by hand without headings reads too', () => {
    const text = '---\nartifact: a1\nmessages:\n  - {id: x1, author: Ms Lee, role: teacher, revision: 1, date: 2025-01-02}\n---\n\n<!-- feedback:x1 -->\nWell done.\n';
    const read = parseFeedbackThread(text, 'feedback/poem.md', 'poem');
    expect(read.ok && read.thread).toMatchObject({ artifact: 'a1', slug: 'poem', messages: [{ id: 'x1', body: 'Well done.', date: new Date('2025-01-02T00:00:00Z') }] });
  });

  it('names the file and the field of every problem', () => {
    const bad = (text: string) => {
      const read = parseFeedbackThread(text, 'feedback/poem.md', 'poem');
      expect(read.ok).toBe(false);
      return read.ok ? [] : read.issues.map((i) => `${i.field} | ${i.message}`);
    };
    expect(bad('---\nmessages: []\n---\n').join('\n')).toMatch(/feedback\/poem\.md.*artifact is required/);
    expect(bad('---\nartifact: a1\nmessages:\n  - {id: x1, author: A, role: admin, revision: 1, date: 2025-01-02}\n---\n\n<!-- feedback:x1 -->\nHi\n').join('\n')).toMatch(/role must be one of owner, teacher, reviewer/);
    expect(bad('---\nartifact: a1\nmessages:\n  - {id: x1, author: A, role: owner, revision: 1, date: yesterday}\n---\n\n<!-- feedback:x1 -->\nHi\n').join('\n')).toMatch(/date must be a date-time/);
    expect(bad('---\nartifact: a1\nmessages:\n  - {id: x1, author: A, role: owner, revision: 1, date: 2025-01-02}\n---\n\nno marker\n').join('\n')).toMatch(/message x1 has no text/);
    expect(bad('---\nartifact: a1\nmessages:\n  - {id: x1, author: A, role: owner, revision: 1, date: 2025-01-02}\n  - {id: x1, author: A, role: owner, revision: 1, date: 2025-01-02}\n---\n\n<!-- feedback:x1 -->\nHi\n').join('\n')).toMatch(/more than once/);
    expect(bad('---\nartifact: a1\nmessages:\n  - {id: x1, author: A, role: owner, revision: 1, date: 2025-01-02}\n---\n\n<!-- feedback:x1 -->\n## heading only\n').join('\n')).toMatch(/message x1 is empty/);
    const long = 'x'.repeat(50_001);
    expect(bad(`---\nartifact: a1\nmessages:\n  - {id: x1, author: A, role: owner, revision: 1, date: 2025-01-02}\n---\n\n<!-- feedback:x1 -->\n${long}\n`).join('\n')).toMatch(/longer than 50,000/);
  });
});

const manifest = JSON.stringify({ format: 'potluck-archive/1', exportedAt: '2025-06-01T12:00:00Z', profile: { handle: 'maya', name: 'Maya' }, site: { title: 'Maya' } });

function listing(files: Record<string, string>) {
  const paths = Object.keys(files);
  return { files: paths, texts: new Map(textFilesOf(paths).map((p) => [p, files[p]])) };
}

describe('readArchive and feedback/', () => {
  const poem = '---\nid: art-1\ntitle: Poem\ndate: 2024-09-12\n---\n\nA poem.\n';

  it('puts each thread on its piece, by id or else by folder name', () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest,
        'artifacts/poem/index.md': poem,
        'artifacts/essay/index.md': '---\ntitle: Essay\ndate: 2024-09-12\n---\n\nAn essay.\n',
        'feedback/renamed.md': stringifyFeedbackThread({ ...thread, artifact: 'art-1', slug: 'renamed' }),
        'feedback/essay.md': stringifyFeedbackThread({ artifact: 'elsewhere-id', slug: 'essay', messages: [{ ...thread.messages[0], id: 'e-1' }] }),
      }),
    );
    expect(contents.issues).toEqual([]);
    expect(contents.feedback.map((f) => [f.file, f.artifactSlug, f.thread.messages.length])).toEqual([
      ['feedback/essay.md', 'essay', 1],
      ['feedback/renamed.md', 'poem', 3],
    ]);
  });

  it('skips a thread for a piece the archive does not hold, and what it does not own, with a warning', () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest,
        'artifacts/poem/index.md': poem,
        'feedback/gone.md': stringifyFeedbackThread({ ...thread, artifact: 'nope', slug: 'gone' }),
        'feedback/notes.txt': 'hello',
        'feedback/sub/x.md': 'hello',
      }),
    );
    expect(contents.issues).toEqual([]);
    expect(contents.feedback).toEqual([]);
    expect(contents.warnings.join('\n')).toMatch(/feedback\/gone\.md: there is no piece/);
    expect(contents.warnings.join('\n')).toMatch(/feedback\/notes\.txt: feedback\/ holds one <piece>\.md/);
  });

  it('refuses two files on one piece and one message id used twice', () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest,
        'artifacts/poem/index.md': poem,
        'artifacts/essay/index.md': '---\ntitle: Essay\ndate: 2024-09-12\n---\n\nAn essay.\n',
        'feedback/poem.md': stringifyFeedbackThread({ ...thread, artifact: 'art-1' }),
        'feedback/twice.md': stringifyFeedbackThread({ ...thread, artifact: 'art-1', slug: 'twice' }),
        'feedback/essay.md': stringifyFeedbackThread({ artifact: 'x', slug: 'essay', messages: [thread.messages[0]] }),
      }),
    );
    const text = contents.issues.map((i) => `${i.field}: ${i.message}`).join('\n');
    expect(text).toMatch(/feedback\/twice\.md: is feedback on the same piece as feedback\/poem\.md/);
    expect(text).toMatch(/message id m-1 is also used in feedback\/(essay|poem)\.md/);
  });
});

describe('README.html and feedback', () => {
  const base = { name: 'Maya', handle: 'maya', exportedAt: new Date('2025-06-01T00:00:00Z'), instanceUrl: 'https://school.example', artifacts: { total: 1, public: 1, unlisted: 0, members: 0, private: 0 }, revisions: 1, files: 0, showcases: 0, hubs: 0, site: null };

  it('explains feedback and shows every message as plain text, escaped', () => {
    const html = archiveReadme({
      ...base,
      feedback: [{ title: 'Poem <b>1</b>', file: 'feedback/poem.md', messages: [{ author: 'Ms <Lee>', role: 'teacher', revision: 3, date: new Date('2025-03-02T10:00:00Z'), body: 'Nice <script>alert(1)</script>\nline two' }] }],
    });
    expect(html).toContain('<h2 id="feedback">Feedback on your work</h2>');
    expect(html).toContain('<strong>Feedback</strong> is the conversation about a piece of work');
    expect(html).toContain('<code>feedback/poem.md</code>');
    expect(html).toContain('<strong>Ms &lt;Lee&gt;</strong> (teacher), on version 3 of the piece, 2 March 2025');
    expect(html).toContain('Nice &lt;script&gt;alert(1)&lt;/script&gt;\nline two');
    expect(html).not.toContain('<script>');
    expect(html).toContain('1 feedback message from the conversations');
  });

  it('says so when nobody wrote feedback', () => {
    const html = archiveReadme({ ...base, feedback: [] });
    expect(html).toContain('Nobody wrote feedback on your work, so this archive has no <code>feedback</code> folder.');
  });
});
