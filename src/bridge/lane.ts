// The JS half of a lane: drains the request ring (native -> JS), writes
// response bucket descriptors into the response ring (JS -> native) and keeps
// the cursor into the current slab, where response bytes are written straight
// into native memory. One lane per native I/O thread.
import type { NativeServerHandle } from '../native.js';
import { fast, type FastBuffer } from './fast-buffer.js';
import * as L from './layout.js';

// Write backpressure (Lane.backpressure): look every 4 MiB of new slab
// memory; wait above 32 MiB unsent, until below 8 MiB (or 24 MiB less), for
// at most ~1,000 polls of 1 ms.
const BACKPRESSURE_CHECK = 4 << 20;
const BACKPRESSURE_HIGH = 32 << 20;
const BACKPRESSURE_LOW = 8 << 20;
const BACKPRESSURE_MAX_POLLS = 1000;
/** res.drained(): waits above this much unsent slab memory (all lanes), until below DRAIN_LOW. */
const DRAIN_HIGH = 32 << 20;
const DRAIN_LOW = 16 << 20;

export interface LaneSink {
  /** Called for every message in the request ring, in order, during drain(). */
  onMessage(lane: Lane, type: number, pos: number): void;
}

const MIN_SLAB = 16 * 1024;
const MAX_SLAB = 4 * 1024 * 1024;

export class Lane {
  readonly index: number;
  readonly control: Int32Array;
  readonly reqU8: Uint8Array;
  readonly reqU32: Uint32Array;
  readonly reqF64: Float64Array;
  readonly reqBuf: FastBuffer;
  private readonly reqMask: number;
  private reqTail = 0;

  private readonly respU8: Uint8Array;
  private readonly respU32: Uint32Array;
  private readonly respF64: Float64Array;
  private readonly respCap: number;
  private readonly respMask: number;
  private respHead = 0;
  private readonly overflow: Uint8Array[] = [];
  private overflowTimer: NodeJS.Immediate | null = null;

  // Current slab (where response bytes go).
  private slabId = 0;
  private slabBuf: FastBuffer | null = null;
  private slabOff = 0;
  private slabCap = 0;
  private readonly slabCache: (FastBuffer | undefined)[] = [];
  private readonly retirePending: number[] = [];
  // Slab memory that may still be referenced without a copy: the current slab
  // and those whose RETIRE has not been sent yet.
  private readonly liveSlabs = new Map<ArrayBufferLike, number>();
  // Slabs with staged bytes that a filter chain has not finished with: their
  // retirement waits (the memory must not be reused under a filter's feet).
  private readonly pins = new Map<number, number>();
  private readonly retireDeferred = new Set<number>();

  // Bucket descriptors of the response being assembled.
  private nb = 0;
  private kinds = new Uint8Array(16);
  private flags = new Uint8Array(16);
  private as = new Uint32Array(16);
  private xs = new Float64Array(16);
  private ys = new Float64Array(16);

  // Write backpressure (see backpressure()): new slab bytes since the last look.
  private slabBytesSinceCheck = 0;

  private inDrain = false;
  private wakePending = false;
  private native: NativeServerHandle;
  private sink: LaneSink;

  constructor(index: number, native: NativeServerHandle, sink: LaneSink, reqBytes: number, respBytes: number, maxSlabs: number) {
    this.index = index;
    this.native = native;
    this.sink = sink;
    this.control = new Int32Array(new SharedArrayBuffer(L.CONTROL_WORDS * 4));
    const reqSab = new SharedArrayBuffer(reqBytes);
    this.reqU8 = new Uint8Array(reqSab);
    this.reqU32 = new Uint32Array(reqSab);
    this.reqF64 = new Float64Array(reqSab);
    this.reqBuf = fast(Buffer.from(reqSab));
    this.reqMask = reqBytes - 1;
    const respSab = new SharedArrayBuffer(respBytes);
    this.respU8 = new Uint8Array(respSab);
    this.respU32 = new Uint32Array(respSab);
    this.respF64 = new Float64Array(respSab);
    this.respCap = respBytes;
    this.respMask = respBytes - 1;
    native.attachLane(index, this.control, this.reqU8, this.respU8, () => this.drain(), maxSlabs);
  }

  // ---- request ring ----

