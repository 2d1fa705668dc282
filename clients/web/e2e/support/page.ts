// Reading and driving pages: a day heading as the app writes it, files dropped from the desktop, images loaded, and
// screenshots.
import { test, type Locator, type Page } from '@playwright/test';

/** The heading of a day of the timeline (not today or yesterday), in the browser's language as the app writes it. */
export function dayHeading(page: Page, isoDay: string): Promise<string> {
  return page.evaluate((d) => new Date(`${d}T12:00:00`).toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'long', day: 'numeric' }), isoDay);
}

/** Drops files on an element as a drag from the desktop would. */
export async function dropFiles(page: Page, target: Locator, files: { name: string; bytes: Buffer; type: string }[]) {
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
    return dt;
  }, files.map((f) => ({ name: f.name, type: f.type, bytes: [...f.bytes] })));
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await target.dispatchEvent('drop', { dataTransfer: transfer });
}

/** Whether every image of the page has loaded (for a screenshot that shows them). */
export async function imagesLoaded(page: Page): Promise<boolean> {
  return page.evaluate(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
}

/** The size every screenshot is taken at, so that the ones kept in e2e/screenshots stay comparable. */
export const SCREENSHOT_SIZE = { width: 1280, height: 800 };

/**
 * A screenshot of what the page shows (the viewport, 1280×800). Kept in `e2e/screenshots/<name>.png` (tracked, for the
 * docs) only when PHOTOAPI_WEB_SCREENSHOTS=1; otherwise it goes to the test's output folder, so a run changes no
 * tracked file.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize();
  if (size?.width !== SCREENSHOT_SIZE.width || size.height !== SCREENSHOT_SIZE.height) {
    throw new Error(`screenshot ${name}: the viewport is ${size?.width}×${size?.height}, not ${SCREENSHOT_SIZE.width}×${SCREENSHOT_SIZE.height}`);
  }
  const path = process.env.PHOTOAPI_WEB_SCREENSHOTS === '1' ? `e2e/screenshots/${name}.png` : test.info().outputPath(`${name}.png`);
  await page.screenshot({ path });
}
