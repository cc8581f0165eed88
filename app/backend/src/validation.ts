// Request validation. Fastify's default Ajv coerces types and silently strips unknown properties
// everywhere; for JSON bodies we want the opposite (wrong types and unknown fields are 400s), while
// query strings and path params arrive as text and need coercion ("20" → 20).
import type { ErrorObject } from "ajv";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";

// ajv-formats is CommonJS; under NodeNext its default import is the module object at type level.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function createAjv(coerceTypes: boolean): Ajv {
  // strict: false because TypeBox schemas carry annotation keywords Ajv does not know.
  return addFormats(
    new Ajv({ coerceTypes, removeAdditional: false, useDefaults: true, allErrors: false, strict: false }),
  );
}

const bodyAjv = createAjv(false);
const textAjv = createAjv(true);

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === "body" ? bodyAjv : textAjv).compile(schema);

const PART_NAMES: Record<string, string> = { body: "body", querystring: "query", params: "path", headers: "header" };

/** One sentence naming the offending field, e.g. `body.title must not be blank`. */
export function describeValidationError(context: string | undefined, errors: ErrorObject[]): string {
  const part = PART_NAMES[context ?? ""] ?? context ?? "request";
  const error = errors[0];
  if (!error) return `${part} is invalid`;
  const path = error.instancePath.split("/").filter(Boolean);
  const field = (name?: string) => [part, ...path, ...(name ? [name] : [])].join(".");
  switch (error.keyword) {
    case "required":
      return `${field(String(error.params.missingProperty))} is required`;
    case "additionalProperties":
      return `${field(String(error.params.additionalProperty))} is not an allowed field`;
    case "pattern":
      return `${field()} must not be blank`;
    case "minProperties":
      return `${field()} must contain at least one field to change`;
    case "anyOf":
    case "enum":
    case "const":
      return `${field()} has an unsupported value`;
    default:
      return `${field()} ${error.message ?? "is invalid"}`;
  }
}
