// Shared plumbing for the fake executables in ./bin: they replay recorded outputs from fixtures and
// log every call (argv and stdin) so tests can assert what our code asked for.
const { appendFileSync, existsSync, readFileSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");

const FIXTURES = join(__dirname, "fixtures");

function readStdin() {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}

function record(bin, args, stdin) {
  const state = process.env.FAKE_STATE_DIR;
  // Names (never values) of secret-looking variables that reached us, so tests can prove none did.
  const secretEnv = Object.keys(process.env).filter((name) => /DATABASE_URL|PASSWORD|API_KEY|TOKEN/i.test(name));
  if (state) appendFileSync(join(state, "calls.jsonl"), `${JSON.stringify({ bin, args, stdin, secretEnv })}\n`);
}

function fixture(...parts) {
  const path = join(FIXTURES, ...parts);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

function statePath(name) {
  return join(process.env.FAKE_STATE_DIR ?? "/nonexistent", name);
}

/** Never exits; leaves its pid in FAKE_STATE_DIR/<name>.pid so tests can check it was killed. */
function hang(name) {
  if (process.env.FAKE_STATE_DIR) writeFileSync(statePath(`${name}.pid`), String(process.pid));
  setInterval(() => {}, 60_000);
}

module.exports = { FIXTURES, fixture, hang, readStdin, record, statePath, existsSync, readFileSync, writeFileSync };
