import { TITLE_MAX_LENGTH as API_TITLE_MAX_LENGTH } from "@todo/api";
import { expect, it } from "vitest";
import { TITLE_MAX_LENGTH } from "./limits.ts";

it("keeps the title limit in step with the API contract", () => {
  expect(TITLE_MAX_LENGTH).toBe(API_TITLE_MAX_LENGTH);
});
