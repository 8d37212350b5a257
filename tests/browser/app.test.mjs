// Browser tests of the modelvet web app in Debian's Chromium (/usr/bin/chromium) driven by
// playwright-core: the AI Models table (layout at 1280 px and on a phone), filters with and
// without JavaScript, search, sorting, a model page, a review by a signed-in reviewer, and
// hostile strings (payload, file name, licence, hub message, model id, a sandboxed run's
// observations) rendered as inert text, and the reproduce form shown to reviewers only.
// Started by run.py with MV_URL, MV_URL_REPRODUCE (the same store served with
// --allow-reproduce), MV_USER, MV_PASSWORD, MV_ARTIFACTS and MV_HOSTILE.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.MV_URL;
const BASE_REPRODUCE = process.env.MV_URL_REPRODUCE;
const USER = process.env.MV_USER;
const PASSWORD = process.env.MV_PASSWORD;
const ARTIFACTS = process.env.MV_ARTIFACTS;
const HOSTILE = JSON.parse(process.env.MV_HOSTILE);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  // playwright starts Chromium with a fresh temporary --user-data-dir of its own.
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  timeout: 120_000,
});

// A page that records what must never happen: dialogs, uncaught errors, console errors
// (a CSP violation is one), and failed requests to this server.
async function openPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  page.problems = [];
  page.on("dialog", (d) => {
    page.problems.push(`dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") page.problems.push(`console: ${m.text()}`);
  });
  page.on("requestfailed", (r) =>
    page.problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  // Every page is opened to network idle: a test that navigates on at once would otherwise
  // cancel the page's own late requests (the favicon), which the browser reports as failed.
  const goto = page.goto.bind(page);
  page.goto = (url, options = {}) => goto(url, { waitUntil: "networkidle", ...options });
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const rows = (page) => page.locator("table.models tbody tr");
const rowIds = (page) => page.locator("table.models tbody tr a.model-link").allTextContents();

const tests = [];
const test = (name, fn, options = {}) => tests.push({ name, fn, options });

test("the AI Models table at 1280 px and on a phone", async (page) => {
  await page.goto(BASE + "/");
  assert.equal(await page.locator("h1").textContent(), "AI Models");
  const headers = (await page.locator("table.models thead th").allTextContents())
    .map((t) => t.replace(/[▲▼]/g, "").trim());
  assert.deepEqual(headers, ["Model", "Provider", "Downloads", "Projects", "License · risk",
                             "Risk Factors", "Hub vs ours", "Last audit"]);
  assert.equal(await rows(page).count(), 9);
  const legacy = rows(page).filter({ hasText: "examples/legacy-unflagged-malicious" });
  assert.match(await legacy.textContent(), /Confirmed Unsafe/);
  assert.match(await legacy.textContent(), /Missed by hub/);
  assert.match(await legacy.locator("td.col-versus").textContent(), /Hub.*Not flagged.*Ours.*Unsafe/);
  assert.match(await legacy.locator("td.col-license").textContent(), /Unknown.*other:acme-model-license/);
  assert.equal(await legacy.locator("td.col-downloads").textContent(), "15,400");
  // Its project comes from `modelvet inventory --project shop` (run.py's store).
  assert.match(await legacy.locator("td.col-projects").textContent(), /\bshop\b/);
  const clean = rows(page).filter({ hasText: "audit/clean-state-dict" });
  assert.doesNotMatch(await clean.locator("td.col-projects").textContent(), /shop/);
  // Everything fits: no horizontal scrolling of the page or the table at 1280 px.
  const overflow = await page.evaluate(() => {
    const wrap = document.querySelector(".table-wrap");
    return [document.documentElement.scrollWidth - window.innerWidth,
            wrap.scrollWidth - wrap.clientWidth];
  });
  assert.deepEqual(overflow, [0, 0], "horizontal overflow at 1280 px");
  await shot(page, "table-1280");

  await page.setViewportSize({ width: 390, height: 844 });
  const phone = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    head: getComputedStyle(document.querySelector("table.models thead")).display,
    row: getComputedStyle(document.querySelector("table.models tbody tr")).display,
  }));
  assert.deepEqual(phone, { overflow: 0, head: "none", row: "block" });
  await shot(page, "table-phone");
});

test("filters apply on change and stay in the URL", async (page) => {
  await page.goto(BASE + "/");
  await Promise.all([page.waitForURL(/status=confirmed-unsafe/), page.selectOption("#status", "confirmed-unsafe")]);
  assert.doesNotMatch(page.url(), /[?&]q=/, "empty fields stay out of the URL");
  assert.equal(await rows(page).count(), 4);
  for (const t of await rows(page).locator("td.col-status").allTextContents())
    assert.match(t, /Confirmed Unsafe/);
  assert.equal(await page.locator("#status").inputValue(), "confirmed-unsafe");
  await Promise.all([page.waitForURL(/missed_by_hub=true/), page.check("#missed_by_hub")]);
  assert.deepEqual(await rowIds(page), ["examples/legacy-unflagged-malicious"]);
  // The project field filters by the inventory's projects.
  await page.goto(BASE + "/?project=shop");
  assert.deepEqual(await rowIds(page), ["examples/legacy-unflagged-malicious"]);
  assert.equal(await page.locator("#project").inputValue(), "shop");
  await shot(page, "table-filtered");
  // A quick filter link replaces the status filter.
  await page.goto(BASE + "/");
  await Promise.all([page.waitForURL(/status=false-positive/),
                     page.locator("nav.chips a", { hasText: "Known False Positive" }).click()]);
  assert.deepEqual((await rowIds(page)).sort(),
                   ["audit/finetune-args-only", "examples/yolo-flagged-benign"]);
  // The view is a URL: reloading it gives the same table.
  await page.goto(BASE + "/?hub_flag=none");
  assert.deepEqual(await rowIds(page), ["audit/clean-state-dict", "examples/legacy-unflagged-malicious"]);
  assert.equal(await page.locator("#hub_flag").inputValue(), "none");
});

test("filters work without JavaScript", async (page) => {
  await page.goto(BASE + "/");
  await page.selectOption("#status", "suspected");
  await Promise.all([page.waitForURL(/status=suspected/), page.click("form.filters button[type=submit]")]);
  assert.deepEqual(await rowIds(page), ["audit/custom-class-suspected"]);
}, { javaScriptEnabled: false });

test("search", async (page) => {
  await page.goto(BASE + "/");
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement.id), "q", "'/' focuses search");
  await page.keyboard.type("Legacy");
  await Promise.all([page.waitForURL(/q=Legacy/), page.keyboard.press("Enter")]);
  assert.deepEqual(await rowIds(page), ["examples/legacy-unflagged-malicious"]);
  assert.match(await page.locator(".result-count").textContent(), /Showing 1–1 of 1 model$/);
  await page.fill("#q", "no-such-model");
  await Promise.all([page.waitForURL(/q=no-such-model/), page.keyboard.press("Enter")]);
  assert.equal(await rows(page).count(), 0);
  assert.equal(await page.locator(".result-count").textContent(), "No models match these filters.");
});

test("sorting by a header", async (page) => {
  await page.goto(BASE + "/");
  const statusHeader = page.locator("th.col-status");
  await Promise.all([page.waitForURL(/sort=status/), statusHeader.locator("a").click()]);
  assert.equal(await statusHeader.getAttribute("aria-sort"), "descending");
  assert.match(await rows(page).first().locator("td.col-status").textContent(), /Confirmed Unsafe/);
  await Promise.all([page.waitForURL(/order=asc/), statusHeader.locator("a").click()]);
  assert.equal(await statusHeader.getAttribute("aria-sort"), "ascending");
  assert.match(await rows(page).first().locator("td.col-status").textContent(), /Not audited/);
});

test("a model page: hub flag beside our verdict, evidence with offsets, history", async (page) => {
  await page.goto(BASE + "/?q=legacy");
  await Promise.all([page.waitForURL(/\/models\/examples\/legacy-unflagged-malicious$/),
                     page.click("a.model-link")]);
  assert.equal(await page.locator("h1").textContent(), "examples/legacy-unflagged-malicious");
  assert.match(await page.locator(".callout").textContent(), /Verified unsafe: runs a shell command `echo legacy-2` on load/);
  assert.match(await page.locator(".model-head .badges").textContent(), /Confirmed Unsafe.*Missed by hub/);
  const file = page.locator("article.file", { hasText: "pytorch_model.bin" });
  assert.match(await file.locator(".side-hub").textContent(), /The hub says.*Safe/);
  assert.match(await file.locator(".side-ours").textContent(), /modelvet found.*Unsafe.*runs a shell command/);
  assert.equal(await file.locator("code.evidence").first().textContent(), "posix.system('echo legacy-2')");
  assert.match(await file.locator(".offset").first().textContent(), /^byte \d+$/);
  assert.equal(await page.locator("ol.timeline li").count(), 1);
  const hub = await page.locator(".hub-link a").getAttribute("href");
  assert.match(hub, /^http:\/\/127\.0\.0\.1:\d+\/examples\/legacy-unflagged-malicious$/);
  await shot(page, "model-page");
  // A false positive shows why the hub's flag does not hold.
  await page.goto(BASE + "/models/examples/yolo-flagged-benign");
  assert.match(await page.locator("article.file .clearing").first().textContent(),
               /Why the hub's flag is a false positive: builtins\.getattr only resolves/);
  await page.setViewportSize({ width: 390, height: 844 });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), 0);
  await shot(page, "model-page-phone");
});

test("a signed-in reviewer records a decision", async (page) => {
  const model = "/models/audit/custom-class-suspected";
  await page.goto(BASE + model);
  assert.equal(await page.locator("form.review-form").count(), 0, "no form before signing in");
  await Promise.all([page.waitForURL(/\/login\?next=/), page.click(".files .hint a")]);
  await page.fill("#user", USER);
  await page.fill("#password", "not the password");
  await page.click("form button[type=submit]");
  assert.match(await page.locator(".alert").textContent(), /Wrong user name or password/);
  // That answer is a 401, which Chromium logs; it is the one expected problem.
  page.problems = page.problems.filter((p) => !/status of 401/.test(p));
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL(BASE + model), page.click("form button[type=submit]")]);
  assert.equal(await page.locator(".account .who").textContent(), USER);
  const cookie = (await page.context().cookies()).find((c) => c.name === "mv_session");
  assert.ok(cookie, "session cookie");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Strict");

  const file = page.locator("article.file", { hasText: "model.pkl" });
  await file.locator("details.review summary").click();
  assert.match(await file.locator("form.review-form .hint").textContent(), /^4000 bytes left$/);
  await file.locator("label", { hasText: "False positive" }).click();
  await file.locator("textarea").fill("acme_models is our vetted package");
  await shot(page, "review-form");
  await Promise.all([page.waitForURL(/recorded=1/), file.locator("button[type=submit]").click()]);
  assert.equal(await page.locator(".alert-ok").textContent(), "Your decision was recorded.");
  assert.match(await page.locator(".model-head .badges").textContent(), /Known False Positive.*decided by a reviewer/);
  assert.match(await page.locator(".callout").textContent(), /False positive per alice: acme_models is our vetted package/);
  const review = page.locator("table.reviews tbody tr").first();
  assert.match(await review.textContent(), /alice.*model\.pkl.*False positive.*acme_models is our vetted package.*applies/);
  assert.match(await page.locator("ol.timeline li").first().textContent(), /review by alice of model\.pkl: false-positive/);
  await shot(page, "review-recorded");
  // The table shows the reviewer's status too.
  await page.goto(BASE + "/?q=custom-class");
  assert.match(await rows(page).first().locator("td.col-status").textContent(), /Known False Positive.*decided by a reviewer/);
});

test("attacker-written strings render as inert text", async (page) => {
  const settle = () => page.waitForTimeout(300);  // time for an injected handler to run
  const noInjection = async (where) => {
    await settle();
    assert.equal(await page.evaluate(() => window.__mv_xss), undefined, `script ran on ${where}`);
    assert.equal(await page.locator("main img, main svg, main iframe, main script, main object").count(), 0,
                 `markup from data on ${where}`);
  };
  await page.goto(BASE + "/models/hostile/xss-model");
  await noInjection("the hostile model page");
  const file = page.locator("article.file");
  assert.equal(await file.locator("code.path").textContent(), HOSTILE.file);
  assert.ok((await file.locator("code.evidence").first().textContent()).includes(HOSTILE.payload));
  assert.equal(await file.locator(".hub-message").textContent(), HOSTILE.hub_message);
  assert.equal(await page.locator(".license-id").textContent(), "other:" + HOSTILE.license);
  assert.ok((await page.locator(".callout").textContent()).includes(HOSTILE.payload));
  await shot(page, "hostile-model");

  await page.goto(BASE + "/");
  await noInjection("the table");
  const link = page.locator("a.model-link").first();
  assert.equal(await link.textContent(), HOSTILE.id);
  await Promise.all([page.waitForLoadState("load"), link.click()]);
  await noInjection("the hostile id's page");
  assert.equal(await page.locator("h1").textContent(), HOSTILE.id);
  assert.equal(await page.locator(".license-id").textContent(), HOSTILE.license);
  assert.equal(await page.locator(".hub-message").count(), 0, "no files: never audited");
  assert.equal(await page.locator(".fact", { hasText: "Hub flag" }).locator("dd").textContent(),
               "✖Unsafe " + HOSTILE.hub_message);
  assert.equal(await page.locator(".fact-note").textContent(), HOSTILE.hub_message);

  // A search for markup is shown back as the text typed.
  const typed = "<script>window.__mv_xss='q'</script>\"><img src=x onerror=alert(1)>";
  await page.goto(BASE + "/?q=" + encodeURIComponent(typed));
  await noInjection("a search for markup");
  assert.equal(await page.locator("#q").inputValue(), typed);
});

test("reproductions render as text; the reproduce form is for reviewers", async (page) => {
  const model = "/models/hostile/xss-model";
  await page.goto(BASE + model);
  await page.waitForTimeout(300);  // time for an injected handler to run
  assert.equal(await page.evaluate(() => window.__mv_xss), undefined, "script ran");
  assert.equal(await page.locator("main img, main b, main svg, main iframe, main script").count(), 0,
               "markup from a stored reproduction");
  const runs = page.locator("section.reproductions li.reproduction");
  assert.equal(await runs.count(), 1);
  assert.equal(await runs.locator("code.path").textContent(), HOSTILE.file);
  assert.match(await runs.locator(".repro-head").textContent(), /Payload observed.*loaded by pickle/);
  const cells = await runs.locator("table.observations tbody tr").evaluateAll(
    (trs) => trs.map((tr) => Array.from(tr.cells, (td) => td.textContent)));
  assert.deepEqual(cells, [["exec", "during-load", HOSTILE.observation],
                           ["browser", "after-load", "http://203.0.113.5/" + HOSTILE.payload]]);
  assert.equal(await runs.locator(".warn-text").textContent(), "The load failed: " + HOSTILE.load_error);
  // Visitors get no form, here or on the server that allows reproduction.
  assert.equal(await page.locator("form.reproduce-form").count(), 0, "form shown to a visitor");
  await page.goto(BASE_REPRODUCE + model);
  assert.equal(await page.locator("form.reproduce-form").count(), 0, "form shown to a visitor");
  await shot(page, "reproductions");

  // A reviewer: the form, disabled with the reason where the server does not allow it.
  await page.goto(BASE + "/login?next=" + encodeURIComponent(model));
  await page.fill("#user", USER);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL(BASE + model), page.click("form button[type=submit]")]);
  const form = page.locator("form.reproduce-form");
  assert.equal(await form.count(), 1);
  assert.equal(await form.locator("button").textContent(), "Reproduce in sandbox");
  assert.equal(await form.locator("button").isDisabled(), true);
  assert.match(await form.locator(".hint").textContent(), /--allow-reproduce/);
  await shot(page, "reproduce-form-off");
  // Signed in on the other server too (cookies do not depend on the port).
  await page.goto(BASE_REPRODUCE + model);
  assert.equal(await page.locator(".account .who").textContent(), USER);
  assert.equal(await form.locator("button").isDisabled(), false);
  assert.equal(await form.locator("input[name=csrf]").count(), 1);
  assert.equal(await form.getAttribute("method"), "post");
  assert.equal(await page.evaluate(() => window.__mv_xss), undefined, "script ran");
  await shot(page, "reproduce-form");
});

let passed = 0;
let failed = 0;
for (const t of tests) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    javaScriptEnabled: t.options.javaScriptEnabled ?? true,
  });
  const page = await openPage(context);
  try {
    await t.fn(page);
    assert.deepEqual(page.problems, [], "the page reported problems");
    passed++;
    console.log(`ok: ${t.name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL: ${t.name}: ${e.message.split("\n").slice(0, 6).join(" | ")}`);
    await shot(page, "failed-" + t.name.replace(/[^a-z0-9]+/gi, "-")).catch(() => {});
  } finally {
    await context.close();
  }
}
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
