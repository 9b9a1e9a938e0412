/**
 * Layout and accessibility of every view (issue 22), with content in them: the bundled model, a
 * small FGSM run, a rendered sheet and the synthetic sweeps. At 1024×768, 1920×1080 and 2560×1440, on each
 * view scrolled to the bottom: the step rail is still on screen, nothing makes the page scroll
 * sideways (a table may scroll inside its card), text fields show their whole value and badges
 * keep to one line; screenshots are attached. Then an axe-core audit of each view and of the
 * shortcut overlay: no serious or critical violation.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { freshWorkbench, openView, shot } from './support/workbench';

const VIEWS = ['model', 'images', 'attack', 'patch', 'print', 'capture', 'evaluate', 'defences', 'report'];
const VIEWPORTS = [
  { width: 1024, height: 768 },
  { width: 1920, height: 1080 },
  { width: 2560, height: 1440 },
];

/** Elements wider than the page that no sideways-scrolling ancestor contains (why the page would scroll). */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.scrollingElement!.clientWidth;
    const scrolls = (el: Element | null): boolean => {
      for (let a = el?.parentElement; a; a = a.parentElement) if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return true;
      return false;
    };
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !scrolls(el))
      .slice(0, 8)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} right=${Math.round(el.getBoundingClientRect().right)}`);
  });
}

/** Text fields whose value is cut off, and badges that wrap onto a second line; and how many fields were looked at. */
function cutOff(page: Page): Promise<{ fields: number; problems: string[] }> {
  return page.evaluate(() => {
    const out: string[] = [];
    const fields = [...document.querySelectorAll<HTMLInputElement>('main input[type="text"], main input:not([type])')].filter((el) => el.checkVisibility());
    for (const el of fields) {
      if (el.scrollWidth > el.clientWidth + 1) out.push(`input#${el.id} "${el.value}" (${el.scrollWidth} > ${el.clientWidth} px)`);
    }
    for (const el of document.querySelectorAll<HTMLElement>('main .badge')) {
      const line = parseFloat(getComputedStyle(el).lineHeight);
      if (el.checkVisibility() && el.getBoundingClientRect().height > line * 1.6) out.push(`badge "${el.textContent}" wraps`);
    }
    return { fields: fields.length, problems: out };
  });
}

async function withContent(page: Page): Promise<void> {
  await freshWorkbench(page);
  await page.getByRole('button', { name: 'Load the bundled model' }).click();
  await expect(page.getByTestId('model-info')).toContainText('fashion-cnn');
  await page.getByRole('button', { name: 'Classify one sample per class' }).click();
  await expect(page.getByTestId('model-samples').locator(':scope > li')).toHaveCount(10);
  await page.getByTestId('experiment-bar').getByRole('button', { name: 'New experiment' }).click();
  await expect(page.getByTestId('experiment-name')).toContainText('experiment-');
  await openView(page, 'images');
  await page.getByRole('button', { name: 'Show clean predictions' }).click();
  await expect(page.getByTestId('images-accuracy')).toContainText('Top-1');
  await openView(page, 'attack');
  await page.locator('#attack-eps').fill('16');
  await page.locator('#attack-limit').fill('4');
  await page.getByTestId('attack-start').click();
  await expect(page.getByTestId('attack-results').locator('tbody tr')).toHaveCount(4);
  await openView(page, 'print');
  await page.getByTestId('print-render').click();
  await expect(page.getByTestId('sheet-previews').locator('canvas')).toHaveCount(1);
  await openView(page, 'evaluate');
  await page.getByTestId('sweep-run').click();
  await expect(page.locator('[data-transform="jpeg"] canvas')).toHaveCount(2, { timeout: 60_000 });
}

test('every view at 1024×768, 1920×1080 and 2560×1440: sticky step rail, no sideways page scroll, whole values; axe finds nothing serious', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  await withContent(page);

  for (const size of VIEWPORTS) {
    await test.step(`${size.width}×${size.height}`, async () => {
      await page.setViewportSize(size);
      const heights: Record<string, number> = {};
      for (const view of VIEWS) {
        await openView(page, view);
        heights[view] = await page.evaluate(() => document.scrollingElement!.scrollHeight);
        await page.evaluate(() => window.scrollTo(0, document.scrollingElement!.scrollHeight));
        await page.waitForFunction(() => Math.abs(window.scrollY + innerHeight - document.scrollingElement!.scrollHeight) < 2 || document.scrollingElement!.scrollHeight <= innerHeight);
        // The rail's first and last steps are both inside the viewport after scrolling to the bottom.
        for (const step of ['model', 'report']) {
          const box = await page.locator(`nav a[data-view="${step}"]`).boundingBox();
          expect(box, `${view}: step ${step} has a box`).not.toBeNull();
          expect(box!.y, `${view} at ${size.width}: step ${step} scrolled off the top`).toBeGreaterThanOrEqual(0);
          expect(box!.y + box!.height, `${view} at ${size.width}: step ${step} below the fold`).toBeLessThanOrEqual(size.height);
        }
        const sideways = await page.evaluate(() => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth);
        expect(sideways, `${view} at ${size.width} px scrolls sideways because of: ${(await overflowing(page)).join('; ')}`).toBeLessThanOrEqual(0);
        const { fields, problems } = await cutOff(page);
        expect(problems, `${view} at ${size.width} px`).toEqual([]);
        // The sweep-value fields ("-30, -20, … 30") are among those checked.
        if (view === 'evaluate') expect(fields).toBeGreaterThanOrEqual(4);
        await shot(page, testInfo, `layout-${size.width}-${view}-bottom`);
      }
      testInfo.annotations.push({ type: `page heights at ${size.width} px`, description: JSON.stringify(heights) });
      console.log(`page heights at ${size.width}×${size.height}: ${JSON.stringify(heights)}`);
      // The longest view is long enough to scroll: the sticky check above is not vacuous.
      expect(Math.max(...Object.values(heights))).toBeGreaterThan(size.height);
    });
  }

  await test.step('axe-core audit of every view', async () => {
    const found: string[] = [];
    for (const view of VIEWS) {
      await openView(page, view);
      const { violations, passes } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
      // The audit really ran its rules on this view (colour contrast, labels, landmarks among them).
      expect(passes.map((p) => p.id)).toEqual(expect.arrayContaining(['color-contrast', 'label', 'landmark-one-main']));
      console.log(`axe ${view}: ${passes.length} rules passed; minor/moderate: ${violations.map((v) => `${v.id} (${v.impact})`).join(', ') || 'none'}`);
      for (const v of violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
        found.push(`${view}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}`);
      }
    }
    // The shortcut overlay too, open over a view.
    await page.keyboard.press('?');
    await expect(page.getByTestId('shortcut-help')).toBeVisible();
    const overlay = await new AxeBuilder({ page }).include('[data-testid="shortcut-help"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    for (const v of overlay.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) found.push(`shortcut overlay: ${v.id} (${v.impact}) ${v.help}`);
    expect(overlay.passes.map((p) => p.id)).toContain('color-contrast');
    expect(found).toEqual([]);
  });
});
