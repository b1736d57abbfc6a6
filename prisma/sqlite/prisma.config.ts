// Prisma CLI config for the SQLite schema.
// Used as: prisma <cmd> --config prisma/sqlite/prisma.config.ts (scripts/install/database.mjs does this).
//
// `engine: "js"` + an adapter makes Prisma 6.19 run the npm-published Wasm schema engine
// (node_modules/prisma/build/schema_engine_bg.wasm) instead of downloading the native one, so
// `generate`, `migrate deploy`, `db push` and `migrate diff --from-empty` work offline.
import { defineConfig } from 'prisma/config';
import { resolveDatabaseUrl } from '../../scripts/install/database.mjs';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: './schema.prisma',
  migrations: { path: './migrations' },
  async adapter() {
    // Resolved lazily: `generate` never connects. DATABASE_URL must name a SQLite file here
    // (default file:./data/bandmate.db, relative to the repo root).
    const db = resolveDatabaseUrl(process.env.DATABASE_URL, { expect: 'sqlite' });
    const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSQLite3({ url: db.filePath });
  },
});
