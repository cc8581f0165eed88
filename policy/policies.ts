// The todo-platform constitution as policies. index.ts serves them as a pack; the tests call each
// validate function directly with fabricated arguments, like pulumi-policy's own tests.
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

import {
  imageRefProblem,
  imageRefsInValues,
  isTodoRelease,
  type ReleaseProps,
  secretFindings,
  TYPES,
  todoComponent,
} from "./inspect";

function releaseProps(args: { type: string; props: Record<string, unknown> }): ReleaseProps | undefined {
  return args.type === TYPES.release ? (args.props as ReleaseProps) : undefined;
}

export const frontendMinReplicas: ResourceValidationPolicy = {
  name: "frontend-min-replicas",
  description: "The frontend runs at least 2 replicas, so one pod can restart while the app stays up.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { minReplicas: { type: "integer", minimum: 1, default: 2 } } },
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const props = releaseProps(args);
    if (!props || todoComponent(props) !== "frontend") return;
    const min = args.getConfig<{ minReplicas?: number }>().minReplicas ?? 2;
    const replicas = props.values?.replicaCount;
    if (typeof replicas !== "number" || replicas < min) {
      const actual = typeof replicas === "number" ? `replicaCount ${replicas}` : "no replicaCount";
      reportViolation(
        `frontend release ${props.name ?? args.name} has ${actual}; the constitution needs at least ${min} (pulumi config set frontendReplicas ${min})`,
      );
    }
  },
};

export const separateReleases: StackValidationPolicy = {
  name: "backend-frontend-separate-releases",
  description: "Backend and frontend are separate Helm releases running separate images (one container each).",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const todo = args.resources.filter((r) => r.type === TYPES.release && isTodoRelease(r.props as ReleaseProps));
    if (todo.length === 0) return;
    const byComponent = (component: string) => todo.filter((r) => todoComponent(r.props as ReleaseProps) === component);
    const backends = byComponent("backend");
    const frontends = byComponent("frontend");
    for (const release of todo.filter((r) => !todoComponent(r.props as ReleaseProps))) {
      reportViolation(
        "todo-service release does not say whether it is the backend or the frontend (values.component)",
        release.urn,
      );
    }
    if (backends.length !== 1) reportViolation(`expected exactly one backend release, found ${backends.length}`);
    if (frontends.length !== 1) reportViolation(`expected exactly one frontend release, found ${frontends.length}`);
    const imageOf = (r: PolicyResource) => (r.props as ReleaseProps).values?.image as { ref?: unknown } | undefined;
    const [backend] = backends;
    const [frontend] = frontends;
    if (backend && frontend) {
      const backendImage = imageOf(backend)?.ref;
      if (backendImage !== undefined && backendImage === imageOf(frontend)?.ref) {
        reportViolation(
          `backend and frontend run the same image ${String(backendImage)}; each needs its own container image`,
        );
      }
      const backendName = (backend.props as ReleaseProps).name ?? backend.name;
      if (backendName === ((frontend.props as ReleaseProps).name ?? frontend.name)) {
        reportViolation(`backend and frontend share the Helm release name ${backendName}`);
      }
    }
  },
};

export const atomicReleases: ResourceValidationPolicy = {
  name: "releases-atomic",
  description: "Every Helm release is atomic: a failed install or upgrade rolls back instead of staying half-applied.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const props = releaseProps(args);
    if (props && props.atomic !== true) {
      reportViolation(`Helm release ${props.name ?? args.name} is not atomic; set \`atomic: true\` on the Release`);
    }
  },
};

export const pinnedImages: ResourceValidationPolicy = {
  name: "images-pinned",
  description: "No image is untagged or `latest`: every deploy names the exact image it runs.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const refs: { path: string; ref: string }[] = [];
    const release = releaseProps(args);
    if (release) refs.push(...imageRefsInValues(release.values ?? {}));
    if (args.type === TYPES.dockerBuildImage) {
      const tags = (args.props.tags as unknown[] | undefined) ?? [];
      tags.forEach((tag, index) => {
        refs.push({ path: `tags[${index}]`, ref: String(tag) });
      });
    }
    if (args.type === TYPES.dockerImage && typeof args.props.imageName === "string") {
      refs.push({ path: "imageName", ref: args.props.imageName });
    }
    for (const { path, ref } of refs) {
      const problem = imageRefProblem(ref);
      if (problem) reportViolation(`image ${JSON.stringify(ref)} at ${path} ${problem}; use a content tag or a digest`);
    }
  },
};

