// The one docroot every contender serves, generated into the run's temp dir:
// hello.txt (13 bytes), 1k.bin / 100k.bin / 1m.bin (random bytes) and
// index.shtml, an SSI page (~4 KB of HTML) that includes a fragment and echoes
// a variable. Also the exact bytes a correct SSI processor makes of it.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const HELLO = 'Hello, World!';
export const STATIC_FILES = { '1k.bin': 1024, '100k.bin': 100 * 1024, '1m.bin': 1024 * 1024 };
export const SSI_VAR_VALUE = 'brigade bench';

const FRAGMENT = '<nav class="menu"><a href="/">Home</a> | <a href="/docs/">Docs</a> | <a href="/bench/">Benchmarks</a></nav>\n';

function paragraphs() {
  const out = [];
  for (let i = 1; i <= 24; i++) {
    out.push(
      `    <p id="p${i}">Paragraph ${i}: a server-side include page, assembled on every request ` +
        'from this file, an included fragment and a variable, then compressed with gzip.</p>\n',
    );
  }
  return out.join('');
}

function page(include, echo) {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n  <title>SSI bench page</title>\n</head>\n<body>\n' +
    `  ${include}\n` +
    `  <h1>Served by ${echo}</h1>\n` +
    paragraphs() +
    '</body>\n</html>\n'
  );
}

/** Writes the docroot under dir and returns { dir, files: {name: Buffer}, ssiExpected: Buffer }. */
export function makeDocroot(dir) {
  mkdirSync(dir, { recursive: true });
  // Apache and nginx workers may run as an unprivileged user: everything world-readable.
  chmodSync(dir, 0o755);
  const files = { 'hello.txt': Buffer.from(HELLO) };
  for (const [name, size] of Object.entries(STATIC_FILES)) files[name] = randomBytes(size);
  files['fragment.html'] = Buffer.from(FRAGMENT);
  files['index.shtml'] = Buffer.from(
    page(
      '<!--#include virtual="/fragment.html" -->',
      `<!--#set var="served_by" value="${SSI_VAR_VALUE}" --><!--#echo var="served_by" -->`,
    ),
  );
  for (const [name, bytes] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), bytes, { mode: 0o644 });
  }
  // What a correct SSI processor sends: each directive replaced by its output
  // (#set outputs nothing; #echo HTML-escapes, which changes nothing here).
  const ssiExpected = Buffer.from(page(FRAGMENT, SSI_VAR_VALUE));
  return { dir, files, ssiExpected };
}
