// Offline build of the mediasoup worker against Debian's libraries.
//
// Why: mediasoup's own build downloads six meson subprojects (libuv, openssl,
// libsrtp3, flatbuffers, abseil-cpp, unordered_dense) from GitHub/wrapdb,
// which this project's install machines cannot reach. Here a COPY of
// node_modules/mediasoup/worker gets the local stub subprojects from
// ./subprojects (Debian libraries via dependency(), plus two header shims) and
// one upstream bug fix, then meson + ninja from pip build it.
//
// Everything in this folder is hashed into the worker cache key
// (../mediasoup-worker.mjs): editing this file rebuilds on next install.

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RECIPE_DIR = path.dirname(fileURLToPath(import.meta.url));

// Debian's libsrtp2 is built without OpenSSL: it does AES and HMAC-SHA1 in its
// own C, without the CPU's AES instructions, and cost the SFU half its
// forwarding capacity (README, "SFU capacity"). mediasoup builds its libsrtp
// with OpenSSL; here the same Debian source release is built that way into the
// build dir (10 s) and linked statically. Fetched from Debian's archive, which
// apt reaches; checked against this hash. Where it cannot be fetched the
// worker links Debian's libsrtp2 as before, and says so.
const SRTP_SOURCE = {
	url: 'http://deb.debian.org/debian/pool/main/libs/libsrtp2/libsrtp2_2.5.0.orig.tar.gz',
	sha256: '8a43ef8e9ae2b665292591af62aa1a4ae41e468b6d98d8258f91478735da4e09',
	dir: 'libsrtp-2.5.0',
};

// meson >= 1.1 is required by mediasoup (Debian 12 has 1.0.1); these are the
// versions upstream pins (meson patch release as on the local wheel mirror).
const PIP_PACKAGES = ['meson==1.12.1', 'ninja==1.13.2'];

// What the stubs and the build need from Debian, as [check, Debian package].
const PKG_CONFIG_MODULES = [
	['libuv', 'libuv1-dev'],
	['openssl', 'libssl-dev'],
	['libsrtp2', 'libsrtp2-dev'],
	['flatbuffers', 'libflatbuffers-dev'],
	['absl_strings', 'libabsl-dev'],
	['absl_optional', 'libabsl-dev'],
];
const COMMANDS = [
	['c++', 'g++'],
	['pkg-config', 'pkg-config'],
	['flatc', 'flatbuffers-compiler'],
	['python3', 'python3'],
];

// Upstream bug (mediasoup 3.13-3.27): the BIO callback's return phase is
// BIO_CB_xxx | BIO_CB_RETURN, so `==` never matches and every BIO_ctrl on the
// outgoing BIO returns 1. With an OpenSSL built with kernel TLS (Debian's),
// OpenSSL then believes KTLS is on, never allocates its write buffer and the
// worker dies with SIGSEGV on the first DTLS handshake from a browser.
const PATCHES = [
	{
		file: 'src/RTC/DtlsTransport.cpp',
		from: '(operationType == BIO_CB_RETURN)',
		to: '(operationType & BIO_CB_RETURN)',
	},
];

/**
 * Builds mediasoup-worker from `mediasoupDir`/worker inside `workDir` (created,
 * must not exist) using a meson/ninja venv in `toolsDir`. Returns the path of
 * the built binary (inside workDir). Throws with an actionable message.
 */
export async function buildWorker({ mediasoupDir, workDir, toolsDir, log }) {
	checkDebianPrerequisites();

	const venvBin = ensureMesonNinja(toolsDir, log);
	const env = { ...process.env, PATH: `${venvBin}${path.delimiter}${process.env.PATH}` };
	fs.mkdirSync(workDir, { recursive: true });
	const srtpPkgConfig = await buildSrtpWithOpenssl(workDir, log);
	if (srtpPkgConfig) {
		env.PKG_CONFIG_PATH = [srtpPkgConfig, process.env.PKG_CONFIG_PATH].filter(Boolean).join(path.delimiter);
	}

	const srcDir = path.join(workDir, 'worker');
	const buildDir = path.join(workDir, 'build');

	log(`copying worker sources to ${srcDir}`);
	fs.mkdirSync(workDir, { recursive: true });
	fs.cpSync(path.join(mediasoupDir, 'worker'), srcDir, {
		recursive: true,
		// Build outputs of an earlier attempt in node_modules are not sources.
		filter: (src) => !/[\\/]worker[\\/](out|prebuild|pip_invoke)$/.test(src),
	});

	replaceSubprojects(srcDir, log);
	applyPatches(srcDir, log);

	log('meson setup (offline: --wrap-mode=nodownload)');
	run(
		'meson',
		[
			'setup',
			'--wrap-mode=nodownload',
			'--buildtype',
			'release',
			'-Db_ndebug=true',
			buildDir,
			srcDir,
		],
		{ env }
	);

	// Same knob as mediasoup's tasks.py, to keep shared machines responsive.
	const jobs = process.env.MEDIASOUP_MAX_CORES ? ['-j', process.env.MEDIASOUP_MAX_CORES] : [];

	log('ninja mediasoup-worker (several minutes on 2 cores)');
	run('ninja', ['-C', buildDir, ...jobs, 'mediasoup-worker'], { env });

	return path.join(buildDir, 'mediasoup-worker');
}

/**
 * libsrtp with OpenSSL's crypto in workDir/srtp, as a static library with a
 * pkg-config file that meson's dependency('libsrtp2') finds first. Returns the
 * pkg-config dir, or null (Debian's libsrtp2 is used) when the source cannot be
 * fetched or built.
 */
