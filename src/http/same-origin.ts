/**
 * The local page has no sign-in: whoever can reach it can run conversations. A web page elsewhere can reach it too,
 * by DNS rebinding (its own name, re-pointed at 127.0.0.1, so the browser sends `Host: attacker.example`) or by
 * posting across origins. So the page and its routes answer only to the host names it is meant to be reached by, and
 * only to requests from its own origin. Teams and Slack are not checked here: they arrive through proxies under
 * public names and authenticate every request themselves.
 */
import type restify from 'restify';
import type { Logger } from 'pino';

/** The names a browser uses for this machine. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** A listen address that names no host (every interface), so is no name to be reached by. */
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/** A host name as a Host header carries it: lower case, an IPv6 address in brackets. */
export function hostName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.includes(':') && !n.startsWith('[') ? `[${n}]` : n;
}

/** The names the page answers to: the loopback names, HOST when it names one host, and WEB_CHAT_HOSTS. */
export function pageHosts(host: string, extra: readonly string[] = []): string[] {
  const names = new Set(LOOPBACK_HOSTS);
  const listen = hostName(host);
  if (listen !== '' && !WILDCARD.has(listen)) names.add(listen);
  for (const e of extra) names.add(hostName(e));
  return [...names];
}

/** Name and port of a Host header (`localhost:3978`, `[::1]:3978`, `example.org`); null when it is not one. */
export function parseHost(header: string | undefined): { name: string; port: string } | null {
  if (header === undefined || header.length > 300) return null;
  const h = header.trim().toLowerCase();
  const end = h.startsWith('[') ? h.indexOf(']') + 1 : h.includes(':') ? h.indexOf(':') : h.length;
  if (end <= 0) return null;
  const rest = h.slice(end);
  if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
  return { name: h.slice(0, end), port: rest.slice(1) };
}

/** A default port written out (`:80`, `:443`) is the same origin as none. */
const portOf = (port: string) => (port === '80' || port === '443' ? '' : port);

/**
 * Why a request to the page is refused, or null. The Host must be one of `hosts` (any port); an Origin, when the
 * browser sends one, must be the page's own: the same host and port the request was sent to. `Origin: null`
 * (a sandboxed frame, a file) is no origin of ours either.
 */
export function pageRefusal(headers: { host?: string; origin?: string | string[] }, hosts: readonly string[]): 'host' | 'origin' | null {
  const host = parseHost(headers.host);
  if (!host || !hosts.includes(host.name)) return 'host';
  const origin = Array.isArray(headers.origin) ? headers.origin.join(',') : headers.origin;
  if (origin === undefined) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'origin';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'origin';
  return url.hostname === host.name && portOf(url.port) === portOf(host.port) ? null : 'origin';
}

/** The route handler in front of every route of the page: 403 for another host name or another origin. */
export function pageOnly(hosts: readonly string[], log: Logger): restify.RequestHandler {
  return (req, res, next) => {
    const refused = pageRefusal(req.headers, hosts);
    if (refused === null) return next();
    log.warn({ route: req.getRoute()?.path, refused }, 'web page request refused');
    res.send(403, {
      error: 'forbidden',
      message: refused === 'host' ? 'This page answers only to its own host names (see WEB_CHAT_HOSTS).' : 'Requests from other sites are not accepted.',
    });
    next(false);
  };
}
