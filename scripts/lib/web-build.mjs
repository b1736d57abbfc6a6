// Builds the Next.js app when its sources are newer than the last build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const SOURCE_DIRS = ['apps/web/app', 'apps/web/components', 'apps/web/media', 'apps/web/lib', 'packages/shared/src'];
const SOURCE_FILES = ['apps/web/proxy.ts', 'next.config.js', 'apps/web/package.json', 'apps/web/postcss.config.mjs', 'package-lock.json'];

function newestMtime(root, rel) {
  const full = path.join(root, rel);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(full)) newest = Math.max(newest, newestMtime(root, path.join(rel, entry)));
  return newest;
}

export function webBuildIsCurrent(root) {
  const buildId = path.join(root, 'apps/web/.next/BUILD_ID');
  if (!existsSync(buildId)) return false;
  const built = statSync(buildId).mtimeMs;
  return [...SOURCE_DIRS, ...SOURCE_FILES].every((rel) => newestMtime(root, rel) <= built);
}

export function buildWeb(root, { force = false } = {}) {
  if (!force && webBuildIsCurrent(root)) return false;
  console.log('[start] building the web app (next build)…');
  const result = spawnSync('npm', ['run', 'build', '-w', 'apps/web'], { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.status !== 0) throw new Error('next build failed; see the output above');
  return true;
}
