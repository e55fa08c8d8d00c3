// Generates the CommonJS build, its type declarations and the classic-script build from the one
// hand-written source, src/socket-serve.js (an ES module; the Java server serves it as is at
// /socket-serve.js). No dependencies: the source's only module syntax is `export` in front of
// top-level declarations, which this script rewrites and checks.
//
//   node scripts/build.js        (run by `npm pack` / `npm publish` through "prepack")
//
// Writes dist/socket-serve.cjs         require('@socketserve/client')
//        dist/socket-serve.d.cts       its types (the same declarations as src/socket-serve.d.ts)
//        dist/socket-serve.global.js   <script src>: defines globalThis.SocketServe
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const source = readFileSync(join(root, 'src/socket-serve.js'), 'utf8');
const types = readFileSync(join(root, 'src/socket-serve.d.ts'), 'utf8');

const EXPORT_DECL = /^export (const|let|class|function|async function) ([A-Za-z_$][\w$]*)/gm;

/** The source without its `export` keywords, and the exported names in source order. */
function stripExports(text) {
  const names = [];
  const body = text.replace(EXPORT_DECL, (_, kind, name) => {
    names.push(name);
    return `${kind} ${name}`;
  });
  const leftover = body.match(/^[ \t]*(export|import)\b(?!\s*\()[^\n]*/m);
  if (leftover) {
    throw new Error(`scripts/build.js: cannot convert this line of src/socket-serve.js: ${leftover[0].trim()}`);
  }
  return { body, names };
}

/** Names of the values (not the types) that the declarations export. */
function declaredValues(text) {
  const re = /^export (?:declare )?(?:const|let|class|function|abstract class) ([A-Za-z_$][\w$]*)/gm;
  return [...new Set([...text.matchAll(re)].map((m) => m[1]))];
}

const { body, names } = stripExports(source);
const declared = declaredValues(types);
const missing = names.filter((n) => !declared.includes(n));
const extra = declared.filter((n) => !names.includes(n));
if (missing.length || extra.length) {
  throw new Error(
    `scripts/build.js: src/socket-serve.d.ts does not match src/socket-serve.js` +
      (missing.length ? `; not declared: ${missing.join(', ')}` : '') +
      (extra.length ? `; declared but not exported: ${extra.join(', ')}` : ''),
  );
}

const banner = (what) =>
  `/*! ${pkg.name} ${pkg.version} (${what}) | ${pkg.license} License | generated from src/socket-serve.js by scripts/build.js: do not edit */\n`;

const cjs =
  banner('CommonJS') +
  `'use strict';\n` +
  body +
  `\n${names.map((n) => `exports.${n} = ${n};`).join('\n')}\n`;

const global =
  banner('classic script: defines globalThis.SocketServe') +
  `(function () {\n'use strict';\n` +
  body +
  `\nglobalThis.SocketServe = Object.freeze({ ${names.join(', ')} });\n})();\n`;

const dcts = banner('types of the CommonJS build') + types;

const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
writeFileSync(join(dist, 'socket-serve.cjs'), cjs);
writeFileSync(join(dist, 'socket-serve.d.cts'), dcts);
writeFileSync(join(dist, 'socket-serve.global.js'), global);
process.stderr.write(`scripts/build.js: dist/ written (${names.length} exports: ${names.join(', ')})\n`);