  /** Runs every pending request-ring message through the sink. */
  drain(): void {
    if (this.inDrain) return;
    this.inDrain = true;
    const c = this.control;
    try {
      for (;;) {
        let tail = this.reqTail;
        const head = Atomics.load(c, L.REQ_HEAD) >>> 0;
        while (tail !== head) {
          const pos = tail & this.reqMask;
          const len = this.reqU32[pos >> 2]!;
          const type = this.reqU8[pos + 4]!;
          if (type !== L.MSG_PAD) this.sink.onMessage(this, type, pos);
          tail = (tail + len) >>> 0;
        }
        this.reqTail = tail;
        Atomics.store(c, L.REQ_TAIL, tail | 0);
        Atomics.store(c, L.JS_SCHEDULED, 0);
        if ((Atomics.load(c, L.REQ_HEAD) >>> 0) === tail) break;
        Atomics.store(c, L.JS_SCHEDULED, 1);
      }
      if (Atomics.load(c, L.REQ_BLOCKED) !== 0) this.native.wake(this.index);
    } finally {
      this.inDrain = false;
    }
    this.flush();
  }

  /** Length of the message at pos (for copying a request out of the ring). */
  messageLength(pos: number): number {
    return this.reqU32[pos >> 2]!;
  }

  // ---- response bytes (slab memory) ----

  private newSlab(minBytes: number): void {
    if (this.slabId !== 0) this.retirePending.push(this.slabId);
    const want = Math.min(MAX_SLAB, Math.max(MIN_SLAB, minBytes));
    const id = this.native.allocSlab(this.index, want);
    if (id === 0) throw new Error('brigade: out of slab memory');
    let buf = this.slabCache[id];
    if (!buf) {
      const ab = this.native.slabBuffer(this.index, id);
      if (!ab) throw new Error('brigade: slab buffer unavailable');
      buf = fast(Buffer.from(ab));
      this.slabCache[id] = buf;
    }
    this.slabBytesSinceCheck += buf.length;
    this.slabId = id;
    this.slabBuf = buf;
    this.liveSlabs.set(buf.buffer, id);
    this.slabOff = 0;
    this.slabCap = buf.length;
  }

  /** Queues slab bytes [off, off+len) of slab id, merged with the previous bucket when contiguous. */
  private addHeap(off: number, len: number, id = this.slabId): void {
    if (len === 0) return;
    const n = this.nb;
    if (n > 0 && this.kinds[n - 1] === L.KIND_HEAP && this.as[n - 1] === id && this.xs[n - 1]! + this.ys[n - 1]! === off) {
      this.ys[n - 1] = this.ys[n - 1]! + len;
      return;
    }
    this.push(L.KIND_HEAP, 0, id, off, len);
  }

  /**
   * Copies the next piece of bytes (from done) into the current slab, taking
   * a new one when too little room is left; returns the piece's length. The
   * piece ends at this.slabOff.
   */
  private copyPiece(bytes: Uint8Array, done: number): number {
    let room = this.slabCap - this.slabOff;
    const left = bytes.length - done;
    if (room < Math.min(left, MIN_SLAB)) {
      this.newSlab(Math.min(left, MAX_SLAB));
      room = this.slabCap - this.slabOff;
    }
    const take = Math.min(room, left);
    this.slabBuf!.set(bytes.subarray(done, done + take), this.slabOff);
    this.slabOff += take;
    return take;
  }

  /** Writes a latin1 string (response heads: validated to be byte-safe) into slab memory. */
  writeLatin1(s: string): void {
    const len = s.length;
    if (this.slabCap - this.slabOff < len) this.newSlab(len);
    const off = this.slabOff;
    this.slabBuf!.latin1Write(s, off, len);
    this.slabOff = off + len;
    this.addHeap(off, len);
  }

  /** Writes a string as UTF-8 into slab memory; returns the byte length. */
  writeUtf8(s: string): number {
    let room = this.slabCap - this.slabOff;
    if (room < s.length * 3) {
      const exact = Buffer.byteLength(s, 'utf8');
      if (exact > MAX_SLAB) {
        this.writeBytes(Buffer.from(s, 'utf8'));
        return exact;
      }
      if (room < exact) this.newSlab(exact);
      room = this.slabCap - this.slabOff;
    }
    const off = this.slabOff;
    const n = this.slabBuf!.utf8Write(s, off, room);
    this.slabOff = off + n;
    this.addHeap(off, n);
    return n;
  }

  /** Copies bytes into slab memory (split across slabs when large). */
  writeBytes(b: Uint8Array): void {
    for (let done = 0; done < b.length; ) {
      const take = this.copyPiece(b, done);
      this.addHeap(this.slabOff - take, take);
      done += take;
    }
  }

  /**
   * Writes bytes into slab memory and returns views of where they went, without
   * queueing descriptors (filters receive these views as HEAP buckets).
   */
  stage(data: string | Uint8Array): Uint8Array[] {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const views: Uint8Array[] = [];
    for (let done = 0; done < bytes.length; ) {
      const take = this.copyPiece(bytes, done);
      views.push(this.slabBuf!.subarray(this.slabOff - take, this.slabOff));
      done += take;
    }
    return views;
  }

