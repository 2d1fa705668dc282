// Real files for the tests, made by the tools the project installs: ImageMagick for JPEGs (distinct content each, so
// deduplication never merges them), exiftool for metadata, heif-enc for HEIC, ffmpeg for videos.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'photoapi-e2e-'));
let n = 0;

export interface JpegOptions {
  width?: number;
  height?: number;
  name?: string;
  gps?: boolean;
  camera?: boolean;
  /** When the camera says it was taken ("2023-05-04 10:00:00", EXIF DateTimeOriginal), with the camera's make. */
  takenAt?: string;
}

/** A JPEG of its own colour and label; with `gps`/`camera`, EXIF that a clean copy must not keep; `takenAt`, its date. */
export function jpeg(options: JpegOptions = {}): string {
  const { width = 640, height = 480 } = options;
  const i = n++;
  const path = join(dir, options.name ?? `photo-${i}.jpg`);
  const hue = (i * 47) % 360;
  execFileSync('/usr/bin/convert', [
    // DejaVu (installed with the browser tests): ImageMagick's default Helvetica needs Ghostscript's fonts.
    '-size', `${width}x${height}`, `xc:hsl(${hue},60%,55%)`, '-font', 'DejaVu-Sans', '-fill', 'white', '-pointsize', String(Math.round(height / 5)),
    '-gravity', 'center', '-annotate', '0', `#${i}`, '-quality', '85', path,
  ]);
  const tags: string[] = [];
  if (options.gps) tags.push('-GPSLatitude=48.8584', '-GPSLatitudeRef=N', '-GPSLongitude=2.2945', '-GPSLongitudeRef=E');
  if (options.camera) tags.push('-Make=TestCam', '-Model=Model 7', '-DateTimeOriginal=2024:06:01 12:30:00');
  if (options.takenAt) tags.push('-Make=TestCam', `-DateTimeOriginal=${options.takenAt.replace(/-/g, ':')}`);
  if (tags.length) execFileSync('exiftool', ['-q', '-overwrite_original', ...tags, path]);
  return path;
}

/** A JPEG cut off after 60 % of its bytes (of a picture whose every byte counts): no decoder reads it whole. */
export function truncatedJpeg(name = `cut-${n++}.jpg`): string {
  const whole = join(dir, `whole-${name}`);
  execFileSync('/usr/bin/convert', ['-seed', String(n++), '-size', '200x150', 'plasma:fractal', '-quality', '90', '-strip', whole]);
  const bytes = readFileSync(whole);
  const path = join(dir, name);
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  return path;
}

/** A HEIC as an iPhone sends it (HEVC in HEIF), with GPS and camera EXIF. */
export function heic(options: { name?: string } = {}): string {
  const source = jpeg({ gps: true, camera: true });
  const path = join(dir, options.name ?? `iphone-${n++}.heic`);
  execFileSync('heif-enc', ['-q', '60', '-o', path, source], { stdio: 'ignore' });
  return path;
}

/** The EXIF tags exiftool finds in a file (group:name → value). */
export function exif(path: string): Record<string, unknown> {
  const out = execFileSync('exiftool', ['-j', '-G1', '-a', path]).toString();
  return (JSON.parse(out) as Record<string, unknown>[])[0] ?? {};
}

export type VideoKind = 'mp4' | 'hevc' | 'webm';

export interface VideoOptions {
  /** `mp4`: H.264 + AAC in MP4, which browsers play as it is; `hevc`: HEVC + AAC in a QuickTime .mov, as an iPhone
   * records (Chromium cannot play it: the worker makes a copy); `webm`: VP9 + Opus. */
  kind?: VideoKind;
  seconds?: number;
  width?: number;
  height?: number;
  name?: string;
}

const VIDEO_CODECS: Record<VideoKind, { ext: string; args: string[] }> = {
  mp4: { ext: 'mp4', args: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart'] },
  hevc: {
    ext: 'mov',
    args: ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k'],
  },
  webm: { ext: 'webm', args: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-c:a', 'libopus', '-b:a', '48k'] },
};

/**
 * A real video (a moving test pattern with a tone) made by ffmpeg. Encoding a large one takes seconds, so each kind
 * and size is encoded once per machine (kept in the temporary folder) and every call gets its own copy remuxed with a
 * tag of its own: distinct bytes, so deduplication (and the worker's playback copies, kept per checksum) never merge
 * two tests' videos.
 */
export function video(options: VideoOptions = {}): string {
  const { kind = 'mp4', seconds = 3, width = 640, height = 360 } = options;
  const { ext, args } = VIDEO_CODECS[kind];
  const cache = join(tmpdir(), 'photoapi-e2e-videos');
  mkdirSync(cache, { recursive: true });
  const base = join(cache, `${kind}-${width}x${height}-${seconds}s.${ext}`);
  if (!existsSync(base)) {
    const part = `${base}.${process.pid}.part.${ext}`;
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=30:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
      ...args, '-shortest', part,
    ]);
    renameSync(part, base);
  }
  const i = n++;
  const path = join(dir, options.name ?? `clip-${i}.${ext}`);
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', base, '-map', '0', '-c', 'copy',
    '-metadata', `comment=photoapi e2e ${process.pid} ${Date.now()} ${i}`, ...(kind === 'mp4' ? ['-movflags', '+faststart'] : []), path,
  ]);
  return path;
}

/** An MP4 cut off after its first 40 kB, its index (written at the end) lost: a video no tool can read. */
export function truncatedVideo(name = `cut-${n++}.mp4`): string {
  const whole = join(dir, `whole-${name}`);
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=3',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-metadata', `comment=${Date.now()} ${n}`, whole,
  ]);
  const path = join(dir, name);
  writeFileSync(path, readFileSync(whole).subarray(0, 40_000));
  return path;
}
