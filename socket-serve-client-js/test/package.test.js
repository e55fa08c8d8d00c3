// The npm package against a live server: SOCKET_SERVE_URL=http://host:port/socket
//
// `npm pack` makes a tarball that installs into a fresh default npm project (`npm init -y`:
// CommonJS, no "type": "module") without any registry (--offline with an empty cache), and works
// there through require() in a .js file, import in an .mjs file and the classic-script build:
// each connects, joins a channel of the demo and receives its own message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PUBLIC_ID_RE, requireBase, uniq } from '../testlib/helpers.js';

const BASE = requireBase();
const PKG_DIR = fileURLToPath(new URL('..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8'));

/** What the tarball must hold: the sources users load, their types, the license and readme. */
const EXPECTED_FILES = [
  'LICENSE',
  'README.md',
  'dist/socket-serve.cjs',
  'dist/socket-serve.d.cts',
  'dist/socket-serve.global.js',
  'package.json',
  'src/socket-serve.d.ts',
  'src/socket-serve.js',
];

let work; // temp dir: tarballs, the empty npm cache, the fresh project
let app; // the fresh project
let cache; // an empty npm cache: with --offline, anything that needs a registry fails
let tarball;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'socketserve-package-'));
  app = join(work, 'app');
  cache = join(work, 'npm-cache');
  await mkdir(app);
  await mkdir(cache);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The environment without what an outer `npm test` sets (npm_config_*, npm_package_*, …). */
