// Run axe-core on local HTML files in one headless Chromium session, each page at 390 px and
// at 1280 px (and check it does not scroll sideways); print one JSON document.
//
// usage: node axe-run.js CHROMIUM TAGS FILE...   (TAGS: comma-separated axe tags, e.g. wcag2a,wcag2aa)
// out:   {"axe": "<version>", "pages": [{"file", "url", "viewports", "violations": [...], "error"?}]}
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

// A phone (390 px, WCAG 1.4.10 Reflow asks for 320 CSS px and up) and a desktop window.
const VIEWPORTS = [{ width: 390, height: 844 }, { width: 1280, height: 800 }];

// In the page: does it scroll sideways? axe has no rule for that (WCAG 1.4.10 Reflow): the
// widest elements are reported as a violation of our own, in axe's shape.
function sidewaysScroll() {
  const root = document.documentElement;
  const width = root.clientWidth;
  if (root.scrollWidth <= width + 1) return null;
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      parts.unshift(e.id ? `${e.localName}#${e.id}` : e.localName + (e.classList.length ? '.' + [...e.classList].join('.') : ''));
      if (e.id) break;
    }
    return parts.join(' > ');
  };
  const wide = [...document.body.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > width + 1
    && ![...e.children].some((c) => c.getBoundingClientRect().right > width + 1));
  return {
    id: 'reflow', impact: 'serious', tags: ['wcag21aa', 'wcag1410'],
    help: `The page scrolls sideways at ${width} px: ${root.scrollWidth} px of content (WCAG 1.4.10 Reflow)`,
    helpUrl: 'https://www.w3.org/WAI/WCAG21/Understanding/reflow.html',
    nodes: wide.slice(0, 10).map((e) => ({ target: [path(e)], failureSummary: `ends at ${Math.round(e.getBoundingClientRect().right)} px` })),
  };
}

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
      const violations = new Map();  // rule id -> violation (first viewport that shows it)
      let version = null;
      try {
        for (const viewport of VIEWPORTS) {
          const page = await context.newPage({ viewport });
          try {
            await page.setViewportSize(viewport);
            await page.goto(url, { waitUntil: 'load', timeout: 60000 });
            await page.addScriptTag({ content: axeSource });
            const result = await page.evaluate(async (values) => {
              const r = await window.axe.run(document, { runOnly: { type: 'tag', values }, resultTypes: ['violations'] });
              return { version: r.testEngine.version, violations: r.violations };
            }, tags.split(','));
            version = result.version;
            for (const v of result.violations) {
              if (!violations.has(v.id)) violations.set(v.id, { ...v, help: `${v.help} (at ${viewport.width} px)` });
            }
            const reflow = await page.evaluate(sidewaysScroll);
            if (reflow && !violations.has('reflow')) violations.set('reflow', reflow);
          } finally {
            await page.close();
          }
        }
        pages.push({ file, url, axe: version, viewports: VIEWPORTS.map((v) => v.width), violations: [...violations.values()] });
      } catch (err) {
        pages.push({ file, url, error: String(err && err.message || err) });
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
