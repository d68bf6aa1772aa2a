// Opens a wsbind validate --html report in headless Chromium (the system's
// browser, given by path: nothing is downloaded) and checks its DOM against
// a plan the Go test writes: the message counts of validate --format json,
// a message to filter by, an invalid frame and its violation's pointer.
// It saves a screenshot and prints its measurements as one JSON object.
//
//   node check-report.mjs PLAN.json
//
// Exit status: 0 all checks passed, 1 a check failed, 2 a setup error.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
const failures = [];
const out = {};
function check(ok, what) {
  if (!ok) failures.push(what);
}

let browser;
try {
  browser = await chromium.launch({
    executablePath: plan.chromium,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    // A fresh profile: Playwright gives launch() a new temporary
    // --user-data-dir of its own and removes it on close.
  });
} catch (e) {
  console.error("cannot launch Chromium at " + plan.chromium + ": " + e.message);
  process.exit(2);
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: plan.viewportHeight || 900 } });
  const network = [];
  const errors = [];
  page.on("request", (r) => { if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) network.push(r.url()); });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("dialog", (d) => { errors.push("dialog opened: " + d.message()); d.dismiss(); });

  // Long tasks (50 ms or more) block input: the longest is reported.
  await page.addInitScript(() => {
    window.__longTasks = [];
    try {
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); })
        .observe({ type: "longtask", buffered: true });
    } catch (e) { /* no longtask support */ }
  });
  const t0 = Date.now();
  await page.goto(pathToFileURL(plan.report).href, { waitUntil: "load", timeout: 120000 });
  out.loadMs = Date.now() - t0;
  await page.waitForSelector("body[data-ready=true]", { timeout: 120000 });
  out.readyMs = Date.now() - t0;
  const paint = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, Math.round(e.startTime)])));
  out.firstPaintMs = paint["first-paint"];
  out.firstContentfulPaintMs = paint["first-contentful-paint"];
  check(out.firstContentfulPaintMs !== undefined, "no first-contentful-paint entry");

  // The message table: a real table, its counts those of --format json.
  const rows = await page.$$eval("#msg-table tbody tr", (trs) => trs.map((tr) => ({
    id: tr.getAttribute("data-msg"),
    provider: tr.cells[0].textContent.trim(),
    direction: tr.cells[1].textContent.trim(),
    message: tr.cells[2].textContent.trim(),
    count: Number(tr.cells[3].getAttribute("data-sort")),
    invalid: Number(tr.cells[4].getAttribute("data-sort")),
    noted: Number(tr.cells[5].getAttribute("data-sort")),
  })));
  out.rows = rows.length;
  const key = (m) => m.provider + " " + m.direction + " " + m.message;
  const want = new Map(plan.messages.map((m) => [key(m), m]));
  check(rows.length === plan.messages.length, `table has ${rows.length} rows, the summary ${plan.messages.length} messages`);
  for (const r of rows) {
    const w = want.get(key(r));
    if (!w) { failures.push("table row not in the summary: " + key(r)); continue; }
    check(r.count === w.count, `${key(r)}: count ${r.count}, summary ${w.count}`);
    check(r.invalid === w.invalid, `${key(r)}: invalid ${r.invalid}, summary ${w.invalid}`);
  }
  const noted = rows.reduce((n, r) => n + r.noted, 0);
  check(noted === plan.noted, `noted column sums to ${noted}, the summary says ${plan.noted}`);
  const headers = await page.$$eval("#msg-table thead th[scope=col]", (ths) => ths.length);
  check(headers >= 6, "the message table has no column headers");

  // Keyboard: Tab reaches the sort buttons and the rows, with a visible
  // focus ring.
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
  const reached = { sort: false, row: false, ring: true };
  for (let i = 0; i < 80 && !(reached.sort && reached.row); i++) {
    await page.keyboard.press("Tab");
    const f = await page.evaluate(() => {
      const e = document.activeElement;
      return {
        sort: !!e.closest("#msg-table thead") && e.tagName === "BUTTON",
        row: e.matches("#msg-table tbody tr"),
        outline: getComputedStyle(e).outlineStyle,
      };
    });
    if (f.sort || f.row) reached.ring = reached.ring && f.outline !== "none";
    reached.sort ||= f.sort;
    reached.row ||= f.row;
  }
  check(reached.sort && reached.row, "Tab does not reach the table's sort buttons and rows: " + JSON.stringify(reached));
  check(reached.ring, "a focused table control shows no focus outline");

  // Sorting by count, descending on the second click.
  const countHeader = page.locator("#msg-table thead th").nth(3);
  await countHeader.locator("button").click();
  await countHeader.locator("button").click();
  check(await countHeader.getAttribute("aria-sort") === "descending", "count header not aria-sort=descending after two clicks");
  const sorted = await page.$$eval("#msg-table tbody tr", (trs) => trs.map((tr) => Number(tr.cells[3].getAttribute("data-sort"))));
  check(sorted.every((v, i) => i === 0 || sorted[i - 1] >= v), "rows not sorted by count, descending: " + sorted.join(","));

  // Clicking a message filters the frame list to it.
  const pick = plan.filter;
  const row = page.locator(`#msg-table tbody tr:has(th:text-is("${pick.message}"))`).filter({ has: page.locator(`td:text-is("${pick.direction}")`) });
  let t1 = Date.now();
  await row.click();
  out.filterMs = Date.now() - t1;
  check(await row.getAttribute("aria-current") === "true", "the chosen row is not aria-current");
  const listed = await page.$$eval("#frame-list article .msg", (els) => els.map((e) => e.textContent));
  const status = await page.textContent("#p-status");
  out.filterStatus = status;
  const name = `${pick.provider} ${pick.direction} ${pick.message}`;
  // Frames kept of that message: all of them unless the report is capped.
  const kept = pick.kept ?? pick.count;
  check(listed.length === Math.min(kept, 50), `${listed.length} frames listed for ${name}, want ${Math.min(kept, 50)}`);
  check(listed.every((t) => t === name), "a frame of another message is listed: " + listed.filter((t) => t !== name).slice(0, 3).join("; "));
  check(status.includes(`of ${kept} `), `pager says "${status}", want ${kept} frames`);
  if (plan.screenshotFiltered) {
    const box = await page.evaluate(() => { const r = document.getElementById("frames").getBoundingClientRect(); return { y: r.top + window.scrollY, h: r.height }; });
    await page.screenshot({ path: plan.screenshotFiltered, fullPage: true, clip: { x: 0, y: Math.max(0, box.y - 8), width: 1280, height: Math.min(box.h + 16, 1000) } });
  }
  // Keyboard: the row is focusable, Enter clears the filter again.
  await row.focus();
  check(await row.evaluate((e) => document.activeElement === e), "a table row cannot take focus");
  await page.keyboard.press("Enter");
  check(await row.getAttribute("aria-current") === null, "Enter on the chosen row did not clear the filter");
  const all = await page.textContent("#p-status");
  check(all.includes(`of ${plan.kept} `), `after clearing, pager says "${all}", want ${plan.kept} frames`);

  // An invalid frame shows its violation at the right pointer, in words too.
  if (plan.invalid) {
    await page.selectOption("#f-verdict", "2");
    await page.fill("#f-goto", String(plan.invalid.index));
    await page.dispatchEvent("#f-goto", "change");
    const art = page.locator(`#frame-${plan.invalid.index}`);
    check(await art.count() === 1, `invalid frame #${plan.invalid.index} not listed`);
    const verdict = await art.locator(".verdict").textContent();
    check(verdict.includes("INVALID"), `frame #${plan.invalid.index} verdict reads "${verdict}", not INVALID`);
    const line = art.locator(`.ln.hl-violation[data-ptr="${plan.invalid.pointer}"]`);
    check(await line.count() === 1, `no highlighted line at ${plan.invalid.pointer} in frame #${plan.invalid.index}`);
    if (await line.count() === 1) {
      const ann = await line.locator(".ann").first().textContent();
      check(ann.includes(plan.invalid.message), `annotation "${ann}" lacks "${plan.invalid.message}"`);
    }
    const li = art.locator(`.marks li.violation[data-ptr="${plan.invalid.pointer}"]`);
    check(await li.count() >= 1, `violation at ${plan.invalid.pointer} not in the frame's list`);
    await art.scrollIntoViewIfNeeded();
    if (plan.screenshotFrame) await art.screenshot({ path: plan.screenshotFrame });
  }

  // A HAR's socket lists its own frames only.
  const sockButtons = page.locator("button.sock-filter");
  if (await sockButtons.count() > 0) {
    await page.selectOption("#f-verdict", "all");
    const b = sockButtons.nth((await sockButtons.count()) - 1);
    const id = await b.getAttribute("data-socket");
    await b.click();
    const wheres = await page.$$eval("#frame-list article .where", (els) => els.map((e) => e.textContent));
    out.socketFrames = wheres.length;
    check(wheres.length > 0 && wheres.every((w) => w.includes(`· socket ${id}`)), `socket ${id}: frames of other sockets listed`);
    const sock = (plan.sockets || [])[Number(id)];
    if (sock) check(wheres.length === Math.min(sock.frames, 50), `socket ${id}: ${wheres.length} frames listed, the summary says ${sock.frames}`);
    await page.click("#f-clear");
  }

  // Hostile frames stay text.
  await page.selectOption("#f-verdict", "all");
  const injected = await page.evaluate(() => ({ pwned: window.__pwned === true, imgs: document.querySelectorAll("img, iframe, object, embed").length }));
  check(!injected.pwned && injected.imgs === 0, "markup from a frame ran or rendered: " + JSON.stringify(injected));
  for (const s of plan.mustNotContain || []) {
    const html = await page.content();
    check(!html.includes(s), `the page contains "${s}"`);
  }
  for (const s of plan.textContains || []) {
    const text = await page.evaluate(() => document.body.innerText);
    check(text.includes(s), `the page text lacks "${s}"`);
  }

  // Paging through the list stays quick.
  const pageTimes = [];
  for (let i = 0; i < 5 && !(await page.isDisabled("#p-next")); i++) {
    const t = Date.now();
    await page.click("#p-next");
    await page.waitForFunction(() => document.querySelectorAll("#frame-list article").length > 0);
    pageTimes.push(Date.now() - t);
  }
  out.pageMs = pageTimes.length ? Math.max(...pageTimes) : null;
  const t = Date.now();
  await page.evaluate(() => new Promise((res) => { window.scrollTo(0, document.body.scrollHeight); requestAnimationFrame(() => requestAnimationFrame(res)); }));
  out.scrollMs = Date.now() - t;

  out.longestTaskMs = await page.evaluate(() => Math.round(Math.max(0, ...window.__longTasks)));
  out.longTasks = await page.evaluate(() => window.__longTasks.length);
  check(network.length === 0, "the report fetched: " + network.join(", "));
  check(errors.length === 0, "page errors: " + errors.join("; "));
  await page.evaluate(() => window.scrollTo(0, 0));
  if (plan.screenshot) await page.screenshot({ path: plan.screenshot, fullPage: !!plan.fullPage });
  await browser.close();
} catch (e) {
  failures.push("error: " + e.message);
  if (browser) await browser.close();
}
out.failures = failures;
console.log(JSON.stringify(out));
process.exit(failures.length ? 1 : 0);
