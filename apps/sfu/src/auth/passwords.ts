import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

/**
 * Argon2id with OWASP's minimum settings (19 MiB, 2 passes, 1 lane): ~50–150 ms per hash on one
 * core of the 2-core development machine. The hash is a self-describing PHC string
 * ($argon2id$v=19$m=…,t=…,p=…$salt$hash), so these settings can be raised later without
 * breaking stored hashes. @node-rs/argon2 runs the work on libuv's thread pool, off the event loop.
 */
const ARGON2ID = 2 as Algorithm; // Algorithm.Argon2id (a const enum, unusable with isolatedModules)
export const PASSWORD_HASH_OPTIONS: Options = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

/** False for a wrong password and for a stored value that is not an argon2 hash. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Sign-in for an unknown email still verifies against a hash, so the answer takes as long as for
 * a known one and does not tell which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword('not a real password: equalises sign-in timing');
  await verifyPassword(await dummy, password);
  return false;
}
