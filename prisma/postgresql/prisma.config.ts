// Prisma CLI config for the PostgreSQL schema.
// Used as: prisma <cmd> --config prisma/postgresql/prisma.config.ts (scripts/install/database.mjs does this).
//
// `engine: "js"` + an adapter makes Prisma 6.19 run the npm-published Wasm schema engine
// (node_modules/prisma/build/schema_engine_bg.wasm) instead of downloading the native one, so
// `generate`, `migrate deploy`, `db push` and `migrate diff --from-empty` work offline.
import { defineConfig } from 'prisma/config';
import { resolveDatabaseUrl } from '../../scripts/install/database.mjs';

/**
 * Workaround for prisma/orm#27403 (open for 6.19.3): the schema engine's introspection queries
 * return pg_catalog columns of type `name`/`"char"`, which @prisma/adapter-pg cannot map
 * ("Column type 'name' could not be deserialized from the database"), so `migrate deploy` fails.
 * The values are plain strings already; we relabel those columns as text in the pg result before
 * the adapter sees them. Only the CLI uses this; the app's own tables use no such types.
 */
const TEXT = 25;
const TEXT_ARRAY = 1009;
// "char", name, int2vector, regproc, xid, oidvector, pg_node_tree, regclass, regtype, regnamespace
const AS_TEXT = new Set([18, 19, 22, 24, 28, 30, 194, 2205, 2206, 4089]);
// _char, _name, _regproc, _regclass, _regtype
const AS_TEXT_ARRAY = new Set([1002, 1003, 1008, 2210, 2211]);

async function pgClientWithCatalogTypesAsText() {
  const pg = (await import('pg')).default;
  type Fields = { dataTypeID: number }[];
  const relabel = <R>(res: R): R => {
    const fields = (res as { fields?: Fields } | undefined)?.fields;
    if (Array.isArray(fields)) {
      for (const f of fields) {
        if (AS_TEXT.has(f.dataTypeID)) f.dataTypeID = TEXT;
        else if (AS_TEXT_ARRAY.has(f.dataTypeID)) f.dataTypeID = TEXT_ARRAY;
      }
    }
    return res;
  };
  return class CatalogTypesAsTextClient extends pg.Client {
    // pg.Pool calls query(text, values, callback); the adapter's transactions call query(config, values).
    override query(...args: unknown[]): never {
      const cbIndex = args.findIndex((a) => typeof a === 'function');
      if (cbIndex >= 0) {
        const cb = args[cbIndex] as (err: unknown, res: unknown) => void;
        args[cbIndex] = (err: unknown, res: unknown) => cb(err, err ? res : relabel(res));
      }
      const out = (super.query as (...a: unknown[]) => unknown)(...args);
      if (out && typeof (out as Promise<unknown>).then === 'function' && cbIndex < 0) {
        return (out as Promise<unknown>).then(relabel) as never;
      }
      return out as never;
    }
  };
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: './schema.prisma',
  migrations: { path: './migrations' },
  async adapter() {
    // Resolved lazily: `generate` never connects, so generating this client needs no PostgreSQL.
    const db = resolveDatabaseUrl(process.env.DATABASE_URL, { expect: 'postgresql' });
    const { PrismaPg } = await import('@prisma/adapter-pg');
    const Client = await pgClientWithCatalogTypesAsText();
    // allowExitOnIdle: the CLI does not close the pool; without it every command waits out the
    // pool's 10 s idle timeout before exiting. (database.mjs also unrefs a 10 s timer the Wasm
    // engine leaves behind; both are needed for a ~1 s `migrate deploy`.)
    return new PrismaPg({ connectionString: db.url, Client, allowExitOnIdle: true } as ConstructorParameters<typeof PrismaPg>[0]);
  },
});
