// What every browser check of the HTML report shares: its command line, Chromium through
// playwright-core (exit 77, "skipped", when it cannot be loaded), a tally of named checks, and the
// closing verdict (exit 1 when a check failed).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

// `name` prefixes every message; `required` lists the --options that must be given.
export async function startCheck(name, required) {
  const spec = {};
  for (const option of required) spec[option] = { type: "string" };
  const { values: options } = parseArgs({ options: spec });
  for (const option of required)
    if (!options[option]) {
      console.error(`${name}: --${option} is required`);
      process.exit(2);
    }
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (error) {
    console.log(`${name}: SKIPPED: playwright-core cannot be loaded (${error.message}); run npm ci here`);
    process.exit(77);
  }
  const failures = [];
  return {
    // Debian's headless Chromium with a throw-away profile (exit 77, "skipped", when it does not start);
    // `close()` ends it and removes the profile.
    async launchBrowser() {
      const userDataDir = mkdtempSync(join(tmpdir(), "fdconform-chromium-"));
      let context;
      try {
        context = await chromium.launchPersistentContext(userDataDir, {
          executablePath: "/usr/bin/chromium",
          headless: true,
          args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
          viewport: { width: 1400, height: 900 },
        });
      } catch (error) {
        rmSync(userDataDir, { recursive: true, force: true });
        console.log(`${name}: SKIPPED: chromium did not start: ${error.message.split("\n")[0]}`);
        process.exit(77);
      }
      return {
        context,
        async close() {
          await context.close();
          rmSync(userDataDir, { recursive: true, force: true });
        },
      };
    },
    options,
    chromium,
    results: JSON.parse(readFileSync(options.results, "utf8")),
    reportUrl: pathToFileURL(resolve(options.html)).href,
    check(condition, message) {
      if (condition) console.log(`ok   ${message}`);
      else { console.log(`FAIL ${message}`); failures.push(message); }
    },
    finish() {
      if (failures.length) {
        console.log(`${name}: ${failures.length} check(s) failed`);
        process.exit(1);
      }
      console.log(`${name}: all checks passed`);
    },
  };
}
