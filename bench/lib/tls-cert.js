// One self-signed ECDSA P-256 certificate for the TLS rows (CN=localhost,
// SAN 127.0.0.1), made with the openssl command in the bench's temp dir and
// shared by every TLS contender, so they all present the same certificate.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensurePackage } from './install.js';

let made = null;

/** { cert, key } file paths, or { skip } with the reason. */
export function benchCertificate(ctx) {
  if (made) return made;
  const reason = ensurePackage('openssl', () => spawnSync('openssl', ['version']).status === 0, { allowInstall: ctx.allowInstall, log: ctx.log });
  if (reason) return (made = { skip: `openssl not available: ${reason}` });
  const cert = path.join(ctx.tmp, 'tls-cert.pem');
  const key = path.join(ctx.tmp, 'tls-key.pem');
  if (!existsSync(cert)) {
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '7', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) return (made = { skip: `openssl req failed: ${(r.stderr ?? '').trim().split('\n').pop()}` });
  }
  return (made = { cert, key });
}

/** The TLS 1.3 suite every TLS contender is configured with ("same certificate and cipher"). */
export const TLS_SUITE = 'TLS_AES_128_GCM_SHA256';
