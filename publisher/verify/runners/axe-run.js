// Run axe-core on local HTML files in one headless Chromium session; print one JSON document.
//
// usage: node axe-run.js CHROMIUM TAGS FILE...   (TAGS: comma-separated axe tags, e.g. wcag2a,wcag2aa)
// out:   {"axe": "<version>", "pages": [{"file", "url", "violations": [...], "error"?}]}
//
// Called by publisher/verify/axe.py. The browser is Debian's chromium, given by path:
// playwright-core never downloads one.
'use strict';

const path = require('path');
const { pathToFileURL } = require('url');
const { chromium } = require('playwright-core');
const axeSource = require('axe-core').source;

// Flags from ../shared/STANDARDS.md section 5: no sandbox as root, no GPU, no network chatter.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'];

async function main() {
  const [executablePath, tags, ...files] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath, args: FLAGS, headless: true, timeout: 60000 });
  const pages = [];
  try {
    const context = await browser.newContext();
    // The pages are local files; nothing may be fetched from the network.
    await context.route(/^https?:/, (route) => route.abort());
    for (const file of files) {
      const url = pathToFileURL(path.resolve(file)).href;
      const page = await context.newPage();
      try {
        await page.goto(url, { waitUntil: 'load', timeout: 60000 });
        await page.addScriptTag({ content: axeSource });
        const result = await page.evaluate(async (values) => {
          const r = await window.axe.run(document, { runOnly: { type: 'tag', values }, resultTypes: ['violations'] });
          return { version: r.testEngine.version, violations: r.violations };
        }, tags.split(','));
        pages.push({ file, url, axe: result.version, violations: result.violations });
      } catch (err) {
        pages.push({ file, url, error: String(err && err.message || err) });
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify({ axe: require('axe-core/package.json').version, pages }));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
