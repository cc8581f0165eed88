// Pure readers of resource inputs the policies share: which Release is which Todo service, the
// image references a resource names, and strings in Helm values that look like credentials.

/** Resource type tokens the policies look at. */
export const TYPES = {
  release: "kubernetes:helm.sh/v3:Release",
  dockerBuildImage: "docker-build:index:Image",
  dockerImage: "docker:index/image:Image",
  healthCheck: "todo-platform:aiops:AiHealthCheck",
  /** The AiHealthCheck's child that runs the analysis (`<name>-analysis`). */
  command: "command:local:Command",
} as const;

/** The chart both Todo services are released from. */
export const TODO_CHART = "todo-service";

export type TodoComponent = "backend" | "frontend";

/** Inputs of a helm.v3.Release as the policies read them (all optional: anything may be missing). */
export interface ReleaseProps {
  name?: string;
  chart?: string;
  atomic?: boolean;
  values?: Record<string, unknown>;
}

/** True for a Release of the todo-service chart, or one whose values name a Todo component. */
export function isTodoRelease(props: ReleaseProps): boolean {
  const chart = (props.chart ?? "").replace(/\/+$/, "");
  return chart.split("/").pop() === TODO_CHART || todoComponent(props) !== undefined;
}

/** `values.component` when it is backend or frontend. */
export function todoComponent(props: ReleaseProps): TodoComponent | undefined {
  const component = props.values?.component;
  return component === "backend" || component === "frontend" ? component : undefined;
}

/**
 * Why an image reference is not pinned, or undefined when it is: it needs an explicit tag other
 * than `latest`, or a digest (`repo@sha256:…`).
 */
export function imageRefProblem(ref: string): string | undefined {
  if (ref.trim() === "") return "is empty";
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return undefined;
  const lastSlash = ref.lastIndexOf("/");
  const colon = ref.indexOf(":", lastSlash + 1);
  if (colon === -1) return "has no tag (it would mean `latest`)";
  const tag = ref.slice(colon + 1);
  if (tag === "") return "has an empty tag";
  if (tag.toLowerCase() === "latest") return "uses the moving `latest` tag";
  return undefined;
}

/** Image references in chart values: `image.ref`, `image: "repo:tag"` and `{repository, tag}` blocks. */
export function imageRefsInValues(values: unknown, path = "values"): { path: string; ref: string }[] {
  if (!values || typeof values !== "object") return [];
  if (Array.isArray(values)) return values.flatMap((item, index) => imageRefsInValues(item, `${path}[${index}]`));
  const found: { path: string; ref: string }[] = [];
  for (const [key, value] of Object.entries(values)) {
    const here = `${path}.${key}`;
    if (key === "image" && typeof value === "string") found.push({ path: here, ref: value });
    else if (key === "image" && value && typeof value === "object" && !Array.isArray(value)) {
      const image = value as { ref?: unknown; repository?: unknown; tag?: unknown; digest?: unknown };
      if (typeof image.ref === "string") found.push({ path: `${here}.ref`, ref: image.ref });
      else if (typeof image.repository === "string") {
        const suffix = typeof image.digest === "string" && image.digest ? `@${image.digest}` : "";
        const tag = typeof image.tag === "string" || typeof image.tag === "number" ? `:${image.tag}` : "";
        found.push({ path: `${here}.repository`, ref: `${image.repository}${tag}${suffix}` });
      }
    } else found.push(...imageRefsInValues(value, here));
  }
  return found;
}

/** A key whose last word names a credential: password, secret, token, apiKey, privateKey… */
const CREDENTIAL_KEY =
  /(^|[-_.]|[a-z])(password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?)$/i;
/** Prefixes of well-known credential formats (Neon passwords, OpenAI/Anthropic keys, GitHub, AWS, Slack). */
const CREDENTIAL_VALUE =
  /^(npg_[A-Za-z0-9]{8,}|sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|xox[abpr]-[A-Za-z0-9-]{10,})/;
/** A connection URL: postgres://…, or any scheme with `user:password@`. */
const DATABASE_URL = /^postgres(ql)?:\/\//i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;

/** Where chart values hold something that must live in a Kubernetes Secret instead. */
export function secretFindings(values: unknown, path = "values"): { path: string; reason: string }[] {
  if (typeof values === "string") {
    if (DATABASE_URL.test(values)) return [{ path, reason: "is a database URL" }];
    if (URL_WITH_PASSWORD.test(values)) return [{ path, reason: "is a URL with a password in it" }];
    if (CREDENTIAL_VALUE.test(values)) return [{ path, reason: "looks like an API key or password" }];
    return [];
  }
  if (!values || typeof values !== "object") return [];
  if (Array.isArray(values)) return values.flatMap((item, index) => secretFindings(item, `${path}[${index}]`));
  const found: { path: string; reason: string }[] = [];
  for (const [key, value] of Object.entries(values)) {
    const here = `${path}.${key}`;
    // `existingSecret: my-secret` names a Secret rather than holding one.
    if (typeof value === "string" && value !== "" && CREDENTIAL_KEY.test(key) && !/^existing/i.test(key)) {
      found.push({ path: here, reason: `is a literal ${key}` });
    } else if (/^DATABASE_URL$/i.test(key) && typeof value === "string" && value !== "") {
      found.push({ path: here, reason: "sets DATABASE_URL as a plain value" });
    } else {
      found.push(...secretFindings(value, here));
    }
  }
  return found;
}
