/**
 * A real SMTP server on 127.0.0.1 for the email tests (the `smtp-server` package), with what arrives parsed by
 * mailparser. It asks for the password in the URL it hands out, and can be told to refuse the next messages or to
 * keep the next one waiting without an answer (a sender killed while it waits).
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface MailServer {
  /** smtp://user:password@127.0.0.1:port */
  url: string;
  received: ParsedMail[];
  /** The next `n` messages to `address` are refused with a temporary failure (451). */
  refuseNext(n: number, address: string): void;
  /** The next message to `address` is read but never answered; `held` counts such messages. */
  holdNext(address: string): void;
  held(): number;
  /** Resolves once `count` messages in all have arrived (or rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export async function startMailServer(): Promise<MailServer> {
  const received: ParsedMail[] = [];
  const refusals = new Map<string, number>();
  const holds = new Set<string>();
  let held = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'potluck' && auth.password === 'secret-word') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const hold = session.envelope.rcptTo.map((r) => r.address).find((a) => holds.has(a));
      if (hold) {
        holds.delete(hold);
        held++;
        stream.resume();
        return;
      }
      const to = session.envelope.rcptTo.map((r) => r.address).find((a) => (refusals.get(a) ?? 0) > 0);
      if (to) {
        refusals.set(to, refusals.get(to)! - 1);
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error('Try again later'), { responseCode: 451 })));
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  // A sender killed in the middle of a conversation (what the multi-node tests do) resets its connection: the
  // server reports that as an error event, which is expected here, not a failure of the test run.
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') console.error('The test SMTP server:', error);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://potluck:secret-word@127.0.0.1:${port}`,
    received,
    refuseNext(n, address) {
      refusals.set(address, n);
    },
    holdNext(address) {
      holds.add(address);
    },
    held: () => held,
    async waitFor(count, ms = 15_000) {
      const start = Date.now();
      while (received.length < count) {
        if (Date.now() - start > ms) throw new Error(`Only ${received.length} of ${count} emails arrived within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
