// Faults on the tests' network: nftables rules in the namespace the browser tests run in (only
// there: E2E_NETNS on, BANDMATE_IN_NETNS set), so nothing outside it is touched.
import { execFileSync } from 'node:child_process';

const TABLE = 'bandmate_faults';

export const canBreakNetwork = (): boolean => !!process.env.BANDMATE_IN_NETNS;

function nft(...args: string[]): void {
  execFileSync('nft', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Drops `share` of all UDP packets (media), or stops dropping (null). */
export function loseUdp(share: number | null): void {
  if (share === null) return heal();
  nft('add', 'table', 'inet', TABLE);
  nft('add', 'chain', 'inet', TABLE, 'input', '{ type filter hook input priority 0; }');
  nft('add', 'rule', 'inet', TABLE, 'input', 'meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', String(Math.round(1 / share)), '0', 'drop');
}

/** Drops every media packet (UDP) and the signalling connection (TCP to and from `tcpPort`), or stops (heal). */
export function cutNetwork(tcpPort: number): void {
  nft('add', 'table', 'inet', TABLE);
  nft('add', 'chain', 'inet', TABLE, 'input', '{ type filter hook input priority 0; }');
  nft('add', 'rule', 'inet', TABLE, 'input', 'meta', 'l4proto', 'udp', 'drop');
  nft('add', 'rule', 'inet', TABLE, 'input', 'tcp', 'dport', String(tcpPort), 'drop');
  nft('add', 'rule', 'inet', TABLE, 'input', 'tcp', 'sport', String(tcpPort), 'drop');
}

export function heal(): void {
  nft('delete', 'table', 'inet', TABLE);
}
