import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import path from 'node:path';
import { PROJECT_ROOT } from '../../temporal/binaries.js';

/** Where `npm run web:build` (and `npm start`) put the console. */
export const CONSOLE_DIR = path.join(PROJECT_ROOT, 'web', 'dist');

/**
 * The browser console (web/, built to web/dist) at `/`, from the API process itself: same origin,
 * so the session cookie needs no CORS. Hashed assets are cached for a year; index.html never, so
 * a deploy is picked up at the next page load. Any other GET that asks for HTML and is not an API
 * route gets index.html (the console's router shows the page, or its own "not found").
 */
export const consolePlugin = fp<{ root: string }>(async (app, { root }) => {
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: true,
    index: false,
    setHeaders(reply, filePath) {
      reply.header('cache-control', filePath.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) => sendConsolePage(reply));
});

/** A page of the console (a browser navigating), not an API call or a missing asset. */
export function wantsConsolePage(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html');
}

export function sendConsolePage(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-cache').sendFile('index.html');
}