export const noSecretsInReleaseValues: ResourceValidationPolicy = {
  name: "no-secrets-in-release-values",
  description:
    "Helm values hold no database URL or credential (Helm stores values in plain release records); the backend reads DATABASE_URL from a Kubernetes Secret (secretEnv).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const props = releaseProps(args);
    if (!props) return;
    for (const { path, reason } of secretFindings(props.values ?? {})) {
      reportViolation(`${path} ${reason}; put it in a Kubernetes Secret and reference it by name (secretEnv)`);
    }
    if (todoComponent(props) === "backend" && !databaseUrlFromSecret(props.values?.secretEnv)) {
      reportViolation(
        `backend release ${props.name ?? args.name} does not read DATABASE_URL from a Secret (values.secretEnv needs {name: DATABASE_URL, secretName, key})`,
      );
    }
  },
};

/** True when secretEnv maps DATABASE_URL from a named Secret key. */
function databaseUrlFromSecret(secretEnv: unknown): boolean {
  if (!Array.isArray(secretEnv)) return false;
  return secretEnv.some(
    (entry: { name?: unknown; secretName?: unknown; key?: unknown } | null) =>
      entry?.name === "DATABASE_URL" &&
      typeof entry.secretName === "string" &&
      entry.secretName !== "" &&
      typeof entry.key === "string",
  );
}

export const releaseProbes: ResourceValidationPolicy = {
  name: "release-health-probes",
  description: "Every Todo service release has liveness and readiness probes.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const props = releaseProps(args);
    if (!props || !isTodoRelease(props)) return;
    const probes = props.values?.probes as { livenessPath?: unknown; readinessPath?: unknown } | undefined;
    for (const key of ["livenessPath", "readinessPath"] as const) {
      const path = probes?.[key];
      if (typeof path !== "string" || !path.startsWith("/")) {
        reportViolation(
          `release ${props.name ?? args.name} has no ${key} probe (values.probes.${key} must be an HTTP path)`,
        );
      }
    }
  },
};

export const healthAnalysisPresent: StackValidationPolicy = {
  name: "health-analysis-present",
  description:
    "A stack that deploys the Todo releases runs the AI health analysis (AiHealthCheck and its analysis Command) after every one of them.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const todo = args.resources.filter((r) => r.type === TYPES.release && isTodoRelease(r.props as ReleaseProps));
    if (todo.length === 0) return;
    const checks = args.resources.filter((r) => r.type === TYPES.healthCheck);
    if (checks.length === 0) {
      reportViolation(
        `the stack deploys the Todo releases but has no ${TYPES.healthCheck} resource (components/health.ts, created in index.ts after both releases; aiops.analyzer off leaves it out)`,
      );
      return;
    }
    // The analysis runs even with aiops.analyzer none (facts only), so it is required whatever the
    // config. aiops.analyzer off removes it, and this mandatory policy then fails the preview: a stack
    // that means to run without it sets the policy advisory or disabled (docs/aiops.md).
    const analyses = args.resources.filter((r) => r.type === TYPES.command && r.parent?.type === TYPES.healthCheck);
    if (analyses.length === 0) {
      reportViolation(`${TYPES.healthCheck} has no ${TYPES.command} child running the analysis`, checks[0]?.urn);
      return;
    }
    for (const release of todo) {
      if (!analyses.some((analysis) => analysis.dependencies.some((dependency) => dependency.urn === release.urn))) {
        const releaseName = (release.props as ReleaseProps).name ?? release.name;
        reportViolation(
          `the health analysis does not wait for release ${releaseName}; pass the release in the AiHealthCheck's dependsOn`,
          release.urn,
        );
      }
    }
  },
};

/** Every policy of the pack, in the order `pulumi preview` reports them. */
export const policies = [
  frontendMinReplicas,
  separateReleases,
  atomicReleases,
  pinnedImages,
  noSecretsInReleaseValues,
  releaseProbes,
  healthAnalysisPresent,
];
