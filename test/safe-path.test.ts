import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveSafePath, type DotfilesPolicy, type SafePathResult } from '../src/static/safe-path.js';

const ROOT = '/srv/www';
const ok = (p: string): SafePathResult => ({ ok: true, path: p });
const no = (status: 400 | 403 | 404): SafePathResult => ({ ok: false, status });
const r = (url: string, dotfiles: DotfilesPolicy = 'allow', root = ROOT): SafePathResult =>
  resolveSafePath(root, url, { dotfiles });

const basic = suite('safe-path: mapping');

basic('plain paths map below the root', () => {
  assert.equal(r('/index.html'), ok('/srv/www/index.html'));
  assert.equal(r('/a/b/c.txt'), ok('/srv/www/a/b/c.txt'));
  assert.equal(r('a/b'), ok('/srv/www/a/b')); // no leading slash: still below root
});

basic('the root itself', () => {
  assert.equal(r('/'), ok('/srv/www/'));
  assert.equal(r(''), ok('/srv/www'));
  assert.equal(r('/.'), ok('/srv/www/'));
  assert.equal(r('//'), ok('/srv/www/'));
});

basic('trailing slash is kept so the caller can tell a directory request', () => {
  assert.equal(r('/docs/'), ok('/srv/www/docs/'));
  assert.equal(r('/docs'), ok('/srv/www/docs'));
  assert.equal(r('/docs/.'), ok('/srv/www/docs/'));
  assert.equal(r('/docs/sub/..'), ok('/srv/www/docs/'));
});

basic('repeated slashes and dot segments collapse', () => {
  assert.equal(r('//a///b//'), ok('/srv/www/a/b/'));
  assert.equal(r('/./a/./b'), ok('/srv/www/a/b'));
  assert.equal(r('/a/b/../c'), ok('/srv/www/a/c'));
  assert.equal(r('/a/%2e/b'), ok('/srv/www/a/b'));
});

basic('percent-decoding happens exactly once', () => {
  assert.equal(r('/hello%20world.txt'), ok('/srv/www/hello world.txt'));
  assert.equal(r('/a%2fb'), ok('/srv/www/a/b'));
  assert.equal(r('/a%2Fb'), ok('/srv/www/a/b'));
  // double encoding stays literal after one decode
  assert.equal(r('/%252e%252e/x'), ok('/srv/www/%2e%2e/x'));
  assert.equal(r('/%25'), ok('/srv/www/%'));
  assert.equal(r('/100%25.txt'), ok('/srv/www/100%.txt'));
  assert.equal(r('/%252f'), ok('/srv/www/%2f'));
});

basic('unicode names', () => {
  assert.equal(r('/caf%C3%A9.txt'), ok('/srv/www/café.txt'));
  assert.equal(r('/%E6%97%A5%E6%9C%AC/%F0%9F%98%80.png'), ok('/srv/www/日本/😀.png'));
  assert.equal(r('/café.txt'), ok('/srv/www/café.txt')); // already-decoded characters pass through
});

basic('root given relatively or with a trailing slash is made absolute', () => {
  assert.equal(r('/x', 'allow', '/srv/www/'), ok('/srv/www/x'));
  assert.equal(r('/x', 'allow', 'rel/dir'), ok(path.resolve('rel/dir') + '/x'));
  assert.equal(r('/x', 'allow', '/'), ok('/x'));
  assert.equal(r('/../x', 'allow', '/'), no(403));
});

basic.run();

const hostile = suite('safe-path: hostile');

hostile('.. climbing above the root is 403', () => {
  assert.equal(r('/..'), no(403));
  assert.equal(r('/../'), no(403));
  assert.equal(r('/../../etc/passwd'), no(403));
  assert.equal(r('/a/../../etc/passwd'), no(403));
  assert.equal(r('/a/b/../../../x'), no(403));
  assert.equal(r('..'), no(403));
  // climbing out and back in by name is still a climb
  assert.equal(r('/../www/index.html'), no(403));
});

hostile('encoded traversal is decoded once then refused', () => {
  assert.equal(r('/%2e%2e/etc/passwd'), no(403));
  assert.equal(r('/%2E%2E/%2E%2E/etc/passwd'), no(403));
  assert.equal(r('/.%2e/x'), no(403));
  assert.equal(r('/a/%2e%2e/%2e%2e/etc/passwd'), no(403));
  assert.equal(r('/%2e%2e%2fetc%2fpasswd'), no(403));
  assert.equal(r('/a%2f..%2f..%2fetc'), no(403));
  assert.equal(r('%2e%2e'), no(403));
});

hostile('malformed percent-encoding is 400', () => {
  assert.equal(r('/%'), no(400));
  assert.equal(r('/%2'), no(400));
  assert.equal(r('/%zz'), no(400));
  assert.equal(r('/%G0'), no(400));
  assert.equal(r('/a%'), no(400));
});

