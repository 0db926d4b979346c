import fp from 'fastify-plugin';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.js';
import { TooManyRequestsError } from '../../services/auth.js';
import { SESSION_COOKIE } from './auth.js';

/** The API's rate limits (config: API_RATE_LIMIT_*); a rate of 0 turns that limit off. */
export interface RateLimits {
  /** Sustained requests a second per signed-in user, and how many in one burst window. */
  perUserPerSecond: number;
  userBurst: number;
  /** The same per client IP, for requests without a known credential. */
  perIpPerSecond: number;
  ipBurst: number;
  /**
   * How long a 429 is held before it is sent (at most the Retry-After). A script that ignores
   * Retry-After and sends again at once then sends a few a second instead of hundreds: cheap as a
   * 429 is, hundreds a second still take the event loop from everyone else.
   */
  refusalDelayMs: number;
}

export const RATE_LIMITS_OFF: RateLimits = { perUserPerSecond: 0, userBurst: 1, perIpPerSecond: 0, ipBurst: 1, refusalDelayMs: 0 };

export function rateLimitsFromConfig(config: Config): RateLimits {
  return {
    perUserPerSecond: config.API_RATE_LIMIT_PER_USER,
    userBurst: config.API_RATE_LIMIT_USER_BURST,
    perIpPerSecond: config.API_RATE_LIMIT_PER_IP,
    ipBurst: config.API_RATE_LIMIT_IP_BURST,
    refusalDelayMs: config.API_RATE_LIMIT_REFUSAL_DELAY_MS,
  };
}

/** The burst window: short, so a flood is cut within two seconds; a page load's dozen calls pass. */
export const BURST_WINDOW_MS = 2_000;
/** The sustained window: the per-second rate times this many seconds may be spent in it. */
export const SUSTAINED_WINDOW_MS = 30_000;
/** Credentials remembered (as digests) to key a request by its user before auth runs. */
const KNOWN_CREDENTIALS = 20_000;

/** A bearer token or the session cookie, as the auth plugin reads them; undefined when there is neither. */
function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') return `h:${header}`;
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie ? `c:${cookie}` : undefined;
}

const digest = (credential: string) => createHash('sha256').update(credential).digest('base64url');

const KEY = Symbol('rateLimitKey');
type Keyed = FastifyRequest & { [KEY]?: { key: string; credential?: string } };

/**
 * Per-user and per-IP limits on the API (issue 15), two fixed windows each through
 * @fastify/rate-limit's own store: a burst window (2 s) and a sustained one (30 s at the
 * per-second rate). A fixed window, not a token bucket, so the plugin's store (or a shared one
 * later) does the counting; two windows give the burst allowance a bucket would.
 *
 * The key is the user when the request's credential is one already seen signed in (remembered as
 * a digest), else the client IP. So a flood is refused in onRequest, before auth's database
 * lookup, and 429s stay cheap for everyone else; a credential's first request, anonymous calls
 * (login, health) and bad tokens count against the IP. Colleagues behind one NAT address are
 * keyed apart once signed in.
 */
export const rateLimitsPlugin = fp<{ limits: RateLimits }>(async (app, { limits }) => {
  const userOn = limits.perUserPerSecond > 0;
  const ipOn = limits.perIpPerSecond > 0;
  if (!userOn && !ipOn) return;

  const isUser = (key: string) => key.startsWith('user:');
  const keyOf = (request: FastifyRequest) => (request as Keyed)[KEY]!.key;
  const sustainedMax = (perSecond: number) => Math.max(1, Math.round((perSecond * SUSTAINED_WINDOW_MS) / 1000));
  const burst = app.createRateLimit({
    timeWindow: BURST_WINDOW_MS,
    max: (_request, key) => (isUser(key) ? limits.userBurst : limits.ipBurst),
    keyGenerator: keyOf,
  });
  const sustained = app.createRateLimit({
    timeWindow: SUSTAINED_WINDOW_MS,
    max: (_request, key) => sustainedMax(isUser(key) ? limits.perUserPerSecond : limits.perIpPerSecond),
    keyGenerator: keyOf,
  });
  const known = new Map<string, string>();

  const check = async (request: FastifyRequest, reply: FastifyReply, key: string) => {
    if (isUser(key) ? !userOn : !ipOn) return;
    (request as Keyed)[KEY]!.key = key;
    // Both windows count every request, so the sustained one sees the bursts too.
    const results = (await Promise.all([burst(request), sustained(request)])).filter((r) => !r.isAllowed);
    const exceeded = results.filter((r) => r.isExceeded);
    const tightest = results.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    reply.header('x-ratelimit-limit', tightest.max);
    reply.header('x-ratelimit-remaining', tightest.remaining);
    reply.header('x-ratelimit-reset', tightest.ttlInSeconds);
    if (exceeded.length === 0) return;
    const retryAfter = Math.max(1, ...exceeded.map((r) => r.ttlInSeconds));
    reply.header('retry-after', retryAfter);
    if (limits.refusalDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(limits.refusalDelayMs, retryAfter * 1000)));
    throw new TooManyRequestsError(
      `请求过于频繁，请 ${retryAfter} 秒后再试 (rate limit exceeded ${isUser(key) ? 'for this user' : 'for this address'}; retry after ${retryAfter} s)`,
      retryAfter,
    );
  };

  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.url) return; // a 404 costs nothing to limit
    const credential = credentialOf(request);
    const hashed = credential === undefined ? undefined : digest(credential);
    const userId = hashed === undefined ? undefined : known.get(hashed);
    (request as Keyed)[KEY] = { key: '', credential: userId === undefined ? hashed : undefined };
    await check(request, reply, userId === undefined ? `ip:${request.ip}` : `user:${userId}`);
  });
  // After auth (every onRequest hook has run): remember whose credential this was.
  app.addHook('preParsing', async (request) => {
    const credential = (request as Keyed)[KEY]?.credential;
    if (credential === undefined || !request.user) return;
    if (known.size >= KNOWN_CREDENTIALS) known.delete(known.keys().next().value!);
    known.set(credential, request.user.id);
  });
});
