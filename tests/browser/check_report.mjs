#!/usr/bin/env node
// Opens the HTML trust report (parleyctl report --html) in headless Chromium and reads it back
// against the TrustReport it was made from (parleyctl report --json):
//   - the page loads from file:// with no console error, no page error and no request for anything
//     but itself (it must be self-contained: it is mailed and opened offline);
//   - the four charts (svg[data-chart] compliance, trend, funnel, channels) are there, titled, drawn
//     (a non-zero box and at least one mark), name every school, and keep every text inside them;
//   - every figure of the report has a cell (data-figure/data-school) showing the same number; a
//     withheld count shows "fewer than N", an unset figure "—";
//   - a partial report says so and lists every missing entry.
// Exit 0 when all hold; otherwise 1 with every failure on stderr (2 on a usage or set-up error).
//
// Usage: node tests/browser/check_report.mjs <report.html> <report.json>
// Environment: PARLEY_NPM_DIR (where playwright-core is installed; default .parley/npm),
// PARLEY_CHROMIUM (default /usr/bin/chromium).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function setupError(message) {
  console.error(`check_report: ${message}`);
  process.exit(2);
}

if (process.argv.length !== 4) setupError('usage: check_report.mjs <report.html> <report.json>');
const [htmlPath, jsonPath] = process.argv.slice(2).map((p) => path.resolve(p));

// playwright-core lives in the repository's npm folder (scripts/test.sh installs it there), not in
// a node_modules next to this file: resolve it from there.
const npmDir = process.env.PARLEY_NPM_DIR || path.resolve(here, '../../.parley/npm');
let chromium;
try {
  ({ chromium } = createRequire(path.join(npmDir, 'index.js'))('playwright-core'));
} catch (e) {
  setupError(`playwright-core is not installed in ${npmDir} (scripts/test.sh installs it): ${e.message}`);
}
const executablePath = process.env.PARLEY_CHROMIUM || '/usr/bin/chromium';

let report;
try {
  report = JSON.parse(readFileSync(jsonPath, 'utf8'));
} catch (e) {
  setupError(`cannot read ${jsonPath}: ${e.message}`);
}

const failures = [];
const fail = (message) => failures.push(message);

// ---- what the report says ----

const DASH = '\u2014';
const CHARTS = ['compliance', 'trend', 'funnel', 'channels'];
// Shares (0-1) are shown as percentages with one decimal.
const isShare = (field) => /WithinPromise$/.test(field) || field === 'reach' || field === 'eveningUptake';
// The key that names a row of each breakdown in data-figure ("by_channel[email]").
const ROW_KEY = { byChannel: 'channel', byCategory: 'category', byWeek: 'weekStart', byRung: 'rung', byDeliveryChannel: 'channel' };
// The columns the breakdown tables carry.
const BREAKDOWN_FIELDS = {
  byChannel: ['promise.received', 'promise.acknowledgedInTime', 'promise.acknowledgedWithinPromise', 'promise.answeredInTime', 'promise.answeredWithinPromise', 'promise.breaches'],
  byRung: ['escalations'],
  byDeliveryChannel: ['messages', 'sent', 'failed', 'fallbacks'],
};
BREAKDOWN_FIELDS.byCategory = BREAKDOWN_FIELDS.byChannel;
BREAKDOWN_FIELDS.byWeek = BREAKDOWN_FIELDS.byChannel;
// Figures that must have a cell for every school even when unset (they then read "—").
const ALWAYS = [
  'pupils', 'enquiries.promise.received', 'enquiries.promise.acknowledgedWithinPromise',
  'enquiries.promise.answeredWithinPromise', 'enquiries.promise.breaches', 'enquiries.escalations',
  'enquiries.referralsToComplaints', 'enquiries.openNow', 'enquiries.overdueNow', 'conduct.incidents',
  'conduct.arrangementsActive', 'meetings.requests', 'meetings.answeredWithinPromise', 'notifications.notices',
  'notifications.messages', 'notifications.failed', 'notifications.reach',
];

const snake = (camel) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const isCount = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && ('value' in v || 'fewerThan' in v) &&
  Object.keys(v).every((k) => k === 'value' || k === 'fewerThan');

// A data-figure path ("by_channel[email].promise.received") resolved in `root`; undefined when
// any step is absent (an unset message or optional field).
function resolve(root, figure) {
  let v = root;
  for (const seg of figure.split('.')) {
    const m = /^([a-z0-9_]+)(?:\[(.*)\])?$/.exec(seg);
    if (!m || v === undefined || v === null) return undefined;
    const field = camel(m[1]);
    v = v[field];
    if (m[2] !== undefined) {
      if (!Array.isArray(v)) return undefined;
      const key = ROW_KEY[field];
      v = v.find((row) => String(row[key]) === m[2]);
    }
  }
  return v;
}

