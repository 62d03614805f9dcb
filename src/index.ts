// brigade's public surface.
export { createServer, Server } from './server.js';
export type { ServerStats, ServerAddress, CloseOptions, ListenOptions } from './server.js';
export type { ServerOptions, LimitOptions, TimeoutOptions } from './config.js';
export type { Handler, Request, Response, RequestPool, SendFileOptions, HeaderValue } from './types.js';
export type { StaticOptions } from './static/static-handler.js';
export { BodyTooLargeError, RequestAbortedError } from './request.js';
export { Brigade } from './brigade/brigade.js';
export { Bucket, HeapBucket, FileBucket, ImmortalBucket, FlushBucket, EosBucket, EorBucket } from './brigade/bucket.js';
export type { BucketKind } from './brigade/bucket.js';
export type { Filter, FilterContext, FilterType, FilterScope, ResponseHead } from './filters/filter.js';
export { compress } from './filters/compress.js';
export type { CompressOptions, Coding } from './filters/compress.js';
export { FetchRequest } from './fetch/request.js';
export { FileResponse, fileResponse } from './fetch/response.js';
export type { FileResponseInit } from './fetch/response.js';
export type { FetchHandler, FetchInfo, FetchServerOptions } from './fetch/types.js';
export { byterange, planRanges } from './filters/byterange.js';
export type { ByterangeOptions, RangePlan } from './filters/byterange.js';
export { conditional, evaluatePreconditions } from './filters/conditional.js';
export type { Precondition } from './filters/conditional.js';
export { FastResponse } from './fetch/fast-response.js';
export { ssi, DEFAULT_ERRMSG } from './filters/ssi.js';
export type { SsiOptions } from './filters/ssi.js';
export type { SubrequestResult } from './filters/filter.js';
export { headers } from './filters/headers.js';
export type { HeaderRule } from './filters/headers.js';
export { httpsRedirect } from './tls/redirect.js';
export type { HttpsRedirectOptions } from './tls/redirect.js';
export type { TlsOptions, TlsCertificate, HstsOptions, PemSource, KtlsMode } from './tls/options.js';
export type { NativeTlsStats } from './native.js';
export type { StatusOptions, ObservabilityOptions } from './status/observability.js';
export type { AccessLogOptions } from './access-log.js';
export type { AccessLogFormat } from './access-log-format.js';
export type {
  StatusSnapshot, ThreadStatus, ThreadState, JsThreadStatus, ServiceClassStatus, ConnectionCounts, SlabStatus,
} from './status/types.js';
export type {
  ClassGoal, ClassMatch, ClassStats, HeaderMatch, QueueServerInfo, QueueServerOptions, SchedulerMode, ServiceClassOptions, ServiceClassServerOptions,
} from './classes/types.js';
