import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { displayUrl, parseCliArgs, type CliCommand, type ServeConfig } from '../src/cli/args.js';

function command(argv: string[]): CliCommand {
  const r = parseCliArgs(argv);
  if (!r.ok) throw new Error(`expected success for ${JSON.stringify(argv)}, got: ${r.error}`);
  return r.command;
}

function serve(argv: string[]): ServeConfig {
  const c = command(argv);
  if (c.kind !== 'serve') throw new Error(`expected serve, got ${c.kind}`);
  return c;
}

function error(argv: string[]): string {
  const r = parseCliArgs(argv);
  if (r.ok) throw new Error(`expected an error for ${JSON.stringify(argv)}, got ${JSON.stringify(r.command)}`);
  return r.error;
}

const cmds = suite('cli args: commands');

cmds('help and version', () => {
  assert.equal(command([]), { kind: 'help' });
  assert.equal(command(['--help']), { kind: 'help' });
  assert.equal(command(['-h']), { kind: 'help' });
  assert.equal(command(['help']), { kind: 'help' });
  assert.equal(command(['serve', '--help']), { kind: 'help' });
  assert.equal(command(['--version']), { kind: 'version' });
  assert.equal(command(['-v']), { kind: 'version' });
  assert.equal(command(['--help', '--version']), { kind: 'help' });
});

cmds('serve defaults', () => {
  assert.equal(serve(['serve']), { kind: 'serve', dir: '.', host: '127.0.0.1', port: 8080 });
  assert.not.ok('ioThreads' in serve(['serve']));
});

cmds('serve with every option, in any order, both spellings', () => {
  assert.equal(serve(['serve', './site', '--port', '3000', '--host', '0.0.0.0', '--io-threads', '4']), {
    kind: 'serve',
    dir: './site',
    host: '0.0.0.0',
    port: 3000,
    ioThreads: 4,
  });
  assert.equal(serve(['--port=0', 'serve', '-H', 'localhost', 'dir']), {
    kind: 'serve',
    dir: 'dir',
    host: 'localhost',
    port: 0,
  });
  assert.equal(serve(['serve', '-p', '65535', '--io-threads=1']).port, 65535);
});

cmds('a directory that looks like an option goes after --', () => {
  assert.equal(serve(['serve', '--', '--weird-dir']).dir, '--weird-dir');
});

cmds('unknown commands, options and extra positionals are errors', () => {
  assert.match(error(['start']), /unknown command "start"/);
  assert.match(error(['serve', '--bogus']), /Unknown option '--bogus'/);
  assert.match(error(['serve', 'a', 'b']), /one directory/);
  assert.match(error(['--port', '80']), /missing command/);
  assert.match(error(['serve', '']), /must not be empty/);
});

cmds('errors are single-line messages', () => {
  for (const argv of [['serve', '--port'], ['serve', '--port', '-1'], ['serve', '-x'], ['serve', '--help=yes']]) {
    const e = error(argv);
    assert.not.ok(e.includes('\n'), `${JSON.stringify(argv)}: ${e}`);
    assert.ok(e.length > 0);
  }
});

cmds.run();

const nums = suite('cli args: numbers');

nums('port must be a decimal integer in 0..65535', () => {
  for (const bad of ['-1', '65536', '99999999999', '', ' 80', '80 ', '8o', '0x50', '1e3', '80.0', '+80', 'NaN', 'Infinity', '٨٠']) {
    assert.match(error(['serve', `--port=${bad}`]), /--port must be an integer from 0 to 65535/, bad);
  }
  assert.is(serve(['serve', '--port', '0']).port, 0);
  assert.is(serve(['serve', '--port', '00080']).port, 80);
});

nums('io-threads must be an integer in 1..256', () => {
  for (const bad of ['0', '-2', '257', 'four', '1.5', '']) {
    assert.match(error(['serve', `--io-threads=${bad}`]), /--io-threads must be an integer from 1 to 256/, bad);
  }
  assert.is(serve(['serve', '--io-threads', '256']).ioThreads, 256);
});

nums('a repeated option: the last one wins', () => {
  assert.is(serve(['serve', '--port', '1', '--port', '2']).port, 2);
});

nums.run();

const hosts = suite('cli args: hosts');

hosts('accepts names and IP literals', () => {
  for (const h of ['localhost', '127.0.0.1', '0.0.0.0', 'example.com', 'my-host.local', 'a.b.c.d.e', 'fqdn.example.']) {
    assert.is(serve(['serve', '--host', h]).host, h);
  }
  assert.is(serve(['serve', '--host', '::1']).host, '::1');
  assert.is(serve(['serve', '--host=::']).host, '::');
  assert.is(serve(['serve', '--host', '[::1]']).host, '::1'); // brackets stripped
});

hosts('rejects junk', () => {
  for (const h of ['', ' ', 'a b', 'host:80', 'http://x', '-bad', 'bad-', 'a..b', '[localhost]', '256.1.1.1.', '256.1.1.1', '1.2.3', 'x'.repeat(64), 'évil', 'a/b', '[::1']) {
    assert.match(error(['serve', `--host=${h}`]), /--host must be/, JSON.stringify(h));
  }
});

hosts('display URL brackets IPv6', () => {
  assert.is(displayUrl('127.0.0.1', 8080), 'http://127.0.0.1:8080/');
  assert.is(displayUrl('::1', 9), 'http://[::1]:9/');
  assert.is(displayUrl('localhost', 0), 'http://localhost:0/');
});

