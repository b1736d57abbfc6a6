import type { z } from 'zod';

/** Environment variables checked against a schema: every problem named in one clear error. */
export function parseEnv<S extends z.ZodTypeAny>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid SFU configuration: ${detail}`);
  }
  return parsed.data;
}
