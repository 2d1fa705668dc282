// When a photo was taken, as the camera's clock said it. The API keeps a camera's wall-clock time "labelled UTC"
// (see AssetResponse.takenAt), so the library reads and writes takenAt in UTC: a photo taken at 12:30 in Paris shows
// 12:30 and sits under its own day wherever the browser is, and editing the time round-trips exactly.
import { day } from '../format';

/** The calendar day (YYYY-MM-DD) a photo was taken on. */
export function takenDay(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

/** The heading of a day of the timeline ("Today", "Yesterday", "Sat, June 1, 2024"). */
export function dayTitle(key: string): string {
  // Noon of that day in the browser's zone, so that `day()` (which reads local time) names that same day.
  return day(`${key}T12:00:00`);
}

/** The time taken as a person reads it. */
export function takenText(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' });
}

/** The value of a `datetime-local` input for takenAt. */
export function toInput(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16);
}

/** takenAt from a `datetime-local` input's value, or null when it is empty or not a time. */
export function fromInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(`${value}Z`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** A file's last-modified time as wall-clock time (no offset, which the API reads as UTC): the upload's guess. */
export function wallClock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
