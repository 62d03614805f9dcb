import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Router, type RouteMatch, type RouteMiss } from '../src/router.js';

function hit(r: RouteMatch<string> | RouteMiss): RouteMatch<string> {
  if (r.handler === null) throw new Error(`expected a match, got a miss (allow=${r.allow.join(',')})`);
  return r;
}

function miss(r: RouteMatch<string> | RouteMiss): RouteMiss {
  if (r.handler !== null) throw new Error(`expected a miss, got ${String(r.handler)}`);
  return r;
}

const exact = suite('router: exact');

exact('matches the exact path only', () => {
  const r = new Router<string>();
  r.add('GET', '/health', 'health');
  assert.equal(hit(r.match('GET', '/health')), { handler: 'health', params: {} });
  assert.equal(miss(r.match('GET', '/health/')).allow, []);
  assert.equal(miss(r.match('GET', '/healthz')).allow, []);
  assert.equal(miss(r.match('GET', '/Health')).allow, []);
  assert.equal(miss(r.match('GET', '')).allow, []);
});

exact('root path', () => {
  const r = new Router<string>();
  r.add('GET', '/', 'root');
  assert.is(hit(r.match('GET', '/')).handler, 'root');
  assert.is(r.match('GET', '//').handler, null);
});

exact('method dispatch and 405 allow list', () => {
  const r = new Router<string>();
  r.add('GET', '/items', 'list');
  r.add('POST', '/items', 'create');
  assert.is(hit(r.match('GET', '/items')).handler, 'list');
  assert.is(hit(r.match('POST', '/items')).handler, 'create');
  const m = miss(r.match('DELETE', '/items'));
  assert.equal(m.allow.sort(), ['GET', 'HEAD', 'POST']);
});

exact('HEAD falls back to GET; explicit HEAD wins even when registered later', () => {
  const r = new Router<string>();
  r.add('GET', '/a', 'get-a');
  assert.is(hit(r.match('HEAD', '/a')).handler, 'get-a');
  r.add('HEAD', '/a', 'head-a');
  assert.is(hit(r.match('HEAD', '/a')).handler, 'head-a');
  assert.is(hit(r.match('GET', '/a')).handler, 'get-a');
});

exact('GET does not fall back to HEAD', () => {
  const r = new Router<string>();
  r.add('HEAD', '/a', 'head-a');
  assert.equal(miss(r.match('GET', '/a')).allow, ['HEAD']);
});

exact("'*' accepts any method; registration order among equals", () => {
  const r = new Router<string>();
  r.add('*', '/any', 'any');
  r.add('GET', '/any', 'never');
  assert.is(hit(r.match('GET', '/any')).handler, 'any');
  assert.is(hit(r.match('PURGE', '/any')).handler, 'any');
  r.add('GET', '/dup', 'first');
  r.add('GET', '/dup', 'second');
  assert.is(hit(r.match('GET', '/dup')).handler, 'first');
});

exact('methods are upper-cased on add, matched case-sensitively', () => {
  const r = new Router<string>();
  r.add('get', '/x', 'x');
  assert.is(hit(r.match('GET', '/x')).handler, 'x');
  assert.is(r.match('get', '/x').handler, null);
});

exact('a miss on an unknown path has an empty allow list', () => {
  const r = new Router<string>();
  r.add('GET', '/a', 'a');
  assert.equal(miss(r.match('GET', '/b')), { handler: null, allow: [] });
});

exact("'*' routes are not advertised as a method in allow", () => {
  const r = new Router<string>();
  r.add('POST', '/p/:x', 'p');
  r.add('*', '/q', 'q');
  assert.equal(miss(r.match('GET', '/p/1')).allow, ['POST']);
});

exact.run();

const param = suite('router: params');

param('extracts params by name', () => {
  const r = new Router<string>();
  r.add('GET', '/users/:id/posts/:postId', 'post');
  assert.equal(hit(r.match('GET', '/users/42/posts/7')), { handler: 'post', params: { id: '42', postId: '7' } });
});

param('a param matches exactly one non-empty segment', () => {
  const r = new Router<string>();
  r.add('GET', '/users/:id', 'user');
  assert.is(r.match('GET', '/users/').handler, null);
  assert.is(r.match('GET', '/users').handler, null);
  assert.is(r.match('GET', '/users/1/').handler, null);
  assert.is(r.match('GET', '/users/1/2').handler, null);
  assert.is(r.match('GET', '/users//1').handler, null);
  assert.equal(hit(r.match('GET', '/users/a.b-c~d')).params, { id: 'a.b-c~d' });
});

