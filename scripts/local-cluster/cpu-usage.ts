// CPU time from /proc, for figures that must say who else used the 2 cores while a window ran
// (the latency bench, the e2e's latency at rest). Linux only; a process gone mid-read is skipped.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ, the unit of /proc's CPU times (100 on Linux unless getconf says otherwise). */
export const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** Busy and total jiffies of all cores (/proc/stat), iowait counted as idle. */
export function hostCpu(): { busy: number; total: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/** User + system CPU time of `pid` in ms. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Every process's CPU time (ms) and command name, by pid. */
export interface ProcessesSnapshot {
  host: { busy: number; total: number };
  processes: Map<number, { name: string; cpuMs: number }>;
}

export function snapshotProcesses(): ProcessesSnapshot {
  const processes = new Map<number, { name: string; cpuMs: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      processes.set(Number(entry), { name, cpuMs: processCpuMs(Number(entry)) });
    } catch {
      // gone between readdir and read
    }
  }
  return { host: hostCpu(), processes };
}

/**
 * The host's busy share between two snapshots and the `count` commands (summed by name) that used
 * most CPU in between, e.g. "host busy 43% of its cores; node 4.1 s, kube-apiserver 1.2 s". Pure.
 */
export function busiestBetween(before: ProcessesSnapshot, after: ProcessesSnapshot, count = 6): string {
  const byName = new Map<string, number>();
  for (const [pid, { name, cpuMs }] of after.processes) {
    const used = cpuMs - (before.processes.get(pid)?.name === name ? (before.processes.get(pid)?.cpuMs ?? 0) : 0);
    if (used > 0) byName.set(name, (byName.get(name) ?? 0) + used);
  }
  const busy = after.host.busy - before.host.busy;
  const total = after.host.total - before.host.total;
  const share = total > 0 ? Math.round((100 * busy) / total) : 0;
  const top = [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`);
  return `host busy ${share}% of its cores; most CPU: ${top.join(", ")}`;
}
