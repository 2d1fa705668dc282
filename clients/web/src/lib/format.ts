// Numbers, counts and times as a person reads them (in the browser's language), and times in and out of
// `<input type="datetime-local">`. Two kinds of time, kept apart by name:
// - instants (share and request expiries, visits, dates of accounts): real moments, shown and typed in the browser's
//   own time zone — `date`, `dateTime`, `relative`, `instantToInput`, `instantFromInput`;
// - when a photo was taken (`takenAt`): the camera's wall-clock time, which the API keeps "labelled UTC" (see
//   AssetResponse.takenAt), so it is read and written in UTC — a photo taken at 12:30 in Paris shows 12:30 and sits
//   under its own day wherever the browser is, and editing the time round-trips exactly — `taken…` and `wallClock`.

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toLocaleString(undefined, { maximumFractionDigits: v < 10 ? 1 : 0 })} ${units[i]}`;
}

/** "1 view", "3 views", "1 photo or video", "2 photos and videos". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A video's length as players show it: "0:07", "1:05", "1:02:03" (rounded down to the second). */
export function duration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = pad(total % 60);
  return h ? `${h}:${pad(m)}:${s}` : `${m}:${s}`;
}

const CODECS: Record<string, string> = {
  h264: 'H.264', hevc: 'HEVC (H.265)', vp8: 'VP8', vp9: 'VP9', av1: 'AV1', mpeg4: 'MPEG-4', prores: 'ProRes',
  aac: 'AAC', opus: 'Opus', vorbis: 'Vorbis', mp3: 'MP3', ac3: 'AC-3', eac3: 'E-AC-3', flac: 'FLAC', alac: 'ALAC',
};

/** A video's codecs as ffmpeg names them ("hevc", "aac"), in the words a person knows: "HEVC (H.265), AAC sound". */
export function codecs(video: string | null, audio: string | null): string {
  const name = (c: string) => CODECS[c] ?? c.toUpperCase();
  return [video && name(video), audio ? `${name(audio)} sound` : video && 'no sound'].filter(Boolean).join(', ');
}

// Instants.

export function date(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' }) : '';
}

export function dateTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '';
}

/** "in 3 days", "2 hours ago": for expiries and last visits. */
export function relative(iso: string): string {
  const diff = new Date(iso).getTime() - Date.now();
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 31_536_000_000], ['month', 2_592_000_000], ['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000],
  ];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, ms] of units) if (abs >= ms) return rtf.format(Math.round(diff / ms), unit);
  return rtf.format(0, 'minute');
}

/** A day heading: "Today", "Yesterday", else the date with its weekday — of the browser's own calendar. */
function day(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  const start = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((start(today) - start(d)) / 86_400_000);
  if (diff === 0) return 'Today';
  if (diff === 1) return 'Yesterday';
  return d.toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'long', day: 'numeric' });
}

/** A local wall-clock time (no offset), to the minute or the second. */
function localClock(d: Date, seconds: boolean): string {
  const minute = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return seconds ? `${minute}:${pad(d.getSeconds())}` : minute;
}

/** An instant as the value of a datetime-local input: the browser's local time, to the minute ('' for none). */
export function instantToInput(iso: string | null | undefined): string {
  return iso ? localClock(new Date(iso), false) : '';
}

/** A datetime-local input's value (local time) as an ISO instant, or null when it is empty or not a time. */
export function instantFromInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

// When a photo was taken: the camera's wall clock, in UTC.

/** The calendar day (YYYY-MM-DD) a photo was taken on. */
export function takenDay(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

/**
 * The heading of a calendar day given without a time zone (YYYY-MM-DD: a `takenDay`, the day a share was made):
 * "Today", "Yesterday", "Sat, June 1, 2024". Read as noon of that day in the browser's own zone — never as UTC,
 * which names the day before or after in zones far from it (UTC+13, UTC−11).
 */
export function dayTitle(key: string): string {
  return day(`${key}T12:00:00`);
}

/** The time a photo was taken as a person reads it. */
export function takenText(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' });
}

/** takenAt as the value of a datetime-local input. */
export function takenToInput(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16);
}

/** takenAt from a datetime-local input's value, or null when it is empty or not a time. */
export function takenFromInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(`${value}Z`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** A file's last-modified time as wall-clock time (no offset, which the API reads as UTC): an upload's guess of takenAt. */
export function wallClock(ms: number): string {
  return localClock(new Date(ms), true);
}
