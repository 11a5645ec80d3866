// What every browser check of the HTML report shares: its command line, Chromium through
// playwright-core (exit 77, "skipped", when it cannot be loaded), a tally of named checks, and the
// closing verdict (exit 1 when a check failed).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
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
