// TLS options: what users write (PEM text or file paths, SNI as a map of host
// names) turned into what the native TLS layer takes (PEM text only, SNI as a
// list). Files are read here, once per listen() or reloadTls().
import * as fs from 'node:fs';

/** PEM text (a string containing "-----BEGIN"), PEM bytes, or a file path. */
export type PemSource = string | Uint8Array;

export interface TlsCertificate {
  /** Certificate, then its chain, PEM. */
  cert: PemSource;
  /** Private key, PEM (unencrypted). */
  key: PemSource;
}

export interface HstsOptions {
  /** max-age in seconds (default 31536000, one year). */
  maxAge?: number;
  includeSubDomains?: boolean;
  preload?: boolean;
}

export interface TlsOptions extends TlsCertificate {
  /**
   * Further certificates chosen by SNI, keyed by host name ("example.com",
   * "*.example.com" for one label). Unknown names get the main certificate,
   * unless sniStrict.
   */
  sni?: Readonly<Record<string, TlsCertificate>>;
  /** Refuse handshakes whose SNI names no configured host (unrecognized_name alert). Default false. */
  sniStrict?: boolean;
  /** Oldest protocol accepted (default 'TLSv1.2'). */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** TLS 1.2 cipher list, OpenSSL syntax (default: ECDHE with AES-GCM or ChaCha20-Poly1305 only). */
  ciphers?: string;
  /** TLS 1.3 cipher suites, OpenSSL syntax (default: OpenSSL's). */
  ciphersuites?: string;
  /** Seconds a session-ticket key encrypts new tickets (the previous key still decrypts). Default 3600. */
  ticketKeyRotation?: number;
  /** Handshake steps per I/O loop turn (bounds the cost of a flood of new connections). Default 64. */
  handshakesPerTurn?: number;
  /** Send Strict-Transport-Security on every response: true (one year) or its parameters. Default off. */
  hsts?: boolean | HstsOptions;
  /**
   * kTLS (docs/tls.md): hand the TX keys to the kernel so files go out with sendfile.
   * 'off' (default): OpenSSL writes every record. 'auto': when the kernel lists the tls ULP and the
   * cipher allows it; otherwise, or when the kernel refuses, OpenSSL writes. 'force': try even when
   * /proc does not list the ULP. 'software' (tests and debugging, not for production): export the
   * kernel's key state and encrypt records from it in user space, to check it against real peers.
   */
  ktls?: KtlsMode;
}

export type KtlsMode = 'off' | 'auto' | 'force' | 'software';
const KTLS_MODES: readonly KtlsMode[] = ['off', 'auto', 'force', 'software'];

/** What the native layer takes (native/binding.cc read_tls_options). */
export interface NativeTlsConfig {
  cert: string;
  key: string;
  names: string[];
  sni: { cert: string; key: string; names: string[] }[];
  sniStrict: boolean;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  ciphers: string;
  ciphersuites: string;
  ticketKeyRotation: number;
  handshakesPerTurn: number;
  ktls: KtlsMode;
}

function pem(what: string, src: PemSource): string {
  if (src instanceof Uint8Array) return Buffer.from(src.buffer, src.byteOffset, src.byteLength).toString('utf8');
  if (typeof src !== 'string' || src.length === 0) throw new TypeError(`brigade: tls.${what} must be PEM text or a file path`);
  if (src.includes('-----BEGIN')) return src;
  try {
    return fs.readFileSync(src, 'utf8');
  } catch (err) {
    throw new Error(`brigade: cannot read tls.${what} file ${src}: ${(err as Error).message}`);
  }
}

function int(name: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`brigade: option tls.${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

export function resolveTls(o: TlsOptions): NativeTlsConfig {
  if (o.minVersion !== undefined && o.minVersion !== 'TLSv1.2' && o.minVersion !== 'TLSv1.3') {
    throw new RangeError(`brigade: option tls.minVersion must be 'TLSv1.2' or 'TLSv1.3', got ${String(o.minVersion)}`);
  }
  if (o.ktls !== undefined && !KTLS_MODES.includes(o.ktls)) {
    throw new RangeError(`brigade: option tls.ktls must be one of ${KTLS_MODES.map((m) => `'${m}'`).join(', ')}, got ${String(o.ktls)}`);
  }
  const sni = Object.entries(o.sni ?? {}).map(([name, c]) => ({
    cert: pem(`sni["${name}"].cert`, c.cert),
    key: pem(`sni["${name}"].key`, c.key),
    names: [name],
  }));
  return {
    cert: pem('cert', o.cert),
    key: pem('key', o.key),
    names: [],
    sni,
    sniStrict: o.sniStrict === true,
    minVersion: o.minVersion ?? 'TLSv1.2',
    ciphers: o.ciphers ?? '',
    ciphersuites: o.ciphersuites ?? '',
    ticketKeyRotation: int('ticketKeyRotation', o.ticketKeyRotation, 3600, 1, 7 * 86400),
    handshakesPerTurn: int('handshakesPerTurn', o.handshakesPerTurn, 64, 1, 1 << 16),
    ktls: o.ktls ?? 'off',
  };
}

/** The Strict-Transport-Security value for the hsts option, or undefined when off. */
export function hstsHeader(h: boolean | HstsOptions | undefined): string | undefined {
  if (h === undefined || h === false) return undefined;
  const o: HstsOptions = h === true ? {} : h;
  const maxAge = o.maxAge ?? 31536000;
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new RangeError('brigade: option tls.hsts.maxAge must be a non-negative integer');
  return `max-age=${maxAge}${o.includeSubDomains ? '; includeSubDomains' : ''}${o.preload ? '; preload' : ''}`;
}
