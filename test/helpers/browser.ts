/**
 * The pages' browser tests share one way to drive Chromium: Debian's `/usr/bin/chromium` through
 * playwright-core (no browser download), a phone-sized context, and axe-core's accessibility rules
 * run in the page (through the DevTools protocol, so the pages' Content-Security-Policy does not
 * stand in the way), of which serious and critical violations fail a test.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A 390×844 phone; `headers` e.g. an API token for a reader who is not a stranger. */
export async function phoneContext(
  browser: Browser,
  options: { javaScript?: boolean; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: options.javaScript ?? true,
    ...(options.headers ? { extraHTTPHeaders: options.headers } : {}),
  });
  context.setDefaultTimeout(options.timeoutMs ?? 8_000);
  return context;
}

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
