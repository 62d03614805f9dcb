// Where the repository is, and which server script a contender runs (an
// environment override, relative to the current directory, wins).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function scriptPath(relative, overrideEnv) {
  const override = overrideEnv ? process.env[overrideEnv] : null;
  if (override) return path.resolve(process.cwd(), override);
  return path.join(REPO_ROOT, relative);
}
