#!/usr/bin/env node
// `brigade` command: parse flags, serve a directory, drain on SIGINT/SIGTERM.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { displayUrl, parseCliArgs, USAGE, type ServeConfig } from './args.js';
import { ConfigError, findConfigFile, loadConfigFile, type LoadedConfig } from './config-file.js';

// Exit status for a bad command line (like most Unix tools), as opposed to 1
// for a run that failed.
const EXIT_USAGE = 2;

function fail(message: string, status = 1): never {
  process.stderr.write(`brigade: ${message}\n`);
  process.exit(status);
}

function readVersion(): string {
  // dist/cli/main.js (and src/cli/main.ts under tsx) → the package root.
  const pkgUrl = new URL('../../package.json', import.meta.url);
  const pkg: unknown = JSON.parse(fs.readFileSync(pkgUrl, 'utf8'));
  const version = (pkg as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

function usageError(message: string): never {
  process.stderr.write(`brigade: ${message}\n\n${USAGE}`);
  process.exit(EXIT_USAGE);
}

// The config file named by --config, else brigade.config.* in the current
// directory, else none. Its problems are usage errors (exit 2).
async function readConfigFile(explicit: string | undefined): Promise<LoadedConfig | null> {
  try {
    const file = explicit ?? findConfigFile(process.cwd());
    return file === null ? null : await loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, EXIT_USAGE);
    throw err;
  }
}

async function serve(config: ServeConfig, file: LoadedConfig | null): Promise<void> {
  const dir = path.resolve(config.dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    fail(`directory not found: ${config.dir}`);
  }
  if (!stat.isDirectory()) fail(`not a directory: ${config.dir}`);

  // Loaded here, not at the top: --help and --version must work even when the
  // native addon cannot be loaded.
  let createServer: typeof import('../index.js').createServer;
  try {
    ({ createServer } = await import('../index.js'));
  } catch (err) {
    fail(`cannot load the server (native addon missing or broken?): ${err instanceof Error ? err.message : String(err)}`);
  }
  // Server errors carry their own 'brigade: ' prefix; fail() adds one.
  const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/^brigade: /, '');
  // Option values the server refuses (from flags or the config file) are usage errors.
  let server: ReturnType<typeof createServer>;
  try {
    server = createServer({
      ...file?.server,
      host: config.host,
      port: config.port,
      ...(config.ioThreads === undefined ? {} : { ioThreads: config.ioThreads }),
      ...(config.mpm === undefined ? {} : { mpm: config.mpm }),
      ...(config.threads === undefined ? {} : { threads: config.threads }),
      ...(config.tlsCert === undefined || config.tlsKey === undefined
        ? {}
        : { tls: { ...file?.server?.tls, cert: config.tlsCert, key: config.tlsKey, ...(config.hsts ? { hsts: true } : {}) } }),
      // --status keeps status options the config file gave.
      ...(config.status && !file?.server?.status ? { status: true } : {}),
      ...(config.accessLog === undefined ? {} : { accessLog: { path: config.accessLog, format: config.accessLogFormat ?? 'common' } }),
    });
  } catch (err) {
    fail(message(err), EXIT_USAGE);
  }
  if (file?.setup) {
    // Before the static mount, so the setup's routes and filters come first.
    try {
      await file.setup(server);
    } catch (err) {
      fail(`${file.file}: setup failed: ${message(err)}`);
    }
  }
  const fileStatic = file?.static ?? {};
  try {
    server.static('/', dir, {
      ...fileStatic,
      // --gzip keeps compress() options the config file gave under "static".
      ...(config.gzip ? { compress: typeof fileStatic.compress === 'object' ? fileStatic.compress : true } : {}),
      ...(config.maxAge === undefined ? {} : { maxAge: config.maxAge }),
      ...(config.listing === undefined ? {} : { listing: config.listing }),
      ...(config.spa === undefined ? {} : { spa: config.spa }),
      ...(config.notFound === undefined ? {} : { notFound: config.notFound }),
      ...(config.dotfiles === undefined ? {} : { dotfiles: config.dotfiles }),
    });
  } catch (err) {
    fail(message(err), EXIT_USAGE);
  }

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`brigade: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    console.log('brigade: shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => fail(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    await server.listen();
  } catch (err) {
    fail(`cannot listen on ${config.host}:${config.port}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const secure = config.tlsCert !== undefined;
  console.log(`brigade serving ${dir} at ${displayUrl(config.host, server.address.port, secure)}`);
  if (server.observability?.routes[0]) console.log(`brigade status at ${displayUrl(config.host, server.address.port, secure)}${server.observability.routes[0].path.slice(1)}`);
  if (config.redirectHttp !== undefined) {
    const { httpsRedirect } = await import('../index.js');
    const redirect = httpsRedirect({ host: config.host, port: config.redirectHttp, httpsPort: server.address.port });
    try {
      await redirect.listen();
    } catch (err) {
      fail(`cannot listen on ${config.host}:${config.redirectHttp}: ${message(err)}`);
    }
    console.log(`brigade redirecting ${displayUrl(config.host, redirect.address.port)} to https`);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) usageError(parsed.error);
  let { command } = parsed;
  let file: LoadedConfig | null = null;
  if (command.kind === 'serve') {
    file = await readConfigFile(command.config);
    if (file !== null) {
      // Again, with the file's settings as the defaults the flags override.
      const merged = parseCliArgs(argv, file.settings);
      if (!merged.ok) usageError(merged.error);
      command = merged.command;
    }
  }
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      console.log(readVersion());
      return;
    case 'serve':
      await serve(command, file);
      return;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err));
});
