/**
 * A server span per request (OpenTelemetry), registered only when tracing is on (lib/tracing.ts).
 * Everything the request does runs inside it, so the Temporal client's Update span is its child and
 * through the Update's headers the workflow's and the projecting activity's spans join its trace.
 * An incoming W3C `traceparent` (a gateway's, a caller's) is continued.
 *
 * Fastify hooks rather than @opentelemetry/instrumentation-http: that one patches `node:http` through
 * a require hook and must load before Fastify does, which an ESM program run by tsx cannot promise
 * (imports are hoisted; it would need `--import` preloading in every entry point), and it never
 * sees `app.inject`. Hooks work the same for a real listener and for injected requests.
 *
 * Attributes are chosen, not copied: method, route pattern, path (no query string), status and the
 * request id; never headers, cookies, bodies or anything else a user typed.
 */
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';

/** Each request's span, until it is ended. */
const active = new WeakMap<FastifyRequest, Span>();

export const tracingPlugin = fp(async (app) => {
  const tracer = trace.getTracer('rectify-api');

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_PATH]: request.url.split('?', 1)[0]!,
          [ATTR_URL_SCHEME]: request.protocol,
          ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
          'rectify.request_id': request.id,
        },
      },
      parent,
    );
    active.set(request, span);
    // The request's remaining log lines (its "request completed", errors) name the trace.
    const { traceId, spanId } = span.spanContext();
    request.log = request.log.child({ trace_id: traceId, span_id: spanId });
    reply.log = request.log;
    // The rest of the request runs in here: later hooks, the handler, its Temporal calls. (Fastify
    // carries the async context across reading the body, through an AsyncResource of its own.)
    context.with(trace.setSpan(parent, span), done);
  });

  const end = (request: FastifyRequest, statusCode: number | null, error?: string) => {
    const span = active.get(request);
    if (!span) return;
    active.delete(request);
    if (statusCode !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
    // A server span is an error when the server failed (5xx) or never answered; a 4xx is the caller's.
    const failure = error ?? (statusCode !== null && statusCode >= 500 ? String(statusCode) : undefined);
    if (failure) {
      span.setAttribute(ATTR_ERROR_TYPE, failure);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request, null, 'aborted');
    done();
  });
  app.addHook('onTimeout', (request, _reply, done) => {
    end(request, null, 'timeout');
    done();
  });
});
