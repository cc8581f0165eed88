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

/** `extra`: more fields a fake wants tests to see (e.g. what a file named in argv held), merged in. */
function record(bin, args, stdin, extra = {}) {
  const state = process.env.FAKE_STATE_DIR;
  // Names (never values) of secret-looking variables that reached us, so tests can prove none did;
  // PULUMI_COMMAND_STDOUT/STDERR are the command provider's copy of the previous report.
  const secretEnv = Object.keys(process.env).filter((name) =>
    /DATABASE_URL|PASSWORD|PASSPHRASE|API_KEY|TOKEN|^PULUMI_COMMAND_/i.test(name),
  );
  if (state)
    appendFileSync(join(state, "calls.jsonl"), `${JSON.stringify({ bin, args, stdin, secretEnv, ...extra })}\n`);
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

/**
 * Replays a recorded run of fixtures/<tool>/<name>: <name>.stdout (or the older <name>.out) to stdout,
 * <name>.stderr to stderr, and exits with the code in <name>.exit (0 when absent), so a fake reproduces
 * the real tool's streams and exit code. Returns false when no such fixture exists.
 */
function replay(tool, name) {
  const stdout = fixture(tool, `${name}.stdout`) ?? fixture(tool, `${name}.out`);
  const stderr = fixture(tool, `${name}.stderr`);
  const exit = fixture(tool, `${name}.exit`);
  if (stdout === undefined && stderr === undefined && exit === undefined) return false;
  process.stdout.write(stdout ?? "");
  process.stderr.write(stderr ?? "");
  // exitCode, not exit(): let the writes above drain first.
  process.exitCode = Number((exit ?? "0").trim());
  return true;
}

module.exports = {
  FIXTURES,
  fixture,
  hang,
  readStdin,
  record,
  replay,
  statePath,
  existsSync,
  readFileSync,
  writeFileSync,
};
