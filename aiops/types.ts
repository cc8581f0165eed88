// Shapes shared by the analysis program: the facts it gathers, what it finds and the report it prints.
import type { AnalyzerName } from "../config/aiops";

export type HealthStatus = "healthy" | "degraded" | "unhealthy" | "unavailable";

export interface ContainerFacts {
  name: string;
  ready: boolean;
  restartCount: number;
  /** Reason of the current waiting state (CrashLoopBackOff, ImagePullBackOff, ContainerCreating…). */
  waitingReason?: string;
  waitingMessage?: string;
  /** Reason of the current or last termination (OOMKilled, Error, Completed…). */
  terminatedReason?: string;
  exitCode?: number;
  /** Last lines of the container's log (its previous run when it restarted), redacted. */
  logTail?: string;
}

export interface PodFacts {
  name: string;
  phase: string;
  ready: boolean;
  /** Why the pod is not scheduled or not ready (PodScheduled/Ready condition reason and message). */
  conditionReason?: string;
  conditionMessage?: string;
  /** Being deleted (a rollback or rollout removing it): its state says how it ends, not why it failed. */
  deleting?: boolean;
  containers: ContainerFacts[];
}

export interface DeploymentFacts {
  name: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** Reason of the Progressing condition, e.g. ProgressDeadlineExceeded. */
  progressingReason?: string;
}

export interface EventFacts {
  object: string;
  reason: string;
  message: string;
  count: number;
  lastSeen?: string;
}

export interface ClusterFacts {
  namespace: string;
  deployments: DeploymentFacts[];
  pods: PodFacts[];
  warningEvents: EventFacts[];
  /**
   * Pods seen failing while a release rolled out and gone now (Helm's atomic rollback removed them),
   * as they last looked to the rollout watch: the only record of their state and log tail.
   */
  rolledBackPods?: PodFacts[];
  /** Set when kubectl could not gather the facts at all. */
  error?: string;
}

export type Severity = "critical" | "warning";

export interface Finding {
  severity: Severity;
  /** The object the finding is about, e.g. `pod/api-6d5f-x2k` or `deployment/api`. */
  object: string;
  container?: string;
  reason: string;
  message: string;
  logTail?: string;
}

export interface AnalyzerOutcome {
  analyzer: AnalyzerName;
  /** True when the analyzer produced an explanation. */
  ok: boolean;
  explanation?: string;
  /** What went wrong when ok is false: missing binary, timeout, malformed output… */
  problem?: string;
  /** Worth knowing whatever the outcome, never a failure: e.g. a tool version outside the tested range. */
  warning?: string;
}

export interface HealthReport {
  analyzer: AnalyzerName;
  status: HealthStatus;
  summary: string;
  findings: Finding[];
  analyzedAt: string;
  /** Release name → Helm revision analysed. */
  revisions: Record<string, number>;
  /** The analyzer's explanation, when it gave one. */
  explanation?: string;
  /** Why the analyzer gave no explanation, when it did not. */
  analyzerProblem?: string;
  /** A caveat about the analyzer, such as a kagent version this program was not tested with. */
  analyzerWarning?: string;
}
