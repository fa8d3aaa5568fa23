// `node --import ./tests/helpers/moduleTrace.mjs …`: writes the URL of every module the process loaded, one a line,
// to the file MODULE_TRACE_FILE names when the process exits (tests/integration/cli/bundle.test.ts).
import fs from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = [];
registerHooks({
  load(url, context, nextLoad) {
    loaded.push(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  if (process.env.MODULE_TRACE_FILE) fs.writeFileSync(process.env.MODULE_TRACE_FILE, loaded.join('\n'));
});
