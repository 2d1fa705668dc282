// Names of users by id, for pages that hold only ids (a group's members). Admins read every account with `listUsers`;
// the answer is kept until an account changes (UsersPanel calls `forgetUsers`), then read again.
import { api, ok, type Schemas } from '../../lib/api';
import { allPages } from '../../lib/paged.svelte';

let all: Promise<Map<string, Schemas['UserResponse']>> | null = null;

export function usersById(): Promise<Map<string, Schemas['UserResponse']>> {
  all ??= (async () => {
    const users = await allPages((cursor) => ok(api.GET('/api/v1/admin/users', { params: { query: { limit: 1000, cursor } } })));
    return new Map(users.map((u) => [u.id, u]));
  })();
  all.catch(() => (all = null));
  return all;
}

/** Forget what was read (after an account was created or changed). */
export function forgetUsers(): void {
  all = null;
}
