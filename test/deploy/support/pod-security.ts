// Pure checker for the Pod Security Standards "restricted" profile (which includes "baseline"),
// as the pod-security admission controller of Kubernetes 1.32 enforces it for Linux pods. Rule
// ids are the upstream check ids, so a finding can be looked up in the admission's source.
// https://kubernetes.io/docs/concepts/security/pod-security-standards/

/** One broken rule, with the field path it was found at (e.g. `spec.template.spec.containers[0]...`). */
export interface PodSecurityViolation {
  rule: PodSecurityRule;
  path: string;
  message: string;
}

export type PodSecurityRule =
  | "hostProcess"
  | "hostNamespaces"
  | "privileged"
  | "hostPathVolumes"
  | "hostPorts"
  | "appArmorProfile"
  | "seLinuxOptions"
  | "procMount"
  | "sysctls"
  | "restrictedVolumes"
  | "allowPrivilegeEscalation"
  | "runAsNonRoot"
  | "runAsUser"
  | "seccompProfile_restricted"
  | "capabilities_restricted";

interface SeccompProfile {
  type?: string;
}
interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  seccompProfile?: SeccompProfile;
  appArmorProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  windowsOptions?: { hostProcess?: boolean };
  capabilities?: { add?: string[]; drop?: string[] };
  sysctls?: { name: string; value?: string }[];
}
interface Container {
  name?: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
}
/** The fields of a PodSpec the profile looks at. */
export interface PodSpecLike {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Record<string, unknown>[];
}
/** A pod template (or Pod): metadata for the AppArmor annotations, and the spec. */
export interface PodTemplateLike {
  metadata?: { annotations?: Record<string, string> };
  spec?: PodSpecLike;
}

