// Browser end to end: headless Chromium (playwright-core) drives the real app — both images built
// from their Dockerfiles, served from read-only containers, the backend on an embedded Postgres.
// The steps share one page and one database and run in order: add, edit, toggle, filter, delete,
// then reload (and a fresh browser context) to see that the state came back from Postgres.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CHROMIUM_PATH, hasCapabilities } from "../support/capabilities";
import { type AppStack, startAppStack } from "./support/app-stack";

const RESULTS_DIR = join(__dirname, "..", "..", "test-results");

/** Titles of the listed todos, top to bottom (each checkbox's label text). */
async function listedTitles(page: Page): Promise<string[]> {
  const list = page.getByRole("list", { name: "Todos" });
  if ((await list.count()) === 0) return [];
  return list
    .getByRole("checkbox")
    .evaluateAll((boxes) => boxes.map((box) => box.closest("label")?.textContent?.trim() ?? ""));
}

async function statusText(page: Page): Promise<string> {
  return (await page.getByRole("status").textContent()) ?? "";
}

describe.runIf(hasCapabilities("docker", "chromium", "postgres"))("the app in a browser (real containers)", () => {
  let stack: AppStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    stack = await startAppStack({ name: "e2e" });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    context = await browser.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(stack.frontendUrl);
  }, 900_000);

  afterAll(async () => {
    if (page) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: join(RESULTS_DIR, "browser-e2e.png"), fullPage: true }).catch(() => {});
    }
    await browser?.close();
    await stack?.stop();
  }, 120_000);

  it("starts empty, served through the frontend container", async () => {
    await page.getByText("Nothing to do yet. Add your first todo above.").waitFor();
    expect(await page.getByRole("heading", { name: "Todos" }).isVisible()).toBe(true);
    expect(await statusText(page)).not.toContain("Loading");
  });

  it("adds todos with the form (button and Enter), newest first", async () => {
    const field = page.getByLabel("New todo");
    await field.fill("Buy milk");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByRole("checkbox", { name: "Buy milk" }).waitFor();
    expect(await field.inputValue()).toBe("");

    await field.fill("Write report");
    await field.press("Enter");
    await page.getByRole("checkbox", { name: "Write report" }).waitFor();
    await field.fill("Call the plumber");
    await field.press("Enter");
    await page.getByRole("checkbox", { name: "Call the plumber" }).waitFor();

    expect(await listedTitles(page)).toEqual(["Call the plumber", "Write report", "Buy milk"]);
    expect(await statusText(page)).toContain("Added “Call the plumber”");
  });

  it("edits a title", async () => {
    await page.getByRole("button", { name: "Edit Write report" }).click();
    const field = page.getByRole("textbox", { name: "New title for Write report" });
    await field.fill("Write the final report");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("checkbox", { name: "Write the final report" }).waitFor();
    expect(await listedTitles(page)).toEqual(["Call the plumber", "Write the final report", "Buy milk"]);
    expect(await statusText(page)).toContain("Renamed to “Write the final report”");
  });

  it("toggles a todo completed", async () => {
    const box = page.getByRole("checkbox", { name: "Buy milk" });
    expect(await box.isChecked()).toBe(false);
    await box.click();
    await expect.poll(() => box.isChecked()).toBe(true);
    expect(await statusText(page)).toContain("Marked “Buy milk” as completed");
  });

  it("filters active, completed and all", async () => {
    await page.getByRole("button", { name: "Active", exact: true }).click();
    await expect.poll(() => listedTitles(page)).toEqual(["Call the plumber", "Write the final report"]);
    expect(await page.getByRole("button", { name: "Active", exact: true }).getAttribute("aria-pressed")).toBe("true");

    await page.getByRole("button", { name: "Completed", exact: true }).click();
    await expect.poll(() => listedTitles(page)).toEqual(["Buy milk"]);

    await page.getByRole("button", { name: "All", exact: true }).click();
    await expect.poll(() => listedTitles(page)).toEqual(["Call the plumber", "Write the final report", "Buy milk"]);
  });

  it("deletes a todo", async () => {
    await page.getByRole("button", { name: "Delete Call the plumber" }).click();
    await expect.poll(() => listedTitles(page)).toEqual(["Write the final report", "Buy milk"]);
    expect(await statusText(page)).toContain("Deleted “Call the plumber”");
  });

  it("keeps every change after a reload and in a fresh browser context", async () => {
    await page.reload();
    await expect.poll(() => listedTitles(page)).toEqual(["Write the final report", "Buy milk"]);
    expect(await page.getByRole("checkbox", { name: "Buy milk" }).isChecked()).toBe(true);
    expect(await page.getByRole("checkbox", { name: "Write the final report" }).isChecked()).toBe(false);

    const fresh = await browser.newContext();
    try {
      const other = await fresh.newPage();
      await other.goto(stack.frontendUrl);
      await expect.poll(() => listedTitles(other)).toEqual(["Write the final report", "Buy milk"]);
    } finally {
      await fresh.close();
    }
  });

  it("stored exactly those rows in Postgres", async () => {
    const client = new pg.Client({ connectionString: stack.postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT title, completed FROM todos ORDER BY created_at DESC");
      expect(rows).toEqual([
        { title: "Write the final report", completed: false },
        { title: "Buy milk", completed: true },
      ]);
    } finally {
      await client.end();
    }
  });

  it("raised no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
