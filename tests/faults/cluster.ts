/**
 * The whole service as separate processes that the fault tests can break one at a time: an embedded
 * Postgres of our own (its own port and data directory, so it can be stopped and started without
 * touching the machine's server), a file-backed Temporal dev server (restartable on the same port
 * and SQLite file), the production worker process and the production API process.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { createDb, type DbHandle } from '../../db/client.js';
import type { EmbeddedPostgres } from '../../db/embedded.js';
import { runMigrations } from '../../db/migrate.js';
import type { DeadlinePolicy } from '../../domain/policy.js';
import type { CaseService } from '../../services/cases.js';
import type { TemporalHandle } from '../../temporal/client.js';
import {
  caseService,
  connectClient,
  designate,
  freePort,
  policyMaker,
  scratchDir,
  seedActors,
  seedVillages,
  startOwnPostgres,
  startTemporal,
  type Actors,
} from '../../bench/support/env.js';
import { killGroup, startApiProcess, startWorkerProcess, type ApiProcess, type WorkerProcess } from '../../bench/support/processes.js';

export interface FaultResult {
  name: string;
  expected: number;
  delivered: number;
  duplicated: number;
  lost: number;
  /** Anything else worth reading (lateness, retries, restarts). */
  notes: string[];
  /** Violations; empty means passed. */
  failures: string[];
  seconds: number;
}

export type Log = (line: string) => void;

export class Cluster {
  readonly taskQueue = 'rectify-faults';
  db!: DbHandle;
  client!: TemporalHandle;
  cases!: CaseService;
  actors!: Actors;
  villages: string[] = [];
  worker: WorkerProcess | null = null;
  api: ApiProcess | null = null;
  /** More configuration for the next worker started (the delivery scenario's key and SMS provider). */
  workerEnv: Record<string, string> = {};
  private pg: EmbeddedPostgres | null = null;
  private temporal: Awaited<ReturnType<typeof startTemporal>> | null = null;
  private dir = '';
  private pgPort = 0;
  private temporalPort = 0;
  private apiPort = 0;
  private nextVillage = 0;
  private policy!: ReturnType<typeof policyMaker>;

  constructor(readonly log: Log) {}

  get databaseUrl(): string {
    return this.pg!.url;
  }
  get temporalAddress(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }

  async start(): Promise<void> {
    this.dir = await scratchDir('faults');
    [this.pgPort, this.temporalPort, this.apiPort] = [await freePort(), await freePort(), await freePort()];
    await this.startPostgres();
    await runMigrations(this.pg!.url);
    this.db = createDb(this.pg!.url, { max: 5 });
    this.villages = await seedVillages(this.db, 1000);
    this.actors = await seedActors(this.db, this.villages);
    this.policy = policyMaker(this.db, this.actors);
    await this.startTemporal();
    this.client = await connectClient(this.temporalAddress, this.taskQueue);
    this.cases = caseService(this.db, this.client);
    await this.startWorker();
    await this.startApi();
  }

  async startPostgres(): Promise<void> {
    this.pg = await startOwnPostgres(path.join(this.dir, 'pg-data'), this.pgPort);
  }
  async stopPostgres(): Promise<void> {
    await this.pg?.stop();
  }

  async startTemporal(): Promise<void> {
    this.temporal = await startTemporal({ dataDir: path.join(this.dir, 'temporal'), port: this.temporalPort });
  }
  async stopTemporal(): Promise<void> {
    await this.temporal?.stop();
    this.temporal = null;
  }

  async startWorker(): Promise<void> {
    this.worker = await startWorkerProcess({
      connection: this.client.connection,
      databaseUrl: this.databaseUrl,
      temporalAddress: this.temporalAddress,
      taskQueue: this.taskQueue,
      env: this.workerEnv,
    });
  }
  async startApi(): Promise<void> {
    this.api = await startApiProcess({ databaseUrl: this.databaseUrl, temporalAddress: this.temporalAddress, taskQueue: this.taskQueue, port: this.apiPort });
  }

  /** Designates `n` cases (the service `POST /cases` calls) with the given policy; returns their IDs. */
  async designateCases(n: number, body: DeadlinePolicy, concurrency = 16): Promise<string[]> {
    const village = this.villages[0]!;
    const policyId = await this.policy(village.slice(0, 2), body);
    const picked = this.villages.slice(this.nextVillage, this.nextVillage + n);
    this.nextVillage += n;
    if (picked.length < n) throw new Error('not enough villages');
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < picked.length) {
          const v = picked[next++]!;
          ids.push(await designate(this.cases, this.actors, v, policyId));
        }
      }),
    );
    return ids;
  }

  /** Stops everything it started, whatever state it is in. */
  async close(): Promise<void> {
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        this.log(`cleanup ${what}: ${String(error)}`);
      }
    };
    if (this.worker) {
      killGroup(this.worker.process, 'SIGCONT');
      await step('worker', () => this.worker!.kill9());
    }
    if (this.api) await step('api', () => this.api!.kill9());
    if (this.client) await step('client', () => this.client.close());
    if (this.db) await step('db', () => this.db.close());
    if (this.temporal) await step('temporal', () => this.temporal!.stop());
    if (this.pg) await step('postgres', () => this.pg!.stop());
    if (this.dir) await step('dir', () => fs.rm(this.dir, { recursive: true, force: true }));
  }
}
