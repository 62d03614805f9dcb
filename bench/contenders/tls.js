// The TLS rows: brigade (looper MPM) and nginx serving HTTPS with the same
// certificate (bench/lib/tls-cert.js), TLS 1.3 only, one cipher suite
// (TLS_AES_128_GCM_SHA256), keep-alive. They take part in the plaintext and
// static workloads only; every other workload is N/A for them.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { brigadeContender } from './brigade.js';
import { NGINX_BINARY, nginxLaunch, nginxVersion } from './nginx.js';
import { ensurePackage } from '../lib/install.js';
import { benchCertificate, TLS_SUITE } from '../lib/tls-cert.js';

export const TLS_WORKLOADS = ['plaintext', 'static-1k', 'static-1m'];

function tlsCaps(caps) {
  return { ...caps, ssi: 'TLS rows: plaintext and static files only', tls: true, only: TLS_WORKLOADS };
}

function brigadeTls() {
  const base = brigadeContender('looper', null);
  let cert = null;
  return {
    ...base,
    name: 'brigade-tls',
    family: 'tls',
    caps: tlsCaps(base.caps),
    describe: () => `brigade mpm looper over TLS 1.3 (${TLS_SUITE}, bench/servers/brigade-hello.js)`,
    prepare(ctx) {
      cert = benchCertificate(ctx);
      if (cert.skip) return { skip: cert.skip };
      return base.prepare(ctx);
    },
    launch(ctx) {
      const l = base.launch(ctx);
      return { ...l, env: { ...l.env, TLS_CERT: cert.cert, TLS_KEY: cert.key, TLS_SUITE } };
    },
  };
}

function nginxTls() {
  let prefix = null;
  let cert = null;
  return {
    name: 'nginx-tls',
    family: 'tls',
    caps: tlsCaps({ handlers: false, static: true, ssi: null, plaintext: { path: '/plaintext', label: '/plaintext (return 200)' } }),
    describe: (ctx) => `nginx over TLS 1.3 (${TLS_SUITE}), ${ctx.serverCpuCount} worker process(es)`,
    prepare(ctx) {
      const reason = ensurePackage('nginx', () => existsSync(NGINX_BINARY), { allowInstall: ctx.allowInstall, log: ctx.log });
      if (reason) return { skip: `nginx not available: ${reason}` };
      cert = benchCertificate(ctx);
      if (cert.skip) return { skip: cert.skip };
      prefix = path.join(ctx.tmp, 'nginx-tls');
      mkdirSync(prefix, { recursive: true });
      return null;
    },
    launch: (ctx) => nginxLaunch(ctx, prefix, { cert: cert.cert, key: cert.key, suite: TLS_SUITE }),
    version: nginxVersion,
  };
}

export function tlsContenders() {
  return [brigadeTls(), nginxTls()];
}
