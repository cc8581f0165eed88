// The app as a person uses it, on a deployed cluster: headless Chromium adds a todo, marks it done
// and reloads; the todo must come back completed (from Postgres, through both releases).
import { chromium } from "playwright-core";

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function addToggleReload(appUrl: string, title: string): Promise<void> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(appUrl);
    await page.getByLabel("New todo").fill(title);
    await page.getByRole("button", { name: "Add", exact: true }).click();
    const box = page.getByRole("checkbox", { name: title });
    await box.waitFor();
    if (await box.isChecked()) throw new Error(`the new todo "${title}" is already completed`);
    await box.click();
    await page
      .getByRole("status")
      .filter({ hasText: `Marked “${title}” as completed` })
      .waitFor();
    await page.reload();
    const reloaded = page.getByRole("checkbox", { name: title });
    await reloaded.waitFor();
    if (!(await reloaded.isChecked())) throw new Error(`after a reload "${title}" is no longer completed`);
    if (pageErrors.length) throw new Error(`the page threw: ${pageErrors.join("; ")}`);
  } finally {
    await browser.close();
  }
}
