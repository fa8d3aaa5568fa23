// `node --import ./tests/helpers/moduleTrace.mjs …`: writes the URL of every module the process loaded, one a line,
// to the file MODULE_TRACE_FILE names when the process exits (tests/integration/cli/bundle.test.ts). Worker threads
// (which run it too) keep their own lists and write nothing.
import fs from 'node:fs';
import { registerHooks } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const loaded = [];
registerHooks({
  load(url, context, nextLoad) {
    loaded.push(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  if (isMainThread && process.env.MODULE_TRACE_FILE) fs.writeFileSync(process.env.MODULE_TRACE_FILE, loaded.join('\n'));
});
