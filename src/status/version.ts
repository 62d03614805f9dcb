// The package version, read once from package.json (src/ and dist/ both sit
// one level below the package root, and this file one level deeper).
import * as fs from 'node:fs';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    try {
      const pkg: unknown = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      const v = (pkg as { version?: unknown }).version;
      cached = typeof v === 'string' ? v : 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