// Checks what a cell shows against the report's value; returns an error or null.
function compare(shown, value, field) {
  const text = shown.replace(/\s+/g, ' ').trim();
  if (value === undefined) return text === DASH ? null : `shows "${text}", want "${DASH}" (unset in the report)`;
  if (isCount(value)) {
    if ((value.fewerThan || 0) > 0) {
      return text === `fewer than ${value.fewerThan}` ? null : `shows "${text}", want "fewer than ${value.fewerThan}" (withheld)`;
    }
    value = value.value ?? '0';
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    return text === String(BigInt(value)) ? null : `shows "${text}", want ${value}`;
  }
  if (typeof value === 'number') {
    const m = /^(-?\d+(?:\.\d+)?)(%| h| days| s)?$/.exec(text);
    if (!m) return `shows "${text}", want a number for ${value}`;
    const want = isShare(field) ? value * 100 : value;
    if (isShare(field) !== (m[2] === '%')) return `shows "${text}": ${isShare(field) ? 'a share must read as %' : 'not a share'}`;
    return Math.abs(Number(m[1]) - want) <= 0.05 + 1e-9 ? null : `shows "${text}", want ${want.toFixed(1)}`;
  }
  return `the report's value ${JSON.stringify(value)} is not a figure`;
}

// Every figure of one school (or of the totals) that the page must show: each field of the figure
// messages, the breakdowns' columns, and ALWAYS.
function requiredFigures(school) {
  const out = new Set(ALWAYS);
  const walk = (obj, prefix) => {
    for (const [k, v] of Object.entries(obj ?? {})) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object' && !isCount(v)) walk(v, p);
      else out.add(p);
    }
  };
  for (const msg of ['enquiries', 'conduct', 'meetings', 'notifications']) walk(school[msg], msg);
  for (const [list, fields] of Object.entries(BREAKDOWN_FIELDS)) {
    for (const row of school[list] ?? []) {
      for (const f of fields) out.add(`${list}[${row[ROW_KEY[list]]}].${f}`);
    }
  }
  return [...out].map((p) => p.split('.').map((seg) => seg.replace(/^[a-zA-Z0-9]+/, snake)).join('.'));
}

// ---- what the page shows ----

const fileUrl = pathToFileURL(htmlPath).href;
const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] }).catch((e) =>
  setupError(`cannot start ${executablePath}: ${e.message}`));
