/**
 * Prometheus figures for the API: every response's duration by route pattern and status, and, with a
 * token, `GET /metrics` on the API's own port. The route sits outside /api/v1 (no session, no user
 * token: a scraper has its own bearer token, METRICS_TOKEN) and outside the OpenAPI document (it is
 * for the operator's Prometheus, not for the console or API clients).
 */
import fp from 'fastify-plugin';
import type { Metrics } from '../../lib/metrics.js';
import { bearerMatches } from '../../lib/metrics-server.js';
import type { MetricsService } from '../../services/metrics.js';
import { errorBody } from '../errors.js';

export interface MetricsPluginOptions {
  metrics: Metrics;
  service: MetricsService;
  /** Serve GET /metrics here, behind this bearer token; without one /metrics is not on this port. */
  token?: string;
}

export const metricsPlugin = fp<MetricsPluginOptions>(async (app, { metrics, service, token }) => {
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern (/api/v1/cases/:id), never the raw URL: one series per route, not per id.
    // A request no route matched (404, a scanner's guesses) shares one label.
    const route = request.routeOptions.url ?? '(unmatched)';
    metrics.httpRequestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  if (!token) return;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send(errorBody(request, 401, '需要指标令牌 (metrics need Authorization: Bearer <METRICS_TOKEN>)'));
    }
    const { contentType, body } = await service.scrape();
    return reply.type(contentType).send(body);
  });
});