hostile('invalid UTF-8, overlong dots included, is 400', () => {
  assert.equal(r('/%c0%ae%c0%ae/etc/passwd'), no(400));
  assert.equal(r('/%e0%80%ae'), no(400));
  assert.equal(r('/%ff'), no(400));
  assert.equal(r('/%ed%a0%80'), no(400)); // UTF-8-encoded surrogate
  assert.equal(r('/%c3'), no(400)); // truncated sequence
});

hostile('NUL is 400, raw or encoded', () => {
  assert.equal(r('/a%00.txt'), no(400));
  assert.equal(r('/a\0.txt'), no(400));
  assert.equal(r('/index.html%00.png'), no(400));
});

hostile('backslashes are 400, raw or encoded', () => {
  assert.equal(r('/..\\..\\etc\\passwd'), no(400));
  assert.equal(r('/%5c..%5c..%5cetc'), no(400));
  assert.equal(r('/%5C'), no(400));
  assert.equal(r('/a\\b'), no(400));
});

hostile('a result never leaves the root (fuzz)', () => {
  const parts = ['..', '.', '', '%2e%2e', '%2e', '.%2e', '%2f', 'a', '%252e%252e', '...', 'www', '%2f..', '..%2f', '%00', '\\', '%5c', '%'];
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 5000; i++) {
    const n = 1 + rand(7);
    const segs: string[] = [];
    for (let j = 0; j < n; j++) segs.push(parts[rand(parts.length)]!);
    const url = '/' + segs.join(rand(3) === 0 ? '' : '/');
    const res = r(url);
    if (res.ok) {
      assert.ok(res.path === ROOT || res.path.startsWith(ROOT + '/'), `${url} → ${res.path}`);
      assert.not.ok(res.path.split('/').includes('..'), `${url} → ${res.path}`);
    } else {
      assert.ok([400, 403, 404].includes(res.status), url);
    }
  }
});

hostile('sibling directory with the root as a name prefix is unreachable', () => {
  // '/srv/www-secret' starts with '/srv/www' as a string
  assert.equal(r('/../www-secret/key'), no(403));
});

hostile.run();

const dot = suite('safe-path: dotfiles');

dot('policy applies to any segment below the root', () => {
  for (const url of ['/.env', '/.git/config', '/a/.hidden/b', '/%2egit/HEAD', '/...']) {
    assert.equal(r(url, 'deny'), no(403), url);
    assert.equal(r(url, 'ignore'), no(404), url);
    assert.ok(r(url, 'allow').ok, url);
  }
  assert.equal(r('/.well-known/x', 'allow'), ok('/srv/www/.well-known/x'));
});

dot('names merely containing a dot are not dotfiles', () => {
  assert.equal(r('/a.b/c.d', 'deny'), ok('/srv/www/a.b/c.d'));
  assert.equal(r('/a./b', 'ignore'), ok('/srv/www/a./b'));
});

dot('a dot segment that was resolved away does not count', () => {
  assert.equal(r('/.git/../index.html', 'deny'), ok('/srv/www/index.html'));
  assert.equal(r('/./x', 'deny'), ok('/srv/www/x'));
});

dot("a root inside a dot directory is fine; only segments below it count", () => {
  assert.equal(r('/x', 'deny', '/home/u/.site'), ok('/home/u/.site/x'));
});

dot('wellKnown exempts a first segment .well-known, nothing else', () => {
  const wk = (url: string, dotfiles: DotfilesPolicy): SafePathResult => resolveSafePath(ROOT, url, { dotfiles, wellKnown: true });
  for (const policy of ['deny', 'ignore'] as const) {
    assert.equal(wk('/.well-known/acme-challenge/tok', policy), ok('/srv/www/.well-known/acme-challenge/tok'), policy);
    assert.equal(wk('/%2ewell-known/security.txt', policy), ok('/srv/www/.well-known/security.txt'), policy);
    assert.equal(wk('/.well-known/.secret', policy), no(policy === 'deny' ? 403 : 404), policy);
    assert.equal(wk('/a/.well-known/x', policy), no(policy === 'deny' ? 403 : 404), policy);
    assert.equal(wk('/.well-knownx/x', policy), no(policy === 'deny' ? 403 : 404), policy);
    assert.equal(wk('/.env', policy), no(policy === 'deny' ? 403 : 404), policy);
  }
  assert.equal(r('/.well-known/x', 'ignore'), no(404), 'off unless asked');
});

dot('traversal is judged before dotfiles', () => {
  assert.equal(r('/../.ssh/id_rsa', 'ignore'), no(403));
});

dot.run();
