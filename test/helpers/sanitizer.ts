// The sanitizer suite (npm run test:asan) runs these tests with the ASan
// runtime preloaded (LD_PRELOAD) so that Node can load the instrumented addon.
// Children inherit that environment.
import { execFile } from 'node:child_process';

/**
 * Whether the server under test runs with the ASan runtime: its allocator
 * keeps freed memory in quarantine and adds redzones and shadow memory, so
 * RSS says nothing about brigade's own bounds there. Heap (V8) figures and
 * the bytes still are checked.
 */
export const underSanitizer = (process.env['LD_PRELOAD'] ?? '').includes('asan');

/**
 * The environment for outside tools (curl, openssl): without the preload,
 * which they were not built for (curl deadlocks in it), and with nothing
 * else changed.
 */
export function toolEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (underSanitizer) {
    delete env['LD_PRELOAD'];
    delete env['ASAN_OPTIONS'];
    delete env['UBSAN_OPTIONS'];
  }
  return env;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an outside tool (toolEnv) to completion; a non-zero or signalled exit is code ≠ 0, never a throw. */
export function runTool(cmd: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: options.timeoutMs ?? 30_000, maxBuffer: 1 << 20, encoding: 'utf8', env: toolEnv() }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
