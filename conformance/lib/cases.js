// The request matrix. Each case is { id, method, path, headers, raw? }.
// Header values may hold placeholders filled per server from its own answer
// to a plain GET of the same path (ETags differ between the servers by design):
//   {etag}         that server's ETag, as sent
//   {etag-opaque}  its opaque-tag ("..."), without W/
//   {lm}           its Last-Modified
// raw: the encoded bytes themselves must be equal (a precompressed file sent
// as it is), not only the decoded ones.
import { MTIME } from './docroot.js';

const DAY_MS = 86_400_000;
const OLDER = new Date(MTIME.getTime() - DAY_MS).toUTCString();
const NEWER = new Date(MTIME.getTime() + DAY_MS).toUTCString();

function c(id, path, headers = [], extra = {}) {
  return { id, method: 'GET', path, headers, ...extra };
}

function plainFiles() {
  const files = ['/small.txt', '/large.txt', '/data.bin', '/index.html', '/pre.js', '/empty.txt', '/with%20space.txt', `/${encodeURIComponent('ünïcødé.txt')}`, '/sub/page.html'];
  const out = [];
  for (const f of files) {
    out.push(c(`get ${f}`, f));
    out.push(c(`head ${f}`, f, [], { method: 'HEAD' }));
    out.push(c(`get ${f} gzip`, f, [['Accept-Encoding', 'gzip']], { raw: f === '/pre.js' }));
    out.push(c(`head ${f} gzip`, f, [['Accept-Encoding', 'gzip']], { method: 'HEAD', raw: f === '/pre.js' }));
  }
  return out;
}

function ranges() {
  const specs = {
    single: 'bytes=0-99',
    'single-last-byte': 'bytes=-1',
    suffix: 'bytes=-100',
    'suffix-too-long': 'bytes=-99999999',
    open: 'bytes=1000-',
    'end-past-size': 'bytes=100-99999999',
    multiple: 'bytes=0-9,20-29,-5',
    'multiple-spaces': 'bytes= 0-9 , 20-29',
    overlapping: 'bytes=0-99,50-149',
    adjacent: 'bytes=0-9,10-19',
    'out-of-order': 'bytes=200-299,0-99',
    unsatisfiable: 'bytes=99999999-',
    'unsatisfiable-and-valid': 'bytes=99999999-,0-9',
    'malformed-letters': 'bytes=abc',
    'malformed-reversed': 'bytes=5-2',
    'malformed-empty': 'bytes=',
    'malformed-suffix-zero': 'bytes=-0',
    'other-unit': 'items=0-1',
  };
  const out = [];
  for (const f of ['/large.txt', '/data.bin']) {
    for (const [name, spec] of Object.entries(specs)) out.push(c(`range ${name} ${f}`, f, [['Range', spec]]));
  }
  out.push(c('range head /data.bin', '/data.bin', [['Range', 'bytes=0-99']], { method: 'HEAD' }));
  out.push(c('range empty file', '/empty.txt', [['Range', 'bytes=0-0']]));
  out.push(c('range suffix empty file', '/empty.txt', [['Range', 'bytes=-5']]));
  out.push(c('range small.txt gzip', '/small.txt', [['Range', 'bytes=0-9'], ['Accept-Encoding', 'gzip']]));
  out.push(c('range large.txt gzip', '/large.txt', [['Range', 'bytes=0-9'], ['Accept-Encoding', 'gzip']]));
  out.push(c('range pre.js gzip (precompressed)', '/pre.js', [['Range', 'bytes=0-9'], ['Accept-Encoding', 'gzip']], { raw: true }));
  out.push(c('range data.bin gzip', '/data.bin', [['Range', 'bytes=0-9'], ['Accept-Encoding', 'gzip']]));
  // If-Range (RFC 9110 §13.1.5).
  const f = '/data.bin';
  out.push(c('if-range etag match', f, [['Range', 'bytes=0-9'], ['If-Range', '{etag}']]));
  out.push(c('if-range etag stale', f, [['Range', 'bytes=0-9'], ['If-Range', '"stale"']]));
  out.push(c('if-range date match', f, [['Range', 'bytes=0-9'], ['If-Range', '{lm}']]));
  out.push(c('if-range date stale', f, [['Range', 'bytes=0-9'], ['If-Range', OLDER]]));
  out.push(c('if-range date newer', f, [['Range', 'bytes=0-9'], ['If-Range', NEWER]]));
  return out;
}