/** Volume sources "restricted" allows; anything else (hostPath, nfs, iscsi, …) is refused. */
export const RESTRICTED_VOLUME_TYPES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);
/** Sysctls "baseline" allows (the namespaced, safe set as of 1.32). */
export const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const SECCOMP_ALLOWED = new Set(["RuntimeDefault", "Localhost"]);
const APPARMOR_ALLOWED = new Set(["RuntimeDefault", "Localhost"]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/**
 * Where an object keeps its pod template: Pod, the workload controllers, Job and CronJob.
 * Returns undefined for objects that run no pods (Service, ConfigMap, …).
 */
export function podTemplateOf(object: unknown): { path: string; template: PodTemplateLike } | undefined {
  if (!isRecord(object)) return undefined;
  const spec = isRecord(object.spec) ? object.spec : undefined;
  switch (object.kind) {
    case "Pod":
      return { path: "", template: object as PodTemplateLike };
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "ReplicationController":
    case "Job":
      return spec && isRecord(spec.template)
        ? { path: "spec.template.", template: spec.template as PodTemplateLike }
        : undefined;
    case "CronJob": {
      const jobSpec =
        spec && isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec : {};
      return isRecord(jobSpec.template)
        ? { path: "spec.jobTemplate.spec.template.", template: jobSpec.template as PodTemplateLike }
        : undefined;
    }
    default:
      return undefined;
  }
}

/** Violations of "restricted" by a workload object; [] for compliant pods and for objects without pods. */
export function checkRestricted(object: unknown): PodSecurityViolation[] {
  const found = podTemplateOf(object);
  return found ? checkRestrictedPod(found.template, found.path) : [];
}

/** Violations of "restricted" (baseline included) by one pod template; `prefix` is prepended to paths. */
export function checkRestrictedPod(template: PodTemplateLike, prefix = ""): PodSecurityViolation[] {
  const violations: PodSecurityViolation[] = [];
  const add = (rule: PodSecurityRule, path: string, message: string) =>
    violations.push({ rule, path: `${prefix}${path}`, message });
  const spec = template.spec ?? {};
  const podContext = spec.securityContext ?? {};
  const containers = [
    ...(spec.containers ?? []).map((container, index) => ({ container, path: `spec.containers[${index}]` })),
    ...(spec.initContainers ?? []).map((container, index) => ({ container, path: `spec.initContainers[${index}]` })),
    ...(spec.ephemeralContainers ?? []).map((container, index) => ({
      container,
      path: `spec.ephemeralContainers[${index}]`,
    })),
  ];

  // --- baseline ---
  for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (spec[field] === true) add("hostNamespaces", `spec.${field}`, `${field} must be unset or false`);
  }
  if (podContext.windowsOptions?.hostProcess === true) {
    add("hostProcess", "spec.securityContext.windowsOptions.hostProcess", "host process pods are forbidden");
  }
  checkSeLinux(podContext, "spec.securityContext", add);
  checkAppArmor(podContext, "spec.securityContext", add);
  for (const [index, sysctl] of (podContext.sysctls ?? []).entries()) {
    if (!SAFE_SYSCTLS.has(sysctl.name)) {
      add("sysctls", `spec.securityContext.sysctls[${index}]`, `sysctl ${sysctl.name} is not in the safe set`);
    }
  }
  for (const [key, value] of Object.entries(template.metadata?.annotations ?? {})) {
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== "runtime/default" && !value.startsWith("localhost/")) {
      add("appArmorProfile", `metadata.annotations["${key}"]`, `AppArmor profile ${value} is not allowed`);
    }
  }

  // --- restricted: pod-level ---
  if (podContext.runAsNonRoot === false) {
    add("runAsNonRoot", "spec.securityContext.runAsNonRoot", "runAsNonRoot must not be false");
  }
  if (podContext.runAsUser === 0) add("runAsUser", "spec.securityContext.runAsUser", "runAsUser must not be 0");
  const podSeccomp = podContext.seccompProfile?.type;
  if (podSeccomp !== undefined && !SECCOMP_ALLOWED.has(podSeccomp)) {
    add(
      "seccompProfile_restricted",
      "spec.securityContext.seccompProfile.type",
      `seccomp ${podSeccomp} is not allowed`,
    );
  }
  for (const [index, volume] of (spec.volumes ?? []).entries()) {
    const sources = Object.keys(volume).filter((key) => key !== "name");
    for (const source of sources) {
      if (source === "hostPath")
        add("hostPathVolumes", `spec.volumes[${index}].hostPath`, "hostPath volumes are forbidden");
      if (!RESTRICTED_VOLUME_TYPES.has(source)) {
        add("restrictedVolumes", `spec.volumes[${index}].${source}`, `volume type ${source} is not allowed`);
      }
    }
  }

  // --- per container ---
  for (const { container, path } of containers) {
    const context = container.securityContext ?? {};
    const at = `${path}.securityContext`;
    if (context.privileged === true) add("privileged", `${at}.privileged`, "privileged containers are forbidden");
    if (context.windowsOptions?.hostProcess === true) {
      add("hostProcess", `${at}.windowsOptions.hostProcess`, "host process containers are forbidden");
    }
    if (context.procMount !== undefined && context.procMount !== "Default") {
      add("procMount", `${at}.procMount`, `procMount ${context.procMount} is not allowed`);
    }
    checkSeLinux(context, at, add);
    checkAppArmor(context, at, add);
    for (const [index, port] of (container.ports ?? []).entries()) {
      if (port.hostPort !== undefined && port.hostPort !== 0) {
        add("hostPorts", `${path}.ports[${index}].hostPort`, `hostPort ${port.hostPort} is forbidden`);
      }
    }

    if (context.allowPrivilegeEscalation !== false) {
      add("allowPrivilegeEscalation", `${at}.allowPrivilegeEscalation`, "allowPrivilegeEscalation must be false");
    }
    if (context.runAsNonRoot === false) {
      add("runAsNonRoot", `${at}.runAsNonRoot`, "runAsNonRoot must not be false");
    } else if (podContext.runAsNonRoot !== true && context.runAsNonRoot !== true) {
      add("runAsNonRoot", `${at}.runAsNonRoot`, "runAsNonRoot must be true here or in the pod securityContext");
    }
    if (context.runAsUser === 0) add("runAsUser", `${at}.runAsUser`, "runAsUser must not be 0");
    const seccomp = context.seccompProfile?.type;
    if (seccomp !== undefined && !SECCOMP_ALLOWED.has(seccomp)) {
      add("seccompProfile_restricted", `${at}.seccompProfile.type`, `seccomp ${seccomp} is not allowed`);
    } else if (seccomp === undefined && (podSeccomp === undefined || !SECCOMP_ALLOWED.has(podSeccomp))) {
      add(
        "seccompProfile_restricted",
        `${at}.seccompProfile.type`,
        "seccompProfile.type must be RuntimeDefault or Localhost here or in the pod securityContext",
      );
    }
    const drop = context.capabilities?.drop ?? [];
    if (!drop.includes("ALL")) {
      add("capabilities_restricted", `${at}.capabilities.drop`, 'capabilities.drop must include "ALL"');
    }
    for (const capability of context.capabilities?.add ?? []) {
      if (capability !== "NET_BIND_SERVICE") {
        add("capabilities_restricted", `${at}.capabilities.add`, `capability ${capability} may not be added`);
      }
    }
  }
  return violations;
}

type Add = (rule: PodSecurityRule, path: string, message: string) => void;

function checkSeLinux(context: SecurityContext, at: string, add: Add): void {
  const options = context.seLinuxOptions;
  if (!options) return;
  if (options.type !== undefined && !SELINUX_TYPES.has(options.type)) {
    add("seLinuxOptions", `${at}.seLinuxOptions.type`, `SELinux type ${options.type} is not allowed`);
  }
  if (options.user) add("seLinuxOptions", `${at}.seLinuxOptions.user`, "SELinux user must be unset");
  if (options.role) add("seLinuxOptions", `${at}.seLinuxOptions.role`, "SELinux role must be unset");
}

function checkAppArmor(context: SecurityContext, at: string, add: Add): void {
  const type = context.appArmorProfile?.type;
  if (type !== undefined && !APPARMOR_ALLOWED.has(type)) {
    add("appArmorProfile", `${at}.appArmorProfile.type`, `AppArmor profile ${type} is not allowed`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