param('params are not percent-decoded', () => {
  const r = new Router<string>();
  r.add('GET', '/files/:name', 'f');
  assert.equal(hit(r.match('GET', '/files/a%2Fb%20c')).params, { name: 'a%2Fb%20c' });
  assert.equal(hit(r.match('GET', '/files/%2e%2e')).params, { name: '%2e%2e' });
});

param('literal segments beat params at the same position, with backtracking', () => {
  const r = new Router<string>();
  r.add('GET', '/users/:id/profile', 'profile');
  r.add('GET', '/users/new/:step', 'wizard');
  assert.equal(hit(r.match('GET', '/users/new/one')), { handler: 'wizard', params: { step: 'one' } });
  // 'new' takes the literal branch first, finds no '/users/new/profile' route
  // there ('profile' is a param value for the wizard!) -- the wizard matches.
  assert.equal(hit(r.match('GET', '/users/new/profile')), { handler: 'wizard', params: { step: 'profile' } });
  assert.equal(hit(r.match('GET', '/users/7/profile')), { handler: 'profile', params: { id: '7' } });
  // Literal branch dead-ends ('/users/new/x/y' has no route): back off to the param branch.
  r.add('GET', '/users/:id/:a/:b', 'three');
  assert.equal(hit(r.match('GET', '/users/new/x/y')), { handler: 'three', params: { id: 'new', a: 'x', b: 'y' } });
});

param('backtracks when the literal branch has no route for the method', () => {
  const r = new Router<string>();
  r.add('POST', '/a/fixed', 'post-fixed'); // exact
  r.add('POST', '/b/fixed/:x', 'post-b');
  r.add('GET', '/b/:name/:x', 'get-b');
  assert.equal(hit(r.match('GET', '/b/fixed/1')), { handler: 'get-b', params: { name: 'fixed', x: '1' } });
  assert.equal(hit(r.match('POST', '/b/fixed/1')), { handler: 'post-b', params: { x: '1' } });
  assert.equal(miss(r.match('PUT', '/b/fixed/1')).allow.sort(), ['GET', 'HEAD', 'POST']);
});

param('different param names at the same position', () => {
  const r = new Router<string>();
  r.add('GET', '/things/:id', 'get');
  r.add('DELETE', '/things/:thingId', 'del');
  assert.equal(hit(r.match('GET', '/things/9')).params, { id: '9' });
  assert.equal(hit(r.match('DELETE', '/things/9')).params, { thingId: '9' });
});

param('HEAD falls back to GET for params; params object is fresh per match', () => {
  const r = new Router<string>();
  r.add('GET', '/p/:x', 'p');
  const a = hit(r.match('HEAD', '/p/1'));
  const b = hit(r.match('HEAD', '/p/2'));
  assert.equal(a.params, { x: '1' });
  assert.equal(b.params, { x: '2' });
  assert.is.not(a.params, b.params);
});

param('exact beats param', () => {
  const r = new Router<string>();
  r.add('GET', '/users/:id', 'param');
  r.add('GET', '/users/me', 'exact');
  assert.is(hit(r.match('GET', '/users/me')).handler, 'exact');
  assert.is(hit(r.match('GET', '/users/you')).handler, 'param');
  // exact path known but only for POST: falls through to the param route for GET
  r.add('POST', '/users/only-post', 'exact-post');
  assert.is(hit(r.match('GET', '/users/only-post')).handler, 'param');
});

param('hostile values: long, odd characters, __proto__ as a value', () => {
  const r = new Router<string>();
  r.add('GET', '/k/:key', 'k');
  const long = 'x'.repeat(10000);
  assert.equal(hit(r.match('GET', `/k/${long}`)).params, { key: long });
  assert.equal(hit(r.match('GET', '/k/__proto__')).params, { key: '__proto__' });
  assert.equal(hit(r.match('GET', '/k/constructor')).params, { key: 'constructor' });
  assert.equal(hit(r.match('GET', '/k/..')).params, { key: '..' });
  assert.is(r.match('GET', 'k/x').handler, null); // no leading slash
  assert.is(r.match('GET', '*').handler, null);
});

