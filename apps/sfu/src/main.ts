import { loadConfig } from './config.ts';
import { openDatabase } from './db/index.ts';
import { createLogger } from './logger.ts';
import { startSfu } from './server.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = await openDatabase(config.databaseUrl);
const sfu = await startSfu(config, db, logger);

// A promise nobody caught (a database write during an outage, say) is a bug to fix, not a reason
// to end every live room: Node's default would exit. It is logged loudly and the SFU carries on.
// The tests run the SFU without this handler, so there such a rejection still fails the test.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection (a bug): carrying on'));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // First in line: mediasoup closes its workers on these signals too, and rooms whose worker
  // closed would end for good before they could be suspended for the next process.
  process.prependListener(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A stop is usually a restart (a deploy, the supervisor): the rooms resume in the next process.
    void sfu
      .close({ suspend: true })
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
}