async function buildSrtpWithOpenssl(workDir, log) {
	const root = path.join(workDir, 'srtp');
	const prefix = path.join(root, 'prefix');
	try {
		log(`fetching ${SRTP_SOURCE.url}`);
		const response = await fetch(SRTP_SOURCE.url, { signal: AbortSignal.timeout(60_000) });
		if (!response.ok) throw new Error(`HTTP ${response.status}`);
		const tarball = Buffer.from(await response.arrayBuffer());
		const sha256 = crypto.createHash('sha256').update(tarball).digest('hex');
		if (sha256 !== SRTP_SOURCE.sha256) throw new Error(`sha256 ${sha256}, expected ${SRTP_SOURCE.sha256}`);
		fs.mkdirSync(root, { recursive: true });
		fs.writeFileSync(path.join(root, 'src.tar.gz'), tarball);
		run('tar', ['xzf', 'src.tar.gz'], { cwd: root });
		const src = path.join(root, SRTP_SOURCE.dir);
		log('building libsrtp with OpenSSL (static)');
		const quiet = { cwd: src, stdio: ['ignore', 'ignore', 'inherit'] };
		run('./configure', [`--prefix=${prefix}`, '--enable-openssl', '--disable-debug-logging', 'CFLAGS=-O2 -fPIC'], quiet);
		run('make', ['-j2', 'libsrtp2.a'], quiet);
		run('make', ['install'], quiet);
		// Only the static library is installed there; its own .pc lists libcrypto as private.
		const pcDir = path.join(root, 'pkgconfig');
		fs.mkdirSync(pcDir, { recursive: true });
		fs.writeFileSync(
			path.join(pcDir, 'libsrtp2.pc'),
			`Name: libsrtp2\nDescription: libsrtp with OpenSSL crypto\nVersion: 2.5.0\n` +
				`Libs: ${path.join(prefix, 'lib', 'libsrtp2.a')} -lcrypto\nCflags: -I${path.join(prefix, 'include')}\n`
		);
		return pcDir;
	} catch (error) {
		log(`WARNING: libsrtp with OpenSSL not built (${error.message}); linking Debian's libsrtp2, whose SRTP is about half as fast`);
		return null;
	}
}

function checkDebianPrerequisites() {
	const missing = new Set();

	for (const [command, pkg] of COMMANDS) {
		if (spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status !== 0) {
			missing.add(pkg);
		}
	}
	if (spawnSync('python3', ['-c', 'import ensurepip, venv'], { stdio: 'ignore' }).status !== 0) {
		missing.add('python3-venv');
	}
	if (!missing.has('pkg-config')) {
		for (const [module, pkg] of PKG_CONFIG_MODULES) {
			if (spawnSync('pkg-config', ['--exists', module], { stdio: 'ignore' }).status !== 0) {
				missing.add(pkg);
			}
		}
	}

	if (missing.size > 0) {
		const list = [...missing].join(' ');

		throw new Error(
			`missing build prerequisites for the offline mediasoup-worker build.\n` +
				`  Install the Debian packages: apt-get install -y ${list}\n` +
				`  (the full set is: g++ pkg-config python3-venv libuv1-dev libssl-dev ` +
				`libsrtp2-dev libflatbuffers-dev flatbuffers-compiler libabsl-dev)`
		);
	}
}

/** A venv with meson and ninja, reused across builds. Returns its bin dir. */
function ensureMesonNinja(toolsDir, log) {
	const venv = path.join(toolsDir, 'venv');
	const bin = path.join(venv, 'bin');

	if (fs.existsSync(path.join(bin, 'meson')) && fs.existsSync(path.join(bin, 'ninja'))) {
		return bin;
	}

	log(`installing ${PIP_PACKAGES.join(' ')} into ${venv}`);
	fs.rmSync(venv, { recursive: true, force: true });
	run('python3', ['-m', 'venv', venv]);
	// --retries 0 --timeout 5: where only a local mirror answers, pip otherwise
	// spends ~30 s retrying the unreachable index first.
	run(path.join(bin, 'pip'), [
		'install',
		'--disable-pip-version-check',
		'--retries',
		'0',
		'--timeout',
		'5',
		...PIP_PACKAGES,
	]);

	return bin;
}

/**
 * Drops every upstream wrap (each one would download) and puts the local stubs
 * in their place: a subproject directory without a wrap is used as is.
 */
function replaceSubprojects(srcDir, log) {
	const subprojectsDir = path.join(srcDir, 'subprojects');

	for (const entry of fs.readdirSync(subprojectsDir)) {
		if (entry.endsWith('.wrap') || entry === 'packagefiles') {
			fs.rmSync(path.join(subprojectsDir, entry), { recursive: true, force: true });
		}
	}
	fs.cpSync(path.join(RECIPE_DIR, 'subprojects'), subprojectsDir, { recursive: true });
	log('replaced downloading subprojects with local stubs (Debian libraries)');
}

function applyPatches(srcDir, log) {
	for (const { file, from, to } of PATCHES) {
		const filePath = path.join(srcDir, file);
		const text = fs.readFileSync(filePath, 'utf8');
		const count = text.split(from).length - 1;

		if (count !== 1) {
			throw new Error(
				`patch for ${file} expected "${from}" exactly once, found it ${count} times.\n` +
					`  mediasoup changed this code: check whether upstream fixed the bug and ` +
					`update PATCHES in ${path.join(RECIPE_DIR, 'build.mjs')}.`
			);
		}
		fs.writeFileSync(filePath, text.replace(from, to));
		log(`patched ${file}: ${from} -> ${to}`);
	}
}

function run(command, args, options = {}) {
	const result = spawnSync(command, args, { stdio: 'inherit', ...options });

	if (result.error) {
		throw new Error(`${command} could not start: ${result.error.message}`);
	}
	if (result.status !== 0) {
		throw new Error(
			`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`
		);
	}
}