hosts.run();

const flags = suite('cli args: --gzip and --cache');

flags('--gzip turns on compression; absent means unset', () => {
  assert.is(serve(['serve', '--gzip']).gzip, true);
  assert.not.ok('gzip' in serve(['serve']));
  assert.not.ok('maxAge' in serve(['serve']));
  assert.match(error(['serve', '--gzip=yes']), /gzip/);
  assert.match(error(['--gzip']), /missing command/);
});

flags('--cache takes seconds or a number with a unit', () => {
  const cases: [string, number][] = [['0', 0], ['3600', 3600], ['90s', 90], ['30m', 1800], ['1h', 3600], ['7d', 604800], ['2w', 1209600]];
  for (const [text, seconds] of cases) assert.is(serve(['serve', '--cache', text]).maxAge, seconds, text);
  assert.is(serve(['serve', '--cache=1h', '--gzip', 'site']).maxAge, 3600);
  for (const bad of ['', '1x', '-1', '1.5h', 'h', ' 1h', '1H', '0x10', '99999999999', '100000w']) {
    assert.match(error(['serve', `--cache=${bad}`]), /--cache must be/, JSON.stringify(bad));
  }
  assert.match(error(['--cache', '1h']), /missing command/);
});

flags.run();

const statics = suite('cli args: static options and --config');

statics('--listing, --spa, --404, --not-found, --dotfiles, --config set their fields', () => {
  const c = serve(['serve', 'site', '--listing', '--spa', '--404', 'errors/404.html', '--dotfiles', 'deny', '--config', 'my.json']);
  assert.equal(c, {
    kind: 'serve',
    dir: 'site',
    host: '127.0.0.1',
    port: 8080,
    listing: true,
    spa: true,
    notFound: 'errors/404.html',
    dotfiles: 'deny',
    config: 'my.json',
  });
  assert.is(serve(['serve', '--not-found=missing.html']).notFound, 'missing.html');
  for (const d of ['ignore', 'deny', 'allow'] as const) assert.is(serve(['serve', `--dotfiles=${d}`]).dotfiles, d);
});

statics('absent flags leave the fields unset', () => {
  const c = serve(['serve']);
  for (const k of ['listing', 'spa', 'notFound', 'dotfiles', 'config']) assert.not.ok(k in c, k);
});

statics('bad values are single-line errors naming the flag', () => {
  assert.match(error(['serve', '--dotfiles', 'hide']), /--dotfiles must be one of ignore, deny, allow, got "hide"/);
  assert.match(error(['serve', '--dotfiles']), /dotfiles/);
  assert.match(error(['serve', '--404', '']), /--404 must name a file/);
  assert.match(error(['serve', '--404', 'a.html', '--not-found', 'b.html']), /same option/);
  assert.match(error(['serve', '--config', '']), /--config must name a file/);
  assert.match(error(['serve', '--listing=yes']), /listing/);
  assert.match(error(['serve', '--spa=app.html']), /spa/);
  for (const flag of ['--listing', '--spa', '--dotfiles=deny', '--404=x.html', '--config=c.json']) {
    assert.match(error([flag]), /missing command/, flag);
  }
});

statics('the usage text lists the new flags', async () => {
  const { USAGE } = await import('../src/cli/args.js');
  for (const flag of ['--listing', '--spa', '--404', '--not-found', '--dotfiles', '--config']) assert.ok(USAGE.includes(flag), flag);
});

statics.run();

const tlsFlags = suite('cli args: tls');

tlsFlags('--tls-cert, --tls-key, --hsts and --redirect-http', () => {
  const c = serve(['serve', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--hsts', '--redirect-http', '8080']);
  assert.is(c.tlsCert, 'c.pem');
  assert.is(c.tlsKey, 'k.pem');
  assert.is(c.hsts, true);
  assert.is(c.redirectHttp, 8080);
  assert.match(error(['serve', '--tls-cert', 'c.pem']), /go together/);
  assert.match(error(['serve', '--tls-key', 'k.pem']), /go together/);
  assert.match(error(['serve', '--hsts']), /need --tls-cert/);
  assert.match(error(['serve', '--redirect-http', '80']), /need --tls-cert/);
  assert.match(error(['serve', '--tls-cert', 'c', '--tls-key', 'k', '--redirect-http', 'x']), /--redirect-http must be an integer/);
  assert.match(error(['--tls-cert', 'c']), /missing command/);
  assert.is(displayUrl('::1', 443, true), 'https://[::1]:443/');
});

tlsFlags.run();

const obs = suite('cli args: --status and --access-log');

obs('--status and --access-log [--access-log-format]', () => {
  assert.is(serve(['serve', '--status']).status, true);
  assert.not.ok('status' in serve(['serve']));
  assert.is(serve(['serve', '--access-log', 'a.log']).accessLog, 'a.log');
  assert.not.ok('accessLogFormat' in serve(['serve', '--access-log', 'a.log']));
  assert.is(serve(['serve', '--access-log=a.log', '--access-log-format', 'combined']).accessLogFormat, 'combined');
  assert.match(error(['serve', '--access-log-format', 'combined']), /needs --access-log/);
  assert.match(error(['serve', '--access-log', 'a', '--access-log-format', 'json']), /common or combined/);
  assert.match(error(['serve', '--access-log=']), /file name/);
  assert.match(error(['serve', '--access-log']), /argument missing|access-log/);
  assert.match(error(['--status']), /missing command/);
});

obs.run();