function conditionals() {
  const out = [];
  for (const f of ['/large.txt', '/data.bin']) {
    const k = (id, headers, extra) => out.push(c(`${id} ${f}`, f, headers, extra));
    k('if-none-match etag', [['If-None-Match', '{etag}']]);
    k('if-none-match weak form', [['If-None-Match', 'W/{etag-opaque}']]);
    k('if-none-match strong form', [['If-None-Match', '{etag-opaque}']]);
    k('if-none-match list', [['If-None-Match', '"x", {etag}']]);
    k('if-none-match star', [['If-None-Match', '*']]);
    k('if-none-match other', [['If-None-Match', '"other"']]);
    k('if-none-match head', [['If-None-Match', '{etag}']], { method: 'HEAD' });
    k('if-none-match with range', [['If-None-Match', '{etag}'], ['Range', 'bytes=0-9']]);
    k('if-modified-since equal', [['If-Modified-Since', '{lm}']]);
    k('if-modified-since older', [['If-Modified-Since', OLDER]]);
    k('if-modified-since newer', [['If-Modified-Since', NEWER]]);
    k('if-modified-since invalid', [['If-Modified-Since', 'not a date']]);
    k('if-none-match other + if-modified-since equal', [['If-None-Match', '"other"'], ['If-Modified-Since', '{lm}']]);
    k('if-none-match etag + if-modified-since older', [['If-None-Match', '{etag}'], ['If-Modified-Since', OLDER]]);
    k('if-match etag', [['If-Match', '{etag}']]);
    k('if-match other', [['If-Match', '"other"']]);
    k('if-match star', [['If-Match', '*']]);
    k('if-match star with range', [['If-Match', '*'], ['Range', 'bytes=0-9']]);
    k('if-unmodified-since older', [['If-Unmodified-Since', OLDER]]);
    k('if-unmodified-since equal', [['If-Unmodified-Since', '{lm}']]);
    k('if-unmodified-since newer', [['If-Unmodified-Since', NEWER]]);
    k('if-unmodified-since invalid', [['If-Unmodified-Since', 'not a date']]);
    k('if-match other + if-none-match etag', [['If-Match', '"other"'], ['If-None-Match', '{etag}']]);
  }
  out.push(c('if-none-match etag gzip /large.txt', '/large.txt', [['If-None-Match', '{etag}'], ['Accept-Encoding', 'gzip']]));
  out.push(c('if-none-match etag gzip /pre.js', '/pre.js', [['If-None-Match', '{etag}'], ['Accept-Encoding', 'gzip']], { validators: [['Accept-Encoding', 'gzip']] }));
  return out;
}

function encodings() {
  const values = {
    gzip: 'gzip',
    br: 'br',
    deflate: 'deflate',
    'gzip, br': 'gzip, br',
    'br;q=1, gzip;q=0.5': 'br;q=1, gzip;q=0.5',
    'gzip;q=0': 'gzip;q=0',
    'identity;q=0': 'identity;q=0',
    'star;q=0': '*;q=0',
    star: '*',
    'GZIP upper case': 'GZIP',
    'x-gzip': 'x-gzip',
    empty: '',
  };
  const out = [];
  for (const f of ['/large.txt', '/pre.js', '/data.bin']) {
    for (const [name, v] of Object.entries(values)) {
      out.push(c(`accept-encoding ${name} ${f}`, f, [['Accept-Encoding', v]], { raw: f === '/pre.js' }));
    }
    out.push(c(`accept-encoding gzip with range ${f}`, f, [['Accept-Encoding', 'gzip'], ['Range', 'bytes=0-99']], { raw: f === '/pre.js' }));
  }
  return out;
}

function paths() {
  return [
    c('dir without slash', '/sub'),
    c('dir without slash, query', '/sub?x=1'),
    c('dir without slash, head', '/sub', [], { method: 'HEAD' }),
    c('dir with slash (index)', '/sub/'),
    c('root (index)', '/'),
    c('dir without index', '/nodir/'),
    c('dir without index, no slash', '/nodir'),
    c('missing file', '/missing.txt'),
    c('missing dir', '/missing/'),
    c('trailing slash on file', '/small.txt/'),
    c('query on file', '/small.txt?v=1'),
    c('percent-encoded letters', '/sm%61ll.txt'),
    c('percent-encoded slash', '/sub%2Fpage.html'),
    c('space as %20', '/with%20space.txt'),
    c('unicode, percent-encoded', `/${encodeURIComponent('ünïcødé.txt')}`),
    c('unicode, lower-case escapes', `/${encodeURIComponent('ünïcødé.txt').toLowerCase()}`),
    c('dot segment', '/sub/./page.html'),
    c('dot-dot inside root', '/sub/../small.txt'),
    c('double slash', '//small.txt'),
    c('dot-dot above root', '/../small.txt'),
    c('encoded dot-dot above root', '/%2e%2e/small.txt'),
    c('encoded dot-dot inside root', '/sub/%2e%2e/small.txt'),
    c('dot-dot above root, deeper', '/sub/../../etc/passwd'),
    c('dotfile', '/.hidden.txt'),
    c('dotfile, encoded dot', '/%2ehidden.txt'),
    c('encoded NUL', '/small.txt%00.html'),
    c('bad escape', '/small%zz.txt'),
    c('POST to a file', '/small.txt', [['Content-Length', '0']], { method: 'POST' }),
  ];
}

export function allCases() {
  return [...plainFiles(), ...ranges(), ...conditionals(), ...encodings(), ...paths()];
}

/** The request for one server, placeholders filled from its validators ({ etag, lm }). */
export function instantiate(kase, validators) {
  const etag = validators.etag ?? '"none"';
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  const fill = (v) => v.replaceAll('{etag-opaque}', opaque).replaceAll('{etag}', etag).replaceAll('{lm}', validators.lm ?? 'none');
  return { method: kase.method, path: kase.path, headers: kase.headers.map(([n, v]) => [n, fill(v)]) };
}

export function needsValidators(kase) {
  return kase.headers.some(([, v]) => v.includes('{'));
}
