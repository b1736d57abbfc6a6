import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Every bandmate_* metric the Grafana dashboard's queries name (deploy/grafana/bandmate.json). */
export function dashboardMetrics(): string[] {
  const json = readFileSync(path.join(REPO_ROOT, 'deploy', 'grafana', 'bandmate.json'), 'utf8');
  return [...new Set([...json.matchAll(/bandmate_[a-z0-9_]+/g)].map((m) => m[0]))];
}
