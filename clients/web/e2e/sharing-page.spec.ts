// The Sharing page and the share dialog: an owner changes a share from Shared With Others (a new invitee found by
// the principal search, a link with a password), copies its address, sees guests' visits counted, and rotates the
// key; the invitee finds the album under Shared With Me with their role.
import { ADMIN, client, newUser, ok } from './support/api';
import { SCREENSHOT_SIZE, screenshot } from './support/page';
import { signedIn } from './support/session';
import { album, newShare, withSharedSpace } from './support/setup';
import { expect, test } from './support/test';

test('an owner edits a share from Shared With Others; the invitee and guests see it', async ({ page, context }) => {
  await page.setViewportSize(SCREENSHOT_SIZE);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const [owner, bob, carol] = [await newUser('owner'), await newUser('bob'), await newUser('carol')];
  const api = client(owner.token);
  const wedding = await album(owner, 'Wedding', 2);
  const beach = await album(owner, 'Beach week', 1);
  const share = await newShare(owner, { type: 'album', id: wedding.id }, {
    linkEnabled: false, privacy: 'private', invitees: [{ principalType: 'user', principalId: carol.id, role: 'viewer' }],
  });
  // Two more entries for the list: a public link and a partner.
  await newShare(owner, { type: 'album', id: beach.id });
  await ok(api.POST('/api/v1/partners', { body: { userId: carol.id } }));

  // The list carries each share's people, link and visits: no share is read on its own for it.
  const shareReads: string[] = [];
  page.on('request', (r) => /^\/api\/v1\/shares\/[^/]+$/.test(new URL(r.url()).pathname) && r.method() === 'GET' && shareReads.push(r.url()));
  await signedIn(page, owner, '/sharing?tab=with-others');
  await expect(page.getByRole('tab', { name: 'Shared With Others' })).toHaveAttribute('aria-selected', 'true');
  const card = page.getByRole('article', { name: 'Wedding' });
  await expect(card.getByText(`${carol.displayName} · Viewer`)).toBeVisible();
  await expect(card.getByText('No link')).toBeVisible();
  await expect(card.getByText('0 views')).toBeVisible();
  const beachCard = page.getByRole('article', { name: 'Beach week' });
  await expect(beachCard.getByText('No one invited')).toBeVisible();
  await expect(beachCard.getByText('Never visited')).toBeVisible();
  await expect(beachCard.getByRole('button', { name: 'Copy link' })).toBeVisible();
  expect(shareReads).toEqual([]);

  // Edit: invite Bob as a Downloader (typed, picked with the keyboard), and turn the link on with a password.
  await card.getByRole('button', { name: 'Edit sharing of Wedding' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share Wedding' });
  await expect(dialog.getByRole('listitem').filter({ hasText: carol.displayName })).toBeVisible();
  const search = dialog.getByRole('combobox', { name: 'Invite people or groups' });
  await search.fill(bob.username);
  await expect(dialog.getByRole('option', { name: new RegExp(`@${bob.username}`) })).toBeVisible();
  await search.press('ArrowDown');
  await expect(dialog.getByRole('option', { name: new RegExp(`@${bob.username}`) })).toHaveAttribute('aria-selected', 'true');
  await search.press('Enter');
  await expect(search).toHaveValue('');
  await dialog.getByRole('combobox', { name: `Role of ${bob.displayName}` }).selectOption('downloader');
  await dialog.getByRole('switch', { name: 'Share by link' }).check();
  await expect(dialog.getByRole('radio', { name: 'Anyone with the link' })).toBeChecked();
  await dialog.getByRole('checkbox', { name: 'Require a password' }).check();
  await dialog.getByLabel('Password', { exact: true }).fill('open sesame');
  await expect(dialog.getByRole('checkbox', { name: 'Download originals' })).toBeChecked();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText('Saved. The link is ready to copy.')).toBeVisible();

  const saved = await ok(api.GET('/api/v1/shares/{id}', { params: { path: { id: share.id } } }));
  expect(saved).toMatchObject({ linkEnabled: true, privacy: 'public', passwordProtected: true, allowDownload: true });
  expect(saved.invitees.map((i) => [i.principalId, i.role]).sort()).toEqual([[bob.id, 'downloader'], [carol.id, 'viewer']].sort());
  await expect(dialog.getByRole('textbox', { name: 'Link address' })).toHaveValue(saved.url);
  await dialog.getByRole('button', { name: 'Copy link' }).click();
  await expect(dialog.getByText('Copied')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(saved.url);
  await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();
  await expect(dialog).toBeHidden();

  // A guest opens the link (unlocking it): the owner sees the visit counted.
  const guest = client();
  const key = saved.key;
  const locked = await ok(guest.GET('/api/v1/s/{key}', { params: { path: { key } } }));
  expect(locked).toMatchObject({ passwordRequired: true, unlocked: false });
  const { shareToken } = await ok(guest.POST('/api/v1/s/{key}/unlock', { params: { path: { key } }, body: { password: 'open sesame' } }));
  const opened = await ok(guest.GET('/api/v1/s/{key}', { params: { path: { key }, header: { 'X-Share-Token': shareToken } } }));
  expect(opened.title).toBe('Wedding');
  await page.reload();
  await expect(card.getByText('1 view', { exact: true })).toBeVisible();
  await expect(card.getByText(/Last visited/)).toBeVisible();
  await expect(card.getByText(`${bob.displayName} · Downloader`)).toBeVisible();
  await expect(card.getByText('Link for anyone · password')).toBeVisible();
  await expect(page.getByRole('article', { name: `Your library, with ${carol.displayName}` })).toBeVisible();
  await screenshot(page, 'sharing');

  // Rotate the key: a new address, and the old one opens nothing.
  await card.getByRole('button', { name: 'Edit sharing of Wedding' }).click();
  await expect(dialog.getByRole('textbox', { name: 'Link address' })).toHaveValue(saved.url);
  await dialog.getByRole('button', { name: 'Rotate key…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Give the link a new address?' });
  await expect(confirm).toContainText('stops working');
  await confirm.getByRole('button', { name: 'Rotate key' }).click();
  await expect(dialog.getByText('The link has a new address. The old one no longer works.')).toBeVisible();
  const rotated = await ok(api.GET('/api/v1/shares/{id}', { params: { path: { id: share.id } } }));
  expect(rotated.url).not.toBe(saved.url);
  await expect(dialog.getByRole('textbox', { name: 'Link address' })).toHaveValue(rotated.url);
  const old = await guest.GET('/api/v1/s/{key}', { params: { path: { key } } });
  expect(old.response.status).toBe(404);

  // Bob finds the album under Shared With Me, with its cover, his role and who shares it.
  const [firstEntry] = (await ok(api.GET('/api/v1/albums/{id}/assets', { params: { path: { id: wedding.id } } }))).items;
  await ok(api.PATCH('/api/v1/albums/{id}', { params: { path: { id: wedding.id } }, body: { coverAssetId: firstEntry!.asset.id } }));
  await signedIn(page, bob, '/sharing');
  const meTab = page.getByRole('tab', { name: 'Shared With Me' });
  await expect(meTab).toHaveAttribute('aria-selected', 'true');
  const item = page.getByRole('link', { name: /Wedding/ });
  await expect(item).toContainText(`Shared by ${owner.displayName}`);
  await expect(item).toContainText('Downloader');
  await expect(item).toContainText('2 items');
  await expect(item).toHaveAttribute('href', `/albums/${wedding.id}`);
  const cover = item.locator('img');
  await expect(cover).toBeVisible();
  await expect.poll(() => cover.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  // The tabs follow the arrow keys, and the address keeps the tab.
  await meTab.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Shared With Others' })).toBeFocused();
  await expect(page).toHaveURL(/\?tab=with-others$/);
  await expect(page.getByText('You are not sharing anything yet.')).toBeVisible();
});

test('on a phone, the dialog shows the API’s errors by their fields, and Stop sharing ends the share', async ({ page, guard }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const owner = await newUser('owner');
  const api = client(owner.token);
  const garden = await album(owner, 'Garden', 1);
  const share = await newShare(owner, { type: 'album', id: garden.id });
  guard.allow(/status of 400/);

  await signedIn(page, owner, '/sharing?tab=with-others');
  await page.getByRole('button', { name: 'Edit sharing of Garden' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share Garden' });
  const expires = dialog.getByLabel(/Link expires/);
  await expires.fill('2001-01-01T10:00');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(expires).toHaveAttribute('aria-invalid', 'true');
  const message = await expires.getAttribute('aria-describedby');
  await expect(dialog.locator(`[id="${message}"]`)).toContainText(/future/i);

  await dialog.getByRole('button', { name: 'Stop sharing…' }).click();
  await page.getByRole('dialog', { name: 'Stop sharing Garden?' }).getByRole('button', { name: 'Stop sharing' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('You are not sharing anything yet.')).toBeVisible();
  expect((await api.GET('/api/v1/shares/{id}', { params: { path: { id: share.id } } })).response.status).toBe(404);
});

test("an admin shares a Shared Space folder; the dialog opens that share again from the folder's page", async ({ page }) => {
  await withSharedSpace(async (admin) => {
    const folderName = `Choir ${Date.now().toString(36)}`;
    const folder = await ok(admin.POST('/api/v1/folders', { body: { name: folderName, space: 'shared' } }));
    await signedIn(page, ADMIN, `/folders/${folder.id}`);
    await expect(page.getByRole('heading', { level: 1, name: folderName })).toBeVisible();
    await page.getByRole('button', { name: 'Share folder' }).click();
    const dialog = page.getByRole('dialog', { name: `Share ${folderName}` });
    await dialog.getByRole('switch', { name: 'Share by link' }).check();
    await dialog.getByRole('button', { name: 'Share', exact: true }).click();
    await expect(dialog.getByText('Saved. The link is ready to copy.')).toBeVisible();
    const url = await dialog.getByRole('textbox', { name: 'Link address' }).inputValue();
    await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();

    // The folder names its share now: the dialog opens it, on this page and after a reload.
    const shareId = (await ok(admin.GET('/api/v1/folders/{id}', { params: { path: { id: folder.id } } }))).shareId;
    expect(shareId).not.toBeNull();
    expect((await ok(admin.GET('/api/v1/shares/{id}', { params: { path: { id: shareId! } } }))).url).toBe(url);
    for (const reload of [false, true]) {
      if (reload) await page.reload();
      await page.getByRole('button', { name: 'Share folder' }).click();
      await expect(dialog.getByRole('textbox', { name: 'Link address' })).toHaveValue(url);
      await expect(dialog.getByRole('button', { name: 'Save', exact: true })).toBeVisible();
      await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();
    }
    await ok(admin.DELETE('/api/v1/shares/{id}', { params: { path: { id: shareId! } } }));
  });
});