  /** Queues a memory view: referenced in place when it lies in live slab memory, else copied. */
  pushView(v: Uint8Array): void {
    const id = this.liveSlabs.get(v.buffer);
    if (id === undefined) {
      this.writeBytes(v);
      return;
    }
    this.addHeap(v.byteOffset, v.length, id);
  }

  pushFile(fd: number, offset: number, length: number, ownFd: boolean): void {
    this.push(L.KIND_FILE, ownFd ? L.BUCKET_OWN_FD : 0, fd, offset, length);
  }

  pushMeta(kind: number, a = 0, flags = 0): void {
    this.push(kind, flags, a, 0, 0);
  }

  private push(kind: number, flags: number, a: number, x: number, y: number): void {
    const n = this.nb;
    if (n === this.kinds.length) this.grow();
    this.kinds[n] = kind;
    this.flags[n] = flags;
    this.as[n] = a;
    this.xs[n] = x;
    this.ys[n] = y;
    this.nb = n + 1;
  }

  private grow(): void {
    const cap = this.kinds.length * 2;
    const k = new Uint8Array(cap); k.set(this.kinds); this.kinds = k;
    const f = new Uint8Array(cap); f.set(this.flags); this.flags = f;
    const a = new Uint32Array(cap); a.set(this.as); this.as = a;
    const x = new Float64Array(cap); x.set(this.xs); this.xs = x;
    const y = new Float64Array(cap); y.set(this.ys); this.ys = y;
  }

  /**
   * Write backpressure for producers that can wait (filters that await
   * ctx.pass(), which the network filter ends in): after every
   * BACKPRESSURE_CHECK bytes of new slab memory, looks at how much slab memory
   * the native writers have not released yet. At or above the high-water mark
   * it returns a promise that resolves once that has fallen (below the
   * low-water mark, or by the difference of the two marks) or after a bounded
   * wait; otherwise null. A fast producer on the event MPM (whose I/O thread
   * writes while JS goes on producing) thus stays within tens of MiB instead
   * of buffering the whole body. res.write() does not wait: a handler that
   * writes a huge body in one go buffers it, as node:http does.
   */
  backpressure(): Promise<void> | null {
    if (this.slabBytesSinceCheck < BACKPRESSURE_CHECK) return null;
    this.slabBytesSinceCheck = 0;
    const start = this.slabBytesInUse();
    if (start < BACKPRESSURE_HIGH) return null;
    return new Promise((resolve) => {
      let polls = 0;
      const tick = (): void => {
        const now = this.slabBytesInUse();
        const fell = now < BACKPRESSURE_LOW || now <= start - (BACKPRESSURE_HIGH - BACKPRESSURE_LOW);
        if (fell || ++polls >= BACKPRESSURE_MAX_POLLS) resolve();
        else setTimeout(tick, 1);
      };
      setTimeout(tick, 1);
    });
  }

  /**
   * For handlers that write a large body (res.drained()): null while the slab
   * memory the native writers hold unsent is below DRAIN_HIGH; else a promise
   * that resolves once it has fallen below DRAIN_LOW or gone() says the
   * response no longer matters (client gone). Unlike backpressure() it has no
   * time bound: a client that stops reading is ended by the send timeout.
   */
  drained(gone: () => boolean): Promise<void> | null {
    if (this.slabBytesInUse() < DRAIN_HIGH) return null;
    return new Promise((resolve) => {
      let wait = 1;
      const tick = (): void => {
        if (gone() || this.slabBytesInUse() < DRAIN_LOW) resolve();
        else setTimeout(tick, (wait = Math.min(wait * 2, 50)));
      };
      setTimeout(tick, wait);
    });
  }

  private slabBytesInUse(): number {
    try {
      return this.native.stats().slabs.bytesInUse;
    } catch {
      return 0; // stopped: nothing to wait for
    }
  }

  /** Drops the buckets assembled so far (an error before emit). */
  discard(): void {
    this.nb = 0;
  }

