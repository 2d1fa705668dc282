// One thing a page does at a time (trash, restore, move…): busy while it runs, then what came of it in words — the
// success sentence it returns, or the error — for the page's Alerts.
import { messageOf } from '../api';

export class Task {
  busy = $state(false);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);

  async run(what: () => Promise<string | void>): Promise<void> {
    this.busy = true;
    this.error = this.notice = null;
    try {
      this.notice = (await what()) ?? null;
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.busy = false;
    }
  }
}
