// Classification: the first class whose match rules all hold, else the default
// class (the last). Runs on the main thread when the request is dispatched,
// before any queue or worker is involved; only the fields a rule names are read.
import type { ResolvedClass } from './resolve.js';

/** What classification reads from a request (a subset of brigade's Request). */
export interface ClassifiableRequest {
  readonly method: string;
  readonly path: string;
  header(name: string): string | undefined;
}

type Rule = (req: ClassifiableRequest) => boolean;

function compileRules(c: ResolvedClass): Rule[] {
  const rules: Rule[] = [];
  const m = c.match;
  if (m.method !== undefined) {
    const methods = new Set((typeof m.method === 'string' ? [m.method] : m.method).map((x) => x.toUpperCase()));
    rules.push((req) => methods.has(req.method));
  }
  if (m.pathPrefix !== undefined) {
    const prefix = m.pathPrefix;
    rules.push((req) => req.path.startsWith(prefix));
  }
  if (m.host !== undefined) {
    const host = m.host.toLowerCase();
    rules.push((req) => hostWithoutPort(req.header('host')) === host);
  }
  if (m.header !== undefined) {
    const { name, value, regex } = m.header;
    if (regex !== undefined) {
      // A global/sticky regex keeps lastIndex between calls: test a copy without those flags.
      const re = new RegExp(regex.source, regex.flags.replace(/[gy]/g, ''));
      rules.push((req) => {
        const v = req.header(name);
        return v !== undefined && re.test(v);
      });
    } else rules.push((req) => req.header(name) === value);
  }
  return rules;
}

function hostWithoutPort(h: string | undefined): string | undefined {
  if (h === undefined) return undefined;
  const lower = h.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1); // IPv6 literal
  const colon = lower.lastIndexOf(':');
  return colon < 0 ? lower : lower.slice(0, colon);
}

export class Classifier {
  private readonly rules: Rule[][];
  private readonly defaultIndex: number;

  constructor(classes: readonly ResolvedClass[]) {
    // The default class (last) takes what nothing else matched.
    this.rules = classes.slice(0, -1).map(compileRules);
    this.defaultIndex = classes.length - 1;
  }

  /** Index of the request's class. */
  classify(req: ClassifiableRequest): number {
    const all = this.rules;
    outer: for (let i = 0; i < all.length; ++i) {
      const rules = all[i]!;
      for (let j = 0; j < rules.length; ++j) if (!rules[j]!(req)) continue outer;
      return i;
    }
    return this.defaultIndex;
  }
}
