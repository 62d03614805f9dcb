// The filter interface: built-in and user filters implement the same one.
import type { Brigade } from '../brigade/brigade.js';
import type { Request } from '../types.js';

/** Chain position by type, in httpd's order. */
export type FilterType = 'resource' | 'content-set' | 'protocol' | 'transcode' | 'connection' | 'network';

export const FILTER_ORDER: Readonly<Record<FilterType, number>> = {
  resource: 10,
  'content-set': 20,
  protocol: 30,
  transcode: 40,
  connection: 50,
  network: 60,
};

/** What filters may read and change of the response before its head is serialised. */
export interface ResponseHead {
  statusCode: number;
  getHeader(name: string): string | undefined;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  removeHeader(name: string): unknown;
  hasHeader(name: string): boolean;
  /** true once the protocol header filter serialised the head: header changes no longer apply. */
  readonly headersSent: boolean;
}

export interface FilterContext<S = unknown> {
  readonly request: Request;
  readonly response: ResponseHead;
  /** Per-request state of this filter (kept across calls). */
  state: S | undefined;
  /** Hands a brigade to the next filter. Await it when the filter is async. */
  pass(brigade: Brigade): void | Promise<void>;
  /**
   * Runs a GET for another path of the same server on behalf of this request
   * (SSI's include virtual): absent where the response has no server behind it.
   */
  subrequest?(target: string): Promise<SubrequestResult>;
}

/** A subrequest's answer: its head once final, then its body as data brigades (no EOS). */
export interface SubrequestResult {
  readonly status: number;
  getHeader(name: string): string | undefined;
  readonly body: AsyncIterable<Brigade>;
}

export interface Filter<S = unknown> {
  readonly name: string;
  readonly type: FilterType;
  /**
   * Called once per request when the chain is assembled (the first output
   * brigade, when the content type is final). Return false to stay out.
   */
  init?(ctx: FilterContext<S>): boolean | void;
  /**
   * Receives every brigade of the response, in order, FLUSH/EOS/EOR included,
   * and passes zero or more brigades on. Buckets kept across calls must be set
   * aside (`brigade.setaside()`): memory buckets may be views of slab memory
   * that is reused once the response moves on.
   */
  filter(ctx: FilterContext<S>, brigade: Brigade): void | Promise<void>;
}

/** Where a registered filter applies (all given conditions must hold). */
export interface FilterScope {
  /** URL path prefix ("/docs" matches "/docs" and "/docs/..."). */
  path?: string;
  /** Response content types: "text/html" matches "text/html; charset=utf-8"; "text/" matches any text type. */
  contentTypes?: readonly string[];
  /** Request methods (default: all). */
  methods?: readonly string[];
}

export interface FilterRegistration {
  readonly filter: Filter<unknown>;
  readonly scope: FilterScope;
}

/** Does a registration apply to this request and response content type? */
export function applies(reg: FilterRegistration, method: string, path: string, contentType: string | undefined): boolean {
  const s = reg.scope;
  if (s.methods && !s.methods.includes(method)) return false;
  if (s.path) {
    const p = s.path.endsWith('/') ? s.path.slice(0, -1) : s.path;
    if (!(path === p || path.startsWith(`${p}/`) || p === '')) return false;
  }
  if (s.contentTypes) {
    if (!contentType) return false;
    const ct = contentType.toLowerCase();
    const base = ct.split(';', 1)[0]!.trim();
    if (!s.contentTypes.some((t) => (t.endsWith('/') ? base.startsWith(t.toLowerCase()) : base === t.toLowerCase()))) return false;
  }
  return true;
}
