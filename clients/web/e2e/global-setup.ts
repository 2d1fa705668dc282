// Once per run: the first account (which becomes the admin) and open registration, so each test makes its own users.
import { ADMIN, client, ok, signIn } from './support/api';

export default async function globalSetup() {
  await ok(client().POST('/api/v1/auth/register', { body: { username: ADMIN.username, password: ADMIN.password, displayName: 'Admin', email: 'admin@example.test' } }));
  const token = await signIn(ADMIN.username, ADMIN.password);
  await ok(client(token).PATCH('/api/v1/admin/settings', { body: { registrationMode: 'open' } }));
}
