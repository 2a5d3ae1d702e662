/// <reference lib="dom" />
/**
 * The local try-it page in a real browser: Debian's Chromium driven by playwright-core, clicking the cards that
 * Microsoft's Adaptive Cards renderer draws from the bot's own card JSON.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Server } from 'restify';
import { createEngine } from '../../src/engine';
import { loadCatalogue } from '../../src/procedure/load';
import { createStore, type Store } from '../../src/store';
import { ConversationService } from '../../src/conversation/conversation-service';
import { createLogger } from '../../src/log';
import { createServer } from '../../src/server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = join(__dirname, '../..');
const available = existsSync(CHROMIUM);
if (!available) {
  const why = `Browser test SKIPPED: no Chromium at ${CHROMIUM}. Install it with "apt-get install -y chromium" (CI does).`;
  // CI installs Chromium, so there a missing browser is a failure, not a skip.
  if (process.env.CI) throw new Error(why);
  console.warn(why);
}

const NOTTINGHAM_CONTACTS = ['diary.manager@nottinghamcity.gov.uk', 'seiu@nottinghamshire.pnn.police.uk', 'cnm@nottinghamshire.pnn.police.uk'];

(available ? describe : describe.skip)('the local web chat page in Chromium', () => {
  let browser: Browser;
  let server: Server;
  let store: Store;
  let base: string;

  beforeAll(async () => {
    const catalogue = loadCatalogue(join(ROOT, 'dialogs'));
    const engine = createEngine(catalogue);
    const log = createLogger('silent');
    store = await createStore({ dataDir: mkdtempSync(join(tmpdir(), 'cse-web-')) });
    server = createServer({ engine, conversations: new ConversationService(engine, store, log), log, clock: () => new Date(), webChat: true, storeDialect: store.dialect });
    await new Promise<void>((r) => {
      server.listen(0, '127.0.0.1', () => r());
    });
    base = `http://127.0.0.1:${server.address().port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    await store?.close();
  });

  /** Clicks the button with this exact text on the newest card, then waits for the bot's next card. */
  async function click(page: Page, text: string) {
    const cards = page.locator('li.bot');
    const before = await cards.count();
    await cards.last().getByRole('button', { name: text, exact: true }).click();
    await page.waitForFunction((n) => document.querySelectorAll('li.bot').length > n, before);
  }

  async function newestText(page: Page) {
    return (await page.locator('li.bot').last().innerText()).replace(/\s+/g, ' ');
  }

  async function chooseArea(page: Page, area: string) {
    await page.goto(base);
    await page.locator('li.bot').first().waitFor();
    const before = await page.locator('li.bot').count();
    await page.selectOption('#area', area);
    await page.waitForFunction((n) => document.querySelectorAll('li.bot').length > n, before);
    await waitForCard(page, /immediate/i);
  }

  /** Waits until the newest card matches (the page may answer the area question by itself in between). */
  async function waitForCard(page: Page, pattern: RegExp) {
    await page.waitForFunction(
      (source) => new RegExp(source, 'i').test(document.querySelector('#transcript li.bot:last-of-type')?.textContent ?? ''),
      pattern.source,
    );
  }

  it('walks a Nottingham City path to the strategy-meeting outcome, surviving a reload', async () => {
    const page = await browser.newPage();
    await chooseArea(page, 'nottingham-city');
    await click(page, 'No immediate danger');
    await waitForCard(page, /check records/);
    await click(page, 'Done: carry on');
    await click(page, 'Skip');
    // Tick two vulnerability indicators by their toggles, then submit.
    const card = page.locator('li.bot').last();
    await card.getByText('Looked after child', { exact: true }).click();
    await card.getByText('Homeless', { exact: true }).click();
    await click(page, 'Submit ticked indicators');
    await click(page, 'None of these');
    await click(page, 'No');
    expect(await newestText(page)).toMatch(/siblings/i);

    // A reload mid-way shows the same question: the conversation is stored on the server.
    await page.reload();
    await waitForCard(page, /siblings/);
    await click(page, 'No');
    await click(page, 'Yes: open case to Social Care');
    await click(page, 'Done: carry on');
    await click(page, 'Meeting Needed');
    const outcome = await newestText(page);
    expect(outcome).toContain('Strategy meeting needed');
    for (const contact of NOTTINGHAM_CONTACTS) expect(outcome).toContain(contact);
    expect(outcome).toContain('Nottingham City CSE pathway (source: 000_d20a7b7ff364f6d9.txt); pack 1.1.0, checked against the source on 2026-12-01');
    // Answered cards can't be clicked again: the earlier questions have no buttons left.
    expect(await page.locator('li.bot.answered button').count()).toBe(0);
    // Saved beside the test (git-ignored) so a test run never changes a tracked file; docs/web-chat.png is a copy.
    const shots = join(__dirname, '__screenshots__');
    mkdirSync(shots, { recursive: true });
    await page.setViewportSize({ width: 1100, height: 1400 });
    await page.locator('li.bot').last().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'web-chat.png'), fullPage: false });
    // The page has no directory of managers: sending the summary says so instead of failing silently.
    await click(page, 'Send the risk summary');
    expect(await newestText(page)).toContain('On this local page the risk summary cannot be sent to a manager.');
    await page.close();
  });

  it('walks a Sandwell path to its outcome, with no Nottingham contact anywhere', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await chooseArea(page, 'sandwell');
    await click(page, 'No immediate danger');
    await waitForCard(page, /questions to ask yourself/);
    await click(page, 'No, carry on');
    await click(page, 'Yes');
    await click(page, 'Done: carry on');
    await click(page, 'Skip');
    await click(page, 'Done: carry on');
    expect(await newestText(page)).toContain('Medium/Serious');
    await click(page, 'Medium/Serious');
    const outcome = await newestText(page);
    expect(outcome).toContain('NWG assessment: what happens next');
    expect(outcome).toContain('CSE Team Manager');
    expect(outcome).toContain('Police CSE Coordinator');
    expect(outcome).toContain('Sandwell CSE practice guidance (source: 004_fcdd3354f01d9305.txt); pack 1.1.0, checked against the source on 2026-12-01');
    const everything = await page.locator('body').innerText();
    for (const contact of [...NOTTINGHAM_CONTACTS, '0115 876 4800']) expect(everything).not.toContain(contact);
    await context.close();
  });
});
