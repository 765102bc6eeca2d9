#!/usr/bin/env node
// Proves check_report.mjs can fail: tampers a good page in known ways (a figure off by one, a
// withheld count shown as a number, a chart gone, an image fetched from the network, a missing
// entry dropped from the partial-report notice) and expects the check to reject each one with exit
// 1 and a message naming what is wrong. Exit 0 when every tampering is caught.
//
// Usage: node tests/browser/expect_caught.mjs <good report.html> <report.json>
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [htmlPath, jsonPath] = process.argv.slice(2);
if (!htmlPath || !jsonPath) {
  console.error('usage: expect_caught.mjs <report.html> <report.json>');
  process.exit(2);
}
const good = readFileSync(htmlPath, 'utf8');

// Each: a name, a change to the page (which must change it), and what the check must say.
const cases = [
  {
    name: 'a figure off by one',
    tamper: (html) => html.replace(/(data-figure="enquiries\.promise\.received" data-school="[^"]+">)(\d+)</,
                                   (_, cell, n) => `${cell}${Number(n) + 1}<`),
    expect: /enquiries\.promise\.received: shows "\d+", want \d+/,
  },
  {
    name: 'a withheld count shown as 0',
    tamper: (html) => html.replace(/( class="withheld">)fewer than \d+</, '>0<'),
    expect: /want "fewer than \d+" \(withheld\)/,
  },
  {
    name: 'an unset figure shown as 0',
    tamper: (html) => html.replace(/(data-figure="enquiries\.open_now" data-school="[^"]+") class="unset">\u2014</, '$1>0<'),
    expect: /enquiries\.open_now: shows "0", want "\u2014"/,
  },
  {
    name: 'a label running off its chart',
    tamper: (html) => html.replace(/(<text [^>]*class="promise"[^>]*>)[^<]*</, `$1${'email: acknowledge in 2 working days; '.repeat(8)}<`),
    expect: /runs outside the chart/,
  },
  {
    name: 'a chart gone',
    tamper: (html) => html.replace('data-chart="funnel"', 'data-chart="funnel-old"'),
    expect: /chart "funnel" is missing/,
  },
  {
    name: 'an image from the network',
    tamper: (html) => html.replace('</main>', '<img src="https://example.invalid/logo.png" alt=""></main>'),
    expect: /must be self-contained/,
  },
  {
    name: 'the partial-report notice gone',
    tamper: (html) => html.replace(/<section class="partial"[\s\S]*?<\/section>/, ''),
    expect: /no partial-report notice/,
  },
];

const dir = mkdtempSync(path.join(tmpdir(), 'check-report-'));
let missed = 0;
try {
  for (const c of cases) {
    const html = c.tamper(good);
    if (html === good) {
      console.error(`expect_caught: "${c.name}": the page has nothing to tamper (the fixture or the page changed)`);
      ++missed;
      continue;
    }
    const file = path.join(dir, 'report.html');
    writeFileSync(file, html);
    const run = spawnSync(process.execPath, [path.join(here, 'check_report.mjs'), file, jsonPath], { encoding: 'utf8' });
    if (run.status === 1 && c.expect.test(run.stderr)) {
      console.log(`expect_caught: caught ${c.name}`);
    } else {
      console.error(`expect_caught: NOT caught: ${c.name} (exit ${run.status}; want 1 and ${c.expect})\n${run.stdout}${run.stderr}`);
      ++missed;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(missed ? 1 : 0);
