// `npm run attack`: the attacks of the README's Security table replayed against the platform's SFU,
// started here on loopback with a temporary SQLite database. One line per attack: PASS when it was
// refused or cleaned as the table says, FAIL (exit code 1) when it got through, OPEN for a row the
// table lists as open. Filter with words: `npm run attack -- 5 demo`.
import { AssertionError } from 'node:assert';
import { accessAttacks } from './access-attacks.ts';
import { quotaAttacks } from './quota-attacks.ts';
import { startTarget, type Attack } from './target.ts';

const ATTACK_TIMEOUT_MS = 20_000;

const filters = process.argv.slice(2).map((f) => f.toLowerCase());
const attacks = [...accessAttacks, ...quotaAttacks]
  .filter((a) => filters.length === 0 || filters.some((f) => a.row === f || a.what.toLowerCase().includes(f)))
  .sort((a, b) => rowOrder(a) - rowOrder(b));

const started = performance.now();
const target = await startTarget();
console.log(`attacking the SFU at ${target.url} (temporary SQLite database, behind a trusted proxy so one process is many client addresses)\n`);
let failed = 0;
try {
  for (const attack of attacks) {
    const line = await replay(attack);
    if (line.startsWith('FAIL')) failed++;
    console.log(line);
  }
} finally {
  await target.stop();
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const open = attacks.filter((a) => a.open).length;
console.log(`\n${attacks.length - open - failed} held, ${failed} got through, ${open} open (known, see the README), ${seconds} s`);
process.exit(failed > 0 ? 1 : 0);

async function replay(attack: Attack): Promise<string> {
  const head = `${attack.row.padEnd(3)} ${attack.what}`;
  if (!attack.open && !attack.run) throw new Error(`attack "${attack.what}" has neither run nor open`);
  if (attack.open) return `OPEN  ${head}\n        ${attack.open}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const result = await Promise.race([
      attack.run!(target),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ATTACK_TIMEOUT_MS / 1000} s`)), ATTACK_TIMEOUT_MS))),
    ]);
    return `PASS  ${head}\n        → ${result}`;
  } catch (err) {
    return `FAIL  ${head}\n        → ${whatGotThrough(err)}`;
  } finally {
    clearTimeout(timer);
    target.forget();
  }
}

/** The table's order: rows by number, the unnumbered ("—") ones last. */
function rowOrder(a: Attack): number {
  const n = Number.parseInt(a.row, 10);
  return Number.isNaN(n) ? 100 : n;
}

/** An assertion's own words, or what was expected and what came instead. */
function whatGotThrough(err: unknown): string {
  if (err instanceof AssertionError && err.generatedMessage) {
    const show = (v: unknown) => JSON.stringify(v)?.slice(0, 160);
    return `expected ${show(err.expected)}, got ${show(err.actual)}`;
  }
  return (err as Error).message.split('\n')[0]!;
}
