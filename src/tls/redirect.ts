// The plain-HTTP companion of an HTTPS server: every request is redirected to
// the same host and target over https (301 for GET/HEAD, 308 otherwise, so a
// POST stays a POST), as nginx's `return 301 https://$host$request_uri`.
import { createServer, type Server } from '../server.js';
import type { ServerOptions } from '../config.js';

export interface HttpsRedirectOptions extends Pick<ServerOptions, 'host' | 'port' | 'mpm' | 'limits' | 'timeouts'> {
  /** Port of the HTTPS server, when not 443 (it goes into Location). */
  httpsPort?: number;
}

// A Host header is a host name or address with an optional port; anything
// else (spaces, userinfo, paths) could steer the redirect elsewhere.
const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/** Makes (does not start) a server that redirects every request to https. */
export function httpsRedirect(options: HttpsRedirectOptions = {}): Server {
  const { httpsPort, ...serverOptions } = options;
  const portPart = httpsPort === undefined || httpsPort === 443 ? '' : `:${httpsPort}`;
  const server = createServer({ port: 80, ...serverOptions });
  server.all('/*', (req, res) => {
    const m = HOST.exec(req.header('host') ?? '');
    if (!m) {
      res.status(400).setHeader('Content-Type', 'text/plain; charset=utf-8').end('Bad Request: a Host header is required\n');
      return;
    }
    const target = req.url.startsWith('/') ? req.url : '/';
    const location = `https://${m[1]!}${portPart}${target}`;
    res
      .status(req.method === 'GET' || req.method === 'HEAD' ? 301 : 308)
      .setHeader('Location', location)
      .setHeader('Content-Type', 'text/plain; charset=utf-8')
      .end(`Moved to ${location}\n`);
  });
  return server;
}
