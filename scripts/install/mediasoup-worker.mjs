// Provides the mediasoup worker binary at its default path,
// node_modules/mediasoup/worker/out/Release/mediasoup-worker, so no env var is
// needed at run time. Called from the root `postinstall`; mediasoup's own
// postinstall is denied because offline it tries GitHub and then a build that
// downloads its dependencies, and fails.
//
// In order, first that works wins:
//   0. MEDIASOUP_WORKER_BIN names a real file: nothing to do.
//   1. The binary is already installed and runs.
//   2. A binary cached outside the clone, keyed by mediasoup version + a hash of
//      the build recipe in ./mediasoup-worker/ (fresh CI clones take ~1 s).
//   3. Upstream's prebuilt binary from GitHub releases (as mediasoup does).
//   4. An offline build against Debian libraries (./mediasoup-worker/build.mjs).
// "Runs" means: started with an empty env it exits with 41 (mediasoup's own
// check: it refuses to start without MEDIASOUP_VERSION, after loading all its
// shared libraries).
//
// Env: XDG_CACHE_HOME (cache root, default ~/.cache),
// MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD (skip step 3),
// MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL (mirror for step 3),
// MEDIASOUP_MAX_CORES (ninja -j in step 4).

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RECIPE_DIR = fileURLToPath(new URL('./mediasoup-worker/', import.meta.url));
const MEDIASOUP_DIR = path.join(ROOT, 'node_modules', 'mediasoup');
const WORKER_BIN = path.join(MEDIASOUP_DIR, 'worker', 'out', 'Release', 'mediasoup-worker');
const CACHE_ROOT = path.join(
	process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
	'bandmate',
	'mediasoup-worker'
);
const DOWNLOAD_TIMEOUT_MS = 15_000;
const BODY_TIMEOUT_MS = 120_000;
const EXIT_CODE_VALID = 41;

const log = (message) => console.log(`[mediasoup-worker] ${message}`);

try {
	await main();
} catch (error) {
	console.error(`[mediasoup-worker] ERROR: ${error.message}`);
	process.exit(1);
}

async function main() {
	const override = process.env.MEDIASOUP_WORKER_BIN;

	if (override) {
		if (fs.statSync(override, { throwIfNoEntry: false })?.isFile()) {
			log(`MEDIASOUP_WORKER_BIN=${override} is a file: using it, nothing to do`);
			return;
		}
		// E.g. "skip", used to silence mediasoup's postinstall; mediasoup would
		// try to spawn it at run time, so do not leave it set.
		log(`MEDIASOUP_WORKER_BIN=${override} is not a file: ignoring it here`);
	}

	if (!fs.existsSync(path.join(MEDIASOUP_DIR, 'package.json'))) {
		throw new Error(`mediasoup is not installed at ${MEDIASOUP_DIR}; run npm install first`);
	}

	const { version } = JSON.parse(
		fs.readFileSync(path.join(MEDIASOUP_DIR, 'package.json'), 'utf8')
	);

	// 1. Already there.
	if (isValidWorker(WORKER_BIN)) {
		log(`mediasoup ${version} worker present and valid: ${WORKER_BIN}`);
		return;
	}

	// 2. Cache outside the clone.
	const cacheDir = path.join(CACHE_ROOT, `${version}-${recipeHash()}`);
	const cachedBin = path.join(cacheDir, 'mediasoup-worker');

	if (isValidWorker(cachedBin)) {
		installAtomically(cachedBin, WORKER_BIN);
		assertValid(WORKER_BIN);
		log(`installed cached worker ${cachedBin}`);
		return;
	}
	if (fs.existsSync(cachedBin)) {
		log(`cached worker ${cachedBin} does not run here (missing shared libraries?): rebuilding`);
	}

	// 3. Upstream prebuilt.
	if (process.env.MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD) {
		log('MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD set: not trying the prebuilt download');
	} else {
		const prebuilt = await downloadPrebuilt(version);

		if (prebuilt) {
			installAtomically(prebuilt, WORKER_BIN);
			assertValid(WORKER_BIN);
			installAtomically(prebuilt, cachedBin);
			fs.rmSync(path.dirname(prebuilt), { recursive: true, force: true });
			log(`installed upstream prebuilt worker (cached in ${cacheDir})`);
			return;
		}
	}

	// 4. Offline build.
	await buildAndInstall(version, cachedBin);
}

function isValidWorker(bin) {
	if (!fs.existsSync(bin)) {
		return false;
	}
	const result = spawnSync(bin, [], { env: {}, stdio: 'ignore', timeout: 10_000 });

	return result.status === EXIT_CODE_VALID;
}

function assertValid(bin) {
	if (!isValidWorker(bin)) {
		throw new Error(`${bin} does not run on this machine (expected exit code ${EXIT_CODE_VALID})`);
	}
}

/** Copy then rename, so an interrupted install never leaves a half-written binary. */
function installAtomically(src, dest) {
	fs.mkdirSync(path.dirname(dest), { recursive: true });
	const tmp = `${dest}.tmp-${process.pid}`;

	fs.copyFileSync(src, tmp);
	fs.chmodSync(tmp, 0o755);
	fs.renameSync(tmp, dest);
}

/**
 * Hash of every file of the build recipe (stubs, shims, build steps, patch)
 * and the platform: a change to any of them must not reuse an old binary.
 */
