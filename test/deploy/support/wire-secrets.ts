// How the Pulumi SDK marks a secret on the wire (`{ [specialSigKey]: specialSecretSig, value }`),
// for tests that check where secret values may and may not appear in a program's registrations.
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/** True for the wire form of a value Pulumi treats as secret. */
export function isWireSecret(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}

/** The value with every secret-wrapped part replaced by "[secret]": what stays in the clear. */
export function withoutSecretValues(value: unknown): unknown {
  if (isWireSecret(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(withoutSecretValues);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutSecretValues(inner)]));
  }
  return value;
}
