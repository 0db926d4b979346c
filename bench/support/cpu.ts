/**
 * CPU time spent during a phase of a bench, per process and for the whole machine (Linux /proc), so
 * a bench on a shared machine can say where each unit of work went: this process, its children
 * (the worker, the Temporal server) and the rest (mostly Postgres's backends).
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc reports CPU time in ticks of 1/100 s on Linux. */
const TICK_MS = 10;

/** user + system CPU time of a process (all its threads), in ms; 0 when it is gone or unreadable. */
function processCpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** Busy CPU time of the whole machine (every core, everything but idle and iowait), in ms. */
function machineBusyMs(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks as number[];
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * TICK_MS;
}

export interface CpuSample {
  at: number;
  machine: number;
  processes: Record<string, number>;
}

/** CPU time so far of the named processes and of the machine. */
export function sampleCpu(pids: Record<string, number | undefined>): CpuSample {
  const processes: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) if (pid !== undefined) processes[name] = processCpuMs(pid);
  return { at: performance.now(), machine: machineBusyMs(), processes };
}

export interface CpuUse {
  /** Wall-clock time of the phase, ms. */
  wallMs: number;
  /** CPU ms per process, in the order sampled, then "everything else on the machine". */
  byProcess: Array<{ name: string; ms: number }>;
  machineMs: number;
}

/** What each process (and the rest of the machine) spent between two samples. */
export function cpuBetween(from: CpuSample, to: CpuSample): CpuUse {
  const byProcess = Object.keys(to.processes).map((name) => ({ name, ms: to.processes[name]! - (from.processes[name] ?? 0) }));
  const machineMs = to.machine - from.machine;
  const named = byProcess.reduce((sum, p) => sum + p.ms, 0);
  byProcess.push({ name: 'everything else (Postgres, …)', ms: Math.max(0, machineMs - named) });
  return { wallMs: to.at - from.at, byProcess, machineMs };
}

/** "bench 17.2 · worker 30.1 · … ms per unit": a phase's CPU divided by the units of work it did. */
export function cpuPerUnit(use: CpuUse, units: number): string {
  return use.byProcess.map((p) => `${p.name} ${(p.ms / units).toFixed(1)}`).join(' · ') + ` = ${(use.machineMs / units).toFixed(1)} ms`;
}
