/**
 * Tracing (OpenTelemetry): one trace from an HTTP request through the Temporal Update it sends, the
 * workflow's handling of it and the activity that projects the change. Off unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set: then no SDK is started, nothing is registered with the
 * OpenTelemetry API (its calls stay no-ops) and nothing is exported.
 *
 * The pieces that use it: api/plugins/tracing.ts (a server span per request), temporal/tracing.ts
 * (the Temporal client, activity and workflow interceptors, the workflow span sink).
 */
import os from 'node:os';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ATTR_HOST_NAME, ATTR_PROCESS_PID } from '@opentelemetry/semantic-conventions/incubating';
import type { Config } from '../config/config.js';

export interface Tracing {
  /** Names this process in every span it exports (service.name, host.name, process.pid). */
  resource: Resource;
  /**
   * Where every span of the process ends: the SDK's (HTTP, Temporal client, activities) and the
   * workflows' (they are made in the workflow sandbox and handed over by the worker's sink).
   */
  spanProcessor: SpanProcessor;
  /** Exports what is still buffered, stops the SDK and unregisters it from the API. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** service.name: `rectify-api`, `rectify-worker`, or `rectify` for `npm start`'s single process. */
  serviceName: string;
  /** Spans go here instead of to OTLP, each as it ends (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
}

/**
 * Starts the OpenTelemetry Node SDK when tracing is configured (or a test hands an exporter), else
 * returns null and starts nothing. Once per process, before the Temporal client is created.
 *
 * No auto-instrumentation and no resource detectors: the spans are the ones Rectify makes (HTTP
 * requests, Temporal calls), with attributes it chose, so no header, cookie, token or request
 * body reaches them. Logs and metrics are not sent over OTLP (they have their own channels).
 */
export function startTracing(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT'>, options: TracingOptions): Tracing | null {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!options.exporter && !endpoint) return null;
  const spanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint!.replace(/\/+$/, '')}/v1/traces` }));
  // With the SDK's defaults (telemetry.sdk.*) merged in here, so workflow spans (exported through the
  // worker's sink with this resource) are labelled exactly like the SDK's own.
  const resource = Resource.default().merge(
    new Resource({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_HOST_NAME]: os.hostname(), [ATTR_PROCESS_PID]: process.pid }),
  );
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors: [spanProcessor],
    // Without this the SDK would set up an OTLP log exporter of its own.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  return {
    resource,
    spanProcessor,
    shutdown: () =>
      (stopping ??= sdk.shutdown().finally(() => {
        // The SDK leaves its providers registered; a later start in the same process (tests) needs them gone.
        trace.disable();
        context.disable();
        propagation.disable();
      })),
  };
}
