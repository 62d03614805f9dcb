// Progress while the bench runs: every log line gets a "[ 34% 5:12 ETA 10:18]"
// prefix, and on a terminal a live status line (what runs now) is redrawn
// every second below the log. The ETA scales the planned seconds still to go
// by how fast the planned work has gone so far.

function clock(s) {
  if (!Number.isFinite(s) || s < 0) s = 0;
  s = Math.round(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export class Progress {
  constructor(totalS, { stream = process.stdout } = {}) {
    this.totalS = Math.max(totalS, 1);
    this.doneS = 0;
    this.stream = stream;
    this.tty = Boolean(stream.isTTY);
    this.t0 = Date.now();
    this.current = '';
    this.timer = null;
  }

  start() {
    this.t0 = Date.now();
    if (this.tty) {
      this.timer = setInterval(() => this.#draw(), 1000);
      this.timer.unref();
    }
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.#clear();
  }

  /** Marks `plannedS` seconds of the plan as done. */
  advance(plannedS) {
    this.doneS = Math.min(this.totalS, this.doneS + plannedS);
  }

  /** What runs now (shown in the live line on a terminal). */
  status(text) {
    this.current = text;
    this.#draw();
  }

  elapsedS() {
    return (Date.now() - this.t0) / 1000;
  }

  etaS() {
    const elapsed = this.elapsedS();
    const left = this.totalS - this.doneS;
    if (this.doneS < 1) return left;
    return left * Math.max(0.5, Math.min(3, elapsed / this.doneS));
  }

  prefix() {
    const pct = String(Math.floor((100 * this.doneS) / this.totalS)).padStart(3);
    return `[${pct}% ${clock(this.elapsedS())} ETA ${clock(this.etaS())}]`;
  }

  log(line) {
    this.#clear();
    this.stream.write(`${this.prefix()} ${line}\n`);
    this.#draw();
  }

  #clear() {
    if (this.tty) this.stream.write('\r\x1b[2K');
  }

  #draw() {
    if (!this.tty || !this.timer) return;
    const width = Math.max(10, (this.stream.columns || 100) - 60);
    const filled = Math.round((width * this.doneS) / this.totalS);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    this.stream.write(`\r\x1b[2K${this.prefix()} [${bar}] ${this.current}`.slice(0, (this.stream.columns || 120) + 12));
  }
}
