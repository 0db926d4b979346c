/**
 * Benchmark 1, case fleet: N designations through the service `POST /cases` calls (compute the
 * case's first deadlines, write the case with them in one transaction, start its workflow plainly,
 * read the detail back), against bare workflow starts on the same dev server in the same run: rates,
 * the CPU each process spent per unit, and the Temporal server's own request counters per unit.
 *
 *   npx tsx bench/case-fleet.ts [--n=1000] [--bare=2000] [--concurrency=32] [--bare-pollers=autoscaling]
 */
import { availableParallelism } from 'node:os';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { FULL_LADDER, designate, openWorld, pool, runBench, secondsPolicy } from './support/env.js';
import { startWorkerProcess, spawnTsx, until, workerPolls } from './support/processes.js';
import { args, intArg, log, ms, printTable, rate, saveResult, summary, type Row } from './support/report.js';
import { cpuBetween, cpuPerUnit, sampleCpu } from './support/cpu.js';
import { requestsPerUnit, sampleRequests } from './support/temporal-requests.js';
import { pingUpdate, trivialWorkflow, waitingWorkflow } from './workflows/trivial.js';

const a = args();
const N = intArg(a, 'n', 1000);
const BARE = intArg(a, 'bare', 2000);
const CONCURRENCY = intArg(a, 'concurrency', 32);
/** The bare worker's workflow-task pollers scale with the backlog (the SDK's default otherwise, like the production worker's). */
const BARE_AUTOSCALING = a['bare-pollers'] === 'autoscaling';
const WARMUP = 30;
const cores = availableParallelism();