function recipeHash() {
	const hash = crypto.createHash('sha256');

	hash.update(`${process.platform}-${process.arch}\0`);
	for (const file of listFiles(RECIPE_DIR).sort()) {
		hash.update(`${path.relative(RECIPE_DIR, file).split(path.sep).join('/')}\0`);
		hash.update(fs.readFileSync(file));
		hash.update('\0');
	}

	return hash.digest('hex').slice(0, 16);
}

function listFiles(dir) {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);

		return entry.isDirectory() ? listFiles(full) : [full];
	});
}

/** The name mediasoup's npm-scripts.mjs getWorkerPrebuildTarName() computes. */
function prebuiltTarName(version) {
	let name = `mediasoup-worker-${version}-${os.platform()}-${os.arch()}`;

	if (os.platform() === 'linux') {
		name += `-kernel${Number(os.release().split('.')[0])}`;
	}

	return `${name}.tgz`;
}

/** Returns the path of a verified binary in a temp dir, or null. */
async function downloadPrebuilt(version) {
	const base =
		process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL ||
		'https://github.com/versatica/mediasoup/releases/download';
	const url = `${base}/${version}/${prebuiltTarName(version)}`;

	log(`trying upstream prebuilt ${url} (timeout ${DOWNLOAD_TIMEOUT_MS / 1000} s)`);

	// Short timeout until the response starts (offline, fail fast), then a
	// generous one for the body (a few MB on a slow link).
	const abort = new AbortController();
	let timer = setTimeout(() => abort.abort(new Error('timed out')), DOWNLOAD_TIMEOUT_MS);
	let body;

	try {
		const res = await fetch(url, { signal: abort.signal });

		if (!res.ok) {
			log(`no prebuilt: HTTP ${res.status}`);
			return null;
		}
		clearTimeout(timer);
		timer = setTimeout(() => abort.abort(new Error('body timed out')), BODY_TIMEOUT_MS);
		body = Buffer.from(await res.arrayBuffer());
	} catch (error) {
		log(`no prebuilt: ${error.cause?.code ?? error.cause?.message ?? error.message}`);
		return null;
	} finally {
		clearTimeout(timer);
	}

	const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediasoup-worker-prebuilt-'));

	try {
		const tgz = path.join(tmpDir, 'worker.tgz');

		fs.writeFileSync(tgz, body);
		// `tar` is a dependency of mediasoup itself: resolve it from there.
		const tar = createRequire(path.join(MEDIASOUP_DIR, 'package.json'))('tar');

		await tar.x({ file: tgz, cwd: tmpDir, strict: true });

		const bin = path.join(tmpDir, 'mediasoup-worker');

		fs.chmodSync(bin, 0o755);
		if (isValidWorker(bin)) {
			return bin;
		}
		log('prebuilt binary does not run on this machine (libc?)');
	} catch (error) {
		log(`prebuilt archive unusable: ${error.message}`);
	}
	fs.rmSync(tmpDir, { recursive: true, force: true });

	return null;
}

async function buildAndInstall(version, cachedBin) {
	const { buildWorker } = await import('./mediasoup-worker/build.mjs');

	fs.mkdirSync(CACHE_ROOT, { recursive: true });
	const workDir = fs.mkdtempSync(path.join(CACHE_ROOT, `build-${version}-`));
	const started = Date.now();

	log(`building mediasoup ${version} worker offline in ${workDir}`);

	let built;

	try {
		built = await buildWorker({
			mediasoupDir: MEDIASOUP_DIR,
			workDir,
			toolsDir: path.join(CACHE_ROOT, 'tools'),
			log,
		});
	} catch (error) {
		if (fs.readdirSync(workDir).length === 0) {
			fs.rmSync(workDir, { recursive: true }); // Failed before copying anything.
		} else {
			error.message += `\n  (build dir kept for inspection: ${workDir}; delete it when done)`;
		}
		throw error;
	}

	log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
	installAtomically(built, WORKER_BIN);
	assertValid(WORKER_BIN);
	smokeTest();
	installAtomically(built, cachedBin);
	log(`installed ${WORKER_BIN} (cached in ${path.dirname(cachedBin)})`);
	// Only removed on success: a failed build stays for inspection.
	fs.rmSync(workDir, { recursive: true, force: true });
}

/** Starts the worker through mediasoup's API, as the app will. */
function smokeTest() {
	const code = `
		const mediasoup = require(${JSON.stringify(MEDIASOUP_DIR)});
		(async () => {
			const worker = await mediasoup.createWorker({ logLevel: 'warn' });
			const router = await worker.createRouter({
				mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }],
			});
			console.log('[mediasoup-worker] smoke test ok: worker pid ' + worker.pid + ', router ' + router.id);
			worker.close();
		})().catch((error) => { console.error(error); process.exit(1); });`;
	const env = { ...process.env };

	delete env.MEDIASOUP_WORKER_BIN; // Must use the default path, like the app.

	const result = spawnSync(process.execPath, ['-e', code], {
		cwd: ROOT,
		env,
		stdio: 'inherit',
		timeout: 60_000,
	});

	if (result.status !== 0) {
		fs.rmSync(WORKER_BIN, { force: true }); // Else step 1 would accept it next time.
		throw new Error('smoke test (createWorker + createRouter) failed; see output above');
	}
}
