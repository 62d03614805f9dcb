// A strict parser of the Prometheus text exposition format 0.0.4, for tests:
// it throws on anything a scraper could reject or misread — bad names, bad
// escapes, a TYPE after its samples, a family split in two, duplicate series,
// histograms without +Inf, non-cumulative buckets or a _count that differs
// from the +Inf bucket, a missing final newline.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string | undefined;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function fail(line: number, msg: string): never {
  throw new Error(`prometheus text, line ${line}: ${msg}`);
}

function parseValue(t: string, line: number): number {
  if (t === 'NaN') return NaN;
  if (t === '+Inf' || t === 'Inf') return Infinity;
  if (t === '-Inf') return -Infinity;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) fail(line, `bad value ${JSON.stringify(t)}`);
  return Number(t);
}

/** The family a sample belongs to: histogram/summary suffixes map to their base name. */
function familyOf(name: string, families: Map<string, Family>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const f = families.get(base);
      if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return base;
    }
  }
  return name;
}

function parseSample(text: string, line: number): Sample {
  let i = 0;
  while (i < text.length && /[a-zA-Z0-9_:]/.test(text[i]!)) ++i;
  const name = text.slice(0, i);
  if (!METRIC_NAME.test(name)) fail(line, `bad metric name in ${JSON.stringify(text)}`);
  const labels: Record<string, string> = {};
  if (text[i] === '{') {
    ++i;
    for (;;) {
      if (text[i] === '}') {
        ++i;
        break;
      }
      let j = i;
      while (j < text.length && text[j] !== '=') ++j;
      const lname = text.slice(i, j);
      if (!LABEL_NAME.test(lname)) fail(line, `bad label name ${JSON.stringify(lname)}`);
      if (lname in labels) fail(line, `label ${lname} repeated`);
      if (text[j + 1] !== '"') fail(line, 'label value must be quoted');
      i = j + 2;
      let v = '';
      for (;;) {
        const c = text[i];
        if (c === undefined) fail(line, 'unterminated label value');
        if (c === '"') break;
        if (c === '\n') fail(line, 'raw newline in label value');
        if (c === '\\') {
          const e = text[i + 1];
          if (e === '\\') v += '\\';
          else if (e === '"') v += '"';
          else if (e === 'n') v += '\n';
          else fail(line, `bad escape \\${String(e)}`);
          i += 2;
          continue;
        }
        v += c;
        ++i;
      }
      labels[lname] = v;
      ++i; // closing quote
      if (text[i] === ',') ++i;
      else if (text[i] !== '}') fail(line, `expected , or } after label ${lname}`);
    }
  }
  if (text[i] !== ' ') fail(line, 'expected a space before the value');
  const rest = text.slice(i + 1).split(' ');
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') fail(line, `bad value part ${JSON.stringify(text.slice(i + 1))}`);
  const value = parseValue(rest[0]!, line);
  if (rest.length === 2 && !/^-?\d+$/.test(rest[1]!)) fail(line, 'bad timestamp');
  return { name, labels, value };
}

function seriesKey(s: Sample): string {
  return `${s.name}{${Object.keys(s.labels).sort().map((k) => `${k}=${JSON.stringify(s.labels[k])}`).join(',')}}`;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { buckets: [] }));
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: bucket without le`);
      g.buckets.push([parseValue(le, 0), s.value]);
    } else if (s.name === `${f.name}_count`) g.count = s.value;
    else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else throw new Error(`${f.name}: unexpected sample ${s.name} in a histogram`);
  }
  for (const [key, g] of groups) {
    if (g.count === undefined || g.sum === undefined) throw new Error(`${f.name} ${key}: _count and _sum are required`);
    for (let i = 1; i < g.buckets.length; ++i) {
      if (!(g.buckets[i]![0] > g.buckets[i - 1]![0])) throw new Error(`${f.name} ${key}: le bounds must increase`);
      if (g.buckets[i]![1] < g.buckets[i - 1]![1]) throw new Error(`${f.name} ${key}: buckets must be cumulative`);
    }
    const last = g.buckets[g.buckets.length - 1];
    if (!last || last[0] !== Infinity) throw new Error(`${f.name} ${key}: the +Inf bucket is required`);
    if (last[1] !== g.count) throw new Error(`${f.name} ${key}: +Inf bucket ${last[1]} != _count ${g.count}`);
  }
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('prometheus text must end with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>(); // families whose lines ended (a later line would split them)
  const seen = new Set<string>();
  const typed = new Set<string>();
  let current: string | null = null;
  const enter = (name: string, line: number): Family => {
    if (current !== name) {
      if (closed.has(name)) fail(line, `lines of ${name} are not contiguous`);
      if (current !== null) closed.add(current);
      current = name;
    }
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: undefined, samples: [] }));
    return f;
  };
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // other comments are allowed
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) fail(line, `bad metric name ${name}`);
      const f = enter(name, line);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) fail(line, `unknown type ${rest}`);
        if (f.samples.length > 0) fail(line, `TYPE of ${name} after its samples`);
        if (typed.has(name)) fail(line, `second TYPE for ${name}`);
        typed.add(name);
        f.type = rest as MetricType;
      } else {
        if (f.help !== undefined) fail(line, `second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) fail(line, 'bad escape in HELP');
        f.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      }
      return;
    }
    const s = parseSample(raw, line);
    const f = enter(familyOf(s.name, families), line);
    const key = seriesKey(s);
    if (seen.has(key)) fail(line, `duplicate series ${key}`);
    seen.add(key);
    if (f.type === 'counter' && !(s.value >= 0)) fail(line, `counter ${s.name} must be >= 0`);
    f.samples.push(s);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** The value of one series, or undefined. labels must match exactly. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = seriesKey({ name, labels, value: 0 });
  for (const f of families.values()) for (const s of f.samples) if (seriesKey(s) === want) return s.value;
  return undefined;
}
