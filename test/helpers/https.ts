// One HTTPS GET with Node's client, for the TLS tests: the body and what the
// TLS layer negotiated (protocol, ALPN, cipher, whether the session was
// resumed, and the session to resume it with).
import * as https from 'node:https';
import type * as tls from 'node:tls';

export interface HttpsGot {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  alpn: string | false | null;
  cipher: string;
  protocol: string | null;
  reused: boolean;
  session: Buffer | undefined;
}

/** GET https://127.0.0.1:port/p with SNI "localhost", trusting ca; opts override. */
export function httpsGet(port: number, p: string, ca: string | Buffer, opts: https.RequestOptions = {}): Promise<HttpsGot> {
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    const req = https.request({ host: '127.0.0.1', port, path: p, ca, servername: 'localhost', agent: false, ALPNProtocols: ['http/1.1'], ...opts }, (res) => {
      const chunks: Buffer[] = [];
      const sock = res.socket as tls.TLSSocket;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          alpn: sock.alpnProtocol,
          cipher: sock.getCipher().standardName,
          protocol: sock.getProtocol(),
          reused: sock.isSessionReused(),
          session: session ?? sock.getSession(),
        }),
      );
    });
    req.on('socket', (s) => s.on('session', (sess: Buffer) => (session = sess)));
    req.on('error', reject);
    req.end();
  });
}