let page;
try {
  page = await browser.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') fail(`console error: ${msg.text()}`); });
  page.on('pageerror', (err) => fail(`page error: ${err.message}`));
  page.on('requestfailed', (req) => fail(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  // Self-contained: the page may load nothing but itself (no fonts, scripts, images, styles).
  page.on('request', (req) => { if (req.url() !== fileUrl) fail(`the page asks for ${req.url()}: it must be self-contained`); });
  const response = await page.goto(fileUrl, { waitUntil: 'load' });
  if (!response || !response.ok()) fail(`cannot load ${fileUrl}`);

  const seen = await page.evaluate((names) => {
    const charts = {};
    for (const svg of document.querySelectorAll('svg[data-chart]')) {
      const box = svg.getBoundingClientRect();
      charts[svg.dataset.chart] = {
        count: (charts[svg.dataset.chart]?.count ?? 0) + 1,
        title: svg.querySelector(':scope > title')?.textContent ?? '',
        width: box.width,
        height: box.height,
        marks: svg.querySelectorAll('[data-series]').length,
        schools: [...new Set([...svg.querySelectorAll('[data-school]')].map((e) => e.dataset.school))],
        // Text drawn (even partly) outside the chart's own box is cut off on the page.
        overflow: [...svg.querySelectorAll('text')].filter((t) => {
          const b = t.getBBox();
          const v = svg.viewBox.baseVal;
          return b.x < v.x - 0.5 || b.y < v.y - 0.5 || b.x + b.width > v.x + v.width + 0.5 ||
            b.y + b.height > v.y + v.height + 0.5;
        }).map((t) => t.textContent.slice(0, 60)),
      };
    }
    return {
      names,
      charts,
      cells: [...document.querySelectorAll('[data-figure]')].map((e) => ({
        figure: e.dataset.figure, school: e.dataset.school ?? null, text: e.textContent,
      })),
      partial: document.querySelector('[data-partial]')?.textContent ?? null,
      missing: [...document.querySelectorAll('[data-partial] [data-missing-school]')].map((e) => e.textContent),
      headings: [...document.querySelectorAll('section.school')].map((s) => ({
        school: s.dataset.school, heading: s.querySelector('h2')?.firstChild?.textContent?.trim() ?? '',
      })),
      period: document.querySelector('[data-report="period"]')?.textContent ?? null,
      scripts: document.querySelectorAll('script').length,
    };
  }, CHARTS);

  // Charts.
  for (const name of CHARTS) {
    const c = seen.charts[name];
    if (!c) { fail(`chart "${name}" is missing (no svg[data-chart="${name}"])`); continue; }
    if (c.count !== 1) fail(`chart "${name}" appears ${c.count} times`);
    if (!c.title.trim()) fail(`chart "${name}" has no <title>`);
    if (!(c.width > 0 && c.height > 0)) fail(`chart "${name}" is not drawn (${c.width}x${c.height})`);
    if (c.marks === 0) fail(`chart "${name}" is empty (no bar, line or marker)`);
    for (const t of c.overflow) fail(`chart "${name}": the text "${t}" runs outside the chart`);
    for (const s of report.schools ?? []) {
      // The trend draws the schools with weekly figures; the others every school.
      if (name === 'trend' && !(s.byWeek ?? []).length) continue;
      if (!c.schools.includes(s.school)) fail(`chart "${name}" does not show ${s.school}`);
    }
  }
  for (const name of Object.keys(seen.charts)) if (!CHARTS.includes(name)) fail(`unexpected chart "${name}"`);
  if (seen.scripts > 0) fail(`the page has ${seen.scripts} <script> element(s): it must need no JavaScript`);

  // Header and schools.
  if (seen.period !== report.period) fail(`the page's period is "${seen.period}", the report's "${report.period}"`);
  for (const s of report.schools ?? []) {
    const h = seen.headings.find((x) => x.school === s.school);
    const want = s.displayName || s.school;
    if (!h) fail(`no section for ${s.school}`);
    else if (h.heading !== want) fail(`${s.school} is headed "${h.heading}", the report says "${want}"`);
  }

  // Figures: every cell agrees with the report, and every figure of the report has a cell.
  const bySchool = new Map((report.schools ?? []).map((s) => [s.school, s]));
  const have = new Set();
  let checked = 0;
  for (const cell of seen.cells) {
    const root = cell.school === null ? report : bySchool.get(cell.school);
    if (!root) { fail(`cell ${cell.figure} names ${cell.school}, which is not in the report`); continue; }
    have.add(`${cell.school ?? ''}|${cell.figure}`);
    const field = camel(cell.figure.split('.').pop().replace(/\[.*$/, ''));
    const err = compare(cell.text, resolve(root, cell.figure), field);
    if (err) fail(`${cell.school ?? 'trust'} ${cell.figure}: ${err}`);
    ++checked;
  }
  for (const s of report.schools ?? []) {
    for (const f of requiredFigures(s)) if (!have.has(`${s.school}|${f}`)) fail(`${s.school} ${f}: no cell shows it`);
  }
  for (const f of Object.keys(report.totals ?? {})) {
    if (!have.has(`|totals.${snake(f)}`)) fail(`totals.${snake(f)}: no cell shows it`);
  }
  // Withheld counts must read "fewer than": compare() checks each; make sure some were seen when
  // the report has any, so a page without breakdowns cannot pass by omission.
  const withheld = JSON.stringify(report).match(/"fewerThan":\s*[1-9]/g)?.length ?? 0;
  const shownWithheld = seen.cells.filter((c) => /^fewer than \d+$/.test(c.text.trim())).length;
  if (withheld > 0 && shownWithheld === 0) fail(`the report withholds ${withheld} count(s) but the page shows no "fewer than"`);

  // A partial report says so, with every missing entry.
  const missing = [...(report.missing ?? []), ...(report.schools ?? []).flatMap((s) => s.missing ?? [])];
  if (report.partial || missing.length) {
    if (seen.partial === null) fail('the report is partial but the page has no partial-report notice ([data-partial])');
    for (const m of missing) {
      const ok = seen.missing.some((t) => t.includes(m.school) && t.includes(m.figures) && t.includes(m.reason));
      if (!ok) fail(`the partial-report notice does not list ${m.school}: ${m.figures}: ${m.reason}`);
    }
  } else if (seen.partial !== null) {
    fail('the report is whole but the page says it is partial');
  }

  if (failures.length === 0) {
    console.log(`check_report: ok: ${htmlPath}: ${checked} figures and ${CHARTS.length} charts match ${jsonPath}`);
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`check_report: FAILED: ${htmlPath} does not match ${jsonPath}:`);
  for (const f of failures) console.error(`  - ${f}`);
  process.exit(1);
}