function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command; resolves with its output, rejects with all of it when it fails. */
function run(cmd, args, { cwd, env = {}, timeout = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env: childEnv(env), timeout, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

const npmOffline = ['--offline', '--cache', '<cache>', '--no-audit', '--no-fund'];
function offline() {
  return npmOffline.map((a) => (a === '<cache>' ? cache : a));
}

/** Every path a package.json field or `exports` condition points at. */
function entryPoints(pkg) {
  const out = [];
  const walk = (v) => {
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  for (const field of ['main', 'module', 'types', 'unpkg', 'jsdelivr']) walk(pkg[field]);
  return [...new Set(out.map((p) => p.replace(/^\.\//, '')))].filter((p) => p !== 'package.json');
}

// ------------------------------------------------------------------ the client scripts

/**
 * The body every client script shares. It connects, joins a fresh channel, sends a message and
 * prints one JSON line with what it received. It waits on events only; a watchdog names the step
 * it was stuck in if the server never answers.
 */
const CLIENT_BODY = `
async function main(connect, resolved) {
  const { SOCKET_SERVE_URL: url, CHANNEL: channel, TEXT: text } = process.env;
  let step = 'connect';
  const watchdog = setTimeout(() => {
    console.error('timed out waiting for: ' + step);
    process.exit(2);
  }, 20000);
  const socket = connect(url);
  socket.on('connect_error', (err) => console.error('connect_error: ' + err.message));
  await new Promise((resolve) => socket.once('connect', resolve));
  step = 'joinChannel ack';
  const joined = await socket.emitWithAck('joinChannel', { channelName: channel });
  const received = new Promise((resolve) =>
    socket.on('newMessage', (m) => {
      if (m && m.text === text) resolve(m);
    }),
  );
  step = 'sendMessage ack';
  const sent = await socket.emitWithAck('sendMessage', { channel, message: text });
  step = 'newMessage';
  const message = await received;
  console.log(JSON.stringify({ id: socket.id, transport: socket.transport, members: joined.members, sent, message, resolved }));
  socket.disconnect();
  clearTimeout(watchdog);
}
`;

const SCRIPTS = {
  // CommonJS (.js in a project without "type": "module")
  'require-client.js': `'use strict';
const { connect } = require('@socketserve/client');
${CLIENT_BODY}
main(connect, require.resolve('@socketserve/client')).catch((err) => {
  console.error(err);
  process.exit(1);
});
`,
  // ES module
  'import-client.mjs': `import { connect } from '@socketserve/client';
import { fileURLToPath } from 'node:url';
${CLIENT_BODY}
await main(connect, fileURLToPath(import.meta.resolve('@socketserve/client')));
`,
  // The classic-script build, loaded the way a <script src> tag runs it: as a script that defines
  // globalThis.SocketServe. With WITH_EVENTSOURCE, the global EventSource is set first, as in a browser.
  'global-client.js': `'use strict';
const vm = require('node:vm');
const fs = require('node:fs');
if (process.env.WITH_EVENTSOURCE) globalThis.EventSource = require('eventsource').EventSource;
const file = require.resolve('@socketserve/client/global');
vm.runInThisContext(fs.readFileSync(file, 'utf8'), { filename: file });
const keys = Object.keys(globalThis.SocketServe).sort();
if (keys.join() !== Object.keys(require('@socketserve/client')).sort().join()) {
  throw new Error('SocketServe has other exports than the package: ' + keys.join());
}
${CLIENT_BODY}
main(globalThis.SocketServe.connect, file).catch((err) => {
  console.error(err);
  process.exit(1);
});
`,
};

/** Runs a client script in the fresh project and checks that it received its own message. */
async function runClient(script, { transport, resolvedSuffix, env = {} }) {
  const channel = uniq('pkg');
  const text = uniq(`hello from ${script}`);
  const { stdout } = await run(process.execPath, [script], {
    cwd: app,
    env: { SOCKET_SERVE_URL: BASE, CHANNEL: channel, TEXT: text, ...env },
    timeout: 30_000,
  });
  const line = stdout.trim().split('\n').at(-1);
  const r = JSON.parse(line);
  assert.match(r.id, PUBLIC_ID_RE);
  assert.equal(r.transport, transport);
  assert.ok(r.members.includes(r.id), `the joinChannel ack lists the socket: ${line}`);
  assert.deepEqual(r.sent, { ok: true });
  assert.equal(r.message.from, r.id);
  assert.equal(r.message.text, text);
  assert.equal(typeof r.message.timestamp, 'number');
  assert.ok(
    r.resolved.startsWith(join(app, 'node_modules', '@socketserve', 'client')) && r.resolved.endsWith(resolvedSuffix),
    `loaded ${r.resolved}, expected the installed package's ${resolvedSuffix}`,
  );
  return r;
}

// ------------------------------------------------------------------ tests

test('npm pack: a tarball with the sources, builds, types, LICENSE and README only', async () => {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: PKG_DIR });
  const [info] = JSON.parse(stdout);
  assert.equal(info.name, '@socketserve/client');
  assert.equal(info.version, PKG.version);
  const files = info.files.map((f) => f.path).sort();
  assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('testlib/')), `no tests: ${files}`);
  assert.ok(!files.some((f) => f.includes('node_modules')), `no node_modules: ${files}`);
  assert.deepEqual(files, EXPECTED_FILES);
  for (const entry of entryPoints(PKG)) assert.ok(files.includes(entry), `package.json points at ${entry}, which is not packed`);
  tarball = join(work, info.filename);
  assert.ok(existsSync(tarball));
});

test('the tarball installs offline into a fresh default npm project, with no dependencies', async () => {
  assert.ok(tarball, 'needs the tarball of the previous test');
  await run('npm', ['init', '-y'], { cwd: app });
  const appPkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  assert.notEqual(appPkg.type, 'module', 'a default npm project is CommonJS');

  await run('npm', ['install', tarball, ...offline()], { cwd: app });
  for (const [name, text] of Object.entries(SCRIPTS)) await writeFile(join(app, name), text);
  assert.deepEqual(readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.')), ['@socketserve']);
  const installed = join(app, 'node_modules', '@socketserve', 'client');
  const installedPkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  assert.equal(installedPkg.version, PKG.version);
  assert.equal(installedPkg.private, undefined);
  assert.equal(installedPkg.license, 'MIT');
  assert.ok(existsSync(join(installed, 'LICENSE')));

  // the types of both entries exist and declare exactly what the entries export
  const requireFromApp = createRequire(join(app, 'package.json'));
  const cjs = requireFromApp('@socketserve/client');
  const esm = await import(pathToFileURL(join(installed, installedPkg.exports['.'].import.default)).href);
  assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).sort());
  for (const condition of ['import', 'require']) {
    const types = installedPkg.exports['.'][condition]?.types;
    assert.ok(types, `exports["."].${condition}.types is missing`);
    assert.ok(existsSync(join(installed, types)), `${condition} types ${types} missing`);
    const declared = [
      ...readFileSync(join(installed, types), 'utf8').matchAll(/^export (?:declare )?(?:const|class|function) (\w+)/gm),
    ].map((m) => m[1]);
    assert.deepEqual([...new Set(declared)].sort(), Object.keys(cjs).sort(), `${types} declares the exports`);
  }
  assert.ok(existsSync(join(installed, installedPkg.types)));

});

test('require() from a CommonJS .js file: connects, joins, receives its own message (long-polling: no eventsource installed)', async () => {
  await runClient('require-client.js', { transport: 'polling', resolvedSuffix: join('dist', 'socket-serve.cjs') });
});

test('import from an .mjs file: connects, joins, receives its own message (long-polling: no eventsource installed)', async () => {
  await runClient('import-client.mjs', { transport: 'polling', resolvedSuffix: join('src', 'socket-serve.js') });
});

test('the classic-script build defines globalThis.SocketServe (long-polling: no EventSource)', async () => {
  await runClient('global-client.js', { transport: 'polling', resolvedSuffix: join('dist', 'socket-serve.global.js') });
});

test('with the eventsource package installed next to it, require() and import use SSE on their own', async () => {
  // eventsource and its one dependency, packed from our own node_modules: still no registry
  const here = join(PKG_DIR, 'node_modules');
  const { stdout } = await run(
    'npm',
    ['pack', join(here, 'eventsource'), join(here, 'eventsource-parser'), '--ignore-scripts', '--json', '--pack-destination', work, ...offline()],
    { cwd: work },
  );
  const tarballs = JSON.parse(stdout).map((i) => join(work, i.filename));
  await run('npm', ['install', ...tarballs, '--ignore-scripts', ...offline()], { cwd: app });

  await runClient('require-client.js', { transport: 'sse', resolvedSuffix: join('dist', 'socket-serve.cjs') });
  await runClient('import-client.mjs', { transport: 'sse', resolvedSuffix: join('src', 'socket-serve.js') });
});

test('the classic-script build uses a global EventSource (as in a browser)', async () => {
  await runClient('global-client.js', {
    transport: 'sse',
    resolvedSuffix: join('dist', 'socket-serve.global.js'),
    env: { WITH_EVENTSOURCE: '1' },
  });
});
