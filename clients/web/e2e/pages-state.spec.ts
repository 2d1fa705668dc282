// What a page keeps and forgets: an album page reused for another album, a photo edited in the open viewer, a switch
// the server refused, the selection bar on a phone.
import { client, newUser, ok, upload } from './support/api';
import { jpeg } from './support/files';
import { album } from './support/setup';
import { signedIn } from './support/session';
import { expect, test } from './support/test';

test('a slow answer for the album left behind does not replace the album opened next', async ({ page }) => {
  const user = await newUser('race');
  const a = await album(user, 'Album Slow');
  const b = await album(user, 'Album Fast');
  await signedIn(page, user, `/albums/${b.id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Album Fast' })).toBeVisible();

  // Album A's answer waits until B is open again.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let asked = false;
  await page.route((url) => url.pathname === `/api/v1/albums/${a.id}`, async (route) => {
    asked = true;
    await held;
    await route.continue();
  });
  await page.evaluate((href) => {
    const link = Object.assign(document.createElement('a'), { href, textContent: 'to A' });
    document.body.append(link);
    link.click();
  }, `/albums/${a.id}`);
  await expect(page.getByText('Loading the album…')).toBeVisible();
  expect(asked).toBe(true);
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Album Fast' })).toBeVisible();

  release();
  await page.waitForTimeout(500);
  await expect(page.getByRole('heading', { level: 1, name: 'Album Fast' })).toBeVisible();
  await expect(page.getByText('Album Slow')).toHaveCount(0);
  await expect(page).toHaveTitle('Album Fast · PhotoApi');
});

test('a photo re-dated to before what is loaded stays open in the viewer, and "Saved." does not follow to the next photo', async ({ page }) => {
  const user = await newUser('redate');
  await upload(user, jpeg({ takenAt: '2024-05-03 10:00:00', name: 'first.jpg' }));
  await upload(user, jpeg({ takenAt: '2024-05-02 10:00:00', name: 'second.jpg' }));
  await upload(user, jpeg({ takenAt: '2024-05-01 10:00:00', name: 'third.jpg' }));
  // The timeline reads two photos a page, and the next page does not come: 2019 is past what is loaded.
  await page.route((url) => url.pathname === '/api/v1/assets', async (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.has('cursor')) return; // left waiting
    url.searchParams.set('limit', '2');
    await route.continue({ url: url.toString() });
  });
  await signedIn(page, user, '/');
  await page.getByRole('button', { name: 'first.jpg' }).click();
  const viewer = page.getByRole('dialog', { name: 'first.jpg' });
  await viewer.getByLabel('Date and time taken').fill('2019-01-01T08:00');
  await viewer.getByRole('button', { name: 'Save' }).click();
  await expect(viewer.getByText('Saved.')).toBeVisible();
  await expect(viewer.getByLabel('Date and time taken')).toHaveValue('2019-01-01T08:00');
  await expect(page.getByRole('dialog', { name: 'second.jpg' })).toHaveCount(0);

  // The next photo starts without the last one's message.
  await viewer.getByRole('button', { name: 'Previous' }).click();
  const second = page.getByRole('dialog', { name: 'second.jpg' });
  await expect(second.getByLabel('Date and time taken')).toHaveValue('2024-05-02T10:00');
  await expect(second.getByText('Saved.')).toHaveCount(0);
});

test('the timeline switch of a partner flips back when the server refuses the change', async ({ page, guard }) => {
  guard.allow(/status of 500/);
  const ann = await newUser('ann');
  const ben = await newUser('ben');
  await ok(client(ann.token).POST('/api/v1/partners', { body: { userId: ben.id } }));
  await page.route((url) => url.pathname === `/api/v1/partners/${ann.id}`, (route) =>
    route.request().method() === 'PATCH'
      ? route.fulfill({ status: 500, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'The server broke.', status: 500, code: 'server.error' }) })
      : route.continue(),
  );
  await signedIn(page, ben, '/partners');
  const toggle = page.getByRole('switch', { name: `Show ${ann.displayName}'s photos in my timeline` });
  const before = await toggle.isChecked();
  await toggle.click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(toggle).toBeChecked({ checked: before });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('the selection bar keeps every action on screen, without sideways scrolling', async ({ page }) => {
    const user = await newUser('phone');
    await upload(user, jpeg({ takenAt: '2024-05-03 10:00:00', name: 'pick.jpg' }));
    await signedIn(page, user, '/');
    await page.getByRole('checkbox', { name: 'Select pick.jpg' }).check();
    const bar = page.getByRole('toolbar', { name: 'Selection' });
    await expect(bar.getByText('1 selected')).toBeVisible();
    for (const name of ['Add to album', 'Share', 'Move or copy', 'Download zip', 'Move to trash', 'Clear selection'])
      await expect(bar.getByRole('button', { name, exact: true })).toBeInViewport({ ratio: 1 });
    const { scroll, client: width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll).toBeLessThanOrEqual(width);
    // The bar does not cover the photo: it can still be opened.
    await page.getByRole('button', { name: 'pick.jpg, photo' }).click();
    await expect(page.getByRole('dialog', { name: 'pick.jpg' })).toBeVisible();
  });
});

test('the album tabs follow the arrow keys, Home and End, and keep the choice in the address', async ({ page }) => {
  const user = await newUser('tabs');
  await signedIn(page, user, '/albums');
  const all = page.getByRole('tab', { name: 'All albums' });
  await expect(all).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel')).toBeVisible();
  await all.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'My albums' })).toBeFocused();
  await expect(page).toHaveURL(/\?scope=owned$/);
  await page.keyboard.press('End');
  await expect(page.getByRole('tab', { name: 'Shared with me' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('No one has shared an album with you yet.')).toBeVisible();
  await page.keyboard.press('Home');
  await expect(all).toBeFocused();
  await expect(page).toHaveURL(/\/albums$/);
});
