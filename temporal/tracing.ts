/**
 * Temporal's side of tracing (@temporalio/interceptors-opentelemetry): the client interceptor puts
 * the caller's span context (the HTTP request's) into the headers of a start or an Update; the
 * workflow interceptors continue it in the sandbox (RunWorkflow, HandleUpdate, StartActivity spans)
 * and pass it on in each activity's headers; the activity interceptor continues it around the
 * activity (RunActivity). Workflow spans leave the sandbox through the `exporter` sink.
 */
import { createRequire } from 'node:module';
import type { WorkflowClientInterceptor } from '@temporalio/client';
// The package's parts, not its index: the index also loads the workflow side (the tracing SDK) into
// every process that imports the client.
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions.js';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { Tracing } from '../lib/tracing.js';

/**
 * The workflow interceptors, built into the bundle only while tracing is on (workflowBundle({
 * tracing })). Not always: measured with them in every bundle and tracing off, workflow tasks of the
 * worker-memory bench grew to 9 s by ~1,000 cached workflows and the run failed (without them it
 * completes, no task over 5 s). Turning tracing on or off is replay-safe both ways: the
 * interceptors add no commands; the replay test replays every committed history (recorded without
 * them) on both bundles, and the tracing test replays a traced workflow's history without them.
 */
export const WORKFLOW_TRACING_INTERCEPTORS = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** The Temporal client's interceptors: with tracing, starts and Updates carry the caller's trace. */
export function clientTracingInterceptors(tracing: Tracing | null | undefined): WorkflowClientInterceptor[] {
  return tracing ? [new OpenTelemetryWorkflowClientInterceptor()] : [];
}

/**
 * What a worker needs: with tracing, the activity interceptors (a RunActivity span in the
 * workflow's trace; trace_id and span_id on the activity's log lines) and the sink that hands
 * workflow spans to the process's span processor; without, a sink that drops them. The plain
 * bundle never calls it; it is there for the traced bundle run without a span processor (the
 * replay tests), where a missing sink would be logged as an error on every activation.
 */
export function workerTracing(tracing: Tracing | null | undefined): { interceptors?: WorkerInterceptors; sinks: InjectedSinks<OpenTelemetrySinks> } {
  if (!tracing) return { sinks: { exporter: { export: { fn: () => {} } } } };
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
