// Which errors the backend answers 503 (database unavailable) instead of 500.
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "../../src/db/unavailable.ts";

const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("isDatabaseUnavailable", () => {
  it.each([
    ["a refused connect", withCode("ECONNREFUSED")],
    ["a reset socket", withCode("ECONNRESET")],
    ["DNS not resolving the Service yet", withCode("EAI_AGAIN")],
    ["Postgres' fast shutdown (57P01)", withCode("57P01", "terminating connection due to administrator command")],
    ["Postgres starting up (57P03)", withCode("57P03", "the database system is starting up")],
    ["a connection exception (08006)", withCode("08006")],
    ["pg's ended connection", new Error("Connection terminated unexpectedly")],
    ["pg's connect timeout", new Error("timeout exceeded when trying to connect")],
    ["the cause of a wrapped error", new Error("query failed", { cause: withCode("ECONNREFUSED") })],
    ["one of an AggregateError's", new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")], "")],
  ])("%s: yes", (_, error) => expect(isDatabaseUnavailable(error)).toBe(true));

  it.each([
    ["a unique violation (23505)", withCode("23505", "duplicate key value")],
    ["a syntax error (42601)", withCode("42601")],
    ["a plain bug", new TypeError("cannot read properties of undefined")],
    ["nothing", undefined],
  ])("%s: no", (_, error) => expect(isDatabaseUnavailable(error)).toBe(false));
});
