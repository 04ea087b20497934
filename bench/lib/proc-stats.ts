/**
 * A process's own memory and CPU time from /proc (Linux): children are separate processes and
 * are never counted. VmHWM is the kernel's record of the peak resident set since the start.
 */
import { readFile } from 'node:fs/promises';

export interface ProcessMemory {
  /** Resident set now, MB. */
  rssMb: number;
  /** Peak resident set since the process started, MB. */
  peakMb: number;
}

export async function readProcessMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return { rssMb: field(status, 'VmRSS'), peakMb: field(status, 'VmHWM') };
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`/proc status has no ${name}`);
  return Math.round((Number(match[1]) / 1024) * 10) / 10;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time the process has used so far, in ms (10 ms resolution). */
export async function readCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing ')' do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** Direct children of a process (the gateway's downstream servers). */
export async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}