param('many segments do not blow the stack', () => {
  const r = new Router<string>();
  r.add('GET', '/a/:b', 'ab');
  const deep = '/a' + '/x'.repeat(5000);
  assert.is(r.match('GET', deep).handler, null);
});

param.run();

const prefix = suite('router: prefix');

prefix("'/api/*' matches '/api', '/api/' and below, with '*' = remainder", () => {
  const r = new Router<string>();
  r.add('GET', '/api/*', 'api');
  assert.equal(hit(r.match('GET', '/api')), { handler: 'api', params: { '*': '' } });
  assert.equal(hit(r.match('GET', '/api/')), { handler: 'api', params: { '*': '' } });
  assert.equal(hit(r.match('GET', '/api/v1/users')), { handler: 'api', params: { '*': 'v1/users' } });
  assert.equal(hit(r.match('GET', '/api/v1/')), { handler: 'api', params: { '*': 'v1/' } });
  assert.equal(hit(r.match('GET', '/api//x')), { handler: 'api', params: { '*': '/x' } });
  assert.is(r.match('GET', '/apix').handler, null);
  assert.is(r.match('GET', '/ap').handler, null);
  assert.is(r.match('GET', '/').handler, null);
});

prefix("'/*' and '*' mount at the root", () => {
  const r = new Router<string>();
  r.add('GET', '/*', 'all');
  assert.equal(hit(r.match('GET', '/')).params, { '*': '' });
  assert.equal(hit(r.match('GET', '/a/b.txt')).params, { '*': 'a/b.txt' });
  assert.equal(hit(r.match('GET', '//')).params, { '*': '/' });
  assert.is(r.match('GET', 'nope').handler, null);
  const r2 = new Router<string>();
  r2.add('GET', '*', 'star');
  assert.equal(hit(r2.match('GET', '/x')).params, { '*': 'x' });
});

prefix('longest prefix wins regardless of registration order', () => {
  const r = new Router<string>();
  r.add('GET', '/*', 'root');
  r.add('GET', '/a/*', 'a');
  r.add('GET', '/a/b/*', 'ab');
  assert.equal(hit(r.match('GET', '/a/b/c')), { handler: 'ab', params: { '*': 'c' } });
  assert.equal(hit(r.match('GET', '/a/b')), { handler: 'ab', params: { '*': '' } });
  assert.equal(hit(r.match('GET', '/a/bc')), { handler: 'a', params: { '*': 'bc' } });
  assert.equal(hit(r.match('GET', '/z')), { handler: 'root', params: { '*': 'z' } });
});

prefix('a longer prefix without the method falls back to a shorter one', () => {
  const r = new Router<string>();
  r.add('*', '/*', 'root');
  r.add('POST', '/upload/*', 'upload');
  assert.is(hit(r.match('POST', '/upload/x')).handler, 'upload');
  assert.is(hit(r.match('GET', '/upload/x')).handler, 'root');
});

prefix('exact > param > prefix', () => {
  const r = new Router<string>();
  r.add('GET', '/files/*', 'prefix');
  r.add('GET', '/files/:name', 'param');
  r.add('GET', '/files/readme', 'exact');
  assert.is(hit(r.match('GET', '/files/readme')).handler, 'exact');
  assert.is(hit(r.match('GET', '/files/other')).handler, 'param');
  assert.equal(hit(r.match('GET', '/files/a/b')), { handler: 'prefix', params: { '*': 'a/b' } });
  assert.equal(hit(r.match('GET', '/files')), { handler: 'prefix', params: { '*': '' } });
});

prefix('HEAD: exact GET beats a prefix route that accepts any method', () => {
  const r = new Router<string>();
  r.add('*', '/*', 'fallback');
  r.add('GET', '/page', 'page');
  assert.is(hit(r.match('HEAD', '/page')).handler, 'page');
  assert.is(hit(r.match('HEAD', '/other')).handler, 'fallback');
});

prefix('405 allow list gathers methods from every level', () => {
  const r = new Router<string>();
  r.add('GET', '/docs/*', 'docs');
  r.add('PUT', '/docs/:name', 'put');
  r.add('DELETE', '/docs/x', 'del');
  const m = miss(r.match('PATCH', '/docs/x'));
  assert.equal(m.allow.sort(), ['DELETE', 'GET', 'HEAD', 'PUT']);
  assert.equal(miss(r.match('PATCH', '/docs/a/b')).allow.sort(), ['GET', 'HEAD']);
  assert.equal(miss(r.match('GET', '/elsewhere')).allow, []);
  assert.equal(r.allowedMethods('/docs'), ['GET', 'HEAD']);
});

