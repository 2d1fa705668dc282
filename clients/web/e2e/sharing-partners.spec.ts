// Partners: A shares their library with B from the Partners page (found with the user search); B sees A among those
// who share with them and chooses to show A's photos in their timeline.
import { client, newUser, ok } from './support/api';
import { signedIn } from './support/session';
import { expect, test } from './support/test';

test('a partner added on the page sees who shares with them, and turns the timeline on', async ({ page }) => {
  const [ann, ben] = [await newUser('ann'), await newUser('ben')];

  await signedIn(page, ann, '/partners');
  await expect(page.getByRole('heading', { level: 1, name: 'Partners' })).toBeVisible();
  const search = page.getByRole('combobox', { name: 'Add a partner' });
  await search.fill(ben.username);
  await page.getByRole('option', { name: new RegExp(`@${ben.username}`) }).click();
  await expect(page.getByText(`${ben.displayName} now sees your library.`)).toBeVisible();
  const mine = page.getByRole('list', { name: 'You share your library with' });
  await expect(mine.getByRole('listitem').filter({ hasText: ben.displayName })).toBeVisible();
  const sharedBy = await ok(client(ann.token).GET('/api/v1/partners', { params: { query: { direction: 'shared-by' } } }));
  expect(sharedBy.items.map((p) => p.userId)).toEqual([ben.id]);

  await signedIn(page, ben, '/partners');
  const theirs = page.getByRole('list', { name: 'Sharing their library with you' });
  const row = theirs.getByRole('listitem').filter({ hasText: ann.displayName });
  await expect(row).toContainText(`@${ann.username}`);
  const timeline = row.getByRole('switch', { name: `Show ${ann.displayName}'s photos in my timeline` });
  await expect(timeline).not.toBeChecked();
  await timeline.check();
  await expect.poll(async () => {
    const { items } = await ok(client(ben.token).GET('/api/v1/partners', { params: { query: { direction: 'shared-with' } } }));
    return items.map((p) => [p.userId, p.inTimeline]);
  }).toEqual([[ann.id, true]]);
  await page.reload();
  await expect(timeline).toBeChecked();
});
