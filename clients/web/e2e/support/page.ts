// Reading and driving pages: a day heading as the app writes it, files dropped from the desktop, images loaded.
import type { Locator, Page } from '@playwright/test';

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
