// The Date header line, formatted at most once per second (like nginx/uWS).
let cachedSecond = -1;
let cachedLine = '';

export function dateLine(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (sec !== cachedSecond) {
    cachedSecond = sec;
    cachedLine = `date: ${new Date(sec * 1000).toUTCString()}\r\n`;
  }
  return cachedLine;
}
