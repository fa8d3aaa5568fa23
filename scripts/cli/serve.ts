import http from 'node:http';
import path from 'node:path';
import { loadConfig } from '../../src/server/config.ts';
import { sweepDeadImports } from '../../src/commands/importSweeper.ts';
import { moveLegacyPictureFolders } from '../../src/server/hubs/thumbnails.ts';
import { createAppContext } from '../../src/server/context.ts';
import { serveFromFrontCache } from '../../src/server/http/frontCache.ts';
import { sharedPageCache } from '../../src/server/http/pageCache.ts';
import { loadSite } from '../../src/server/http/siteListener.ts';
import { startAuditSweeper } from '../../src/server/audit/sweeper.ts';
import { hasAccounts } from '../../src/server/repositories/accounts.ts';
import { createLogger } from '../../src/server/logger.ts';
import { lifecycleState, markStopping } from '../../src/server/lifecycle.ts';
import { ensureServerBuild } from './build.ts';
import { parseOptions, type CliCommand } from './io.ts';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');

const command: CliCommand = {
  summary: 'serve the site',
  help: `Usage: potluck serve [--no-demo]

Builds the site if needed, applies migrations, loads the demo school from content/demo into an empty
database (unless --no-demo or POTLUCK_DEMO=off), and serves on http://HOST:PORT (default localhost:4321).
Data lives in POTLUCK_DATA (default ./data); a second start keeps it.`,
  async run(args, io) {
    const { values } = parseOptions(args, { 'no-demo': { type: 'boolean' } });
    const config = loadConfig(io.env, io.cwd);
    // The server's own lines are JSON, one object a line, redacted (src/server/logger.ts).
    const log = createLogger({ stdout: io.stdout, stderr: io.stderr });
    const entry = ensureServerBuild(projectRoot, (line) => log.info(line, { component: 'build' }));
    const app = createAppContext(config, { migrate: true });
    // Media an import staged before it died: moved into place if its rows were committed, else removed.
    // (src/commands/importSweeper.ts: none of the importer's own modules load for it.)
    const swept = await sweepDeadImports(app);
    // Pictures kept in the data folder by an older Potluck move to the media volume that every node shares.
    await moveLegacyPictureFolders(config);
    if (swept.removed) log.info(`Cleaned up after ${swept.removed} interrupted import(s).`, { component: 'import' });
    // The demo's loader (and the importer under it) loads only when there is an empty database to load it into.
    if (config.loadDemo && !values['no-demo'] && !hasAccounts(app)) {
      const { loadDemoSchool } = await import('../../src/commands/demoLoader.ts');
      const demo = await loadDemoSchool(app, path.join(projectRoot, 'content', 'demo'));
      if (demo.loaded) {
        log.info(`Loaded the demo school (${demo.accounts.length} accounts, ${demo.artifacts} artifacts).`, { component: 'demo' });
        // The demo's passwords are public (content/demo/school.json), so they are in the message, not a field that
        // redaction would hide.
        for (const a of demo.accounts) log.info(`Demo sign-in: ${a.role} ${a.handle} / ${a.password}`, { component: 'demo' });
      }
    }

    process.env.POTLUCK_MIGRATIONS ??= path.join(projectRoot, 'drizzle');
    // Unchanged public pages are answered from the page cache before the site runs (src/server/http/frontCache.ts).
    const cache = sharedPageCache();
    const { listener } = await loadSite(entry, (req, res) => serveFromFrontCache(app, cache, req, res), config);
    // While stopping, every answer asks its connection to close: a keep-alive client's next request opens a new
    // connection, which a load balancer sends to a node that is still serving.
    const server = http.createServer((req, res) => {
      if (lifecycleState() === 'stopping') res.setHeader('connection', 'close');
      listener(req, res);
    });
    server.keepAliveTimeout = 65_000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, resolve);
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
      const why =
        code === 'EADDRINUSE'
          ? `port ${config.port} on ${config.host} is already in use (is Potluck already running?). Stop the other program, or choose another port: PORT=4322 npm start`
          : `Potluck may not listen on ${config.host}:${config.port}. Choose another HOST or PORT (ports below 1024 need extra rights).`;
      log.error(`potluck serve: ${why}`, { code });
      return 1;
    }
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    // The site download renders pages by asking this server on its own address (src/server/export/renderer.ts).
    const bound = typeof address === 'object' && address ? address.address : '127.0.0.1';
    const self = bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
    process.env.POTLUCK_INTERNAL_URL = `http://${self.includes(':') ? `[${self}]` : self}:${port}`;
    log.info(`Potluck is running at http://${config.host}:${port}/`, { dataDir: config.dataDir, siteUrl: config.siteUrl });
    // Audit events older than the retention period go shortly after start-up and then daily.
    const sweeper = startAuditSweeper(app, { logger: log });
    // The background workers start once the first request has been answered (or a second after listening, when none
    // comes): their modules (feed parsing, mail, HTML parsing: about 300 files) would otherwise hold that request up.
    let servedBeforeWorkers = false;
    let startNow = () => {};
    const ready = new Promise<void>((resolve) => {
      startNow = resolve;
      const timer = setTimeout(resolve, 1000);
      server.once('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
        servedBeforeWorkers = true;
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    });
    const workers = ready.then(async () => {
      if (lifecycleState() === 'stopping') return [];
      // Course hubs' external feeds are polled in this process, on each hub's interval (src/server/hubs/scheduler.ts).
      const { startPollerFromEnv } = await import('../../src/server/hubs/scheduler.ts');
      const poller = startPollerFromEnv(config, io.env);
      // Notification email and assignment reminders (src/server/notifications/scheduler.ts).
      const { startNotificationsFromEnv } = await import('../../src/server/notifications/scheduler.ts');
      const notifications = startNotificationsFromEnv(config, io.env, log);
      // Webmentions to the pages public work links to, and from public hubs' item pages (src/server/webmention/send).
      const { startWebmentionSenderFromEnv } = await import('../../src/server/webmention/send/scheduler.ts');
      const webmentions = startWebmentionSenderFromEnv(config, io.env, log);
      // Received Webmentions are verified in the background (src/server/webmention/receive/worker.ts). One queued
      // while the worker was not listening yet is verified now rather than at its next tick.
      const { startWebmentionWorkerFromEnv } = await import('../../src/server/webmention/receive/worker.ts');
      const webmentionWorker = startWebmentionWorkerFromEnv(config, io.env, log);
      if (servedBeforeWorkers) void webmentionWorker?.tick();
      // WebSub: verifying subscribers, delivering changed feeds, renewing course hubs' subscriptions (src/server/websub/worker.ts).
      const { startWebSubFromEnv } = await import('../../src/server/websub/worker.ts');
      const websub = startWebSubFromEnv(config, io.env, log);
      // Jobs with leases (publishing, archive exports, imports, hub pictures): this node takes over those whose node died, and gives back
      // its own when it stops (src/server/jobs/runner.ts); archives kept past their day and imports past their hour are removed.
      const { startJobsFromEnv } = await import('../../src/server/jobs/runner.ts');
      const { publishJobHandler } = await import('../../src/commands/sitePublisher.ts');
      const { PUBLISH_JOB } = await import('../../src/server/github/publishJobs.ts');
      const { ARCHIVE_JOB, archiveJobHandler, sweepArchiveExports } = await import('../../src/commands/archiveExportJobs.ts');
      const { IMPORT_JOB, importJobHandler, sweepImportJobs } = await import('../../src/server/import/jobs.ts');
      const { THUMBNAILS_JOB, thumbnailsJobHandler } = await import('../../src/server/hubs/thumbnails.ts');
      const { deleteFinishedJobs } = await import('../../src/server/jobs/queue.ts');
      const jobs = startJobsFromEnv(
        config,
        io.env,
        {
          handlers: { [PUBLISH_JOB]: publishJobHandler, [ARCHIVE_JOB]: archiveJobHandler, [IMPORT_JOB]: importJobHandler, [THUMBNAILS_JOB]: thumbnailsJobHandler },
          housekeeping: (context) => {
            sweepArchiveExports(context);
            sweepImportJobs(context);
            deleteFinishedJobs(context, THUMBNAILS_JOB, 60 * 60 * 1000);
          },
        },
        log,
      );
      return [poller, notifications, webmentions, webmentionWorker, websub, jobs];
    });
    // Stopping (SIGTERM from an orchestrator, Ctrl-C): /readyz says 503 at once and every answer asks its connection
    // to close, for config.shutdown.drainMs while the server goes on answering (a load balancer notices and moves
    // new requests elsewhere); then no new connections are taken, idle ones are closed, and requests under way and
    // the background workers' current jobs get config.shutdown.timeoutMs to finish. A second signal stops at once.
    const stop = (signal: NodeJS.Signals) => {
      if (lifecycleState() === 'stopping') {
        log.warn(`Stopping now (${signal} again): requests and jobs still under way are cut off.`, { component: 'server' });
        process.exit(1);
      }
      markStopping();
      const { drainMs, timeoutMs } = config.shutdown;
      log.info(`Stopping (${signal}): ${drainMs ? `answering for ${drainMs / 1000} s more while /readyz says 503, then ` : ''}finishing what is under way (at most ${timeoutMs / 1000} s).`, { component: 'server' });
      startNow(); // (to none of them, when they have not started yet)
      sweeper.stop();
      const drained = new Promise<void>((resolve) => setTimeout(resolve, drainMs));
      const closed = drained.then(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
      );
      const jobs = workers.then((started) => Promise.all(started.map((worker) => worker?.stop())));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), drainMs + timeoutMs)));
      void Promise.race([Promise.allSettled([closed, jobs]).then(() => 'done' as const), late]).then((outcome) => {
        clearTimeout(timer);
        if (outcome === 'late') {
          log.warn(`Stopped after ${timeoutMs / 1000} s with requests or jobs still under way: they were cut off.`, { component: 'server' });
          server.closeAllConnections();
          process.exit(1);
        }
        log.info('Stopped.', { component: 'server' });
        process.exit(0);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await new Promise<void>((resolve) => server.once('close', () => resolve()));
    return 0;
  },
};
export default command;