await runBench(async (onCleanup) => {
  const world = await openWorld({ villagesNeeded: N + WARMUP, log });
  onCleanup(() => world.close());
  const { client } = world;
  const wf = client.client.workflow;

  // Bare references: a worker process that runs only do-nothing workflows.
  const bareQueue = 'bare';
  const bare = spawnTsx('bare-worker', 'bench/support/bare-worker.ts', {}, [world.temporal.address, bareQueue, ...(BARE_AUTOSCALING ? ['autoscaling'] : [])]);
  onCleanup(() => bare.stop());
  await until('the bare worker', async () => workerPolls(client.connection, bareQueue, bare.pid, false), 120_000, 300);
  await pool(WARMUP, 8, (i) => wf.execute(trivialWorkflow, { taskQueue: bareQueue, workflowId: `warm-${i}` }));

  log(`bare starts: ${BARE}`);
  const barePids = { bench: process.pid, 'bare worker': bare.pid, 'Temporal server': world.temporal.pid };
  let cpu0 = sampleCpu(barePids);
  const bareRequests0 = await sampleRequests(world.temporal.metricsUrl);
  let t0 = performance.now();
  const bareLat = await pool(BARE, CONCURRENCY, async (i) => {
    await wf.start(trivialWorkflow, { taskQueue: bareQueue, workflowId: `bare-${i}` });
  });
  const bareRate = BARE / ((performance.now() - t0) / 1000);
  const bareCpu = cpuBetween(cpu0, sampleCpu(barePids));
  // The server acks starts faster than one worker runs their tasks: at the end of the phase above
  // most first tasks are still queued. What a start costs in full, and the rate the machine
  // sustains, count until every one of them has run its task (the workflow closed).
  const closed = (sample: Map<string, number>) => sample.get('visibility_persistence_requests RecordWorkflowExecutionClosed') ?? 0;
  const closedBefore = closed(bareRequests0);
  let bareDone = await sampleRequests(world.temporal.metricsUrl);
  const drainDeadline = Date.now() + 10 * 60_000;
  while (closed(bareDone) - closedBefore < BARE) {
    if (Date.now() > drainDeadline) throw new Error(`only ${closed(bareDone) - closedBefore} of ${BARE} bare workflows closed within 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    bareDone = await sampleRequests(world.temporal.metricsUrl);
  }
  const bareRunRate = BARE / ((performance.now() - t0) / 1000);
  const bareRunCpu = cpuBetween(cpu0, sampleCpu(barePids));

  log(`bare update-with-start: ${BARE}`);
  t0 = performance.now();
  const bareUwsLat = await pool(BARE, CONCURRENCY, async (i) => {
    const startWorkflowOperation = new WithStartWorkflowOperation(waitingWorkflow, {
      workflowId: `bare-uws-${i}`,
      taskQueue: bareQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    await wf.executeUpdateWithStart(pingUpdate, { startWorkflowOperation });
  });
  const bareUwsRate = BARE / ((performance.now() - t0) / 1000);
  await bare.stop();

  // The production worker, as its own process.
  const worker = await startWorkerProcess({
    connection: client.connection,
    databaseUrl: world.database.url,
    temporalAddress: world.temporal.address,
    taskQueue: client.taskQueue,
  });
  onCleanup(() => worker.stop());
  // No deadline fires during the run: the cost measured is designation alone.
  const policyFor = (village: string) => world.policy(village.slice(0, 2), secondsPolicy(3_600_000, FULL_LADDER(60)));
  await pool(WARMUP, 8, async (i) => void (await designate(world.cases, world.actors, world.villages[i]!, await policyFor(world.villages[i]!))));

  log(`cases: ${N}`);
  const casePids = { 'bench (the API service)': process.pid, worker: worker.pid, 'Temporal server': world.temporal.pid };
  cpu0 = sampleCpu(casePids);
  const caseRequests0 = await sampleRequests(world.temporal.metricsUrl);
  t0 = performance.now();
  const caseLat = await pool(N, CONCURRENCY, async (i) => {
    const village = world.villages[WARMUP + i]!;
    await designate(world.cases, world.actors, village, await policyFor(village));
  });
  const caseRate = N / ((performance.now() - t0) / 1000);
  const caseCpu = cpuBetween(cpu0, sampleCpu(casePids));
  const caseRequests = await sampleRequests(world.temporal.metricsUrl);

  const [check] = await world.db.sql<{ planning: number; obligations: number }[]>`
    select (select count(*)::int from rectification_cases where state = 'planning') as planning,
           (select count(*)::int from obligations where status = 'open') as obligations`;
  if (check!.planning !== N + WARMUP) throw new Error(`expected ${N + WARMUP} cases in planning, found ${check!.planning}`);

  const cl = summary(caseLat);
  const bl = summary(bareLat);
  const ul = summary(bareUwsLat);
  const rows: Row[] = [
    { figure: 'cases designated per second', value: rate(caseRate), ambition: '≥ 200/s', met: caseRate >= 200, note: `${N} cases, ${CONCURRENCY} in flight` },
    { figure: 'bare workflow starts per second', value: rate(bareRate), note: 'start of a do-nothing workflow (server ack)' },
    { figure: 'cases ÷ bare starts', value: `${((caseRate / bareRate) * 100).toFixed(0)}%`, ambition: '≥ 50%', met: caseRate / bareRate >= 0.5 },
    {
      figure: 'bare starts run through their task per second',
      value: rate(bareRunRate),
      note: 'the same starts, until every one has run its workflow task (closed): the rate the machine sustains',
    },
    {
      figure: 'cases ÷ bare starts run through their task',
      value: `${((caseRate / bareRunRate) * 100).toFixed(0)}%`,
      ambition: '≥ 50%',
      met: caseRate / bareRunRate >= 0.5,
    },
    { figure: 'bare Update-with-Start per second', value: rate(bareUwsRate), note: 'start + one workflow task answering an Update' },
    { figure: 'cases ÷ bare Update-with-Start', value: `${((caseRate / bareUwsRate) * 100).toFixed(0)}%` },
    { figure: 'designation latency p50 / p99', value: `${ms(cl.p50)} / ${ms(cl.p99)}` },
    { figure: 'bare start latency p50 / p99', value: `${ms(bl.p50)} / ${ms(bl.p99)}` },
    { figure: 'bare Update-with-Start latency p50 / p99', value: `${ms(ul.p50)} / ${ms(ul.p99)}` },
    {
      figure: 'CPU per designation (ms)',
      value: `${(caseCpu.machineMs / N).toFixed(1)} ms`,
      note: `${cpuPerUnit(caseCpu, N)}; machine ${((caseCpu.machineMs / caseCpu.wallMs) * 100).toFixed(0)}% of one core busy (${cores} cores)`,
    },
    {
      figure: 'CPU per bare start (ms), until acked',
      value: `${(bareCpu.machineMs / BARE).toFixed(1)} ms`,
      note: `${cpuPerUnit(bareCpu, BARE)}; machine ${((bareCpu.machineMs / bareCpu.wallMs) * 100).toFixed(0)}% of one core busy`,
    },
    {
      figure: 'CPU per bare start (ms), run through its task',
      value: `${(bareRunCpu.machineMs / BARE).toFixed(1)} ms`,
      note: `${cpuPerUnit(bareRunCpu, BARE)}; machine ${((bareRunCpu.machineMs / bareRunCpu.wallMs) * 100).toFixed(0)}% of one core busy`,
    },
    // What the Temporal server was asked to do per unit (its own counters): the API calls, and what
    // they cost it in writes (persistence, visibility).
    { figure: 'Temporal API calls per designation', value: '', note: requestsPerUnit(caseRequests0, caseRequests, N, ['service_requests']) },
    {
      figure: 'Temporal API calls per bare start, run through its task',
      value: '',
      note: requestsPerUnit(bareRequests0, bareDone, BARE, ['service_requests']),
    },
    {
      figure: 'Temporal writes per designation',
      value: '',
      note: requestsPerUnit(caseRequests0, caseRequests, N, ['persistence_requests', 'visibility_persistence_requests', 'task_requests']),
    },
    {
      figure: 'Temporal writes per bare start, run through its task',
      value: '',
      note: requestsPerUnit(bareRequests0, bareDone, BARE, ['persistence_requests', 'visibility_persistence_requests', 'task_requests']),
    },
    { figure: 'open obligations projected', value: String(check!.obligations), note: '2 per case (plan, rectification)' },
  ];
  const context = { n: N, bare: BARE, concurrency: CONCURRENCY, barePollers: BARE_AUTOSCALING ? 'autoscaling' : 'SDK default' };
  printTable('Case fleet', rows, context);
  await saveResult('case-fleet', { title: 'Case fleet', rows, context, machine: world.machine });
});
