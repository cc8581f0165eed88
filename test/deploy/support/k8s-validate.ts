// Validates Kubernetes objects (e.g. `helm template` output) without a cluster, two ways from the
// same OpenAPI source: kubernetes-models' JSON-schema validators (types, required fields, enums,
// formats) and its TypeScript interfaces, whose excess-property check catches the unknown and
// misspelled fields (`readinesProbe`) that the JSON schemas let through.
import { dirname, join } from "node:path";
import * as ts from "typescript";
import { parseAllDocuments } from "yaml";

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** One object of a multi-document manifest, with the template it came from (`# Source:`). */
export interface RenderedObject {
  source: string;
  object: K8sObject;
}

/** `Kind/name`, how findings name an object. */
export function objectKey(object: K8sObject): string {
  return `${object.kind}/${object.metadata?.name}`;
}

/** Splits a multi-document manifest into objects; throws on invalid YAML or a document that is no object. */
export function parseManifests(manifest: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const document of parseAllDocuments(manifest)) {
    if (document.errors.length > 0) throw new Error(`invalid YAML in manifest: ${document.errors[0]?.message}`);
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const source = /Source: (\S+)/.exec(document.commentBefore ?? "")?.[1] ?? "(unknown)";
    if (typeof value !== "object" || Array.isArray(value)) throw new Error(`${source}: document is not an object`);
    const object = value as K8sObject;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      throw new Error(`${source}: object without apiVersion/kind`);
    }
    objects.push({ source, object });
  }
  return objects;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

const API_VERSION = /^([a-z0-9-]+(\.[a-z0-9-]+)*\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

/** The kubernetes-models module path of a built-in kind (`apps/v1` + `Deployment`). */
function modelModule(apiVersion: string, kind: string): string {
  if (!API_VERSION.test(apiVersion) || !KIND.test(kind))
    throw new Error(`not an apiVersion/kind: ${apiVersion} ${kind}`);
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** The kubernetes-models class for apiVersion/kind; throws for kinds it does not know (CRDs, typos). */
export function modelFor(apiVersion: string, kind: string): ModelClass {
  const path = modelModule(apiVersion, kind);
  let module: Record<string, unknown>;
  try {
    module = require(path);
  } catch {
    throw new Error(`no Kubernetes schema for ${apiVersion} ${kind} (kubernetes-models has no ${path})`);
  }
  const model = module[kind];
  if (typeof model !== "function") throw new Error(`${path} exports no ${kind} model`);
  return model as ModelClass;
}

/**
 * JSON-schema errors of one object ([] when valid): constructs the model and calls validate().
 * Only GA API versions pass: kubernetes-models also ships long-removed beta APIs (policy/v1beta1,
 * extensions/v1beta1, …) that a current cluster refuses.
 */
export function schemaErrors(object: K8sObject): string[] {
  if (/^(.+\/)?v[0-9]+(alpha|beta)[0-9]+$/.test(object.apiVersion)) {
    return [`${objectKey(object)}: pre-GA API version ${object.apiVersion}; use the GA version of ${object.kind}`];
  }
  let Model: ModelClass;
  try {
    Model = modelFor(object.apiVersion, object.kind);
  } catch (error) {
    return [(error as Error).message];
  }
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${objectKey(object)}: ${(error as Error).message}`];
  }
}

/**
 * Fields the Kubernetes API does not define, and type mismatches, found by type-checking each
 * object as an object literal of its kubernetes-models interface. One compile for all objects
 * (about 2-3 s). Returns `Kind/name: <compiler message>` per finding.
 */
export function unknownFieldErrors(objects: K8sObject[]): string[] {
  const imports = objects.map(
    (object, index) =>
      `import type { I${object.kind} as T${index} } from "${modelModule(object.apiVersion, object.kind)}";`,
  );
  // One object per line, so a diagnostic's line names its object.
  const lines = objects.map((object, index) => `export const o${index}: T${index} = ${JSON.stringify(object)};`);
  const source = [...imports, ...lines].join("\n");
  // A virtual file beside this one, so `kubernetes-models` resolves from the repo's node_modules.
  const fileName = join(dirname(__filename), "__rendered_objects__.ts");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
    lib: ["lib.es2022.d.ts"],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
    if (diagnostic.file?.fileName !== fileName || diagnostic.start === undefined) return message;
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const object = objects[line - imports.length];
    return object ? `${objectKey(object)}: ${message}` : message;
  });
}
