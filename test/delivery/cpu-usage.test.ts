// Who used the CPU during a latency window (scripts/local-cluster/cpu-usage.ts): the summing and
// ranking are pure; the snapshot reads this machine's real /proc.
import { describe, expect, it } from "vitest";

import { busiestBetween, type ProcessesSnapshot, snapshotProcesses } from "../../scripts/local-cluster/cpu-usage";

const snapshot = (busy: number, total: number, processes: [number, string, number][]): ProcessesSnapshot => ({
  host: { busy, total },
  processes: new Map(processes.map(([pid, name, cpuMs]) => [pid, { name, cpuMs }])),
});

describe("busiestBetween", () => {
  it("sums CPU by command name, ranks it, and gives the host's busy share", () => {
    const before = snapshot(100, 1_000, [
      [1, "node", 500],
      [2, "node", 200],
      [3, "etcd", 100],
      [4, "kubelet", 50],
    ]);
    const after = snapshot(550, 2_000, [
      [1, "node", 1_700],
      [2, "node", 500],
      [3, "etcd", 400],
      [4, "kubelet", 50],
      [5, "chromium", 2_000], // started during the window: all its time counts
    ]);
    expect(busiestBetween(before, after, 3)).toBe(
      "host busy 45% of its cores; most CPU: chromium 2.0 s, node 1.5 s, etcd 0.3 s",
    );
  });

  it("does not subtract a reused pid's earlier process from a new one", () => {
    const before = snapshot(0, 100, [[7, "pulumi", 9_000]]);
    const after = snapshot(10, 200, [[7, "helm", 300]]);
    expect(busiestBetween(before, after)).toBe("host busy 10% of its cores; most CPU: helm 0.3 s");
  });

  it("reads this machine's processes, this test's own among them", () => {
    const { processes, host } = snapshotProcesses();
    expect(processes.get(process.pid)?.cpuMs).toBeGreaterThan(0);
    expect(host.total).toBeGreaterThan(host.busy);
  });
});
