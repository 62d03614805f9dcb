#!/usr/bin/env node
// `brigade` command: parse flags, serve a directory, reload on SIGHUP/SIGUSR2,
// drain on SIGINT/SIGTERM.

import * as fs from 'node:fs';
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

/** Reads the config file (if any) and merges the command line over it, as at the first start. */
async function loadSettings(argv: readonly string[], explicit: string | undefined): Promise<{ config: ServeConfig; file: LoadedConfig | null }> {
  const file = await loadConfigFileOrThrow(explicit);
  const parsed = parseCliArgs(argv, file?.settings ?? {});
  if (!parsed.ok) throw new Error(parsed.error);
  if (parsed.command.kind !== 'serve') throw new Error('the command line changed');
  return { config: parsed.command, file };
}

async function loadConfigFileOrThrow(explicit: string | undefined): Promise<LoadedConfig | null> {
  const file = explicit ?? findConfigFile(process.cwd());
  return file === null ? null : loadConfigFile(file);
}

async function serve(argv: readonly string[], config: ServeConfig, file: LoadedConfig | null): Promise<void> {
  // Loaded here, not at the top: --help and --version must work even when the
  // native addon cannot be loaded.
  let reloadModule: typeof import('./reload.js');
  let build: typeof import('./build-server.js');
  let httpsRedirect: typeof import('../index.js').httpsRedirect;
  try {
    reloadModule = await import('./reload.js');
    build = await import('./build-server.js');
    ({ httpsRedirect } = await import('../index.js'));
  } catch (err) {
    fail(`cannot load the server (native addon missing or broken?): ${err instanceof Error ? err.message : String(err)}`);
  }
  const log = (line: string): void => console.log(line);
  const secure = config.tlsCert !== undefined;
  let port = config.port; // the bound one once listening; reloads keep the socket, so the port too
  const label = (root: string): string => `serving ${root} at ${displayUrl(config.host, port, secure)}`;
  type Settings = { config: ServeConfig; file: LoadedConfig | null };
  // Every reload (SIGHUP, SIGUSR2) reads the config file and the certificate
  // files again and builds a new server that takes over the listening socket.
  const target = new reloadModule.ReloadingServer<Settings>({
    load: () => loadSettings(argv, config.config),
    build: async (s) => {
      const { server, root } = await build.buildServer(s.config, s.file);
      return { server, label: label(root) };
    },
    log,
  });

  let first: Awaited<ReturnType<typeof build.buildServer>>;
  try {
    first = await build.buildServer(config, file);
  } catch (err) {
    fail(build.cliMessage(err), (err as { usage?: boolean }).usage ? EXIT_USAGE : 1);
  }
  reloadModule.installSignalHandlers(target, log);
  try {
    port = (await target.start(first.server)).port;
  } catch (err) {
    fail(`cannot listen on ${config.host}:${config.port}: ${build.cliMessage(err)}`);
  }
  console.log(`brigade ${label(first.root)}`);
  const statusRoute = first.server.observability?.routes[0];
  if (statusRoute) console.log(`brigade status at ${displayUrl(config.host, port, secure)}${statusRoute.path.slice(1)}`);
  if (config.redirectHttp !== undefined) {
    const redirect = httpsRedirect({ host: config.host, port: config.redirectHttp, httpsPort: port });
    try {
      await redirect.listen();
    } catch (err) {
      fail(`cannot listen on ${config.host}:${config.redirectHttp}: ${build.cliMessage(err)}`);
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
      await serve(argv, command, file);
      return;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err));
});