prefix('prefix remainder is raw (no decoding)', () => {
  const r = new Router<string>();
  r.add('GET', '/s/*', 's');
  assert.equal(hit(r.match('GET', '/s/%2e%2e/%2fetc')).params, { '*': '%2e%2e/%2fetc' });
  assert.equal(hit(r.match('GET', '/s/../../etc/passwd')).params, { '*': '../../etc/passwd' });
});

prefix.run();

const invalid = suite('router: invalid patterns');

invalid('rejects malformed patterns and methods', () => {
  const r = new Router<string>();
  assert.throws(() => r.add('GET', 'no-slash', 'x'), /must start with/);
  assert.throws(() => r.add('GET', '/a/*/b', 'x'), /only allowed/);
  assert.throws(() => r.add('GET', '/a*', 'x'), /only allowed/);
  assert.throws(() => r.add('GET', '/u/:id/*', 'x'), /prefix patterns/);
  assert.throws(() => r.add('GET', '/u/:', 'x'), /invalid param/);
  assert.throws(() => r.add('GET', '/u/:1x', 'x'), /invalid param/);
  assert.throws(() => r.add('GET', '/u/:__proto__', 'x'), /invalid param/);
  assert.throws(() => r.add('GET', '/u/:id/:id', 'x'), /duplicate/);
  assert.throws(() => r.add('', '/x', 'x'), /invalid method/);
  assert.throws(() => r.add('G ET', '/x', 'x'), /invalid method/);
});

invalid.run();

const scale = suite('router: many routes');

scale('many literal children at one trie position (map-backed) still match', () => {
  const r = new Router<string>();
  for (let i = 0; i < 50; i++) r.add('GET', `/t${i}/:id`, `t${i}`);
  r.add('GET', '/:any/:id', 'fallback');
  for (let i = 0; i < 50; i++) assert.equal(hit(r.match('GET', `/t${i}/x`)), { handler: `t${i}`, params: { id: 'x' } });
  assert.equal(hit(r.match('GET', '/t50/x')), { handler: 'fallback', params: { any: 't50', id: 'x' } });
  assert.equal(hit(r.match('GET', '/t1/x')).handler, 't1');
});

scale('many prefixes (map-backed lookup) keep longest-first and fallbacks', () => {
  const r = new Router<string>();
  r.add('GET', '/*', 'root');
  for (let i = 0; i < 40; i++) r.add('GET', `/p${i}/*`, `p${i}`);
  r.add('GET', '/p3/deep/*', 'deep');
  r.add('POST', '/p4/only-post/*', 'post');
  assert.equal(hit(r.match('GET', '/p3/deep/x/y')), { handler: 'deep', params: { '*': 'x/y' } });
  assert.equal(hit(r.match('GET', '/p3/deeper')), { handler: 'p3', params: { '*': 'deeper' } });
  assert.equal(hit(r.match('GET', '/p39')), { handler: 'p39', params: { '*': '' } });
  assert.equal(hit(r.match('GET', '/p40/z')), { handler: 'root', params: { '*': 'p40/z' } });
  assert.equal(hit(r.match('GET', '/p4/only-post/z')), { handler: 'p4', params: { '*': 'only-post/z' } });
  assert.equal(hit(r.match('POST', '/p4/only-post/z')).handler, 'post');
  assert.equal(miss(r.match('PUT', '/p4/only-post/z')).allow.sort(), ['GET', 'HEAD', 'POST']);
});

scale('scan and map prefix strategies agree', () => {
  const small = new Router<string>();
  const large = new Router<string>();
  const prefixes = ['', '/a', '/a/b', '/a/bc', '/ab', '/x/y/z'];
  for (const p of prefixes) {
    small.add('GET', `${p}/*`, p);
    large.add('GET', `${p}/*`, p);
  }
  for (let i = 0; i < 30; i++) large.add('GET', `/filler${i}/*`, 'filler');
  for (const path of ['/', '/a', '/a/', '/a/b', '/a/b/', '/a/bc/d', '/a/bcd', '/ab', '/abc', '/x/y', '/x/y/z/w', '//a', '/a//b']) {
    assert.equal(small.match('GET', path), large.match('GET', path), path);
  }
});

scale.run();
