// The sanitizer suite (npm run test:asan) runs these tests with the ASan
// runtime preloaded (LD_PRELOAD) so that Node can load the instrumented addon.
// Children inherit that environment.

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
