// Config slice for the deploy (owned by the deploy component): cluster, namespace, replicas,
// database and release settings. Flat keys, e.g. `pulumi config set frontendReplicas 3`.
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";

import { checkDatabaseUrl } from "./database-url";

/** Kubernetes namespace names are RFC 1123 labels. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain, for ingress hosts. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Kubernetes storage quantity such as 1Gi or 500Mi. */
const STORAGE_QUANTITY = /^[1-9][0-9]*(Ki|Mi|Gi|Ti)$/;
/** `[registry/]repository[:tag][@sha256:digest]`, lowercase repository path. */
export const IMAGE_REFERENCE =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
/** `<IPv4 or IPv6 address>/<prefix length>`, e.g. 0.0.0.0/0 or 203.0.113.0/24. */
export function isCidr(value: string): boolean {
  const [address = "", prefix, ...rest] = value.split("/");
  if (rest.length > 0 || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  if (isIPv4(address)) return Number(prefix) <= 32;
  return isIPv6(address) && Number(prefix) <= 128;
}

/** Alphanumeric: the password is put into postgresql://todo:<password>@… without escaping. */
const POSTGRES_PASSWORD = /^[A-Za-z0-9]{16,128}$/;

export const deployConfigSchema = z
  .object({
    kubeContext: z.string().min(1).default("minikube"),
    /** Defaults to `todo-<stack>` (filled in by config/index.ts, which knows the stack). */
    namespace: z
      .string()
      .max(63, "must be at most 63 characters")
      .regex(DNS_LABEL, "must be a DNS label: lowercase letters, digits and '-', starting and ending alphanumeric"),
    frontendReplicas: z.number().int().min(1).max(20).default(2),
    backendReplicas: z.number().int().min(1).max(20).default(2),
    /** The frontend runs at least 2 replicas unless this is set (e.g. a tiny laptop). */
    allowSingleFrontendReplica: z.boolean().default(false),
    /** Secret. Unset: an in-cluster Postgres is deployed instead of Neon. */
    databaseUrl: z.string().min(1).optional(),
    postgresStorageSize: z.string().regex(STORAGE_QUANTITY, "must be a storage quantity such as 1Gi").default("1Gi"),
    postgresImage: z
      .string()
      .regex(IMAGE_REFERENCE, "must be an image reference such as postgres:17-bookworm")
      .default("postgres:17-bookworm"),
    /** Secret. Unset: the in-cluster Postgres gets a generated password, kept in the stack's state. */
    postgresPassword: z
      .string()
      .regex(POSTGRES_PASSWORD, "must be 16-128 letters and digits (it goes into the database URL unescaped)")
      .optional(),
    /** When set, the frontend gets an Ingress for this host (Minikube ingress addon). */
    ingressHost: z.string().max(253).regex(DNS_SUBDOMAIN, "must be a DNS name such as todo.local").optional(),
    releaseTimeoutSeconds: z.number().int().min(60).max(3600).default(600),
    releaseMaxHistory: z.number().int().min(1).max(100).default(10),
    /** NetworkPolicies for both releases and the in-cluster Postgres; off for a CNI that cannot enforce them. */
    networkPolicies: z.boolean().default(true),
    /** Namespaces (e.g. ingress-nginx, monitoring) whose pods may reach the backend. */
    networkPolicyAllowNamespaces: z
      .array(
        z
          .string()
          .max(63, "each namespace must be at most 63 characters")
          .regex(
            DNS_LABEL,
            "each namespace must be a DNS label: lowercase letters, digits and '-', e.g. ingress-nginx",
          ),
        {
          error:
            "must be a list of namespace names; run `pulumi config rm networkPolicyAllowNamespaces && pulumi config set --path 'networkPolicyAllowNamespaces[0]' ingress-nginx`",
        },
      )
      .max(20, "at most 20 namespaces")
      .superRefine((names, ctx) => {
        for (const [index, name] of names.entries()) {
          if (names.indexOf(name) === index) continue;
          ctx.addIssue({
            code: "custom",
            path: [index],
            message: `lists ${name} twice; run \`pulumi config rm --path 'networkPolicyAllowNamespaces[${index}]'\``,
          });
        }
      })
      .default([]),
    /** Addresses the backend may reach the databaseUrl's port on (only with databaseUrl). */
    networkPolicyDatabaseCidr: z
      .string()
      .refine(isCidr, "must be an IPv4 or IPv6 CIDR such as 0.0.0.0/0 or 203.0.113.0/24")
      .default("0.0.0.0/0"),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.frontendReplicas < 2 && !value.allowSingleFrontendReplica) {
      ctx.addIssue({
        code: "custom",
        path: ["frontendReplicas"],
        message:
          "the frontend needs at least 2 replicas for availability; run `pulumi config set frontendReplicas 2` or, to accept one, `pulumi config set allowSingleFrontendReplica true`",
      });
    }
    if (value.databaseUrl !== undefined) {
      for (const problem of checkDatabaseUrl(value.databaseUrl).problems) {
        ctx.addIssue({
          code: "custom",
          path: ["databaseUrl"],
          message: problem.includes("pulumi config")
            ? problem
            : `${problem}; run \`pulumi config set --secret databaseUrl\` (it prompts for the URL)`,
        });
      }
    }
  });
export type DeployConfig = z.infer<typeof deployConfigSchema>;