  /** Sends the assembled buckets as one response message for (conn, seq). */
  emit(conn: number, seq: number): void {
    let i = 0;
    while (i < this.nb || i === 0) {
      // Very long brigades go out as several messages (order is kept by the ring).
      const count = Math.min(this.nb - i, 2048);
      const len = L.RESPONSE_FIXED + L.BUCKET_DESC * count;
      const p = this.reserve(len);
      const u8 = p < 0 ? new Uint8Array(len) : this.respU8;
      const u32 = p < 0 ? new Uint32Array(u8.buffer) : this.respU32;
      const f64 = p < 0 ? new Float64Array(u8.buffer) : this.respF64;
      const base = p < 0 ? 0 : p;
      u32[base >> 2] = len;
      u8[base + 4] = L.MSG_RESPONSE;
      u8[base + 5] = 0;
      u8[base + 6] = count & 0xff;
      u8[base + 7] = count >> 8;
      u32[(base + 8) >> 2] = conn;
      u32[(base + 12) >> 2] = seq;
      for (let j = 0; j < count; ++j) {
        const q = base + L.RESPONSE_FIXED + j * L.BUCKET_DESC;
        u8[q] = this.kinds[i + j]!;
        u8[q + 1] = this.flags[i + j]!;
        u32[(q + 4) >> 2] = this.as[i + j]!;
        f64[(q + 8) >> 3] = this.xs[i + j]!;
        f64[(q + 16) >> 3] = this.ys[i + j]!;
      }
      if (p < 0) this.overflow.push(u8);
      i += count;
      if (count === 0) break;
    }
    this.nb = 0;
    // Retire slabs only after every descriptor that points into them was queued.
    while (this.retirePending.length > 0) {
      const id = this.retirePending.pop()!;
      if ((this.pins.get(id) ?? 0) > 0) {
        this.retireDeferred.add(id);
        continue;
      }
      this.retireNow(id);
    }
    this.publish();
  }

  private retireNow(id: number): void {
    const b = this.slabCache[id];
    if (b) this.liveSlabs.delete(b.buffer);
    this.queueRetire(id);
  }

  /** Keeps slab `id` from being retired until unpin(id). */
  pin(id: number): void {
    this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
  }

  unpin(id: number): void {
    const n = (this.pins.get(id) ?? 0) - 1;
    if (n > 0) {
      this.pins.set(id, n);
      return;
    }
    this.pins.delete(id);
    if (this.retireDeferred.delete(id)) {
      this.retireNow(id);
      this.publish();
    }
  }

  /** Id of the slab that holds view v (undefined when v is not slab memory). */
  slabOf(v: Uint8Array): number | undefined {
    return this.liveSlabs.get(v.buffer);
  }

  private queueRetire(id: number): void {
    const p = this.reserve(16);
    const u8 = p < 0 ? new Uint8Array(16) : this.respU8;
    const u32 = p < 0 ? new Uint32Array(u8.buffer) : this.respU32;
    const base = p < 0 ? 0 : p;
    u32[base >> 2] = 16;
    u8[base + 4] = L.MSG_RETIRE_SLAB;
    u32[(base + 8) >> 2] = id;
    if (p < 0) this.overflow.push(u8);
  }

  // Reserves len bytes in the response ring, or -1 (full, or older messages wait in overflow).
  private reserve(len: number): number {
    return this.overflow.length > 0 ? -1 : this.reserveRaw(len);
  }

  private reserveRaw(len: number): number {
    let head = this.respHead;
    const tail = Atomics.load(this.control, L.RESP_TAIL) >>> 0;
    let pos = head & this.respMask;
    const toEnd = this.respCap - pos;
    const need = toEnd < len ? toEnd + len : len;
    if (this.respCap - ((head - tail) >>> 0) < need) return -1;
    if (toEnd < len) {
      this.respU32[pos >> 2] = toEnd;
      this.respU8[pos + 4] = L.MSG_PAD;
      head = (head + toEnd) >>> 0;
      pos = 0;
    }
    this.respHead = (head + len) >>> 0;
    return pos;
  }

  private publish(): void {
    Atomics.store(this.control, L.RESP_HEAD, this.respHead | 0);
    if (this.overflow.length > 0) this.scheduleOverflow();
    if (!this.inDrain && !this.wakePending) {
      this.wakePending = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Wakes the I/O thread if it sleeps and responses are waiting (one check per batch). */
  flush(): void {
    this.wakePending = false;
    if (Atomics.load(this.control, L.IO_SLEEPING) !== 0) this.native.wake(this.index);
  }

  private scheduleOverflow(): void {
    if (this.overflowTimer) return;
    this.overflowTimer = setImmediate(() => {
      this.overflowTimer = null;
      while (this.overflow.length > 0) {
        const m = this.overflow[0]!;
        const p = this.reserveRaw(m.length);
        if (p < 0) break;
        this.respU8.set(m, p);
        this.overflow.shift();
      }
      Atomics.store(this.control, L.RESP_HEAD, this.respHead | 0);
      this.native.wake(this.index);
      if (this.overflow.length > 0) this.scheduleOverflow();
    });
  }

  /** Retires the current slab (server shutdown). */
  retireCurrent(): void {
    while (this.retirePending.length > 0) this.queueRetire(this.retirePending.pop()!);
    for (const id of this.retireDeferred) this.queueRetire(id);
    this.retireDeferred.clear();
    this.pins.clear();
    this.liveSlabs.clear();
    if (this.slabId !== 0) {
      this.queueRetire(this.slabId);
      this.slabId = 0;
      this.slabBuf = null;
      this.slabOff = this.slabCap = 0;
      Atomics.store(this.control, L.RESP_HEAD, this.respHead | 0);
    }
  }
}
