// Names of users by id, for pages that hold only ids (a group's members). Admins read every account with `listUsers`;
// the answer is kept for the page's life.
import { api, ok, type Schemas } from '../../lib/api';

let all: Promise<Map<string, Schemas['UserResponse']>> | null = null;

export function usersById(): Promise<Map<string, Schemas['UserResponse']>> {
  all ??= (async () => {
    const map = new Map<string, Schemas['UserResponse']>();
    let cursor: string | undefined;
    do {
      const page = await ok(api.GET('/api/v1/admin/users', { params: { query: { limit: 1000, cursor } } }));
      for (const u of page.items) map.set(u.id, u);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return map;
  })();
  all.catch(() => (all = null));
  return all;
}

/** Forget what was read (after users were created). */
export function forgetUsers(): void {
  all = null;
}
