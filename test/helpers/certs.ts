// Test certificates, made with the openssl command (Debian's openssl package,
// installed by .ci/run): a CA, leaf certificates it signs (P-256 keys), an
// expired one, and a second CA for reload tests. Written once per process into
// a temp directory.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toolEnv } from './sanitizer.js';

export interface Leaf {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  dir: string;
  ca: string;
  caFile: string;
  /** CN=localhost, SAN localhost + 127.0.0.1. */
  localhost: Leaf;
  /** CN=other.test, SAN other.test + *.wild.test. */
  other: Leaf;
  /** CN=localhost, notAfter in the past. */
  expired: Leaf;
  /** A second CA and its localhost leaf (for certificate reloads). */
  ca2: string;
  localhost2: Leaf;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: toolEnv() });
}

function leaf(dir: string, ca: string, name: string, cn: string, san: string, days: string): Leaf {
  const keyFile = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const certFile = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${cn}`], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', days, '-extfile', ext, '-out', certFile], dir);
  return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

function makeCa(dir: string, name: string, cn: string): string {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', `/CN=${cn}`], dir);
  return fs.readFileSync(path.join(dir, `${name}.pem`), 'utf8');
}

let pki: TestPki | undefined;

/**
 * The certificates of this test process, made once and shared by every test
 * file that asks (uvu runs all files in one process); removed when the
 * process exits, never earlier, since another file may still use them.
 */
export function testPki(): TestPki {
  if (pki) return pki;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-pki-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const ca = makeCa(dir, 'ca', 'brigade test CA');
  const ca2 = makeCa(dir, 'ca2', 'brigade test CA 2');
  pki = {
    dir,
    ca,
    caFile: path.join(dir, 'ca.pem'),
    localhost: leaf(dir, 'ca', 'localhost', 'localhost', 'DNS:localhost,IP:127.0.0.1', '30'),
    other: leaf(dir, 'ca', 'other', 'other.test', 'DNS:other.test,DNS:*.wild.test', '30'),
    expired: leaf(dir, 'ca', 'expired', 'localhost', 'DNS:localhost,IP:127.0.0.1', '-1'),
    ca2,
    localhost2: leaf(dir, 'ca2', 'localhost2', 'localhost', 'DNS:localhost,IP:127.0.0.1', '30'),
  };
  return pki;
}
